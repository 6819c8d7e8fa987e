//go:build !wasm

package ui

import (
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestPendingMessageShowsItsWaitingFiles: a message written offline with
// files that wait to be uploaded shows them, name, size and "waiting to
// upload", says it waits for them, and can be cancelled, also online
// while they go up.
func TestPendingMessageShowsItsWaitingFiles(t *testing.T) {
	for _, tt := range []struct {
		lang          Lang
		state         client.State
		status, files string
	}{
		{English, client.Reconnecting, "Waiting to upload its files", "waiting to upload"},
		{Chinese, client.Reconnecting, "等待上传文件", "等待上传"},
		{English, client.Online, "Waiting to upload its files", "waiting to upload"},
	} {
		s, _ := online(tt.lang)
		setState(s, tt.state)
		uploaded := chat.File{ID: "AAAAAAAAAAAAAAAAAAAAAAAAAA", Name: "a &lt;b&gt;.txt", Type: "text/plain", Size: 3}
		s.model.ComposeWaiting("r:lobby", "", "from the train", []chat.File{uploaded}, []client.Upload{
			client.NewUpload("train.png", 2048, "image/png", nil),
			client.NewUpload("notes.txt", 12, "text/plain", nil),
		})
		_, root := render(t, s)
		p := root.must(t, ".pending", byClass("entry", "pending"))
		if got := p.must(t, ".pending-status", byClass("pending-status")).text(); got != tt.status {
			t.Errorf("%v %v: status %q, want %q", tt.lang, tt.state, got, tt.status)
		}
		if got := p.texts(byClass("pending-files")); len(got) != 1 {
			t.Fatalf("pending files: %q", got)
		}
		names := p.texts(byClass("waiting-name"))
		metas := p.texts(byClass("waiting-meta"))
		if len(names) != 2 || names[0] != "train.png" || names[1] != "notes.txt" ||
			metas[0] != "2 KB · "+tt.files || metas[1] != "12 B · "+tt.files {
			t.Errorf("%v: waiting files %q %q", tt.lang, names, metas)
		}
		if first := p.find(byClass("pending-files")).elements(); len(first) != 3 || first[0].text() != "a <b>.txt · 3 B" {
			t.Errorf("the uploaded file shows as %q, want its name unescaped", p.texts(byClass("pending-files")))
		}
		if p.find(byClass("cancel-pending")) == nil {
			t.Errorf("%v %v: no Cancel on a message waiting for its files", tt.lang, tt.state)
		}
	}
}
