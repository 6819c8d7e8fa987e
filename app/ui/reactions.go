package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// commonEmoji are the reactions the picker offers first.
var commonEmoji = []string{"👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"}

// reactFunc toggles the user's reaction emoji to one message, as the
// message stands when called, and reports whether it was taken.
type reactFunc func(ctx app.Context, emoji string) bool

// renderReactionRow is the row under message e, in the timeline or the
// thread panel: each emoji with its count, the user's own pressed (pending
// ones marked), who reacted in the tooltip; a click toggles the user's
// through react.
func renderReactionRow(l Lang, m *client.Model, e chat.Entry, react reactFunc) app.UI {
	list := m.ReactionsShown(e)
	if e.Deleted || len(list) == 0 {
		return nil
	}
	items := make([]app.UI, 0, len(list))
	for _, r := range list {
		on, pending := m.Reacted(e, r.Emoji)
		who := strings.Join(unescapeNames(r.Users), ", ")
		emoji := r.Emoji
		items = append(items, app.Button().Type("button").Class("reaction", classIf("mine", on), classIf("pending", pending)).
			DataSet("emoji", emoji).Aria("pressed", boolText(on)).Title(T(l, "react.who", emoji, who)).
			Aria("label", T(l, "react.label", emoji, len(r.Users), who)).
			OnClick(func(ctx app.Context, ev app.Event) { react(ctx, emoji) }, app.EventScope(e.Conv, e.Seq, emoji)).Body(
			app.Span().Class("reaction-emoji").Aria("hidden", "true").Text(emoji),
			app.Span().Class("reaction-count").Aria("hidden", "true").Text(strconv.Itoa(len(r.Users))),
		))
	}
	return app.Div().Class("reactions").Role("group").Aria("label", T(l, "react.row")).Body(items...)
}

// emojiPicker is the emoji picker of one message at a time, the
// timeline's or the thread panel's (its ids start with prefix): common
// emoji and a field for any other, checked before it is sent. It changes
// on the UI goroutine only.
type emojiPicker struct {
	prefix string // "" for the timeline's, "thread-" for the thread panel's
	seq    uint64 // the message whose picker is open (0: none)
	back   string // the element focused again when it closes
	err    string // why the emoji typed was refused
}

// isOpen reports whether the picker of message seq is open.
func (k *emojiPicker) isOpen(seq uint64) bool { return seq != 0 && k.seq == seq }

// open opens the picker of message seq, to focus back on the element
// back when it closes, and returns its id.
func (k *emojiPicker) open(seq uint64, back string) string {
	k.seq, k.back, k.err = seq, back, ""
	return k.prefix + "emoji-picker"
}

// close closes the picker and returns the id to focus again ("": it was
// closed already).
func (k *emojiPicker) close() string {
	if k.seq == 0 {
		return ""
	}
	back := k.back
	k.seq, k.back, k.err = 0, "", ""
	return back
}

// render is the picker of message e when open; react toggles an emoji,
// closed reports it closed (Escape, or an emoji taken) with the id to
// focus again.
func (k *emojiPicker) render(l Lang, m *client.Model, e chat.Entry, react reactFunc, closed func(ctx app.Context, back string)) app.UI {
	if !k.isOpen(e.Seq) {
		return nil
	}
	pick := func(ctx app.Context, emoji string) {
		if _, err := chat.CleanEmoji(emoji); err != nil {
			k.err = T(l, "err.bad_emoji")
			return
		}
		if react(ctx, emoji) {
			closed(ctx, k.close())
		}
	}
	buttons := make([]app.UI, 0, len(commonEmoji))
	for _, emoji := range commonEmoji {
		on, _ := m.Reacted(e, emoji)
		buttons = append(buttons, app.Button().Type("button").Class("pick-emoji", classIf("mine", on)).
			DataSet("emoji", emoji).Aria("pressed", boolText(on)).Text(emoji).
			OnClick(func(ctx app.Context, ev app.Event) { pick(ctx, emoji) }, app.EventScope(e.Conv, e.Seq, emoji)))
	}
	input, errID := k.prefix+"emoji-input", k.prefix+"emoji-error"
	return app.Div().ID(k.prefix+"emoji-picker").Class("emoji-picker").Role("dialog").Aria("label", T(l, "picker.title")).
		OnKeyDown(func(ctx app.Context, ev app.Event) {
			if ev.Get("key").String() == "Escape" {
				ev.PreventDefault()
				ev.Call("stopPropagation")
				closed(ctx, k.close())
			}
		}).Body(
		app.Div().Class("emoji-row").Body(buttons...),
		app.Form().Class("emoji-form").OnSubmit(func(ctx app.Context, ev app.Event) {
			ev.PreventDefault()
			if el := app.Window().GetElementByID(input); el.Truthy() {
				pick(ctx, strings.TrimSpace(el.Get("value").String()))
			}
		}, app.EventScope(e.Conv, e.Seq)).Body(
			app.Label().For(input).Class("visually-hidden").Text(T(l, "picker.input")),
			app.Input().ID(input).Type("text").Class("emoji-input").Size(6).MaxLength(chat.MaxEmojiBytes).
				Placeholder(T(l, "picker.input")).Attr("autocomplete", "off").
				Aria("invalid", boolText(k.err != "")).Aria("describedby", errID),
			app.Button().ID(k.prefix+"emoji-add").Type("submit").Class("emoji-add").Text(T(l, "picker.add")),
		),
		app.P().ID(errID).Class("emoji-error").Role("alert").Text(k.err),
	)
}

// renderReactions is the timeline's row of reactions under message e.
func (p *conversationPane) renderReactions(e chat.Entry) app.UI {
	return renderReactionRow(p.Ilang, p.Imodel, e, p.reactTo(e.Conv, e.Seq))
}

// renderPicker is the timeline's emoji picker of message e, when open.
func (p *conversationPane) renderPicker(e chat.Entry) app.UI {
	if !p.actionable(e) {
		return nil
	}
	return p.acts.picker.render(p.Ilang, p.Imodel, e, p.reactTo(e.Conv, e.Seq), func(ctx app.Context, back string) {
		p.afterRender(func() { focusID(back) })
	})
}

// reactTo returns the toggle of the user's reactions to message seq of
// conv, as it stands at the click.
func (p *conversationPane) reactTo(conv string, seq uint64) reactFunc {
	return func(ctx app.Context, emoji string) bool {
		e, ok := p.message(conv, seq)
		if !ok || p.Isession == nil {
			return false
		}
		on, _ := p.Imodel.Reacted(e, emoji)
		if _, err := p.Isession.React(e.Conv, e.Seq, emoji, !on); err != nil {
			p.notify(ctx, errorText(p.Ilang, err))
			return false
		}
		p.outboxChanged(ctx)
		return true
	}
}

// togglePicker opens the emoji picker of message e, the focus in it, or
// closes it, the focus back on its React button.
func (p *conversationPane) togglePicker(ctx app.Context, e chat.Entry) {
	if p.acts.picker.isOpen(e.Seq) {
		back := p.acts.picker.close()
		p.afterRender(func() { focusID(back) })
		return
	}
	id := p.acts.picker.open(e.Seq, seqID("act-react-", e.Seq))
	p.afterRender(func() { focusFirst(id) })
}
