//go:build !wasm

// These tests render with go-app's server-side engine (app.IsServer): on
// wasm, Load would mount into a real DOM and OnMount would dial.

package ui

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Paths of app.Match in a Shell: 0 is the Shell's root div#chat; its
// children are the top bar (0), the notice slot (1) and the main content (2).
// The panes are components (conversationList, conversationPane,
// peoplePane): app.Match steps into a component with index 0, its root.
var (
	pathMain   = []int{0, 2}
	pathPanes  = pathMain
	pathRooms  = []int{0, 2, 1, 0}
	pathConv   = []int{0, 2, 2, 0}
	pathPeople = []int{0, 2, 3, 0}
)

// noop stands for an event handler: app.Match compares handler names only.
func noop(app.Context, app.Event) {}

func path(base []int, more ...int) []int {
	return append(append([]int(nil), base...), more...)
}

// online returns a Shell in lang whose connection is up and whose user is
// Ann, looking at a lobby where Ann and Bob are online.
func online(lang Lang) (*Shell, *client.Conversation) {
	s := NewShell()
	s.lang = lang
	s.model.Me = "Ann"
	lobby := room("r:lobby", "lobby")
	lobby.Online = []string{"Ann", "Bob"}
	s.model.Convs[lobby.Info.ID] = lobby
	s.model.Active = lobby.Info.ID
	if err := s.startSession("ws://127.0.0.1:1/ws", func(client.Event) {}); err != nil {
		panic(err)
	}
	setState(s, client.Online)
	return s, lobby
}

// setState puts the Shell and its Session (when it has one) in state st,
// as the connection's event would.
func setState(s *Shell, st client.State) {
	s.state = st
	if s.session != nil {
		s.session.Handle(client.Event{Changed: true, State: st})
	}
}

// room returns a room conversation whose history is all there and empty.
func room(id, name string) *client.Conversation {
	return &client.Conversation{Info: chat.ConvInfo{ID: id, Kind: chat.KindRoom, Name: name}, Name: name, Ready: true, Start: true}
}

func private(id, with string) *client.Conversation {
	return &client.Conversation{Info: chat.ConvInfo{ID: id, Kind: chat.KindPrivate, Name: with}, Name: with, Ready: true, Start: true}
}

// message returns a message entry as the server makes it: the sender and
// the body escaped, the body in one <div class="body">.
func message(conv string, seq uint64, at time.Time, from, bodyHTML string) chat.Entry {
	return chat.Entry{Conv: conv, Seq: seq, Time: at.UnixMilli(), Kind: chat.EntryMessage, From: from, HTML: `<div class="body">` + bodyHTML + `</div>`}
}

// timeline returns the items of the conversation in view: entries,
// presence notices, pending messages and notes.
func timeline(t *testing.T, root *node) []*node {
	t.Helper()
	return root.must(t, "#timeline", byID("timeline")).elements()
}

