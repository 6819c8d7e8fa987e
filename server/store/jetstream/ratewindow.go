package jetstream

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// RateWindow is a rate limit that every node on the same NATS shares: at
// most limit acts per key (a token, a webhook) in any window. It is a
// stream in memory, chat_rate_<name>, with a subject per key and a message
// per act; the stream keeps at most limit messages per subject, refuses
// (DiscardNewPerSubject) a new one beyond them, and drops each message
// window after it was stored (MaxAge). So taking a place is one publish,
// which the stream's leader admits or refuses atomically whichever node
// sent it: a sliding window, with no read-modify-write to race. The
// counts need not outlive NATS, hence memory.
type RateWindow struct {
	js       jetstream.JetStream
	name     string
	limit    int
	window   time.Duration
	replicas int

	mu     sync.Mutex
	stream jetstream.Stream // nil until made
}

// rateMaxBytes bounds a rate stream: a full stream refuses every key, an
// error (not a refusal) for the caller, who then falls back to its own
// limit.
const rateMaxBytes = 64 << 20

// NewRateWindow returns the shared limit name (a NATS token) of limit
// acts per window on js, in a stream of replicas copies made at its first
// use (so a node may start before JetStream has a leader).
func NewRateWindow(js jetstream.JetStream, replicas int, name string, limit int, window time.Duration) *RateWindow {
	return &RateWindow{js: js, name: name, limit: max(limit, 1), window: window, replicas: max(replicas, 1)}
}

func (w *RateWindow) subject(key string) string { return "chat.rate." + w.name + "." + token(key) }

// open makes (or updates) the stream once.
func (w *RateWindow) open(ctx context.Context) (jetstream.Stream, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stream != nil {
		return w.stream, nil
	}
	st, err := w.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:                 "chat_rate_" + w.name,
		Description:          "chat: the shared rate limit " + w.name,
		Subjects:             []string{"chat.rate." + w.name + ".>"},
		Storage:              jetstream.MemoryStorage,
		Replicas:             w.replicas,
		MaxAge:               w.window,
		Duplicates:           w.window,
		MaxMsgsPerSubject:    int64(w.limit),
		MaxBytes:             rateMaxBytes,
		Discard:              jetstream.DiscardNew,
		DiscardNewPerSubject: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jetstream: the rate stream %s: %w", w.name, err)
	}
	w.stream = st
	return st, nil
}

// Take counts an act of key and reports whether it is within the limit;
// when not, wait is how long until the oldest act of key in the window
// leaves it. An error means the limit could not be asked (NATS away, the
// stream full): the caller decides what then.
func (w *RateWindow) Take(ctx context.Context, key string) (ok bool, wait time.Duration, err error) {
	st, err := w.open(ctx)
	if err != nil {
		return false, 0, err
	}
	subj := w.subject(key)
	_, err = w.js.Publish(ctx, subj, nil)
	if err == nil {
		return true, 0, nil
	}
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || !strings.Contains(apiErr.Description, "per subject") {
		if errors.Is(err, jetstream.ErrNoStreamResponse) {
			w.mu.Lock()
			w.stream = nil // gone (NATS restarted without it): make it again next time
			w.mu.Unlock()
		}
		return false, 0, fmt.Errorf("jetstream: taking from the rate %s: %w", w.name, err)
	}
	// Refused: the oldest act of key leaves the window first.
	wait = w.window
	if first, err := st.GetMsg(ctx, 0, jetstream.WithGetMsgSubject(subj)); err == nil {
		wait = min(w.window, max(time.Until(first.Time.Add(w.window)), time.Millisecond))
	}
	return false, wait, nil
}
