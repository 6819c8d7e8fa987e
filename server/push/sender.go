package push

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/founding/chat/server/safehttp"
)

// Message is one push to one device.
type Message struct {
	User    string // whose subscription Sub is
	Sub     Subscription
	Payload []byte        // the JSON to encrypt, at most chat.MaxPushBytes
	Urgent  bool          // Urgency: high, else normal
	TTL     time.Duration // how long the push service may keep it
	Topic   string        // replaces a push of the same topic still waiting at the push service
	queued  time.Time
}

// SenderOptions configure a Sender. Zero values mean the defaults.
type SenderOptions struct {
	// Keys sign the VAPID JWT. Required.
	Keys Keys
	// Contact is the VAPID subject: a mailto: or https: URL (-push-contact).
	// Required.
	Contact string
	// Store is where a subscription a push service says is gone is
	// removed from. Required.
	Store Store
	// Client makes the requests; defaults to one that goes to public
	// addresses only (safehttp): the endpoint is the browser's word, and
	// whoever holds a session could name an address inside the network.
	Client *http.Client
	// Timeout bounds one request to a push service. Defaults to 10s.
	Timeout time.Duration
	// PerService is how many requests go to one push service (host) at
	// once. Defaults to 4.
	PerService int
	// QueuePerService bounds the pushes waiting for one push service; more
	// are dropped (chat_push_failed_total{reason="queue_full"}). Defaults
	// to 1024.
	QueuePerService int
	// MaxServices bounds the push services (hosts) with pushes waiting at
	// once. Defaults to 64.
	MaxServices int
	// RetryBase is the first wait before a retry of a 429, a 5xx or a
	// failed request; each next one doubles, up to a minute, within the
	// push's TTL. A Retry-After from the push service wins. Defaults to 1s.
	RetryBase time.Duration
	// Metrics counts; nil counts nothing.
	Metrics *Metrics
	// Logger gets the failures to remove a gone subscription. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

// recordSize is the size of the encrypted body: the payload's record,
// padded, at most 3 KB (chat.MaxPushBytes plus 103 bytes of header and tag).
const recordSize = 3072

// Sender posts pushes to push services off the chat's path: Send queues
// and returns at once. Each push service (endpoint host) has its own queue
// and at most PerService requests in flight, so a slow or dead one delays
// only its own pushes. Close stops it.
type Sender struct {
	o       SenderOptions
	subject string
	ctx     context.Context
	stop    context.CancelFunc
	wg      sync.WaitGroup
	queued  atomic.Int64

	mu     sync.Mutex
	closed bool
	lanes  map[string]*lane
}

// lane is one push service's queue and workers.
type lane struct {
	ch      chan Message
	workers int
}

// NewSender returns a Sender.
func NewSender(o SenderOptions) *Sender {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Client == nil {
		o.Client = safehttp.New(safehttp.Options{Timeout: o.Timeout, MaxRedirects: -1}).HTTP()
	}
	if o.PerService <= 0 {
		o.PerService = 4
	}
	if o.QueuePerService <= 0 {
		o.QueuePerService = 1024
	}
	if o.MaxServices <= 0 {
		o.MaxServices = 64
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RetryBase <= 0 {
		o.RetryBase = time.Second
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Sender{o: o, subject: Subject(o.Contact), ctx: ctx, stop: stop, lanes: make(map[string]*lane)}
}

// Subject returns the contact as webpush-go v1.4.0 wants it: it puts
// "mailto:" before anything not starting with "https:", so a mailto: URL
// loses its scheme here (STACK.md P15).
func Subject(contact string) string { return strings.TrimPrefix(contact, "mailto:") }

// Queued returns how many pushes wait to be sent.
func (s *Sender) Queued() int { return int(s.queued.Load()) }

// Send queues m and reports whether it was; it never blocks.
func (s *Sender) Send(m Message) bool {
	u, err := url.Parse(m.Sub.Endpoint)
	if err != nil || u.Host == "" {
		s.o.Metrics.fail("bad_subscription")
		return false
	}
	m.queued = time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		s.o.Metrics.fail("shutdown")
		return false
	}
	l := s.lanes[u.Host]
	if l == nil {
		if len(s.lanes) >= s.o.MaxServices {
			s.o.Metrics.fail("too_many_services")
			return false
		}
		l = &lane{ch: make(chan Message, s.o.QueuePerService)}
		s.lanes[u.Host] = l
	}
	select {
	case l.ch <- m:
	default:
		s.o.Metrics.fail("queue_full")
		return false
	}
	s.queued.Add(1)
	if l.workers < s.o.PerService {
		l.workers++
		s.wg.Add(1)
		go s.work(u.Host, l)
	}
	return true
}

// idleAfter is how long a lane's worker waits for work before it ends.
const idleAfter = 30 * time.Second

// work sends the pushes of one lane until none came for idleAfter.
func (s *Sender) work(host string, l *lane) {
	defer s.wg.Done()
	idle := time.NewTimer(idleAfter)
	defer idle.Stop()
	for {
		select {
		case m := <-l.ch:
			s.queued.Add(-1)
			s.deliver(m)
			idle.Reset(idleAfter)
		case <-idle.C:
			s.mu.Lock()
			if len(l.ch) > 0 {
				s.mu.Unlock()
				idle.Reset(idleAfter)
				continue
			}
			l.workers--
			if l.workers == 0 {
				delete(s.lanes, host)
			}
			s.mu.Unlock()
			return
		case <-s.ctx.Done():
			return
		}
	}
}

// deliver posts m, retrying a 429, a 5xx or a failed request with backoff
// while its TTL lasts; a 404 or 410 removes the subscription.
func (s *Sender) deliver(m Message) {
	deadline := m.queued.Add(m.TTL)
	wait := s.o.RetryBase
	for {
		status, retryAfter, err := s.post(m, time.Until(deadline))
		switch {
		case err == nil && status >= 200 && status < 300:
			if s.o.Metrics != nil {
				s.o.Metrics.sent.Inc()
			}
			return
		case status == http.StatusNotFound || status == http.StatusGone:
			s.o.Metrics.fail("gone")
			s.remove(m)
			return
		case errors.Is(err, safehttp.ErrAddress):
			s.o.Metrics.fail("forbidden_address") // never a push service: the subscription goes
			s.remove(m)
			return
		case err == nil && status != http.StatusTooManyRequests && status < 500:
			s.o.Metrics.fail("refused")
			return
		}
		if retryAfter > 0 {
			wait = retryAfter
		}
		// Jitter spreads the retries of a burst; the wait it shortens
		// still doubles, so the tries within a TTL stay few.
		sleep := wait/2 + rand.N(wait/2+1)
		if time.Now().Add(sleep).After(deadline) {
			s.o.Metrics.fail("expired")
			return
		}
		t := time.NewTimer(sleep)
		select {
		case <-t.C:
		case <-s.ctx.Done():
			t.Stop()
			s.o.Metrics.fail("shutdown")
			return
		}
		wait = min(2*wait, time.Minute)
	}
}

// post makes one request and returns its status and Retry-After.
func (s *Sender) post(m Message, ttl time.Duration) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(s.ctx, s.o.Timeout)
	defer cancel()
	urgency := webpush.UrgencyNormal
	if m.Urgent {
		urgency = webpush.UrgencyHigh
	}
	start := time.Now()
	// A copy: webpush-go v1.4.0 appends its padding to the slice it is
	// given, in place when it has room, and pushes to several devices
	// share one payload.
	resp, err := webpush.SendNotificationWithContext(ctx, bytes.Clone(m.Payload),
		&webpush.Subscription{Endpoint: m.Sub.Endpoint, Keys: webpush.Keys{P256dh: m.Sub.P256dh, Auth: m.Sub.Auth}},
		&webpush.Options{
			HTTPClient: s.o.Client, RecordSize: recordSize, Subscriber: s.subject,
			Topic: m.Topic, TTL: max(int(ttl/time.Second), 0), Urgency: urgency,
			VAPIDPublicKey: s.o.Keys.Public, VAPIDPrivateKey: s.o.Keys.Private,
		})
	if s.o.Metrics != nil {
		s.o.Metrics.latency.Observe(time.Since(start).Seconds())
	}
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	var after time.Duration
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		after = time.Duration(secs) * time.Second
	}
	return resp.StatusCode, after, nil
}

// remove drops the subscription of m, which its push service no longer
// knows.
func (s *Sender) remove(m Message) {
	ctx, cancel := context.WithTimeout(context.Background(), s.o.Timeout)
	defer cancel()
	n, err := Unsubscribe(ctx, s.o.Store, m.User, func(o Subscription) bool { return o.Endpoint == m.Sub.Endpoint })
	if err != nil {
		s.o.Logger.Error("a gone push subscription was not removed; it is tried again at the next push", "user", m.User, "err", err)
	}
	if n > 0 && s.o.Metrics != nil {
		s.o.Metrics.removed.Inc()
	}
}

// Close stops sending: what is queued is dropped, requests in flight are
// cancelled.
func (s *Sender) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.stop()
	s.wg.Wait()
}
