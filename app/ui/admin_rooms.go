package ui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminRoomsPanel is the console's rooms: searched by name, each with its
// owner, members and last activity, archived or unarchived, given another
// owner, or deleted after a confirmation. It talks to /api/admin/rooms
// itself.
type adminRoomsPanel struct {
	app.Compo

	Ilang Lang

	ctx      app.Context
	query    string
	rooms    []adminRoomRow
	note     string
	status   string
	owning   string // the room whose new owner is asked for
	deleting string // the room whose deletion waits for its confirmation
}

// adminRoomRow is a room as /api/admin/rooms lists them.
type adminRoomRow struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Members  int    `json:"members"`
	Entries  uint64 `json:"entries"`
	Last     int64  `json:"last"`
	Archived bool   `json:"archived"`
	Deleted  bool   `json:"deleted"`
}

func newAdminRoomsPanel() *adminRoomsPanel { return &adminRoomsPanel{} }

func (p *adminRoomsPanel) Lang(l Lang) *adminRoomsPanel { p.Ilang = l; return p }

// OnMount lists the rooms.
func (p *adminRoomsPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load()
	}
}

func (p *adminRoomsPanel) load() {
	l := p.Ilang
	type rooms struct {
		Rooms []adminRoomRow `json:"rooms"`
		More  bool           `json:"more"`
	}
	adminGet(p.ctx, l, &p.note, "/api/admin/rooms?q="+url.QueryEscape(p.query), func(reply rooms) {
		p.rooms = reply.Rooms
		switch {
		case len(reply.Rooms) == 0:
			p.note = T(l, "admin.rooms.none")
		case reply.More:
			p.note = T(l, "admin.rooms.more", len(reply.Rooms))
		}
	})
}

func (p *adminRoomsPanel) onSearch(ctx app.Context, e app.Event) {
	e.PreventDefault()
	p.query = strings.TrimSpace(inputValue("admin-room-q"))
	p.load()
}

// act runs an action on room r and lists the rooms again.
func (p *adminRoomsPanel) act(method string, r adminRoomRow, path string) {
	l := p.Ilang
	adminAct(p.ctx, method, "/api/admin/rooms/"+url.PathEscape(r.ID)+path, func(_ app.Context, done adminDone, problem string) {
		p.owning, p.deleting = "", ""
		if problem != "" {
			p.status = T(l, "admin.failed", problem)
			return
		}
		p.status = T(l, "admin.done", r.Name, done.Done)
		p.load()
	})
}

func (p *adminRoomsPanel) Render() app.UI {
	l := p.Ilang
	rows := make([]app.UI, 0, len(p.rooms))
	for _, r := range p.rooms {
		rows = append(rows, p.renderRow(r))
	}
	return app.Section().ID("admin-rooms").Class("admin-section").Aria("labelledby", "admin-rooms-title").Body(
		app.H2().ID("admin-rooms-title").Text(T(l, "admin.rooms")),
		adminSearch(l, "admin-room-q", T(l, "admin.rooms.search"), p.onSearch),
		app.P().ID("admin-rooms-status").Class("hint").Role("status").Text(p.status),
		app.If(p.note != "", func() app.UI { return app.P().Class("hint").Text(p.note) }),
		app.If(len(p.rooms) > 0, func() app.UI {
			return adminTable("admin-room-list", T(l, "admin.rooms"), []string{
				T(l, "admin.rooms.name"), T(l, "admin.rooms.owner"), T(l, "admin.rooms.members"),
				T(l, "admin.rooms.entries"), T(l, "admin.rooms.last"), T(l, "admin.rooms.state"), T(l, "admin.actions"),
			}, rows)
		}),
	)
}

func (p *adminRoomsPanel) renderRow(r adminRoomRow) app.UI {
	l := p.Ilang
	state := T(l, "admin.rooms.open")
	switch {
	case r.Deleted:
		state = T(l, "admin.rooms.deleted")
	case r.Archived:
		state = T(l, "admin.rooms.archived")
	}
	button := func(action, label string, click func()) app.UI {
		return app.Button().Type("button").Class("admin-act", "link").DataSet("action", action).
			Aria("label", label+" "+r.Name).Text(label).
			OnClick(func(app.Context, app.Event) { click() }, app.EventScope(action+r.ID))
	}
	var acts []app.UI
	if !r.Deleted {
		if r.Archived {
			acts = append(acts, button("unarchive", T(l, "admin.rooms.unarchive"), func() { p.act("POST", r, "/unarchive") }))
		} else {
			acts = append(acts, button("archive", T(l, "admin.rooms.archive"), func() { p.act("POST", r, "/archive") }))
		}
		if r.ID != "r:lobby" {
			acts = append(acts,
				button("owner", T(l, "admin.rooms.changeOwner"), func() { p.owning, p.deleting = r.ID, "" }),
				button("delete", T(l, "admin.rooms.delete"), func() { p.deleting, p.owning = r.ID, "" }),
			)
		}
	}
	owner := r.Owner
	if owner == "" {
		owner = "—"
	}
	return app.Tr().Class("admin-room", classIf("archived", r.Archived)).DataSet("id", r.ID).Body(
		app.Th().Scope("row").Text(r.Name),
		app.Td().Text(owner),
		app.Td().Text(strconv.Itoa(r.Members)),
		app.Td().Text(strconv.FormatUint(r.Entries, 10)),
		app.Td().Text(adminTime(l, r.Last)),
		app.Td().Class("admin-state").Text(state),
		app.Td().Class("admin-acts").Body(
			app.Div().Class("row").Body(acts...),
			app.If(p.owning == r.ID, func() app.UI { return p.renderOwner(r) }),
			app.If(p.deleting == r.ID, func() app.UI { return p.renderDelete(r) }),
		),
	)
}

// renderOwner asks for the name of room r's new owner.
func (p *adminRoomsPanel) renderOwner(r adminRoomRow) app.UI {
	l := p.Ilang
	return app.Form().ID("admin-owner").Class("row").OnSubmit(func(ctx app.Context, e app.Event) {
		e.PreventDefault()
		if name := strings.TrimSpace(inputValue("admin-owner-name")); name != "" {
			p.act("PUT", r, "/owner/"+url.PathEscape(name))
		}
	}).Body(
		app.Label().For("admin-owner-name").Text(T(l, "admin.rooms.newOwner", r.Name)),
		app.Input().ID("admin-owner-name").Type("text").MaxLength(64),
		app.Button().Type("submit").ID("admin-owner-go").Text(T(l, "admin.rooms.setOwner")),
		app.Button().Type("button").Text(T(l, "admin.cancel")).OnClick(func(app.Context, app.Event) { p.owning = "" }),
	)
}

// renderDelete asks to confirm the deletion of room r.
func (p *adminRoomsPanel) renderDelete(r adminRoomRow) app.UI {
	l := p.Ilang
	return app.Div().ID("admin-room-delete").Class("admin-delete").Role("group").Aria("label", T(l, "admin.rooms.deleteAsk", r.Name)).Body(
		app.P().Text(T(l, "admin.rooms.deleteAsk", r.Name)),
		app.Div().Class("row").Body(
			app.Button().Type("button").ID("admin-room-delete-confirm").Class("danger").Text(T(l, "admin.rooms.deleteConfirm", r.Name)).
				OnClick(func(app.Context, app.Event) { p.act("DELETE", r, "") }),
			app.Button().Type("button").Text(T(l, "admin.cancel")).OnClick(func(app.Context, app.Event) { p.deleting = "" }),
		),
	)
}
