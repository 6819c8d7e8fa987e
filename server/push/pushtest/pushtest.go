// Package pushtest is a push service on loopback for tests: it checks each
// push's VAPID JWT (signature, aud, exp, sub) as RFC 8292 asks, decrypts
// its aes128gcm body (RFC 8291) with the subscription's private key, and
// answers what the test says: 201, 404, 410, 429, 5xx, or nothing (hang).
package pushtest

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// Hang is an answer: the service keeps the request open until the client
// gives up.
const Hang = -1

// Push is one push the service took, decrypted.
type Push struct {
	Sub     string // the subscription's id (its endpoint's last path part)
	Body    []byte // the plaintext
	Size    int    // of the encrypted body
	TTL     int
	Urgency string
	Topic   string
	Subject string // the JWT's sub
	Key     string // the VAPID public key (k=)
	Status  int    // what the service answered
}

// Service is the push service. Its Pushes channel gets every push it
// answered 2xx to; Attempts counts every request by subscription.
type Service struct {
	t      testing.TB
	srv    *httptest.Server
	Pushes chan Push

	mu       sync.Mutex
	subs     map[string]*ecdh.PrivateKey
	auths    map[string][]byte
	answer   func(sub string, attempt int) int
	attempts map[string]int
	hung     chan struct{}
}

// New starts a push service on 127.0.0.1 that answers 201; Close with
// t.Cleanup.
func New(t testing.TB) *Service {
	s := &Service{t: t, Pushes: make(chan Push, 1000), subs: map[string]*ecdh.PrivateKey{}, auths: map[string][]byte{},
		attempts: map[string]int{}, hung: make(chan struct{}), answer: func(string, int) int { return http.StatusCreated }}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.hung)
		s.srv.Close()
	})
	return s
}

// Answer sets what the service answers: status for sub's attempt-th
// request (from 1).
func (s *Service) Answer(f func(sub string, attempt int) int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answer = f
}

// Attempts returns how many requests came for sub.
func (s *Service) Attempts(sub string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.attempts[sub]
}

// Subscribe makes a subscription the way a browser does: a fresh P-256
// key pair and auth secret, and an endpoint on the service.
func (s *Service) Subscribe() chat.PushSubscription {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		s.t.Fatal(err)
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	id := base64.RawURLEncoding.EncodeToString(auth[:9])
	s.mu.Lock()
	s.subs[id], s.auths[id] = priv, auth
	s.mu.Unlock()
	enc := base64.RawURLEncoding.EncodeToString
	return chat.PushSubscription{Endpoint: s.srv.URL + "/push/" + id,
		Keys: chat.PushSubscrKeys{P256dh: enc(priv.PublicKey().Bytes()), Auth: enc(auth)}}
}

// ID returns the id of sub's subscription, as Push.Sub names it.
func ID(sub chat.PushSubscription) string {
	return sub.Endpoint[strings.LastIndexByte(sub.Endpoint, '/')+1:]
}

// Origin returns the service's scheme and host, the JWT's audience.
func (s *Service) Origin() string { return s.srv.URL }

