package push_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/push"
	"github.com/founding/chat/server/push/pushtest"
	"github.com/founding/chat/server/safehttp"
	"github.com/founding/chat/server/store/memory"
)

// newSender returns a Sender with fresh keys on a memory store, and the
// store.
func newSender(t *testing.T, o push.SenderOptions) (*push.Sender, push.Store) {
	t.Helper()
	st := memory.NewPushRecords()
	keys, err := push.LoadKeys(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	o.Keys, o.Store = keys, st
	if o.Contact == "" {
		o.Contact = "mailto:ops@example.com"
	}
	if o.RetryBase == 0 {
		o.RetryBase = 10 * time.Millisecond
	}
	if o.Client == nil {
		// The push service of these tests listens on 127.0.0.1.
		o.Client = safehttp.New(safehttp.Options{AllowLoopback: true, MaxRedirects: -1}).HTTP()
	}
	s := push.NewSender(o)
	t.Cleanup(s.Close)
	return s, st
}

// TestSenderNeverPostsInsideTheNetwork: a subscription is the browser's
// word, so its endpoint may name an address inside the server's network.
// The default sender refuses it, posts nothing, and removes it.
func TestSenderNeverPostsInsideTheNetwork(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t) // on 127.0.0.1: inside
	m := push.NewMetrics()
	st := memory.NewPushRecords()
	keys, err := push.LoadKeys(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	s := push.NewSender(push.SenderOptions{Keys: keys, Store: st, Contact: "mailto:ops@example.com", Metrics: m, RetryBase: time.Millisecond})
	t.Cleanup(s.Close)
	sub := svc.Subscribe()
	ctx := context.Background()
	if err := push.Subscribe(ctx, st, "ann", subscription(sub, "g")); err != nil {
		t.Fatal(err)
	}
	s.Send(push.Message{User: "ann", Sub: subscription(sub, "g"), Payload: []byte("{}"), TTL: time.Hour})
	waitFor(t, func() bool {
		subs, _ := push.Subscriptions(ctx, st, "ann")
		return len(subs) == 0
	}, "the subscription to a loopback endpoint removed")
	if got := failed(t, m, "forbidden_address"); got != 1 {
		t.Errorf("chat_push_failed_total{reason=forbidden_address} = %v, want 1", got)
	}
	select {
	case p := <-svc.Pushes:
		t.Errorf("a push reached the loopback service: %+v", p)
	default:
	}
}

// failed reads chat_push_failed_total{reason} of m.
func failed(t *testing.T, m *push.Metrics, reason string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors(func() float64 { return 0 })...)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "chat_push_failed_total" {
			continue
		}
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == reason {
					return metric.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func subscription(s chat.PushSubscription, group string) push.Subscription {
	return push.Subscription{Endpoint: s.Endpoint, P256dh: s.Keys.P256dh, Auth: s.Keys.Auth, Group: group}
}

func receive(t *testing.T, svc *pushtest.Service) pushtest.Push {
	t.Helper()
	select {
	case p := <-svc.Pushes:
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no push arrived")
	}
	return pushtest.Push{}
}

func TestSenderDelivers(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t)
	for _, contact := range []string{"mailto:ops@example.com", "https://chat.example.com/contact"} {
		s, st := newSender(t, push.SenderOptions{Contact: contact})
		sub := svc.Subscribe()
		if !s.Send(push.Message{User: "ann", Sub: subscription(sub, "g"), Payload: []byte(`{"hello":"世界"}`), Urgent: true, TTL: time.Hour, Topic: "t1"}) {
			t.Fatal("not queued")
		}
		p := receive(t, svc)
		if string(p.Body) != `{"hello":"世界"}` || p.Urgency != "high" || p.Topic != "t1" || p.TTL < 3590 || p.TTL > 3600 {
			t.Errorf("push = %+v", p)
		}
		keys, _ := push.LoadKeys(context.Background(), st)
		if p.Subject != contact || p.Key != keys.Public {
			t.Errorf("sub %q key %q; want %q and the store's key (P15: no mailto:mailto:)", p.Subject, p.Key, contact)
		}
		if p.Size > 3072 {
			t.Errorf("body of %d bytes, over 3 KB", p.Size)
		}
	}
}

func TestSenderRemovesGone(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t)
	m := push.NewMetrics()
	s, st := newSender(t, push.SenderOptions{Metrics: m})
	ctx := context.Background()
	for _, status := range []int{http.StatusNotFound, http.StatusGone} {
		gone, kept := svc.Subscribe(), svc.Subscribe()
		svc.Answer(func(sub string, _ int) int {
			if sub == pushtest.ID(gone) {
				return status
			}
			return http.StatusCreated
		})
		for _, sub := range []chat.PushSubscription{gone, kept} {
			if err := push.Subscribe(ctx, st, "ann", subscription(sub, sub.Endpoint)); err != nil {
				t.Fatal(err)
			}
			s.Send(push.Message{User: "ann", Sub: subscription(sub, sub.Endpoint), Payload: []byte("{}"), TTL: time.Hour})
		}
		if p := receive(t, svc); p.Sub != pushtest.ID(kept) {
			t.Fatalf("got a push for %s", p.Sub)
		}
		waitFor(t, func() bool {
			subs, _ := push.Subscriptions(ctx, st, "ann")
			for _, x := range subs {
				if x.Endpoint == gone.Endpoint {
					return false
				}
			}
			return true
		}, "the gone subscription removed after a %d", status)
		subs, _ := push.Subscriptions(ctx, st, "ann")
		if !strings.Contains(mustJSON(subs), kept.Endpoint) {
			t.Fatalf("the good subscription went too: %+v", subs)
		}
	}
}

