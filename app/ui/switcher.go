package ui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// The conversation switcher (Ctrl/Cmd+K): a dialog with a field that
// filters conversations and people as one types. The Shell opens and
// closes it (dialogs.go); switcherDialog owns the rest.

// Kinds of switcher items.
const (
	switchConv   = "conv"   // a conversation the user is in
	switchPerson = "person" // someone to talk to privately
	switchJoin   = "join"   // a room to join or create
	switchGroup  = "group"  // a group to start with the names typed (group.go)
)

// switchItem is one choice of the switcher.
type switchItem struct {
	Kind     string
	Conv     string // the conversation's id (switchConv)
	Name     string // the room's or the person's name
	Private  bool
	Unread   int
	Mentions int
}

// Label is how the item reads: "# lobby", "@ Bob".
func (it switchItem) Label() string {
	if it.Private || it.Kind == switchPerson {
		return "@ " + it.Name
	}
	return "# " + it.Name
}

// maxSwitchItems bounds the list.
const maxSwitchItems = 30

// switcherItems returns what the switcher offers for query: the user's
// conversations, then people to talk to privately, then a room to join.
// Without a query the conversation seen before the current one comes
// first (Ctrl+K, Enter goes back), then those with unread messages. With
// one, names that start with it come before names that contain it; a
// leading "#" or "@" is ignored.
func switcherItems(m *client.Model, prev, query string) []switchItem {
	q := strings.ToLower(strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(query), "#@")))
	var starts, contains, rest []switchItem
	add := func(it switchItem) {
		name := strings.ToLower(it.Name)
		switch {
		case q == "":
			rest = append(rest, it)
		case strings.HasPrefix(name, q):
			starts = append(starts, it)
		case strings.Contains(name, q):
			contains = append(contains, it)
		}
	}
	var first, unread []switchItem
	private := make(map[string]bool)
	hasRoom := false
	for _, c := range m.Sorted() {
		if c.Info.Kind == chat.KindPrivate && !chat.IsGroup(c.Info.ID) {
			private[strings.ToLower(c.Name)] = true
		} else if q != "" && strings.ToLower(c.Name) == q {
			hasRoom = true
		}
		if c.Info.ID == m.Active {
			continue
		}
		it := switchItem{Kind: switchConv, Conv: c.Info.ID, Name: c.Name, Private: c.Info.Kind == chat.KindPrivate, Unread: c.Unread, Mentions: c.Mentions}
		switch {
		case q != "":
			add(it)
		case c.Info.ID == prev:
			first = append(first, it)
		case c.Unread > 0:
			unread = append(unread, it)
		default:
			add(it)
		}
	}
	items := append(append(append(first, unread...), starts...), contains...)
	items = append(items, rest...)
	starts, contains, rest = nil, nil, nil
	for _, name := range m.KnownNames() {
		if !private[strings.ToLower(name)] {
			add(switchItem{Kind: switchPerson, Name: name})
		}
	}
	items = append(append(append(items, starts...), contains...), rest...)
	if it, ok := groupItem(m, query); ok { // group.go
		items = append([]switchItem{it}, items...)
	}
	if name := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(query), "#")); q != "" && !hasRoom && !strings.HasPrefix(strings.TrimSpace(query), "@") {
		if clean, err := chat.CleanRoom(name); err == nil {
			items = append(items, switchItem{Kind: switchJoin, Name: clean})
		}
	}
	if len(items) > maxSwitchItems {
		items = items[:maxSwitchItems]
	}
	return items
}

// switcherDialog is the conversation switcher as the user sees it: a modal
// dialog with a field (a combobox) and the list of what it offers, the
// highlighted item marked for screen readers. It owns its state (the
// query, the highlighted item) and reads the Model; choosing an item and
// closing are its owner's.
type switcherDialog struct {
	app.Compo

	Ilang    Lang
	Imodel   *client.Model
	Iprev    string // the conversation in view before, offered first
	IonClose func(app.Context, string)
	IonOpen  func(app.Context, string)      // a conversation of the user
	IonTalk  func(app.Context, string)      // a private conversation with someone
	IonJoin  func(app.Context, string) bool // a room to join and show
	IonGroup func(app.Context, []string)    // a group to start with these people (group.go)

	query string
	pick  int // the highlighted item
}

