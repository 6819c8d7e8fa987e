package ui

import (
	"html"
	"slices"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Room moderation and mutes in the interface:
//
//   - roomPanel, in the header of a room: for its owner and admins the
//     invite-only switch, the people online with Remove and Ban, a name to
//     ban, and the ban list with Unban; for every member of an invite-only
//     room, the Invite field.
//   - the Shell's invitation notices, with Join and Decline, and the news
//     of a removal or a ban of the user (renderModerationNotices).
//   - Mute and Unmute beside each person of the people pane.
//   - in the timeline, the messages of muted people folded into "3 hidden
//     messages from Bob", which a click shows (hiddenRun), and the
//     moderation entries ("Ann banned Bob").
//
// The components send what the user does through the Session (sendFrame),
// and show what failed through the Shell's notice (OnNotice). Every handler that captures what it acts upon is scoped to it
// (app.EventScope): go-app keeps an element's handler while its code is the
// same, so that without a scope a reused button would act upon what it
// showed first.

// sendFrame has session write f (Leave, Mute, Kick, Ban, Invite, …), and shows
// through notice what failed, or clears it.
func sendFrame(ctx app.Context, session *client.Session, notice func(app.Context, string), l Lang, f chat.Frame) {
	if session == nil || notice == nil {
		return // shown alone (tests)
	}
	if err := session.Write([]chat.Frame{f}); err != nil {
		notice(ctx, errorText(l, err))
		return
	}
	notice(ctx, "")
}

// mayModerate reports whether the user may moderate conversation c: its
// owner or an admin, who may also delete anyone's message in it.
func mayModerate(c *client.Conversation) bool {
	return c != nil && c.Info.Kind == chat.KindRoom && c.Info.Moderator
}

// moderationErrorText says in the user's language why the server refused
// a moderation frame, or "" for another code.
func moderationErrorText(l Lang, code chat.Code) string {
	switch code {
	case chat.CodeNotOwner, chat.CodeInviteOnly, chat.CodeBanned, chat.CodeCannotModerate, chat.CodeAlreadyMember:
		return T(l, "moderation.error."+string(code))
	}
	return ""
}

// roomPanel is a room's moderation: a button in the header that opens the
// panel. It keeps whether it is open and what is typed in its fields.
type roomPanel struct {
	app.Compo

	Ilang  Lang
	Imodel *client.Model
	Iconv  *client.Conversation
	Irev   uint64
	// Isession sends what the panel asks; IonNotice shows what failed.
	Isession  *client.Session
	IonNotice func(app.Context, string)

	open bool
}

func newRoomPanel() *roomPanel { return &roomPanel{} }

func (p *roomPanel) Lang(v Lang) *roomPanel                 { p.Ilang = v; return p }
func (p *roomPanel) Model(m *client.Model) *roomPanel       { p.Imodel = m; return p }
func (p *roomPanel) Conv(c *client.Conversation) *roomPanel { p.Iconv = c; return p }
func (p *roomPanel) Rev(v uint64) *roomPanel                { p.Irev = v; return p }
func (p *roomPanel) moderator() bool                        { return mayModerate(p.Iconv) }
func (p *roomPanel) send(ctx app.Context, f chat.Frame) {
	sendFrame(ctx, p.Isession, p.IonNotice, p.Ilang, f)
}
func (p *roomPanel) Session(v *client.Session) *roomPanel { p.Isession = v; return p }
func (p *roomPanel) OnNotice(h func(app.Context, string)) *roomPanel {
	p.IonNotice = h
	return p
}
func (p *roomPanel) onToggle(ctx app.Context, e app.Event) { p.open = !p.open }

// submitName sends the frame made of the name typed in field id, and
// empties it.
func (p *roomPanel) submitName(ctx app.Context, e app.Event, id string, frame func(name string) chat.Frame) {
	e.PreventDefault()
	el := app.Window().GetElementByID(id)
	if !el.Truthy() {
		return
	}
	if name := strings.TrimSpace(el.Get("value").String()); name != "" {
		p.send(ctx, frame(name))
		clearInput(id)
	}
}

// roomPanel renders the moderation of the room in view, when it has any
// for the user.
func (p *conversationPane) roomPanel(c *client.Conversation) app.UI {
	if c.Info.Kind != chat.KindRoom || c.Info.ID == "r:lobby" || !(c.Info.Moderator || c.Info.InviteOnly) {
		return nil
	}
	return newRoomPanel().Lang(p.Ilang).Model(p.Imodel).Conv(c).Rev(p.Irev).Session(p.Isession).OnNotice(p.IonNotice)
}

func (p *roomPanel) Render() app.UI {
	c := p.Iconv
	label := "room.invite.button"
	if p.moderator() {
		label = "room.button"
	}
	return app.Div().ID("room-tools").Class("room-tools").Body(
		app.Button().ID("room-panel-btn").Type("button").Class("link").Aria("expanded", boolText(p.open)).
			Aria("controls", "room-panel").Text(T(p.Ilang, label)).OnClick(p.onToggle),
		app.If(p.open, func() app.UI {
			return app.Div().ID("room-panel").Class("room-panel").Role("region").
				Aria("label", T(p.Ilang, "room.title", c.Name)).Body(
				app.If(p.moderator(), p.renderModeratorTools),
				app.If(c.Info.InviteOnly, p.renderInvite),
			)
		}),
	)
}

// renderModeratorTools is what only the room's owner and admins see.
func (p *roomPanel) renderModeratorTools() app.UI {
	c := p.Iconv
	id := c.Info.ID
	owner := html.UnescapeString(c.Info.Owner)
	members := slices.DeleteFunc(slices.Clone(c.Online), func(n string) bool { return n == p.Imodel.Me || n == owner })
	bans := p.Imodel.Bans[id]
	return app.Div().Class("room-moderation").Body(
		app.Label().Class("switch").Body(
			app.Input().ID("invite-only").Type("checkbox").Checked(c.Info.InviteOnly).
				OnChange(func(ctx app.Context, e app.Event) {
					p.send(ctx, &chat.SetInviteOnly{Conv: id, On: ctx.JSSrc().Get("checked").Bool()})
				}, app.EventScope(id)),
			app.Span().Text(T(p.Ilang, "room.inviteonly")),
		),
		app.P().Class("hint").Text(T(p.Ilang, "room.inviteonly.hint")),
		p.renderRetentionChoice(), // retention.go
		app.H3().Text(T(p.Ilang, "room.members")),
		app.If(len(members) == 0, func() app.UI { return app.P().Class("hint").Text(T(p.Ilang, "room.members.none")) }),
		app.Ul().ID("room-members").Class("room-list").Body(
			app.Range(members).Slice(func(i int) app.UI {
				name := members[i]
				return app.Li().DataSet("name", name).Body(
					app.Bdi().Class("person-name").Text(name),
					app.Button().Type("button").Class("link", "remove-btn").Aria("label", T(p.Ilang, "room.remove.label", name)).
						Text(T(p.Ilang, "room.remove")).
						OnClick(func(ctx app.Context, e app.Event) { p.send(ctx, &chat.Remove{Conv: id, Name: name}) }, app.EventScope(id, name)),
					app.Button().Type("button").Class("link", "ban-btn").Aria("label", T(p.Ilang, "room.ban.label", name)).
						Text(T(p.Ilang, "room.ban")).
						OnClick(func(ctx app.Context, e app.Event) { p.send(ctx, &chat.Ban{Conv: id, Name: name}) }, app.EventScope(id, name)),
				)
			}),
		),
		app.Form().ID("ban-form").Class("inline-form").OnSubmit(func(ctx app.Context, e app.Event) {
			p.submitName(ctx, e, "ban-name", func(name string) chat.Frame { return &chat.Ban{Conv: id, Name: name} })
		}, app.EventScope(id)).Body(
			app.Label().For("ban-name").Class("visually-hidden").Text(T(p.Ilang, "room.ban.name")),
			app.Input().ID("ban-name").Type("text").Placeholder(T(p.Ilang, "room.ban.name")).AutoComplete(false),
			app.Button().Type("submit").Text(T(p.Ilang, "room.ban")),
		),
		app.H3().Text(T(p.Ilang, "room.bans")),
		app.If(len(bans) == 0, func() app.UI { return app.P().Class("hint").Text(T(p.Ilang, "room.bans.none")) }),
		app.Ul().ID("room-bans").Class("room-list").Body(
			app.Range(bans).Slice(func(i int) app.UI {
				name := bans[i]
				return app.Li().DataSet("name", name).Body(
					app.Bdi().Class("person-name").Text(name),
					app.Button().Type("button").Class("link", "unban-btn").Aria("label", T(p.Ilang, "room.unban.label", name)).
						Text(T(p.Ilang, "room.unban")).
						OnClick(func(ctx app.Context, e app.Event) { p.send(ctx, &chat.Unban{Conv: id, Name: name}) }, app.EventScope(id, name)),
				)
			}),
		),
	)
}

// renderInvite is the Invite field of an invite-only room.
func (p *roomPanel) renderInvite() app.UI {
	id := p.Iconv.Info.ID
	return app.Form().ID("invite-form").Class("inline-form").OnSubmit(func(ctx app.Context, e app.Event) {
		p.submitName(ctx, e, "invite-name", func(name string) chat.Frame { return &chat.Invite{Conv: id, Name: name} })
	}, app.EventScope(id)).Body(
		app.Label().For("invite-name").Text(T(p.Ilang, "room.invite.label")),
		app.Input().ID("invite-name").Type("text").Placeholder(T(p.Ilang, "room.invite.placeholder")).AutoComplete(false),
		app.Button().Type("submit").ID("invite-btn").Text(T(p.Ilang, "room.invite")),
	)
}

// moderationNotices are the invitations the user holds, with Join and
// Decline, and the news of a removal or a ban from a room. Declining goes
// through the Session; joining is the owner's (OnJoin).
type moderationNotices struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64
	Isession  *client.Session
	IonNotice func(app.Context, string)
	IonJoin   func(app.Context, string) bool
}