func TestShellShowsConnectionStateBeforeWelcome(t *testing.T) {
	tests := []struct {
		name       string
		lang       Lang
		state      client.State
		retry      time.Duration
		wantStatus string
		wantToggle string
	}{
		{name: "connecting", lang: English, state: client.Connecting, wantStatus: "Connecting…", wantToggle: "Disconnect"},
		{name: "connecting in Chinese", lang: Chinese, state: client.Connecting, wantStatus: "正在连接…", wantToggle: "断开"},
		{name: "reconnecting soon", lang: English, state: client.Reconnecting, retry: 300 * time.Millisecond, wantStatus: "Reconnecting…", wantToggle: "Disconnect"},
		{name: "reconnecting after a wait", lang: English, state: client.Reconnecting, retry: 2600 * time.Millisecond, wantStatus: "Reconnecting in 3s…", wantToggle: "Disconnect"},
		{name: "reconnecting after a wait in Chinese", lang: Chinese, state: client.Reconnecting, retry: 3 * time.Second, wantStatus: "3 秒后重新连接…", wantToggle: "断开"},
		{name: "offline", lang: English, state: client.Offline, wantStatus: "Offline", wantToggle: "Reconnect"},
		{name: "offline in Chinese", lang: Chinese, state: client.Offline, wantStatus: "离线", wantToggle: "重新连接"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewShell()
			s.lang, s.state, s.retry = tt.lang, tt.state, tt.retry
			_, root := render(t, s)

			status := root.must(t, "#status", byID("status"))
			if got := status.text(); got != tt.wantStatus {
				t.Errorf("#status = %q, want %q", got, tt.wantStatus)
			}
			if got := status.attrs["data-state"]; got != tt.state.String() {
				t.Errorf("#status data-state = %q, want %q", got, tt.state.String())
			}
			if got := root.must(t, "#chat", byID("chat")).attrs["data-state"]; got != tt.state.String() {
				t.Errorf("#chat data-state = %q, want %q", got, tt.state.String())
			}
			if got := root.must(t, "#conn-toggle", byID("conn-toggle")).text(); got != tt.wantToggle {
				t.Errorf("#conn-toggle = %q, want %q", got, tt.wantToggle)
			}
			// The main area says the same while there is nothing to show.
			if err := app.Match(app.Div().Class("loading"), s, pathMain...); err != nil {
				t.Error(err)
			}
			if err := app.Match(app.Text(T(tt.lang, "state."+tt.state.String())), s, path(pathMain, 0)...); err != nil {
				t.Error(err)
			}
			for _, id := range []string{"name-form", "rooms", "conversation", "people", "me"} {
				if root.find(byID(id)) != nil {
					t.Errorf("#%s is shown before the server welcomed the user", id)
				}
			}
		})
	}
}

func TestShellAsksForAName(t *testing.T) {
	tests := []struct {
		name       string
		lang       Lang
		wantTitle  string
		wantSubmit string
	}{
		{name: "English", lang: English, wantTitle: "Pick a nickname", wantSubmit: "Start chatting"},
		{name: "Chinese", lang: Chinese, wantTitle: "选择昵称", wantSubmit: "开始聊天"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewShell()
			s.lang = tt.lang
			setState(s, client.Online)
			s.model.NeedName = true
			_, root := render(t, s)

			// The gate and its form are components: path 0 enters each.
			form := path(pathMain, 0, 0)
			if err := app.Match(app.Form().ID("name-form").Class("name-form").OnSubmit(noop), s, form...); err != nil {
				t.Error(err)
			}
			if err := app.Match(app.Input().ID("name-input").Type("text").AutoFocus(true).MaxLength(chat.MaxNameRunes*4).
				Attr("autocomplete", "nickname").Aria("describedby", "name-hint"), s, path(form, 2)...); err != nil {
				t.Error(err)
			}
			if err := app.Match(app.Button().ID("name-submit").Type("submit"), s, path(form, 4)...); err != nil {
				t.Error(err)
			}
			if err := app.Match(app.Text(tt.wantTitle), s, path(form, 0, 0)...); err != nil {
				t.Error(err)
			}
			if got := root.must(t, "#name-submit", byID("name-submit")).text(); got != tt.wantSubmit {
				t.Errorf("#name-submit = %q, want %q", got, tt.wantSubmit)
			}
			label := root.must(t, "label", byTag("label"), byAttr("for", "name-input"))
			if label.text() == "" {
				t.Error("the name field has an empty label")
			}
			if root.find(byClass("panes")) != nil || root.find(byID("composer")) != nil {
				t.Error("the chat is shown before the user has a name")
			}
		})
	}
}

func TestShellShowsANoticeWithTheNameForm(t *testing.T) {
	s := NewShell()
	setState(s, client.Online)
	s.model.NeedName = true
	s.notice = "the name Ann is taken; pick another"
	_, root := render(t, s)

	notice := root.must(t, "#notice", byID("notice"))
	if got := notice.text(); !strings.Contains(got, "Error: the name Ann is taken") || !strings.Contains(got, "Dismiss") {
		t.Errorf("#notice = %q", got)
	}
	if notice.attrs["role"] != "alert" {
		t.Errorf("#notice role = %q, want alert", notice.attrs["role"])
	}
	if root.find(byID("name-input")) == nil {
		t.Error("the name form is gone while a notice shows")
	}
}

