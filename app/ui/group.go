package ui

import (
	"html"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Group conversations on screen (client/group.go). The people pane of a
// room offers "Start a group" (newGroupForm): the people the user knows of
// as checkboxes, and a name if they like. A group's header has its members
// button (groupPanel), which opens the member list, the Add people field
// and Leave. The people pane of a group lists its members; "Seen by 2"
// goes under the user's last message that others read (typing.go).

// groupText holds the strings of group conversations; init adds them to
// text.
var groupText = []phrase{
	{"group.new", "Start a group", "发起群聊"},
	{"group.new.people", "People", "成员"},
	{"group.new.none", "Nobody else is online here; type their names below.", "这里没有其他人在线；请在下方输入他们的名字。"},
	{"group.new.others", "Other names, separated by commas", "其他人的名字，用逗号分隔"},
	{"group.new.name", "Group name (optional)", "群名称（可选）"},
	{"group.new.start", "Start", "发起"},
	{"group.new.starting", "Starting the group…", "正在发起群聊…"},
	{"group.new.few", "Choose at least two people.", "请至少选择两个人。"},
	{"group.new.limit", "A group may have at most %d people.", "一个群聊最多 %d 人。"},
	{"group.members", "Members (%d)", "成员（%d）"},
	{"group.members.title", "Members of %s", "%s 的成员"},
	{"group.add", "Add people", "添加成员"},
	{"group.add.label", "Names to add, separated by commas", "要添加的名字，用逗号分隔"},
	{"group.add.hint", "They will see what is said from now on.", "他们将看到从现在起的消息。"},
	{"group.leave", "Leave group", "退出群聊"},
	{"group.rename.label", "Group name (empty: the members' names)", "群名称（留空则显示成员名字）"},
	{"group.rename", "Rename", "改名"},
	{"entry.renamed", "named the group %s", "将群聊命名为 %s"},
	{"entry.unnamed", "took the group's name away", "移除了群名称"},
	{"group.people", "In this group", "群成员"},
	{"seen.group", "Seen by %d", "%d 人已读"},
	{"entry.added", "added %s", "添加了 %s"},
	{"switcher.group", "Start a group with %s", "与 %s 发起群聊"},
	{"notify.group", "%s in %s", "%s（%s）"},
	{"announce.group", "%s in %s: %s", "%s 在 %s 中说：%s"},
}

func init() { addText(groupText) }

// splitNames is the names typed in a field, separated by commas or white
// space, each once.
func splitNames(s string) []string {
	var out []string
	for _, n := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '\t' || r == '\n' }) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// knownPeople is everyone the user knows of but the user, sorted: who is
// online in the rooms, whom they talk to privately, who is in their
// groups.
func knownPeople(m *client.Model) []string {
	var out []string
	add := func(name string) {
		if name != "" && name != m.Me && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for id, c := range m.Convs {
		for _, n := range c.Online {
			add(n)
		}
		switch {
		case m.IsGroup(id):
			for _, n := range m.GroupMembers(id) {
				add(n)
			}
		case c.Info.Kind == chat.KindPrivate:
			add(c.Name)
		}
	}
	sort.Strings(out)
	return out
}

// newGroupForm starts a group: in the people pane of a room, a disclosure
// with the people the user knows of as checkboxes, a field for other
// names and one for the group's name. Once the server sends the group, it
// opens it (OnOpen). It owns what is chosen and typed.
type newGroupForm struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Irev      uint64
	Isession  *client.Session
	IonOpen   func(app.Context, string)
	IonNotice func(app.Context, string)

	open    bool
	chosen  []string // the names ticked
	others  string   // the names typed
	name    string
	waiting []string // the members asked for (sorted, the user too), until the group comes
	known   []string // the groups the user had when it was asked for
	err     string
}

func newNewGroupForm() *newGroupForm { return &newGroupForm{} }

func (f *newGroupForm) Lang(v Lang) *newGroupForm               { f.Ilang = v; return f }
func (f *newGroupForm) Model(v *client.Model) *newGroupForm     { f.Imodel = v; return f }
func (f *newGroupForm) Rev(v uint64) *newGroupForm              { f.Irev = v; return f }
func (f *newGroupForm) Session(v *client.Session) *newGroupForm { f.Isession = v; return f }
func (f *newGroupForm) OnOpen(h func(app.Context, string)) *newGroupForm {
	f.IonOpen = h
	return f
}
func (f *newGroupForm) OnNotice(h func(app.Context, string)) *newGroupForm {
	f.IonNotice = h
	return f
}

// OnMount listens for the group asked for, or the server's refusal.
func (f *newGroupForm) OnMount(ctx app.Context) { ctx.Handle(eventAction, f.onEvent) }

