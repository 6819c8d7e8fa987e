package jetstream_test

import (
	"context"
	"testing"

	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

// openFiles opens the attachments on a new embedded NATS, closed when the
// test ends.
func openFiles(t *testing.T) *jetstream.Files {
	t.Helper()
	b := openBus(t, t.TempDir())
	t.Cleanup(b.Close)
	f, err := jetstream.OpenFiles(context.Background(), b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestFiles(t *testing.T) { storetest.TestFiles(t, openFiles(t)) }

func TestFileReferences(t *testing.T) { storetest.TestFileReferences(t, openFiles(t)) }

func TestExpireUploads(t *testing.T) { storetest.TestExpireUploads(t, openFiles(t)) }
