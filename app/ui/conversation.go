package ui

import (
	"html"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// conversationPane is the conversation in view: its header (the title, who
// is online, Leave), the timeline (entries grouped by sender and day,
// presence notices, the "new since your last visit" divider, the messages
// still in the outbox) and the composer with its attachments (attach.go),
// with what a person does to a message (actions.go, reactions.go). The
// pane owns that state, sends messages and acts on them through the
// Session, hears events through eventAction, and hands the Shell what is
// the Shell's through the On handlers (the notice, the outbox's follow-up,
// the scroll, "/search" and "/join").
type conversationPane struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64
	Ionline   bool     // the connection is up
	Inames    []string // whom the composer completes after "@"
	IonOlder  func(app.Context)
	IonScroll app.EventHandler
	IonSearch func(app.Context, string)      // "/search words"
	IonJoin   func(app.Context, string) bool // "/join room"
	IonSent   func(app.Context, bool)        // a message or a reply was taken (true: scroll to it)
	Iuploads  *outboxUploads                 // the outbox's files going up (offline_files.go)
	Ijump     jump                           // a message to show (search.go)

	// Sending and the message actions (actions.go, reactions.go).
	Isession   *client.Session                   // sends and acts on messages; nil: shown alone (tests)
	IonNotice  func(app.Context, string)         // shows why something failed ("": clears it)
	IonOutbox  func(app.Context)                 // the outbox took an action
	IonUnstick func(app.Context)                 // the timeline scrolls to a message, not the newest
	IonThread  func(app.Context, string, uint64) // opens the thread of a message (thread.go)

	acts     actionsState
	att      attachState // the composer's uploads and the image viewer (attach.go)
	jumped   int         // the last jump followed (search.go)
	root     app.Context // from OnMount: what comes after a render goes through it
	unlisten func()      // stops listening for files dropped or pasted
}

func newConversationPane() *conversationPane { return &conversationPane{} }

func (p *conversationPane) Lang(v Lang) *conversationPane                 { p.Ilang = v; return p }
func (p *conversationPane) Model(m *client.Model) *conversationPane       { p.Imodel = m; return p }
func (p *conversationPane) Rev(v uint64) *conversationPane                { p.Irev = v; return p }
func (p *conversationPane) Online(v bool) *conversationPane               { p.Ionline = v; return p }
func (p *conversationPane) Names(v []string) *conversationPane            { p.Inames = v; return p }
func (p *conversationPane) OnOlder(h func(app.Context)) *conversationPane { p.IonOlder = h; return p }
func (p *conversationPane) OnScroll(h app.EventHandler) *conversationPane { p.IonScroll = h; return p }
func (p *conversationPane) OnSearch(h func(app.Context, string)) *conversationPane {
	p.IonSearch = h
	return p
}
func (p *conversationPane) OnJoin(h func(app.Context, string) bool) *conversationPane {
	p.IonJoin = h
	return p
}
func (p *conversationPane) OnSent(h func(app.Context, bool)) *conversationPane {
	p.IonSent = h
	return p
}
func (p *conversationPane) Uploads(u *outboxUploads) *conversationPane  { p.Iuploads = u; return p }
func (p *conversationPane) Jump(j jump) *conversationPane               { p.Ijump = j; return p }
func (p *conversationPane) Session(v *client.Session) *conversationPane { p.Isession = v; return p }
func (p *conversationPane) OnNotice(h func(app.Context, string)) *conversationPane {
	p.IonNotice = h
	return p
}
func (p *conversationPane) OnOutbox(h func(app.Context)) *conversationPane { p.IonOutbox = h; return p }
func (p *conversationPane) OnUnstick(h func(app.Context)) *conversationPane {
	p.IonUnstick = h
	return p
}

// OnMount listens to the events, and to files dropped or pasted.
func (p *conversationPane) OnMount(ctx app.Context) {
	p.root = ctx
	p.att.mount("", ctx, func() (Lang, bool, int64) { return p.Ilang, p.Ionline, p.Imodel.Limits.MaxUploadBytes }, p.notify)
	ctx.Handle(eventAction, p.onEvent) // actions.go
	p.follow(ctx)                      // search.go
	if app.IsClient {
		p.unlisten = p.att.listen("#conversation") // attach.go
	}
}

