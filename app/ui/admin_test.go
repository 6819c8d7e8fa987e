//go:build !js

package ui

import (
	"testing"
)

// TestAdminConsoleRefusesAMember: a member who is not an admin sees that
// the console is for admins only, and no section.
func TestAdminConsoleRefusesAMember(t *testing.T) {
	c := NewAdminConsole()
	c.state = adminRefused
	_, root := render(t, c)
	refused := root.must(t, "refusal", byID("admin-refused"))
	if got := refused.must(t, "heading", byTag("h2")).text(); got != "Admins only" {
		t.Errorf("heading %q", got)
	}
	if root.find(byClass("admin-nav")) != nil || root.find(byID("admin-users")) != nil {
		t.Error("a member is shown the console's sections")
	}
}

// TestAdminConsoleShowsTheSections: an admin gets the five sections'
// navigation, the chosen one marked, and the users first.
func TestAdminConsoleShowsTheSections(t *testing.T) {
	c := NewAdminConsole()
	c.state, c.me = adminYes, "root"
	_, root := render(t, c)
	for _, s := range adminSections {
		root.must(t, "tab "+s, byID("admin-tab-"+s))
	}
	if got := root.must(t, "current tab", byAttr("aria-current", "page")).attrs["id"]; got != "admin-tab-users" {
		t.Errorf("current tab %q", got)
	}
	root.must(t, "users section", byID("admin-users"))
}

// TestAdminUsersRowsOfferTheRightActions: a disabled user is offered
// Enable, an active one Disable; nobody is offered to disable, delete or
// unmake the admin at the console, nor the -admin flag's admins removed.
func TestAdminUsersRowsOfferTheRightActions(t *testing.T) {
	p := newAdminUsersPanel().Lang(English).Me("root")
	p.users = []adminUserRow{
		{Name: "root", Admin: true, FlagAdmin: true},
		{Name: "ann", Disabled: true},
		{Name: "bob", Admin: true},
	}
	p.deleting = "bob"
	_, root := render(t, p)
	actions := func(name string) map[string]bool {
		row := root.must(t, name, byClass("admin-user"), byAttr("data-name", name))
		out := map[string]bool{}
		for _, b := range row.all(byClass("admin-act")) {
			out[b.attrs["data-action"]] = true
		}
		return out
	}
	if a := actions("root"); a["disable"] || a["delete"] || a["admin-remove"] || a["admin-add"] {
		t.Errorf("root at the console is offered %v", a)
	}
	if a := actions("ann"); !a["enable"] || a["disable"] || !a["admin-add"] || !a["delete"] || !a["password"] {
		t.Errorf("ann (disabled) is offered %v", a)
	}
	if a := actions("bob"); !a["disable"] || !a["admin-remove"] || a["admin-add"] {
		t.Errorf("bob (admin) is offered %v", a)
	}
	del := root.must(t, "delete confirmation", byID("admin-delete"))
	del.must(t, "keep", byID("admin-delete-keep"))
	del.must(t, "remove", byID("admin-delete-remove"))
	if got := root.must(t, "what ann is", byClass("admin-user"), byAttr("data-name", "ann")).must(t, "what", byClass("admin-what")).text(); got != "disabled" {
		t.Errorf("ann is %q", got)
	}
}

// TestAdminRoomsRows: an archived room is offered Unarchive, a deleted
// one nothing, the lobby neither a new owner nor deletion.
func TestAdminRoomsRows(t *testing.T) {
	p := newAdminRoomsPanel().Lang(English)
	p.rooms = []adminRoomRow{
		{ID: "r:lobby", Name: "lobby", Members: 3},
		{ID: "r:den", Name: "den", Owner: "ann", Members: 2, Archived: true},
		{ID: "r:old", Name: "old", Deleted: true},
	}
	_, root := render(t, p)
	actions := func(id string) []string {
		return root.must(t, id, byClass("admin-room"), byAttr("data-id", id)).texts(byClass("admin-act"))
	}
	if got := actions("r:lobby"); len(got) != 1 || got[0] != "Archive" {
		t.Errorf("lobby's actions %v", got)
	}
	if got := actions("r:den"); len(got) != 3 || got[0] != "Unarchive" {
		t.Errorf("den's actions %v", got)
	}
	if got := actions("r:old"); len(got) != 0 {
		t.Errorf("a deleted room's actions %v", got)
	}
	if got := root.must(t, "den", byAttr("data-id", "r:den")).must(t, "state", byClass("admin-state")).text(); got != "archived" {
		t.Errorf("den's state %q", got)
	}
}

// TestAdminAuditRows: an entry shows who, what, to whom and from where.
func TestAdminAuditRows(t *testing.T) {
	p := newAdminAuditPanel().Lang(English)
	p.entries = []adminAuditEntry{{Seq: 1, Time: 1, Actor: "root", Addr: "10.0.0.1", Via: "session", Action: "user.disable", Target: "ann", Node: "n1"}}
	_, root := render(t, p)
	row := root.must(t, "entry", byClass("admin-audit"))
	if got := row.must(t, "action", byClass("admin-action")).text(); got != "user.disable" {
		t.Errorf("action %q", got)
	}
	if got := row.must(t, "target", byClass("admin-target")).text(); got != "ann" {
		t.Errorf("target %q", got)
	}
}