func (f *newGroupForm) onEvent(ctx app.Context, a app.Action) {
	e, _ := a.Value.(client.Event)
	if f.waiting == nil {
		return
	}
	switch fr := e.Frame.(type) {
	case *chat.Conv:
		if !chat.IsGroup(fr.ID) || slices.Contains(f.known, fr.ID) || !f.Imodel.IsGroup(fr.ID) ||
			!sameNames(f.Imodel.GroupMembers(fr.ID), f.waiting) {
			return
		}
		f.waiting, f.known, f.chosen, f.others, f.name, f.open = nil, nil, nil, "", "", false
		if f.IonOpen != nil {
			f.IonOpen(ctx, fr.ID)
		}
	case *chat.Error:
		if fr.Ref == chat.TypeNewGroup {
			f.waiting, f.err = nil, fr.Message
		}
	}
}

func (f *newGroupForm) onToggle(ctx app.Context, e app.Event) {
	f.open = ctx.JSSrc().Get("open").Bool()
}

func (f *newGroupForm) onPick(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	name := src.Get("value").String()
	f.chosen = slices.DeleteFunc(f.chosen, func(n string) bool { return n == name })
	if src.Get("checked").Bool() {
		f.chosen = append(f.chosen, name)
	}
	f.err = ""
}

func (f *newGroupForm) onField(ctx app.Context, e app.Event) {
	src := ctx.JSSrc()
	switch src.Get("id").String() {
	case "new-group-others":
		f.others = src.Get("value").String()
	case "new-group-name":
		f.name = src.Get("value").String()
	}
	f.err = ""
}

