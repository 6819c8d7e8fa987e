package ui

import (
	"html"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// What a person does to a message: reply, edit, delete (after a
// confirmation) and react (reactions.go). Each message of the timeline has
// an action bar, shown on hover and when something in the message has the
// keyboard focus. Replying and editing put the composer in a mode, shown as
// a chip above it (× or Escape leaves it). Every action goes through the
// outbox (client/actions.go) and shows as pending until the server
// acknowledges it; one the server refuses for good shows why until it is
// dismissed.

// actionsState is the conversation pane's state of the message actions.
// It changes on the UI goroutine only.
type actionsState struct {
	replyTo *chat.Entry // the message the composer answers
	editing *editTarget // the message the composer edits

	confirm     *chat.Entry // the message whose delete waits for a confirmation
	confirmBack string      // the element to focus again when the dialog closes

	picker emojiPicker // reactions.go

	jump     uint64 // a message being looked for, page by older page (search.go)
	jumpGone string // the key of what to say when it is no longer kept
	flash    uint64 // the message highlighted after a jump to it
}

// editTarget is the message the composer edits: one of the timeline (Seq)
// or one still in the outbox (ID).
type editTarget struct {
	conv string
	seq  uint64
	id   chat.MsgID
	text string // its text when the edit began
}

// flashFor is how long a message jumped to stays highlighted.
const flashFor = 2 * time.Second

// mayDelete reports whether the user may delete message e: its author,
// or whoever moderates its room (the room's owner, an admin).
func (p *conversationPane) mayDelete(e chat.Entry) bool {
	return p.mine(e) || (e.Kind == chat.EntryMessage && mayModerate(p.Imodel.Convs[e.Conv]))
}

// mayEdit reports whether the user may edit message e: its author.
func (p *conversationPane) mayEdit(e chat.Entry) bool { return p.mine(e) }

func (p *conversationPane) mine(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && html.UnescapeString(e.From) == p.Imodel.Me
}

// actionable reports whether message e takes actions now: not deleted,
// not being deleted.
func (p *conversationPane) actionable(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && !e.Deleted && p.Imodel.PendingOn(e.Conv, e.Seq).Delete == nil
}

// message returns message seq of conv as the model holds it now. The
// timeline's handlers look it up when clicked: go-app keeps a handler
// whose code is the same, so what a closure captured may be stale.
func (p *conversationPane) message(conv string, seq uint64) (chat.Entry, bool) {
	if c := p.Imodel.Convs[conv]; c != nil {
		for _, e := range c.Entries {
			if e.Seq == seq {
				return e, true
			}
		}
	}
	return chat.Entry{}, false
}

// onMessage returns a click handler that calls do with message seq of
// conv as it is at the click, scoped to that message.
func (p *conversationPane) onMessage(conv string, seq uint64, do func(app.Context, chat.Entry)) (app.EventHandler, app.EventOption) {
	return func(ctx app.Context, ev app.Event) {
		if e, ok := p.message(conv, seq); ok {
			do(ctx, e)
		}
	}, app.EventScope(conv, seq)
}

// seqID is the id of an element about message seq.
func seqID(prefix string, seq uint64) string { return prefix + strconv.FormatUint(seq, 10) }

// renderActionBar is the bar of what the user may do with message e.
func (p *conversationPane) renderActionBar(e chat.Entry) app.UI {
	if !p.actionable(e) {
		return nil
	}
	l := p.Ilang
	open := p.acts.picker.isOpen(e.Seq)
	// No names in attributes: the message's own meta says whose it is.
	return app.Div().Class("msg-actions").Role("group").Aria("label", T(l, "act.bar")).Body(
		app.Button().ID(seqID("act-reply-", e.Seq)).Type("button").Class("act", "act-reply").
			Title(T(l, "act.reply.title")).Text(T(l, "act.reply")).
			OnClick(p.onMessage(e.Conv, e.Seq, p.startReply)),
		app.If(p.IonThread != nil, func() app.UI { // thread.go
			return app.Button().ID(seqID("act-thread-", e.Seq)).Type("button").Class("act", "act-thread").
				Text(T(l, "act.thread")).OnClick(p.onMessage(e.Conv, e.Seq, p.openThreadOf))
		}),
		app.Button().ID(seqID("act-react-", e.Seq)).Type("button").Class("act", "act-react").
			Aria("haspopup", "dialog").Aria("expanded", boolText(open)).
			Title(T(l, "act.react.title")).Text(T(l, "act.react")).
			OnClick(p.onMessage(e.Conv, e.Seq, p.togglePicker)),
		app.If(p.mayEdit(e), func() app.UI {
			return app.Button().ID(seqID("act-edit-", e.Seq)).Type("button").Class("act", "act-edit").
				Text(T(l, "act.edit")).OnClick(p.onMessage(e.Conv, e.Seq, p.startEdit))
		}),
		app.If(p.mayDelete(e), func() app.UI {
			return app.Button().ID(seqID("act-del-", e.Seq)).Type("button").Class("act", "act-delete").
				Aria("haspopup", "dialog").Text(T(l, "act.delete")).
				OnClick(p.onMessage(e.Conv, e.Seq, p.askDelete))
		}),
	)
}

// renderQuote is what a reply shows of the message it answers: a button
// that jumps to it. The quote's text is the server's escaped text, shown
// as text.
func (p *conversationPane) renderQuote(q *chat.Quote) app.UI {
	if q == nil {
		return nil
	}
	from := html.UnescapeString(q.From)
	text := html.UnescapeString(q.Text)
	if q.Deleted {
		text = T(p.Ilang, "quote.deleted")
	}
	seq := q.Seq
	return app.Button().Type("button").Class("quote", classIf("deleted", q.Deleted)).DataSet("target", strconv.FormatUint(seq, 10)).
		Title(T(p.Ilang, "quote.jump")).OnClick(func(ctx app.Context, ev app.Event) { p.jumpTo(ctx, seq, "quote.gone") }, app.EventScope(seq)).Body(
		app.Span().Class("quote-from").Text(from),
		app.Span().Class("quote-text").Text(text),
	)
}

// renderMessageBody is the text of message e as it stands: deleted, with
// an edit or a delete waiting in the outbox, or the server's markup (with
// the user's mentions marked, and a Copy button on each code block).
func (p *conversationPane) renderMessageBody(e chat.Entry) []app.UI {
	l := p.Ilang
	if e.Deleted {
		return []app.UI{app.Div().Class("body", "deleted").Text(T(l, "msg.deleted"))}
	}
	w := p.Imodel.PendingOn(e.Conv, e.Seq)
	body := app.Raw(withCopyButtons(p.Imodel.MarkMentions(e), l))
	if w.Edit != nil {
		body = app.Div().Class("body", "edit-pending").Text(w.Edit.Text)
	}
	out := []app.UI{body}
	switch {
	case w.Delete != nil:
		out = append(out, app.Span().Class("act-status", "deleting").Text(T(l, "msg.deleting")))
	case w.Edit != nil:
		out = append(out, app.Span().Class("act-status", "saving").Text(T(l, "msg.saving")))
	}
	return out
}

// renderEdited is the "(edited)" of a message, its time in the tooltip.
func (p *conversationPane) renderEdited(e chat.Entry, now time.Time) app.UI {
	if e.Edited == 0 || e.Deleted {
		return nil
	}
	at := time.UnixMilli(e.Edited)
	return app.Span().Class("edited-tag").Title(T(p.Ilang, "msg.edited.at", FullTime(p.Ilang, at, now))).
		Text(T(p.Ilang, "msg.edited"))
}

// renderFailedActions lists the user's actions on conv that the server
// refused for good, each with why and Dismiss.
func (p *conversationPane) renderFailedActions(conv string) []app.UI {
	var out []app.UI
	for _, o := range p.Imodel.Actions(conv) {
		if o.Failed == "" {
			continue
		}
		id := o.ID
		out = append(out, app.Div().Class("action-failed").Role("alert").DataSet("id", o.ID.Device+":"+strconv.FormatUint(o.ID.N, 10)).
			DataSet("code", string(o.FailCode)).Body(
			app.Span().Text(T(p.Ilang, "act.failed."+string(o.Kind), actionError(p.Ilang, o.FailCode, o.Failed))),
			app.Button().Type("button").Class("link", "dismiss-action").Text(T(p.Ilang, "btn.dismiss")).
				OnClick(func(ctx app.Context, ev app.Event) { p.discard(ctx, id) }, app.EventScope(id.Device, id.N)),
		))
	}
	return out
}

// actionError says in words why the server refused an action.
func actionError(l Lang, code chat.Code, message string) string {
	if key := "err." + string(code); text[key] != [2]string{} {
		return T(l, key)
	}
	return message
}

// composerMode is what the chip above the composer says while it answers or
// edits a message (nil: neither).
func (p *conversationPane) composerMode() *composerMode {
	switch a := &p.acts; {
	case a.editing != nil:
		return &composerMode{kind: "edit", label: T(p.Ilang, "composer.editing"), cancel: T(p.Ilang, "composer.edit.cancel")}
	case a.replyTo != nil:
		q := client.QuoteOf(*a.replyTo)
		return &composerMode{kind: "reply", label: T(p.Ilang, "composer.replying", html.UnescapeString(q.From)),
			text: html.UnescapeString(q.Text), cancel: T(p.Ilang, "composer.reply.cancel")}
	}
	return nil
}

// startReply makes the composer answer message e.
func (p *conversationPane) startReply(ctx app.Context, e chat.Entry) {
	if p.acts.editing != nil {
		p.leaveEdit()
	}
	p.acts.replyTo = &e
	p.afterRender(func() { focusID("composer") })
}

// startEdit puts the text of the user's message e in the composer, as
// they typed it (its Markdown), to edit it there.
func (p *conversationPane) startEdit(ctx app.Context, e chat.Entry) {
	p.edit(ctx, &editTarget{conv: e.Conv, seq: e.Seq, text: chat.SourceText(e.HTML)})
}

func (p *conversationPane) edit(ctx app.Context, t *editTarget) {
	p.acts.replyTo = nil
	p.acts.editing = t
	text := t.text
	if p := p.Imodel.PendingOn(t.conv, t.seq); t.seq != 0 && p.Edit != nil {
		text = p.Edit.Text // an edit that waits is the text as it will be
	}
	p.afterRender(func() { setComposer(text) })
}

// editLast edits the user's latest message of the conversation in view
// (↑ in an empty composer), and reports whether there was one: the last
// still in this tab's outbox, or else the last of the timeline.
func (p *conversationPane) editLast(ctx app.Context) bool {
	id := p.Imodel.Active
	c := p.Imodel.Convs[id]
	if c == nil {
		return false
	}
	for i := len(p.Imodel.Outbox) - 1; i >= 0; i-- {
		o := p.Imodel.Outbox[i]
		if !o.IsAction() && o.Conv == id && o.Failed == "" {
			p.edit(ctx, &editTarget{conv: id, id: o.ID, text: o.Text})
			return true
		}
	}
	for i := len(c.Entries) - 1; i >= 0; i-- {
		if e := c.Entries[i]; p.mine(e) && p.actionable(e) {
			p.startEdit(ctx, e)
			return true
		}
	}
	return false
}

// leaveEdit ends edit mode and empties the composer, which held the
// message's text.
func (p *conversationPane) leaveEdit() {
	p.acts.editing = nil
	clearInput("composer")
}

// cancelComposerMode leaves reply or edit mode (× or Escape); it reports
// whether there was one.
func (p *conversationPane) cancelComposerMode(ctx app.Context) bool {
	switch {
	case p.acts.editing != nil:
		p.leaveEdit()
	case p.acts.replyTo != nil:
		p.acts.replyTo = nil
	default:
		return false
	}
	p.afterRender(func() { focusID("composer") })
	return true
}

// onSubmit sends what the composer holds: an edit or a reply while the
// composer is in such a mode, "/search" and "/join" to the Shell, else a
// message (client.ParseCommand: "/msg name text" is a private one); it
// reports whether the text was taken (and the composer may clear).
func (p *conversationPane) onSubmit(ctx app.Context, line string) bool {
	a := &p.acts
	switch {
	case a.editing != nil:
		return p.submitEdit(ctx, line)
	case a.replyTo != nil && p.Imodel.Active == a.replyTo.Conv:
		if _, _, cmd := client.ParseCommand(line); !cmd && !strings.HasPrefix(line, "/join ") {
			return p.reply(ctx, line, *a.replyTo)
		}
	}
	if to, text, ok := client.ParseCommand(line); ok {
		return p.compose(ctx, "", to, text)
	}
	if words, ok := strings.CutPrefix(line, "/search "); ok {
		p.IonSearch(ctx, words)
		return true
	}
	if room, ok := strings.CutPrefix(line, "/join "); ok {
		p.IonJoin(ctx, room)
		return true
	}
	if p.Imodel.Active == "" {
		return false
	}
	return p.compose(ctx, p.Imodel.Active, "", line)
}

// compose has the Session keep the message, with the files attached, in
// the outbox (stored in the browser before it is sent) and send it; it
// reports whether the message was taken, and otherwise shows why (the text
// stays in the composer).
func (p *conversationPane) compose(ctx app.Context, conv, to, text string) bool {
	files, waiting, ok := p.att.take(ctx, p.Ilang)
	if !ok || p.Isession == nil {
		return false
	}
	// Files attached offline are stored with it, and go up first (offline_files.go).
	if _, err := p.Isession.ComposeWaiting(conv, to, text, files, waiting); err != nil {
		p.notify(ctx, errorText(p.Ilang, err))
		return false
	}
	p.notify(ctx, "")
	p.att.sent()
	p.IonSent(ctx, true)
	return true
}

// reply has the Session keep and send a reply to e, with the files
// attached; it reports whether it was taken, and otherwise shows why.
func (p *conversationPane) reply(ctx app.Context, line string, e chat.Entry) bool {
	files, waiting, ok := p.att.take(ctx, p.Ilang)
	if !ok || p.Isession == nil {
		return false
	}
	// Files attached offline are stored with it, and go up first (offline_files.go).
	if _, err := p.Isession.ReplyWaiting(e.Conv, line, e, files, waiting); err != nil {
		p.notify(ctx, errorText(p.Ilang, err))
		return false
	}
	p.notify(ctx, "")
	p.att.sent()
	p.acts.replyTo = nil
	p.IonSent(ctx, false)
	return true
}

func (p *conversationPane) submitEdit(ctx app.Context, line string) bool {
	t := p.acts.editing
	if _, err := chat.CleanText(line); err != nil {
		p.notify(ctx, err.(*chat.Error).Message)
		return false
	}
	if p.Isession == nil {
		return false
	}
	p.notify(ctx, "")
	p.acts.editing = nil
	if strings.TrimSpace(line) == strings.TrimSpace(t.text) {
		return true // nothing changed: nothing to send
	}
	if t.seq == 0 {
		ok, err := p.Isession.EditPending(t.id, line)
		if !ok && err == nil {
			p.notify(ctx, T(p.Ilang, "act.edit.gone"))
			return true
		}
		if err != nil {
			p.notify(ctx, errorText(p.Ilang, err))
		}
	} else if _, err := p.Isession.Edit(t.conv, t.seq, line); err != nil {
		p.notify(ctx, errorText(p.Ilang, err))
		return false
	}
	p.outboxChanged(ctx)
	return true
}

// askDelete opens the confirmation of deleting message e.
func (p *conversationPane) askDelete(ctx app.Context, e chat.Entry) {
	p.acts.confirm = &e
	p.acts.confirmBack = seqID("act-del-", e.Seq)
	p.afterRender(func() { focusID("delete-cancel") })
}

// closeDelete closes the confirmation, the focus back where it was.
func (p *conversationPane) closeDelete(ctx app.Context) {
	back := p.acts.confirmBack
	p.acts.confirm, p.acts.confirmBack = nil, ""
	p.afterRender(func() {
		if el := app.Window().GetElementByID(back); el.Truthy() {
			el.Call("focus")
		} else {
			focusID("composer")
		}
	})
}

// confirmDelete deletes the message the dialog asked about.
func (p *conversationPane) confirmDelete(ctx app.Context) {
	e := p.acts.confirm
	p.closeDelete(ctx)
	if e == nil {
		return
	}
	if r := p.acts.replyTo; r != nil && r.Conv == e.Conv && r.Seq == e.Seq {
		p.acts.replyTo = nil
	}
	if t := p.acts.editing; t != nil && t.conv == e.Conv && t.seq == e.Seq {
		p.leaveEdit()
	}
	if p.Isession != nil {
		if _, err := p.Isession.Delete(e.Conv, e.Seq); err != nil {
			p.notify(ctx, errorText(p.Ilang, err))
		}
	}
	p.outboxChanged(ctx)
}

// renderDeleteDialog is the confirmation of a delete: a modal alert
// dialog, labelled and described, Cancel focused first; Escape cancels.
func (p *conversationPane) renderDeleteDialog() app.UI {
	e := p.acts.confirm
	if e == nil {
		return nil
	}
	l := p.Ilang
	preview := chat.QuoteText(e.HTML)
	return app.Div().ID("delete-overlay").Class("overlay").OnClick(func(ctx app.Context, ev app.Event) {
		if ev.Get("target").Get("id").String() == "delete-overlay" {
			p.closeDelete(ctx)
		}
	}).Body(
		app.Div().ID("delete-dialog").Class("confirm-dialog").Role("alertdialog").Aria("modal", "true").
			Aria("labelledby", "delete-title").Aria("describedby", "delete-desc").
			OnKeyDown(p.onDeleteDialogKey).Body(
			app.H2().ID("delete-title").Text(T(l, "delete.title")),
			app.P().ID("delete-desc").Text(T(l, "delete.text")),
			app.Blockquote().Class("delete-preview").Text(html.UnescapeString(preview)),
			app.Div().Class("dialog-buttons").Body(
				app.Button().ID("delete-cancel").Type("button").Text(T(l, "btn.cancel")).
					OnClick(func(ctx app.Context, ev app.Event) { p.closeDelete(ctx) }),
				app.Button().ID("delete-confirm").Type("button").Class("danger").Text(T(l, "delete.confirm")).
					OnClick(func(ctx app.Context, ev app.Event) { p.confirmDelete(ctx) }),
			),
		),
	)
}

// onDeleteDialogKey: Escape cancels, Tab stays between the two buttons.
func (p *conversationPane) onDeleteDialogKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation")
		p.closeDelete(ctx)
	case "Tab":
		e.PreventDefault()
		if activeElementID() == "delete-cancel" {
			focusID("delete-confirm")
		} else {
			focusID("delete-cancel")
		}
	}
}

