package server_test

// A browser test of the HTTP API's side the web client shows: a person
// makes a token in the Account panel, a CI-style sender posts through an
// incoming webhook made with it, and the person watching the lobby in
// headless Chromium sees the message with the bot's badge and its via; a
// bot online is marked in the people pane; Revoke all ends every token.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/server/chattest"
)

func TestBrowserWebhookMessageWhileWatching(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	opts := fast()
	opts.Admins = []string{"Ann"} // may manage the lobby's webhooks
	s, b := chattest.New(t, opts), chattest.NewBrowser(t)
	ann := people(t, b, s.URL, "Ann")[0]

	// The token, made in the Account panel and shown once.
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, ann, `!!document.getElementById('tokens-summary')`)
	// Unfolded as a click on its summary does (the browser's own
	// behaviour; a click landing while the panel renders is lost).
	chattest.Eval[bool](t, ann, `(document.getElementById('tokens').open = true)`)
	waitJS(t, ann, `document.getElementById('token-name')?.offsetParent != null`)
	// An admin counts only with a password.
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("password-new"), "correct horse battery"), chromedp.Click(chromedp.ID("password-submit")))
	waitJS(t, ann, `!!document.getElementById('password-old')`)
	// Typed, as a person does (a value set from JavaScript fires no input
	// event, and the panel's next render may put the field back).
	chattest.Do(t, ann, chromedp.SendKeys(chromedp.ID("token-name"), "ci setup"), chromedp.Click(chromedp.ID("token-scope-write")))
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("token-create")))
	token := chattest.Poll[string](t, ann, `document.getElementById('token-value')?.value || ''`, wait)
	if !strings.HasPrefix(token, "chat_") {
		t.Fatalf("the token shown: %q", token)
	}
	waitJS(t, ann, `[...document.querySelectorAll('#token-list .token-name')].some(e => e.textContent === 'ci setup')`)
	chattest.Screenshot(t, ann, "token-made")
	chattest.Eval[bool](t, ann, `(document.getElementById('account-close').click(), true)`)

	var hook struct{ URL, Error string }
	if code, _ := apiCall(t, s.URL, token, "POST", "/api/v1/conversations/r:lobby/webhooks", map[string]any{"name": "ci"}, nil, &hook); code != 201 {
		t.Fatalf("make the webhook: %d %s", code, hook.Error)
	}
	waitJS(t, ann, `[...document.querySelectorAll('#timeline .entry.webhook')].some(e => e.textContent.includes('made the webhook ci'))`)

	// The CI job: nothing but the URL.
	resp, err := apiHTTP(nil).Post(hook.URL, "application/json", strings.NewReader(`{"text":"build 812 passed","username":"Jenkins"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the webhook: %d", resp.StatusCode)
	}
	waitJS(t, ann, `(() => { const e = `+msgWith("build 812 passed")+`;
		return !!e && e.querySelector('.from')?.textContent === 'ci' && e.querySelector('.bot-tag')?.textContent === 'bot' &&
			e.querySelector('.via')?.textContent === 'via Jenkins'; })()`)
	chattest.Screenshot(t, ann, "webhook-message")

	// A bot online is marked in the people pane, as in the timeline.
	botOnline(t, s.URL, s.WS, token, "statusbot")
	waitJS(t, ann, `document.querySelector('#people .person[data-name="statusbot"] .bot-tag')?.textContent === 'bot' &&
		!document.querySelector('#people .person[data-name="Ann"] .bot-tag')`)

	// Every token revoked at once from Account: a second press does it.
	// A second token first (made with the page's session, as the panel
	// does), so that there is more than one.
	if code := evalAsync[int](t, ann, `fetch('/api/tokens', {method: 'POST', headers: {'Content-Type': 'application/json'},
		body: JSON.stringify({name: 'second', scopes: ['read']})}).then(r => r.status)`); code != http.StatusCreated {
		t.Fatalf("making a second token: %d", code)
	}
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("account-btn")))
	waitJS(t, ann, `!!document.getElementById('tokens-summary')`)
	chattest.Eval[bool](t, ann, `(document.getElementById('tokens').open = true)`)
	waitJS(t, ann, `document.querySelectorAll('#token-list .token').length === 2 && !!document.getElementById('token-revoke-all')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("token-revoke-all")))
	waitJS(t, ann, `document.getElementById('token-revoke-all').textContent.includes('again')`)
	if n := chattest.Eval[int](t, ann, `document.querySelectorAll('#token-list .token').length`); n != 2 {
		t.Fatalf("one press of Revoke all left %d tokens, want both", n)
	}
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("token-revoke-all")))
	waitJS(t, ann, `document.querySelectorAll('#token-list .token').length === 0`)
	if code, _ := apiCall(t, s.URL, token, "GET", "/api/v1/me", nil, nil, nil); code != http.StatusUnauthorized {
		t.Errorf("the first token after Revoke all: %d, want 401", code)
	}
}
