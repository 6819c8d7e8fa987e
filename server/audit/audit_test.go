package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/founding/chat/server/audit"
	"github.com/founding/chat/server/bus"
)

// checkLog appends five entries and pages through them newest first.
func checkLog(t *testing.T, l audit.Log) {
	t.Helper()
	ctx := context.Background()
	for i := 1; i <= 5; i++ {
		e, err := l.Append(ctx, audit.Entry{Actor: "root", Action: fmt.Sprint("act", i)})
		if err != nil || e.Seq != uint64(i) || e.Time == 0 {
			t.Fatalf("Append %d = %+v, %v", i, e, err)
		}
	}
	page, err := l.Page(ctx, 0, 2)
	if err != nil || len(page) != 2 || page[0].Action != "act5" || page[1].Seq != 4 {
		t.Fatalf("first page = %+v, %v", page, err)
	}
	page, err = l.Page(ctx, 4, 10)
	if err != nil || len(page) != 3 || page[0].Seq != 3 || page[2].Action != "act1" {
		t.Fatalf("page before 4 = %+v, %v", page, err)
	}
}

func TestMemory(t *testing.T) { checkLog(t, audit.NewMemory()) }

// TestStreamRefusesDeletesAndPurges: the stream keeps its entries through
// the NATS API too: a delete of one entry and a purge are refused, and
// reopening keeps the guard.
func TestStreamRefusesDeletesAndPurges(t *testing.T) {
	dir := t.TempDir()
	b, err := bus.Open(bus.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	l, err := audit.OpenStream(ctx, b.JetStream, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, l)
	st, err := b.JetStream.Stream(ctx, audit.StreamName)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(ctx, 3); err == nil {
		t.Error("deleted an entry")
	}
	if err := st.Purge(ctx); err == nil {
		t.Error("purged the log")
	}
	if _, err := audit.OpenStream(ctx, b.JetStream, 1); err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil || info.State.Msgs != 5 || !info.Config.DenyDelete || !info.Config.DenyPurge {
		t.Fatalf("after: %+v %v", info, err)
	}
}