// jumpTo scrolls to message seq of the conversation in view,
// highlights it for a moment and moves the focus to it, loading older
// pages until it is there; gone is the key of what to say when the
// conversation no longer keeps it. It is the one way to show a message:
// a quote's, a search hit's, a notification's (search.go).
func (p *conversationPane) jumpTo(ctx app.Context, seq uint64, gone string) {
	c := p.Imodel.Convs[p.Imodel.Active]
	if c == nil || seq == 0 {
		return
	}
	p.acts.jump, p.acts.jumpGone = 0, gone
	p.unstick(ctx)
	if c.Holds(seq) {
		p.acts.flash = seq
		p.afterRender(func() { showMessage(seq) })
		ctx.After(flashFor, func(ctx app.Context) {
			if p.acts.flash == seq {
				p.acts.flash = 0
			}
		})
		return
	}
	if !c.Ready || c.LoadingOlder() || len(c.Entries) > 0 && seq > c.Entries[len(c.Entries)-1].Seq {
		p.acts.jump = seq // its pages are on their way, or it is newer than the window (a notification's)
		return
	}
	if c.Start || (len(c.Entries) > 0 && c.Entries[0].Seq < seq) {
		p.notify(ctx, T(p.Ilang, gone)) // not kept any more: nothing to show
		return
	}
	p.acts.jump = seq
	p.IonOlder(ctx)
}

