package ui

import (
	"html"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Render draws the app: the top bar, then either the name form or the three
// panes.
func (s *Shell) Render() app.UI {
	m := s.model
	return app.Div().ID("chat").Class("shell", "pane-"+string(s.pane)).DataSet("state", s.state.String()).Body(
		s.renderTopBar(),
		s.renderNotice(),
		app.If(m.NeedName && s.signingIn, func() app.UI {
			return (&signInForm{}).Lang(s.lang).Busy(s.busy).OnSignIn(s.onSignIn).OnCancel(s.onSignInCancel)
		}).ElseIf(m.NeedName, func() app.UI {
			return (&nameForm{}).Lang(s.lang).OnPick(s.onPickName).OnSignIn(s.onSignInMode)
		}).ElseIf(m.Me != "", func() app.UI {
			return s.renderPanes()
		}).Else(func() app.UI {
			return app.Div().Class("loading").Text(T(s.lang, "state."+s.state.String()))
		}),
		app.Div().ID("account-slot").Body(
			app.If(s.account && m.Me != "", func() app.UI {
				return (&accountPanel{}).Lang(s.lang).Me(m.Me).HasPassword(m.Password).
					OnPassword(s.onSetPassword).OnSignOut(s.onSignOut).OnClose(s.onAccountClose)
			}),
		),
	)
}

func (s *Shell) renderTopBar() app.UI {
	toggle := "btn.disconnect"
	if s.state == client.Offline {
		toggle = "btn.reconnect"
	}
	return app.Header().Class("topbar").Body(
		app.H1().Text(T(s.lang, "app.title")),
		app.Span().ID("status").Class("status", s.state.String()).Role("status").
			DataSet("state", s.state.String()).Title(s.closed).Text(s.stateText()),
		app.If(s.model.Me != "", func() app.UI {
			return app.Span().ID("me").Class("me").Text(s.model.Me)
		}),
		app.If(s.model.Me != "", func() app.UI {
			return app.Button().ID("account-btn").Type("button").Aria("expanded", boolText(s.account)).
				Text(T(s.lang, "account.button")).OnClick(s.onAccount)
		}),
		app.Button().ID("conn-toggle").Type("button").Text(T(s.lang, toggle)).OnClick(s.onToggleConnection),
		app.Button().ID("lang").Type("button").Lang(string(otherLang(s.lang))).Text(T(s.lang, "btn.lang")).OnClick(s.onSwitchLang),
	)
}

func otherLang(l Lang) Lang {
	if l == Chinese {
		return English
	}
	return Chinese
}

func (s *Shell) stateText() string {
	if s.state == client.Reconnecting && s.retry >= time.Second {
		return T(s.lang, "state.retry", int(s.retry.Round(time.Second)/time.Second))
	}
	return T(s.lang, "state."+s.state.String())
}

// renderNotice always renders a slot, empty or not, so that a notice
// appearing never shifts (and so recreates) the forms below it.
func (s *Shell) renderNotice() app.UI {
	return app.Div().ID("notice-slot").Body(
		app.If(s.notice != "", func() app.UI {
			return app.Div().ID("notice").Class("notice-bar").Role("alert").Body(
				app.Span().Text(T(s.lang, "error.prefix")+s.notice),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(s.onDismiss),
			)
		}).ElseIf(s.info != "", func() app.UI {
			return app.Div().ID("info").Class("notice-bar", "info").Role("status").Body(
				app.Span().Text(s.info),
				app.Button().Type("button").Class("link").Text(T(s.lang, "btn.dismiss")).OnClick(s.onDismiss),
			)
		}),
	)
}

func boolText(v bool) string {
	if v {
		return "true"
	}
	return "false"
}

func (s *Shell) renderPanes() app.UI {
	return app.Div().Class("panes").Body(
		app.Nav().Class("tabs").Aria("label", T(s.lang, "nav.chat")).Body(
			s.tab(PaneRooms, "nav.rooms"),
			s.tab(PaneChat, "nav.chat"),
			s.tab(PanePeople, "nav.people"),
		),
		s.renderRooms(),
		s.renderConversation(),
		s.renderPeople(),
	)
}

func (s *Shell) tab(p Pane, key string) app.UI {
	return app.Button().Type("button").Class("tab", activeClass(s.pane == p)).DataSet("pane", string(p)).
		Aria("pressed", strconv.FormatBool(s.pane == p)).Text(T(s.lang, key)).OnClick(s.onPane(p))
}

func (s *Shell) renderRooms() app.UI {
	convs := s.model.Sorted()
	return app.Aside().ID("rooms").Class("pane", "rooms").Aria("label", T(s.lang, "rooms.title")).Body(
		app.H2().Text(T(s.lang, "rooms.title")),
		app.Ul().Class("conv-list").Body(
			app.Range(convs).Slice(func(i int) app.UI { return s.renderConvItem(convs[i]) }),
		),
		(&joinForm{}).Lang(s.lang).OnJoin(s.onJoin),
	)
}

func (s *Shell) renderConvItem(c *client.Conversation) app.UI {
	id := c.Info.ID
	label := "# " + c.Name
	if c.Info.Kind == chat.KindPrivate {
		label = "@ " + c.Name
	}
	return app.Li().Body(
		app.Button().Type("button").Class("conv-item", activeClass(id == s.model.Active)).
			DataSet("conv", id).Aria("current", strconv.FormatBool(id == s.model.Active)).
			OnClick(func(ctx app.Context, e app.Event) { s.activate(ctx, id) }).Body(
			app.Span().Class("conv-name").Text(label),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("unread").Text(strconv.Itoa(c.Unread))
			}),
		),
	)
}

