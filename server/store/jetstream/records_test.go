package jetstream_test

import (
	"context"
	"testing"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/store/jetstream"
	"github.com/founding/chat/server/store/storetest"
)

// openRecords opens the account records on a fresh embedded NATS on dir;
// closing it shuts that NATS down.
func openRecords(t *testing.T, dir string) (*jetstream.Records, func()) {
	t.Helper()
	b := openBus(t, dir)
	rec, err := jetstream.OpenRecords(context.Background(), b.JetStream, 1)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	return rec, b.Close
}

func TestRecords(t *testing.T) {
	rec, closeRecords := openRecords(t, t.TempDir())
	defer closeRecords()
	storetest.TestRecords(t, rec)
}

func TestAccountsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec, closeRecords := openRecords(t, dir)
	a := auth.NewAccounts(rec)
	v, err := a.Visit(ctx, "", auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	_, code, err := a.Claim(ctx, v.Token, "Cid")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.Exchange(ctx, code, auth.Client{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, "cid", "", "secret words"); err != nil {
		t.Fatal(err)
	}
	closeRecords()

	rec, closeRecords = openRecords(t, dir)
	defer closeRecords()
	a = auth.NewAccounts(rec) // the token key is read back: the session holds
	if u, err := a.Lookup(ctx, token); err != nil || u.Name != "Cid" || !u.HasPassword {
		t.Fatalf("after a restart: %+v %v", u, err)
	}
	if _, _, err := a.SignIn(ctx, "cid", "secret words", auth.Client{Addr: "127.0.0.1"}); err != nil {
		t.Fatalf("sign in after a restart: %v", err)
	}
}

func TestAdminRecords(t *testing.T) {
	rec, closeRecords := openRecords(t, t.TempDir())
	defer closeRecords()
	storetest.TestAdminRecords(t, rec)
}
