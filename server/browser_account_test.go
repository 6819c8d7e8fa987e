package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/server/chattest"
)

// TestBrowserPasswordSignInAndOut: Ann sets a password, signs in as herself
// from another browser, a wrong password is refused there, and signing out
// forgets the browser's data and brings the name form back.
func TestBrowserPasswordSignInAndOut(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann")
	ann := tabs[0]
	say(t, ann, "remember me")
	waitJS(t, ann, delivered("Ann", "remember me"))

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, ann, `!!document.getElementById('password-new')`)
	chattest.Do(t, ann,
		chromedp.SendKeys(chromedp.ID("password-new"), "correct horse battery"),
		chromedp.Click(chromedp.ID("password-submit")),
	)
	waitJS(t, ann, `document.getElementById('info')?.textContent.includes('Password saved')`)
	waitJS(t, ann, `!!document.getElementById('password-old')`) // now a change needs the current one
	chattest.Screenshot(t, ann, "password-saved")

	other := b.Tab(t)
	openChat(t, other, s.URL)
	waitJS(t, other, `!!document.getElementById('signin-link')`)
	chattest.Do(t, other, chromedp.Click(chromedp.ID("signin-link")))
	waitJS(t, other, `!!document.getElementById('signin-password')`)

	t.Run("a wrong password is refused", func(t *testing.T) {
		chattest.Do(t, other,
			chromedp.SendKeys(chromedp.ID("signin-name"), "ann"),
			chromedp.SendKeys(chromedp.ID("signin-password"), "not the password"),
			chromedp.Click(chromedp.ID("signin-submit")),
		)
		waitJS(t, other, `document.getElementById('notice')?.textContent.includes('wrong name or password')`)
		if isJS(t, other, `!!document.getElementById('me')`) {
			t.Error("a wrong password signed in")
		}
	})

	chattest.Eval[bool](t, other, `(document.getElementById('signin-password').value = '') === ''`)
	chattest.Do(t, other,
		chromedp.SendKeys(chromedp.ID("signin-password"), "correct horse battery"),
		chromedp.Click(chromedp.ID("signin-submit")),
	)
	waitJS(t, other, `document.getElementById('me')?.textContent === 'Ann'`)
	waitJS(t, other, delivered("Ann", "remember me"))
	chattest.Screenshot(t, other, "signed-in-elsewhere")

	// Signing out on the second browser ends only its session and forgets
	// what it stored.
	chattest.Do(t, other, chromedp.Click(chromedp.ID("lang"))) // stores the language choice
	waitJS(t, other, `localStorage.length > 0`)
	// Clicked from JavaScript: switching the language just moved the
	// buttons, and a mouse click at the old position could miss.
	chattest.Eval[bool](t, other, `(document.getElementById('account-btn').click(), true)`)
	waitJS(t, other, `!!document.getElementById('signout')`)
	chattest.Do(t, other, chromedp.Click(chromedp.ID("signout")))
	// The page reloads: wait for the new one, then for the name form.
	chattest.Eventually(t, wait, func() bool {
		v, err := chromedp.Run(other, chromedp.Evaluate[bool](`!!document.getElementById('name-input') && localStorage.length === 0`))
		return err == nil && v
	}, "after signing out the name form did not come back with empty storage")
	chattest.Screenshot(t, other, "signed-out")

	say(t, ann, "still here")
	waitJS(t, ann, delivered("Ann", "still here"))
	if got := chattest.Eval[string](t, ann, `document.getElementById('me')?.textContent`); got != "Ann" {
		t.Errorf("the first browser's session ended too: me = %q", got)
	}
}

