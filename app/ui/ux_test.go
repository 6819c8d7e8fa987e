//go:build !wasm

package ui

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

func TestThemeCycles(t *testing.T) {
	seen := []Theme{ThemeSystem}
	for th := ThemeSystem.Next(); th != ThemeSystem; th = th.Next() {
		seen = append(seen, th)
		if len(seen) > 3 {
			t.Fatalf("the theme button never comes back to the system's theme: %q", seen)
		}
	}
	if want := []Theme{ThemeSystem, ThemeLight, ThemeDark}; !slices.Equal(seen, want) {
		t.Errorf("themes = %q, want %q", seen, want)
	}
}

func TestRelativeTime(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	now := time.Date(2026, 3, 5, 15, 4, 0, 0, loc) // a Thursday
	tests := []struct {
		ago    time.Duration
		at     time.Time
		en, zh string
	}{
		{ago: 10 * time.Second, en: "just now", zh: "刚刚"},
		{ago: -time.Minute, en: "just now", zh: "刚刚"}, // a clock ahead of ours
		{ago: time.Minute, en: "1 minute ago", zh: "1 分钟前"},
		{ago: 7 * time.Minute, en: "7 minutes ago", zh: "7 分钟前"},
		{ago: time.Hour, en: "1 hour ago", zh: "1 小时前"},
		{ago: 5 * time.Hour, en: "5 hours ago", zh: "5 小时前"},
		{at: time.Date(2026, 3, 4, 9, 0, 0, 0, loc), en: "yesterday", zh: "昨天"},
		{at: time.Date(2026, 3, 2, 9, 0, 0, 0, loc), en: "3 days ago", zh: "3 天前"},
		{at: time.Date(2026, 1, 2, 9, 0, 0, 0, loc), en: "Friday, January 2", zh: "1月2日 星期五"},
		{at: time.Date(2025, 12, 31, 9, 0, 0, 0, loc), en: "December 31, 2025", zh: "2025年12月31日"},
	}
	for _, tt := range tests {
		at := tt.at
		if at.IsZero() {
			at = now.Add(-tt.ago)
		}
		if got := RelativeTime(English, at, now); got != tt.en {
			t.Errorf("RelativeTime(en, %v) = %q, want %q", at, got, tt.en)
		}
		if got := RelativeTime(Chinese, at, now); got != tt.zh {
			t.Errorf("RelativeTime(zh, %v) = %q, want %q", at, got, tt.zh)
		}
	}
}

func TestDayLabelAndFullTime(t *testing.T) {
	loc := time.FixedZone("UTC-5", -5*3600)
	now := time.Date(2026, 3, 5, 1, 0, 0, 0, loc)
	tests := []struct {
		at     time.Time
		en, zh string
	}{
		{at: time.Date(2026, 3, 5, 0, 1, 0, 0, loc), en: "Today", zh: "今天"},
		// 23:30 the day before here, though the same day in UTC.
		{at: time.Date(2026, 3, 5, 4, 30, 0, 0, time.UTC), en: "Yesterday", zh: "昨天"},
		{at: time.Date(2026, 3, 2, 12, 0, 0, 0, loc), en: "Monday", zh: "星期一"},
		{at: time.Date(2026, 2, 20, 12, 0, 0, 0, loc), en: "Friday, February 20", zh: "2月20日 星期五"},
		{at: time.Date(2024, 2, 29, 12, 0, 0, 0, loc), en: "February 29, 2024", zh: "2024年2月29日"},
	}
	for _, tt := range tests {
		if got := DayLabel(English, tt.at, now); got != tt.en {
			t.Errorf("DayLabel(en, %v) = %q, want %q", tt.at, got, tt.en)
		}
		if got := DayLabel(Chinese, tt.at, now); got != tt.zh {
			t.Errorf("DayLabel(zh, %v) = %q, want %q", tt.at, got, tt.zh)
		}
	}
	at := time.Date(2026, 3, 4, 9, 7, 0, 0, loc)
	if got, want := FullTime(English, at, now), "Wednesday, March 4, 2026 09:07"; got != want {
		t.Errorf("FullTime(en) = %q, want %q", got, want)
	}
	if got, want := FullTime(Chinese, at, now), "2026年3月4日 星期三 09:07"; got != want {
		t.Errorf("FullTime(zh) = %q, want %q", got, want)
	}
	if got := Clock(at, now); got != "09:07" {
		t.Errorf("Clock = %q", got)
	}
}

