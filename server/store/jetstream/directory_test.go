package jetstream_test

import (
	"context"
	"testing"

	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

func TestDirectory(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	d, err := jetstream.OpenDirectory(context.Background(), b.JetStream, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestDirectory(t, d)
}

func TestModeration(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	d, err := jetstream.OpenDirectory(context.Background(), b.JetStream, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestModeration(t, d)
}

func TestAdminRooms(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	d, err := jetstream.OpenDirectory(context.Background(), b.JetStream, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestAdminRooms(t, d)
}

func TestGroups(t *testing.T) {
	b := openBus(t, t.TempDir())
	defer b.Close()
	d, err := jetstream.OpenDirectory(context.Background(), b.JetStream, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	storetest.TestGroups(t, d)
}