// OnUpdate starts a jump the Shell handed (search.go).
func (p *conversationPane) OnUpdate(ctx app.Context) { p.follow(ctx) }

// OnDismount stops listening to files dropped or pasted.
func (p *conversationPane) OnDismount() {
	if p.unlisten != nil {
		p.unlisten()
		p.unlisten = nil
	}
}

// afterRender runs f once the pane is rendered, through the pane's own
// context: the control that asked may be gone by then.
func (p *conversationPane) afterRender(f func()) {
	if p.root.Context != nil {
		p.root.Defer(func(app.Context) { f() })
	}
}

// notify has the Shell show text as its notice ("": none).
func (p *conversationPane) notify(ctx app.Context, text string) {
	if p.IonNotice != nil {
		p.IonNotice(ctx, text)
	}
}

// outboxChanged tells the Shell the outbox took an action.
func (p *conversationPane) outboxChanged(ctx app.Context) {
	if p.IonOutbox != nil {
		p.IonOutbox(ctx)
	}
}

// unstick tells the Shell the timeline is scrolled to a message.
func (p *conversationPane) unstick(ctx app.Context) {
	if p.IonUnstick != nil {
		p.IonUnstick(ctx)
	}
}

// pendingStatus says where a message of the outbox stands.
func (p *conversationPane) pendingStatus(o *client.Outgoing) string {
	switch {
	case o.Failed != "":
		return T(p.Ilang, "pending.failed", actionError(p.Ilang, o.FailCode, o.Failed))
	case p.Isession != nil && p.Isession.Cancelling(o.ID):
		return T(p.Ilang, "pending.cancelling")
	case p.Isession != nil && p.Isession.IsOther(o):
		return T(p.Ilang, "pending.other")
	case o.AwaitsUpload():
		return T(p.Ilang, "pending.files") // offline_files.go
	case !o.InFlight && !p.Ionline:
		return T(p.Ilang, "pending.queued")
	}
	return T(p.Ilang, "pending.sending")
}

// cancelPending cancels a message that has not gone over the wire: this
// tab's, or one waiting in another tab. What the browser's storage answers
// comes back as an event.
func (p *conversationPane) cancelPending(ctx app.Context, o *client.Outgoing) {
	if p.Isession == nil || !p.Isession.CanCancel(o) {
		return
	}
	if p.Isession.Cancel(o.ID) {
		p.Iuploads.abort(o.ID) // offline_files.go
	}
	p.outboxChanged(ctx)
}

// onSent follows a message or a reply the conversation pane had the
// Session take: the timeline sticks to the newest again, the outbox goes
// on, and the timeline scrolls to it (scroll).
func (s *Shell) onSent(ctx app.Context, scroll bool) {
	s.stick = true
	s.changed(ctx)
	if scroll {
		s.scroll(ctx)
	}
}

// showNotice shows text as the notice ("": none, and no confirmation
// either).
func (s *Shell) showNotice(ctx app.Context, text string) {
	s.notice = text
	if text == "" {
		s.info = ""
	}
	s.rev++
}

// showInfo shows text as the confirmation.
func (s *Shell) showInfo(ctx app.Context, text string) {
	s.notice, s.info = "", text
	s.rev++
}

// changed follows what a person did that may have changed the outbox or
// the conversation in view: the browser keeps it (also offline), the
// outbox's files go on, and the URL names the conversation in view.
func (s *Shell) changed(ctx app.Context) {
	s.rev++
	if s.session != nil {
		s.session.Changed()
	}
	s.ups.changed()
	s.route.sync(s.model)
}

// discard drops a message the server refused for good.
func (p *conversationPane) discard(ctx app.Context, id chat.MsgID) {
	if p.Isession != nil {
		p.Isession.Discard(id)
	}
	p.outboxChanged(ctx)
}

