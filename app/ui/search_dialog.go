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

// searchDialog is the message search as the user sees it: a modal dialog
// with the words, the filters and the hits. It owns its state; it reads
// the Model, asks through the Session, and hears the server's answers as
// every panel hears events (eventAction). Online it asks the server's index
// (a search frame); offline it searches what this browser saved
// (Model.SearchSaved) and says so.
type searchDialog struct {
	app.Compo

	Ilang      Lang
	Imodel     *client.Model
	Isession   *client.Session
	Ionline    bool
	Iwords     string // words to search at once, when it opens
	IonClose   func(app.Context, string)
	IonOpenHit func(app.Context, chat.Hit)

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
}

func newSearchDialog(words string) *searchDialog { return &searchDialog{Iwords: words} }

func (d *searchDialog) Lang(v Lang) *searchDialog               { d.Ilang = v; return d }
func (d *searchDialog) Model(v *client.Model) *searchDialog     { d.Imodel = v; return d }
func (d *searchDialog) Session(v *client.Session) *searchDialog { d.Isession = v; return d }
func (d *searchDialog) Online(v bool) *searchDialog             { d.Ionline = v; return d }
func (d *searchDialog) OnClose(f func(app.Context, string)) *searchDialog {
	d.IonClose = f
	return d
}
func (d *searchDialog) OnOpenHit(f func(app.Context, chat.Hit)) *searchDialog {
	d.IonOpenHit = f
	return d
}

// OnMount listens to the events, and searches the words it was opened
// with.
func (d *searchDialog) OnMount(ctx app.Context) {
	ctx.Handle(eventAction, d.onEvent)
	if d.Iwords != "" {
		d.query = d.Iwords
		d.run("")
	}
}

// onEvent takes the server's answer, or searches this device when the
// connection went while an answer was due.
func (d *searchDialog) onEvent(ctx app.Context, a app.Action) {
	e, _ := a.Value.(client.Event)
	switch f := e.Frame.(type) {
	case *chat.Results:
		if f.N != d.n || d.asked == nil {
			return // the answer to a search replaced since
		}
		d.waiting, d.local = false, false
		d.hits = append(d.hits, f.Hits...)
		d.cursor = f.Cursor
	case *chat.Error:
		if f.Ref == chat.TypeSearch && d.waiting {
			d.waiting, d.err = false, f.Message
		}
	case nil:
		if e.Changed && e.State != client.Online && d.waiting {
			d.Ionline = false
			d.run("")
		}
	}
}

// frame is the search the dialog's fields ask for.
func (d *searchDialog) frame() chat.Search {
	q := chat.Search{Q: strings.TrimSpace(d.query), From: strings.TrimSpace(d.from), File: d.file, Limit: chat.DefaultSearchLimit}
	if d.here && d.Imodel != nil {
		q.Conv = d.Imodel.Active
	}
	if day, ok := parseDay(d.since); ok {
		q.After = day.UnixMilli() - 1
	}
	if day, ok := parseDay(d.before); ok {
		q.Before = day.UnixMilli()
	}
	return q
}

// run asks for the fields' search (the page after cursor): the server
// while online, else what this device saved.
func (d *searchDialog) run(cursor string) {
	q := d.frame()
	d.err = ""
	if q.Q == "" {
		d.hits, d.asked, d.cursor, d.waiting = nil, nil, "", false
		return
	}
	if err := q.Validate(); err != nil {
		d.err = err.(*chat.Error).Message
		return
	}
	if !d.Ionline || d.Isession == nil {
		d.local, d.waiting, d.cursor = true, false, ""
		d.hits, d.asked = d.Imodel.SearchSaved(q), &q
		return
	}
	d.n++
	q.N, q.Cursor = d.n, cursor
	d.asked, d.waiting = &q, true
	if cursor == "" {
		d.hits = nil
	}
	if err := d.Isession.Write([]chat.Frame{&q}); err != nil {
		d.waiting, d.err = false, err.Error()
	}
}

func (d *searchDialog) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	d.run("")
}

func (d *searchDialog) onMore(ctx app.Context, e app.Event) {
	if d.cursor != "" && !d.waiting {
		d.run(d.cursor)
	}
}

// onField stores what a field holds, by its id.
func (d *searchDialog) onField(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	v := src.Get("value").String()
	switch src.Get("id").String() {
	case "search-input":
		d.query = v
	case "search-from":
		d.from = v
	case "search-since":
		d.since = v
	case "search-before":
		d.before = v
	case "search-here":
		d.here = src.Get("checked").Bool()
	case "search-file":
		d.file = src.Get("checked").Bool()
	}
}

func (d *searchDialog) onKey(ctx app.Context, e app.Event) {
	if e.Get("key").String() == "Escape" {
		e.PreventDefault()
		e.Call("stopPropagation")
		d.IonClose(ctx, "")
	}
}

func (d *searchDialog) onBackdrop(ctx app.Context, e app.Event) {
	if e.Get("target").Get("id").String() == "search-overlay" {
		d.IonClose(ctx, "")
	}
}