func activeClass(active bool) string {
	if active {
		return "active"
	}
	return ""
}

func (s *Shell) renderPeople() app.UI {
	c := s.model.Convs[s.model.Active]
	var online []string
	if c != nil && c.Info.Kind == chat.KindRoom {
		online = c.Online
	}
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(s.lang, "people.title")).Body(
		app.H2().Text(T(s.lang, "people.title")+" ("+strconv.Itoa(len(online))+")"),
		app.P().Class("hint").Text(T(s.lang, "people.hint")),
		app.Ul().Class("person-list").Body(
			app.Range(online).Slice(func(i int) app.UI { return s.renderPerson(online[i]) }),
		),
	)
}

func (s *Shell) renderPerson(name string) app.UI {
	if name == s.model.Me {
		return app.Li().Class("person", "me").DataSet("name", name).Body(
			app.Span().Text(name + " " + T(s.lang, "people.you")),
		)
	}
	return app.Li().Class("person").DataSet("name", name).Body(
		app.Button().Type("button").Class("person-btn").Title(T(s.lang, "people.private")).
			OnClick(func(ctx app.Context, e app.Event) { s.onOpenPrivate(ctx, name) }).Text(name),
	)
}

func (s *Shell) renderConversation() app.UI {
	c := s.model.Convs[s.model.Active]
	if c == nil {
		return app.Section().ID("conversation").Class("pane", "conversation").Body(
			app.P().Class("empty").Text(T(s.lang, "conv.loading")),
		)
	}
	return app.Section().ID("conversation").Class("pane", "conversation").DataSet("conv", c.Info.ID).Body(
		s.renderConvHeader(c),
		app.Div().ID("timeline").Class("timeline").Role("log").Aria("live", "polite").
			OnScroll(s.onTimelineScroll).Body(s.renderTimeline(c)...),
		(&composer{}).Lang(s.lang).Target(c.Name).Offline(s.state != client.Online).Rev(s.rev).OnSubmit(s.onSubmit),
	)
}

func (s *Shell) renderConvHeader(c *client.Conversation) app.UI {
	title := "# " + c.Name
	if c.Info.Kind == chat.KindPrivate {
		title = "@ " + c.Name
	}
	canLeave := c.Info.Kind == chat.KindRoom && c.Info.ID != "r:lobby"
	return app.Div().Class("conv-header").Body(
		app.H2().ID("conv-title").Text(title),
		app.If(c.Info.Kind == chat.KindRoom, func() app.UI {
			return app.Span().Class("count").Text(T(s.lang, "conv.online", len(c.Online)))
		}),
		app.If(canLeave, func() app.UI {
			id := c.Info.ID
			return app.Button().ID("leave").Type("button").Class("link").Text(T(s.lang, "btn.leave")).
				OnClick(func(ctx app.Context, e app.Event) { s.onLeave(ctx, id) })
		}),
	)
}

