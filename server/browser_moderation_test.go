package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/server/chattest"
)

// Browser tests of room moderation and mutes: two people in headless
// Chromium, the real server and the real WebAssembly client.

// joinRoom types room into the join form and waits until it is in view.
func joinRoom(t *testing.T, tab context.Context, room string) {
	t.Helper()
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("join-input"), room), chromedp.Click(chromedp.ID("join-submit")))
	openConv(t, tab, "# "+room)
}

// openRoomPanel opens the room panel of the room in view.
func openRoomPanel(t *testing.T, tab context.Context) {
	t.Helper()
	waitJS(t, tab, `!!document.getElementById('room-panel-btn')`)
	if !isJS(t, tab, `!!document.getElementById('room-panel')`) {
		chattest.Do(t, tab, chromedp.Click(chromedp.ID("room-panel-btn")))
	}
	waitJS(t, tab, `!!document.getElementById('room-panel')`)
}

// invite types name into the room panel's Invite field and submits it.
func invite(t *testing.T, tab context.Context, name string) {
	t.Helper()
	openRoomPanel(t, tab)
	chattest.Do(t, tab, chromedp.SendKeys(chromedp.ID("invite-name"), name), chromedp.Click(chromedp.ID("invite-btn")))
}

// moderationShown is a JavaScript expression: the timeline holds a
// moderation entry of kind that reads text.
func moderationShown(kind, text string) string {
	return `[...document.querySelectorAll('#timeline .entry.moderation[data-kind=` + jsString(kind) + `]')].some(e => e.textContent.includes(` + jsString(text) + `))`
}

// TestBrowserInviteOnlyRoom: Ann makes her room invite-only; Bob cannot
// join and is told why; Ann invites him, he declines, she invites him
// again, he joins from the notice. Then she removes him: he is told, and
// the room leaves his list.
func TestBrowserInviteOnlyRoom(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	joinRoom(t, ann, "den")

	openRoomPanel(t, ann)
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("invite-only")))
	waitJS(t, ann, moderationShown("invite_only", "made the room invite-only"))
	waitJS(t, ann, `document.getElementById('invite-only')?.checked === true`)

	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("join-input"), "den"), chromedp.Click(chromedp.ID("join-submit")))
	waitJS(t, bob, `document.getElementById('notice')?.textContent.includes('This room is invite-only: a member must invite you.')`)

	invite(t, ann, "Bob")
	waitJS(t, ann, moderationShown("invite", "invited Bob"))
	const invitation = `document.querySelector('.invitation[data-conv="r:den"]')`
	waitJS(t, bob, `!!`+invitation+` && `+invitation+`.textContent.includes('Ann invites you to #den')`)
	chattest.Screenshot(t, bob, "invitation")
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`.invitation[data-conv="r:den"] .decline-invite`)))
	waitJS(t, bob, `!`+invitation)

	invite(t, ann, "Bob")
	waitJS(t, bob, `!!`+invitation)
	chattest.Do(t, bob, chromedp.Click(chromedp.CSS(`.invitation[data-conv="r:den"] .join-invite`)))
	openConv(t, bob, "# den")
	waitJS(t, bob, `!`+invitation)
	// A member of an invite-only room may invite; only moderators see the rest.
	openRoomPanel(t, bob)
	if !isJS(t, bob, `!!document.getElementById('invite-name') && !document.getElementById('invite-only')`) {
		t.Error("a member's room panel: want the Invite field and no moderation")
	}

	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		openRoomPanel(t, ann)
		waitJS(t, ann, `!!document.querySelector('#room-members li[data-name="Bob"]')`)
		chattest.Screenshot(t, ann, "room-panel-"+scheme)
	}

	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#room-members li[data-name="Bob"] .remove-btn`)))
	waitJS(t, ann, moderationShown("remove", "removed Bob"))
	waitJS(t, bob, `[...document.querySelectorAll('.removal')].some(n => n.textContent.includes('Ann removed you from #den'))`)
	waitJS(t, bob, `!(`+convItem("# den")+`)`)
	chattest.Screenshot(t, bob, "removed")
}