func TestAvatars(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"ann", "A"}, {"ann_lee", "AL"}, {"bob.k-x", "BK"}, {"小明", "小"}, {"王_小明", "王"}, {"élodie", "É"}, {"_", "?"},
	} {
		if got := Initials(tt.name); got != tt.want {
			t.Errorf("Initials(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	if AvatarColor("Ann") != AvatarColor("ann") {
		t.Error("the avatar color changes with the case of the name")
	}
	colors := map[string]bool{}
	for _, n := range []string{"Ann", "Bob", "Cid", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy", "Jo"} {
		colors[AvatarColor(n)] = true
	}
	if len(colors) < 4 {
		t.Errorf("ten names share %d colors: users cannot be told apart", len(colors))
	}
}

func TestMentionQuery(t *testing.T) {
	tests := []struct {
		before string
		at     int
		prefix string
		ok     bool
	}{
		{"hello @Bo", 6, "Bo", true},
		{"@", 0, "", true},
		{"hi @小", 3, "小", true},
		{"mail ann@ex", 0, "", false},
		{"@Bob and more", 0, "", false},
		{"no at here", 0, "", false},
		{"@" + strings.Repeat("a", 33), 0, "", false},
	}
	for _, tt := range tests {
		at, prefix, ok := mentionQuery(tt.before)
		if ok != tt.ok || ok && (at != tt.at || prefix != tt.prefix) {
			t.Errorf("mentionQuery(%q) = %d, %q, %v; want %d, %q, %v", tt.before, at, prefix, ok, tt.at, tt.prefix, tt.ok)
		}
	}
}

func TestCompletions(t *testing.T) {
	names := []string{"Bob", "Abby", "bobby", "Cid", "Abbott"}
	if got, want := completions(names, "bo", 6), []string{"Bob", "bobby", "Abbott"}; !slices.Equal(got, want) {
		t.Errorf("completions(bo) = %q, want %q (prefix matches first, any case)", got, want)
	}
	if got := completions(names, "", 2); !slices.Equal(got, []string{"Bob", "Abby"}) {
		t.Errorf("completions('') = %q, want the first two", got)
	}
	if got := completions(names, "zz", 6); len(got) != 0 {
		t.Errorf("completions(zz) = %q", got)
	}
}

func TestComplete(t *testing.T) {
	text, caret := complete("hi @bo", " there", 3, "Bob")
	if text != "hi @Bob there" || caret != len("hi @Bob ") {
		t.Errorf("complete = %q, %d", text, caret)
	}
	// The caret counts UTF-16 units, as the browser does.
	text, caret = complete("你好 @小", "", len("你好 "), "小明")
	if text != "你好 @小明 " || caret != len(utf16.Encode([]rune("你好 @小明 "))) {
		t.Errorf("complete (CJK) = %q, %d", text, caret)
	}
	text, caret = complete("😀 @a", "", len("😀 "), "ann")
	if want := "😀 @ann "; text != want || caret != 8 {
		t.Errorf("complete (emoji) = %q, %d; want %q, 8", text, caret, want)
	}
}

func TestPlainText(t *testing.T) {
	h := `<div class="body">a &lt;b&gt; &amp; <span class="mention" data-user="bob">@Bob</span><br>see <a href="https://x.test/" target="_blank">https://x.test/</a></div>`
	if got, want := PlainText(h, 100), "a <b> & @Bob\nsee https://x.test/"; got != want {
		t.Errorf("PlainText = %q, want %q", got, want)
	}
	if got := PlainText(`<div class="body">`+strings.Repeat("长", 20)+`</div>`, 10); got != strings.Repeat("长", 9)+"…" {
		t.Errorf("PlainText shortened = %q", got)
	}
}

// ux returns Ann's Shell in the lobby with a private conversation with Bob
// and the room group A, notifications on, the page hidden, and the
// notifications and announcements it makes.
func uxShell(t *testing.T) (b *notifyButton, notes *[]notification, said *[]string, shown *bool) {
	t.Helper()
	s, lobby := online(English)
	s.model.Key = "ann"
	lobby.Online = []string{"Ann", "Bob", "Cid"}
	s.model.Convs["p:ann:bob"] = private("p:ann:bob", "Bob")
	s.model.Convs["r:group a"] = room("r:group a", "group A")
	b = newNotifyButton().Lang(English).Model(s.model)
	b.notify = notifyState{permission: "granted"}
	notes, said, shown = new([]notification), new([]string), new(bool)
	oldShown, oldShow, oldAnnounce := pageShown, showNotification, announce
	t.Cleanup(func() { pageShown, showNotification, announce = oldShown, oldShow, oldAnnounce })
	pageShown = func() bool { return *shown }
	showNotification = func(n notification) { *notes = append(*notes, n) }
	announce = func(text string) { *said = append(*said, text) }
	return b, notes, said, shown
}

func live(conv string, seq uint64, from, body string) *chat.Entry {
	e := message(conv, seq, time.Now(), from, body)
	return &e
}

func TestNotifications(t *testing.T) {
	const mention = `hey <span class="mention" data-user="ann">@Ann</span>, look`
	tests := []struct {
		name    string
		shown   bool
		off     bool
		perm    string
		entry   *chat.Entry
		wantTit string // "" for no notification
	}{
		{name: "a private message to a hidden page", entry: live("p:ann:bob", 1, "Bob", "psst"), wantTit: "Bob (private)"},
		{name: "a mention in a room", entry: live("r:group a", 1, "Cid", mention), wantTit: "Cid mentioned you in # group A"},
		{name: "a mention in the room in view", entry: live("r:lobby", 1, "Cid", mention), wantTit: "Cid mentioned you in # lobby"},
		{name: "a room message without a mention", entry: live("r:group a", 1, "Cid", "hello all")},
		{name: "a mention of someone else", entry: live("r:lobby", 1, "Cid", `<span class="mention" data-user="bob">@Bob</span>`)},
		{name: "the user's own message", entry: live("p:ann:bob", 1, "Ann", "from another tab")},
		{name: "a visible page", shown: true, entry: live("p:ann:bob", 1, "Bob", "psst")},
		{name: "notifications turned off", off: true, entry: live("p:ann:bob", 1, "Bob", "psst")},
		{name: "no permission", perm: "default", entry: live("p:ann:bob", 1, "Bob", "psst")},
		{name: "denied", perm: "denied", entry: live("p:ann:bob", 1, "Bob", "psst")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, notes, _, shown := uxShell(t)
			*shown = tt.shown
			b.notify.off = tt.off
			if tt.perm != "" {
				b.notify.permission = tt.perm
			}
			b.onLiveEntry(tt.entry)
			if tt.wantTit == "" {
				if len(*notes) != 0 {
					t.Errorf("notified: %+v", *notes)
				}
				return
			}
			if len(*notes) != 1 {
				t.Fatalf("%d notifications, want 1", len(*notes))
			}
			n := (*notes)[0]
			if n.Title != tt.wantTit || n.Conv != tt.entry.Conv || n.Body != PlainText(tt.entry.HTML, 240) || n.Lang != "en" {
				t.Errorf("notification = %+v, want title %q for %s", n, tt.wantTit, tt.entry.Conv)
			}
		})
	}

	t.Run("once per entry, in Chinese", func(t *testing.T) {
		b, notes, _, _ := uxShell(t)
		b.Ilang = Chinese
		e := live("p:ann:bob", 4, "Bob", "你好")
		b.onLiveEntry(e)
		b.onLiveEntry(e)
		b.onLiveEntry(live("p:ann:bob", 3, "Bob", "older"))
		if len(*notes) != 1 || (*notes)[0].Title != "Bob（私聊）" || (*notes)[0].Lang != "zh" {
			t.Errorf("notifications = %+v, want one, in Chinese", *notes)
		}
	})
}

