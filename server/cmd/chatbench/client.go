package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// loadClient is one simulated user: one websocket, its own identity, the
// messages it has seen (a bitset over message ids) and their latencies.
type loadClient struct {
	idx  int
	room int
	conv string // chat: the conversation id of its room
	ws   *websocket.Conn
	jar  http.CookieJar // chat: its session, once it has a name

	// What one step of a run saw; reset between steps (the reader holds mu).
	mu       sync.Mutex
	base     uint64   // the step's first message id
	seen     []uint64 // bitset over message ids from base
	got      atomic.Uint64
	dups     uint64
	hist     histogram
	lastRecv int64 // Unix ns of the latest delivery

	err  error
	done chan struct{}
}

func newLoadClient(idx, room int) *loadClient {
	return &loadClient{idx: idx, room: room, done: make(chan struct{})}
}

// reset starts a step whose message ids are base … base+count-1.
func (c *loadClient) reset(base uint64, count int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.base, c.seen = base, make([]uint64, count/64+1)
	c.got.Store(0)
	c.dups, c.hist, c.lastRecv = 0, histogram{}, 0
}

// dialChat connects a chat client: it picks a name, joins its room and
// learns the room's conversation id.
func (c *loadClient) dialChat(ctx context.Context, cfg *Config) error {
	returning := c.jar != nil
	if !returning {
		c.jar, _ = cookiejar.New(nil)
	}
	ws, _, err := websocket.Dial(ctx, cfg.wsURL(c.idx), &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPClient:   &http.Client{Jar: c.jar},
		HTTPHeader:   http.Header{"Origin": {cfg.base(c.idx)}},
	})
	if err != nil {
		return err
	}
	ws.SetReadLimit(chat.ClientReadLimit)
	c.ws = ws
	if returning { // its session names it: the welcome is its own
		if _, err := c.expect(ctx, func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && !w.NeedName }); err != nil {
			return fmt.Errorf("coming back: %w", err)
		}
		return nil
	}
	if _, err := c.expect(ctx, func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && w.NeedName }); err != nil {
		return fmt.Errorf("waiting for the welcome: %w", err)
	}
	name := fmt.Sprintf("b%sn%d", cfg.Run, c.idx)
	if err := c.send(ctx, &chat.Nick{Name: name}); err != nil {
		return err
	}
	if cfg.Reconnect { // as a browser keeps its name: the handover's cookie
		f, err := c.expect(ctx, func(f chat.Frame) bool { _, ok := f.(*chat.Handover); return ok })
		if err != nil {
			return fmt.Errorf("waiting for the handover: %w", err)
		}
		if err := c.keepName(ctx, cfg, f.(*chat.Handover).Code); err != nil {
			return err
		}
	}
	if _, err := c.expect(ctx, func(f chat.Frame) bool { w, ok := f.(*chat.Welcome); return ok && !w.NeedName }); err != nil {
		return fmt.Errorf("picking the name %s: %w", name, err)
	}
	if cfg.Mode == modeIdle {
		return nil
	}
	room := fmt.Sprintf("bench%sr%d", cfg.Run, c.room)
	if err := c.send(ctx, &chat.Join{Room: room}); err != nil {
		return err
	}
	f, err := c.expect(ctx, func(f chat.Frame) bool { cv, ok := f.(*chat.Conv); return ok && cv.Name == room })
	if err != nil {
		return fmt.Errorf("joining %s: %w", room, err)
	}
	c.conv = f.(*chat.Conv).ID
	return nil
}

// keepName trades a handover's code for the session cookie of the name
// just picked (chat.HandoverPath), as the browser does.
func (c *loadClient) keepName(ctx context.Context, cfg *Config, code string) error {
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.base(c.idx)+chat.HandoverPath, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", cfg.base(c.idx))
	resp, err := (&http.Client{Jar: c.jar}).Do(req)
	if err != nil {
		return fmt.Errorf("keeping the name: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("keeping the name: %s", resp.Status)
	}
	return nil
}

// dialGorilla connects a client of the control server: plain text over /ws.
func (c *loadClient) dialGorilla(ctx context.Context, cfg *Config) error {
	ws, _, err := websocket.Dial(ctx, cfg.wsURL(c.idx), nil)
	if err != nil {
		return err
	}
	ws.SetReadLimit(1 << 20)
	c.ws = ws
	return nil
}

func (c *loadClient) send(ctx context.Context, f chat.Frame) error {
	b, err := chat.Encode(f)
	if err != nil {
		return err
	}
	return c.ws.Write(ctx, websocket.MessageText, b)
}

// expect reads frames until match accepts one; an error frame ends it.
func (c *loadClient) expect(ctx context.Context, match func(chat.Frame) bool) (chat.Frame, error) {
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return nil, err
		}
		f, err := chat.DecodeServer(data)
		if err != nil {
			return nil, err
		}
		frames := []chat.Frame{f}
		if b, ok := f.(*chat.Batch); ok {
			frames = b.Frames
		}
		for _, f := range frames {
			if e, ok := f.(*chat.Error); ok {
				return nil, errors.New(string(e.Code) + ": " + e.Message)
			}
			if match(f) {
				return f, nil
			}
		}
	}
}

// readLoop counts the payloads of everything that arrives until the
// connection ends.
func (c *loadClient) readLoop(ctx context.Context) {
	defer close(c.done)
	var buf bytes.Buffer
	for {
		// No context per read (it costs a registration each time): the
		// run ends reads by closing the connections.
		_, r, err := c.ws.Reader(context.Background())
		if err != nil {
			if ctx.Err() == nil && websocket.CloseStatus(err) == -1 {
				c.err = err
			}
			return
		}
		buf.Reset()
		if _, err := buf.ReadFrom(r); err != nil {
			c.err = err
			return
		}
		now := time.Now()
		c.mu.Lock()
		scanPayloads(buf.Bytes(), func(id uint64, sentNs int64) { c.saw(id, sentNs, now) })
		c.mu.Unlock()
	}
}

// saw records a delivery. Callers hold c.mu.
func (c *loadClient) saw(id uint64, sentNs int64, now time.Time) {
	if id < c.base {
		return // a late one from an earlier step
	}
	id -= c.base
	w, bit := id/64, uint64(1)<<(id%64)
	if w >= uint64(len(c.seen)) {
		return
	}
	if c.seen[w]&bit != 0 {
		c.dups++
		return
	}
	c.seen[w] |= bit
	c.got.Add(1)
	c.hist.record(now.Sub(time.Unix(0, sentNs)))
	c.lastRecv = now.UnixNano()
}

// sendFrame is a Send frame for the payload, encoded without reflection:
// the load tool must not be the bottleneck.
func sendFrame(dst []byte, device string, n uint64, conv string, payload []byte) []byte {
	dst = append(dst, `{"type":"send","id":{"d":"`...)
	dst = append(dst, device...)
	dst = append(dst, `","n":`...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `},"conv":`...)
	dst = strconv.AppendQuote(dst, conv)
	dst = append(dst, `,"text":"`...)
	dst = append(dst, payload...)
	return append(dst, `"}`...)
}
