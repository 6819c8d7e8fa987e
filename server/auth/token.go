package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// A token is what the server hands a browser. Every one is signed with the
// server's key (kept in KeysBucket, so every node sharing the Records signs
// and checks alike): a value the server did not make is refused without a
// look at the store. Its bytes, base64url:
//
//	kind (1) | issued, Unix seconds (8) | group (12) | nonce (16) | MAC (16)
//
// The kind says what the token may do: a visitor token only picks a name
// (stateless; spent once a name is claimed with it), a session token holds
// an account while its record in SessionsBucket lives, a handover code is
// exchanged once for a session token. The group names the browser session
// for closing its connections (Group); a claim keeps the visitor's group
// for the session it makes, so the connection that claimed is closed with it.
type tokenKind byte

const (
	kindVisitor  tokenKind = 1
	kindSession  tokenKind = 2
	kindHandover tokenKind = 3
)

const (
	tokenGroupLen = 12
	tokenNonceLen = 16
	tokenMACLen   = 16
	tokenBodyLen  = 1 + 8 + tokenGroupLen + tokenNonceLen
	tokenLen      = tokenBodyLen + tokenMACLen
)

// KeysBucket holds the server's secrets shared by every node: the key that
// signs tokens.
const KeysBucket = "keys"

const tokenKeyName = "token-mac"

// token is a parsed, verified token.
type token struct {
	kind   tokenKind
	issued time.Time
	group  [tokenGroupLen]byte
	raw    string
}

// Group returns the token's group as text: the id of a browser session.
func (t token) Group() string { return hex.EncodeToString(t.group[:]) }

// signer signs and checks tokens with the key it loaded from the Records.
type signer struct {
	mu  sync.Mutex
	key []byte
}

// load returns the key, reading it from rec or creating it there at the
// first call: the first node to create it wins, the others read it.
func (s *signer) load(ctx context.Context, rec Records) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	for attempt := 0; attempt < 3; attempt++ {
		v, _, err := rec.Get(ctx, KeysBucket, tokenKeyName)
		if err == nil {
			key, err := base64.RawStdEncoding.DecodeString(string(v))
			if err != nil || len(key) < 32 {
				return nil, errors.New("auth: the stored token key is malformed")
			}
			s.key = key
			return key, nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		fresh := make([]byte, 32)
		rand.Read(fresh)
		if _, err := rec.Create(ctx, KeysBucket, tokenKeyName, []byte(base64.RawStdEncoding.EncodeToString(fresh))); err != nil && !errors.Is(err, ErrExists) {
			return nil, err
		}
	}
	return nil, errors.New("auth: the token key could not be read")
}

func mac(key, body []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(body)
	return m.Sum(nil)[:tokenMACLen]
}

// issue makes a token of kind in group (a fresh group when nil).
func issue(key []byte, kind tokenKind, now time.Time, group *[tokenGroupLen]byte) token {
	b := make([]byte, tokenBodyLen, tokenLen)
	b[0] = byte(kind)
	binary.BigEndian.PutUint64(b[1:9], uint64(now.Unix()))
	if group != nil {
		copy(b[9:9+tokenGroupLen], group[:])
	} else {
		rand.Read(b[9 : 9+tokenGroupLen])
	}
	rand.Read(b[9+tokenGroupLen : tokenBodyLen])
	b = append(b, mac(key, b)...)
	t := token{kind: kind, issued: time.Unix(now.Unix(), 0), raw: base64.RawURLEncoding.EncodeToString(b)}
	copy(t.group[:], b[9:9+tokenGroupLen])
	return t
}

// parse checks s's signature and returns the token, or false.
func parse(key []byte, s string) (token, bool) {
	if len(s) != base64.RawURLEncoding.EncodedLen(tokenLen) {
		return token{}, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != tokenLen || !hmac.Equal(b[tokenBodyLen:], mac(key, b[:tokenBodyLen])) {
		return token{}, false
	}
	t := token{kind: tokenKind(b[0]), issued: time.Unix(int64(binary.BigEndian.Uint64(b[1:9])), 0), raw: s}
	copy(t.group[:], b[9:9+tokenGroupLen])
	return t, true
}
