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
		app.Div().ID("switcher-slot").Body(
			app.If(s.ux.switcher.open && m.Me != "", s.renderSwitcher),
		),
		// The live region: announceInDOM adds its lines.
		app.Div().ID("announcer").Class("visually-hidden").Role("log").Aria("live", "polite").
			Aria("label", T(s.lang, "announcer.label")),
	)
}

func (s *Shell) renderTopBar() app.UI {
	toggle := "btn.disconnect"
	if s.state == client.Offline {
		toggle = "btn.reconnect"
	}
	named := s.model.Me != ""
	return app.Header().Class("topbar").Body(
		app.If(named, func() app.UI {
			return app.Button().ID("skip").Type("button").Class("skip-link").Text(T(s.lang, "skip.composer")).OnClick(s.onSkip)
		}),
		app.H1().Text(T(s.lang, "app.title")),
		app.Span().ID("status").Class("status", s.state.String()).Role("status").
			DataSet("state", s.state.String()).Title(s.closed).Text(s.stateText()),
		app.If(named, func() app.UI {
			return app.Button().ID("switcher-btn").Type("button").Class("switcher-btn").
				Aria("keyshortcuts", "Control+K Meta+K").Aria("haspopup", "dialog").OnClick(s.onSwitcherButton).Body(
				app.Raw(iconSearch),
				app.Span().Class("switcher-btn-label").Text(T(s.lang, "switcher.button")),
				app.Kbd().Aria("hidden", "true").Text("Ctrl+K"),
			)
		}),
		app.Div().Class("topbar-tools").Body(
			app.If(named, s.renderNotifyButton),
			s.renderThemeButton(),
			app.Button().ID("lang").Type("button").Lang(string(otherLang(s.lang))).Text(T(s.lang, "btn.lang")).OnClick(s.onSwitchLang),
			app.If(named, func() app.UI {
				return app.Span().ID("me").Class("me").Body(avatar(s.model.Me, "small"), app.Text(s.model.Me))
			}),
			app.If(named, func() app.UI {
				return app.Button().ID("account-btn").Type("button").Aria("expanded", boolText(s.account)).
					Text(T(s.lang, "account.button")).OnClick(s.onAccount)
			}),
			app.Button().ID("conn-toggle").Type("button").Text(T(s.lang, toggle)).OnClick(s.onToggleConnection),
			s.renderInstall(),
		),
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
		s.renderPWA(), // the offline banner and the update notice (pwa.go)
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
	// The conversations tab counts what is unread elsewhere, so that a
	// narrow screen shows it too.
	unread, forMe := 0, false
	if p == PaneRooms {
		for _, c := range s.model.Convs {
			if c.Info.ID != s.model.Active && c.Unread > 0 {
				unread += c.Unread
				forMe = forMe || c.Mentions > 0 || c.Info.Kind == chat.KindPrivate
			}
		}
	}
	return app.Button().Type("button").Class("tab", classIf("active", s.pane == p)).DataSet("pane", string(p)).
		Aria("pressed", strconv.FormatBool(s.pane == p)).OnClick(s.onPane(p)).Body(
		app.Text(T(s.lang, key)),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("unread", classIf("mention", forMe)).Text(strconv.Itoa(unread))
		}),
		app.If(unread > 0, func() app.UI {
			return app.Span().Class("visually-hidden").Text(" " + T(s.lang, "conv.unread.sr"))
		}),
	)
}

// renderRooms lists the rooms, then the private conversations, each with
// its unread count (marked when it mentions the user), and the join form.
func (s *Shell) renderRooms() app.UI {
	var rooms, direct []*client.Conversation
	for _, c := range s.model.Sorted() {
		if c.Info.Kind == chat.KindPrivate {
			direct = append(direct, c)
		} else {
			rooms = append(rooms, c)
		}
	}
	return app.Aside().ID("rooms").Class("pane", "rooms").Aria("label", T(s.lang, "rooms.title")).Body(
		app.H2().Text(T(s.lang, "rooms.title")),
		app.Ul().Class("conv-list").Aria("label", T(s.lang, "rooms.rooms")).Body(
			app.Range(rooms).Slice(func(i int) app.UI { return s.renderConvItem(rooms[i]) }),
		),
		app.H3().ID("direct-title").Class("list-title").Text(T(s.lang, "rooms.direct")),
		app.If(len(direct) == 0, func() app.UI {
			return app.P().Class("hint", "list-hint").Text(T(s.lang, "rooms.direct.none"))
		}).Else(func() app.UI {
			return app.Ul().Class("conv-list", "direct-list").Aria("labelledby", "direct-title").Body(
				app.Range(direct).Slice(func(i int) app.UI { return s.renderConvItem(direct[i]) }),
			)
		}),
		(&joinForm{}).Lang(s.lang).OnJoin(s.onJoin),
	)
}

