package ui

import (
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// threadPanel is the side panel of threads (a drawer on a narrow screen):
// the thread open beside the conversation (Model.Thread: its root, its
// replies, older ones on demand, the replies still in the outbox, and a
// composer that may send to the room too), or, with none open, the
// Threads view: the threads the user follows, each with its unread
// count. It owns its composer's state, reads the Model, acts through the
// Session, and asks the Shell to open a thread (OnOpen), to list them
// (OnList) or to close (OnClose).
type threadPanel struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64
	Isession  *client.Session // nil: shown alone (tests)
	Ionline   bool
	Inames    []string                  // whom "@" completes, best first
	Iuploads  *outboxUploads            // the outbox's files going up (offline_files.go)
	IonOpen   func(app.Context, string) // opens thread id
	IonList   func(app.Context)         // shows the followed threads
	IonClose  func(app.Context)
	IonNotice func(app.Context, string)
	IonOutbox func(app.Context) // a reply was taken into the outbox

	also     bool        // the next reply goes to the room too
	editing  uint64      // the user's reply the composer edits (thread_actions.go)
	deleting uint64      // the reply whose deletion awaits a second click
	att      attachState // the composer's uploads and the image viewer, as the room's (attach.go)
	mention  mentionBox  // the "@" completion, as the room's (mention.go)
	picker   emojiPicker // a reply's emoji picker, as the room's (reactions.go)
	mounted  app.Context // from OnMount: what comes after a render goes through it
	unlisten func()      // stops listening for files dropped or pasted
}

// threadID is the prefix of the ids of the elements the thread panel
// shares with the room's composer and timeline (attach.go, mention.go,
// reactions.go).
const threadID = "thread-"

// newThreadPanel returns a panel whose elements shared with the room's
// composer have ids of their own from the first render.
func newThreadPanel() *threadPanel {
	return &threadPanel{att: attachState{id: threadID}, mention: mentionBox{id: threadID}, picker: emojiPicker{prefix: threadID}}
}

func (p *threadPanel) Lang(v Lang) *threadPanel                        { p.Ilang = v; return p }
func (p *threadPanel) Model(m *client.Model) *threadPanel              { p.Imodel = m; return p }
func (p *threadPanel) Rev(v uint64) *threadPanel                       { p.Irev = v; return p }
func (p *threadPanel) Session(v *client.Session) *threadPanel          { p.Isession = v; return p }
func (p *threadPanel) Online(v bool) *threadPanel                      { p.Ionline = v; return p }
func (p *threadPanel) Names(v []string) *threadPanel                   { p.Inames = v; return p }
func (p *threadPanel) Uploads(u *outboxUploads) *threadPanel           { p.Iuploads = u; return p }
func (p *threadPanel) OnOpen(h func(app.Context, string)) *threadPanel { p.IonOpen = h; return p }
func (p *threadPanel) OnList(h func(app.Context)) *threadPanel         { p.IonList = h; return p }
func (p *threadPanel) OnClose(h func(app.Context)) *threadPanel        { p.IonClose = h; return p }
func (p *threadPanel) OnNotice(h func(app.Context, string)) *threadPanel {
	p.IonNotice = h
	return p
}
func (p *threadPanel) OnOutbox(h func(app.Context)) *threadPanel { p.IonOutbox = h; return p }

// Render shows the thread open, or the followed threads.
func (p *threadPanel) Render() app.UI {
	c := p.Imodel.Convs[p.Imodel.Thread]
	if c == nil {
		return p.renderList()
	}
	return p.renderThread(c)
}

// onKey leaves edit mode on Escape, or else closes the panel.
func (p *threadPanel) onKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" && p.editing != 0 {
		e.PreventDefault()
		p.cancelEdit(ctx, e)
		return
	}
	if e.Get("key").String() == "Escape" && p.IonClose != nil {
		e.PreventDefault()
		p.IonClose(ctx)
	}
}

func (p *threadPanel) header(title string, extra ...app.UI) app.UI {
	l := p.Ilang
	return app.Div().Class("thread-header").Body(
		app.H2().ID("thread-title").Text(title),
		app.Div().Class("thread-tools").Body(append(extra,
			app.Button().ID("thread-close").Type("button").Class("icon-btn", "thread-close").
				Aria("label", T(l, "thread.close")).Title(T(l, "thread.close")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) {
					if p.IonClose != nil {
						p.IonClose(ctx)
					}
				}))...,
		),
	)
}

