//go:build !js

package client

import (
	"context"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// dial opens the websocket with the options' HTTP client (and its cookie
// jar) and headers.
func dial(ctx context.Context, opts Options) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, opts.URL, &websocket.DialOptions{
		Subprotocols: []string{chat.Subprotocol},
		HTTPClient:   opts.HTTPClient,
		HTTPHeader:   opts.Header,
	})
	return ws, err
}
