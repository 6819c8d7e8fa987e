// Package auth keeps accounts and the browser sessions that hold them. A
// session is a random token in an HttpOnly cookie; the server stores only its
// SHA-256, so a copy of the store does not let anyone in.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"sync"

	"github.com/founding/chat/server/names"
)

// Errors of account operations.
var (
	ErrNameTaken = errors.New("auth: the name belongs to someone else")
	ErrHasName   = errors.New("auth: the session already has a name")
)

// User is an account: Key compares names, Name is shown as the user typed
// it, HasPassword says whether it can be signed into from elsewhere.
type User struct {
	Key         string
	Name        string
	HasPassword bool
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

// Memory is an in-process account store. It is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	sessions map[string]string // token hash -> user key
	users    map[string]User   // key -> user
}

// NewMemory returns an empty store.
func NewMemory() *Memory {
	return &Memory{sessions: make(map[string]string), users: make(map[string]User)}
}

// Lookup returns the user a session token belongs to.
func (m *Memory) Lookup(token string) (User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key, ok := m.sessions[hashToken(token)]
	if !ok {
		return User{}, false
	}
	return m.users[key], true
}

// Claim gives name to the session token, creating the account. The name must
// have passed chat.CleanName. It fails with ErrNameTaken when another account
// holds a name with the same key, and with ErrHasName when the session
// already has one.
func (m *Memory) Claim(token, name string) (User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := hashToken(token)
	if _, ok := m.sessions[h]; ok {
		return User{}, ErrHasName
	}
	u := User{Key: names.Key(name), Name: name}
	if _, ok := m.users[u.Key]; ok {
		return User{}, ErrNameTaken
	}
	m.users[u.Key] = u
	m.sessions[h] = u.Key
	return u, nil
}

// Find returns the account whose name has the same key as name.
func (m *Memory) Find(name string) (User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[names.Key(name)]
	return u, ok
}
