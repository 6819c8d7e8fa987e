package server_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
)

// TestPreviewRendersWithoutPosting: a preview answers the markup a text
// would have as a message, posts nothing, and is refused as a send would be
// (too deep) and past the per-user rate.
func TestPreviewRendersWithoutPosting(t *testing.T) {
	t.Parallel()
	o := fast()
	o.SearchRate, o.SearchBurst = 0.001, 3
	s := chattest.New(t, o)
	ann, bob := s.User(t, "ann"), s.User(t, "bob")

	ann.Send(&chat.Preview{N: 1, Text: "**hi** @bob <b>x</b>\n- [a](javascript:alert(1))"})
	r := chattest.Expect(ann, func(r *chat.Rendered) bool { return r.N == 1 })
	for _, want := range []string{"<strong>hi</strong>", `<span class="mention" data-user="bob">@bob</span>`, "&lt;b&gt;x&lt;/b&gt;", "<li>[a](javascript:alert(1))</li>"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("preview %s lacks %s", r.HTML, want)
		}
	}

	// Too deep, as a preview and as a message.
	deep := strings.Repeat("> ", chat.MaxNesting+1) + "x"
	ann.Send(&chat.Preview{N: 2, Text: deep})
	chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypePreview && e.Code == chat.CodeTooDeep })
	ann.Send(&chat.Send{ID: actID("ann", 1), Conv: hub.LobbyID, Text: deep})
	chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeSend && e.Code == chat.CodeTooDeep })

	// Nothing was posted: Bob's first message is the one sent after.
	sent(t, ann, actID("ann", 2), &chat.Send{ID: actID("ann", 2), Conv: hub.LobbyID, Text: "**after**"})
	e := chattest.Expect(bob, func(e *chat.Entry) bool { return e.Kind == chat.EntryMessage })
	if !strings.Contains(e.HTML, "<strong>after</strong>") {
		t.Errorf("Bob's first message is %s, want the one after the previews", e.HTML)
	}

	// The burst spent (one preview left), the next is refused.
	ann.Send(&chat.Preview{N: 3, Text: "one more"})
	chattest.Expect(ann, func(r *chat.Rendered) bool { return r.N == 3 })
	ann.Send(&chat.Preview{N: 4, Text: "too many"})
	chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypePreview && e.Code == chat.CodeRateLimited })
}
