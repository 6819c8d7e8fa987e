package memory_test

import (
	"testing"

	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestPushRecords(t *testing.T) {
	t.Parallel()
	storetest.TestPush(t, memory.NewPushRecords())
}
