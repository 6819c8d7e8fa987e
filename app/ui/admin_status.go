package ui

import (
	"strconv"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// adminStoragePanel is the console's storage: the size of every stream,
// bucket and object store, and the bytes each user's uploads take. It
// reads /api/admin/storage itself.
type adminStoragePanel struct {
	app.Compo

	Ilang Lang

	ctx     app.Context
	stores  []adminStore
	uploads []adminUpload
	note    string
}

// adminStore is a store as /api/admin/storage lists them.
type adminStore struct {
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	Messages uint64 `json:"messages"`
	Bytes    int64  `json:"bytes"`
	Replicas int    `json:"replicas"`
}

// adminUpload is a user's upload use.
type adminUpload struct {
	Name  string `json:"name"`
	Bytes int64  `json:"bytes"`
}

func newAdminStoragePanel() *adminStoragePanel { return &adminStoragePanel{} }

func (p *adminStoragePanel) Lang(l Lang) *adminStoragePanel { p.Ilang = l; return p }

// OnMount reads the sizes.
func (p *adminStoragePanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load()
	}
}

func (p *adminStoragePanel) load() {
	type storage struct {
		Stores  []adminStore  `json:"stores"`
		Uploads []adminUpload `json:"uploads"`
	}
	adminGet(p.ctx, p.Ilang, &p.note, "/api/admin/storage", func(reply storage) {
		p.stores, p.uploads = reply.Stores, reply.Uploads
		if len(p.stores) == 0 {
			p.note = T(p.Ilang, "admin.storage.memory")
		}
	})
}

func (p *adminStoragePanel) Render() app.UI {
	l := p.Ilang
	stores := make([]app.UI, 0, len(p.stores))
	for _, s := range p.stores {
		stores = append(stores, app.Tr().Class("admin-store").Body(
			app.Th().Scope("row").Text(s.Name), app.Td().Text(s.Kind),
			app.Td().Text(strconv.FormatUint(s.Messages, 10)), app.Td().Text(sizeLabel(s.Bytes)),
			app.Td().Text(strconv.Itoa(s.Replicas)),
		))
	}
	uploads := make([]app.UI, 0, len(p.uploads))
	for _, u := range p.uploads {
		uploads = append(uploads, app.Tr().Body(app.Th().Scope("row").Text(u.Name), app.Td().Text(sizeLabel(u.Bytes))))
	}
	return app.Section().ID("admin-storage").Class("admin-section").Aria("labelledby", "admin-storage-title").Body(
		app.H2().ID("admin-storage-title").Text(T(l, "admin.storage")),
		app.Button().Type("button").ID("admin-storage-refresh").Text(T(l, "admin.refresh")).OnClick(func(app.Context, app.Event) { p.load() }),
		app.If(p.note != "", func() app.UI { return app.P().Class("hint").Role("status").Text(p.note) }),
		app.If(len(stores) > 0, func() app.UI {
			return adminTable("admin-store-list", T(l, "admin.storage.stores"), []string{
				T(l, "admin.storage.name"), T(l, "admin.storage.kind"), T(l, "admin.storage.messages"),
				T(l, "admin.storage.bytes"), T(l, "admin.storage.replicas"),
			}, stores)
		}),
		app.If(len(uploads) > 0, func() app.UI {
			return adminTable("admin-upload-list", T(l, "admin.storage.uploads"), []string{
				T(l, "admin.users.name"), T(l, "admin.storage.bytes"),
			}, uploads)
		}),
	)
}

// adminNodesPanel is the console's nodes: every node of the cluster that
// answered, with its health, readiness, connections, version and uptime.
// It reads /api/admin/nodes itself.
type adminNodesPanel struct {
	app.Compo

	Ilang Lang

	ctx   app.Context
	nodes []adminNode
	note  string
}

// adminNode is a node as /api/admin/nodes lists them.
type adminNode struct {
	Node        string `json:"node"`
	Version     string `json:"version"`
	Healthy     bool   `json:"healthy"`
	Ready       bool   `json:"ready"`
	NotReady    string `json:"notReady"`
	Connections int    `json:"connections"`
	Uptime      int64  `json:"uptimeSeconds"`
}

func newAdminNodesPanel() *adminNodesPanel { return &adminNodesPanel{} }

func (p *adminNodesPanel) Lang(l Lang) *adminNodesPanel { p.Ilang = l; return p }

// OnMount asks the nodes.
func (p *adminNodesPanel) OnMount(ctx app.Context) {
	p.ctx = ctx
	if app.IsClient {
		p.load()
	}
}

func (p *adminNodesPanel) load() {
	type nodes struct {
		Nodes []adminNode `json:"nodes"`
	}
	adminGet(p.ctx, p.Ilang, &p.note, "/api/admin/nodes", func(reply nodes) {
		p.nodes, p.note = reply.Nodes, T(p.Ilang, "admin.nodes.count", len(reply.Nodes))
	})
}

func (p *adminNodesPanel) Render() app.UI {
	l := p.Ilang
	rows := make([]app.UI, 0, len(p.nodes))
	for _, n := range p.nodes {
		ready := T(l, "admin.yes")
		if !n.Ready {
			ready = T(l, "admin.nodes.notReady", n.NotReady)
		}
		healthy := T(l, "admin.yes")
		if !n.Healthy {
			healthy = T(l, "admin.no")
		}
		rows = append(rows, app.Tr().Class("admin-node").Body(
			app.Th().Scope("row").Text(n.Node), app.Td().Text(healthy), app.Td().Text(ready),
			app.Td().Text(strconv.Itoa(n.Connections)), app.Td().Text(n.Version),
			app.Td().Text((time.Duration(n.Uptime)*time.Second).String()),
		))
	}
	return app.Section().ID("admin-nodes").Class("admin-section").Aria("labelledby", "admin-nodes-title").Body(
		app.H2().ID("admin-nodes-title").Text(T(l, "admin.nodes")),
		app.Button().Type("button").ID("admin-nodes-refresh").Text(T(l, "admin.refresh")).OnClick(func(app.Context, app.Event) { p.load() }),
		app.P().Class("hint").Role("status").Text(p.note),
		app.If(len(rows) > 0, func() app.UI {
			return adminTable("admin-node-list", T(l, "admin.nodes"), []string{
				T(l, "admin.nodes.node"), T(l, "admin.nodes.healthy"), T(l, "admin.nodes.ready"),
				T(l, "admin.nodes.connections"), T(l, "admin.nodes.version"), T(l, "admin.nodes.uptime"),
			}, rows)
		}),
	)
}
