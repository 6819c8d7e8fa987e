package server_test

// Browser test of the admin console (app/ui/admin*.go, docs/admin.md):
// an admin disables a user and finds it in the audit log; a member who
// opens /admin is told it is for admins only; both pages are axe-clean
// in the light and the dark theme. Waits are for DOM states.

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

func TestBrowserAdminConsole(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	axe := axeSource(t)
	o := fast()
	o.Admins = []string{"Root"}
	s, b := chattest.New(t, o), chattest.NewBrowser(t)
	tabs := people(t, b, s.URL, "Root", "Ann")
	root, ann := tabs[0], tabs[1]
	cy := s.User(t, "cy")
	room(t, cy, "den")

	// An admin's name needs a password.
	chattest.Do(t, root, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, root, `!!document.getElementById('password-new')`)
	chattest.Do(t, root,
		chromedp.SendKeys(chromedp.ID("password-new"), "the admin's long password"),
		chromedp.Click(chromedp.ID("password-submit")),
	)
	waitJS(t, root, `document.getElementById('info')?.textContent.includes('Password saved')`)

	// A member opening /admin is refused, clearly.
	chattest.Do(t, ann, chromedp.Navigate(s.URL+"/admin"))
	waitJS(t, ann, `[...document.querySelectorAll('h1, h2')].some(h => h.textContent === 'Admins only') &&
		document.body.textContent.includes('Only the server') && !document.getElementById('admin-user-list')`)
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		checkAccessibility(t, ann, axe, "the console refused to a member, "+scheme)
	}

	// The admin disables Ann.
	chattest.Do(t, root, chromedp.Navigate(s.URL+"/admin"))
	annRow := `document.querySelector('#admin-user-list tr.admin-user[data-name="Ann"]')`
	waitJS(t, root, `!document.getElementById('app-wasm-loader') && !!`+annRow+` && document.getElementById('admin-me')?.textContent.includes('Root')`)
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, root, scheme)
		checkAccessibility(t, root, axe, "the console's users, "+scheme)
	}
	chattest.Eval[bool](t, root, `(`+annRow+`.querySelector('button[data-action="disable"]').click(), true)`)
	waitJS(t, root, annRow+`?.querySelector('.admin-what')?.textContent === 'disabled' &&
		!!`+annRow+`.querySelector('button[data-action="enable"]') &&
		document.getElementById('admin-users-status').textContent.includes('Ann')`)
	chattest.Screenshot(t, root, "admin-users")
	chattest.Eval[bool](t, root, `(`+annRow+`.querySelector('button[data-action="delete"]').click(), true)`)
	waitJS(t, root, `!!document.getElementById('admin-delete-keep')?.checked && !!document.getElementById('admin-delete-confirm')`)
	checkAccessibility(t, root, axe, "the console's users, a deletion asked")
	chattest.Do(t, root, chromedp.Click(chromedp.ID("admin-delete-cancel")))
	waitJS(t, root, `!document.getElementById('admin-delete')`)

	// It is in the audit log, with who and to whom.
	chattest.Do(t, root, chromedp.Click(chromedp.ID("admin-tab-audit")))
	waitJS(t, root, `[...document.querySelectorAll('#admin-audit-list tr.admin-audit')].some(r =>
		r.dataset.action === 'user.disable' && r.querySelector('.admin-target').textContent === 'Ann' &&
		r.querySelector('.admin-actor').textContent === 'Root')`)
	if got := chattest.Eval[string](t, root, `document.getElementById('admin-tab-audit').getAttribute('aria-current')`); got != "page" {
		t.Errorf("the audit tab is marked %q, want page", got)
	}
	chattest.Screenshot(t, root, "admin-audit")
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, root, scheme)
		checkAccessibility(t, root, axe, "the console's audit log, "+scheme)
	}

	// Rooms: Cy's den is archived from the console, its new-owner form
	// and its delete confirmation are axe-clean too.
	chattest.Do(t, root, chromedp.Click(chromedp.ID("admin-tab-rooms")))
	denRow := `document.querySelector('#admin-room-list tr.admin-room[data-id="r:den"]')`
	waitJS(t, root, `!!`+denRow+` && `+denRow+`.children[1].textContent === 'cy'`)
	chattest.Eval[bool](t, root, `(`+denRow+`.querySelector('button[data-action="archive"]').click(), true)`)
	waitJS(t, root, denRow+`?.querySelector('.admin-state')?.textContent === 'archived'`)
	refusedWith(t, cy, &chat.Send{ID: msgID(1), Conv: "r:den", Text: "anyone?"}, chat.CodeArchived)
	chattest.Eval[bool](t, root, `(`+denRow+`.querySelector('button[data-action="owner"]').click(), true)`)
	waitJS(t, root, `!!document.getElementById('admin-owner-name')`)
	chattest.Eval[bool](t, root, `(`+denRow+`.querySelector('button[data-action="delete"]').click(), true)`)
	waitJS(t, root, `!!document.getElementById('admin-room-delete-confirm') && !document.getElementById('admin-owner-name')`)
	chattest.Screenshot(t, root, "admin-rooms")
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, root, scheme)
		checkAccessibility(t, root, axe, "the console's rooms, a deletion asked, "+scheme)
	}

	// The other sections show.
	for _, section := range []string{"rooms", "storage", "nodes"} {
		chattest.Do(t, root, chromedp.Click(chromedp.ID("admin-tab-"+section)))
		waitJS(t, root, `!!document.getElementById('admin-`+section+`') && !document.querySelector('#admin-`+section+` [role=status]')?.textContent.includes('Loading')`)
	}
	waitJS(t, root, `document.querySelectorAll('#admin-node-list tr.admin-node').length === 1`)
	checkAccessibility(t, root, axe, "the console's nodes")
}

// TestBrowserArchivedRoomBanner: Ann is in den when an admin archives it:
// her conversation pane shows, live, that the room can be read and not
// written to, in place of the composer; unarchived, the banner goes and
// the composer is back, and she posts. Axe-clean in both themes.
func TestBrowserArchivedRoomBanner(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	axe := axeSource(t)
	o := fast()
	o.Admins = []string{"root"}
	s, b := chattest.New(t, o), chattest.NewBrowser(t)
	root := userWithPassword(t, s, "root", "root's long password")
	ann := people(t, b, s.URL, "Ann")[0]
	joinRoom(t, ann, "den")
	waitJS(t, ann, `!!document.getElementById('composer') && !document.getElementById('archived-banner')`)

	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/rooms/r:den/archive", nil, nil); code != 200 {
		t.Fatalf("archive: %d", code)
	}
	waitJS(t, ann, `document.getElementById('archived-banner')?.textContent === 'This room is archived: it can be read, not written to' &&
		!document.getElementById('composer') && !document.getElementById('send')`)
	chattest.Screenshot(t, ann, "archived-room")
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		checkAccessibility(t, ann, axe, "an archived room, "+scheme)
	}

	if code := adminCall(t, s.URL, root.Jar, "POST", "/api/admin/rooms/r:den/unarchive", nil, nil); code != 200 {
		t.Fatalf("unarchive: %d", code)
	}
	waitJS(t, ann, `!document.getElementById('archived-banner') && !!document.getElementById('composer')`)
	room(t, root, "den")
	say(t, ann, "open again")
	chattest.Expect(root, entryWith("open again"))
}
