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

// searchState is the message search (the header's Search button,
// Ctrl/Cmd+F, or "/search words" in the composer): a dialog with the
// words, the filters and the hits. Online it asks the server's index
// (a search frame); offline it searches what this browser saved
// (Model.SearchSaved) and says so. Opening a hit jumps to the message in
// its conversation, loading older pages until it is there.
type searchState struct {
	open   bool
	query  string
	here   bool   // only the conversation in view
	from   string // a sender's name
	since  string // yyyy-mm-dd, from the date field: on or after that day
	before string // yyyy-mm-dd: before that day
	file   bool   // only messages with a file

	asked   *chat.Search // the search the hits answer (its N the latest sent)
	n       uint64       // the number of the latest search sent
	waiting bool         // an answer from the server is due
	local   bool         // the hits come from this device, not the server
	hits    []chat.Hit
	cursor  string // the next page's, from the server
	err     string // why the last search failed
	back    string // the id of the element to focus again when it closes

	jump *searchJump // a hit being opened
}

// searchJump is a hit being opened: the message to show once its
// conversation's window holds it.
type searchJump struct {
	conv string
	seq  uint64
}

// openSearch shows the search dialog with the focus in its field, with
// words already typed if any.
func (s *Shell) openSearch(ctx app.Context, words string) {
	if s.model.Me == "" {
		return
	}
	if !s.find.open {
		s.closeSwitcher(ctx, "")
		s.account = false
		s.find.open, s.find.back = true, activeElementID()
	}
	if words = strings.TrimSpace(words); words != "" {
		s.find.query = words
		s.runSearch(ctx, "")
	}
	s.rev++
	s.afterRender(ctx, func() { focusID("search-input") })
}

// closeSearch hides the dialog and gives the focus back (to focus, or
// where it was, or the composer).
func (s *Shell) closeSearch(ctx app.Context, focus string) {
	if !s.find.open {
		return
	}
	if focus == "" {
		focus = s.find.back
	}
	if focus == "" {
		focus = "composer"
	}
	s.find.open = false
	s.rev++
	s.afterRender(ctx, func() { focusID(focus) })
}

// searchFrame is the search the dialog's fields ask for.
func (s *Shell) searchFrame() chat.Search {
	f := s.find
	q := chat.Search{Q: strings.TrimSpace(f.query), From: strings.TrimSpace(f.from), File: f.file, Limit: chat.DefaultSearchLimit}
	if f.here {
		q.Conv = s.model.Active
	}
	if day, ok := parseDay(f.since); ok {
		q.After = day.UnixMilli() - 1
	}
	if day, ok := parseDay(f.before); ok {
		q.Before = day.UnixMilli()
	}
	return q
}

// parseDay reads a date field's value (yyyy-mm-dd) as the start of that
// day here.
func parseDay(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("2006-01-02", v, time.Local)
	return t, err == nil
}

// runSearch searches for what the fields hold: the page after cursor from
// the server when online, else what this device saved.
func (s *Shell) runSearch(ctx app.Context, cursor string) {
	q := s.searchFrame()
	s.find.err = ""
	if q.Q == "" {
		s.find.hits, s.find.asked, s.find.cursor, s.find.waiting = nil, nil, "", false
		return
	}
	if err := q.Validate(); err != nil {
		s.find.err = err.(*chat.Error).Message
		return
	}
	if s.state != client.Online || s.session == nil {
		s.find.local, s.find.waiting, s.find.cursor = true, false, ""
		s.find.hits, s.find.asked = s.model.SearchSaved(q), &q
		return
	}
	s.find.n++
	q.N, q.Cursor = s.find.n, cursor
	s.find.asked, s.find.waiting = &q, true
	if cursor == "" {
		s.find.hits = nil
	}
	s.send(ctx, &q)
}

// afterApplySearch follows the frames that concern the search: its
// answers, its refusals, and the pages a jump waits for.
func (s *Shell) afterApplySearch(ctx app.Context, f chat.Frame) {
	switch f := f.(type) {
	case *chat.Results:
		if f.N != s.find.n || s.find.asked == nil {
			return // the answer to a search replaced since
		}
		s.find.waiting, s.find.local = false, false
		s.find.hits = append(s.find.hits, f.Hits...)
		s.find.cursor = f.Cursor
		s.rev++
	case *chat.Error:
		if f.Ref == chat.TypeSearch && s.find.waiting {
			s.find.waiting, s.find.err = false, f.Message
			s.notice = "" // said in the dialog
			s.rev++
		}
	case *chat.Page:
		if j := s.find.jump; j != nil && f.Conv == j.conv {
			s.continueJump(ctx)
		}
	}
}

// onSearchOffline notes that the connection went while an answer was
// due: the same words search this device instead.
func (s *Shell) onSearchOffline(ctx app.Context) {
	if s.find.open && s.find.waiting && s.state != client.Online {
		s.runSearch(ctx, "")
	}
}

