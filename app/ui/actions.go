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

// actionsState is the Shell's side of message actions. It changes on the
// UI goroutine only.
type actionsState struct {
	replyTo *chat.Entry // the message the composer answers
	editing *editTarget // the message the composer edits

	confirm     *chat.Entry // the message whose delete waits for a confirmation
	confirmBack string      // the element to focus again when the dialog closes

	picker     uint64 // the message whose emoji picker is open (0: none)
	pickerBack string
	pickerErr  string // why the emoji typed was refused

	jump  uint64 // a quoted message being looked for, page by older page
	flash uint64 // the message highlighted after a jump to it
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
func (s *Shell) mayDelete(e chat.Entry) bool {
	return s.mine(e) || (e.Kind == chat.EntryMessage && mayModerate(s.model.Convs[e.Conv]))
}

// mayEdit reports whether the user may edit message e: its author.
func (s *Shell) mayEdit(e chat.Entry) bool { return s.mine(e) }

func (s *Shell) mine(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && html.UnescapeString(e.From) == s.model.Me
}

// actionable reports whether message e takes actions now: not deleted,
// not being deleted.
func (s *Shell) actionable(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && !e.Deleted && s.model.PendingOn(e.Conv, e.Seq).Delete == nil
}

// message returns message seq of conv as the model holds it now. The
// timeline's handlers look it up when clicked: go-app keeps a handler
// whose code is the same, so what a closure captured may be stale.
func (s *Shell) message(conv string, seq uint64) (chat.Entry, bool) {
	if c := s.model.Convs[conv]; c != nil {
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
func (s *Shell) onMessage(conv string, seq uint64, do func(app.Context, chat.Entry)) (app.EventHandler, app.EventOption) {
	return func(ctx app.Context, ev app.Event) {
		if e, ok := s.message(conv, seq); ok {
			do(ctx, e)
		}
	}, app.EventScope(conv, seq)
}

// seqID is the id of an element about message seq.
func seqID(prefix string, seq uint64) string { return prefix + strconv.FormatUint(seq, 10) }

// renderActionBar is the bar of what the user may do with message e.
func (s *Shell) renderActionBar(e chat.Entry) app.UI {
	if !s.actionable(e) {
		return nil
	}
	l := s.lang
	open := s.acts.picker == e.Seq
	// No names in attributes: the message's own meta says whose it is.
	return app.Div().Class("msg-actions").Role("group").Aria("label", T(l, "act.bar")).Body(
		app.Button().ID(seqID("act-reply-", e.Seq)).Type("button").Class("act", "act-reply").
			Title(T(l, "act.reply.title")).Text(T(l, "act.reply")).
			OnClick(s.onMessage(e.Conv, e.Seq, s.startReply)),
		app.Button().ID(seqID("act-react-", e.Seq)).Type("button").Class("act", "act-react").
			Aria("haspopup", "dialog").Aria("expanded", boolText(open)).
			Title(T(l, "act.react.title")).Text(T(l, "act.react")).
			OnClick(s.onMessage(e.Conv, e.Seq, s.togglePicker)),
		app.If(s.mayEdit(e), func() app.UI {
			return app.Button().ID(seqID("act-edit-", e.Seq)).Type("button").Class("act", "act-edit").
				Text(T(l, "act.edit")).OnClick(s.onMessage(e.Conv, e.Seq, s.startEdit))
		}),
		app.If(s.mayDelete(e), func() app.UI {
			return app.Button().ID(seqID("act-del-", e.Seq)).Type("button").Class("act", "act-delete").
				Aria("haspopup", "dialog").Text(T(l, "act.delete")).
				OnClick(s.onMessage(e.Conv, e.Seq, s.askDelete))
		}),
	)
}

// renderQuote is what a reply shows of the message it answers: a button
// that jumps to it. The quote's text is the server's escaped text, shown
// as text.
func (s *Shell) renderQuote(q *chat.Quote) app.UI {
	if q == nil {
		return nil
	}
	from := html.UnescapeString(q.From)
	text := html.UnescapeString(q.Text)
	if q.Deleted {
		text = T(s.lang, "quote.deleted")
	}
	seq := q.Seq
	return app.Button().Type("button").Class("quote", classIf("deleted", q.Deleted)).DataSet("target", strconv.FormatUint(seq, 10)).
		Title(T(s.lang, "quote.jump")).OnClick(func(ctx app.Context, ev app.Event) { s.jumpTo(ctx, seq) }, app.EventScope(seq)).Body(
		app.Span().Class("quote-from").Text(from),
		app.Span().Class("quote-text").Text(text),
	)
}

// renderMessageBody is the text of message e as it stands: deleted, with
// an edit or a delete waiting in the outbox, or the server's markup (with
// the user's mentions marked).
func (s *Shell) renderMessageBody(e chat.Entry) []app.UI {
	l := s.lang
	if e.Deleted {
		return []app.UI{app.Div().Class("body", "deleted").Text(T(l, "msg.deleted"))}
	}
	p := s.model.PendingOn(e.Conv, e.Seq)
	body := app.Raw(s.model.MarkMentions(e))
	if p.Edit != nil {
		body = app.Div().Class("body", "edit-pending").Text(p.Edit.Text)
	}
	out := []app.UI{body}
	switch {
	case p.Delete != nil:
		out = append(out, app.Span().Class("act-status", "deleting").Text(T(l, "msg.deleting")))
	case p.Edit != nil:
		out = append(out, app.Span().Class("act-status", "saving").Text(T(l, "msg.saving")))
	}
	return out
}

// renderEdited is the "(edited)" of a message, its time in the tooltip.
func (s *Shell) renderEdited(e chat.Entry, now time.Time) app.UI {
	if e.Edited == 0 || e.Deleted {
		return nil
	}
	at := time.UnixMilli(e.Edited)
	return app.Span().Class("edited-tag").Title(T(s.lang, "msg.edited.at", FullTime(s.lang, at, now))).
		Text(T(s.lang, "msg.edited"))
}

// renderFailedActions lists the user's actions on conv that the server
// refused for good, each with why and Dismiss.
func (s *Shell) renderFailedActions(conv string) []app.UI {
	var out []app.UI
	for _, o := range s.model.Actions(conv) {
		if o.Failed == "" {
			continue
		}
		id := o.ID
		out = append(out, app.Div().Class("action-failed").Role("alert").DataSet("id", o.ID.Device+":"+strconv.FormatUint(o.ID.N, 10)).
			DataSet("code", string(o.FailCode)).Body(
			app.Span().Text(T(s.lang, "act.failed."+string(o.Kind), actionError(s.lang, o.FailCode, o.Failed))),
			app.Button().Type("button").Class("link", "dismiss-action").Text(T(s.lang, "btn.dismiss")).
				OnClick(func(ctx app.Context, ev app.Event) { s.onDiscardPending(ctx, id) }, app.EventScope(id.Device, id.N)),
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
func (s *Shell) composerMode() *composerMode {
	switch a := &s.acts; {
	case a.editing != nil:
		return &composerMode{kind: "edit", label: T(s.lang, "composer.editing"), cancel: T(s.lang, "composer.edit.cancel")}
	case a.replyTo != nil:
		q := client.QuoteOf(*a.replyTo)
		return &composerMode{kind: "reply", label: T(s.lang, "composer.replying", html.UnescapeString(q.From)),
			text: html.UnescapeString(q.Text), cancel: T(s.lang, "composer.reply.cancel")}
	}
	return nil
}

// startReply makes the composer answer message e.
func (s *Shell) startReply(ctx app.Context, e chat.Entry) {
	if s.acts.editing != nil {
		s.leaveEdit()
	}
	s.acts.replyTo = &e
	s.rev++
	s.afterRender(ctx, func() { focusID("composer") })
}

// startEdit puts the text of the user's message e in the composer, to
// edit it there.
func (s *Shell) startEdit(ctx app.Context, e chat.Entry) {
	s.edit(ctx, &editTarget{conv: e.Conv, seq: e.Seq, text: chat.PlainText(e.HTML)})
}

func (s *Shell) edit(ctx app.Context, t *editTarget) {
	s.acts.replyTo = nil
	s.acts.editing = t
	s.rev++
	text := t.text
	if p := s.model.PendingOn(t.conv, t.seq); t.seq != 0 && p.Edit != nil {
		text = p.Edit.Text // an edit that waits is the text as it will be
	}
	s.afterRender(ctx, func() { setComposer(text) })
}

// editLast edits the user's latest message of the conversation in view
// (↑ in an empty composer), and reports whether there was one: the last
// still in this tab's outbox, or else the last of the timeline.
func (s *Shell) editLast(ctx app.Context) bool {
	id := s.model.Active
	c := s.model.Convs[id]
	if c == nil {
		return false
	}
	for i := len(s.model.Outbox) - 1; i >= 0; i-- {
		o := s.model.Outbox[i]
		if !o.IsAction() && o.Conv == id && o.Failed == "" {
			s.edit(ctx, &editTarget{conv: id, id: o.ID, text: o.Text})
			return true
		}
	}
	for i := len(c.Entries) - 1; i >= 0; i-- {
		if e := c.Entries[i]; s.mine(e) && s.actionable(e) {
			s.startEdit(ctx, e)
			return true
		}
	}
	return false
}

// leaveEdit ends edit mode and empties the composer, which held the
// message's text.
func (s *Shell) leaveEdit() {
	s.acts.editing = nil
	clearInput("composer")
}

// cancelComposerMode leaves reply or edit mode (× or Escape); it reports
// whether there was one.
func (s *Shell) cancelComposerMode(ctx app.Context) bool {
	switch {
	case s.acts.editing != nil:
		s.leaveEdit()
	case s.acts.replyTo != nil:
		s.acts.replyTo = nil
	default:
		return false
	}
	s.rev++
	s.afterRender(ctx, func() { focusID("composer") })
	return true
}

// submitInMode sends what the composer holds as a reply or an edit, and
// reports whether the composer was in such a mode (handled) and whether
// the text was taken.
func (s *Shell) submitInMode(ctx app.Context, line string) (handled, taken bool) {
	a := &s.acts
	switch {
	case a.editing != nil:
		return true, s.submitEdit(ctx, line)
	case a.replyTo != nil && s.model.Active == a.replyTo.Conv:
		if _, _, cmd := client.ParseCommand(line); cmd || strings.HasPrefix(line, "/join ") {
			return false, false
		}
		files, waiting, ok := s.takeFiles()
		if !ok {
			return true, false
		}
		if s.session == nil {
			return true, false
		}
		// Files attached offline are stored with it, and go up first (offline_files.go).
		if _, err := s.session.ReplyWaiting(a.replyTo.Conv, line, *a.replyTo, files, waiting); err != nil {
			s.notice = errorText(s.lang, err)
			return true, false
		}
		s.notice = ""
		s.stick = true
		s.att.sent()
		a.replyTo = nil
		s.afterOutbox(ctx)
		return true, true
	}
	return false, false
}

func (s *Shell) submitEdit(ctx app.Context, line string) bool {
	t := s.acts.editing
	if _, err := chat.CleanText(line); err != nil {
		s.notice = err.(*chat.Error).Message
		return false
	}
	if s.session == nil {
		return false
	}
	s.notice = ""
	s.acts.editing = nil
	if strings.TrimSpace(line) == strings.TrimSpace(t.text) {
		return true // nothing changed: nothing to send
	}
	if t.seq == 0 {
		ok, err := s.session.EditPending(t.id, line)
		if !ok && err == nil {
			s.notice = T(s.lang, "act.edit.gone")
			return true
		}
		s.report(err)
	} else if _, err := s.session.Edit(t.conv, t.seq, line); err != nil {
		s.notice = errorText(s.lang, err)
		return false
	}
	s.afterOutbox(ctx)
	return true
}

// afterOutbox writes what the outbox lets go and keeps it in the browser
// (also offline), after an action was added.
func (s *Shell) afterOutbox(ctx app.Context) {
	s.rev++
	s.afterActionPWA(ctx)
}

// askDelete opens the confirmation of deleting message e.
func (s *Shell) askDelete(ctx app.Context, e chat.Entry) {
	s.acts.confirm = &e
	s.acts.confirmBack = seqID("act-del-", e.Seq)
	s.rev++
	s.afterRender(ctx, func() { focusID("delete-cancel") })
}

// closeDelete closes the confirmation, the focus back where it was.
func (s *Shell) closeDelete(ctx app.Context) {
	back := s.acts.confirmBack
	s.acts.confirm, s.acts.confirmBack = nil, ""
	s.rev++
	s.afterRender(ctx, func() {
		if el := app.Window().GetElementByID(back); el.Truthy() {
			el.Call("focus")
		} else {
			focusID("composer")
		}
	})
}

// confirmDelete deletes the message the dialog asked about.
func (s *Shell) confirmDelete(ctx app.Context) {
	e := s.acts.confirm
	s.closeDelete(ctx)
	if e == nil {
		return
	}
	if r := s.acts.replyTo; r != nil && r.Conv == e.Conv && r.Seq == e.Seq {
		s.acts.replyTo = nil
	}
	if t := s.acts.editing; t != nil && t.conv == e.Conv && t.seq == e.Seq {
		s.leaveEdit()
	}
	if s.session != nil {
		if _, err := s.session.Delete(e.Conv, e.Seq); err != nil {
			s.notice = errorText(s.lang, err)
		}
	}
	s.afterOutbox(ctx)
}

// renderDeleteDialog is the confirmation of a delete: a modal alert
// dialog, labelled and described, Cancel focused first; Escape cancels.
func (s *Shell) renderDeleteDialog() app.UI {
	e := s.acts.confirm
	if e == nil {
		return nil
	}
	l := s.lang
	preview := chat.QuoteText(e.HTML)
	return app.Div().ID("delete-overlay").Class("overlay").OnClick(func(ctx app.Context, ev app.Event) {
		if ev.Get("target").Get("id").String() == "delete-overlay" {
			s.closeDelete(ctx)
		}
	}).Body(
		app.Div().ID("delete-dialog").Class("confirm-dialog").Role("alertdialog").Aria("modal", "true").
			Aria("labelledby", "delete-title").Aria("describedby", "delete-desc").
			OnKeyDown(s.onDeleteDialogKey).Body(
			app.H2().ID("delete-title").Text(T(l, "delete.title")),
			app.P().ID("delete-desc").Text(T(l, "delete.text")),
			app.Blockquote().Class("delete-preview").Text(html.UnescapeString(preview)),
			app.Div().Class("dialog-buttons").Body(
				app.Button().ID("delete-cancel").Type("button").Text(T(l, "btn.cancel")).
					OnClick(func(ctx app.Context, ev app.Event) { s.closeDelete(ctx) }),
				app.Button().ID("delete-confirm").Type("button").Class("danger").Text(T(l, "delete.confirm")).
					OnClick(func(ctx app.Context, ev app.Event) { s.confirmDelete(ctx) }),
			),
		),
	)
}

// onDeleteDialogKey: Escape cancels, Tab stays between the two buttons.
func (s *Shell) onDeleteDialogKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation")
		s.closeDelete(ctx)
	case "Tab":
		e.PreventDefault()
		if activeElementID() == "delete-cancel" {
			focusID("delete-confirm")
		} else {
			focusID("delete-cancel")
		}
	}
}

// jumpTo scrolls to message seq of the conversation in view and
// highlights it, loading older pages until it is there.
func (s *Shell) jumpTo(ctx app.Context, seq uint64) {
	c := s.model.Convs[s.model.Active]
	if c == nil || seq == 0 {
		return
	}
	for _, e := range c.Entries {
		if e.Seq == seq {
			s.acts.jump = 0
			s.acts.flash = seq
			s.stick = false
			s.rev++
			s.afterRender(ctx, func() { scrollToMessage(seq) })
			ctx.After(flashFor, func(ctx app.Context) {
				if s.acts.flash == seq {
					s.acts.flash = 0
					s.rev++
				}
			})
			return
		}
	}
	if c.Start || (len(c.Entries) > 0 && c.Entries[0].Seq < seq) {
		s.acts.jump = 0 // not held any more: nothing to show
		s.notice = T(s.lang, "quote.gone")
		s.rev++
		return
	}
	s.acts.jump = seq
	s.stick = false
	s.onOlder(ctx)
}

// beforeApplyActions follows a frame before the model folds it in: an edit
// or a delete of a message takes what the live region said of it away,
// so that a deleted text is nowhere in the page.
func (s *Shell) beforeApplyActions(f chat.Frame) {
	e, ok := f.(*chat.Entry)
	if !ok || (e.Kind != chat.EntryEdit && e.Kind != chat.EntryDelete) {
		return
	}
	if c := s.model.Convs[e.Conv]; c != nil {
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

// onEventActions follows a frame for the message actions (eventAction): a
// page of older entries may hold the message a jump looks for, and the
// message the composer answers may have changed (a deleted one is quoted
// so).
func (s *Shell) onEventActions(ctx app.Context, a app.Action) {
	f := eventFrame(a)
	if f == nil {
		return
	}
	if p, ok := f.(*chat.Page); ok && s.acts.jump != 0 && p.Conv == s.model.Active {
		s.jumpTo(ctx, s.acts.jump)
	}
	if r := s.acts.replyTo; r != nil {
		if c := s.model.Convs[r.Conv]; c != nil {
			for _, e := range c.Entries {
				if e.Seq == r.Seq {
					s.acts.replyTo = &e
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

// scrollToMessage brings the element of message seq into view, centred,
// and gives it the focus for screen readers and the keyboard.
func scrollToMessage(seq uint64) {
	if !app.IsClient {
		return
	}
	el := app.Window().Get("document").Call("querySelector", `#timeline .entry.msg[data-seq="`+strconv.FormatUint(seq, 10)+`"]`)
	if el.Truthy() {
		el.Call("scrollIntoView", map[string]any{"block": "center"})
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