// renderList is the Threads view: the followed threads, those with
// unread replies first.
func (p *threadPanel) renderList() app.UI {
	l := p.Ilang
	list := p.Imodel.Threads()
	return app.Aside().ID("thread-panel").Class("pane", "thread-panel", "threads-view").
		Aria("labelledby", "thread-title").OnKeyDown(p.onKey).Body(
		p.header(T(l, "threads.title")),
		app.If(len(list) == 0, func() app.UI {
			return app.P().Class("hint", "list-hint").Text(T(l, "threads.none"))
		}).Else(func() app.UI {
			return app.Ul().ID("threads-list").Class("conv-list", "threads-list").Aria("labelledby", "thread-title").Body(
				app.Range(list).Slice(func(i int) app.UI { return p.renderItem(list[i]) }),
			)
		}),
	)
}

// renderItem is one followed thread: the start of its root, where it is,
// and its unread count.
func (p *threadPanel) renderItem(c *client.Conversation) app.UI {
	id := c.Info.ID
	where := ""
	if parent := p.Imodel.Convs[chat.ParentOf(id)]; parent != nil {
		where = convLabel(parent.Info.Kind, parent.Name)
	}
	return app.Li().Body(
		app.Button().Type("button").Class("conv-item", "thread-item", classIf("has-unread", c.Unread > 0)).DataSet("conv", id).
			OnClick(func(ctx app.Context, e app.Event) {
				if p.IonOpen != nil {
					p.IonOpen(ctx, id)
				}
			}, app.EventScope(id)).Body(
			app.Span().Class("thread-item-text").Body(
				app.Span().Class("conv-name").Text(threadName(p.Ilang, c.Name)),
				app.Span().Class("thread-where").Text(where),
			),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("unread", classIf("mention", c.Mentions > 0)).Text(strconv.Itoa(c.Unread))
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("visually-hidden").Text(" " + T(p.Ilang, "conv.unread.sr"))
			}),
		),
	)
}

// threadName is what names a thread: the start of its root's text.
func threadName(l Lang, name string) string {
	if strings.TrimSpace(name) == "" {
		return T(l, "thread.title")
	}
	return name
}

// renderThread is thread c: its root, its replies and the composer.
func (p *threadPanel) renderThread(c *client.Conversation) app.UI {
	l := p.Ilang
	id := c.Info.ID
	parent := p.Imodel.Convs[chat.ParentOf(id)]
	where := ""
	if parent != nil {
		where = convLabel(parent.Info.Kind, parent.Name)
	}
	follow := T(l, "thread.follow")
	if c.Followed {
		follow = T(l, "thread.unfollow")
	}
	return app.Aside().ID("thread-panel").Class("pane", "thread-panel").DataSet("conv", id).
		Aria("labelledby", "thread-title").OnKeyDown(p.onKey).Body(
		p.header(T(l, "thread.title"),
			app.Button().ID("thread-follow").Type("button").Class("link").Aria("pressed", boolText(c.Followed)).Text(follow).
				OnClick(func(ctx app.Context, e app.Event) { p.follow(ctx, id) }, app.EventScope(id)),
			app.Button().ID("threads-all").Type("button").Class("link").Text(T(l, "threads.all")).
				OnClick(func(ctx app.Context, e app.Event) {
					if p.IonList != nil {
						p.IonList(ctx)
					}
				}),
		),
		app.P().Class("thread-where").Text(where),
		app.Div().ID("thread-timeline").Class("timeline", "thread-timeline").Role("log").Aria("live", "polite").TabIndex(0).
			Aria("label", T(l, "thread.replies.label")).Body(p.renderEntries(c)...),
		p.renderTyping(id),
		p.att.renderTray(l),
		newComposerPreview().InThread(true).Lang(l).Session(p.Isession).Online(p.Ionline),
		p.renderComposer(c, where),
		p.att.renderViewer(l, c),
	)
}

// afterRender runs f once the panel is rendered again, through the
// panel's own context: an event's context is gone when its element is
// (a picker's button, once the picker closes).
func (p *threadPanel) afterRender(f func()) {
	if p.mounted.Context != nil {
		p.mounted.Defer(func(app.Context) { f() })
	}
}