// openHit shows the message of hit h in its conversation.
func (s *Shell) openHit(ctx app.Context, h chat.Hit) {
	s.closeSearch(ctx, "composer")
	if s.model.Convs[h.Conv] == nil {
		s.notice = T(s.lang, "search.unavailable")
		return
	}
	s.activate(ctx, h.Conv)
	s.stick = false
	s.find.jump = &searchJump{conv: h.Conv, seq: h.Seq}
	s.continueJump(ctx)
}

// continueJump scrolls to the message being opened when its
// conversation's window holds it, else asks for older entries, until the
// conversation's start.
func (s *Shell) continueJump(ctx app.Context) {
	j := s.find.jump
	c := s.model.Convs[j.conv]
	switch {
	case c == nil:
		s.find.jump = nil
	case c.Holds(j.seq):
		s.find.jump = nil
		seq := strconv.FormatUint(j.seq, 10)
		s.afterRender(ctx, func() { showEntry(seq) })
	case !c.Ready || c.LoadingOlder():
		// its pages are on their way
	case c.Start || len(c.Entries) > 0 && c.Entries[0].Seq < j.seq:
		s.find.jump = nil
		s.notice = T(s.lang, "search.unavailable")
	default:
		if f := s.model.Older(j.conv); f != nil {
			s.send(ctx, f)
		} else {
			s.find.jump = nil
			s.notice = T(s.lang, "search.unavailable")
		}
	}
	s.rev++
}

// showEntry scrolls the timeline's entry of sequence seq into view, marks
// it for a moment and moves the focus to it.
func showEntry(seq string) {
	if !app.IsClient {
		return
	}
	el := app.Window().Get("document").Call("querySelector", `#timeline [data-seq="`+seq+`"]`)
	if !el.Truthy() {
		return
	}
	el.Call("scrollIntoView", map[string]any{"block": "center"})
	el.Get("classList").Call("add", "found")
	el.Call("setAttribute", "tabindex", "-1")
	el.Call("focus", map[string]any{"preventScroll": true})
}

// Event handlers of the dialog.

func (s *Shell) onSearchButton(ctx app.Context, e app.Event) { s.openSearch(ctx, "") }

func (s *Shell) onSearchSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	s.runSearch(ctx, "")
	s.rev++
}

func (s *Shell) onSearchMore(ctx app.Context, e app.Event) {
	if s.find.cursor != "" && !s.find.waiting {
		s.runSearch(ctx, s.find.cursor)
		s.rev++
	}
}

// onSearchField stores what a field holds, by its id.
func (s *Shell) onSearchField(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	v := src.Get("value").String()
	switch src.Get("id").String() {
	case "search-input":
		s.find.query = v
	case "search-from":
		s.find.from = v
	case "search-since":
		s.find.since = v
	case "search-before":
		s.find.before = v
	case "search-here":
		s.find.here = src.Get("checked").Bool()
	case "search-file":
		s.find.file = src.Get("checked").Bool()
	}
	s.rev++
}

func (s *Shell) onSearchKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		e.PreventDefault()
		e.Call("stopPropagation")
		s.closeSearch(ctx, "")
	}
}

func (s *Shell) onSearchBackdrop(ctx app.Context, e app.Event) {
	if e.Get("target").Get("id").String() == "search-overlay" {
		s.closeSearch(ctx, "")
	}
}

// iconFindText is the search button's icon: lines of text and a
// magnifier (the switcher has the plain magnifier).
const iconFindText = `<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false"><path d="M3 5h11M3 10h6M3 15h4" stroke="currentColor" stroke-width="2" stroke-linecap="round"/><circle cx="15" cy="14" r="4.5" fill="none" stroke="currentColor" stroke-width="2"/><path d="M18.5 17.5L22 21" stroke="currentColor" stroke-width="2" stroke-linecap="round"/></svg>`

// renderSearchButton is the header's button that opens the search.
func (s *Shell) renderSearchButton() app.UI {
	return app.Button().ID("search-btn").Type("button").Class("switcher-btn", "search-btn").
		Aria("keyshortcuts", "Control+F Meta+F").Aria("haspopup", "dialog").OnClick(s.onSearchButton).Body(
		app.Raw(iconFindText),
		app.Span().Class("switcher-btn-label").Text(T(s.lang, "search.button")),
		app.Kbd().Aria("hidden", "true").Text("Ctrl+F"),
	)
}