func TestShellRendersThreePanes(t *testing.T) {
	s, lobby := online(English)
	lobby.Entries = []chat.Entry{message("r:lobby", 1, time.Now(), "Bob", "hello")}
	_, root := render(t, s)

	if err := app.Match(app.Div().Class("panes"), s, pathPanes...); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Aside().ID("rooms").Class("pane", "rooms").Aria("label", "Conversations"), s, pathRooms...); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Section().ID("conversation").Class("pane", "conversation").DataSet("conv", "r:lobby"), s, pathConv...); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Aside().ID("people").Class("pane", "people").Aria("label", "Online"), s, pathPeople...); err != nil {
		t.Error(err)
	}
	// section > .conv-header > h2#conv-title > text
	if err := app.Match(app.H2().ID("conv-title"), s, path(pathConv, 0, 0)...); err != nil {
		t.Error(err)
	}
	if err := app.Match(app.Text("# lobby"), s, path(pathConv, 0, 0, 0)...); err != nil {
		t.Error(err)
	}

	if got := root.must(t, "#me", byID("me")).text(); got != "Ann" {
		t.Errorf("#me = %q, want Ann", got)
	}
	if got := root.must(t, ".count", byClass("count")).text(); got != "2 online" {
		t.Errorf("online count = %q, want 2 online", got)
	}
	if root.find(byID("leave")) != nil {
		t.Error("the lobby offers to leave it")
	}
	// People: Ann is marked as the user; Bob is a button that opens a
	// private conversation.
	people := root.must(t, "#people", byID("people"))
	if got := people.texts(byClass("person")); strings.Join(got, "|") != "Ann (you)|Bob Mute" { // Mute: moderation.go
		t.Errorf("people = %q, want Ann (you), Bob with Mute", got)
	}
	if people.find(byClass("person"), byAttr("data-name", "Ann")).find(byClass("person-btn")) != nil {
		t.Error("the user can open a private conversation with themselves")
	}
	if people.find(byAttr("data-name", "Bob")).find(byClass("person-btn"), byTag("button")) == nil {
		t.Error("Bob has no button to talk privately")
	}
	// The composer, its label and the join form are there.
	for _, id := range []string{"composer-form", "composer", "send", "join-form", "join-input", "join-submit"} {
		if root.find(byID(id)) == nil {
			t.Errorf("#%s is missing", id)
		}
	}
	if got := root.must(t, "#composer", byID("composer")).attrs["placeholder"]; !strings.Contains(got, "lobby") {
		t.Errorf("composer placeholder %q does not name the conversation", got)
	}
	if root.find(byClass("offline-hint")) != nil {
		t.Error("the offline hint shows while online")
	}
	if root.find(byID("name-form")) != nil {
		t.Error("the name form shows for a named user")
	}
}