func (p *conversationPane) Render() app.UI {
	c := p.Imodel.Convs[p.Imodel.Active]
	if c == nil {
		return app.Section().ID("conversation").Class("pane", "conversation").Body(
			app.P().Class("empty").Text(T(p.Ilang, "conv.loading")),
		)
	}
	body := []app.UI{
		p.renderConvHeader(c),
		// New messages are announced by #announcer, not by reading the
		// whole timeline again when it changes.
		app.Div().ID("timeline").Class("timeline").Role("log").Aria("live", "off").TabIndex(0).
			Aria("label", T(p.Ilang, "timeline.label", convLabel(c.Info.Kind, c.Name))).
			OnScroll(p.IonScroll).OnClick(p.onCodeCopy).Body(p.renderTimeline(c)...),
		p.renderTyping(c),
	}
	if archived(c) {
		body = append(body, renderArchivedBanner(p.Ilang))
	} else {
		body = append(body, p.renderComposer(c)...)
	}
	body = append(body, p.att.renderViewer(p.Ilang, c), p.renderDeleteDialog())
	return app.Section().ID("conversation").Class("pane", "conversation").DataSet("conv", c.Info.ID).Body(body...)
}

// renderComposer is the composer with its attachments and preview, in a
// conversation that takes messages (not an archived room: archived.go).
func (p *conversationPane) renderComposer(c *client.Conversation) []app.UI {
	return []app.UI{
		p.att.renderTray(p.Ilang),
		newComposerPreview().Lang(p.Ilang).Session(p.Isession).Online(p.Ionline),
		(&composer{}).Lang(p.Ilang).Target(c.Name).Offline(!p.Ionline).Rev(p.Irev).
			Names(p.Inames).Files(p.att.count()).OnSubmit(p.onSubmit).OnTyped(p.onTyped).Mode(p.composerMode()).
			OnUp(p.editLast).OnEscape(p.cancelComposerMode),
	}
}

func (p *conversationPane) renderConvHeader(c *client.Conversation) app.UI {
	title := "# " + c.Name
	if c.Info.Kind == chat.KindPrivate {
		title = "@ " + c.Name
	}
	canLeave := c.Info.Kind == chat.KindRoom && c.Info.ID != "r:lobby"
	return app.Div().Class("conv-header").Body(
		app.H2().ID("conv-title").Text(title),
		app.If(c.Info.Kind == chat.KindRoom, func() app.UI {
			return app.Span().Class("count").Text(T(p.Ilang, "conv.online", c.OnlineTotal()))
		}),
		app.If(canLeave, func() app.UI {
			id := c.Info.ID
			return app.Button().ID("leave").Type("button").Class("link").Text(T(p.Ilang, "btn.leave")).
				OnClick(func(ctx app.Context, e app.Event) {
					sendFrame(ctx, p.Isession, p.IonNotice, p.Ilang, &chat.Leave{Conv: id})
				}, app.EventScope(id))
		}),
		renderRetentionLine(p.Ilang, c),                              // retention.go
		newPushLevel().Lang(p.Ilang).Model(p.Imodel).Conv(c.Info.ID), // push.go
		p.roomPanel(c),   // moderation.go
		p.groupHeader(c), // group.go
	)
}

