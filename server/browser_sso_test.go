package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// TestBrowserSSOSignInAndLink: in Chromium, the name form's «Sign in with
// Test ID» goes to the provider and back into the chat as the account it
// made; another person links the provider's identity from Account, and
// Account then says it is linked.
func TestBrowserSSOSignInAndLink(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	p := newTestProvider(t)
	opts := fast()
	opts.OIDC = server.OIDCOptions{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.Secret, Label: "Test ID"}
	s := chattest.New(t, opts)
	b := chattest.NewBrowser(t)

	p.SignsIn(testPerson{Sub: "ann-at-idp", Username: "Ann"})
	ann := b.Tab(t)
	openChat(t, ann, s.URL)
	waitJS(t, ann, `document.getElementById('sso-signin')?.textContent === 'Sign in with Test ID'`)
	chattest.Screenshot(t, ann, "sso-name-form")
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("sso-signin")))
	waitAcrossLoads(t, ann, `document.getElementById('me')?.textContent === 'Ann'`)
	waitOnline(t, ann)
	chattest.Screenshot(t, ann, "sso-signed-in")

	bob := people(t, b, s.URL, "bob")[0]
	p.SignsIn(testPerson{Sub: "bob-at-idp", Username: "robert"})
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, bob, `!!document.getElementById('sso-link')`)
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("sso-link")))
	// Back from the provider, the page loads again as bob's.
	waitAcrossLoads(t, bob, `!document.getElementById('account-panel') && document.getElementById('me')?.textContent === 'bob'`)
	waitOnline(t, bob)
	chattest.Eval[bool](t, bob, `(document.getElementById('account-btn').click(), true)`)
	waitJS(t, bob, `document.getElementById('sso-linked')?.textContent.includes('Test ID')`)
	chattest.Screenshot(t, bob, "sso-linked")
}

// waitAcrossLoads waits until js is true in tab while pages load in it
// (a sign-in's redirects), when an evaluation may fail for want of a page.
func waitAcrossLoads(t *testing.T, tab context.Context, js string) {
	t.Helper()
	chattest.Eventually(t, wait, func() bool {
		v, err := chromedp.Run(tab, chromedp.Evaluate[bool](js))
		return err == nil && v
	}, "waiting across page loads for "+js)
}