func (s *Shell) renderConvItem(c *client.Conversation) app.UI {
	id := c.Info.ID
	private := c.Info.Kind == chat.KindPrivate
	// Unread private messages are for the user as much as mentions are.
	forMe := c.Unread > 0 && (c.Mentions > 0 || private)
	// What the badges say, for screen readers.
	said := "conv.unread.sr"
	if c.Mentions > 0 {
		said = "conv.unread.mention.sr"
	}
	sigil := "#"
	if private {
		sigil = "@"
	}
	return app.Li().Body(
		app.Button().Type("button").Class("conv-item", classIf("active", id == s.model.Active), classIf("has-unread", c.Unread > 0)).
			DataSet("conv", id).Aria("current", strconv.FormatBool(id == s.model.Active)).
			OnClick(func(ctx app.Context, e app.Event) { s.activate(ctx, id) }).Body(
			app.If(private, func() app.UI { return avatar(c.Name, "small") }),
			app.Span().Class("conv-name").Body(
				app.Span().Class("sigil", classIf("visually-hidden", private)).Text(sigil),
				app.Text(" "+c.Name),
			),
			app.If(c.Mentions > 0, func() app.UI {
				return app.Span().Class("mention-mark").Aria("hidden", "true").Text("@")
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("unread", classIf("mention", forMe)).Text(strconv.Itoa(c.Unread))
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("visually-hidden").Text(" " + T(s.lang, said))
			}),
		),
	)
}

func (s *Shell) renderPeople() app.UI {
	c := s.model.Convs[s.model.Active]
	if c != nil && c.Info.Kind == chat.KindPrivate {
		return s.renderPrivatePeople(c) // people.go
	}
	var online []string
	total := 0
	if c != nil && c.Info.Kind == chat.KindRoom {
		online, total = c.Online, c.OnlineTotal() // a crowded room lists some, counts all
	}
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(s.lang, "people.title")).Body(
		app.H2().Text(T(s.lang, "people.title")+" ("+strconv.Itoa(total)+")"),
		app.P().Class("hint").Text(T(s.lang, "people.hint")),
		app.Ul().Class("person-list").Body(
			app.Range(online).Slice(func(i int) app.UI { return s.renderPerson(online[i]) }),
		),
		app.If(total > len(online), func() app.UI {
			return app.P().ID("people-more").Class("hint").Text(T(s.lang, "people.more", total-len(online)))
		}),
	)
}