func newModerationNotices() *moderationNotices { return &moderationNotices{} }

func (n *moderationNotices) Lang(v Lang) *moderationNotices               { n.Ilang = v; return n }
func (n *moderationNotices) Model(v *client.Model) *moderationNotices     { n.Imodel = v; return n }
func (n *moderationNotices) Rev(v uint64) *moderationNotices              { n.Irev = v; return n }
func (n *moderationNotices) Session(v *client.Session) *moderationNotices { n.Isession = v; return n }
func (n *moderationNotices) OnNotice(h func(app.Context, string)) *moderationNotices {
	n.IonNotice = h
	return n
}
func (n *moderationNotices) OnJoin(h func(app.Context, string) bool) *moderationNotices {
	n.IonJoin = h
	return n
}

func (n *moderationNotices) Render() app.UI {
	m := n.Imodel
	// Invitations from people the user muted are not shown either.
	invites := slices.DeleteFunc(slices.Clone(m.Invites), func(inv chat.Invitation) bool { return m.IsMuted(html.UnescapeString(inv.By)) })
	return app.Div().ID("moderation-notices").Body(
		app.Range(invites).Slice(func(i int) app.UI {
			inv := invites[i]
			room, by := html.UnescapeString(inv.Room), html.UnescapeString(inv.By)
			return app.Div().Class("notice-bar", "info", "invitation").DataSet("conv", inv.Conv).Role("status").Body(
				app.Span().Text(T(n.Ilang, "invite.notice", by, room)),
				app.Span().Class("notice-actions").Body(
					app.Button().Type("button").Class("join-invite").Text(T(n.Ilang, "invite.join")).
						OnClick(func(ctx app.Context, e app.Event) {
							if n.IonJoin != nil && n.IonJoin(ctx, room) {
								m.DropInvite(inv.Conv)
							}
						}, app.EventScope(inv.Conv)),
					app.Button().Type("button").Class("link", "decline-invite").Text(T(n.Ilang, "invite.decline")).
						OnClick(func(ctx app.Context, e app.Event) {
							sendFrame(ctx, n.Isession, n.IonNotice, n.Ilang, &chat.Decline{Conv: inv.Conv})
							m.DropInvite(inv.Conv)
						}, app.EventScope(inv.Conv)),
				),
			)
		}),
		app.Range(m.Removals).Slice(func(i int) app.UI {
			r := m.Removals[i]
			key := "removed.notice"
			if r.Banned {
				key = "banned.notice"
			}
			return app.Div().Class("notice-bar", "removal").DataSet("conv", r.Conv).Role("status").Body(
				app.Span().Text(T(n.Ilang, key, r.By, r.Room)),
				app.Button().Type("button").Class("link").Text(T(n.Ilang, "btn.dismiss")).
					OnClick(func(ctx app.Context, e app.Event) { m.DismissRemoval(r.Conv) }, app.EventScope(r.Conv)),
			)
		}),
	)
}

