package chat_test

import (
	"reflect"
	"testing"

	"github.com/founding/chat/app/chat"
)

// TestNoticeRoundTrip: a Notice is a server frame that encodes with its
// three fields and decodes the same, and is refused without one.
func TestNoticeRoundTrip(t *testing.T) {
	t.Parallel()
	f := &chat.Notice{Conv: "r:lobby", From: "echo", HTML: `<div class="body">only you</div>`}
	b := mustEncode(t, f)
	if want := `{"type":"notice","conv":"r:lobby","from":"echo","html":"<div class=\"body\">only you</div>"}`; string(b) != want {
		t.Errorf("encoding:\n got %s\nwant %s", b, want)
	}
	got, err := chat.DecodeServer(b)
	if err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	if !reflect.DeepEqual(got, f) {
		t.Errorf("round trip:\n got %#v\nwant %#v", got, f)
	}
	if _, err := chat.DecodeClient(b); err == nil {
		t.Error("a notice decodes as a client frame too")
	}
	if err := (&chat.Notice{Conv: "r:lobby", From: "echo"}).Validate(); err == nil {
		t.Error("a notice without html is valid")
	}
	if _, err := chat.DecodeServer([]byte(`{"type":"notice","conv":"r:lobby","from":"echo"}`)); err == nil {
		t.Error("a notice without html decodes")
	}
}
