package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/founding/chat/server/auth"
)

// TestAdminRecords checks what the admin console asks of empty auth
// Records: accounts listed and searched, admins made and unmade, an
// account disabled (no sign-in, no session) and enabled, its password
// reset, and deleted (its name free for a new user under a new key).
func TestAdminRecords(t *testing.T, rec auth.Records) {
	t.Helper()
	ctx := context.Background()
	a := auth.NewAccounts(rec)
	if list, err := a.Users(ctx, "", 10); err != nil || len(list) != 0 {
		t.Fatalf("Users of none = %+v, %v", list, err)
	}
	claim := func(name string) string {
		t.Helper()
		v, err := a.Visit(ctx, "", auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		_, code, err := a.Claim(ctx, v.Token, name)
		if err != nil {
			t.Fatal(err)
		}
		tok, _, err := a.Exchange(ctx, code, auth.Client{})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	annSession := claim("Ann")
	claim("Bob")
	claim("Joanna")
	list, err := a.Users(ctx, "an", 10)
	if err != nil || len(list) != 2 || list[0].Name != "Ann" || list[1].Name != "Joanna" {
		t.Fatalf("Users(an) = %+v, %v", list, err)
	}
	if list, _ := a.Users(ctx, "", 2); len(list) != 2 {
		t.Fatalf("Users with limit 2 = %+v", list)
	}

	if changed, err := a.SetAdmin(ctx, "bob", true); err != nil || !changed {
		t.Fatalf("SetAdmin(bob) = %v, %v", changed, err)
	}
	if changed, _ := a.SetAdmin(ctx, "bob", true); changed {
		t.Fatal("SetAdmin twice changed something")
	}
	if _, err := a.SetAdmin(ctx, "nobody", true); !errors.Is(err, auth.ErrNoUser) {
		t.Fatalf("SetAdmin(nobody) = %v", err)
	}
	if keys, err := a.Admins(ctx); err != nil || !slices.Equal(keys, []string{"bob"}) {
		t.Fatalf("Admins = %v, %v", keys, err)
	}
	if changed, err := a.SetAdmin(ctx, "bob", false); err != nil || !changed {
		t.Fatalf("SetAdmin(bob, false) = %v, %v", changed, err)
	}
	if keys, _ := a.Admins(ctx); len(keys) != 0 {
		t.Fatalf("Admins after = %v", keys)
	}

	password, err := a.ResetPassword(ctx, "ann")
	if err != nil || len(password) < 12 {
		t.Fatalf("ResetPassword = %q, %v", password, err)
	}
	if changed, err := a.SetDisabled(ctx, "ann", true); err != nil || !changed {
		t.Fatalf("SetDisabled = %v, %v", changed, err)
	}
	if _, err := a.Lookup(ctx, annSession); !errors.Is(err, auth.ErrNoSession) {
		t.Fatalf("a disabled account's session: %v", err)
	}
	if _, _, err := a.SignIn(ctx, "ann", password, auth.Client{}); !errors.Is(err, auth.ErrDisabled) {
		t.Fatalf("signing into a disabled account: %v", err)
	}
	if acc, err := a.Account(ctx, "ann"); err != nil || !acc.Disabled {
		t.Fatalf("Account(ann) = %+v, %v", acc, err)
	}
	a.SetDisabled(ctx, "ann", false)
	if _, _, err := a.SignIn(ctx, "ann", password, auth.Client{}); err != nil {
		t.Fatalf("signing in once enabled: %v", err)
	}

	if _, _, err := a.DeleteAccount(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Account(ctx, "ann"); !errors.Is(err, auth.ErrNoUser) {
		t.Fatalf("Account of a deleted account: %v", err)
	}
	if list, _ := a.Users(ctx, "ann", 10); len(list) != 1 || list[0].Name != "Joanna" {
		t.Fatalf("Users after delete = %+v", list)
	}
	if _, _, err := a.SignIn(ctx, "ann", password, auth.Client{}); err == nil {
		t.Fatal("signed into a deleted account")
	}
	v, _ := a.Visit(ctx, "", auth.Client{})
	u, _, err := a.Claim(ctx, v.Token, "Ann")
	if err != nil || u.Key == "ann" {
		t.Fatalf("claiming a deleted account's name = %+v, %v; want a new key", u, err)
	}
}