// renderMuteButton is Mute (or Unmute) beside a person of the people pane.
func (p *peoplePane) renderMuteButton(name string) app.UI {
	muted := p.Imodel.IsMuted(name)
	key, label := "mute.button", "mute.label"
	if muted {
		key, label = "unmute.button", "unmute.label"
	}
	return app.Button().Type("button").Class("link", "mute-btn").Aria("pressed", boolText(muted)).
		Aria("label", T(p.Ilang, label, name)).Text(T(p.Ilang, key)).
		OnClick(func(ctx app.Context, e app.Event) {
			var f chat.Frame = &chat.Mute{Name: name}
			if muted {
				f = &chat.Unmute{Name: name}
			}
			sendFrame(ctx, p.Isession, p.IonNotice, p.Ilang, f)
		}, app.EventScope(name, muted))
}

// hiddenRun folds the messages of muted people: entries[i], if hidden,
// is not shown; the first of a run of hidden messages from one person
// shows as a button saying how many there are, which shows them.
func (p *conversationPane) hiddenRun(entries []chat.Entry, i int) (placeholder app.UI, hidden bool) {
	m, e := p.Imodel, entries[i]
	if !m.HiddenFromMuted(e) {
		return nil, false
	}
	if i > 0 && entries[i-1].From == e.From && m.HiddenFromMuted(entries[i-1]) {
		return nil, true // shown by the run's first
	}
	var seqs []uint64
	for _, next := range entries[i:] {
		if next.From != e.From || !m.HiddenFromMuted(next) {
			break
		}
		seqs = append(seqs, next.Seq)
	}
	from := html.UnescapeString(e.From)
	text := T(p.Ilang, "hidden.one", from)
	if len(seqs) > 1 {
		text = T(p.Ilang, "hidden.many", len(seqs), from)
	}
	conv := e.Conv
	return app.Div().Class("entry", "hidden-run").DataSet("seq", strconv.FormatUint(e.Seq, 10)).Body(
		app.Button().Type("button").Class("link", "show-hidden").Text(text).
			OnClick(func(ctx app.Context, ev app.Event) {
				m.Reveal(conv, seqs) // the pane renders again, its handler having run
			}, app.EventScope(conv, seqs)),
	), true
}

// renderModerationEntry is a moderation entry: "Ann removed Bob".
func (p *conversationPane) renderModerationEntry(e chat.Entry, when app.UI) app.UI {
	subject := html.UnescapeString(e.Subject)
	var what string
	switch e.Kind {
	case chat.EntryRemove:
		what = T(p.Ilang, "entry.removed", subject)
	case chat.EntryBan:
		what = T(p.Ilang, "entry.banned", subject)
	case chat.EntryUnban:
		what = T(p.Ilang, "entry.unbanned", subject)
	case chat.EntryInvite:
		what = T(p.Ilang, "entry.invited", subject)
	case chat.EntryRetention:
		what = retentionEntryText(p.Ilang, e) // retention.go
	case chat.EntryInviteOnly:
		what = T(p.Ilang, "entry.inviteonly.off")
		if e.On {
			what = T(p.Ilang, "entry.inviteonly.on")
		}
	}
	return app.Div().Class("entry", "event", "moderation").DataSet("kind", string(e.Kind)).
		DataSet("seq", strconv.FormatUint(e.Seq, 10)).Body(
		app.B().Text(html.UnescapeString(e.From)), app.Text(" "+what+" "), when,
	)
}
