package server_test

// A browser test of a slash command's ephemeral answer: the person who
// typed it sees it at the bottom of the timeline, marked "Only visible to
// you" with the bot's name, dismisses it, and a reload does not bring it
// back; the other member never gets it.

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

func TestBrowserEphemeralAnswer(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"text":"sunny, **for you**","response_type":"ephemeral"}`))
	}))
	defer receiver.Close()
	opts := fast()
	opts.OutgoingAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	s, b := chattest.New(t, opts), chattest.NewBrowser(t)
	bob := s.User(t, "bob")
	bob.Send(&chat.Join{Room: "ops"})
	chattest.Expect(bob, func(c *chat.Conv) bool { return c.ID == "r:ops" })
	token := newToken(t, s, bob, "read", "write")
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:ops/outgoing",
		map[string]any{"name": "helpbot", "trigger": "/ask", "url": receiver.URL + "/hook"}, nil, nil); code != 201 {
		t.Fatalf("make the command: %d", code)
	}
	ann := people(t, b, s.URL, "Ann")[0]
	joinRoom(t, ann, "ops")

	say(t, ann, "/ask weather")
	const note = `document.querySelector('#timeline .entry.ephemeral')`
	waitJS(t, ann, `(() => { const e = `+note+`; return !!e && e.querySelector('.from')?.textContent === 'helpbot' &&
		e.querySelector('.only-you')?.textContent === 'Only visible to you' && e.querySelector('.body strong')?.textContent === 'for you'; })()`)
	chattest.Screenshot(t, ann, "ephemeral-answer")
	chattest.Never(bob, 300*time.Millisecond, func(n *chat.Notice) bool { return true })

	chattest.Eval[bool](t, ann, `(document.querySelector('#timeline .entry.ephemeral .dismiss').click(), true)`)
	waitJS(t, ann, `!`+note)

	// Another answer, then a reload: it was never saved.
	say(t, ann, "/ask again")
	waitJS(t, ann, `!!`+note)
	chattest.Do(t, ann, chromedp.Reload())
	waitOnline(t, ann)
	waitJS(t, ann, `!!`+msgWith("/ask again"))
	if isJS(t, ann, `!!`+note) {
		t.Error("the ephemeral answer came back after a reload")
	}
}