// beforeApplyActions follows a frame before the model folds it in: an edit
// or a delete of a message takes what the live region said of it away,
// so that a deleted text is nowhere in the page.
func beforeApplyActions(m *client.Model, f chat.Frame) {
	e, ok := f.(*chat.Entry)
	if !ok || (e.Kind != chat.EntryEdit && e.Kind != chat.EntryDelete) {
		return
	}
	if c := m.Convs[e.Conv]; c != nil {
		for _, m := range c.Entries {
			if m.Seq == e.Target && !m.Deleted {
				unannounce(PlainText(m.HTML, 500))
			}
		}
	}
}

// failedAction reports whether e refused a message action of m that the
// timeline shows as failed, by the action, in the user's language.
func failedAction(m *client.Model, e *chat.Error) bool {
	if e.ID == nil {
		return false
	}
	o := m.Message(*e.ID)
	return o != nil && o.IsAction() && o.Failed != ""
}

// frameConv is the conversation a page or an entry belongs to, or "".
func frameConv(f chat.Frame) string {
	switch f := f.(type) {
	case *chat.Page:
		return f.Conv
	case *chat.Entry:
		return f.Conv
	}
	return ""
}

// onEvent follows a frame (eventAction): a typist is due to expire, a page
// of older entries may hold the message a jump looks for, and the message
// the composer answers may have changed (a deleted one is quoted so).
func (p *conversationPane) onEvent(ctx app.Context, a app.Action) {
	f := eventFrame(a)
	if f == nil {
		return
	}
	p.onTypist(ctx, f) // typing.go
	if p.acts.jump != 0 && frameConv(f) == p.Imodel.Active {
		p.jumpTo(ctx, p.acts.jump, p.acts.jumpGone) // a page of older entries, or the message arriving
	}
	if r := p.acts.replyTo; r != nil {
		if c := p.Imodel.Convs[r.Conv]; c != nil {
			for _, e := range c.Entries {
				if e.Seq == r.Seq {
					p.acts.replyTo = &e
					break
				}
			}
		}
	}
}