// OnMount hears the events (a typist's line is rendered again once due
// to go), and files dropped on the panel or pasted into its composer.
func (p *threadPanel) OnMount(ctx app.Context) {
	p.mounted = ctx
	p.mention.id = threadID
	p.att.mount(threadID, ctx, func() (Lang, bool, int64) {
		return p.Ilang, p.Ionline, p.Imodel.Limits.MaxUploadBytes
	}, p.notice)
	if app.IsClient {
		p.unlisten = p.att.listen("#thread-panel")
	}
	ctx.Handle(eventAction, func(ctx app.Context, a app.Action) {
		if t, ok := eventFrame(a).(*chat.Typist); ok && t.On && t.Conv == p.Imodel.Thread {
			ctx.After(chat.TypingShown+100*time.Millisecond, func(app.Context) {})
		}
	})
}

// OnDismount stops listening to files dropped or pasted.
func (p *threadPanel) OnDismount() {
	if p.unlisten != nil {
		p.unlisten()
		p.unlisten = nil
	}
}

// renderTyping says who is typing in the thread.
func (p *threadPanel) renderTyping(id string) app.UI {
	names, _ := p.Imodel.Typists(id)
	var body []app.UI
	switch len(names) {
	case 0:
	case 1:
		body = tNames(p.Ilang, "typing.one", names...)
	case 2:
		body = tNames(p.Ilang, "typing.two", names...)
	default:
		body = []app.UI{app.Text(T(p.Ilang, "typing.several"))}
	}
	return app.Div().ID("thread-typing").Class("typing").Role("status").Aria("live", "polite").Body(body...)
}

// onInput offers names after "@", and tells the others the user is
// typing in the thread (not while editing a reply).
func (p *threadPanel) onInput(ctx app.Context, e app.Event) {
	el := ctx.JSSrc()
	before, _ := splitUTF16(el.Get("value").String(), el.Get("selectionStart").Int())
	p.mention.suggestFor(before, p.Inames)
	if p.Isession == nil || p.Imodel.Thread == "" || p.editing != 0 {
		return
	}
	p.onTyped(ctx, ctx.JSSrc().Get("value").String())
}

// onTyped has the Session tell the others what the thread's composer
// holds now (Session.Typed: typing, or no longer).
func (p *threadPanel) onTyped(ctx app.Context, text string) {
	if p.Isession == nil || p.Imodel.Thread == "" {
		return
	}
	if err := p.Isession.Typed(p.Imodel.Thread, text); err != nil {
		p.notice(ctx, errorText(p.Ilang, err))
	}
}

// renderEntries is the root, then how many replies, then the replies held
// and the user's still in the outbox.
func (p *threadPanel) renderEntries(c *client.Conversation) []app.UI {
	l := p.Ilang
	now := time.Now()
	items := []app.UI{}
	root, ok := p.Imodel.Root(c.Info.ID)
	switch {
	case ok:
		items = append(items, p.renderEntry(root, now, "thread-root"))
	default: // the parent's window does not reach it: what the server named the thread
		items = append(items, app.Div().Class("entry", "msg", "thread-root").Body(
			app.Div().Class("bubble").Body(app.Div().Class("body").Text(threadName(l, c.Name))),
		))
	}
	replies := 0
	if ok && root.Thread != nil {
		replies = root.Thread.Replies
	}
	items = append(items, app.P().ID("thread-count").Class("thread-count").
		Text(repliesText(l, replies)))
	switch {
	case !c.Ready:
		items = append(items, app.P().Class("timeline-note").Text(T(l, "conv.loading")))
	case !c.Start:
		items = append(items, app.Button().ID("thread-older").Type("button").Class("link", "older").
			Disabled(c.LoadingOlder()).Text(T(l, "btn.older")).OnClick(p.older))
	}
	for _, e := range c.Entries {
		if e.Kind == chat.EntryMessage {
			items = append(items, p.renderEntry(e, now, ""))
		}
	}
	for _, o := range p.Imodel.Pending(c.Info.ID) {
		status := T(l, "pending.sending")
		switch {
		case o.Failed != "":
			status = T(l, "pending.failed", o.Failed)
		case !p.Ionline:
			status = T(l, "pending.queued")
		}
		items = append(items, app.Div().Class("entry", "msg", "mine", "pending").Body(
			app.Div().Class("bubble").Body(
				app.Div().Class("meta").Body(app.Span().Class("from").Text(p.Imodel.Me), app.Text(" "),
					app.Span().Class("pending-status").Text(status)),
				app.Div().Class("body").Text(o.Text),
				p.Iuploads.renderPendingFiles(l, o),
			),
		))
	}
	return items
}

