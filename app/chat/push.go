package chat

import (
	"time"
	"unicode/utf8"
)

// Web Push: what a client tells the server about notifications and what
// the server pushes to a browser's service worker. docs/push.md tells the
// rules; the HTTP routes are PushKeyPath, PushSubscriptionPath and
// PushSettingsPath (POST to set, GET to read).

// Paths of the push routes.
const (
	// PushKeyPath answers GET with PushKey: the VAPID public key a browser
	// subscribes with (applicationServerKey).
	PushKeyPath = "/api/push/key"
	// PushSubscriptionPath takes POST with a PushSubscription (this
	// browser session's subscription, replacing its earlier one) and
	// DELETE (this session's subscription goes). GET lists the user's
	// devices with push (PushDevices).
	PushSubscriptionPath = "/api/push/subscription"
	// PushSettingsPath takes POST with PushSettings and answers GET with
	// them.
	PushSettingsPath = "/api/push/settings"
)

// TypeActive is a client frame: the user is using this tab now.
const TypeActive Type = "active"

// Timing of activity reports, shared by the client that sends them and the
// server that holds pushes back.
const (
	// ActiveEvery is how often, at most, a client sends Active while its
	// tab has the focus and its user types, clicks, scrolls or touches.
	ActiveEvery = 30 * time.Second
	// ActiveFor is how long after an Active the user counts as active on
	// some device: no push is sent meanwhile. Two periods of ActiveEvery.
	ActiveFor = 2 * ActiveEvery
)

// Active says that the user is using this tab: it has the focus and was
// used (a key, a click, a scroll, a touch) since the last Active. A client
// sends it at most every ActiveEvery. While a user is active on any device
// (ActiveFor after the last Active), nothing is pushed to them.
type Active struct{}

// FrameType implementation.
func (Active) FrameType() Type { return TypeActive }

// Validate checks an Active: there is nothing to check.
func (f *Active) Validate() error { return nil }

func init() { clientFrames[TypeActive] = func() Frame { return &Active{} } }

// PushKey is the answer to GET PushKeyPath: the server's VAPID public key,
// the uncompressed P-256 point in unpadded base64url, as
// PushManager.subscribe takes it.
type PushKey struct {
	Key string `json:"key"`
}

// PushSubscription is a browser's push subscription, as
// PushSubscription.toJSON() gives it: the push service's endpoint and the
// keys that encrypt for this browser (unpadded base64url).
type PushSubscription struct {
	Endpoint string         `json:"endpoint"`
	Keys     PushSubscrKeys `json:"keys"`
}

// PushSubscrKeys are a subscription's keys: P256dh the browser's public
// key (65 bytes), Auth its secret (16 bytes).
type PushSubscrKeys struct {
	P256dh string `json:"p256dh"`
	Auth   string `json:"auth"`
}

// Limits of a subscription.
const (
	// MaxEndpointBytes bounds a push endpoint's URL.
	MaxEndpointBytes = 2048
)

// Validate checks a subscription's shape: an endpoint, and keys of the
// right lengths. Whether the endpoint may be reached (https) is the
// server's to decide.
func (s *PushSubscription) Validate() error {
	switch {
	case s.Endpoint == "":
		return Errorf(CodeMissingField, "a push subscription needs an endpoint")
	case len(s.Endpoint) > MaxEndpointBytes:
		return Errorf(CodeBadRequest, "a push endpoint of %d bytes; at most %d", len(s.Endpoint), MaxEndpointBytes)
	case decodedLen(s.Keys.P256dh) != 65:
		return Errorf(CodeBadRequest, "keys.p256dh must be a P-256 public key: 65 bytes in base64url")
	case decodedLen(s.Keys.Auth) != 16:
		return Errorf(CodeBadRequest, "keys.auth must be 16 bytes in base64url")
	}
	return nil
}

// decodedLen returns the length of base64url (padded or not) s decodes to,
// or -1 when it is not base64url.
func decodedLen(s string) int {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return -1
		}
	}
	if len(s)%4 == 1 {
		return -1
	}
	return len(s) * 6 / 8
}

// PushDevice is one of a user's sessions that has push, in PushDevices.
type PushDevice struct {
	ID      string `json:"id"` // the session's id, as in the device list
	Browser string `json:"browser,omitempty"`
	Created int64  `json:"created"` // Unix ms: when push was turned on
	Current bool   `json:"current,omitempty"`
}

// PushDevices answers GET PushSubscriptionPath.
type PushDevices struct {
	Devices []PushDevice `json:"devices"`
}

// PushLevel is how much of a conversation pushes.
type PushLevel string