func TestAnnouncements(t *testing.T) {
	b, _, said, shown := uxShell(t)
	*shown = true
	b.onLiveEntry(live("r:lobby", 1, "Bob", "hello &amp; welcome"))
	b.onLiveEntry(live("r:lobby", 2, "Ann", "my own"))
	b.onLiveEntry(live("r:group a", 1, "Cid", "not for me"))
	b.onLiveEntry(live("r:group a", 2, "Cid", `<span class="mention" data-user="ann">@Ann</span> hi`))
	b.onLiveEntry(live("p:ann:bob", 1, "Bob", "psst"))
	want := []string{"Bob: hello & welcome", "Cid mentioned you in # group A: @Ann hi", "Private message from Bob: psst"}
	if !slices.Equal(*said, want) {
		t.Errorf("announced %q, want %q", *said, want)
	}
}

func TestSwitcherItems(t *testing.T) {
	m := client.NewModel()
	m.Me = "Ann"
	add := func(c *client.Conversation) { m.Convs[c.Info.ID] = c }
	lobby := room("r:lobby", "lobby")
	lobby.Online = []string{"Ann", "Bob", "Dee"}
	add(lobby)
	add(room("r:group a", "group A"))
	b := room("r:group b", "group B")
	b.Unread = 2
	add(b)
	add(room("r:bobs", "bobs"))
	add(private("p:ann:bob", "Bob"))
	m.Active = "r:lobby"
	labels := func(items []switchItem) string {
		var out []string
		for _, it := range items {
			out = append(out, it.Kind+":"+it.Label())
		}
		return strings.Join(out, "|")
	}
	tests := []struct {
		name, prev, query, want string
	}{
		{"empty: the previous one, unread, the rest; people without a private conversation",
			"r:group a", "", "conv:# group A|conv:# group B|conv:# bobs|conv:@ Bob|person:@ Dee"},
		{"prefix before substring, conversations before people", "", "bo",
			"conv:# bobs|conv:@ Bob|join:# bo"},
		{"a leading @ finds people and offers no room", "", "@de", "person:@ Dee"},
		{"a leading # and any case", "", "#GROUP", "conv:# group A|conv:# group B|join:# GROUP"},
		{"an existing room is not offered to join", "", "group b", "conv:# group B"},
		{"the room in view is not offered", "", "lobby", ""},
		{"a name that cannot be a room", "", "a/b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := labels(switcherItems(m, tt.prev, tt.query)); got != tt.want {
				t.Errorf("switcherItems(%q, %q) =\n %s\nwant\n %s", tt.prev, tt.query, got, tt.want)
			}
		})
	}
}

