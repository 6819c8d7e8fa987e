package ui

import (
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Seams: tests replace these to decide whether the page is seen and to
// catch the notifications and announcements the Shell makes.
var (
	// pageShown reports whether the user can see the page (not a hidden
	// tab or a minimised window).
	pageShown = pageVisible
	// showNotification raises a browser notification.
	showNotification = showBrowserNotification
	// announce puts a line in the live region that screen readers read.
	announce = announceInDOM
)

// notification is what a browser notification shows, and the conversation
// a click on it opens.
type notification struct {
	Title, Body, Conv, Lang string
	Time                    int64 // Unix ms of the message
}

// notifyPrefKey keeps the user's choice to turn notifications off while
// the browser permits them.
const notifyPrefKey = "chat.notify"

// notifyState is whether the browser lets the page notify, and whether the
// user wants it to.
type notifyState struct {
	permission string // the browser's Notification.permission, or "unsupported"
	off        bool   // the user turned notifications off
	asking     bool   // a permission request is open
}

// on reports whether notifications are to be shown.
func (n notifyState) on() bool { return n.permission == "granted" && !n.off }

// loadNotify reads the permission and the user's choice; it never asks.
func loadNotify() notifyState {
	n := notifyState{permission: "unsupported"}
	if !app.IsClient {
		return n
	}
	if N := app.Window().Get("Notification"); N.Truthy() {
		n.permission = N.Get("permission").String()
	}
	if ls := app.Window().Get("localStorage"); ls.Truthy() {
		v := ls.Call("getItem", notifyPrefKey)
		n.off = v.Truthy() && v.String() == "off"
	}
	return n
}

func saveNotifyOff(off bool) {
	if ls := app.Window().Get("localStorage"); ls.Truthy() {
		if off {
			ls.Call("setItem", notifyPrefKey, "off")
		} else {
			ls.Call("removeItem", notifyPrefKey)
		}
	}
}

// notifyButton is the top bar's bell, and what tells the person about
// messages while the page is open: it owns whether notifications are on
// (the browser's permission and the person's choice), hears live entries
// (eventAction) to announce them to screen readers and to notify, each at
// most once, and keeps the unread count in the page title.
type notifyButton struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64                    // the Shell's: a change may change the title
	IonNotice func(app.Context, string) // why notifications cannot be on
	IonInfo   func(app.Context, string) // that they are on

	notify notifyState
	seen   map[string]uint64 // per conversation, the last entry announced or notified
	title  string            // the document title last set
}

func newNotifyButton() *notifyButton { return &notifyButton{} }

func (b *notifyButton) Lang(v Lang) *notifyButton           { b.Ilang = v; return b }
func (b *notifyButton) Model(v *client.Model) *notifyButton { b.Imodel = v; return b }
func (b *notifyButton) Rev(v uint64) *notifyButton          { b.Irev = v; return b }
func (b *notifyButton) OnNotice(h func(app.Context, string)) *notifyButton {
	b.IonNotice = h
	return b
}
func (b *notifyButton) OnInfo(h func(app.Context, string)) *notifyButton {
	b.IonInfo = h
	return b
}

// OnMount reads the permission and the person's choice (never asks), and
// listens to the events.
func (b *notifyButton) OnMount(ctx app.Context) {
	if app.IsClient {
		b.notify = loadNotify()
	}
	ctx.Handle(eventAction, b.onEvent)
	b.updateTitle()
}

// OnUpdate keeps the title: what the Shell changed may have read a
// conversation.
func (b *notifyButton) OnUpdate(ctx app.Context) { b.updateTitle() }

// onEvent notifies and announces a live entry, and keeps the title.
func (b *notifyButton) onEvent(ctx app.Context, a app.Action) {
	if e, ok := eventFrame(a).(*chat.Entry); ok {
		b.onLiveEntry(e)
	}
	b.updateTitle()
}