// unannounce removes the lines of the live region that end with text.
func unannounce(text string) {
	if !app.IsClient || text == "" {
		return
	}
	region := app.Window().GetElementByID("announcer")
	if !region.Truthy() {
		return
	}
	lines := region.Get("children")
	for i := lines.Length() - 1; i >= 0; i-- {
		if line := lines.Index(i); strings.HasSuffix(line.Get("textContent").String(), text) {
			region.Call("removeChild", line)
		}
	}
}

// setComposer puts text in the composer and the caret at its end.
func setComposer(text string) {
	if !app.IsClient {
		return
	}
	el := app.Window().GetElementByID("composer")
	if !el.Truthy() {
		return
	}
	el.Set("value", text)
	el.Call("focus")
	n := len(utf16.Encode([]rune(text))) // the caret counts UTF-16 units
	el.Call("setSelectionRange", n, n)
}

// composerMode is the chip above the composer while it answers or edits a
// message: what it says, and the label of its × button.
type composerMode struct {
	kind   string // "reply" or "edit"
	label  string
	text   string // the first line of the message answered
	cancel string
}

// Mode sets the composer's mode (nil: a new message).
func (c *composer) Mode(m *composerMode) *composer { c.Imode = m; return c }

// OnUp sets what ↑ in the empty composer does; it reports whether it did
// something.
func (c *composer) OnUp(f func(app.Context) bool) *composer { c.IonUp = f; return c }

