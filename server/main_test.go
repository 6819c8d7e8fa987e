package server_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The search index's bleve starts its analysis workers when imported.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/blevesearch/bleve_index_api.AnalysisWorker"))
}