// onLiveEntry announces a new message to screen readers and raises a
// notification for it when it deserves one; each entry at most once.
func (b *notifyButton) onLiveEntry(e *chat.Entry) {
	if b.seen == nil {
		b.seen = make(map[string]uint64)
	}
	if e.Seq <= b.seen[e.Conv] {
		return
	}
	b.seen[e.Conv] = e.Seq
	if b.Imodel.HiddenFromMuted(*e) {
		return // muted: neither announced nor notified (moderation.go)
	}
	if text, ok := announcementFor(b.Ilang, b.Imodel, e); ok {
		announce(text)
	}
	if n, ok := b.notificationFor(e); ok {
		showNotification(n)
	}
}

// updateTitle puts the number of unread messages in the page title, so
// that a background tab shows it.
func (b *notifyButton) updateTitle() {
	if b.Imodel == nil {
		return
	}
	n := 0
	for _, c := range b.Imodel.Convs {
		n += c.Unread
	}
	title := T(b.Ilang, "app.title")
	if n > 0 {
		title = "(" + strconv.Itoa(n) + ") " + title
	}
	if title == b.title || !app.IsClient {
		return
	}
	b.title = title
	app.Window().Get("document").Set("title", title)
}

// say shows why notifications cannot be on (notice), or that they are
// (info).
func (b *notifyButton) say(ctx app.Context, notice, info string) {
	if notice != "" && b.IonNotice != nil {
		b.IonNotice(ctx, notice)
	}
	if info != "" && b.IonInfo != nil {
		b.IonInfo(ctx, info)
	}
}

// onToggle turns notifications on or off. Turning them on for the first
// time asks the browser's permission: only here, after a click.
func (b *notifyButton) onToggle(ctx app.Context, e app.Event) {
	n := &b.notify
	switch n.permission {
	case "granted":
		n.off = !n.off
		saveNotifyOff(n.off)
		if !n.off {
			b.say(ctx, "", T(b.Ilang, "notify.enabled"))
		}
	case "default":
		if n.asking {
			return
		}
		n.asking = true
		// Called in the click's own task: browsers ask only after a
		// user's action.
		p := app.Window().Get("Notification").Call("requestPermission")
		p.Then(func(v app.Value) {
			ctx.Dispatch(func(ctx app.Context) {
				n.asking = false
				n.permission = v.String()
				n.off = false
				saveNotifyOff(false)
				if n.permission == "granted" {
					b.say(ctx, "", T(b.Ilang, "notify.enabled"))
				} else {
					b.say(ctx, T(b.Ilang, "notify.blocked"), "")
				}
			})
		})
	case "denied":
		b.say(ctx, T(b.Ilang, "notify.blocked"), "")
	default:
		b.say(ctx, T(b.Ilang, "notify.unsupported"), "")
	}
}

// Render is the bell: it says whether notifications are on, off or
// blocked, and a click changes that.
func (b *notifyButton) Render() app.UI {
	n := b.notify
	label, icon := "notify.off", iconBell
	switch {
	case n.on():
		label, icon = "notify.on", iconBellOn
	case n.permission == "denied":
		label, icon = "notify.blocked", iconBellOff
	case n.permission == "unsupported", n.permission == "":
		label, icon = "notify.unsupported", iconBellOff
	}
	text := T(b.Ilang, label)
	return app.Button().ID("notify-btn").Type("button").Class("icon-btn").
		Aria("pressed", boolText(n.on())).Aria("label", text).Title(text).
		DataSet("permission", n.permission).OnClick(b.onToggle).Body(app.Raw(icon))
}

// notificationFor returns the notification a live entry deserves: a message
// from someone else, private or mentioning the user, while the page is
// hidden and notifications are on.
func (b *notifyButton) notificationFor(e *chat.Entry) (notification, bool) {
	m, lang := b.Imodel, b.Ilang
	c := m.Convs[e.Conv]
	from := html.UnescapeString(e.From)
	if !b.notify.on() || c == nil || e.Kind != chat.EntryMessage || from == m.Me || pageShown() || pushHeld(m, e.Conv, time.Now()) {
		return notification{}, false
	}
	n := notification{Body: PlainText(e.HTML, 240), Conv: e.Conv, Lang: string(lang), Time: e.Time}
	switch {
	case c.Info.Group != nil:
		n.Title = T(lang, "notify.group", from, c.Name) // group.go
	case c.Info.Kind == chat.KindPrivate:
		n.Title = T(lang, "notify.private", from)
	case m.MentionsMe(*e):
		n.Title = T(lang, "notify.mention", from, convLabel(c.Info.Kind, c.Name))
	default:
		return notification{}, false
	}
	return n, true
}