// renderTimeline lists entries, presence notices after the entry they
// followed, and the user's pending messages at the end.
func (s *Shell) renderTimeline(c *client.Conversation) []app.UI {
	now := time.Now()
	items := make([]app.UI, 0, len(c.Entries)+len(c.Notices)+4)
	switch {
	case !c.Ready:
		items = append(items, app.P().Class("timeline-note").Text(T(s.lang, "conv.loading")))
	case c.Start && len(c.Entries) == 0:
		items = append(items, app.P().Class("timeline-note").Text(T(s.lang, "conv.empty")))
	case c.Start:
		items = append(items, app.P().Class("timeline-note").Text(T(s.lang, "conv.start")))
	default:
		items = append(items, app.Button().ID("older").Type("button").Class("link", "older").
			Disabled(c.LoadingOlder()).Text(T(s.lang, "btn.older")).OnClick(func(ctx app.Context, e app.Event) { s.onOlder(ctx) }))
	}
	if c.Lost {
		items = append(items, app.P().Class("timeline-note").Text(T(s.lang, "conv.lost")))
	}
	n := 0
	divided := c.Divider == 0
	for _, e := range c.Entries {
		for n < len(c.Notices) && c.Notices[n].After < e.Seq {
			items = append(items, s.renderPresence(c.Notices[n], now))
			n++
		}
		if !divided && e.Seq > c.Divider && e.Kind == chat.EntryMessage && html.UnescapeString(e.From) != s.model.Me {
			divided = true
			items = append(items, app.Div().ID("unread-divider").Class("divider").Role("separator").Text(T(s.lang, "conv.divider")))
		}
		items = append(items, s.renderEntry(e, now))
	}
	if behind := s.model.Behind(c.Info.ID); behind > 0 {
		items = append(items, app.P().ID("catching-up").Class("timeline-note").Text(T(s.lang, "conv.behind", behind)))
	}
	for ; n < len(c.Notices); n++ {
		items = append(items, s.renderPresence(c.Notices[n], now))
	}
	for _, o := range s.model.Pending(c.Info.ID) {
		items = append(items, s.renderPending(o))
	}
	return items
}

func (s *Shell) renderEntry(e chat.Entry, now time.Time) app.UI {
	from := html.UnescapeString(e.From)
	when := app.Time().DateTime(time.UnixMilli(e.Time).UTC().Format(time.RFC3339)).
		Title(time.UnixMilli(e.Time).Format("2006-01-02 15:04:05")).Text(FormatTime(s.lang, e.Time, now))
	seq := strconv.FormatUint(e.Seq, 10)
	switch e.Kind {
	case chat.EntryJoin, chat.EntryLeave:
		what := "entry.joined"
		if e.Kind == chat.EntryLeave {
			what = "entry.left"
		}
		return app.Div().Class("entry", "event").DataSet("seq", seq).Body(
			app.B().Text(from), app.Text(" "+T(s.lang, what)+" "), when,
		)
	}
	away := s.model.SentWhileAway(e)
	return app.Div().Class("entry", "msg", mineClass(from == s.model.Me), awayClass(away)).DataSet("seq", seq).Body(
		app.Div().Class("meta").Body(
			app.Span().Class("from").Text(from), app.Text(" "), when,
			app.If(away, func() app.UI { return app.Span().Class("away-tag").Text(T(s.lang, "entry.away")) }),
		),
		app.Raw(e.HTML),
	)
}

func awayClass(away bool) string {
	if away {
		return "while-away"
	}
	return ""
}

func mineClass(mine bool) string {
	if mine {
		return "mine"
	}
	return ""
}

func (s *Shell) renderPresence(n client.Notice, now time.Time) app.UI {
	key := "notice.offline"
	if n.Online {
		key = "notice.online"
	}
	return app.Div().Class("presence", presenceClass(n.Online)).Body(
		app.Text(T(s.lang, key, n.User) + " · " + FormatTime(s.lang, n.Time.UnixMilli(), now)),
	)
}

func presenceClass(online bool) string {
	if online {
		return "joined"
	}
	return "left"
}

func (s *Shell) renderPending(o *client.Outgoing) app.UI {
	status := T(s.lang, "pending.sending")
	if o.Failed != "" {
		status = T(s.lang, "pending.failed", o.Failed)
	}
	if o.To != "" {
		status = T(s.lang, "pending.to", o.To) + " · " + status
	}
	id := o.ID
	return app.Div().Class("entry", "msg", "mine", "pending").DataSet("id", o.ID.Device+":"+strconv.FormatUint(o.ID.N, 10)).Body(
		app.Div().Class("meta").Body(app.Span().Class("from").Text(s.model.Me), app.Text(" "), app.Span().Class("pending-status").Text(status)),
		app.Div().Class("body").Text(o.Text),
		app.If(o.Failed != "", func() app.UI {
			return app.Button().Type("button").Class("link").Text(T(s.lang, "btn.discard")).
				OnClick(func(ctx app.Context, e app.Event) { s.model.Discard(id); s.rev++ })
		}),
	)
}