// renderEntry is one message of the thread (or its root, with class).
func (p *threadPanel) renderEntry(e chat.Entry, now time.Time, class string) app.UI {
	l := p.Ilang
	from := html.UnescapeString(e.From)
	at := time.UnixMilli(e.Time)
	mine := from == p.Imodel.Me
	root := class == "thread-root"
	return app.Div().Class("entry", "msg", class, classIf("mine", mine), classIf("deleted", e.Deleted)).
		DataSet("seq", strconv.FormatUint(e.Seq, 10)).Body(
		app.If(!mine, func() app.UI { return avatar(from) }),
		app.Div().Class("bubble").Body(
			app.Div().Class("meta").Body(
				app.Span().Class("from").Text(from), app.Text(" "),
				app.Time().DateTime(at.UTC().Format(time.RFC3339)).Title(TimeTitle(l, at, now)).Text(Clock(at, now)),
			),
			app.Div().Class("msg-text").Body(p.renderBody(e)...),
			app.If(!e.Deleted, func() app.UI { return p.att.renderFiles(p.Ilang, e) }),
			app.If(!root, func() app.UI { return renderReactionRow(l, p.Imodel, e, p.reactTo(e.Seq)) }),
			app.If(!root && p.actionable(e), func() app.UI {
				return p.picker.render(l, p.Imodel, e, p.reactTo(e.Seq), func(ctx app.Context, back string) {
					p.afterRender(func() { focusID(back) })
				})
			}),
		),
		app.If(!root, func() app.UI { return p.renderActions(e) }),
	)
}

// renderComposer is the thread's composer: the reply, and whether it goes
// to the room too.
func (p *threadPanel) renderComposer(c *client.Conversation, where string) app.UI {
	l := p.Ilang
	return app.Form().ID("thread-form").Class("composer", "thread-composer").OnSubmit(p.onSubmit).Body(
		app.If(p.editing != 0, func() app.UI {
			return app.Div().ID("thread-editing").Class("composer-chip", "edit").Body(
				app.Span().Text(T(l, "composer.editing")),
				app.Button().ID("thread-edit-cancel").Type("button").Class("chip-cancel").Aria("label", T(l, "composer.edit.cancel")).
					Title(T(l, "composer.edit.cancel")).Text("×").OnClick(p.cancelEdit),
			)
		}),
		app.Label().For("thread-composer").Class("visually-hidden").Text(T(l, "thread.composer.label")),
		app.Textarea().ID("thread-composer").Rows(2).MaxLength(chat.MaxTextRunes).
			Placeholder(T(l, "thread.composer.hint")).
			Aria("autocomplete", "list").Aria("activedescendant", p.mention.active()).Aria("controls", p.mention.listID()).
			OnKeyDown(p.onComposerKey).OnInput(p.onInput).OnBlur(p.mention.onBlur),
		app.Div().Class("thread-send").Body(
			app.Label().Class("thread-also").Body(
				app.Input().ID("thread-also").Type("checkbox").Checked(p.also).OnChange(func(ctx app.Context, e app.Event) {
					p.also = ctx.JSSrc().Get("checked").Bool()
				}),
				app.Text(" "+T(l, "thread.also", where)),
			),
			app.Button().ID("thread-send").Type("submit").Text(T(l, "btn.send")),
		),
		p.mention.slot(l),
	)
}

// onComposerKey sends on Enter (Shift+Enter is a new line), unless the
// "@" completion or a formatting shortcut (Ctrl/Cmd+B, I, E) takes the
// key, as in the room's composer.
func (p *threadPanel) onComposerKey(ctx app.Context, e app.Event) {
	if p.mention.onKey(e) || formatKey(e, "thread-composer") {
		return
	}
	if e.Get("key").String() == "Enter" && !e.Get("shiftKey").Bool() && !e.Get("isComposing").Bool() {
		e.PreventDefault()
		p.send(ctx)
	}
}

func (p *threadPanel) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.send(ctx)
}

// send has the Session keep the reply, with the files attached, in the
// outbox and send it, online or not (files attached offline wait with
// it, as in the room); the text stays when it was not taken.
func (p *threadPanel) send(ctx app.Context) {
	el := app.Window().GetElementByID("thread-composer")
	if !el.Truthy() || p.Isession == nil || p.Imodel.Thread == "" {
		return
	}
	text := strings.TrimSpace(el.Get("value").String())
	p.mention.close()
	if p.editing != 0 {
		if text != "" && p.submitEdit(ctx, text) {
			el.Set("value", "")
		}
		return
	}
	if text == "" && p.att.count() == 0 {
		return
	}
	files, waiting, ok := p.att.take(ctx, p.Ilang)
	if !ok {
		return
	}
	if _, err := p.Isession.ComposeInThread(p.Imodel.Thread, text, p.also, files, waiting); err != nil {
		p.notice(ctx, errorText(p.Ilang, err))
		return
	}
	p.att.sent()
	el.Set("value", "")
	p.onTyped(ctx, "") // no longer typing
	p.also = false
	p.notice(ctx, "")
	if p.IonOutbox != nil {
		p.IonOutbox(ctx)
	}
	ctx.Defer(func(app.Context) { scrollToEnd("thread-timeline") })
}

