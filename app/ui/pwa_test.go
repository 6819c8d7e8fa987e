//go:build !wasm

package ui

import (
	"errors"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

func TestConvPathRoundTrip(t *testing.T) {
	for _, id := range []string{"r:lobby", "r:group A", "r:房间", "p:ann:bob", "r:a/b?c#d%"} {
		path := ConvPath(id)
		if strings.Count(path, "/") != 2 {
			t.Errorf("ConvPath(%q) = %q: the id must stay one path segment", id, path)
		}
		if got := convOfPath(path); got != id {
			t.Errorf("convOfPath(ConvPath(%q)) = %q", id, got)
		}
	}
	for _, path := range []string{"/", "/c/", "/c/a/b", "/x/r:lobby", "/c/%zz"} {
		if got := convOfPath(path); got != "" {
			t.Errorf("convOfPath(%q) = %q, want none", path, got)
		}
	}
}

func TestAppNoticesShowOfflineAndUpdateBars(t *testing.T) {
	dialFailed := errors.New("dial failed")
	tests := []struct {
		name                    string
		events                  []client.Event // what the connection did
		update                  bool
		lang                    Lang
		wantOffline, wantUpdate string
	}{
		{name: "online", events: []client.Event{{Changed: true, State: client.Online}}},
		{name: "server out of reach", events: []client.Event{{Changed: true, State: client.Reconnecting, Err: dialFailed}}, wantOffline: "You are offline."},
		{name: "in Chinese", events: []client.Event{{Changed: true, State: client.Reconnecting, Err: dialFailed}}, lang: Chinese, wantOffline: "你已离线。"},
		{name: "a reconnect that has not failed yet", events: []client.Event{{Changed: true, State: client.Reconnecting}}},
		{name: "a server that closed the connection", events: []client.Event{{Changed: true, State: client.Reconnecting, Err: dialFailed, Close: chat.CloseRestart}}},
		{name: "back online", events: []client.Event{{Changed: true, State: client.Reconnecting, Err: dialFailed}, {Changed: true, State: client.Online}}},
		{name: "disconnected by hand", events: []client.Event{{Changed: true, State: client.Reconnecting, Err: dialFailed}, {Changed: true, State: client.Offline}}},
		{name: "a new version", update: true, wantUpdate: "A new version of the chat is available."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lang := tt.lang
			if lang == "" {
				lang = English
			}
			n := newAppNotices().Lang(lang).Named(true)
			for _, e := range tt.events {
				n.onEvent(app.Context{}, app.Action{Name: eventAction, Value: e})
			}
			n.updateReady = tt.update
			_, root := render(t, n)
			slot := root.must(t, "#pwa-slot", byID("pwa-slot"))
			banner := slot.find(byID("offline-banner"))
			switch {
			case tt.wantOffline == "" && banner != nil:
				t.Errorf("offline banner shown: %q", banner.text())
			case tt.wantOffline != "" && (banner == nil || !strings.HasPrefix(banner.text(), tt.wantOffline)):
				t.Errorf("offline banner = %v, want it to start %q", banner, tt.wantOffline)
			}
			notice := slot.find(byID("update-notice"))
			switch {
			case tt.wantUpdate == "" && notice != nil:
				t.Errorf("update notice shown: %q", notice.text())
			case tt.wantUpdate != "" && (notice == nil || !strings.Contains(notice.text(), tt.wantUpdate) || notice.find(byID("update-reload")) == nil):
				t.Errorf("update notice = %v, want %q with a Reload button", notice, tt.wantUpdate)
			}
		})
	}
	for _, installable := range []bool{false, true} {
		b := newInstallButton().Lang(English)
		b.installable = installable
		_, root := render(t, b)
		if got := root.find(byID("install")) != nil; got != installable {
			t.Errorf("installable %v: install button shown = %v", installable, got)
		}
	}
}

func TestShellPendingStatusAndCancel(t *testing.T) {
	s, _ := online(English)
	setState(s, client.Reconnecting)
	s.model.Compose("r:lobby", "", "written offline")
	other := &client.Outgoing{ID: chat.MsgID{Device: "other-tab", N: 1}, Conv: "r:lobby", Text: "from the other tab", User: "Ann"}
	s.model.Others = []*client.Outgoing{other}
	_, root := render(t, s)
	pending := root.all(byClass("entry", "pending"))
	if len(pending) != 2 {
		t.Fatalf("%d pending messages shown, want 2", len(pending))
	}
	for i, want := range []string{"waiting for the connection", "waiting in another tab"} {
		if got := pending[i].must(t, ".pending-status", byClass("pending-status")).text(); got != want {
			t.Errorf("pending %d status = %q, want %q", i, got, want)
		}
	}
	// (Another tab's message is cancelled through the browser's store,
	// which these tests have not: app/client/local_test.go covers it.)
	if pending[0].find(byClass("cancel-pending")) == nil {
		t.Error("a message waiting for the connection has no Cancel button")
	}

	// Online, a message of this tab is on its way: sending, no Cancel.
	s, _ = online(English)
	s.model.Compose("r:lobby", "", "written online")
	_, root = render(t, s)
	p := root.must(t, ".pending", byClass("entry", "pending"))
	if got := p.must(t, ".pending-status", byClass("pending-status")).text(); got != "sending…" {
		t.Errorf("online status = %q", got)
	}
	if p.find(byClass("cancel-pending")) != nil {
		t.Error("a Cancel button on a message being sent")
	}
}

func TestASignInWithoutBrowserStorageKeepsAValidDevice(t *testing.T) {
	// The browser keeps nothing (no IndexedDB): the page has no device of
	// its own, and a sign-in's new model must keep the one it was made with.
	s := NewShell()
	if err := s.startSession("ws://127.0.0.1:1/ws", func(client.Event) {}); err != nil {
		t.Fatal(err)
	}
	signedIn := client.NewModel()
	device := signedIn.Device()
	s.model = signedIn
	s.session.SetModel(s.model)
	if got := s.model.Device(); got != device || !chat.ValidDevice(got) {
		t.Errorf("after a sign-in without storage the device is %q, want the model's own %q", got, device)
	}
}
