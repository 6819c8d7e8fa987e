package ui

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// The admin console (docs/admin.md), at AdminPath: a page of its own, for
// the server's admins only, on the admin API under /api/admin/. The
// AdminConsole asks /api/admin/me who is there and either says the page
// is for admins only or shows its sections, one at a time, each a panel
// that owns its state and talks to the API itself: users (admin_users.go),
// rooms (admin_rooms.go), storage and nodes (admin_status.go), and the
// audit log (admin_audit.go). A section mounts when chosen, so it shows
// what is true then.

// AdminPath is the console's page.
const AdminPath = "/admin"

// Sections of the console, in the order of its navigation.
const (
	adminUsers   = "users"
	adminRooms   = "rooms"
	adminStorage = "storage"
	adminNodes   = "nodes"
	adminAudit   = "audit"
)

var adminSections = []string{adminUsers, adminRooms, adminStorage, adminNodes, adminAudit}

// Who is at the console.
const (
	adminLoading = iota
	adminYes
	adminRefused // a member who is not an admin
	adminVisitor // not signed in
	adminFailed  // the server could not say
)

// AdminConsole is the root of the console's page.
type AdminConsole struct {
	app.Compo

	lang    Lang
	state   int
	me      string
	section string
	problem string // why the console could not load
}

// NewAdminConsole returns the console, showing its users first.
func NewAdminConsole() *AdminConsole {
	return &AdminConsole{lang: English, section: adminUsers}
}

// OnMount asks the server who is there.
func (c *AdminConsole) OnMount(ctx app.Context) {
	if !app.IsClient {
		return
	}
	c.lang = browserLang(ctx)
	app.Window().Get("document").Set("title", T(c.lang, "admin.title"))
	ctx.Async(func() {
		var me struct {
			Name string `json:"name"`
		}
		status, problem, err := adminRequest("GET", "/api/admin/me", &me)
		ctx.Dispatch(func(app.Context) {
			switch {
			case err != nil:
				c.state, c.problem = adminFailed, err.Error()
			case status == 200:
				c.state, c.me = adminYes, me.Name
			case status == 401:
				c.state = adminVisitor
			case status == 403:
				c.state = adminRefused
			default:
				c.state, c.problem = adminFailed, problem
			}
		})
	})
}

// Render shows the page: a header, then what the visitor may see.
func (c *AdminConsole) Render() app.UI {
	l := c.lang
	var body app.UI
	switch c.state {
	case adminLoading:
		body = app.P().Class("hint").Text(T(l, "admin.loading"))
	case adminRefused, adminVisitor:
		key := "admin.refused"
		if c.state == adminVisitor {
			key = "admin.visitor"
		}
		body = app.Div().ID("admin-refused").Class("admin-refused").Body(
			app.H2().Text(T(l, "admin.only")),
			app.P().Text(T(l, key)),
			app.P().Body(app.A().Href("/").Text(T(l, "admin.back"))),
		)
	case adminFailed:
		body = app.P().ID("admin-failed").Role("alert").Text(T(l, "admin.failed", c.problem))
	default:
		body = app.Div().Body(c.renderNav(), c.renderSection())
	}
	return app.Div().ID("admin").Class("admin").Body(
		app.Header().Class("admin-top").Body(
			app.H1().Text(T(l, "admin.title")),
			app.If(c.me != "", func() app.UI {
				return app.Span().ID("admin-me").Class("hint").Text(T(l, "admin.me", c.me))
			}),
			app.A().ID("admin-back").Href("/").Text(T(l, "admin.back")),
		),
		app.Main().ID("admin-main").Body(body),
	)
}

func (c *AdminConsole) renderNav() app.UI {
	items := make([]app.UI, 0, len(adminSections))
	for _, s := range adminSections {
		b := app.Button().Type("button").ID("admin-tab-"+s).Class("admin-tab").
			Text(T(c.lang, "admin."+s)).OnClick(func(app.Context, app.Event) { c.section = s }, app.EventScope(s))
		if s == c.section {
			b = b.Aria("current", "page")
		}
		items = append(items, app.Li().Body(b))
	}
	return app.Nav().Class("admin-nav").Aria("label", T(c.lang, "admin.sections")).Body(app.Ul().Body(items...))
}