// TestBrowserBanAndUnban: Ann, the owner of an open room, deletes Bob's
// message in it, then bans Bob; he is told, and his try to come back is
// refused in words; Ann lifts the ban from the
// ban list, and he joins.
func TestBrowserBanAndUnban(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	joinRoom(t, ann, "den")
	joinRoom(t, bob, "den")

	// The room's owner deletes anyone's message in it; Bob may not delete
	// hers.
	say(t, ann, "the owner's rules")
	say(t, bob, "spam from Bob")
	spam := seqOf(t, ann, "spam from Bob")
	rules := seqOf(t, bob, "the owner's rules")
	if isJS(t, bob, `!!document.getElementById('`+actBtn("del", rules)+`')`) {
		t.Error("Bob is offered to delete the owner's message")
	}
	click(t, ann, actBtn("del", spam))
	click(t, ann, "delete-confirm")
	waitJS(t, bob, msgEntryJS(spam)+`?.querySelector('.body.deleted')?.textContent === 'message deleted'`)

	openRoomPanel(t, ann)
	waitJS(t, ann, `!!document.querySelector('#room-members li[data-name="Bob"]')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#room-members li[data-name="Bob"] .ban-btn`)))
	waitJS(t, ann, moderationShown("ban", "banned Bob"))
	waitJS(t, ann, `!!document.querySelector('#room-bans li[data-name="Bob"]')`)
	waitJS(t, bob, `[...document.querySelectorAll('.removal')].some(n => n.textContent.includes('Ann banned you from #den'))`)
	waitJS(t, bob, `!(`+convItem("# den")+`)`)

	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("join-input"), "den"), chromedp.Click(chromedp.ID("join-submit")))
	waitJS(t, bob, `document.getElementById('notice')?.textContent.includes('That name is banned from this room.')`)

	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#room-bans li[data-name="Bob"] .unban-btn`)))
	waitJS(t, ann, moderationShown("unban", "lifted the ban on Bob"))
	waitJS(t, ann, `!document.querySelector('#room-bans li[data-name="Bob"]')`)
	joinRoom(t, bob, "den")
}

// TestBrowserMuteHidesMessages: Ann mutes Bob; his messages fold into "1
// hidden message from Bob", then "2 hidden messages from Bob", which a
// click shows; Bob notices nothing, and Ann unmutes him.
func TestBrowserMuteHidesMessages(t *testing.T) {
	t.Parallel()
	s, b := chatSetup(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	const muteBob = `#people .person[data-name="Bob"] .mute-btn`
	waitJS(t, ann, `!!document.querySelector(`+jsString(muteBob)+`)`)
	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(muteBob)))
	waitJS(t, ann, `document.querySelector(`+jsString(muteBob)+`).getAttribute('aria-pressed') === 'true'`)

	say(t, bob, "first while muted")
	waitJS(t, bob, delivered("Bob", "first while muted"))
	const run = `document.querySelector('#timeline .hidden-run')`
	waitJS(t, ann, run+`?.textContent === '1 hidden message from Bob'`)
	say(t, bob, "second while muted")
	waitJS(t, ann, run+`?.textContent === '2 hidden messages from Bob'`)
	if isJS(t, ann, pageHas("first while muted")) {
		t.Error("a muted message shows")
	}
	say(t, ann, "a word from Ann")
	waitJS(t, bob, delivered("Ann", "a word from Ann"))
	if isJS(t, bob, `!!document.querySelector('.hidden-run')`) {
		t.Error("Bob is told he is muted")
	}

	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(`#timeline .hidden-run .show-hidden`)))
	waitJS(t, ann, delivered("Bob", "first while muted")+` && `+delivered("Bob", "second while muted"))
	chattest.Screenshot(t, ann, "muted-shown")

	chattest.Do(t, ann, chromedp.Click(chromedp.CSS(muteBob)))
	waitJS(t, ann, `document.querySelector(`+jsString(muteBob)+`).getAttribute('aria-pressed') === 'false'`)
	say(t, bob, "after the unmute")
	waitJS(t, ann, delivered("Bob", "after the unmute"))
}