// TestBrowserPrivateMessageWhileAway: Bob closes the app; Ann writes to him;
// when Bob comes back the private conversation waits for him with an
// unread count, and the message says it came while he was away.
func TestBrowserPrivateMessageWhileAway(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	say(t, ann, "hello Bob")
	waitJS(t, bob, delivered("Ann", "hello Bob")) // Bob has read the lobby this far

	chattest.Do(t, bob, chromedp.Navigate("about:blank")) // Bob closes the app
	chattest.Eventually(t, wait, func() bool { return !s.Hub().Online("Bob") }, "Bob is still online after closing the app")
	waitJS(t, ann, `!!document.querySelector('#timeline .presence.left')`)

	say(t, ann, "said while you were gone")
	say(t, ann, "/msg Bob are you there?")
	waitJS(t, ann, delivered("Ann", "are you there?"))

	openChat(t, bob, s.URL) // the same browser: the cookie makes him Bob
	waitJS(t, bob, `document.getElementById('me')?.textContent === 'Bob'`)
	// The lobby shows what was said, after a divider where he stopped reading.
	waitJS(t, bob, delivered("Ann", "said while you were gone"))
	waitJS(t, bob, `document.getElementById('unread-divider')?.nextElementSibling?.querySelector('.body')?.textContent === 'said while you were gone'`)
	// The private message waits for him, counted and marked.
	waitJS(t, bob, `(`+convItem("@ Ann")+`)?.querySelector('.unread')?.textContent === '1'`)
	openConv(t, bob, "@ Ann")
	waitJS(t, bob, delivered("Ann", "are you there?"))
	waitJS(t, bob, `[...document.querySelectorAll('#timeline .entry.while-away .away-tag')].length === 1`)
	chattest.Screenshot(t, bob, "while-away")
}

// signInAs signs tab in as name with password through the sign-in form.
func signInAs(t *testing.T, tab context.Context, url, name, password string) {
	t.Helper()
	openChat(t, tab, url)
	waitJS(t, tab, `!!document.getElementById('signin-link')`)
	chattest.Do(t, tab, chromedp.Click(chromedp.ID("signin-link")))
	waitJS(t, tab, `!!document.getElementById('signin-password')`)
	chattest.Do(t, tab,
		chromedp.SendKeys(chromedp.ID("signin-name"), name),
		chromedp.SendKeys(chromedp.ID("signin-password"), password),
		chromedp.Click(chromedp.ID("signin-submit")),
	)
	waitJS(t, tab, `document.getElementById('me')?.textContent === `+jsString(name))
}

// TestBrowserSignedInDevicesAndPasswordChange: Ann's account panel lists
// her two browsers; she signs the other one out from there, and later a
// password change signs it out again. Each time the other page says why
// and shows the name form.
func TestBrowserSignedInDevicesAndPasswordChange(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	ann := people(t, b, s.URL, "Ann")[0]
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, ann, `!!document.getElementById('password-new')`)
	chattest.Do(t, ann,
		chromedp.SendKeys(chromedp.ID("password-new"), "correct horse battery"),
		chromedp.Click(chromedp.ID("password-submit")),
	)
	waitJS(t, ann, `!!document.getElementById('password-old')`)
	chattest.Eval[bool](t, ann, `(document.getElementById('account-close').click(), true)`)

	other := b.Tab(t)
	signInAs(t, other, s.URL, "Ann", "correct horse battery")

	chattest.Eval[bool](t, ann, `(document.getElementById('account-btn').click(), true)`)
	waitJS(t, ann, `document.querySelectorAll('#device-list .device').length === 2`)
	waitJS(t, ann, `[...document.querySelectorAll('#device-list .device-browser')].every(e => /on Linux/.test(e.textContent))`)
	waitJS(t, ann, `document.querySelectorAll('#device-list .device-signout').length === 1 && !!document.getElementById('devices-signout-others')`)
	chattest.Screenshot(t, ann, "account-devices")

	chattest.Eval[bool](t, ann, `(document.querySelector('#device-list .device-signout').click(), true)`)
	waitJS(t, other, `document.getElementById('notice')?.textContent.includes('signed out from another device')`)
	waitJS(t, other, `!!document.getElementById('name-input')`)
	waitJS(t, ann, `document.querySelectorAll('#device-list .device').length === 1`)
	chattest.Screenshot(t, other, "signed-out-remotely")

	signInAs(t, other, s.URL, "Ann", "correct horse battery")
	chattest.Do(t, ann,
		chromedp.SendKeys(chromedp.ID("password-old"), "correct horse battery"),
		chromedp.SendKeys(chromedp.ID("password-new"), "a brand new secret"),
		chromedp.Click(chromedp.ID("password-submit")),
	)
	waitJS(t, other, `document.getElementById('notice')?.textContent.includes('the password was changed on another device')`)
	waitJS(t, other, `!!document.getElementById('name-input')`)
	chattest.Screenshot(t, other, "signed-out-password-changed")
	say(t, ann, "still signed in")
	waitJS(t, ann, delivered("Ann", "still signed in"))
}