func TestSenderRetries429And5xxWithinTTL(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t)
	m := push.NewMetrics()
	s, _ := newSender(t, push.SenderOptions{Metrics: m})
	busy, broken, never := svc.Subscribe(), svc.Subscribe(), svc.Subscribe()
	svc.Answer(func(sub string, n int) int {
		switch {
		case sub == pushtest.ID(busy) && n < 3:
			return http.StatusTooManyRequests
		case sub == pushtest.ID(broken) && n < 2:
			return http.StatusServiceUnavailable
		case sub == pushtest.ID(never):
			return http.StatusInternalServerError
		}
		return http.StatusCreated
	})
	for _, sub := range []chat.PushSubscription{busy, broken} {
		s.Send(push.Message{User: "ann", Sub: subscription(sub, "g"), Payload: []byte("{}"), TTL: time.Hour})
	}
	s.Send(push.Message{User: "ann", Sub: subscription(never, "g"), Payload: []byte("{}"), TTL: 300 * time.Millisecond})
	got := map[string]bool{}
	for range 2 {
		got[receive(t, svc).Sub] = true
	}
	if !got[pushtest.ID(busy)] || !got[pushtest.ID(broken)] || svc.Attempts(pushtest.ID(busy)) != 3 {
		t.Fatalf("got %v after %d tries of the busy one", got, svc.Attempts(pushtest.ID(busy)))
	}
	// The failing one is tried while its TTL lasts, then given up.
	waitFor(t, func() bool { return metric(t, m, "chat_push_failed_total", "expired") == 1 }, "a 500 given up")
	n := svc.Attempts(pushtest.ID(never))
	if n < 2 || n > 10 {
		t.Fatalf("%d tries of a push with a TTL of 300ms and retries from 10ms", n)
	}
}

// TestSlowServiceDelaysNoOther: a push service that never answers holds
// its own pushes only; another service's go at once.
func TestSlowServiceDelaysNoOther(t *testing.T) {
	t.Parallel()
	slow, fast := pushtest.New(t), pushtest.New(t)
	slow.Answer(func(string, int) int { return pushtest.Hang })
	s, _ := newSender(t, push.SenderOptions{Timeout: time.Minute, PerService: 2, QueuePerService: 8})
	stuck := slow.Subscribe()
	queued := 0
	for range 20 {
		if s.Send(push.Message{User: "ann", Sub: subscription(stuck, "g"), Payload: []byte("{}"), TTL: time.Hour}) {
			queued++
		}
	}
	if queued > 2+8 {
		t.Fatalf("%d pushes queued for one service; the bound is 2 in flight and 8 waiting", queued)
	}
	start := time.Now()
	for i := range 5 {
		s.Send(push.Message{User: "bob", Sub: subscription(fast.Subscribe(), "g"), Payload: []byte(`{"i":` + string(rune('0'+i)) + `}`), TTL: time.Hour})
	}
	for range 5 {
		receive(t, fast)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the fast service's pushes took %v behind a hung one", d)
	}
}

// metric returns the value of m's counter name (of label value, if any).
func metric(t *testing.T, m *push.Metrics, name, label string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.Collectors(func() float64 { return 0 })...)
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, s := range f.GetMetric() {
			if label == "" || (len(s.GetLabel()) > 0 && s.GetLabel()[0].GetValue() == label) {
				return s.GetCounter().GetValue()
			}
		}
	}
	return 0
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func waitFor(t *testing.T, ok func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for "+what, args...)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSenderSharesOnePayload: pushes of one entry to several devices share
// its bytes, which the sender must not write to (webpush-go pads in place).
func TestSenderSharesOnePayload(t *testing.T) {
	t.Parallel()
	svc := pushtest.New(t)
	s, _ := newSender(t, push.SenderOptions{PerService: 8})
	payload := make([]byte, 0, 4096)
	payload = append(payload, `{"shared":true}`...)
	for range 8 {
		s.Send(push.Message{User: "ann", Sub: subscription(svc.Subscribe(), "g"), Payload: payload, TTL: time.Hour})
	}
	for range 8 {
		if p := receive(t, svc); string(p.Body) != `{"shared":true}` {
			t.Fatalf("a push of %q", p.Body)
		}
	}
	if string(payload[:cap(payload)][len(payload):len(payload)+1]) != "\x00" {
		t.Error("the sender wrote past the payload's end")
	}
}