// convLabel is how a conversation is named in lists and titles.
func convLabel(kind chat.ConvKind, name string) string {
	if kind == chat.KindPrivate {
		return "@ " + name
	}
	if kind == chat.KindThread {
		return "↳ " + name // a thread: the start of its root
	}
	return "# " + name
}

// PlainText returns the text of an entry's HTML, as server/markup makes
// it: chat.PlainText (blocks and list items on lines of their own, code
// kept, tags gone, entities decoded), trimmed, at most limit characters
// long ("…" ends a shortened one). The result is text, for notifications
// and announcements, never HTML.
func PlainText(h string, limit int) string {
	s := strings.TrimSpace(chat.PlainText(h))
	if utf8.RuneCountInString(s) > limit {
		r := []rune(s)
		s = strings.TrimSpace(string(r[:limit-1])) + "…"
	}
	return s
}

// showBrowserNotification raises n through the service worker's
// registration, so that it shows even on systems that only allow that,
// and a click focuses the app on the conversation: go-app's worker posts
// data.goapp.path back to the page (see openFromNotification), or opens
// that path when no page is left. Without an active worker it uses the
// page's Notification.
func showBrowserNotification(n notification) {
	path := ConvPath(n.Conv)
	opts := map[string]any{
		"body":      n.Body,
		"tag":       n.Conv, // one notification per conversation, renewed
		"renotify":  true,
		"lang":      n.Lang,
		"icon":      "/web/icon-192.png",
		"badge":     "/web/icon-192.png",
		"timestamp": n.Time,
		"data": map[string]any{
			"conv":  n.Conv,
			"goapp": map[string]any{"path": path, "actions": []any{}},
		},
	}
	w := app.Window()
	page := func() {
		N := w.Get("Notification")
		if !N.Truthy() {
			return
		}
		note := N.New(n.Title, opts)
		note.Set("onclick", app.FuncOf(func(app.Value, []app.Value) any {
			w.Call("focus")
			if nav := w.Get("goappNav"); nav.Truthy() {
				w.Call("goappNav", path)
			}
			note.Call("close")
			return nil
		}))
	}
	sw := w.Get("navigator").Get("serviceWorker")
	if !sw.Truthy() {
		page()
		return
	}
	sw.Call("getRegistration").Then(func(reg app.Value) {
		if reg.Truthy() && reg.Get("active").Truthy() {
			reg.Call("showNotification", n.Title, opts)
			return
		}
		page()
	})
}

// announceInDOM adds text to the live region #announcer, keeping its last
// few lines: screen readers read what is added. The region is the Shell's
// but its lines are not (go-app leaves children it did not render alone).
func announceInDOM(text string) {
	if !app.IsClient {
		return
	}
	doc := app.Window().Get("document")
	region := doc.Call("getElementById", "announcer")
	if !region.Truthy() {
		return
	}
	p := doc.Call("createElement", "p")
	p.Set("textContent", text)
	region.Call("appendChild", p)
	for region.Get("childElementCount").Int() > 5 {
		region.Call("removeChild", region.Get("firstElementChild"))
	}
}

// announcementFor returns what the live region says about a live entry:
// a message from someone else in the conversation in view, or a private
// message or a mention elsewhere.
func announcementFor(lang Lang, m *client.Model, e *chat.Entry) (string, bool) {
	c := m.Convs[e.Conv]
	from := html.UnescapeString(e.From)
	if c == nil || e.Kind != chat.EntryMessage || from == m.Me {
		return "", false
	}
	text := PlainText(e.HTML, 500)
	switch {
	case e.Conv == m.Active:
		return T(lang, "announce.msg", from, text), true
	case c.Info.Group != nil:
		return T(lang, "announce.group", from, c.Name, text), true // group.go
	case c.Info.Kind == chat.KindPrivate:
		return T(lang, "announce.private", from, text), true
	case m.MentionsMe(*e):
		return T(lang, "announce.mention", from, convLabel(c.Info.Kind, c.Name), text), true
	}
	return "", false
}