// members is who the group would have: the user and those chosen or
// typed, sorted.
func (f *newGroupForm) members() []string {
	out := []string{f.Imodel.Me}
	for _, n := range append(slices.Clone(f.chosen), splitNames(f.others)...) {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func (f *newGroupForm) onSubmit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	members := f.members()
	limit := f.Imodel.Limits.GroupLimit
	switch {
	case len(members) < 3:
		f.err = T(f.Ilang, "group.new.few")
		return
	case limit > 0 && len(members) > limit:
		f.err = T(f.Ilang, "group.new.limit", limit)
		return
	case f.Isession == nil:
		return // shown alone (tests)
	}
	var known []string
	for id := range f.Imodel.Convs {
		if chat.IsGroup(id) {
			known = append(known, id)
		}
	}
	with := slices.DeleteFunc(slices.Clone(members), func(n string) bool { return n == f.Imodel.Me })
	if err := f.Isession.NewGroup(f.name, with); err != nil {
		f.err = errorText(f.Ilang, err)
		return
	}
	f.waiting, f.known, f.err = members, known, ""
}

func (f *newGroupForm) Render() app.UI {
	l := f.Ilang
	people := knownPeople(f.Imodel)
	return app.Details().ID("new-group").Class("new-group").Open(f.open).OnToggle(f.onToggle).Body(
		app.Summary().ID("new-group-btn").Text(T(l, "group.new")),
		app.Form().ID("new-group-form").Class("new-group-form").OnSubmit(f.onSubmit).Body(
			app.FieldSet().Body(
				app.Legend().Text(T(l, "group.new.people")),
				app.If(len(people) == 0, func() app.UI { return app.P().Class("hint").Text(T(l, "group.new.none")) }),
				app.Ul().ID("new-group-people").Class("pick-list").Body(
					app.Range(people).Slice(func(i int) app.UI {
						name := people[i]
						id := "new-group-" + strconv.Itoa(i)
						return app.Li().DataSet("pick", name).Body(
							app.Input().ID(id).Type("checkbox").Value(name).Checked(slices.Contains(f.chosen, name)).
								OnChange(f.onPick, app.EventScope(name)),
							app.Label().For(id).Body(avatar(name, "small"), app.Bdi().Text(name)),
						)
					}),
				),
			),
			app.Label().For("new-group-others").Text(T(l, "group.new.others")),
			app.Input().ID("new-group-others").Type("text").Value(f.others).AutoComplete(false).OnInput(f.onField),
			app.Label().For("new-group-name").Text(T(l, "group.new.name")),
			app.Input().ID("new-group-name").Type("text").Value(f.name).MaxLength(chat.MaxGroupNameRunes).
				AutoComplete(false).OnInput(f.onField),
			app.Button().ID("new-group-start").Type("submit").Disabled(f.waiting != nil).Text(T(l, "group.new.start")),
			app.P().ID("new-group-status").Class("hint").Role("status").Text(f.status()),
		),
	)
}

func (f *newGroupForm) status() string {
	switch {
	case f.err != "":
		return f.err
	case f.waiting != nil:
		return T(f.Ilang, "group.new.starting")
	}
	return ""
}

// groupPanel is a group's place in the conversation header: a button
// that opens the member list, the Add people field and Leave.
type groupPanel struct {
	app.Compo

	Ilang     Lang
	Imodel    *client.Model
	Iconv     *client.Conversation
	Irev      uint64
	Isession  *client.Session
	IonNotice func(app.Context, string)

	open bool
}

func newGroupPanel() *groupPanel { return &groupPanel{} }

func (p *groupPanel) Lang(v Lang) *groupPanel                 { p.Ilang = v; return p }
func (p *groupPanel) Model(v *client.Model) *groupPanel       { p.Imodel = v; return p }
func (p *groupPanel) Conv(v *client.Conversation) *groupPanel { p.Iconv = v; return p }
func (p *groupPanel) Rev(v uint64) *groupPanel                { p.Irev = v; return p }
func (p *groupPanel) Session(v *client.Session) *groupPanel   { p.Isession = v; return p }
func (p *groupPanel) OnNotice(h func(app.Context, string)) *groupPanel {
	p.IonNotice = h
	return p
}

func (p *groupPanel) onToggle(ctx app.Context, e app.Event) { p.open = !p.open }

// act runs what the Session is asked, and shows its error.
func (p *groupPanel) act(ctx app.Context, do func() error) {
	if p.Isession == nil || p.IonNotice == nil {
		return // shown alone (tests)
	}
	if err := do(); err != nil {
		p.IonNotice(ctx, errorText(p.Ilang, err))
		return
	}
	p.IonNotice(ctx, "")
}

func (p *groupPanel) onAdd(ctx app.Context, e app.Event) {
	e.PreventDefault()
	el := app.Window().GetElementByID("group-add-name")
	if !el.Truthy() {
		return
	}
	names := splitNames(el.Get("value").String())
	if len(names) == 0 {
		return
	}
	id := p.Iconv.Info.ID
	p.act(ctx, func() error { return p.Isession.AddToGroup(id, names) })
	clearInput("group-add-name")
}

func (p *groupPanel) onRename(ctx app.Context, e app.Event) {
	e.PreventDefault()
	el := app.Window().GetElementByID("group-rename-name")
	if !el.Truthy() {
		return
	}
	id, name := p.Iconv.Info.ID, el.Get("value").String()
	p.act(ctx, func() error { return p.Isession.RenameGroup(id, name) })
}

func (p *groupPanel) onLeave(ctx app.Context, e app.Event) {
	id := p.Iconv.Info.ID
	p.act(ctx, func() error { return p.Isession.LeaveGroup(id) })
}

func (p *groupPanel) Render() app.UI {
	l, c := p.Ilang, p.Iconv
	members := p.Imodel.GroupMembers(c.Info.ID)
	return app.Div().ID("group-tools").Class("room-tools", "group-tools").Body(
		app.Button().ID("group-panel-btn").Type("button").Class("link").Aria("expanded", boolText(p.open)).
			Aria("controls", "group-panel").Text(T(l, "group.members", len(members))).OnClick(p.onToggle),
		app.If(p.open, func() app.UI {
			return app.Div().ID("group-panel").Class("room-panel", "group-panel").Role("region").
				Aria("label", T(l, "group.members.title", c.Name)).Body(
				app.Ul().ID("group-members").Class("room-list").Body(
					app.Range(members).Slice(func(i int) app.UI {
						return app.Li().DataSet("name", members[i]).Body(
							avatar(members[i], "small"), app.Bdi().Class("person-name").Text(members[i]),
						)
					}),
				),
				app.Form().ID("group-add-form").Class("inline-form").OnSubmit(p.onAdd).Body(
					app.Label().For("group-add-name").Text(T(l, "group.add.label")),
					app.Input().ID("group-add-name").Type("text").AutoComplete(false).Aria("describedby", "group-add-hint"),
					app.Button().ID("group-add").Type("submit").Text(T(l, "group.add")),
				),
				app.P().ID("group-add-hint").Class("hint").Text(T(l, "group.add.hint")),
				app.Form().ID("group-rename-form").Class("inline-form").OnSubmit(p.onRename).Body(
					app.Label().For("group-rename-name").Text(T(l, "group.rename.label")),
					app.Input().ID("group-rename-name").Type("text").AutoComplete(false).MaxLength(chat.MaxGroupNameRunes).
						Value(p.named()),
					app.Button().ID("group-rename").Type("submit").Text(T(l, "group.rename")),
				),
				app.Button().ID("group-leave").Type("button").Class("link", "group-leave").Text(T(l, "group.leave")).OnClick(p.onLeave),
			)
		}),
	)
}

// named is the group's name, or "" when it is shown by its members'.
func (p *groupPanel) named() string {
	if g := p.Iconv.Info.Group; g != nil && g.Named {
		return p.Iconv.Name
	}
	return ""
}

// groupHeader renders the group tools of the conversation in view, when
// it is a group.
func (p *conversationPane) groupHeader(c *client.Conversation) app.UI {
	if !p.Imodel.IsGroup(c.Info.ID) {
		return nil
	}
	return newGroupPanel().Lang(p.Ilang).Model(p.Imodel).Conv(c).Rev(p.Irev).Session(p.Isession).OnNotice(p.IonNotice)
}

// renderGroup is the people pane of a group: its members, those online
// marked so.
func (p *peoplePane) renderGroup(c *client.Conversation) app.UI {
	members := p.Imodel.GroupMembers(c.Info.ID)
	return app.Aside().ID("people").Class("pane", "people").Aria("label", T(p.Ilang, "group.people")).Body(
		app.H2().Text(T(p.Ilang, "group.people")+" ("+strconv.Itoa(len(members))+")"),
		app.Ul().Class("person-list").Body(
			app.Range(members).Slice(func(i int) app.UI {
				name := members[i]
				online := name == p.Imodel.Me || isOnline(p.Imodel, name)
				state := "offline"
				if online {
					state = "online"
				}
				return app.Li().Class("person", classIf("me", name == p.Imodel.Me)).DataSet("name", name).DataSet("presence", state).Body(
					app.Span().Class("person-row").Body(
						avatar(name, "small", classIf("online", online)),
						app.Bdi().Class("person-name").Text(name),
						app.If(name == p.Imodel.Me, func() app.UI { return app.Text(" " + T(p.Ilang, "people.you")) }).
							Else(func() app.UI { return app.Span().Class("hint", "presence-state").Text(T(p.Ilang, "state."+state)) }),
					),
				)
			}),
		),
	)
}

// renderGroupSeen is "Seen by 2" under the last of the user's messages
// that others of group c read, naming them for screen readers and on
// hover.
func (p *conversationPane) renderGroupSeen(c *client.Conversation) app.UI {
	by := p.Imodel.GroupSeenBy(c.Info.ID, p.Imodel.SeenAt(c.Info.ID))
	names := strings.Join(by, ", ")
	return app.Div().ID("seen").Class("seen").DataSet("count", len(by)).Title(names).Body(
		app.Span().Aria("hidden", "true").Text(T(p.Ilang, "seen.group", len(by))),
		app.Span().Class("visually-hidden").Text(T(p.Ilang, "seen.sr", names)),
	)
}

// renderAddEntry is the entry that says who added whom to a group (the
// first one of a group: who started it with whom), or who renamed it.
func renderAddEntry(l Lang, e chat.Entry, seq string, when app.UI) app.UI {
	body := []app.UI{app.B().Text(html.UnescapeString(e.From)), app.Text(" ")}
	switch {
	case e.Kind == chat.EntryAdd:
		body = append(body, tNames(l, "entry.added", html.UnescapeString(e.Subject))...)
	case e.Subject != "":
		body = append(body, tNames(l, "entry.renamed", html.UnescapeString(e.Subject))...)
	default:
		body = append(body, app.Text(T(l, "entry.unnamed")))
	}
	return app.Div().Class("entry", "event", string(e.Kind)).DataSet("seq", seq).Body(append(body, app.Text(" "), when)...)
}

// groupItem is the switcher's offer to start a group when its query names
// two people or more but the user, separated by commas ("bob, cid").
func groupItem(m *client.Model, query string) (switchItem, bool) {
	if !strings.ContainsAny(query, ",，") {
		return switchItem{}, false
	}
	names := slices.DeleteFunc(splitNames(strings.TrimLeft(strings.TrimSpace(query), "@")), func(n string) bool {
		_, err := chat.CleanName(n)
		return err != nil || strings.EqualFold(n, m.Me)
	})
	if len(names) < 2 {
		return switchItem{}, false
	}
	return switchItem{Kind: switchGroup, Name: strings.Join(names, ", ")}, true
}

// startGroup asks for a group with the people named (from the switcher)
// and shows it once the server sends it: its name, unnamed, is the
// others' names.
func (s *Shell) startGroup(ctx app.Context, names []string) {
	if s.session == nil {
		return
	}
	if err := s.session.NewGroup("", names); err != nil {
		s.report(err)
		return
	}
	sorted := slices.Clone(names)
	chat.SortNames(sorted)
	s.opening = opening{kind: chat.KindPrivate, name: strings.Join(sorted, ", ")}
}

// OnGroup sets what starts a group with the names typed.
func (d *switcherDialog) OnGroup(h func(app.Context, []string)) *switcherDialog {
	d.IonGroup = h
	return d
}

// sameNames reports whether a and b hold the same names, whatever their
// order and case.
func sameNames(a, b []string) bool {
	lower := func(in []string) []string {
		out := make([]string, len(in))
		for i, s := range in {
			out[i] = strings.ToLower(s)
		}
		sort.Strings(out)
		return out
	}
	return slices.Equal(lower(a), lower(b))
}