// Push levels.
const (
	// PushAll pushes every message.
	PushAll PushLevel = "all"
	// PushMentions pushes mentions of the user and replies to them, and
	// every message of a private conversation: the default.
	PushMentions PushLevel = "mentions"
	// PushNothing pushes nothing.
	PushNothing PushLevel = "nothing"
)

// PushSettings are a user's notification settings, kept at the server and
// the same on every device.
//
// Levels are by conversation id; a conversation not named is at
// PushMentions. HideText keeps message text out of pushes (they say who
// and where only); off by default. Quiet is do-not-disturb.
type PushSettings struct {
	Levels   map[string]PushLevel `json:"levels,omitempty"`
	HideText bool                 `json:"hide_text,omitempty"`
	Quiet    Quiet                `json:"quiet"`
}

// Quiet is do-not-disturb: nothing is pushed (and a client shows no
// desktop notification) before Until (Unix ms), nor every day between the
// minutes of the day From and To (To before From spans midnight; equal
// means no schedule), in the zone Zone (an IANA name such as
// "Europe/Paris"; empty is UTC).
type Quiet struct {
	Until int64  `json:"until,omitempty"`
	From  int    `json:"from,omitempty"`
	To    int    `json:"to,omitempty"`
	Zone  string `json:"zone,omitempty"`
}

// Limits of push settings.
const (
	// MaxPushLevels bounds the conversations a user sets a level for.
	MaxPushLevels = 500
)

// Validate checks settings: known levels, conversation ids, minutes of a
// day, a zone name of sane length (whether the zone exists is the
// server's to check).
func (p *PushSettings) Validate() error {
	if len(p.Levels) > MaxPushLevels {
		return Errorf(CodeBadRequest, "levels for %d conversations; at most %d", len(p.Levels), MaxPushLevels)
	}
	for id, l := range p.Levels {
		if id == "" || len(id) > MaxConvIDBytes {
			return Errorf(CodeBadRequest, "a level for a conversation id of %d bytes", len(id))
		}
		switch l {
		case PushAll, PushMentions, PushNothing:
		default:
			return Errorf(CodeBadRequest, "level %.20q: use all, mentions or nothing", l)
		}
	}
	q := p.Quiet
	if q.From < 0 || q.From >= 24*60 || q.To < 0 || q.To >= 24*60 {
		return Errorf(CodeBadRequest, "quiet hours are minutes of the day, 0 to 1439")
	}
	if q.Until < 0 || len(q.Zone) > 64 || !utf8.ValidString(q.Zone) {
		return Errorf(CodeBadRequest, "quiet needs a time and a zone name of at most 64 bytes")
	}
	return nil
}

// Level returns the level of conversation conv.
func (p *PushSettings) Level(conv string) PushLevel {
	if l, ok := p.Levels[conv]; ok {
		return l
	}
	return PushMentions
}

// QuietAt reports whether do-not-disturb holds at t, in the zone loc (the
// caller resolves Zone; nil is UTC).
func (q Quiet) QuietAt(t time.Time, loc *time.Location) bool {
	if q.Until > 0 && t.UnixMilli() < q.Until {
		return true
	}
	if q.From == q.To {
		return false
	}
	if loc == nil {
		loc = time.UTC
	}
	lt := t.In(loc)
	m := lt.Hour()*60 + lt.Minute()
	if q.From < q.To {
		return m >= q.From && m < q.To
	}
	return m >= q.From || m < q.To
}

// Push is what the server pushes to a service worker, encrypted, at most
// MaxPushBytes: Title and Body are plain text for the notification
// (Body's text is cut to fit, or absent when the user hides text), Tag
// names the conversation (one notification per conversation: a new push
// replaces it), Count is how many entries of it the user has not read.
// Entry is the message itself, for the offline copy, when it fits and the
// user shows text; Conv and Seq say where a click opens.
type Push struct {
	Conv  string `json:"conv"`
	Seq   uint64 `json:"seq"`
	Title string `json:"title"`
	Body  string `json:"body"`
	Tag   string `json:"tag"`
	Count int    `json:"count"`
	Entry *Entry `json:"entry,omitempty"`
	// Kind and Name describe the conversation for the offline list: a
	// room's name or the other person's (HTML-escaped, as ConvInfo.Name).
	Kind ConvKind `json:"kind"`
	Name string   `json:"name"`
}

// MaxPushBytes bounds the JSON of a Push, so that the encrypted record
// (its header, padding delimiter and tag add 103 bytes) stays within 3 KB.
const MaxPushBytes = 3072 - 103

// PushTag returns the notification tag of conversation conv.
func PushTag(conv string) string { return "conv:" + conv }
