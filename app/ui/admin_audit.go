package ui

import (
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminAuditPanel is the console's audit log: every admin action, newest
// first, with who, what, to whom, when and from where; older pages on
// request. It reads /api/admin/audit itself; nothing here changes it.
type adminAuditPanel struct {
	app.Compo

	Ilang Lang

	ctx     app.Context
	entries []adminAuditEntry
	next    uint64 // the before of the next (older) page, 0 at the end
	note    string
}

// adminAuditEntry is an entry of the audit log (package audit's Entry).
type adminAuditEntry struct {
	Seq    uint64 `json:"seq"`
	Time   int64  `json:"time"`
	Actor  string `json:"actor"`
	Addr   string `json:"addr"`
	Via    string `json:"via"`
	Action string `json:"action"`
	Target string `json:"target"`
	Detail string `json:"detail"`
	Node   string `json:"node"`
}

func newAdminAuditPanel() *adminAuditPanel { return &adminAuditPanel{} }

func (p *adminAuditPanel) Lang(l Lang) *adminAuditPanel { p.Ilang = l; return p }

// OnMount reads the newest entries.
func (p *adminAuditPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load(0)
	}
}

// load reads the page before seq before (0: the newest), after the ones
// shown when before is not 0.
func (p *adminAuditPanel) load(before uint64) {
	l := p.Ilang
	path := "/api/admin/audit?limit=50"
	if before > 0 {
		path += "&before=" + strconv.FormatUint(before, 10)
	}
	type audit struct {
		Entries []adminAuditEntry `json:"entries"`
		Next    uint64            `json:"next"`
	}
	adminGet(p.ctx, l, &p.note, path, func(reply audit) {
		if before == 0 {
			p.entries = nil
		}
		p.entries, p.next = append(p.entries, reply.Entries...), reply.Next
		if len(p.entries) == 0 {
			p.note = T(l, "admin.audit.none")
		}
	})
}

func (p *adminAuditPanel) Render() app.UI {
	l := p.Ilang
	now := time.Now()
	rows := make([]app.UI, 0, len(p.entries))
	for _, e := range p.entries {
		from := e.Addr
		if e.Via != "" {
			from += " · " + e.Via
		}
		if e.Node != "" {
			from += " · " + e.Node
		}
		rows = append(rows, app.Tr().Class("admin-audit").DataSet("action", e.Action).Body(
			app.Td().Body(app.Time().DateTime(time.UnixMilli(e.Time).UTC().Format(time.RFC3339)).
				Title(FullTime(l, time.UnixMilli(e.Time), now)).Text(adminTime(l, e.Time))),
			app.Td().Class("admin-actor").Text(e.Actor),
			app.Td().Class("admin-action").Text(e.Action),
			app.Td().Class("admin-target").Text(e.Target),
			app.Td().Text(strings.TrimSpace(e.Detail)),
			app.Td().Text(from),
		))
	}
	return app.Section().ID("admin-audit").Class("admin-section").Aria("labelledby", "admin-audit-title").Body(
		app.H2().ID("admin-audit-title").Text(T(l, "admin.audit")),
		app.P().Class("hint").Text(T(l, "admin.audit.hint")),
		app.Button().Type("button").ID("admin-audit-refresh").Text(T(l, "admin.refresh")).OnClick(func(app.Context, app.Event) { p.load(0) }),
		app.If(p.note != "", func() app.UI { return app.P().Class("hint").Role("status").Text(p.note) }),
		app.If(len(rows) > 0, func() app.UI {
			return adminTable("admin-audit-list", T(l, "admin.audit"), []string{
				T(l, "admin.audit.when"), T(l, "admin.audit.who"), T(l, "admin.audit.what"),
				T(l, "admin.audit.target"), T(l, "admin.audit.detail"), T(l, "admin.audit.from"),
			}, rows)
		}),
		app.If(p.next > 0, func() app.UI {
			return app.Button().Type("button").ID("admin-audit-older").Text(T(l, "admin.audit.older")).
				OnClick(func(app.Context, app.Event) { p.load(p.next) })
		}),
	)
}