func (d *searchDialog) Render() app.UI {
	l := d.Ilang
	field := func(id, typ, label, value string) app.UI {
		return app.Label().Class("search-field").For(id).Body(
			app.Span().Text(label),
			app.Input().ID(id).Type(typ).Value(value).Attr("autocomplete", "off").OnChange(d.onField).OnInput(d.onField),
		)
	}
	check := func(id, label string, on bool) app.UI {
		return app.Label().Class("search-check").For(id).Body(
			app.Input().ID(id).Type("checkbox").Checked(on).OnChange(d.onField),
			app.Span().Text(label),
		)
	}
	return app.Div().ID("search-overlay").Class("overlay").OnClick(d.onBackdrop).Body(
		app.Div().ID("search").Class("switcher", "search").Role("dialog").Aria("modal", "true").
			Aria("labelledby", "search-title").OnKeyDown(d.onKey).Body(
			app.H2().ID("search-title").Text(T(l, "search.title")),
			app.Form().ID("search-form").Class("search-form").Role("search").OnSubmit(d.onSubmit).Body(
				app.Div().Class("search-row").Body(
					app.Input().ID("search-input").Type("search").Value(d.query).MaxLength(chat.MaxSearchRunes).
						Aria("label", T(l, "search.input")).Placeholder(T(l, "search.input")).
						Attr("autocomplete", "off").Attr("enterkeyhint", "search").OnInput(d.onField),
					app.Button().ID("search-go").Type("submit").Text(T(l, "search.go")),
				),
				app.Details().Class("search-filters").Body(
					app.Summary().Text(T(l, "search.filters")),
					app.Div().Class("search-filter-grid").Body(
						check("search-here", T(l, "search.here"), d.here),
						check("search-file", T(l, "search.file"), d.file),
						field("search-from", "text", T(l, "search.from"), d.from),
						field("search-since", "date", T(l, "search.since"), d.since),
						field("search-before", "date", T(l, "search.before"), d.before),
					),
				),
			),
			app.P().ID("search-scope").Class("hint", "search-scope", classIf("local", d.local)).Role("status").
				DataSet("scope", d.scope()).Text(d.scopeText()),
			app.Ul().ID("search-results").Class("search-results").Aria("label", T(l, "search.results")).Body(
				app.Range(d.hits).Slice(func(i int) app.UI { return d.renderHit(d.hits[i]) }),
			),
			app.If(d.cursor != "" && !d.local, func() app.UI {
				return app.Button().ID("search-more").Type("button").Disabled(d.waiting).
					Text(T(l, "search.more")).OnClick(d.onMore)
			}),
			app.P().Class("hint", "switcher-hint").Text(T(l, "search.hint")),
		),
	)
}

// scope says where the hits on screen come from: "", "waiting", "error",
// "server" or "device".
func (d *searchDialog) scope() string {
	switch {
	case d.err != "":
		return "error"
	case d.waiting:
		return "waiting"
	case d.asked == nil:
		return ""
	case d.local:
		return "device"
	}
	return "server"
}

func (d *searchDialog) scopeText() string {
	l := d.Ilang
	switch d.scope() {
	case "error":
		return d.err
	case "waiting":
		return T(l, "search.waiting")
	case "device":
		if len(d.hits) == 0 {
			return T(l, "search.device.none")
		}
		return T(l, "search.device", len(d.hits))
	case "server":
		if len(d.hits) == 0 {
			return T(l, "search.server.none")
		}
		return T(l, "search.server", len(d.hits))
	}
	if !d.Ionline {
		return T(l, "search.offline")
	}
	return ""
}

// renderHit is one hit: where and when, who, and its text with the
// matches marked (escaped by whoever searched: the server, or
// chat.Highlight here).
func (d *searchDialog) renderHit(h chat.Hit) app.UI {
	where := h.Conv
	if c := d.Imodel.Convs[h.Conv]; c != nil {
		where = convLabel(c.Info.Kind, c.Name)
	}
	if parent, _, ok := chat.ThreadOf(h.Conv); ok { // a reply in a thread (thread.go)
		where = T(d.Ilang, "thread.in", parent)
		if c := d.Imodel.Convs[parent]; c != nil {
			where = T(d.Ilang, "thread.in", convLabel(c.Info.Kind, c.Name))
		}
	}
	at := time.UnixMilli(h.Time)
	now := time.Now()
	return app.Li().Class("search-hit-item").Body(
		app.Button().Type("button").Class("search-hit").DataSet("conv", h.Conv).DataSet("seq", strconv.FormatUint(h.Seq, 10)).
			OnClick(func(ctx app.Context, e app.Event) { d.IonOpenHit(ctx, h) }, app.EventScope(h.Conv, h.Seq)).Body(
			app.Span().Class("hit-meta").Body(
				app.Span().Class("hit-conv").Text(where),
				app.Span().Class("hit-from").Text(html.UnescapeString(h.From)), botTag(d.Ilang, h.Bot),
				app.Time().Class("hit-time").DateTime(at.UTC().Format(time.RFC3339)).Title(TimeTitle(d.Ilang, at, now)).
					Text(TimeTitle(d.Ilang, at, now)),
			),
			app.Raw(`<span class="hit-text">`+h.HTML+`</span>`),
		),
	)
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
