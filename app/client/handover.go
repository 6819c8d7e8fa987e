package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
)

// HandoverURL returns the address of the handover endpoint
// (chat.HandoverPath) of the server whose websocket is at wsURL.
func HandoverURL(wsURL string) (string, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return "", fmt.Errorf("client: websocket URL %q: %w", wsURL, err)
	}
	u.Scheme = strings.Replace(u.Scheme, "ws", "http", 1)
	u.Path, u.RawQuery = chat.HandoverPath, ""
	return u.String(), nil
}

// exchange trades a chat.Handover's code for the session cookie of the
// name this browser just picked. The reader waits for it, so the frames
// after the handover (the Welcome) are handled with the cookie in place and
// any reconnect carries it.
func (c *Conn) exchange(ctx context.Context, code string) error {
	target, err := HandoverURL(c.opts.URL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	body, _ := json.Marshal(map[string]string{"code": code})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := postRequest(c.opts, req)
	if err != nil {
		return fmt.Errorf("client: keeping the name for this browser: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var reply struct {
			Error string `json:"error"`
		}
		json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&reply)
		return fmt.Errorf("client: keeping the name for this browser: %s: %s", resp.Status, reply.Error)
	}
	return nil
}
