package ui

import (
	"net/url"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminUsersPanel is the console's users: searched by name, each with
// what they are and the actions on them (disable or enable, sign out
// everywhere, reset the password, make or remove an admin, delete with or
// without their messages), and one opened to show their sessions
// (devices) and tokens. It talks to /api/admin/users itself.
type adminUsersPanel struct {
	app.Compo

	Ilang Lang
	Ime   string // the admin at the console, whom some actions spare

	ctx      app.Context
	query    string
	users    []adminUserRow
	note     string // loading, or why the list is missing
	status   string // what the last action did
	password string // a reset's new password, shown once
	open     string // the user whose sessions show
	detail   *adminUserDetail
	deleting string // the user whose deletion waits for its confirmation
}

// adminUserRow is a user as /api/admin/users lists them.
type adminUserRow struct {
	Name      string `json:"name"`
	Password  bool   `json:"password"`
	SSO       bool   `json:"sso"`
	Bot       bool   `json:"bot"`
	Created   int64  `json:"created"`
	Used      int64  `json:"used"`
	Disabled  bool   `json:"disabled"`
	Admin     bool   `json:"admin"`
	FlagAdmin bool   `json:"flagAdmin"`
	Uploads   int64  `json:"uploadBytes"`
}

// adminUserDetail is /api/admin/users/{name}: the sessions and tokens.
type adminUserDetail struct {
	Sessions []struct {
		ID      string `json:"id"`
		Browser string `json:"browser"`
		Addr    string `json:"addr"`
		Created int64  `json:"created"`
		Used    int64  `json:"used"`
	} `json:"sessions"`
	Tokens []accessToken `json:"tokens"`
}

func newAdminUsersPanel() *adminUsersPanel { return &adminUsersPanel{} }

func (p *adminUsersPanel) Lang(l Lang) *adminUsersPanel { p.Ilang = l; return p }

func (p *adminUsersPanel) Me(name string) *adminUsersPanel { p.Ime = name; return p }

// OnMount lists the users.
func (p *adminUsersPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load()
	}
}

func (p *adminUsersPanel) load() {
	l := p.Ilang
	type users struct {
		Users []adminUserRow `json:"users"`
	}
	adminGet(p.ctx, l, &p.note, "/api/admin/users?limit=200&q="+url.QueryEscape(p.query), func(reply users) {
		p.users = reply.Users
		if len(reply.Users) == 0 {
			p.note = T(l, "admin.users.none")
		}
	})
}

func (p *adminUsersPanel) onSearch(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.query = strings.TrimSpace(inputValue("admin-user-q"))
	p.load()
}

// act runs an action on the user name and lists the users again.
func (p *adminUsersPanel) act(method, name, path string) {
	l := p.Ilang
	adminAct(p.ctx, method, "/api/admin/users/"+url.PathEscape(name)+path, func(_ app.Context, done adminDone, problem string) {
		p.deleting = ""
		if problem != "" {
			p.status = T(l, "admin.failed", problem)
			return
		}
		p.status = T(l, "admin.done", name, done.Done)
		if done.Removed > 0 {
			p.status += " " + T(l, "admin.users.removed", done.Removed)
		}
		p.password = done.Password
		if p.open == name {
			p.show(name)
		}
		p.load()
	})
}

// show opens the sessions and tokens of the user name.
func (p *adminUsersPanel) show(name string) {
	ctx := p.ctx
	p.open, p.detail = name, nil
	ctx.Async(func() {
		var d adminUserDetail
		status, problem, err := adminRequest("GET", "/api/admin/users/"+url.PathEscape(name), &d)
		ctx.Dispatch(func(app.Context) {
			switch {
			case p.open != name:
			case err != nil:
				p.status = T(p.Ilang, "admin.failed", err.Error())
			case status != 200:
				p.status = T(p.Ilang, "admin.failed", problem)
			default:
				p.detail = &d
			}
		})
	})
}

func (p *adminUsersPanel) Render() app.UI {
	l := p.Ilang
	rows := make([]app.UI, 0, len(p.users))
	for _, u := range p.users {
		rows = append(rows, p.renderRow(u))
	}
	return app.Section().ID("admin-users").Class("admin-section").Aria("labelledby", "admin-users-title").Body(
		app.H2().ID("admin-users-title").Text(T(l, "admin.users")),
		adminSearch(l, "admin-user-q", T(l, "admin.users.search"), p.onSearch),
		app.P().ID("admin-users-status").Class("hint").Role("status").Text(p.status),
		app.If(p.password != "", func() app.UI {
			return app.Div().ID("admin-password").Body(
				app.Label().For("admin-password-value").Text(T(l, "admin.users.password")),
				app.Input().ID("admin-password-value").Type("text").ReadOnly(true).Value(p.password),
			)
		}),
		app.If(p.note != "", func() app.UI { return app.P().Class("hint").Text(p.note) }),
		app.If(len(p.users) > 0, func() app.UI {
			return adminTable("admin-user-list", T(l, "admin.users"), []string{
				T(l, "admin.users.name"), T(l, "admin.users.what"), T(l, "admin.users.created"),
				T(l, "admin.users.used"), T(l, "admin.users.uploads"), T(l, "admin.actions"),
			}, rows)
		}),
		app.If(p.detail != nil, p.renderDetail),
	)
}

