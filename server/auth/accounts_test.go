package auth_test

import (
	"context"
	"errors"
	"testing"

	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/store/memory"
	"github.com/founding/chat/server/store/storetest"
)

func TestAccounts(t *testing.T) {
	storetest.TestRecords(t, memory.NewRecords())
}

func TestWrongPasswordsAreSlowedDown(t *testing.T) {
	ctx := context.Background()
	a := auth.NewAccounts(memory.NewRecords())
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
