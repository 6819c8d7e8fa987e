//go:build !wasm

package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Each component of the Shell, rendered on its own with the props the
// Shell would give it: what it shows, and that what the user does reaches
// the handlers it was given.

// twoConversations returns a model of Ann in the lobby (Bob online) with a
// private conversation with Cid holding two unread messages.
func twoConversations() *client.Model {
	m := client.NewModel()
	m.Me = "Ann"
	lobby := room("r:lobby", "lobby")
	lobby.Online = []string{"Ann", "Bob"}
	cid := private("p:cid", "Cid")
	cid.Unread = 2
	m.Convs[lobby.Info.ID], m.Convs[cid.Info.ID] = lobby, cid
	m.Active = lobby.Info.ID
	return m
}

func TestConversationListShowsRoomsThenPrivateOnes(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			m := twoConversations()
			_, root := render(t, newConversationList().Lang(lang).Model(m).
				OnOpen(func(app.Context, string) {}).OnJoin(func(app.Context, string) bool { return true }))
			pane := root.must(t, "#rooms", byID("rooms"))
			if pane.attrs["aria-label"] != T(lang, "rooms.title") {
				t.Errorf("aria-label = %q, want %q", pane.attrs["aria-label"], T(lang, "rooms.title"))
			}
			items := pane.all(byClass("conv-item"))
			if len(items) != 2 || items[0].attrs["data-conv"] != "r:lobby" || items[1].attrs["data-conv"] != "p:cid" {
				t.Fatalf("items %v, want the lobby then Cid", pane.texts(byClass("conv-item")))
			}
			if !isTrue(items[0], "aria-current") || !items[0].hasClass("active") || isTrue(items[1], "aria-current") {
				t.Errorf("the lobby is not the one marked current")
			}
			badge := items[1].must(t, "Cid's unread count", byClass("unread"))
			if badge.text() != "2" || !badge.hasClass("mention") {
				t.Errorf("Cid's badge %q (mention %v), want 2, marked: a private message is for the user", badge.text(), badge.hasClass("mention"))
			}
			root.must(t, "the join form", byID("join-form"))
		})
	}
}

func TestPeoplePaneListsWhoIsOnline(t *testing.T) {
	m := twoConversations()
	_, root := render(t, newPeoplePane().Lang(English).Model(m).OnOpenPrivate(func(app.Context, string) {}))
	pane := root.must(t, "#people", byID("people"))
	if got := pane.must(t, "title", byTag("h2")).text(); got != "Online (2)" {
		t.Errorf("title %q, want Online (2)", got)
	}
	people := pane.all(byClass("person"))
	if len(people) != 2 || people[0].attrs["data-name"] != "Ann" || !people[0].hasClass("me") {
		t.Fatalf("people %v, want Ann (you) and Bob", pane.texts(byClass("person")))
	}
	if people[1].find(byClass("person-btn")) == nil {
		t.Error("Bob is no button to talk to privately")
	}

	m.Active = "p:cid"
	_, root = render(t, newPeoplePane().Lang(English).Model(m).OnOpenPrivate(func(app.Context, string) {}))
	cid := root.must(t, "Cid", byAttr("data-name", "Cid"))
	if cid.attrs["data-presence"] != "offline" {
		t.Errorf("Cid's presence %q, want offline: no room lists Cid", cid.attrs["data-presence"])
	}
}

func TestConversationPaneShowsTimelineOutboxAndComposer(t *testing.T) {
	m := twoConversations()
	lobby := m.Convs["r:lobby"]
	now := time.Now()
	lobby.Entries = []chat.Entry{message("r:lobby", 1, now, "Bob", "hi Ann")}
	lobby.Info.Last = 1
	m.Compose("r:lobby", "", "on its way")
	session, err := client.NewSession(client.SessionOptions{Conn: client.Options{URL: "ws://127.0.0.1:1/ws"}, Model: m, Deliver: func(client.Event) {}})
	if err != nil {
		t.Fatal(err)
	}
	_, root := render(t, newConversationPane().Lang(English).Model(m).Online(false).Names([]string{"Bob"}).Session(session).
		OnOlder(func(app.Context) {}).OnScroll(func(app.Context, app.Event) {}).OnSent(func(app.Context, bool) {}))

	pane := root.must(t, "#conversation", byID("conversation"))
	if pane.attrs["data-conv"] != "r:lobby" {
		t.Errorf("data-conv %q", pane.attrs["data-conv"])
	}
	if got := root.must(t, "#conv-title", byID("conv-title")).text(); got != "# lobby" {
		t.Errorf("title %q", got)
	}
	timeline := root.must(t, "#timeline", byID("timeline"))
	if timeline.attrs["role"] != "log" || !strings.Contains(timeline.attrs["aria-label"], "# lobby") {
		t.Errorf("timeline attributes %v", timeline.attrs)
	}
	var bodies []string
	for _, e := range timeline.all(byClass("entry", "msg")) {
		bodies = append(bodies, fmt.Sprintf("%v:%s", e.hasClass("pending"), e.must(t, "body", byClass("body")).text()))
	}
	if got := strings.Join(bodies, " | "); got != "false:hi Ann | true:on its way" {
		t.Errorf("timeline %q, want Bob's message then the pending one", got)
	}
	pending := timeline.must(t, "the pending message", byClass("pending"))
	if got, want := pending.must(t, "status", byClass("pending-status")).text(), T(English, "pending.queued"); got != want {
		t.Errorf("pending status %q, want %q: offline, it waits", got, want)
	}
	pending.must(t, "the cancel button", byClass("cancel-pending"))
	root.must(t, "the composer", byID("composer"))
	root.must(t, "the offline hint: the connection is down", byClass("offline-hint"))
}

