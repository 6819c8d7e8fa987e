package server_test

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/ui"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
)

// pushSettingsJS is a JavaScript expression: a promise of the JSON of
// the page's user's push settings, read over the API.
const pushSettingsJS = `fetch('` + chat.PushSettingsPath + `', {credentials: 'same-origin'}).then(r => r.text())`

// pushDevicesJS is pushSettingsJS for the devices notified.
const pushDevicesJS = `fetch('` + chat.PushSubscriptionPath + `', {credentials: 'same-origin'}).then(r => r.text())`

// readPush waits until the JSON that the promise expr yields, decoded
// into a T, satisfies ok, and returns it.
func readPush[T any](t *testing.T, tab context.Context, expr string, what string, ok func(T) bool) T {
	t.Helper()
	var got T
	chattest.Eventually(t, wait, func() bool {
		ctx, cancel := context.WithTimeout(tab, wait)
		defer cancel()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
		if err != nil {
			return false
		}
		got = *new(T)
		return json.Unmarshal([]byte(v), &got) == nil && ok(got)
	}, what)
	return got
}

// setSelect chooses value in the select with id, as a person does.
func setSelect(id, value string) string {
	return `(s => { s.value = ` + jsString(value) + `; s.dispatchEvent(new Event('change', {bubbles: true})); return true })(document.getElementById(` + jsString(id) + `))`
}