func TestShellRendersEntries(t *testing.T) {
	now := time.Now()
	old := time.Date(2020, 1, 2, 15, 4, 0, 0, time.Local)
	s, lobby := online(English)
	lobby.Entries = []chat.Entry{
		{Conv: "r:lobby", Seq: 1, Time: old.UnixMilli(), Kind: chat.EntryJoin, From: "Bob", HTML: `<div class="event"><b>Bob</b> joined the room</div>`},
		message("r:lobby", 2, now, "Bob", `&lt;b&gt;bold&lt;/b&gt; &amp; &lt;img src=x onerror=alert(1)&gt;<br>second line`),
		message("r:lobby", 3, now, "Ann", `mine`),
		message("r:lobby", 4, now, "&lt;i&gt;Eve", `from a name with markup`),
		{Conv: "r:lobby", Seq: 5, Time: now.UnixMilli(), Kind: chat.EntryLeave, From: "Bob", HTML: `<div class="event"><b>Bob</b> left the room</div>`},
	}
	h, root := render(t, s)
	items := timeline(t, root)
	if len(items) != 8 { // the start note, five entries and a heading for each of their two days
		t.Fatalf("timeline has %d items, want 8:\n%s", len(items), h)
	}
	if got := items[0].text(); got != "This is the beginning of the conversation." {
		t.Errorf("first item = %q, want the start note", got)
	}

	t.Run("each day has a heading", func(t *testing.T) {
		for i, want := range map[int]string{1: "January 2, 2020", 3: "Today"} {
			if d := items[i]; d.tag != "h3" || !d.hasClass("day-divider") || d.text() != want {
				t.Errorf("item %d = <%s class=%q> %q, want the day heading %q", i, d.tag, d.attrs["class"], d.text(), want)
			}
		}
	})

	t.Run("membership events", func(t *testing.T) {
		join, leave := items[2], items[7]
		if !join.hasClass("event") || join.attrs["data-seq"] != "1" {
			t.Errorf("join entry: %v", join.attrs)
		}
		if got := join.text(); got != "Bob joined the room 15:04" {
			t.Errorf("join entry = %q", got)
		}
		if got := join.must(t, "b", byTag("b")).text(); got != "Bob" {
			t.Errorf("join entry names %q", got)
		}
		if got := leave.text(); !strings.HasPrefix(got, "Bob left the room ") {
			t.Errorf("leave entry = %q", got)
		}
	})

	t.Run("a message shows sender, time and body", func(t *testing.T) {
		m := items[4]
		if !m.hasClass("msg") || m.hasClass("mine") || m.attrs["data-seq"] != "2" {
			t.Errorf("message classes/seq: %v", m.attrs)
		}
		if got := m.must(t, ".from", byClass("from")).text(); got != "Bob" {
			t.Errorf("sender = %q, want Bob", got)
		}
		tm := m.must(t, "time", byTag("time"))
		if got, want := tm.text(), now.Format("15:04"); got != want {
			t.Errorf("time = %q, want %q", got, want)
		}
		if got, want := tm.attrs["datetime"], time.UnixMilli(now.UnixMilli()).UTC().Format(time.RFC3339); got != want {
			t.Errorf("datetime = %q, want %q", got, want)
		}
		body := m.must(t, ".body", byClass("body"))
		if got := body.text(); got != `<b>bold</b> & <img src=x onerror=alert(1)> second line` {
			t.Errorf("body = %q", got)
		}
		if body.find(byTag("br")) == nil {
			t.Error("the server's line break is not a <br>")
		}
	})

	t.Run("user text stays text", func(t *testing.T) {
		for _, tag := range []string{"img", "i", "script"} {
			if root.find(byTag(tag)) != nil {
				t.Errorf("user text became a <%s> element", tag)
			}
		}
		for _, live := range []string{"<b>bold", "<img", "<i>"} {
			if strings.Contains(h, live) {
				t.Errorf("the HTML has a live %q from user text", live)
			}
		}
		if n := len(root.all(byTag("b"))); n != 2 {
			t.Errorf("%d <b> elements, want 2 (the names in the two events)", n)
		}
		if got := items[6].must(t, ".from", byClass("from")).text(); got != "<i>Eve" {
			t.Errorf("an escaped sender shows as %q, want <i>Eve (unescaped once, as text)", got)
		}
	})

	t.Run("own messages are marked", func(t *testing.T) {
		if !items[5].hasClass("mine") {
			t.Errorf("Ann's message is not marked as hers: %v", items[5].attrs)
		}
		if n := len(root.all(byClass("entry", "mine"))); n != 1 {
			t.Errorf("%d entries marked mine, want 1", n)
		}
	})
}

func TestShellRendersPendingMessages(t *testing.T) {
	tests := []struct {
		name       string
		lang       Lang
		to         string
		failed     string
		wantStatus string
		wantButton bool
	}{
		{name: "sending", lang: English, wantStatus: "sending…"},
		{name: "sending in Chinese", lang: Chinese, wantStatus: "发送中…"},
		{name: "a /msg being sent", lang: English, to: "Bob", wantStatus: "to Bob · sending…"},
		{name: "refused", lang: English, failed: "message is too long", wantStatus: "not sent: message is too long", wantButton: true},
		{name: "refused in Chinese", lang: Chinese, failed: "x", wantStatus: "未发送：x", wantButton: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, lobby := online(tt.lang)
			lobby.Entries = []chat.Entry{message("r:lobby", 1, time.Now(), "Bob", "before")}
			conv := "r:lobby"
			if tt.to != "" {
				conv = ""
			}
			s.model.Compose(conv, tt.to, "<b>not yet</b>")
			s.model.Outbox[0].Failed = tt.failed
			_, root := render(t, s)

			items := timeline(t, root)
			last := items[len(items)-1]
			if !last.hasClass("pending") || !last.hasClass("mine") {
				t.Fatalf("the last item is not a pending message: %v", last.attrs)
			}
			if got := last.must(t, ".pending-status", byClass("pending-status")).text(); got != tt.wantStatus {
				t.Errorf("status = %q, want %q", got, tt.wantStatus)
			}
			if got := last.must(t, ".body", byClass("body")).text(); got != "<b>not yet</b>" {
				t.Errorf("body = %q, want the text as typed", got)
			}
			if last.find(byTag("b")) != nil {
				t.Error("pending text became markup")
			}
			if got := last.must(t, ".from", byClass("from")).text(); got != "Ann" {
				t.Errorf("sender = %q, want Ann", got)
			}
			if got := last.find(byTag("button")) != nil; got != tt.wantButton {
				t.Errorf("discard button shown = %v, want %v", got, tt.wantButton)
			}
		})
	}

	t.Run("only in its conversation", func(t *testing.T) {
		s, _ := online(English)
		s.model.Convs["r:a"] = room("r:a", "group A")
		s.model.Compose("r:a", "", "for group A")
		_, root := render(t, s)
		if root.find(byClass("pending")) != nil {
			t.Error("a message for group A shows as pending in the lobby")
		}
	})
}

