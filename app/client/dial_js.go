//go:build js

package client

import (
	"context"
	"net/http"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// dial opens the websocket through the browser, which sends the page's
// cookies itself.
func dial(ctx context.Context, opts Options) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, opts.URL, &websocket.DialOptions{Subprotocols: []string{chat.Subprotocol}})
	return ws, err
}

// postRequest sends req through the browser's fetch, which sends the
// page's cookies and Origin and keeps the cookies the answer sets.
func postRequest(_ Options, req *http.Request) (*http.Response, error) {
	return http.DefaultClient.Do(req)
}
