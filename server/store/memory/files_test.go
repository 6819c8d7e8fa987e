package memory_test

import (
	"testing"

	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestFiles(t *testing.T) { storetest.TestFiles(t, memory.NewFiles()) }
