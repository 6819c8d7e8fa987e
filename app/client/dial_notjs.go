//go:build !js

package client

import (
	"context"
	"net/http"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// HTTPClient is the type of Options.HTTPClient: *http.Client outside the
// browser.
type HTTPClient = http.Client

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

// postRequest sends req with the options' HTTP client (its cookie jar) and
// headers (the Origin the server checks).
func postRequest(opts Options, req *http.Request) (*http.Response, error) {
	for k, vs := range opts.Header {
		req.Header[k] = vs
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	return hc.Do(req)
}
