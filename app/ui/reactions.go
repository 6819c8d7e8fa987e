package ui

import (
	"html"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// commonEmoji are the reactions the picker offers first.
var commonEmoji = []string{"👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"}

// renderReactions is the row under message e: each emoji with its count,
// the user's own pressed (pending ones marked), who reacted in the
// tooltip; a click toggles the user's.
func (p *conversationPane) renderReactions(e chat.Entry) app.UI {
	if e.Deleted {
		return nil
	}
	list := p.Imodel.ReactionsShown(e)
	if len(list) == 0 {
		return nil
	}
	l := p.Ilang
	items := make([]app.UI, 0, len(list))
	for _, r := range list {
		on, pending := p.Imodel.Reacted(e, r.Emoji)
		names := make([]string, len(r.Users))
		for i, u := range r.Users {
			names[i] = html.UnescapeString(u)
		}
		who := strings.Join(names, ", ")
		emoji := r.Emoji
		items = append(items, app.Button().Type("button").Class("reaction", classIf("mine", on), classIf("pending", pending)).
			DataSet("emoji", emoji).Aria("pressed", boolText(on)).Title(T(l, "react.who", emoji, who)).
			Aria("label", T(l, "react.label", emoji, len(r.Users), who)).
			OnClick(p.onToggle(e.Conv, e.Seq, emoji, false)).Body(
			app.Span().Class("reaction-emoji").Aria("hidden", "true").Text(emoji),
			app.Span().Class("reaction-count").Aria("hidden", "true").Text(strconv.Itoa(len(r.Users))),
		))
	}
	return app.Div().Class("reactions").Role("group").Aria("label", T(l, "react.row")).Body(items...)
}

// onToggle returns a click handler that toggles the user's reaction emoji
// to message seq of conv, as it stands at the click (closePicker: and
// closes the picker).
func (p *conversationPane) onToggle(conv string, seq uint64, emoji string, closePicker bool) (app.EventHandler, app.EventOption) {
	return func(ctx app.Context, ev app.Event) {
		e, ok := p.message(conv, seq)
		if !ok {
			return
		}
		on, _ := p.Imodel.Reacted(e, emoji)
		if p.react(ctx, e, emoji, !on) && closePicker {
			p.closePicker(ctx)
		}
	}, app.EventScope(conv, seq, emoji)
}

// react sends the user's reaction emoji to message e (on) or takes it
// back, after checking it.
func (p *conversationPane) react(ctx app.Context, e chat.Entry, emoji string, on bool) bool {
	if _, err := chat.CleanEmoji(emoji); err != nil {
		p.acts.pickerErr = T(p.Ilang, "err.bad_emoji")
		return false
	}
	if p.Isession == nil {
		return false
	}
	if _, err := p.Isession.React(e.Conv, e.Seq, emoji, on); err != nil {
		p.notify(ctx, errorText(p.Ilang, err))
		return false
	}
	p.outboxChanged(ctx)
	return true
}

// togglePicker opens the emoji picker of message e, the focus in it, or
// closes it.
func (p *conversationPane) togglePicker(ctx app.Context, e chat.Entry) {
	if p.acts.picker == e.Seq {
		p.closePicker(ctx)
		return
	}
	p.acts.picker, p.acts.pickerErr = e.Seq, ""
	p.acts.pickerBack = seqID("act-react-", e.Seq)
	p.afterRender(func() { focusFirst("emoji-picker") })
}

// closePicker closes the picker, the focus back on its React button.
func (p *conversationPane) closePicker(ctx app.Context) {
	if p.acts.picker == 0 {
		return
	}
	back := p.acts.pickerBack
	p.acts.picker, p.acts.pickerBack, p.acts.pickerErr = 0, "", ""
	p.afterRender(func() { focusID(back) })
}

// renderPicker is the emoji picker of message e, when open: common emoji
// and a field for any other, checked before it is sent.
func (p *conversationPane) renderPicker(e chat.Entry) app.UI {
	if p.acts.picker != e.Seq || !p.actionable(e) {
		return nil
	}
	l, conv, seq := p.Ilang, e.Conv, e.Seq
	buttons := make([]app.UI, 0, len(commonEmoji))
	for _, emoji := range commonEmoji {
		on, _ := p.Imodel.Reacted(e, emoji)
		buttons = append(buttons, app.Button().Type("button").Class("pick-emoji", classIf("mine", on)).
			DataSet("emoji", emoji).Aria("pressed", boolText(on)).Text(emoji).
			OnClick(p.onToggle(e.Conv, e.Seq, emoji, true)))
	}
	return app.Div().ID("emoji-picker").Class("emoji-picker").Role("dialog").Aria("label", T(l, "picker.title")).
		OnKeyDown(func(ctx app.Context, ev app.Event) {
			if ev.Get("key").String() == "Escape" {
				ev.PreventDefault()
				ev.Call("stopPropagation")
				p.closePicker(ctx)
			}
		}).Body(
		app.Div().Class("emoji-row").Body(buttons...),
		app.Form().Class("emoji-form").OnSubmit(func(ctx app.Context, ev app.Event) {
			ev.PreventDefault()
			el := app.Window().GetElementByID("emoji-input")
			e, ok := p.message(conv, seq)
			if !el.Truthy() || !ok {
				return
			}
			emoji := strings.TrimSpace(el.Get("value").String())
			on, _ := p.Imodel.Reacted(e, emoji)
			if p.react(ctx, e, emoji, !on) {
				p.closePicker(ctx)
			}
		}, app.EventScope(conv, seq)).Body(
			app.Label().For("emoji-input").Class("visually-hidden").Text(T(l, "picker.input")),
			app.Input().ID("emoji-input").Type("text").Class("emoji-input").Size(6).MaxLength(chat.MaxEmojiBytes).
				Placeholder(T(l, "picker.input")).Attr("autocomplete", "off").
				Aria("invalid", boolText(p.acts.pickerErr != "")).Aria("describedby", "emoji-error"),
			app.Button().ID("emoji-add").Type("submit").Class("emoji-add").Text(T(l, "picker.add")),
		),
		app.P().ID("emoji-error").Class("emoji-error").Role("alert").Text(p.acts.pickerErr),
	)
}