func (p *adminUsersPanel) renderRow(u adminUserRow) app.UI {
	l := p.Ilang
	var what []string
	if u.Admin {
		what = append(what, T(l, "admin.users.admin"))
	}
	if u.Disabled {
		what = append(what, T(l, "admin.users.disabled"))
	}
	if u.Bot {
		what = append(what, T(l, "admin.users.bot"))
	}
	if u.SSO {
		what = append(what, T(l, "admin.users.sso"))
	}
	if len(what) == 0 {
		what = append(what, T(l, "admin.users.member"))
	}
	name := u.Name
	button := func(action, label string, click func()) app.UI {
		return app.Button().Type("button").Class("admin-act", "link").DataSet("action", action).
			Aria("label", label+" "+name).Text(label).
			OnClick(func(app.Context, app.Event) { click() }, app.EventScope(action+name))
	}
	acts := []app.UI{button("sessions", T(l, "admin.users.sessions"), func() { p.show(name) })}
	if name != p.Ime {
		if u.Disabled {
			acts = append(acts, button("enable", T(l, "admin.users.enable"), func() { p.act("POST", name, "/enable") }))
		} else {
			acts = append(acts, button("disable", T(l, "admin.users.disable"), func() { p.act("POST", name, "/disable") }))
		}
	}
	acts = append(acts, button("signout", T(l, "admin.users.signout"), func() { p.act("POST", name, "/signout") }))
	if !u.Bot {
		acts = append(acts, button("password", T(l, "admin.users.reset"), func() { p.act("POST", name, "/password") }))
	}
	switch {
	case !u.Admin:
		acts = append(acts, button("admin-add", T(l, "admin.users.makeAdmin"), func() { p.act("PUT", name, "/admin") }))
	case !u.FlagAdmin && name != p.Ime:
		acts = append(acts, button("admin-remove", T(l, "admin.users.unmakeAdmin"), func() { p.act("DELETE", name, "/admin") }))
	}
	if !u.FlagAdmin && name != p.Ime {
		acts = append(acts, button("delete", T(l, "admin.users.delete"), func() { p.deleting = name }))
	}
	return app.Tr().Class("admin-user", classIf("disabled", u.Disabled)).DataSet("name", name).Body(
		app.Th().Scope("row").Text(name),
		app.Td().Class("admin-what").Text(strings.Join(what, ", ")),
		app.Td().Text(adminTime(l, u.Created)),
		app.Td().Text(adminTime(l, u.Used)),
		app.Td().Text(sizeLabel(u.Uploads)),
		app.Td().Class("admin-acts").Body(
			app.Div().Class("row").Body(acts...),
			app.If(p.deleting == name, func() app.UI { return p.renderDelete(name) }),
		),
	)
}

// renderDelete asks how to delete the user name: keeping their messages,
// or removing them, and for a confirmation.
func (p *adminUsersPanel) renderDelete(name string) app.UI {
	l := p.Ilang
	choice := func(value, label string, checked bool) app.UI {
		id := "admin-delete-" + value
		return app.Label().For(id).Class("token-scope").Body(
			app.Input().ID(id).Type("radio").Name("admin-delete-messages").Value(value).Checked(checked),
			app.Text(" "+label),
		)
	}
	return app.FieldSet().ID("admin-delete").Class("admin-delete").Body(
		app.Legend().Text(T(l, "admin.users.deleteAsk", name)),
		choice("keep", T(l, "admin.users.keep"), true),
		choice("remove", T(l, "admin.users.remove"), false),
		app.Div().Class("row").Body(
			app.Button().Type("button").ID("admin-delete-confirm").Class("danger").Text(T(l, "admin.users.deleteConfirm", name)).
				OnClick(func(app.Context, app.Event) {
					messages := "keep"
					if el := app.Window().GetElementByID("admin-delete-remove"); el.Truthy() && el.Get("checked").Bool() {
						messages = "remove"
					}
					p.act("DELETE", name, "?messages="+messages)
				}),
			app.Button().Type("button").ID("admin-delete-cancel").Text(T(l, "admin.cancel")).
				OnClick(func(app.Context, app.Event) { p.deleting = "" }),
		),
	)
}

// renderDetail lists the open user's sessions and tokens.
func (p *adminUsersPanel) renderDetail() app.UI {
	l := p.Ilang
	sessions := make([]app.UI, 0, len(p.detail.Sessions))
	for _, s := range p.detail.Sessions {
		sessions = append(sessions, app.Tr().Class("admin-session").Body(
			app.Td().Text(s.Browser), app.Td().Text(s.Addr),
			app.Td().Text(adminTime(l, s.Created)), app.Td().Text(adminTime(l, s.Used)),
		))
	}
	tokens := make([]app.UI, 0, len(p.detail.Tokens))
	for _, t := range p.detail.Tokens {
		tokens = append(tokens, app.Tr().Class("admin-token").Body(
			app.Td().Text(t.Name), app.Td().Text(strings.Join(t.Scopes, ", ")),
			app.Td().Text(adminTime(l, t.Created)), app.Td().Text(adminTime(l, t.Used)),
		))
	}
	return app.Div().ID("admin-user-detail").Body(
		app.H3().Text(T(l, "admin.users.of", p.open)),
		adminTable("admin-sessions", T(l, "admin.users.sessionsOf", p.open, len(sessions)), []string{
			T(l, "admin.users.browser"), T(l, "admin.users.addr"), T(l, "admin.users.created"), T(l, "admin.users.used"),
		}, sessions),
		adminTable("admin-tokens", T(l, "admin.users.tokensOf", p.open, len(tokens)), []string{
			T(l, "admin.users.name"), T(l, "admin.users.scopes"), T(l, "admin.users.created"), T(l, "admin.users.used"),
		}, tokens),
	)
}