func newSwitcherDialog() *switcherDialog { return &switcherDialog{} }

func (d *switcherDialog) Lang(v Lang) *switcherDialog                        { d.Ilang = v; return d }
func (d *switcherDialog) Model(v *client.Model) *switcherDialog              { d.Imodel = v; return d }
func (d *switcherDialog) Prev(v string) *switcherDialog                      { d.Iprev = v; return d }
func (d *switcherDialog) OnOpen(h func(app.Context, string)) *switcherDialog { d.IonOpen = h; return d }
func (d *switcherDialog) OnTalk(h func(app.Context, string)) *switcherDialog { d.IonTalk = h; return d }
func (d *switcherDialog) OnJoin(h func(app.Context, string) bool) *switcherDialog {
	d.IonJoin = h
	return d
}
func (d *switcherDialog) OnClose(h func(app.Context, string)) *switcherDialog {
	d.IonClose = h
	return d
}

// choose closes the switcher, with the focus in the composer, and opens
// what the item names.
func (d *switcherDialog) choose(ctx app.Context, it switchItem) {
	d.IonClose(ctx, "composer")
	switch it.Kind {
	case switchConv:
		d.IonOpen(ctx, it.Conv)
	case switchPerson:
		d.IonTalk(ctx, it.Name)
	case switchJoin:
		d.IonJoin(ctx, it.Name)
	case switchGroup:
		if d.IonGroup != nil {
			d.IonGroup(ctx, splitNames(it.Name))
		}
	}
}

// items is what the switcher offers for its query.
func (d *switcherDialog) items() []switchItem { return switcherItems(d.Imodel, d.Iprev, d.query) }

func (d *switcherDialog) onInput(ctx app.Context, e app.Event) {
	d.query = ctx.JSSrc().Get("value").String()
	d.pick = 0
}

func (d *switcherDialog) onKey(ctx app.Context, e app.Event) {
	items := d.items()
	switch e.Get("key").String() {
	case "ArrowDown":
		e.PreventDefault()
		if len(items) > 0 {
			d.pick = (d.pick + 1) % len(items)
		}
	case "ArrowUp":
		e.PreventDefault()
		if len(items) > 0 {
			d.pick = (d.pick - 1 + len(items)) % len(items)
		}
	case "Home":
		e.PreventDefault()
		d.pick = 0
	case "End":
		e.PreventDefault()
		d.pick = max(len(items)-1, 0)
	case "Enter":
		e.PreventDefault()
		if e.Get("isComposing").Bool() {
			return
		}
		if d.pick < len(items) {
			d.choose(ctx, items[d.pick])
		}
		return
	case "Tab":
		e.PreventDefault() // the dialog is modal: the focus stays in it
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation")
		d.IonClose(ctx, "")
		return
	default:
		return
	}
	pick := d.pick
	ctx.Defer(func(app.Context) { scrollIntoView("switcher-opt-" + strconv.Itoa(pick)) })
}

// onBackdrop closes the switcher on a click beside it.
func (d *switcherDialog) onBackdrop(ctx app.Context, e app.Event) {
	if e.Get("target").Get("id").String() == "switcher-overlay" {
		d.IonClose(ctx, "")
	}
}