// OnEscape sets what Escape does; it reports whether it did something.
func (c *composer) OnEscape(f func(app.Context) bool) *composer { c.IonEscape = f; return c }

// renderMode is the chip of the composer's mode: a note (name and first
// line, as text) and ×.
func (c *composer) renderMode() app.UI {
	m := c.Imode
	if m == nil {
		return nil
	}
	return app.Div().ID("composer-mode").Class("composer-chip", m.kind).Body(
		app.Span().Class("chip-label").Text(m.label),
		app.If(m.text != "", func() app.UI { return app.Span().Class("chip-text").Text(m.text) }),
		app.Button().ID("composer-mode-cancel").Type("button").Class("chip-cancel").Aria("label", m.cancel).Title(m.cancel).Text("×").
			OnClick(func(ctx app.Context, e app.Event) {
				if c.IonEscape != nil {
					c.IonEscape(ctx)
				}
			}),
	)
}

// onModeKey handles ↑ in the empty composer and Escape, and reports
// whether it did.
func (c *composer) onModeKey(ctx app.Context, e app.Event) bool {
	switch e.Get("key").String() {
	case "ArrowUp":
		if c.IonUp == nil || c.Imode != nil || ctx.JSSrc().Get("value").String() != "" {
			return false
		}
		if c.IonUp(ctx) {
			e.PreventDefault()
			return true
		}
	case "Escape":
		if c.IonEscape != nil && c.IonEscape(ctx) {
			e.PreventDefault()
			return true
		}
	}
	return false
}
