package memory_test

import (
	"testing"

	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestFiles(t *testing.T) { storetest.TestFiles(t, memory.NewFiles()) }

func TestFileReferences(t *testing.T) { storetest.TestFileReferences(t, memory.NewFiles()) }

func TestExpireUploads(t *testing.T) { storetest.TestExpireUploads(t, memory.NewFiles()) }