func TestSplitUTF16(t *testing.T) {
	for _, tt := range []struct {
		s             string
		n             int
		before, after string
	}{
		{"hello", 2, "he", "llo"},
		{"😀@a", 2, "😀", "@a"}, // the emoji is two units
		{"你好", 1, "你", "好"},
		{"ab", 9, "ab", ""},
		{"ab", 0, "", "ab"},
	} {
		if b, a := splitUTF16(tt.s, tt.n); b != tt.before || a != tt.after {
			t.Errorf("splitUTF16(%q, %d) = %q, %q; want %q, %q", tt.s, tt.n, b, a, tt.before, tt.after)
		}
	}
}

func TestShellRendersMentionsAndGroups(t *testing.T) {
	now := time.Now()
	s, lobby := online(English)
	s.model.Key = "ann"
	yesterday := now.Add(-24 * time.Hour)
	lobby.Entries = []chat.Entry{
		message("r:lobby", 1, yesterday, "Bob", "late last night"),
		message("r:lobby", 2, now.Add(-3*time.Minute), "Bob", "one"),
		message("r:lobby", 3, now.Add(-2*time.Minute), "Bob", "two"),
		message("r:lobby", 4, now.Add(-time.Minute), "Bob", `hey <span class="mention" data-user="ann">@Ann</span> and <span class="mention" data-user="cid">@Cid</span>`),
		message("r:lobby", 5, now, "Cid", "three"),
		message("r:lobby", 6, now, "Ann", "mine"),
	}
	group := room("r:a", "group A")
	group.Unread, group.Mentions = 4, 1
	s.model.Convs[group.Info.ID] = group
	_, root := render(t, s)

	var got []string
	for _, it := range timeline(t, root) {
		switch {
		case it.hasClass("day-divider"):
			got = append(got, "["+it.text()+"]")
		case it.hasClass("msg"):
			item := it.must(t, ".body", byClass("body")).text()
			if it.hasClass("cont") {
				item = "+" + item
			}
			if it.hasClass("mentions-me") {
				item = "!" + item
			}
			got = append(got, item)
		}
	}
	// One heading per day; Bob's messages within minutes form a group; a
	// mention of Ann starts its own, marked; another sender starts another.
	want := "[Yesterday]|late last night|[Today]|one|+two|!hey @Ann and @Cid|three|mine"
	if strings.Join(got, "|") != want {
		t.Errorf("timeline = %s\nwant       %s", strings.Join(got, "|"), want)
	}
	m := root.must(t, ".mentions-me", byClass("mentions-me"))
	if mine := m.all(byClass("mention", "mention-me")); len(mine) != 1 || mine[0].text() != "@Ann" {
		t.Errorf("the mention of Ann is not marked as hers: %d", len(mine))
	}
	if other := m.must(t, `[data-user="cid"]`, byAttr("data-user", "cid")); other.hasClass("mention-me") {
		t.Error("the mention of Cid is marked as Ann's")
	}
	if m.must(t, ".mention-tag", byClass("mention-tag")).text() != "mentions you" {
		t.Error("the message does not say it mentions Ann")
	}
	// Every message keeps its sender and time for screen readers, grouped
	// or not; avatars carry no text.
	for _, e := range root.all(byClass("entry", "msg")) {
		if e.find(byClass("from")) == nil || e.find(byTag("time")) == nil {
			t.Errorf("message %s lacks its sender or time", e.attrs["data-seq"])
		}
		if a := e.find(byClass("avatar")); a != nil && (a.text() != "" || !isTrue(a, "aria-hidden")) {
			t.Errorf("an avatar has text %q or is not hidden from screen readers", a.text())
		}
	}
	// The conversation list: group A has unread messages, one mentions Ann.
	item := root.must(t, "group A", byAttr("data-conv", "r:a"))
	if item.find(byClass("mention-mark")) == nil || !item.must(t, ".unread", byClass("unread")).hasClass("mention") {
		t.Error("group A does not show that it mentions Ann")
	}
	if got := item.text(); got != "# group A @ 4 unread, mentions you" {
		t.Errorf("group A reads %q", got)
	}
	if got := root.must(t, "rooms tab", byAttr("data-pane", "rooms")).text(); got != "Conversations 4 unread" {
		t.Errorf("the conversations tab reads %q, want the unread count elsewhere", got)
	}
}

