package jetstream

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A device's record is written to the bucket a moment after the message
// that changed it, not before that message is acknowledged: one write then
// carries every message the device sent meanwhile, and a message costs one
// write to storage (its entry) instead of two. This process answers from
// the record it holds, so nothing is stored twice here. Elsewhere (the
// device moved to another node, or this process ended before the write),
// the stream's dedupe window, much longer than the delay, still stores a
// retried message once (Log.publish); the record guards only retries older
// than that window.

// defaultMarkDelay is how long a device's changed record waits before it
// is written (LogOptions.MarkDelay): far below the stream's dedupe window
// (DedupeWindow, 10 minutes by default).
const defaultMarkDelay = 2 * time.Second

// markWriteTimeout bounds one attempt to write a record.
const markWriteTimeout = 10 * time.Second

// markRetries is how many times a record that could not be written is
// tried again, MarkDelay apart, before it waits for the device's next
// message (which tries again).
const markRetries = 20

// writeLater makes sure dev's record is written within MarkDelay. Callers
// hold dev.mu.
func (l *Log) writeLater(dev *deviceState, key string) {
	if dev.scheduled || l.closed.Load() {
		return
	}
	dev.scheduled = true
	l.writers.Add(1)
	dev.timer = time.AfterFunc(l.opts.MarkDelay, func() {
		defer l.writers.Done()
		l.writeMarks(dev, key)
	})
}

// writeMarks writes dev's record if it holds acks not written yet, and
// tries again later on failure.
func (l *Log) writeMarks(dev *deviceState, key string) {
	dev.mu.Lock()
	defer dev.mu.Unlock()
	dev.scheduled = false
	if !dev.dirty {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), markWriteTimeout)
	defer cancel()
	err := l.storeMarks(ctx, dev, key)
	switch {
	case err == nil:
		dev.failures = 0
	case l.closed.Load() || errors.Is(err, nats.ErrConnectionClosed):
		// Ending: the stream's dedupe window guards what was not written.
	default:
		dev.failures++
		l.opts.Logger.Warn("device mark not recorded", "device", key, "attempt", dev.failures, "err", err)
		if dev.failures < markRetries {
			l.writeLater(dev, key)
		}
	}
}

// storeMarks writes dev's record with compare-and-set, joining it with the
// stored one when another process wrote it meanwhile. Callers hold dev.mu.
func (l *Log) storeMarks(ctx context.Context, dev *deviceState, key string) error {
	for range 4 {
		data := dev.marks.appendJSON(nil)
		var rev uint64
		var err error
		if dev.rev == 0 {
			rev, err = l.devices.Create(ctx, key, data)
		} else {
			rev, err = l.devices.Update(ctx, key, data, dev.rev)
		}
		if err == nil {
			dev.rev, dev.dirty = rev, false
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return err
		}
		stored, m, err := l.fetchDevice(ctx, key)
		if err != nil {
			return err
		}
		dev.rev, dev.marks = stored, mergeMarks(m, dev.marks)
	}
	return errors.New("jetstream: device marks kept changing")
}

// Flush writes every device record still waiting, now instead of when
// due, and waits for the writes under way; Close calls it.
func (l *Log) Flush(ctx context.Context) error {
	l.mu.Lock()
	waiting := make(map[string]*deviceState)
	for k, dev := range l.marks {
		waiting[token(k.user)+"."+token(k.device)] = dev
	}
	l.mu.Unlock()
	var errs []error
	for key, dev := range waiting {
		dev.mu.Lock()
		if dev.scheduled && dev.timer.Stop() {
			dev.scheduled = false
			l.writers.Done() // the write it was due for happens here
		}
		if dev.dirty {
			errs = append(errs, l.storeMarks(ctx, dev, key))
		}
		dev.mu.Unlock()
	}
	l.writers.Wait()
	return errors.Join(errs...)
}

// Close writes what waits (Flush) and stops writing later: a record
// changed after Close is left to the stream's dedupe window.
func (l *Log) Close(ctx context.Context) error {
	err := l.Flush(ctx)
	l.closed.Store(true)
	l.writers.Wait()
	return err
}
