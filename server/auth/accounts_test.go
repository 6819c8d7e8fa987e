package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/bus"
)

func kvRecords(t *testing.T, dir string) (*auth.KVRecords, func()) {
	t.Helper()
	b, err := bus.Open(bus.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := auth.OpenKVRecords(context.Background(), b.JetStream, 1)
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	return rec, b.Close
}

func TestAccounts(t *testing.T) {
	kv, closeKV := kvRecords(t, t.TempDir())
	defer closeKV()
	for _, tt := range []struct {
		name string
		rec  auth.Records
	}{
		{"memory", auth.NewMemoryRecords()},
		{"kv", kv},
	} {
		t.Run(tt.name, func(t *testing.T) { testAccounts(t, auth.NewAccounts(tt.rec)) })
	}
}

func testAccounts(t *testing.T, a *auth.Accounts) {
	ctx := context.Background()
	ann, other := auth.NewToken(), auth.NewToken()
	u, err := a.Claim(ctx, ann, "Ann")
	if err != nil || u.Key != "ann" || u.Name != "Ann" || u.HasPassword {
		t.Fatalf("Claim = %+v, %v", u, err)
	}
	if _, err := a.Claim(ctx, other, "ＡＮＮ"); !errors.Is(err, auth.ErrNameTaken) {
		t.Fatalf("another browser claiming ＡＮＮ: %v", err)
	}
	if _, err := a.Lookup(ctx, other); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("the refused claim left a session: %v", err)
	}
	if _, err := a.Claim(ctx, ann, "Annie"); !errors.Is(err, auth.ErrHasName) {
		t.Fatalf("claiming twice: %v", err)
	}
	if got, err := a.Lookup(ctx, ann); err != nil || got != u {
		t.Fatalf("Lookup = %+v, %v", got, err)
	}
	if _, err := a.Lookup(ctx, "not a token"); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("Lookup of garbage: %v", err)
	}

	// No password yet: nobody can sign in as Ann.
	if _, _, err := a.SignIn(ctx, "ann", ""); !errors.Is(err, auth.ErrWrongPassword) {
		t.Fatalf("sign in without a password set: %v", err)
	}
	if err := a.SetPassword(ctx, "ann", "", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Lookup(ctx, ann); !got.HasPassword {
		t.Fatal("HasPassword not set")
	}
	if err := a.SetPassword(ctx, "ann", "wrong", "another one"); !errors.Is(err, auth.ErrWrongPassword) {
		t.Fatalf("changing with a wrong current password: %v", err)
	}
	token, got, err := a.SignIn(ctx, "ANN", "correct horse")
	if err != nil || got.Key != "ann" || token == ann || !auth.ValidToken(token) {
		t.Fatalf("SignIn = %q %+v %v", token, got, err)
	}
	if u2, err := a.Lookup(ctx, token); err != nil || u2.Key != "ann" {
		t.Fatalf("the new session: %+v %v", u2, err)
	}
	if err := a.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Lookup(ctx, token); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("after sign-out: %v", err)
	}
	if _, err := a.Lookup(ctx, ann); err != nil {
		t.Fatalf("signing out one session ended another: %v", err)
	}
	if _, err := a.Find(ctx, "Ａｎｎ"); err != nil {
		t.Fatalf("Find: %v", err)
	}
	if _, err := a.Find(ctx, "nobody"); !errors.Is(err, auth.ErrNoUser) {
		t.Fatalf("Find nobody: %v", err)
	}
}

func TestWrongPasswordsAreSlowedDown(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(auth.NewMemoryRecords())
	if _, err := a.Claim(ctx, auth.NewToken(), "bob"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, "bob", "", "right password"); err != nil {
		t.Fatal(err)
	}
	var tooMany *auth.TooManyAttempts
	for i := 0; i < 10; i++ {
		_, _, err := a.SignIn(ctx, "bob", "wrong password")
		if errors.As(err, &tooMany) {
			break
		}
		if !errors.Is(err, auth.ErrWrongPassword) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	if tooMany == nil || tooMany.RetryAfter <= 0 {
		t.Fatalf("ten wrong passwords were not slowed down: %v", tooMany)
	}
	// Even the right password waits now: a guesser learns nothing.
	if _, _, err := a.SignIn(ctx, "bob", "right password"); !errors.As(err, &tooMany) {
		t.Fatalf("the right password during the slowdown: %v", err)
	}
}

func TestAccountsSurviveARestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rec, closeKV := kvRecords(t, dir)
	a := auth.NewAccounts(rec)
	token := auth.NewToken()
	if _, err := a.Claim(ctx, token, "Cid"); err != nil {
		t.Fatal(err)
	}
	if err := a.SetPassword(ctx, "cid", "", "secret words"); err != nil {
		t.Fatal(err)
	}
	closeKV()

	rec, closeKV = kvRecords(t, dir)
	defer closeKV()
	a = auth.NewAccounts(rec)
	if u, err := a.Lookup(ctx, token); err != nil || u.Name != "Cid" || !u.HasPassword {
		t.Fatalf("after a restart: %+v %v", u, err)
	}
	if _, _, err := a.SignIn(ctx, "cid", "secret words"); err != nil {
		t.Fatalf("sign in after a restart: %v", err)
	}
}

func TestPasswordHashes(t *testing.T) {
	h := auth.HashPassword("pässwörd 密码")
	if h == auth.HashPassword("pässwörd 密码") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tt := range []struct {
		name, password string
		want           bool
	}{
		{"right", "pässwörd 密码", true},
		{"wrong", "passwörd 密码", false},
		{"empty", "", false},
	} {
		if ok, err := auth.CheckPassword(h, tt.password); err != nil || ok != tt.want {
			t.Errorf("%s: CheckPassword = %v, %v", tt.name, ok, err)
		}
	}
	if _, err := auth.CheckPassword("$argon2id$v=19$m=1,t=1,p=1$nope", "x"); err == nil {
		t.Error("a malformed hash was accepted")
	}
}