func TestShellRendersPresenceNotices(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name       string
		lang       Lang
		wantJoined string
		wantLeft   string
	}{
		{name: "English", lang: English, wantJoined: "Bob joined · just now", wantLeft: "Bob left · just now"},
		{name: "Chinese", lang: Chinese, wantJoined: "Bob 上线了 · 刚刚", wantLeft: "Bob 下线了 · 刚刚"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, lobby := online(tt.lang)
			lobby.Entries = []chat.Entry{
				message("r:lobby", 1, now, "Ann", "one"),
				message("r:lobby", 2, now, "Ann", "two"),
			}
			lobby.Notices = []client.Notice{
				{After: 0, User: "Bob", Online: true, Time: now},
				{After: 1, User: "Bob", Online: false, Time: now},
				{After: 2, User: "Cid", Online: true, Time: now},
			}
			_, root := render(t, s)

			// Each notice comes after the entry it followed.
			var order []string
			for _, it := range timeline(t, root)[1:] {
				switch {
				case it.hasClass("day-divider"):
					continue
				case it.hasClass("presence") && it.hasClass("joined"):
					order = append(order, "+"+strings.Fields(it.text())[0])
				case it.hasClass("presence") && it.hasClass("left"):
					order = append(order, "-"+strings.Fields(it.text())[0])
				default:
					order = append(order, it.must(t, ".body", byClass("body")).text())
				}
			}
			if got := strings.Join(order, " "); got != "+Bob one -Bob two +Cid" {
				t.Errorf("timeline order = %q, want +Bob one -Bob two +Cid", got)
			}
			// Notices say how long ago, which the Shell's clock keeps fresh.
			if got := root.must(t, ".presence.joined", byClass("presence", "joined")).text(); got != tt.wantJoined {
				t.Errorf("joined notice = %q, want %q", got, tt.wantJoined)
			}
			if got := root.must(t, ".presence.left", byClass("presence", "left")).text(); got != tt.wantLeft {
				t.Errorf("left notice = %q, want %q", got, tt.wantLeft)
			}
		})
	}
}

func TestShellRendersConversationListWithUnreadBadges(t *testing.T) {
	s, lobby := online(English)
	lobby.Unread = 0
	group := room("r:a", "group A")
	group.Unread = 3
	dm := private("p:ann:bob", "Bob")
	dm.Unread = 1
	quiet := room("r:b", "group B")
	s.model.Convs[group.Info.ID], s.model.Convs[dm.Info.ID], s.model.Convs[quiet.Info.ID] = group, dm, quiet
	_, root := render(t, s)

	items := root.all(byClass("conv-item"))
	var got []string
	for _, it := range items {
		label := it.must(t, ".conv-name", byClass("conv-name")).text()
		if u := it.find(byClass("unread")); u != nil {
			label += "=" + u.text()
		}
		got = append(got, label)
	}
	if want := "# lobby|# group A=3|# group B|@ Bob=1"; strings.Join(got, "|") != want {
		t.Errorf("conversations = %q, want %q", strings.Join(got, "|"), want)
	}
	if id := items[1].attrs["data-conv"]; id != "r:a" {
		t.Errorf("group A's data-conv = %q, want r:a", id)
	}
	active := root.all(byClass("conv-item", "active"))
	if len(active) != 1 || active[0].attrs["data-conv"] != "r:lobby" {
		t.Errorf("active items: %d, want only the lobby", len(active))
	}
	// Match the lobby's button exactly: aside#rooms > ul (after the heading and Threads) > li > button.
	if err := app.Match(app.Button().Type("button").Class("conv-item", "active").DataSet("conv", "r:lobby").
		Aria("current", "true").OnClick(noop), s, path(pathRooms, 2, 0, 0)...); err != nil {
		t.Error(err)
	}
}