// TestBrowserPushSettings: a person sets the lobby to All in its header,
// turns message text off, pauses notifications for an hour and sets daily
// hours in Account → Notifications; the server's settings then say so,
// the top bar says notifications are paused, and the page is axe-clean.
// Headless Chromium reaches no push service: subscribing says so in
// words; a subscription injected over the API is then listed as this
// device, and Remove ends it. Using the page marks Ann active at the
// server. A notification's /c/<id>?at=<seq> opens the conversation at
// that message.
func TestBrowserPushSettings(t *testing.T) {
	t.Parallel()
	axe := axeSource(t)
	needBrowser(t)
	opts := fast()
	opts.Storage = server.MemoryStorage()
	pushOn(&opts)
	s := chattest.New(t, opts)
	b := chattest.NewBrowser(t)
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	say(t, ann, "first of Ann's")
	waitJS(t, ann, delivered("Ann", "first of Ann's"))

	// The lobby's level, from its header.
	waitJS(t, ann, `document.getElementById('push-level')?.value === 'mentions'`)
	isJS(t, ann, setSelect("push-level", "all"))
	readPush(t, ann, pushSettingsJS, "the lobby at All", func(p chat.PushSettings) bool { return p.Level(hub.LobbyID) == chat.PushAll })

	// Account → Notifications.
	click(t, ann, "account-btn")
	click(t, ann, "push-summary") // the section opens
	waitJS(t, ann, `document.getElementById('notifications').open && !!document.getElementById('push-text') && !!document.getElementById('push-subscribe')`)
	grantNotifications(t, ann, s.URL)
	click(t, ann, "push-subscribe")
	status := ""
	chattest.Eventually(t, wait, func() bool {
		if now := chattest.Eval[string](t, ann, `document.getElementById('push-status').textContent`); now != status {
			status = now
			t.Logf("subscribing: %q", status)
		}
		return status != "" && !strings.Contains(status, "…")
	}, "subscribing said nothing")
	if !strings.Contains(status, "could not reach its push service") {
		t.Errorf("subscribing without a push service says %q", status)
	}

	// Message text off.
	waitJS(t, ann, `document.getElementById('push-text').checked`)
	click(t, ann, "push-text")
	readPush(t, ann, pushSettingsJS, "text hidden", func(p chat.PushSettings) bool { return p.HideText && p.Level(hub.LobbyID) == chat.PushAll })

	// Do not disturb for an hour: the server keeps it, the header says it.
	before := time.Now()
	click(t, ann, "quiet-hour")
	set := readPush(t, ann, pushSettingsJS, "paused for an hour", func(p chat.PushSettings) bool { return p.Quiet.Until > 0 })
	if until := time.UnixMilli(set.Quiet.Until); until.Before(before.Add(59*time.Minute)) || until.After(time.Now().Add(61*time.Minute)) {
		t.Errorf("paused until %v; want an hour after %v", until, before)
	}
	if !set.HideText || set.Level(hub.LobbyID) != chat.PushAll {
		t.Errorf("pausing lost the other settings: %+v", set)
	}
	waitJS(t, ann, `document.getElementById('quiet-note').textContent.startsWith('Notifications paused until ')`)
	waitJS(t, ann, `!!document.getElementById('quiet-resume') && document.getElementById('quiet-state').textContent.startsWith('Notifications are paused until')`)

	// Daily hours, in the browser's zone.
	isJS(t, ann, `(() => { document.getElementById('quiet-daily').checked = true;
		document.getElementById('quiet-from').value = '21:30'; document.getElementById('quiet-to').value = '07:15'; return true })()`)
	click(t, ann, "quiet-save")
	set = readPush(t, ann, pushSettingsJS, "daily hours", func(p chat.PushSettings) bool { return p.Quiet.From == 21*60+30 })
	zone := chattest.Eval[string](t, ann, `Intl.DateTimeFormat().resolvedOptions().timeZone`)
	if set.Quiet.To != 7*60+15 || set.Quiet.Zone != zone || set.Quiet.Until == 0 {
		t.Errorf("daily hours kept as %+v; want 21:30 to 07:15 in %q, the pause kept", set.Quiet, zone)
	}
	checkAccessibility(t, ann, axe, "the notification settings")

	// A subscription injected over the API (no push service to make one):
	// listed as this device, then removed.
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	auth := make([]byte, 16)
	rand.Read(auth)
	sub := chat.PushSubscription{Endpoint: "http://127.0.0.1:9/push/ann", Keys: chat.PushSubscrKeys{
		P256dh: base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()), Auth: base64.RawURLEncoding.EncodeToString(auth)}}
	body, _ := json.Marshal(sub)
	if got := awaitJS[int](t, ann, `fetch('`+chat.PushSubscriptionPath+`', {method: 'POST', credentials: 'same-origin', headers: {'Content-Type': 'application/json'}, body: `+jsString(string(body))+`}).then(r => r.status)`); got != 204 {
		t.Fatalf("injecting a subscription: %d", got)
	}
	click(t, ann, "account-close")
	waitJS(t, ann, `!document.getElementById('account-panel')`)
	click(t, ann, "account-btn")
	click(t, ann, "push-summary")
	waitJS(t, ann, `document.querySelectorAll('#push-devices .push-device').length === 1 && !document.getElementById('push-subscribe')`)
	if got := chattest.Eval[string](t, ann, `document.querySelector('#push-devices .push-device').textContent`); !strings.Contains(got, "this device") {
		t.Errorf("the device notified reads %q", got)
	}
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#push-devices .push-remove`)))
	waitJS(t, ann, `document.querySelectorAll('#push-devices .push-device').length === 0 && !!document.getElementById('push-subscribe')`)
	readPush(t, ann, pushDevicesJS, "no device notified", func(d chat.PushDevices) bool { return d.Devices != nil && len(d.Devices) == 0 })

	// Using the page told the server Ann is here (chat.Active): no push
	// reaches her meanwhile.
	chattest.Eventually(t, wait, func() bool {
		on, err := push.ActiveAt(context.Background(), opts.Storage.Push, "ann", time.Now())
		return on && err == nil
	}, "the page never said Ann is active")

	// A notification's click opens the conversation at its message.
	bob := s.User(t, "Bob")
	var seqs []uint64
	for i := range 5 {
		text := "line " + strconv.Itoa(i) + " from Bob"
		bob.Send(&chat.Send{ID: msgID(uint64(i + 1)), Conv: hub.LobbyID, Text: text})
		seqs = append(seqs, chattest.Expect(bob, entryWith(text)).Seq)
	}
	at := seqs[1]
	chattest.Do(t, ann, chromedp.Navigate(s.URL+ui.ConvPath(hub.LobbyID)+"?at="+strconv.FormatUint(at, 10)))
	waitOnline(t, ann)
	// Shown as a search hit or a quote is: focused (and highlighted).
	waitJS(t, ann, `document.activeElement === document.querySelector('#timeline .entry.msg[data-seq="`+strconv.FormatUint(at, 10)+`"]')`)
	waitJS(t, ann, `location.search === '' && location.pathname === `+jsString(ui.ConvPath(hub.LobbyID)))
	waitJS(t, ann, `document.getElementById('quiet-note').textContent.startsWith('Notifications paused until ')`)
}