func TestShellRendersSwitcher(t *testing.T) {
	s, _ := online(Chinese)
	s.model.Convs["r:a"] = room("r:a", "group A")
	s.model.Convs["p:ann:bob"] = private("p:ann:bob", "Bob")
	s.dialog = dialogSwitcher
	_, shell := render(t, s)
	shell.must(t, "the Shell's #switcher", byID("switcher"))
	d := newSwitcherDialog().Lang(s.lang).Model(s.model).OnClose(s.closeDialog)
	d.query, d.pick = "o", 1
	_, root := render(t, d)

	dialog := root.must(t, "#switcher", byID("switcher"))
	if dialog.attrs["role"] != "dialog" || !isTrue(dialog, "aria-modal") || dialog.attrs["aria-labelledby"] != "switcher-title" {
		t.Errorf("switcher attributes %v", dialog.attrs)
	}
	if got := root.must(t, "#switcher-title", byID("switcher-title")).text(); got != "跳转到会话" {
		t.Errorf("title = %q", got)
	}
	input := root.must(t, "#switcher-input", byID("switcher-input"))
	if input.attrs["role"] != "combobox" || input.attrs["aria-controls"] != "switcher-list" || input.attrs["aria-activedescendant"] != "switcher-opt-1" {
		t.Errorf("the field is not a combobox over the list: %v", input.attrs)
	}
	opts := root.all(byAttr("role", "option"))
	var got []string
	for _, o := range opts {
		got = append(got, strconv.FormatBool(isTrue(o, "aria-selected"))+":"+spoken(o))
	}
	// "o" matches group A and Bob (the lobby is in view) and can name a
	// new room.
	if want := "false:# group A|true:@ Bob|false:加入或创建 # o"; strings.Join(got, "|") != want {
		t.Errorf("options = %q, want %q", strings.Join(got, "|"), want)
	}
}