func (c *AdminConsole) renderSection() app.UI {
	switch c.section {
	case adminRooms:
		return newAdminRoomsPanel().Lang(c.lang)
	case adminStorage:
		return newAdminStoragePanel().Lang(c.lang)
	case adminNodes:
		return newAdminNodesPanel().Lang(c.lang)
	case adminAudit:
		return newAdminAuditPanel().Lang(c.lang)
	}
	return newAdminUsersPanel().Lang(c.lang).Me(c.me)
}

// adminRequest sends one request of the admin API: out takes the answer
// when it is a 2xx, and problem is the server's words when it is not.
// adminGet reads path of the admin API into an R off the UI goroutine and
// gives it to done on it; note says "loading" meanwhile, and why when the
// request fails (done is then not called), "" otherwise.
func adminGet[R any](ctx app.Context, l Lang, note *string, path string, done func(R)) {
	*note = T(l, "admin.loading")
	ctx.Async(func() {
		var reply R
		status, problem, err := adminRequest("GET", path, &reply)
		ctx.Dispatch(func(app.Context) {
			switch {
			case err != nil:
				*note = err.Error()
			case status != 200:
				*note = problem
			default:
				*note = ""
				done(reply)
			}
		})
	})
}

func adminRequest(method, path string, out any) (status int, problem string, err error) {
	var raw json.RawMessage
	status, err = requestJSONInto(method, path, nil, &raw)
	if err != nil {
		return 0, "", err
	}
	if status >= 200 && status < 300 {
		if out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return status, "", err
			}
		}
		return status, "", nil
	}
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &e) != nil || e.Error == "" {
		e.Error = "HTTP " + strconv.Itoa(status)
	}
	return status, e.Error, nil
}

// adminDone is what an action of the admin API answers.
type adminDone struct {
	Done     string `json:"done"`
	Changed  bool   `json:"changed"`
	Ended    int    `json:"endedSessions"`
	Removed  int    `json:"removedMessages"`
	Password string `json:"password"` // a password reset's
}

// adminAct runs an action of the admin API off the UI goroutine and hands
// its answer, or what went wrong, to then on it.
func adminAct(ctx app.Context, method, path string, then func(ctx app.Context, done adminDone, problem string)) {
	ctx.Async(func() {
		var done adminDone
		status, problem, err := adminRequest(method, path, &done)
		if err != nil {
			problem = err.Error()
		} else if status >= 300 && problem == "" {
			problem = "HTTP " + strconv.Itoa(status)
		}
		ctx.Dispatch(func(ctx app.Context) { then(ctx, done, problem) })
	})
}

// adminTime shows a time of the API (Unix ms) for the console: how long
// ago, or a dash for none.
func adminTime(l Lang, ms int64) string {
	if ms <= 0 {
		return "—"
	}
	return RelativeTime(l, time.UnixMilli(ms), time.Now())
}

// adminTable is a table with a caption and column headers.
func adminTable(id, caption string, heads []string, rows []app.UI) app.UI {
	ths := make([]app.UI, 0, len(heads))
	for _, h := range heads {
		ths = append(ths, app.Th().Scope("col").Text(h))
	}
	return app.Div().Class("admin-scroll").Body(
		app.Table().ID(id).Class("admin-table").Body(
			app.Caption().Text(caption),
			app.THead().Body(app.Tr().Body(ths...)),
			app.TBody().Body(rows...),
		),
	)
}

// adminSearch is a section's search form: a labelled field and a button.
func adminSearch(l Lang, id, label string, submit app.EventHandler) app.UI {
	return app.Form().Class("admin-search row").Role("search").OnSubmit(submit).Body(
		app.Label().For(id).Text(label),
		app.Input().ID(id).Type("search").MaxLength(64),
		app.Button().Type("submit").ID(id+"-go").Text(T(l, "admin.search")),
	)
}
