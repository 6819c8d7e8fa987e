// Command echobot is a small bot for the chat's HTTP API (docs/api.md):
// it reads the conversations its token can see, and answers every message
// that starts with "!echo " by repeating the rest, and "!time" with the
// time. It uses nothing but the standard library, so it can be copied out
// and changed.
//
// Run the chat (make run), pick a name in the browser, make a token in
// Account (or with curl, docs/api.md) with the read and write scopes, then:
//
//	CHAT_TOKEN=chat_... go run ./examples/echobot
//
// CHAT_URL is the chat's address (default http://localhost:8080).
//
// Every post carries an Idempotency-Key made of this run's device id and a
// counter, so a post retried after a lost answer is stored once.
package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"regexp"
	"strconv"
	"strings"
	"time"
)

func main() {
	base := strings.TrimSuffix(envOr("CHAT_URL", "http://localhost:8080"), "/")
	token := os.Getenv("CHAT_TOKEN")
	if token == "" {
		log.Fatal("set CHAT_TOKEN to a personal access token with the read and write scopes (docs/api.md)")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	b := &bot{api: base + "/api/v1", token: token, device: "echobot-" + randomHex(8), seen: map[string]uint64{}}
	if err := b.run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Fatal(err)
	}
}

// bot polls its conversations and answers commands.
type bot struct {
	api, token string
	device     string            // this run's device id, for Idempotency-Key
	sent       uint64            // the counter of this device
	me         string            // the bot's name
	seen       map[string]uint64 // conversation id -> the last sequence read
}

// apiError is the body of an error of the API.
type apiError struct {
	Code  string `json:"code"`
	Error string `json:"error"`
}

type entry struct {
	Seq  uint64 `json:"seq"`
	Kind string `json:"kind"`
	From string `json:"from"`
	HTML string `json:"html"`
}

func (b *bot) run(ctx context.Context) error {
	var me struct {
		Name string `json:"name"`
	}
	if err := b.call(ctx, "GET", "/me", nil, "", &me); err != nil {
		return err
	}
	b.me = me.Name
	log.Printf("signed in as %s; answering !echo and !time", b.me)
	first := true
	for {
		if err := b.poll(ctx, first); err != nil {
			log.Printf("poll: %v", err)
		}
		first = false
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
}

// poll reads what is new in every conversation; the first time it only
// notes where each one is, so that old commands are not answered again.
func (b *bot) poll(ctx context.Context, first bool) error {
	var list struct {
		Conversations []struct {
			ID   string `json:"id"`
			Last uint64 `json:"last"`
		} `json:"conversations"`
	}
	if err := b.call(ctx, "GET", "/conversations", nil, "", &list); err != nil {
		return err
	}
	for _, c := range list.Conversations {
		after, known := b.seen[c.ID]
		if first || !known {
			b.seen[c.ID] = c.Last
			continue
		}
		if c.Last <= after {
			continue
		}
		var page struct {
			Entries []entry `json:"entries"`
		}
		path := "/conversations/" + url.PathEscape(c.ID) + "/messages?after=" + strconv.FormatUint(after, 10) + "&limit=100"
		if err := b.call(ctx, "GET", path, nil, "", &page); err != nil {
			return err
		}
		for _, e := range page.Entries {
			b.seen[c.ID] = max(b.seen[c.ID], e.Seq)
			if e.Kind == "msg" && html.UnescapeString(e.From) != b.me {
				b.answer(ctx, c.ID, plain(e.HTML))
			}
		}
	}
	return nil
}

// answer posts the answer to a command in conversation conv, if text is one.
func (b *bot) answer(ctx context.Context, conv, text string) {
	var out string
	switch {
	case strings.HasPrefix(text, "!echo "):
		out = strings.TrimSpace(strings.TrimPrefix(text, "!echo "))
	case text == "!time":
		out = time.Now().Format(time.RFC1123)
	default:
		return
	}
	b.sent++
	key := b.device + ":" + strconv.FormatUint(b.sent, 10)
	// Retried with the same key until it is stored: the server stores it once.
	for attempt := 0; attempt < 5; attempt++ {
		err := b.call(ctx, "POST", "/conversations/"+url.PathEscape(conv)+"/messages", map[string]string{"text": out}, key, nil)
		if err == nil {
			return
		}
		log.Printf("post (try %d): %v", attempt+1, err)
		time.Sleep(time.Duration(attempt+1) * time.Second)
	}
}

// call makes one request of the API, waiting out a 429's Retry-After once.
func (b *bot) call(ctx context.Context, method, path string, body any, key string, out any) error {
	for {
		var rd io.Reader
		if body != nil {
			data, err := json.Marshal(body)
			if err != nil {
				return err
			}
			rd = bytes.NewReader(data)
		}
		req, err := http.NewRequestWithContext(ctx, method, b.api+path, rd)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+b.token)
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		data, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode == http.StatusTooManyRequests {
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(max(wait, 1)) * time.Second):
			}
			continue
		}
		if resp.StatusCode >= 300 {
			var e apiError
			json.Unmarshal(data, &e)
			return fmt.Errorf("%s %s: %d %s: %s", method, path, resp.StatusCode, e.Code, e.Error)
		}
		if out != nil {
			return json.Unmarshal(data, out)
		}
		return nil
	}
}

var tags = regexp.MustCompile(`<[^>]*>`)

// plain returns the text of a message's server-made markup.
func plain(markup string) string {
	return strings.TrimSpace(html.UnescapeString(tags.ReplaceAllString(markup, "")))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
