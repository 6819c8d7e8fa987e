// Package chat is the wire shared by the server and the browser client: every
// frame that crosses /ws, the limits that bound them, the validation rules for
// names and text, the close codes and the reconnect policy that goes with each.
//
// Frames are JSON objects tagged by a "type" field and travel as websocket text
// messages under the Subprotocol. Encode and Decode convert between bytes and the
// Frame values defined in frame.go; Validate checks what a peer sent before
// anything acts on it. The package uses the standard library only, so that it
// compiles unchanged for the server and for GOOS=js GOARCH=wasm.
package chat