func TestSwitcherDialogMarksThePickedItem(t *testing.T) {
	d := newSwitcherDialog().Lang(English).Model(twoConversations()).OnClose(func(app.Context, string) {})
	d.pick = 1
	_, root := render(t, d)
	input := root.must(t, "#switcher-input", byID("switcher-input"))
	if input.attrs["aria-activedescendant"] != "switcher-opt-1" {
		t.Errorf("aria-activedescendant %q, want switcher-opt-1", input.attrs["aria-activedescendant"])
	}
	opts := root.all(byClass("switcher-opt"))
	if len(opts) < 2 || !opts[1].hasClass("active") || !isTrue(opts[1], "aria-selected") || isTrue(opts[0], "aria-selected") {
		t.Errorf("options %v: want the second one picked", root.texts(byClass("switcher-opt")))
	}
}

func TestNameGateShowsOneFormAndSaysWhatIsWrong(t *testing.T) {
	var said []string
	g := newNameGate().Lang(English).OnNotice(func(_ app.Context, text string) { said = append(said, text) })
	_, root := render(t, g)
	root.must(t, "the name form", byID("name-form"))
	if root.find(byID("signin-form")) != nil {
		t.Error("both forms are shown")
	}
	g.onPick(app.Context{}, "   ")
	if len(said) != 1 || said[0] == "" {
		t.Errorf("an empty name said %q, want why it is refused", said)
	}

	g = newNameGate().Lang(English)
	g.signingIn = true
	_, root = render(t, g)
	root.must(t, "the sign-in form", byID("signin-form"))
	if root.find(byID("name-form")) != nil {
		t.Error("the name form is shown while signing in")
	}
}

// TestNameGateOffersSingleSignOn: with a provider, the name form offers
// «Sign in with» it; with passwords off, the password sign-in is gone. The
// account panel offers to link, or says it is linked, and drops the
// password form when passwords are off.
func TestNameGateOffersSingleSignOn(t *testing.T) {
	_, root := render(t, newNameGate().Lang(English))
	if root.find(byID("sso-signin")) != nil {
		t.Error("«Sign in with» shows with single sign-on off")
	}
	root.must(t, "the password sign-in", byID("signin-link"))

	_, root = render(t, newNameGate().Lang(English).SSO("Acme", false))
	if got := root.must(t, "«Sign in with»", byID("sso-signin")).text(); got != "Sign in with Acme" {
		t.Errorf("the button says %q", got)
	}
	root.must(t, "the password sign-in", byID("signin-link"))

	_, root = render(t, newNameGate().Lang(English).SSO("Acme", true))
	root.must(t, "«Sign in with»", byID("sso-signin"))
	if root.find(byID("signin-link")) != nil {
		t.Error("the password sign-in shows with passwords off")
	}

	_, root = render(t, (&accountPanel{}).Lang(English).Me("ann"))
	if root.find(byID("sso")) != nil {
		t.Error("the account panel offers single sign-on while it is off")
	}
	_, root = render(t, (&accountPanel{}).Lang(English).Me("ann").SSO("Acme", false, false))
	root.must(t, "«Link»", byID("sso-link"))
	root.must(t, "the password form", byID("password-form"))
	_, root = render(t, (&accountPanel{}).Lang(English).Me("ann").SSO("Acme", true, true))
	if root.find(byID("sso-link")) != nil || !strings.Contains(root.must(t, "«Linked»", byID("sso-linked")).text(), "Acme") {
		t.Error("a linked account is offered to link again")
	}
	if root.find(byID("password-form")) != nil {
		t.Error("the password form shows with passwords off")
	}
}
