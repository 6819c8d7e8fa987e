package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// addrConn is a websocket to s from the loopback address ip, read one frame
// at a time by the test.
type addrConn struct {
	t       *testing.T
	ws      *websocket.Conn
	pending []chat.Frame // the rest of a batch
}

func dialFrom(t *testing.T, s *chattest.Server, ip string) *addrConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, s.WS, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPClient:   fromAddr(ip, chattest.NewJar()),
		HTTPHeader:   http.Header{"Origin": {s.URL}},
	})
	if err != nil {
		t.Fatalf("dial from %s: %v", ip, err)
	}
	ws.SetReadLimit(chat.ClientReadLimit)
	t.Cleanup(func() { ws.CloseNow() })
	return &addrConn{t: t, ws: ws}
}

func (c *addrConn) send(f chat.Frame) {
	c.t.Helper()
	b, err := chat.Encode(f)
	if err != nil {
		c.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next frame that match accepts, skipping the others.
func (c *addrConn) next(match func(chat.Frame) bool) chat.Frame {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chattest.Wait)
	defer cancel()
	var skipped []string
	for {
		for len(c.pending) > 0 {
			f := c.pending[0]
			c.pending = c.pending[1:]
			if match(f) {
				return f
			}
		}
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			c.t.Fatalf("waiting for a frame: %v; skipped %s", err, strings.Join(skipped, ", "))
		}
		skipped = append(skipped, string(data[:min(len(data), 120)]))
		f, err := chat.DecodeServer(data)
		if err != nil {
			c.t.Fatal(err)
		}
		c.pending = []chat.Frame{f}
		if b, ok := f.(*chat.Batch); ok {
			c.pending = b.Frames
		}
	}
}

// claim sends a nick and returns the Welcome or the Error it gets.
func (c *addrConn) claim(name string) chat.Frame {
	c.t.Helper()
	c.next(func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && w.NeedName })
	c.send(&chat.Nick{Name: name})
	return c.next(func(f chat.Frame) bool {
		switch f := f.(type) {
		case *chat.Welcome:
			return !f.NeedName
		case *chat.Error:
			return f.Ref == chat.TypeNick
		}
		return false
	})
}

// TestNameClaimsAreLimitedPerAddress claims names from one address past its
// burst: the next is refused rate_limited, saying when to try again, while
// a name already taken costs nothing and another address claims freely.
func TestNameClaimsAreLimitedPerAddress(t *testing.T) {
	const burst = 3
	s := chattest.New(t, server.Options{ClaimsPerHour: 1, ClaimBurst: burst})
	s.User(t, "taken") // from 127.0.0.1

	if e, ok := dialFrom(t, s, "127.0.0.2").claim("taken").(*chat.Error); !ok || e.Code != chat.CodeNameTaken {
		t.Fatalf("claiming a taken name: %+v, want name_taken", e)
	}
	for _, name := range []string{"one", "two", "three"} {
		if w, ok := dialFrom(t, s, "127.0.0.2").claim(name).(*chat.Welcome); !ok || w.Me != name {
			t.Fatalf("claim of %q within the burst of %d refused: %+v", name, burst, w)
		}
	}
	e, ok := dialFrom(t, s, "127.0.0.2").claim("four").(*chat.Error)
	if !ok || e.Code != chat.CodeRateLimited || !strings.Contains(e.Message, "try again in") {
		t.Fatalf("claim past the burst: %+v, want rate_limited with a time to wait", e)
	}
	if w, ok := dialFrom(t, s, "127.0.0.3").claim("four").(*chat.Welcome); !ok || w.Me != "four" {
		t.Fatalf("another address could not claim: %+v", w)
	}
}

// TestMessagesAreLimitedPerAddress sends from two fresh names of one
// address: together they get the address's burst, not twice the user's,
// and a user of another address is not held back.
func TestMessagesAreLimitedPerAddress(t *testing.T) {
	const userBurst, addrBurst = 4, 6
	s := chattest.New(t, server.Options{MessageRate: 1e-3, MessageBurst: userBurst, AddrMessageRate: 1e-3, AddrMessageBurst: addrBurst})
	send := func(c *addrConn, n int) (acks, limited int) {
		for i := 1; i <= n; i++ {
			c.send(&chat.Send{ID: limitsID(uint64(i)), Conv: hub.LobbyID, Text: "hello"})
		}
		for range n {
			switch f := c.next(func(f chat.Frame) bool {
				e, isErr := f.(*chat.Error)
				_, isAck := f.(*chat.Ack)
				return isAck || (isErr && e.Ref == chat.TypeSend)
			}).(type) {
			case *chat.Ack:
				acks++
			case *chat.Error:
				if f.Code != chat.CodeRateLimited || f.ID == nil {
					t.Fatalf("unexpected error: %+v", f)
				}
				limited++
			}
		}
		return acks, limited
	}
	ann, bob := dialFrom(t, s, "127.0.0.2"), dialFrom(t, s, "127.0.0.2")
	ann.claim("ann")
	bob.claim("bob")
	a1, l1 := send(ann, userBurst)
	a2, l2 := send(bob, userBurst)
	if a1+a2 != addrBurst || l1+l2 != 2*userBurst-addrBurst {
		t.Errorf("two users of one address: %d+%d acks and %d+%d rate_limited, want %d acks in all", a1, a2, l1, l2, addrBurst)
	}
	cid := dialFrom(t, s, "127.0.0.3")
	cid.claim("cid")
	if acks, _ := send(cid, userBurst); acks != userBurst {
		t.Errorf("a user of another address got %d acks of %d", acks, userBurst)
	}
}
