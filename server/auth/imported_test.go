package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/founding/chat/server/auth"
)

// TestImportedAccounts: an imported person's account is made once per
// origin, refuses every sign-in until an admin sets a password, is never
// released to whoever picks the name, and a name held by anyone else is
// refused.
func TestImportedAccounts(t *testing.T) {
	ctx := context.Background()
	a, c := newClockedAccounts(t)
	claimWithPassword(t, a, "Pat", "correct horse battery")

	ann, err := a.CreateImported(ctx, "Ann", "slack.U1")
	if err != nil || ann.Key != "ann" || ann.HasPassword {
		t.Fatalf("the import of Ann: %+v, %v", ann, err)
	}
	if again, err := a.CreateImported(ctx, "ann", "slack.U1"); err != nil || again.Key != ann.Key {
		t.Errorf("Ann imported again: %+v, %v", again, err)
	}
	if _, err := a.CreateImported(ctx, "Ann", "slack.U9"); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("another person called Ann: %v", err)
	}
	if _, err := a.CreateImported(ctx, "pat", "slack.U2"); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("a person called as an account here: %v", err)
	}
	for _, password := range []string{"", "anything at all"} {
		if _, _, err := a.SignIn(ctx, "Ann", password, auth.Client{Addr: "127.0.0.1"}); !errors.Is(err, auth.ErrWrongPassword) {
			t.Errorf("signing in as Ann with %q: %v", password, err)
		}
	}
	c.Add(365 * 24 * time.Hour)
	if _, _, err := claim(ctx, a, "Ann"); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("claiming an imported name a year on: %v", err)
	}
	password, err := a.ResetPassword(ctx, ann.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, u, err := a.SignIn(ctx, "Ann", password, auth.Client{Addr: "127.0.0.1"}); err != nil || u.Key != ann.Key {
		t.Errorf("Ann's sign-in once an admin set a password: %+v, %v", u, err)
	}
}
