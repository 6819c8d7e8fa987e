package auth

import "testing"

func TestTokens(t *testing.T) {
	a, b := NewToken(), NewToken()
	if a == b || !ValidToken(a) || ValidToken("x") || ValidToken(a+"A") {
		t.Fatalf("tokens: %q %q", a, b)
	}
}
