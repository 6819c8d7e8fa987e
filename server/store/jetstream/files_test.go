package jetstream_test

import (
	"context"
	"testing"

	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

func TestFiles(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	f, err := jetstream.OpenFiles(context.Background(), b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestFiles(t, f)
}