func (s *Service) serve(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/push/")
	s.mu.Lock()
	priv, auth := s.subs[id], s.auths[id]
	s.attempts[id]++
	status := s.answer(id, s.attempts[id])
	s.mu.Unlock()
	if priv == nil {
		http.Error(w, "no such subscription", http.StatusNotFound)
		return
	}
	p, err := s.check(r, priv, auth)
	if err != nil {
		s.t.Errorf("pushtest: a bad push to %s: %v", id, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	p.Sub, p.Status = id, status
	switch {
	case status == Hang:
		select {
		case <-r.Context().Done():
		case <-s.hung:
		}
		return
	case status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", "0")
	}
	w.WriteHeader(status)
	if status >= 200 && status < 300 {
		s.Pushes <- p
	}
}

// check verifies r's VAPID and decrypts its body.
func (s *Service) check(r *http.Request, priv *ecdh.PrivateKey, auth []byte) (Push, error) {
	var p Push
	if r.Method != http.MethodPost || r.Header.Get("Content-Encoding") != "aes128gcm" {
		return p, fmt.Errorf("%s with Content-Encoding %q", r.Method, r.Header.Get("Content-Encoding"))
	}
	ttl, err := strconv.Atoi(r.Header.Get("TTL"))
	if err != nil || ttl < 0 {
		return p, fmt.Errorf("TTL %q", r.Header.Get("TTL"))
	}
	p.TTL, p.Urgency, p.Topic = ttl, r.Header.Get("Urgency"), r.Header.Get("Topic")
	if err := s.vapid(r.Header.Get("Authorization"), &p); err != nil {
		return p, fmt.Errorf("VAPID: %w", err)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8192))
	if err != nil {
		return p, err
	}
	p.Size = len(body)
	if len(body) > 4096 {
		return p, fmt.Errorf("a body of %d bytes; push services take 4096", len(body))
	}
	p.Body, err = Decrypt(body, priv, auth)
	return p, err
}

// vapid checks an Authorization header "vapid t=JWT, k=KEY".
func (s *Service) vapid(h string, p *Push) error {
	rest, ok := strings.CutPrefix(h, "vapid ")
	if !ok {
		return fmt.Errorf("authorization %q", h)
	}
	var tok, key string
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if v, ok := strings.CutPrefix(part, "t="); ok {
			tok = v
		} else if v, ok := strings.CutPrefix(part, "k="); ok {
			key = v
		}
	}
	kb, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(kb) != 65 || kb[0] != 4 {
		return fmt.Errorf("k=%q is no P-256 point", key)
	}
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return errors.New("t= is no JWT")
	}
	var head struct{ Alg, Typ string }
	if err := decodeSegment(parts[0], &head); err != nil || head.Alg != "ES256" {
		return fmt.Errorf("JWT header %+v: %v", head, err)
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || len(sig) != 64 {
		return errors.New("the JWT's signature is no ES256 one")
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), kb)
	if err != nil {
		return err
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !ecdsa.Verify(pub, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
		return errors.New("the JWT's signature does not verify with k")
	}
	var claims struct {
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Sub string `json:"sub"`
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return err
	}
	now := time.Now().Unix()
	switch {
	case claims.Aud != s.srv.URL:
		return fmt.Errorf("aud %q, want %q", claims.Aud, s.srv.URL)
	case claims.Exp <= now || claims.Exp > now+24*3600:
		return fmt.Errorf("exp %d is not within 24 hours of now (%d)", claims.Exp, now)
	case !strings.HasPrefix(claims.Sub, "mailto:") && !strings.HasPrefix(claims.Sub, "https:"),
		strings.HasPrefix(claims.Sub, "mailto:mailto:"):
		return fmt.Errorf("sub %q is no mailto: or https: URL", claims.Sub)
	}
	p.Subject, p.Key = claims.Sub, key
	return nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// Decrypt opens an aes128gcm body (RFC 8188) encrypted for the
// subscription of priv and auth (RFC 8291): one record, its padding
// delimiter 2.
func Decrypt(body []byte, priv *ecdh.PrivateKey, auth []byte) ([]byte, error) {
	if len(body) < 21 {
		return nil, errors.New("the body is shorter than its header")
	}
	salt, rs, idlen := body[:16], binary.BigEndian.Uint32(body[16:20]), int(body[20])
	if len(body) < 21+idlen || idlen != 65 {
		return nil, fmt.Errorf("a key id of %d bytes; want the sender's 65-byte key", idlen)
	}
	asPub, ct := body[21:21+idlen], body[21+idlen:]
	if uint32(len(ct)) > rs {
		return nil, fmt.Errorf("a record of %d bytes over its record size %d: more than one record", len(ct), rs)
	}
	peer, err := ecdh.P256().NewPublicKey(asPub)
	if err != nil {
		return nil, err
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	info := append(append([]byte("WebPush: info\x00"), priv.PublicKey().Bytes()...), asPub...)
	ikm, err := hkdf.Key(sha256.New, secret, auth, string(info), 32)
	if err != nil {
		return nil, err
	}
	cek, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: aes128gcm\x00", 16)
	if err != nil {
		return nil, err
	}
	nonce, err := hkdf.Key(sha256.New, ikm, salt, "Content-Encoding: nonce\x00", 12)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(cek)
	if err != nil {
		return nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	plain, err := gcm.Open(nil, nonce, ct, nil)
	if err != nil {
		return nil, fmt.Errorf("decrypting: %w", err)
	}
	i := len(plain) - 1
	for i >= 0 && plain[i] == 0 {
		i--
	}
	if i < 0 || plain[i] != 2 {
		return nil, errors.New("no last-record delimiter (2) before the padding")
	}
	return plain[:i], nil
}