func (d *switcherDialog) Render() app.UI {
	items := d.items()
	pick := min(d.pick, max(len(items)-1, 0))
	active := ""
	if len(items) > 0 {
		active = "switcher-opt-" + strconv.Itoa(pick)
	}
	return app.Div().ID("switcher-overlay").Class("overlay").OnClick(d.onBackdrop).Body(
		app.Div().ID("switcher").Class("switcher").Role("dialog").Aria("modal", "true").Aria("labelledby", "switcher-title").Body(
			app.H2().ID("switcher-title").Text(T(d.Ilang, "switcher.title")),
			app.Input().ID("switcher-input").Type("text").Role("combobox").
				Aria("label", T(d.Ilang, "switcher.input")).Aria("expanded", "true").Aria("controls", "switcher-list").
				Aria("autocomplete", "list").Aria("activedescendant", active).
				Placeholder(T(d.Ilang, "switcher.input")).Attr("autocomplete", "off").Attr("spellcheck", "false").
				OnInput(d.onInput).OnKeyDown(d.onKey),
			app.Ul().ID("switcher-list").Class("switcher-list").Role("listbox").Aria("label", T(d.Ilang, "switcher.title")).Body(
				app.Range(items).Slice(func(i int) app.UI { return d.renderItem(items[i], i, i == pick) }),
			),
			app.If(len(items) == 0, func() app.UI {
				return app.P().Class("hint", "switcher-none").Text(T(d.Ilang, "switcher.none"))
			}),
			app.P().Class("hint", "switcher-hint").Text(T(d.Ilang, "switcher.hint")),
		),
	)
}

// renderItem is one choice: a conversation, someone to talk to, or a room
// to join, with its unread count.
func (d *switcherDialog) renderItem(it switchItem, i int, picked bool) app.UI {
	var icon app.UI
	label := it.Name // the icon says what it is
	switch {
	case it.Kind == switchJoin:
		icon = app.Span().Class("conv-icon").Aria("hidden", "true").Text("+")
		label = T(d.Ilang, "switcher.join", it.Name)
	case it.Kind == switchGroup:
		icon = app.Span().Class("conv-icon").Aria("hidden", "true").Text("+")
		label = T(d.Ilang, "switcher.group", it.Name)
	case it.Private || it.Kind == switchPerson:
		icon = avatar(it.Name, "small")
	default:
		icon = app.Span().Class("conv-icon").Aria("hidden", "true").Text("#")
	}
	return app.Li().ID("switcher-opt-"+strconv.Itoa(i)).Class("switcher-opt", classIf("active", picked)).Role("option").
		Aria("selected", boolText(picked)).DataSet("kind", it.Kind).DataSet("conv", it.Conv).DataSet("name", it.Name).
		OnClick(func(ctx app.Context, e app.Event) { d.choose(ctx, it) }, app.EventScope(it.Kind, it.Conv, it.Name)).Body(
		icon,
		app.Span().Class("switcher-label").Body(
			app.If(it.Kind != switchJoin && it.Kind != switchGroup, func() app.UI {
				return app.Span().Class("visually-hidden").Text(it.Label()[:2]) // "# " or "@ " for screen readers
			}),
			app.Text(label),
		),
		app.If(it.Kind == switchPerson, func() app.UI {
			return app.Span().Class("hint").Text(T(d.Ilang, "switcher.person"))
		}),
		app.If(it.Unread > 0, func() app.UI {
			return app.Span().Class("unread", classIf("mention", it.Mentions > 0 || it.Private)).
				Text(strconv.Itoa(it.Unread))
		}),
	)
}

// activeElementID returns the id of the focused element, or "".
// nothingFocused reports whether the focus is on no element (the page's
// body).
func nothingFocused() bool {
	if !app.IsClient {
		return false
	}
	doc := app.Window().Get("document")
	el := doc.Get("activeElement")
	return !el.Truthy() || el.Equal(doc.Get("body"))
}

func activeElementID() string {
	if !app.IsClient {
		return ""
	}
	el := app.Window().Get("document").Get("activeElement")
	if !el.Truthy() {
		return ""
	}
	return el.Get("id").String()
}

// focusID moves the focus to the element with id, if there is one.
func focusID(id string) {
	if !app.IsClient || id == "" {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// scrollIntoView scrolls the element with id into view, if needed.
func scrollIntoView(id string) {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("scrollIntoView", map[string]any{"block": "nearest"})
	}
}

// focusFirst moves the focus to the first field or button inside the
// element with id.
func focusFirst(id string) {
	if !app.IsClient {
		return
	}
	if el := app.Window().GetElementByID(id); el.Truthy() {
		if first := el.Call("querySelector", "input, textarea, button"); first.Truthy() {
			first.Call("focus")
		}
	}
}