// renderSearch is the dialog: the form, where the hits come from, the
// hits, and More.
func (s *Shell) renderSearch() app.UI {
	f := s.find
	l := s.lang
	field := func(id, typ, label, value string) app.UI {
		return app.Label().Class("search-field").For(id).Body(
			app.Span().Text(label),
			app.Input().ID(id).Type(typ).Value(value).Attr("autocomplete", "off").OnChange(s.onSearchField).OnInput(s.onSearchField),
		)
	}
	check := func(id, label string, on bool) app.UI {
		return app.Label().Class("search-check").For(id).Body(
			app.Input().ID(id).Type("checkbox").Checked(on).OnChange(s.onSearchField),
			app.Span().Text(label),
		)
	}
	return app.Div().ID("search-overlay").Class("overlay").OnClick(s.onSearchBackdrop).Body(
		app.Div().ID("search").Class("switcher", "search").Role("dialog").Aria("modal", "true").
			Aria("labelledby", "search-title").OnKeyDown(s.onSearchKey).Body(
			app.H2().ID("search-title").Text(T(l, "search.title")),
			app.Form().ID("search-form").Class("search-form").Role("search").OnSubmit(s.onSearchSubmit).Body(
				app.Div().Class("search-row").Body(
					app.Input().ID("search-input").Type("search").Value(f.query).MaxLength(chat.MaxSearchRunes).
						Aria("label", T(l, "search.input")).Placeholder(T(l, "search.input")).
						Attr("autocomplete", "off").Attr("enterkeyhint", "search").OnInput(s.onSearchField),
					app.Button().ID("search-go").Type("submit").Text(T(l, "search.go")),
				),
				app.Details().Class("search-filters").Body(
					app.Summary().Text(T(l, "search.filters")),
					app.Div().Class("search-filter-grid").Body(
						check("search-here", T(l, "search.here"), f.here),
						check("search-file", T(l, "search.file"), f.file),
						field("search-from", "text", T(l, "search.from"), f.from),
						field("search-since", "date", T(l, "search.since"), f.since),
						field("search-before", "date", T(l, "search.before"), f.before),
					),
				),
			),
			app.P().ID("search-scope").Class("hint", "search-scope", classIf("local", f.local)).Role("status").
				DataSet("scope", s.searchScope()).Text(s.searchScopeText()),
			app.Ul().ID("search-results").Class("search-results").Aria("label", T(l, "search.results")).Body(
				app.Range(f.hits).Slice(func(i int) app.UI { return s.renderHit(f.hits[i]) }),
			),
			app.If(f.cursor != "" && !f.local, func() app.UI {
				return app.Button().ID("search-more").Type("button").Disabled(f.waiting).
					Text(T(l, "search.more")).OnClick(s.onSearchMore)
			}),
			app.P().Class("hint", "switcher-hint").Text(T(l, "search.hint")),
		),
	)
}

// searchScope says where the hits on screen come from: "", "waiting",
// "error", "server" or "device".
func (s *Shell) searchScope() string {
	f := s.find
	switch {
	case f.err != "":
		return "error"
	case f.waiting:
		return "waiting"
	case f.asked == nil:
		return ""
	case f.local:
		return "device"
	}
	return "server"
}

func (s *Shell) searchScopeText() string {
	f := s.find
	l := s.lang
	switch s.searchScope() {
	case "error":
		return f.err
	case "waiting":
		return T(l, "search.waiting")
	case "device":
		if len(f.hits) == 0 {
			return T(l, "search.device.none")
		}
		return T(l, "search.device", len(f.hits))
	case "server":
		if len(f.hits) == 0 {
			return T(l, "search.server.none")
		}
		return T(l, "search.server", len(f.hits))
	}
	if s.state != client.Online {
		return T(l, "search.offline")
	}
	return ""
}

// renderHit is one hit: where and when, who, and its text with the
// matches marked (escaped by whoever searched: the server, or
// chat.Highlight here).
func (s *Shell) renderHit(h chat.Hit) app.UI {
	where := h.Conv
	if c := s.model.Convs[h.Conv]; c != nil {
		where = c.Name
		if c.Info.Kind == chat.KindPrivate {
			where = "@ " + where
		} else {
			where = "# " + where
		}
	}
	at := time.UnixMilli(h.Time)
	now := time.Now()
	return app.Li().Class("search-hit-item").Body(
		app.Button().Type("button").Class("search-hit").DataSet("conv", h.Conv).DataSet("seq", strconv.FormatUint(h.Seq, 10)).
			OnClick(func(ctx app.Context, e app.Event) { s.openHit(ctx, h) }, app.EventScope(h.Conv, h.Seq)).Body(
			app.Span().Class("hit-meta").Body(
				app.Span().Class("hit-conv").Text(where),
				app.Span().Class("hit-from").Text(html.UnescapeString(h.From)),
				app.Time().Class("hit-time").DateTime(at.UTC().Format(time.RFC3339)).Title(TimeTitle(s.lang, at, now)).
					Text(TimeTitle(s.lang, at, now)),
			),
			app.Raw(`<span class="hit-text">`+h.HTML+`</span>`),
		),
	)
}