// follow follows the thread id, or stops following it.
func (p *threadPanel) follow(ctx app.Context, id string) {
	c := p.Imodel.Convs[id]
	if c == nil || p.Isession == nil {
		return
	}
	if err := p.Isession.Follow(id, !c.Followed); err != nil {
		p.notice(ctx, errorText(p.Ilang, err))
	}
}

// older asks for the thread's older replies.
func (p *threadPanel) older(ctx app.Context, e app.Event) {
	if f := p.Imodel.Older(p.Imodel.Thread); f != nil && p.Isession != nil {
		if err := p.Isession.Send(f); err != nil {
			p.notice(ctx, errorText(p.Ilang, err))
		}
	}
}

func (p *threadPanel) notice(ctx app.Context, text string) {
	if p.IonNotice != nil {
		p.IonNotice(ctx, text)
	}
}

// scrollToEnd scrolls the element with id to its end.
func scrollToEnd(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight"))
	}
}

// renderThreadSummary is what a root shows of its thread: how many
// replies, when the last one came and who took part, as a button that
// opens it. A deleted root keeps it.
func (p *conversationPane) renderThreadSummary(e chat.Entry) app.UI {
	s := e.Thread
	if s == nil || s.Replies == 0 {
		return nil
	}
	l := p.Ilang
	now := time.Now()
	at := time.UnixMilli(s.Last)
	users := unescapeNames(s.Users)
	return app.Button().ID(seqID("thread-summary-", e.Seq)).Type("button").Class("thread-summary").
		OnClick(func(ctx app.Context, ev app.Event) { p.openThread(ctx, e.Conv, e.Seq) }, app.EventScope(e.Conv, e.Seq)).Body(
		app.Span().Class("thread-replies").Text(repliesText(l, s.Replies)),
		app.Span().Class("thread-last").Body(
			app.Text(T(l, "thread.last")+" "),
			app.Time().DateTime(at.UTC().Format(time.RFC3339)).Title(TimeTitle(l, at, now)).Text(RelativeTime(l, at, now)),
		),
		app.If(len(users) > 0, func() app.UI {
			return app.Span().Class("thread-users").Text(strings.Join(users, ", "))
		}),
	)
}

// openThread asks the Shell to open the thread of message root of conv.
func (p *conversationPane) openThread(ctx app.Context, conv string, root uint64) {
	if p.IonThread != nil {
		p.IonThread(ctx, conv, root)
	}
}

// openThreadOf is the message action "Reply in thread".
func (p *conversationPane) openThreadOf(ctx app.Context, e chat.Entry) {
	p.openThread(ctx, e.Conv, e.Seq)
}

// OnThread sets what opens a thread (the Shell's openThread).
func (p *conversationPane) OnThread(h func(app.Context, string, uint64)) *conversationPane {
	p.IonThread = h
	return p
}

func unescapeNames(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = html.UnescapeString(s)
	}
	return out
}

// OnThreads sets what shows the followed threads.
func (l *conversationList) OnThreads(h func(app.Context)) *conversationList {
	l.IonThreads = h
	return l
}

// renderThreadsButton is the conversation list's way to the Threads
// view, with the unread replies of the followed threads.
func renderThreadsButton(lang Lang, m *client.Model, open func(app.Context)) app.UI {
	if open == nil {
		return nil
	}
	unread := m.ThreadsUnread()
	return app.Button().ID("threads-btn").Type("button").Class("threads-btn", classIf("has-unread", unread > 0)).
		OnClick(func(ctx app.Context, e app.Event) { open(ctx) }).Body(
		app.Span().Class("conv-name").Text(T(lang, "threads.title")),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("unread").Text(strconv.Itoa(unread))
		}),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("visually-hidden").Text(" " + T(lang, "conv.unread.sr"))
		}),
	)
}

// repliesText says how many replies a thread has.
func repliesText(l Lang, n int) string {
	if n == 1 {
		return T(l, "thread.replies.one")
	}
	return T(l, "thread.replies", n)
}
