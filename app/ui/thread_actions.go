package ui

import (
	"html"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// What a person does to a reply in the thread panel (thread.go), through
// the same Session calls and outbox as in the timeline: react (the same
// picker as the timeline's, or toggle a reaction shown), edit their own
// reply in the thread's composer, delete their own (or, moderating the
// room, anyone's) after a second click.

// threadSeqID is the id of an element of the thread panel about reply seq.
func threadSeqID(prefix string, seq uint64) string {
	return "thread-" + prefix + "-" + strconv.FormatUint(seq, 10)
}

// reply returns reply seq of the open thread as the model holds it now.
func (p *threadPanel) reply(seq uint64) (chat.Entry, bool) {
	if c := p.Imodel.Convs[p.Imodel.Thread]; c != nil {
		for _, e := range c.Entries {
			if e.Seq == seq {
				return e, true
			}
		}
	}
	return chat.Entry{}, false
}

func (p *threadPanel) mine(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && html.UnescapeString(e.From) == p.Imodel.Me
}

// mayDelete reports whether the user may delete reply e: its author, or
// whoever moderates the thread's room.
func (p *threadPanel) mayDelete(e chat.Entry) bool {
	return p.mine(e) || mayModerate(p.Imodel.Convs[chat.ParentOf(e.Conv)])
}

// renderBody is a reply's text: "message deleted", an edit waiting in the
// outbox, or the server's markup; and what waits on it.
func (p *threadPanel) renderBody(e chat.Entry) []app.UI {
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

// actionable reports whether reply e takes actions: a message, not
// deleted, nor waiting to be.
func (p *threadPanel) actionable(e chat.Entry) bool {
	return e.Kind == chat.EntryMessage && !e.Deleted && p.Imodel.PendingOn(e.Conv, e.Seq).Delete == nil
}

// renderActions is the bar of what the user may do with reply e.
func (p *threadPanel) renderActions(e chat.Entry) app.UI {
	if !p.actionable(e) {
		return nil
	}
	l := p.Ilang
	seq := e.Seq
	return app.Div().Class("msg-actions", "thread-actions").Role("group").Aria("label", T(l, "act.bar", html.UnescapeString(e.From))).Body(
		app.Button().ID(threadSeqID("react", seq)).Type("button").Class("act", "act-react").
			Aria("haspopup", "dialog").Aria("expanded", boolText(p.picker.isOpen(seq))).
			Title(T(l, "act.react.title")).Text(T(l, "act.react")).
			OnClick(func(ctx app.Context, ev app.Event) { p.togglePicker(ctx, seq) }, app.EventScope(seq)),
		app.If(p.mine(e), func() app.UI {
			return app.Button().ID(threadSeqID("edit", seq)).Type("button").Class("act", "act-edit").Text(T(l, "act.edit")).
				OnClick(func(ctx app.Context, ev app.Event) { p.startEdit(ctx, seq) }, app.EventScope(seq))
		}),
		app.If(p.mayDelete(e) && p.deleting != seq, func() app.UI {
			return app.Button().ID(threadSeqID("del", seq)).Type("button").Class("act", "act-delete").Text(T(l, "act.delete")).
				OnClick(func(ctx app.Context, ev app.Event) {
					p.deleting = seq
					ctx.Defer(func(app.Context) { focusID(threadSeqID("del-confirm", seq)) })
				}, app.EventScope(seq))
		}),
		app.If(p.mayDelete(e) && p.deleting == seq, func() app.UI {
			return app.Span().Class("thread-confirm").Body(
				app.Button().ID(threadSeqID("del-confirm", seq)).Type("button").Class("act", "danger").Text(T(l, "thread.delete.confirm")).
					OnClick(func(ctx app.Context, ev app.Event) { p.remove(ctx, seq) }, app.EventScope(seq)),
				app.Button().ID(threadSeqID("del-cancel", seq)).Type("button").Class("act").Text(T(l, "btn.cancel")).
					OnClick(func(ctx app.Context, ev app.Event) { p.deleting = 0 }, app.EventScope(seq)),
			)
		}),
	)
}

// reactTo returns the toggle of the user's reactions to reply seq, as it
// stands at the click.
func (p *threadPanel) reactTo(seq uint64) reactFunc {
	return func(ctx app.Context, emoji string) bool {
		e, ok := p.reply(seq)
		if !ok || p.Isession == nil {
			return false
		}
		on, _ := p.Imodel.Reacted(e, emoji)
		if _, err := p.Isession.React(e.Conv, e.Seq, emoji, !on); err != nil {
			p.notice(ctx, errorText(p.Ilang, err))
			return false
		}
		p.outbox(ctx)
		return true
	}
}

// togglePicker opens the emoji picker of reply seq, the focus in it, or
// closes it, the focus back on its React button.
func (p *threadPanel) togglePicker(ctx app.Context, seq uint64) {
	if p.picker.isOpen(seq) {
		back := p.picker.close()
		p.afterRender(func() { focusID(back) })
		return
	}
	id := p.picker.open(seq, threadSeqID("react", seq))
	p.afterRender(func() { focusFirst(id) })
}

// startEdit puts the user's reply seq, as typed, in the thread's composer.
func (p *threadPanel) startEdit(ctx app.Context, seq uint64) {
	e, ok := p.reply(seq)
	if !ok {
		return
	}
	text := chat.SourceText(e.HTML)
	if w := p.Imodel.PendingOn(e.Conv, e.Seq); w.Edit != nil {
		text = w.Edit.Text
	}
	p.editing = seq
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID("thread-composer"); el.Truthy() {
			el.Set("value", text)
			el.Call("focus")
		}
	})
}

// cancelEdit leaves edit mode, emptying the composer.
func (p *threadPanel) cancelEdit(ctx app.Context, e app.Event) {
	p.editing = 0
	clearInput("thread-composer")
	focusID("thread-composer")
}

// remove deletes reply seq.
func (p *threadPanel) remove(ctx app.Context, seq uint64) {
	p.deleting = 0
	e, ok := p.reply(seq)
	if !ok || p.Isession == nil {
		return
	}
	if _, err := p.Isession.Delete(e.Conv, e.Seq); err != nil {
		p.notice(ctx, errorText(p.Ilang, err))
		return
	}
	p.outbox(ctx)
	focusID("thread-composer")
}

// submitEdit sends text as the edit of the reply being edited, and
// reports whether it was taken.
func (p *threadPanel) submitEdit(ctx app.Context, text string) bool {
	e, ok := p.reply(p.editing)
	if !ok || p.Isession == nil {
		p.editing = 0
		return false
	}
	if _, err := p.Isession.Edit(e.Conv, e.Seq, text); err != nil {
		p.notice(ctx, errorText(p.Ilang, err))
		return false
	}
	p.editing = 0
	p.outbox(ctx)
	return true
}

func (p *threadPanel) outbox(ctx app.Context) {
	p.notice(ctx, "")
	if p.IonOutbox != nil {
		p.IonOutbox(ctx)
	}
}