// renderTimeline lists entries, presence notices after the entry they
// followed, and the user's pending messages at the end.
func (p *conversationPane) renderTimeline(c *client.Conversation) []app.UI {
	now := time.Now()
	items := make([]app.UI, 0, len(c.Entries)+len(c.Notices)+4)
	switch {
	case !c.Ready:
		items = append(items, app.P().Class("timeline-note").Text(T(p.Ilang, "conv.loading")))
	case c.Start && len(c.Entries) == 0:
		items = append(items, app.P().Class("timeline-note").Text(T(p.Ilang, "conv.empty")))
	case c.Start:
		items = append(items, app.P().Class("timeline-note").Text(T(p.Ilang, "conv.start")))
	default:
		items = append(items, app.Button().ID("older").Type("button").Class("link", "older").
			Disabled(c.LoadingOlder()).Text(T(p.Ilang, "btn.older")).OnClick(func(ctx app.Context, e app.Event) { p.IonOlder(ctx) }))
	}
	if c.Lost {
		items = append(items, app.P().Class("timeline-note").Text(T(p.Ilang, "conv.lost")))
	}
	n := 0
	divided := c.Divider == 0
	var day time.Time   // the day of the entries above
	var prev chat.Entry // the entry above, when it can start a group
	seenAt := p.Imodel.SeenAt(c.Info.ID)
	for i, e := range c.Entries {
		for n < len(c.Notices) && c.Notices[n].After < e.Seq {
			items = append(items, p.renderPresence(c.Notices[n], now))
			n++
			prev = chat.Entry{}
		}
		at := time.UnixMilli(e.When())
		if day.IsZero() || !sameDay(at, day) {
			day = at
			items = append(items, p.renderDay(at, now))
			prev = chat.Entry{}
		}
		if placeholder, hidden := p.hiddenRun(c.Entries, i); hidden { // muted (moderation.go)
			if placeholder != nil {
				items = append(items, placeholder)
			}
			prev = chat.Entry{}
			continue
		}
		if !divided && e.Seq > c.Divider && e.Kind == chat.EntryMessage && html.UnescapeString(e.From) != p.Imodel.Me {
			divided = true
			items = append(items, app.Div().ID("unread-divider").Class("divider").Role("separator").Text(T(p.Ilang, "conv.divider")))
			prev = chat.Entry{}
		}
		// A mention of the user always shows who wrote it, and says so; so
		// does the first message sent while the user was away.
		cont := sameGroup(prev, e) && !p.Imodel.MentionsMe(e) && p.Imodel.SentWhileAway(prev) == p.Imodel.SentWhileAway(e)
		items = append(items, p.renderEntry(e, now, cont))
		prev = e
		if e.Seq == seenAt {
			items = append(items, p.renderSeen(c))
			prev = chat.Entry{}
		}
	}
	if pending := p.Imodel.Pending(c.Info.ID); len(pending) > 0 && !day.IsZero() && !sameDay(day, now) {
		items = append(items, p.renderDay(now, now))
	}
	if behind := p.Imodel.Behind(c.Info.ID); behind > 0 {
		items = append(items, app.P().ID("catching-up").Class("timeline-note").Text(T(p.Ilang, "conv.behind", behind)))
	}
	for ; n < len(c.Notices); n++ {
		items = append(items, p.renderPresence(c.Notices[n], now))
	}
	for _, o := range p.Imodel.Pending(c.Info.ID) {
		items = append(items, p.renderPending(o))
	}
	items = append(items, p.renderFailedActions(c.Info.ID)...)
	if len(p.Imodel.Ephemerals(c.Info.ID)) > 0 { // each event renders the pane again: the first one mounts them
		items = append(items, newEphemeralNotes().Lang(p.Ilang).Model(p.Imodel).Conv(c.Info.ID)) // ephemeral.go
	}
	return items
}

// groupGap is how close in time messages from one sender are shown as a
// group, with the name and the avatar once.
const groupGap = 5 * time.Minute

// sameGroup reports whether message e continues the group of prev.
func sameGroup(prev, e chat.Entry) bool {
	return prev.Kind == chat.EntryMessage && e.Kind == chat.EntryMessage && prev.From == e.From &&
		e.When() >= prev.When() && time.Duration(e.When()-prev.When())*time.Millisecond < groupGap
}

// renderDay is the heading of the entries of one day.
func (p *conversationPane) renderDay(at, now time.Time) app.UI {
	return app.H3().Class("day-divider").DataSet("day", at.In(now.Location()).Format(time.DateOnly)).Body(
		app.Span().Text(DayLabel(p.Ilang, at, now)),
	)
}

