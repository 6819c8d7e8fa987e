package server_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/ui"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
)

// registrationID returns the id of the service worker registration of
// origin in tab's browser.
func registrationID(t *testing.T, tab context.Context, origin string) serviceworker.RegistrationID {
	t.Helper()
	found := make(chan serviceworker.RegistrationID, 16)
	ctx, cancel := context.WithCancel(tab)
	defer cancel()
	if err := chromedp.Listen(ctx, func(ev any) {
		if u, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range u.Registrations {
				if !r.IsDeleted && strings.HasPrefix(r.ScopeURL, origin) {
					found <- r.RegistrationID
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, serviceworker.Enable, cdp.Empty{}); err != nil {
		t.Fatalf("ServiceWorker.enable: %v", err)
	}
	select {
	case id := <-found:
		return id
	case <-time.After(wait):
		t.Fatal("no service worker registration was reported")
	}
	return ""
}

// workerTab returns a context on the service worker of origin in the
// browser of tab, to evaluate in its scope.
func workerTab(t *testing.T, tab context.Context, origin string) context.Context {
	t.Helper()
	var id target.ID
	chattest.Eventually(t, wait, func() bool {
		infos, err := chromedp.Targets(tab)
		for _, info := range infos {
			if err == nil && info.Type == "service_worker" && strings.HasPrefix(info.URL, origin) {
				id = info.TargetID
				return true
			}
		}
		return false
	}, "no service worker runs")
	ctx, cancel := chromedp.NewContext(tab, chromedp.WithTargetID(id))
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("attaching to the service worker: %v", err)
	}
	return ctx
}

// pushNotes is a JavaScript expression: a promise of the pushNotes
// the service worker shows, one line each: title|body|tag|path.
const pushNotes = `navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns =>
	ns.map(n => [n.title, n.body, n.tag, n.data && n.data.chat ? n.data.chat.path : ''].join('|')).join('\n'))`

// TestBrowserPushToSync: a push delivered to the service worker (through
// the DevTools protocol: headless Chromium reaches no push service) while
// no page of the app is open is written into the offline copy before its
// notification shows, one per conversation; the notification's page opens
// the conversation with the message in it with the server gone.
func TestBrowserPushToSync(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	opts := server.Options{Storage: server.MemoryStorage()}
	pushOn(&opts)
	s := chattest.New(t, opts)
	b := chattest.NewBrowser(t)
	ann := b.ProfileTab(t)
	openChat(t, ann, s.URL)
	pickName(t, ann, "Ann")
	say(t, ann, "hello from Ann")
	waitJS(t, ann, delivered("Ann", "hello from Ann"))
	waitJS(t, ann, swReady)
	awaitJS[bool](t, ann, savedText("hello from Ann"))
	grantNotifications(t, ann, s.URL)
	reg := registrationID(t, ann, s.URL)

	// Ann leaves the app (a page of the site that is not the app); Bob
	// writes in the lobby meanwhile.
	chattest.Do(t, ann, chromedp.Navigate(s.URL+chat.PushKeyPath))
	chattest.Eventually(t, chattest.Wait, func() bool { return s.Stats().Sessions == 0 }, "Ann's connection did not close")
	bob := s.User(t, "Bob")
	var pushed []chat.Entry
	for i, text := range []string{"are you there, Ann?", "pushed while away <3"} {
		bob.Send(&chat.Send{ID: msgID(uint64(i + 1)), Conv: hub.LobbyID, Text: text})
		pushed = append(pushed, *chattest.Expect(bob, func(e *chat.Entry) bool { return strings.Contains(e.HTML, strings.ReplaceAll(text, "<", "&lt;")) }))
	}
	lobby := hub.ConvRecord{ID: hub.LobbyID, Kind: chat.KindRoom, Name: "lobby"}
	for i, e := range pushed {
		payload, err := push.Payload(e, lobby, "ann", i+1, false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Call(ann, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
			Origin: s.URL, RegistrationID: reg, Data: string(payload)}); err != nil {
			t.Fatalf("ServiceWorker.deliverPushMessage: %v", err)
		}
	}
	last := pushed[len(pushed)-1]
	path := ui.ConvPath(hub.LobbyID)
	want := "lobby|Bob: pushed while away <3 (+1 more)|" + chat.PushTag(hub.LobbyID) + "|"
	shown := awaitJS[string](t, ann, `(`+pushNotes+`).then(s => s.includes(`+jsString(want)+`) ? s : '')`)
	if strings.Count(shown, "\n") != 0 {
		t.Errorf("two pushNotes for one conversation:\n%s", shown)
	}
	notePath := shown[strings.LastIndexByte(shown, '|')+1:]
	if notePath != path+"?at="+strconv.FormatUint(last.Seq, 10) {
		t.Errorf("the notification opens %q; want %s at %d", notePath, path, last.Seq)
	}
	awaitJS[bool](t, ann, savedText("pushed while away &lt;3"))
	awaitJS[bool](t, ann, savedText("are you there, Ann?"))

	// A click on the notification (the worker's openChat: headless
	// Chromium cannot click one) moves a window of the app to the
	// conversation.
	home := b.SameBrowserTab(t, ann)
	openChat(t, home, s.URL)
	chattest.Do(t, home, chromedp.SendKeys(chromedp.ID("join-input"), "group A"), chromedp.Click(chromedp.ID("join-submit")))
	openConv(t, home, "# group A")
	worker := workerTab(t, ann, s.URL)
	if _, err := chromedp.Run(worker, chromedp.Evaluate[bool](`openChat(`+jsString(notePath)+`).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("openChat in the worker: %v", err)
	}
	// The window loads the conversation's page (a navigation: evaluating
	// may fail meanwhile, which awaitJS rides out).
	awaitJS[bool](t, home, `location.pathname === `+jsString(path)+` && document.getElementById('conversation')?.dataset.conv === `+jsString(hub.LobbyID))
	waitJS(t, home, delivered("Bob", "pushed while away <3"))

	// The server goes away; the notification's page opens the lobby at
	// Bob's message, from the offline copy.
	s.HTTP.Close()
	chattest.Do(t, ann, chromedp.Navigate(s.URL+notePath))
	waitJS(t, ann, appRunning)
	waitJS(t, ann, `document.getElementById('conversation')?.dataset.conv === `+jsString(hub.LobbyID))
	waitJS(t, ann, delivered("Bob", "pushed while away <3"))
	waitJS(t, ann, delivered("Ann", "hello from Ann"))
	chattest.Screenshot(t, ann, "opened-from-push-offline")
}
