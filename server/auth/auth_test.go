package auth

import (
	"errors"
	"testing"
)

func TestClaimHoldsNameForOneSession(t *testing.T) {
	m := NewMemory()
	ann, bob := NewToken(), NewToken()
	u, err := m.Claim(ann, "Ann")
	if err != nil || u.Name != "Ann" || u.Key != "ann" {
		t.Fatalf("Claim(Ann) = %+v, %v", u, err)
	}
	if _, err := m.Claim(bob, "Ａｎｎ"); !errors.Is(err, ErrNameTaken) {
		t.Fatalf("second browser claiming full-width Ann: err = %v, want ErrNameTaken", err)
	}
	if _, err := m.Claim(ann, "Other"); !errors.Is(err, ErrHasName) {
		t.Fatalf("claiming twice: err = %v, want ErrHasName", err)
	}
	if got, ok := m.Lookup(ann); !ok || got != u {
		t.Fatalf("Lookup(ann) = %+v, %v", got, ok)
	}
	if _, ok := m.Lookup(bob); ok {
		t.Fatal("a session without a name was found")
	}
	if got, ok := m.Find("ANN"); !ok || got != u {
		t.Fatalf("Find(ANN) = %+v, %v", got, ok)
	}
}

func TestTokens(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || !ValidToken(a) || ValidToken("x") || ValidToken(a+"A") {
		t.Fatalf("tokens: %q %q", a, b)
	}
}
