// Package auth keeps accounts and the browser sessions that hold them. A
// session is a random token in an HttpOnly cookie; the server stores only its
// SHA-256, so a copy of the store does not let anyone in.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
)

// Errors of account operations.
var (
	ErrNameTaken  = errors.New("auth: the name belongs to someone else")
	ErrLooksTaken = errors.New("auth: the name looks like one that belongs to someone else")
	ErrHasName    = errors.New("auth: the session already has a name")
)

// User is an account: Key compares names, Name is shown as the user typed
// it, HasPassword says whether it can be signed into from elsewhere with a
// password, SSO whether it is linked to an identity at an OpenID Connect
// provider (sso.go), which signs into it too.
type User struct {
	Key         string
	Name        string
	HasPassword bool
	SSO         bool
	Bot         bool // made by an admin, acts through tokens (CreateBot)
}

// NewToken returns a fresh session token: 32 random bytes, base64url.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// ValidToken reports whether s has the shape of a token NewToken makes.
func ValidToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return string(sum[:])
}