func (s *Shell) renderPerson(name string) app.UI {
	if name == s.model.Me {
		return app.Li().Class("person", "me").DataSet("name", name).Body(
			app.Span().Class("person-row").Body(avatar(name, "small", "online"), app.Text(name+" "+T(s.lang, "people.you"))),
		)
	}
	return app.Li().Class("person").DataSet("name", name).Body(
		app.Button().Type("button").Class("person-btn").Title(T(s.lang, "people.private")).
			OnClick(func(ctx app.Context, e app.Event) { s.onOpenPrivate(ctx, name) }).Body(
			avatar(name, "small", "online"), app.Span().Class("person-name").Text(name),
		),
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
		// New messages are announced by #announcer, not by reading the
		// whole timeline again when it changes.
		app.Div().ID("timeline").Class("timeline").Role("log").Aria("live", "off").TabIndex(0).
			Aria("label", T(s.lang, "timeline.label", convLabel(c.Info.Kind, c.Name))).
			OnScroll(s.onTimelineScroll).Body(s.renderTimeline(c)...),
		(&composer{}).Lang(s.lang).Target(c.Name).Offline(s.state != client.Online).Rev(s.rev).
			Names(s.mentionNames()).OnSubmit(s.onSubmit),
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
			return app.Span().Class("count").Text(T(s.lang, "conv.online", c.OnlineTotal()))
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
	var day time.Time   // the day of the entries above
	var prev chat.Entry // the entry above, when it can start a group
	for _, e := range c.Entries {
		for n < len(c.Notices) && c.Notices[n].After < e.Seq {
			items = append(items, s.renderPresence(c.Notices[n], now))
			n++
			prev = chat.Entry{}
		}
		at := time.UnixMilli(e.Time)
		if day.IsZero() || !sameDay(at, day) {
			day = at
			items = append(items, s.renderDay(at, now))
			prev = chat.Entry{}
		}
		if !divided && e.Seq > c.Divider && e.Kind == chat.EntryMessage && html.UnescapeString(e.From) != s.model.Me {
			divided = true
			items = append(items, app.Div().ID("unread-divider").Class("divider").Role("separator").Text(T(s.lang, "conv.divider")))
			prev = chat.Entry{}
		}
		// A mention of the user always shows who wrote it, and says so; so
		// does the first message sent while the user was away.
		cont := sameGroup(prev, e) && !s.model.MentionsMe(e) && s.model.SentWhileAway(prev) == s.model.SentWhileAway(e)
		items = append(items, s.renderEntry(e, now, cont))
		prev = e
	}
	if pending := s.model.Pending(c.Info.ID); len(pending) > 0 && !day.IsZero() && !sameDay(day, now) {
		items = append(items, s.renderDay(now, now))
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

// groupGap is how close in time messages from one sender are shown as a
// group, with the name and the avatar once.
const groupGap = 5 * time.Minute

// sameGroup reports whether message e continues the group of prev.
func sameGroup(prev, e chat.Entry) bool {
	return prev.Kind == chat.EntryMessage && e.Kind == chat.EntryMessage && prev.From == e.From &&
		e.Time >= prev.Time && time.Duration(e.Time-prev.Time)*time.Millisecond < groupGap
}

// renderDay is the heading of the entries of one day.
func (s *Shell) renderDay(at, now time.Time) app.UI {
	return app.H3().Class("day-divider").DataSet("day", at.In(now.Location()).Format(time.DateOnly)).Body(
		app.Span().Text(DayLabel(s.lang, at, now)),
	)
}

// renderEntry renders a membership event or a message. A message that
// continues a group (cont) keeps its sender's name for screen readers but
// shows only its text and, on hover, its time.
func (s *Shell) renderEntry(e chat.Entry, now time.Time, cont bool) app.UI {
	from := html.UnescapeString(e.From)
	at := time.UnixMilli(e.Time)
	when := app.Time().DateTime(at.UTC().Format(time.RFC3339)).
		Title(TimeTitle(s.lang, at, now)).Text(Clock(at, now))
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
	mine := from == s.model.Me
	mention := s.model.MentionsMe(e)
	return app.Div().Class("entry", "msg", classIf("mine", mine), classIf("while-away", away), classIf("cont", cont), classIf("mentions-me", mention)).
		DataSet("seq", seq).Body(
		app.If(!mine, func() app.UI { return avatar(from) }),
		app.Div().Class("bubble").Body(
			app.Div().Class("meta").Body(
				app.Span().Class("from").Text(from), app.Text(" "), when,
				app.If(mention, func() app.UI { return app.Span().Class("mention-tag").Text(T(s.lang, "mention.you")) }),
				app.If(away, func() app.UI { return app.Span().Class("away-tag").Text(T(s.lang, "entry.away")) }),
			),
			app.Raw(s.model.MarkMentions(e)),
		),
	)
}

func (s *Shell) renderPresence(n client.Notice, now time.Time) app.UI {
	key := "notice.offline"
	if n.Online {
		key = "notice.online"
	}
	return app.Div().Class("presence", presenceClass(n.Online)).Body(
		app.Text(T(s.lang, key, n.User)+" · "),
		app.Time().DateTime(n.Time.UTC().Format(time.RFC3339)).Title(FullTime(s.lang, n.Time, now)).
			Text(RelativeTime(s.lang, n.Time, now)),
	)
}

// classIf returns the CSS class name when on, and no class otherwise.
func classIf(name string, on bool) string {
	if on {
		return name
	}
	return ""
}

func presenceClass(online bool) string {
	if online {
		return "joined"
	}
	return "left"
}

func (s *Shell) renderPending(o *client.Outgoing) app.UI {
	status := s.pendingStatus(o)
	if o.To != "" {
		status = T(s.lang, "pending.to", o.To) + " · " + status
	}
	id := o.ID
	return app.Div().Class("entry", "msg", "mine", "pending").DataSet("id", o.ID.Device+":"+strconv.FormatUint(o.ID.N, 10)).Body(
		app.Div().Class("bubble").Body(
			app.Div().Class("meta").Body(app.Span().Class("from").Text(s.model.Me), app.Text(" "), app.Span().Class("pending-status").Text(status)),
			app.Div().Class("body").Text(o.Text),
			app.If(o.Failed != "", func() app.UI {
				return app.Button().Type("button").Class("link").Text(T(s.lang, "btn.discard")).
					OnClick(func(ctx app.Context, e app.Event) { s.model.Discard(id); s.rev++; s.afterActionPWA(ctx) })
			}),
			s.renderCancel(o),
		),
	)
}
