package server

import (
	"slices"
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestEveryClientFrameHasAHandler: every frame type a client may send
// (chat.ClientTypes, what DecodeClient accepts) has its entry in handlers,
// so none falls through to unknown_type at run time, and handlers serves
// nothing a client cannot send.
func TestEveryClientFrameHasAHandler(t *testing.T) {
	types := chat.ClientTypes()
	for _, ct := range types {
		if handlers[ct] == nil {
			t.Errorf("no handler for the client frame %q: add one to handlers (handle.go)", ct)
		}
	}
	for ht := range handlers {
		if !slices.Contains(types, ht) {
			t.Errorf("a handler for %q, which no client may send", ht)
		}
	}
}
