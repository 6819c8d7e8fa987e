package server_test

// Browser test of the admin console (app/ui/admin*.go, docs/admin.md):
// an admin disables a user and finds it in the audit log; a member who
// opens /admin is told it is for admins only; both pages are axe-clean
// in the light and the dark theme. Waits are for DOM states.

import (
	"testing"

	"github.com/chromedp/chromedp"

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

	// The other sections show.
	for _, section := range []string{"rooms", "storage", "nodes"} {
		chattest.Do(t, root, chromedp.Click(chromedp.ID("admin-tab-"+section)))
		waitJS(t, root, `!!document.getElementById('admin-`+section+`') && !document.querySelector('#admin-`+section+` [role=status]')?.textContent.includes('Loading')`)
	}
	waitJS(t, root, `document.querySelectorAll('#admin-node-list tr.admin-node').length === 1`)
	checkAccessibility(t, root, axe, "the console's nodes")
}
