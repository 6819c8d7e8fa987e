//go:build js

package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall/js"

	"github.com/coder/websocket"

	"github.com/founding/chat/app/chat"
)

// HTTPClient is the type of Options.HTTPClient, which the browser does
// not use: an empty struct, not http.Client, because a component's fields
// are reached by reflection (go-app), so the linker keeps every method of
// every type reachable from them, and http.Client reaches TLS and x509
// certificates through http.Response (about 0.3 MB of wasm).
type HTTPClient struct{}

// dial opens the websocket through the browser, which sends the page's
// cookies itself.
func dial(ctx context.Context, opts Options) (*websocket.Conn, error) {
	ws, _, err := websocket.Dial(ctx, opts.URL, &websocket.DialOptions{Subprotocols: []string{chat.Subprotocol}})
	return ws, err
}

// postRequest sends req through the browser's fetch, which sends the
// page's cookies and Origin and keeps the cookies the answer sets.
//
// It calls fetch itself rather than through http.DefaultClient: net/http's
// client links its whole native transport (TLS, x509, HTTP/2) into the
// wasm as a fallback for runtimes without fetch, about 3 MB of the binary.
func postRequest(_ Options, req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	init := js.Global().Get("Object").New()
	init.Set("method", req.Method)
	init.Set("credentials", "same-origin")
	headers := js.Global().Get("Headers").New()
	for k, vs := range req.Header {
		for _, v := range vs {
			headers.Call("append", k, v)
		}
	}
	init.Set("headers", headers)
	if req.Body != nil {
		body, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		buf := js.Global().Get("Uint8Array").New(len(body))
		js.CopyBytesToJS(buf, body)
		init.Set("body", buf)
	}
	abort := js.Global().Get("AbortController").New()
	init.Set("signal", abort.Get("signal"))

	resp, err := awaitPromise(ctx, abort, js.Global().Call("fetch", req.URL.String(), init))
	if err != nil {
		return nil, err
	}
	buf, err := awaitPromise(ctx, abort, resp.Call("arrayBuffer"))
	if err != nil {
		return nil, err
	}
	body := make([]byte, buf.Get("byteLength").Int())
	js.CopyBytesToGo(body, js.Global().Get("Uint8Array").New(buf))
	status := resp.Get("status").Int()
	return &http.Response{
		Status:     fmt.Sprintf("%d %s", status, resp.Get("statusText").String()),
		StatusCode: status,
		Header:     http.Header{},
		Body:       io.NopCloser(strings.NewReader(string(body))),
		Request:    req,
	}, nil
}

// awaitPromise waits for p to settle, or for ctx to end, which aborts the
// fetch through abort.
func awaitPromise(ctx context.Context, abort, p js.Value) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	done := make(chan result, 1)
	then := js.FuncOf(func(_ js.Value, args []js.Value) any {
		done <- result{v: args[0]}
		return nil
	})
	defer then.Release()
	catch := js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := "failed"
		if len(args) > 0 && args[0].Truthy() {
			msg = args[0].Call("toString").String()
		}
		done <- result{err: errors.New("fetch: " + msg)}
		return nil
	})
	defer catch.Release()
	p.Call("then", then, catch)
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		abort.Call("abort")
		<-done // the promise rejects once aborted; the funcs stay until then
		return js.Value{}, ctx.Err()
	}
}
