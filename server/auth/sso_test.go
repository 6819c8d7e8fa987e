package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/founding/chat/server/auth"
)

// TestLinkedAccounts: an identity makes one account and signs into it
// again; it links to one account only, an account to one identity only;
// a linked account without a password is never released, since its owner
// can always sign in again.
func TestLinkedAccounts(t *testing.T) {
	ctx := context.Background()
	a, c := newClockedAccounts(t)
	from := auth.Client{Addr: "127.0.0.1"}
	ann := auth.Identity{Issuer: "https://id.example", Subject: "ann"}
	if _, _, err := a.SignInLinked(ctx, ann, from); !errors.Is(err, auth.ErrNotLinked) {
		t.Fatalf("signing in with an identity never seen: %v", err)
	}
	tok, u, err := a.CreateLinked(ctx, ann, "Ann", from)
	if err != nil || !u.SSO || u.Name != "Ann" {
		t.Fatalf("CreateLinked: %+v %v", u, err)
	}
	if s := visit(t, a, tok); s.User.Key != u.Key {
		t.Fatalf("the new session holds %+v", s.User)
	}
	if _, _, err := a.CreateLinked(ctx, ann, "Ann2", from); !errors.Is(err, auth.ErrLinked) {
		t.Errorf("a second account for one identity: %v", err)
	}
	// The same identity at another issuer is someone else.
	if _, _, err := a.CreateLinked(ctx, auth.Identity{Issuer: "https://other.example", Subject: "ann"}, "ann", from); !errors.Is(err, auth.ErrNameTaken) {
		t.Errorf("another issuer's ann took Ann's name: %v", err)
	}

	_, bobTok, err := claim(ctx, a, "bob")
	if err != nil {
		t.Fatal(err)
	}
	bob := visit(t, a, bobTok).User
	if err := a.Link(ctx, bob.Key, ann); !errors.Is(err, auth.ErrLinked) {
		t.Errorf("linking Ann's identity to bob: %v", err)
	}
	bobID := auth.Identity{Issuer: "https://id.example", Subject: "bob"}
	if err := a.Link(ctx, bob.Key, bobID); err != nil {
		t.Fatal(err)
	}
	if err := a.Link(ctx, bob.Key, auth.Identity{Issuer: "https://id.example", Subject: "bob2"}); !errors.Is(err, auth.ErrLinked) {
		t.Errorf("linking bob a second time: %v", err)
	}
	if _, got, err := a.SignInLinked(ctx, bobID, from); err != nil || got.Key != bob.Key {
		t.Fatalf("signing in with bob's identity: %+v %v", got, err)
	}

	// Long unused, neither name is free: their owners sign in with the
	// provider.
	c.Add(a.SessionLimits().Release + 24*time.Hour)
	for _, name := range []string{"ann", "bob"} {
		if _, _, err := claim(ctx, a, name); !errors.Is(err, auth.ErrNameTaken) {
			t.Errorf("claiming %s's long-unused linked name: %v", name, err)
		}
	}
	if _, got, err := a.SignInLinked(ctx, ann, from); err != nil || got.Key != u.Key {
		t.Errorf("Ann signing in after a long time: %+v %v", got, err)
	}
}

// TestSealedValues: a sealed value opens for its purpose only, and a
// changed one not at all; a spent value cannot be spent again.
func TestSealedValues(t *testing.T) {
	ctx := context.Background()
	a, _ := newClockedAccounts(t)
	sealed, err := a.Seal(ctx, "one", []byte("data"))
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := a.Unseal(ctx, "one", sealed); !ok || string(got) != "data" {
		t.Errorf("Unseal = %q, %v", got, ok)
	}
	if _, ok := a.Unseal(ctx, "two", sealed); ok {
		t.Error("a value sealed for one purpose opened for another")
	}
	if _, ok := a.Unseal(ctx, "one", "ZGF0YQ"+sealed[4:]); ok {
		t.Error("a changed value opened")
	}
	if err := a.Spend(ctx, "state"); err != nil {
		t.Fatal(err)
	}
	if err := a.Spend(ctx, "state"); !errors.Is(err, auth.ErrExists) {
		t.Errorf("spending twice: %v", err)
	}
}
