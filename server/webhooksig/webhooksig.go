// Package webhooksig signs what the server sends to a webhook (an
// outgoing webhook, a slash command) and checks such a signature, as a
// receiver should: HMAC-SHA256 over a timestamp and the body, and a
// timestamp within a tolerance, against replays. The requests themselves
// go through server/safehttp.
package webhooksig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// Header names of a signed request.
const (
	TimestampHeader = "X-Chat-Timestamp" // Unix seconds
	SignatureHeader = "X-Chat-Signature" // "v1=" and the hex HMAC-SHA256
)

// Sign returns the signature of body sent at ts with secret: "v1=" and
// the hex HMAC-SHA256 of "<ts>.<body>".
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10) + "."))
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook: the signature does not match")
	ErrStale        = errors.New("webhook: the timestamp is too old or too new (a replay?)")
)

// Verify checks a signed request as its receiver should: the signature
// over the timestamp and the body, and a timestamp within tolerance of
// now, so that a request recorded and sent again later is refused. A
// receiver that must refuse a replay within the tolerance too remembers
// the signatures it accepted for that long.
func Verify(secret, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return ErrBadSignature
	}
	if !hmac.Equal([]byte(Sign(secret, ts, body)), []byte(signature)) {
		return ErrBadSignature
	}
	if d := now.Sub(time.Unix(ts, 0)); d > tolerance || d < -tolerance {
		return ErrStale
	}
	return nil
}

// SetHeaders signs body with secret on req, as sent now.
func SetHeaders(req *http.Request, secret string, body []byte, now time.Time) {
	ts := now.Unix()
	req.Header.Set(TimestampHeader, strconv.FormatInt(ts, 10))
	req.Header.Set(SignatureHeader, Sign(secret, ts, body))
}