func TestShellRendersConversationKinds(t *testing.T) {
	t.Run("a private conversation", func(t *testing.T) {
		s, _ := online(English)
		dm := private("p:ann:bob", "Bob")
		dm.Entries = []chat.Entry{message(dm.Info.ID, 1, time.Now(), "Bob", "psst")}
		s.model.Convs[dm.Info.ID] = dm
		s.model.Active = dm.Info.ID
		_, root := render(t, s)
		if got := root.must(t, "#conv-title", byID("conv-title")).text(); got != "@ Bob" {
			t.Errorf("title = %q, want @ Bob", got)
		}
		if root.find(byClass("count")) != nil || root.find(byID("leave")) != nil {
			t.Error("a private conversation shows a room's online count or Leave")
		}
		if got := root.must(t, "#composer", byID("composer")).attrs["placeholder"]; !strings.Contains(got, "Bob") {
			t.Errorf("placeholder %q does not name Bob", got)
		}
	})

	t.Run("a room other than the lobby can be left", func(t *testing.T) {
		s, _ := online(English)
		g := room("r:a", "group A")
		g.Online = []string{"Ann"}
		s.model.Convs[g.Info.ID] = g
		s.model.Active = g.Info.ID
		_, root := render(t, s)
		if got := root.must(t, "#conv-title", byID("conv-title")).text(); got != "# group A" {
			t.Errorf("title = %q", got)
		}
		if got := root.must(t, "#leave", byID("leave")).text(); got != "Leave room" {
			t.Errorf("#leave = %q", got)
		}
		if got := root.must(t, ".count", byClass("count")).text(); got != "1 online" {
			t.Errorf("count = %q", got)
		}
	})

	tests := []struct {
		name  string
		setup func(*client.Conversation)
		want  string
	}{
		{name: "history not loaded", setup: func(c *client.Conversation) { c.Ready = false }, want: "Loading…"},
		{name: "empty conversation", setup: func(c *client.Conversation) {}, want: "No messages yet. Say hello!"},
		{
			name: "older entries to load",
			setup: func(c *client.Conversation) {
				c.Start = false
				c.Entries = []chat.Entry{message(c.Info.ID, 7, time.Now(), "Bob", "late")}
			},
			want: "Load older messages",
		},
		{
			name: "entries lost",
			setup: func(c *client.Conversation) {
				c.Lost = true
				c.Entries = []chat.Entry{message(c.Info.ID, 1, time.Now(), "Bob", "x")}
			},
			want: "This is the beginning of the conversation.|Some older messages are no longer available.",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, lobby := online(English)
			tt.setup(lobby)
			_, root := render(t, s)
			var notes []string
			for _, it := range timeline(t, root) {
				if it.hasClass("timeline-note") || it.hasClass("older") {
					notes = append(notes, it.text())
				}
			}
			if got := strings.Join(notes, "|"); got != tt.want {
				t.Errorf("notes = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShellOfflineComposerSaysMessagesWait(t *testing.T) {
	for _, state := range []client.State{client.Reconnecting, client.Offline} {
		t.Run(state.String(), func(t *testing.T) {
			s, _ := online(English)
			setState(s, state)
			_, root := render(t, s)
			hint := root.must(t, ".offline-hint", byClass("offline-hint"))
			if !strings.Contains(hint.text(), "go out when the connection is back") {
				t.Errorf("offline hint = %q", hint.text())
			}
			if root.find(byID("composer")) == nil {
				t.Error("the composer is gone while offline; the outbox needs it")
			}
		})
	}
}

func TestShellInChinese(t *testing.T) {
	old := time.Date(2020, 1, 2, 15, 4, 0, 0, time.Local)
	s, lobby := online(Chinese)
	lobby.Entries = []chat.Entry{
		{Conv: "r:lobby", Seq: 1, Time: old.UnixMilli(), Kind: chat.EntryJoin, From: "Bob", HTML: `<div class="event"><b>Bob</b> joined the room</div>`},
		message("r:lobby", 2, old, "Bob", "你好"),
	}
	_, root := render(t, s)

	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "title", got: root.must(t, "h1", byTag("h1")).text(), want: "聊天"},
		{name: "status", got: root.must(t, "#status", byID("status")).text(), want: "在线"},
		{name: "connection button", got: root.must(t, "#conn-toggle", byID("conn-toggle")).text(), want: "断开"},
		{name: "language button", got: root.must(t, "#lang", byID("lang")).text(), want: "English"},
		{name: "language button's own language", got: root.must(t, "#lang", byID("lang")).attrs["lang"], want: "en"},
		{name: "send button", got: root.must(t, "#send", byID("send")).text(), want: "发送"},
		{name: "join button", got: root.must(t, "#join-submit", byID("join-submit")).text(), want: "加入"},
		{name: "rooms heading", got: root.must(t, "#rooms h2", byID("rooms")).must(t, "h2", byTag("h2")).text(), want: "会话"},
		{name: "people heading", got: root.must(t, "#people", byID("people")).must(t, "h2", byTag("h2")).text(), want: "在线 (2)"},
		{name: "you", got: root.must(t, ".person.me", byClass("person", "me")).text(), want: "Ann （你）"},
		{name: "online count", got: root.must(t, ".count", byClass("count")).text(), want: "2 人在线"},
		{name: "membership event", got: root.must(t, ".entry.event", byClass("entry", "event")).text(), want: "Bob 加入了房间 15:04"},
		{name: "message time", got: root.must(t, ".entry.msg time", byClass("entry", "msg")).must(t, "time", byTag("time")).text(), want: "15:04"},
		{name: "day", got: root.must(t, ".day-divider", byClass("day-divider")).text(), want: "2020年1月2日"},
		{name: "full time", got: root.must(t, ".entry.msg time", byClass("entry", "msg")).must(t, "time", byTag("time")).attrs["title"], want: "2020年1月2日 星期四 15:04"},
		{name: "start note", got: root.must(t, ".timeline-note", byClass("timeline-note")).text(), want: "这是会话的开始。"},
		{name: "composer placeholder", got: root.must(t, "#composer", byID("composer")).attrs["placeholder"], want: "发送到 lobby — Enter 发送，Shift+Enter 换行"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
	if err := app.Match(app.Text("# lobby"), s, path(pathConv, 0, 0, 0)...); err != nil {
		t.Errorf("a room's name is not translated: %v", err)
	}
}

// The interface strings follow the language; the user's data does not.
func TestShellStringsFollowTheLanguage(t *testing.T) {
	s, _ := online(English)
	_, en := render(t, s)
	s, _ = online(Chinese) // a component mounts once
	_, zh := render(t, s)
	for _, id := range []string{"send", "join-submit", "conn-toggle", "lang", "status"} {
		a, b := en.must(t, "#"+id, byID(id)).text(), zh.must(t, "#"+id, byID(id)).text()
		if a == b {
			t.Errorf("#%s reads %q in both languages", id, a)
		}
	}
	if a, b := strconv.Quote(en.must(t, "#me", byID("me")).text()), strconv.Quote(zh.must(t, "#me", byID("me")).text()); a != b {
		t.Errorf("the user's name changed with the language: %s / %s", a, b)
	}
}

// TestCloseTextIsQuietForARestart: a drained node's 1012 is a routine
// reconnect, with no error for the page to show; a slow consumer's close
// still says what happened.
func TestCloseTextIsQuietForARestart(t *testing.T) {
	restart := client.Event{State: client.Reconnecting, Close: chat.CloseRestart, Err: chat.CloseRestart}
	if got := closeText(restart); got != "" {
		t.Errorf("a 1012 shows %q, want nothing", got)
	}
	slow := client.Event{State: client.Reconnecting, Close: chat.CloseSlowConsumer, Err: chat.CloseSlowConsumer}
	if got := closeText(slow); got == "" {
		t.Error("a slow consumer's close shows nothing")
	}
}
