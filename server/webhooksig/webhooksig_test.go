package webhooksig_test

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/founding/chat/server/webhooksig"
)

// TestSignatureAndReplay: Verify takes what Sign made within the
// tolerance, and refuses a changed body, another secret and a request
// replayed after the tolerance.
func TestSignatureAndReplay(t *testing.T) {
	t.Parallel()
	body := []byte(`{"text":"/deploy"}`)
	now := time.Now()
	ts := now.Unix()
	sig := webhooksig.Sign("s3cret", ts, body)
	if err := webhooksig.Verify("s3cret", strconv.FormatInt(ts, 10), sig, body, now, 5*time.Minute); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	if err := webhooksig.Verify("s3cret", strconv.FormatInt(ts, 10), sig, []byte(`{"text":"/rm -rf"}`), now, 5*time.Minute); !errors.Is(err, webhooksig.ErrBadSignature) {
		t.Errorf("a changed body: %v", err)
	}
	if err := webhooksig.Verify("other", strconv.FormatInt(ts, 10), sig, body, now, 5*time.Minute); !errors.Is(err, webhooksig.ErrBadSignature) {
		t.Errorf("another secret: %v", err)
	}
	if err := webhooksig.Verify("s3cret", strconv.FormatInt(ts+1, 10), sig, body, now, 5*time.Minute); !errors.Is(err, webhooksig.ErrBadSignature) {
		t.Errorf("another timestamp: %v", err)
	}
	if err := webhooksig.Verify("s3cret", strconv.FormatInt(ts, 10), sig, body, now.Add(6*time.Minute), 5*time.Minute); !errors.Is(err, webhooksig.ErrStale) {
		t.Errorf("a replay after the tolerance: %v", err)
	}
}