// renderEntry renders a membership event or a message. A message that
// continues a group (cont) keeps its sender's name for screen readers but
// shows only its text and, on hover, its time.
func (p *conversationPane) renderEntry(e chat.Entry, now time.Time, cont bool) app.UI {
	from := html.UnescapeString(e.From)
	at := time.UnixMilli(e.When())
	when := app.Time().DateTime(at.UTC().Format(time.RFC3339)).
		Title(TimeTitle(p.Ilang, at, now)).Text(Clock(at, now))
	seq := strconv.FormatUint(e.Seq, 10)
	if chat.IsModeration(e.Kind) {
		return p.renderModerationEntry(e, when)
	}
	switch e.Kind {
	case chat.EntryWebhook, chat.EntryOutgoingHook:
		return renderWebhookEntry(p.Ilang, e, seq, when) // bots.go
	case chat.EntryAdd, chat.EntryRename:
		return renderAddEntry(p.Ilang, e, seq, when) // group.go
	case chat.EntryJoin, chat.EntryLeave:
		what := "entry.joined"
		if e.Kind == chat.EntryLeave {
			what = "entry.left"
		}
		return app.Div().Class("entry", "event").DataSet("seq", seq).Body(
			app.B().Text(from), app.Text(" "+T(p.Ilang, what)+" "), when,
		)
	}
	away := p.Imodel.SentWhileAway(e)
	mine := from == p.Imodel.Me
	mention := p.Imodel.MentionsMe(e)
	a := p
	return app.Div().Class("entry", "msg", classIf("mine", mine), classIf("while-away", away), classIf("cont", cont), classIf("mentions-me", mention),
		classIf("deleted", e.Deleted), classIf("flash", a.acts.flash == e.Seq)).
		DataSet("seq", seq).TabIndex(-1).Body(
		app.If(!mine, func() app.UI { return avatar(from) }),
		app.Div().Class("bubble").Body(
			app.Div().Class("meta").Body(
				app.Span().Class("from").Text(from), renderBotTags(p.Ilang, e), app.Text(" "), when, a.renderEdited(e, now),
				app.If(mention, func() app.UI { return app.Span().Class("mention-tag").Text(T(p.Ilang, "mention.you")) }),
				app.If(away, func() app.UI { return app.Span().Class("away-tag").Text(T(p.Ilang, "entry.away")) }),
			),
			a.renderQuote(e.Reply),
			app.Div().Class("msg-text").Body(a.renderMessageBody(e)...),
			app.If(!e.Deleted, func() app.UI { return p.att.renderFiles(p.Ilang, e) }),
			a.renderLinkPreview(e),
			a.renderReactions(e),
			a.renderPicker(e),
			a.renderThreadSummary(e), // thread.go
		),
		a.renderActionBar(e),
	)
}

func (p *conversationPane) renderPresence(n client.Notice, now time.Time) app.UI {
	key := "notice.offline"
	if n.Online {
		key = "notice.online"
	}
	body := append(TName(p.Ilang, key, n.User), app.Text(" · "),
		app.Time().DateTime(n.Time.UTC().Format(time.RFC3339)).Title(FullTime(p.Ilang, n.Time, now)).
			Text(RelativeTime(p.Ilang, n.Time, now)))
	return app.Div().Class("presence", presenceClass(n.Online)).Body(body...)
}

func presenceClass(online bool) string {
	if online {
		return "joined"
	}
	return "left"
}

// renderPending is a message of the outbox: where it stands, and what the
// user may do with it (discard a failed one, cancel one not yet sent).
func (p *conversationPane) renderPending(o *client.Outgoing) app.UI {
	status := p.pendingStatus(o)
	if o.To != "" {
		status = T(p.Ilang, "pending.to", o.To) + " · " + status
	}
	id := o.ID
	return app.Div().Class("entry", "msg", "mine", "pending").DataSet("id", o.ID.Device+":"+strconv.FormatUint(o.ID.N, 10)).Body(
		app.Div().Class("bubble").Body(
			app.Div().Class("meta").Body(app.Span().Class("from").Text(p.Imodel.Me), app.Text(" "), app.Span().Class("pending-status").Text(status)),
			p.renderQuote(o.Reply),
			app.Div().Class("body").Text(o.Text),
			p.Iuploads.renderPendingFiles(p.Ilang, o),
			app.If(o.Failed != "", func() app.UI {
				return app.Button().Type("button").Class("link").Text(T(p.Ilang, "btn.discard")).
					OnClick(func(ctx app.Context, e app.Event) { p.discard(ctx, id) }, app.EventScope(id.Device, id.N))
			}),
			app.If(p.Isession != nil && p.Isession.CanCancel(o), func() app.UI {
				return app.Button().Type("button").Class("link", "cancel-pending").Text(T(p.Ilang, "btn.cancel")).
					OnClick(func(ctx app.Context, e app.Event) { p.cancelPending(ctx, o) }, app.EventScope(o.ID.Device, o.ID.N))
			}),
		),
	)
}