func TestShellTopBarControls(t *testing.T) {
	tests := []struct {
		name    string
		lang    Lang
		theme   Theme
		notify  notifyState
		label   string
		pressed string
	}{
		{"system theme, notifications never asked", English, ThemeSystem, notifyState{permission: "default"}, "Notifications are off: turn them on", "false"},
		{"dark, notifications on", English, ThemeDark, notifyState{permission: "granted"}, "Notifications are on: turn them off", "true"},
		{"light, turned off", English, ThemeLight, notifyState{permission: "granted", off: true}, "Notifications are off: turn them on", "false"},
		{"blocked, in Chinese", Chinese, ThemeSystem, notifyState{permission: "denied"}, "通知已被浏览器的网站设置阻止", "false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := online(tt.lang)
			b := newNotifyButton().Lang(tt.lang).Model(s.model)
			b.notify = tt.notify
			_, root := render(t, b)
			bell := root.must(t, "#notify-btn", byID("notify-btn"))
			if pressed := strconv.FormatBool(isTrue(bell, "aria-pressed")); bell.attrs["aria-label"] != tt.label || pressed != tt.pressed {
				t.Errorf("bell: label %q pressed %s, want %q %s", bell.attrs["aria-label"], pressed, tt.label, tt.pressed)
			}
			tb := newThemeButton().Lang(tt.lang)
			tb.theme = tt.theme
			_, root = render(t, tb)
			theme := root.must(t, "#theme-btn", byID("theme-btn"))
			if want := T(tt.lang, tt.theme.label()); theme.attrs["aria-label"] != want {
				t.Errorf("theme button label %q, want %q", theme.attrs["aria-label"], want)
			}
			// Every button of the page can be named by a screen reader.
			_, root = render(t, s)
			for _, b := range root.all(byTag("button")) {
				if b.text() == "" && b.attrs["aria-label"] == "" {
					t.Errorf("a button has no name: %v", b.attrs)
				}
			}
			if root.find(byID("announcer")) == nil || root.must(t, "#announcer", byID("announcer")).attrs["aria-live"] != "polite" {
				t.Error("there is no polite live region")
			}
		})
	}
}

// isTrue reports whether n's attribute is "true" (go-app writes true
// values as bare attributes).
func isTrue(n *node, attr string) bool {
	v := n.attrs[attr]
	return v == "true" || v == attr
}

// spoken is n's text as a screen reader gets it: without what is
// aria-hidden.
func spoken(n *node) string {
	var b strings.Builder
	var walk func(*node)
	walk = func(n *node) {
		if isTrue(n, "aria-hidden") {
			return
		}
		if n.tag == "" {
			b.WriteString(n.data + " ")
		}
		for _, k := range n.kids {
			walk(k)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func TestShellPeopleOfAPrivateConversation(t *testing.T) {
	for _, tt := range []struct {
		name   string
		online []string
		want   string
	}{
		{"Bob online", []string{"Ann", "Bob"}, "online"},
		{"Bob gone", []string{"Ann"}, "offline"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, lobby := online(English)
			lobby.Online = tt.online
			dm := private("p:ann:bob", "Bob")
			s.model.Convs[dm.Info.ID] = dm
			s.model.Active = dm.Info.ID
			_, root := render(t, s)
			people := root.must(t, "#people", byID("people"))
			if got := strings.Join(people.texts(byClass("person")), "|"); got != "Bob "+T(English, "state."+tt.want)+"|Ann (you)" {
				t.Errorf("people = %q", got)
			}
			if got := people.must(t, "Bob", byAttr("data-name", "Bob")).attrs["data-presence"]; got != tt.want {
				t.Errorf("Bob is %q, want %q", got, tt.want)
			}
		})
	}
}
