package server_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/founding/chat/server/chattest"
)

// groupTitle is a JavaScript expression: the conversation in view is a
// group titled "@ "+name.
func groupTitle(name string) string {
	return `document.getElementById('conv-title')?.textContent === ` + jsString("@ "+name) +
		` && document.getElementById('conversation')?.dataset.conv.startsWith('g:')`
}

// TestBrowserGroupConversation: Ann starts a group with Bob and Cid from
// the people pane (checkboxes); her message shows "Seen by 2" once both
// read it; Bob adds Dee from the group's header, and Dee sees only what
// was said from then on; Cid leaves, loses the group, and the others see
// that Cid left and three members; Bob starts another group from the
// switcher by typing two names; Dee names the first group. The page is
// axe-clean with the group's panel open, in both themes.
func TestBrowserGroupConversation(t *testing.T) {
	needBrowser(t)
	t.Parallel()
	axe := axeSource(t)
	s, b := chattest.New(t, fast()), chattest.NewBrowser(t)
	tabs := people(t, b, s.URL, "Ann", "Bob", "Cid", "Dee")
	ann, bob, cid, dee := tabs[0], tabs[1], tabs[2], tabs[3]

	// Ann ticks Bob and Cid under "Start a group" and starts it: it opens.
	waitJS(t, ann, `!!document.querySelector('#people .person[data-name="Cid"]') && !!document.querySelector('#people .person[data-name="Dee"]')`)
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("new-group-btn")))
	for _, name := range []string{"Bob", "Cid"} {
		sel := `#new-group-people li[data-pick="` + name + `"] input`
		waitJS(t, ann, `!!document.querySelector('`+sel+`')`)
		chattest.Do(t, ann, chromedp.Click(chromedp.CSS(sel)))
		waitJS(t, ann, `document.querySelector('`+sel+`').checked`)
	}
	chattest.Screenshot(t, ann, "group-new")
	chattest.Do(t, ann, chromedp.Click(chromedp.ID("new-group-start")))
	waitJS(t, ann, groupTitle("Bob, Cid"))
	waitJS(t, ann, pageHas("added Bob, Cid"))
	say(t, ann, "hello team")
	waitJS(t, ann, delivered("Ann", "hello team"))
	if isJS(t, ann, `!!document.querySelector('#timeline .seen')`) {
		t.Error("seen before anyone read")
	}

	// Bob and Cid open it (named by the others) and so read it.
	for _, tc := range []struct {
		tab  context.Context
		name string
	}{{bob, "Ann, Cid"}, {cid, "Ann, Bob"}} {
		openConv(t, tc.tab, "@ "+tc.name)
		waitJS(t, tc.tab, delivered("Ann", "hello team"))
	}
	waitJS(t, ann, `document.querySelector('#timeline .seen')?.dataset.count === '2' &&
		document.querySelector('#timeline .seen').previousElementSibling?.querySelector('.body')?.textContent === 'hello team'`)
	if got := chattest.Eval[string](t, ann, `document.querySelector('#timeline .seen').textContent`); got != "Seen by 2Seen by Bob, Cid" {
		t.Errorf("seen says %q", got)
	}
	waitJS(t, ann, `document.querySelectorAll('#people .person').length === 3`)

	chattest.Do(t, ann, chromedp.Click(chromedp.ID("group-panel-btn")))
	waitJS(t, ann, `document.querySelectorAll('#group-members li').length === 3`)
	chattest.Screenshot(t, ann, "group-panel")
	for _, scheme := range []string{"light", "dark"} {
		colorScheme(t, ann, scheme)
		checkAccessibility(t, ann, axe, "group panel, "+scheme)
	}
	colorScheme(t, ann, "light")

	// Bob adds Dee, who sees the group from that moment on.
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("group-panel-btn")))
	waitJS(t, bob, `!!document.getElementById('group-add-name')`)
	chattest.Do(t, bob, chromedp.SendKeys(chromedp.ID("group-add-name"), "Dee"), chromedp.Click(chromedp.ID("group-add")))
	openConv(t, dee, "@ Ann, Bob, Cid")
	waitJS(t, dee, pageHas("Bob added Dee"))
	say(t, ann, "welcome Dee")
	waitJS(t, dee, delivered("Ann", "welcome Dee"))
	if isJS(t, dee, pageHas("hello team")) {
		t.Error("Dee sees what was said before being added")
	}
	waitJS(t, ann, `document.getElementById('group-panel-btn')?.textContent === 'Members (4)'`)

	// Cid leaves: the group goes from Cid's list; the others see it.
	chattest.Do(t, cid, chromedp.Click(chromedp.ID("group-panel-btn")))
	waitJS(t, cid, `!!document.getElementById('group-leave')`)
	chattest.Do(t, cid, chromedp.Click(chromedp.ID("group-leave")))
	waitJS(t, cid, `!(`+convItem("@ Ann, Bob")+`) && !document.getElementById('conversation')?.dataset.conv.startsWith('g:')`)
	waitJS(t, ann, pageHas("Cid left"))
	waitJS(t, ann, `document.getElementById('group-panel-btn')?.textContent === 'Members (3)' && !document.querySelector('#group-members li[data-name="Cid"]')`)
	waitJS(t, dee, groupTitle("Ann, Bob"))
	chattest.Screenshot(t, ann, "group-left")

	// From the switcher: Bob types two names and starts a group with them.
	chattest.Do(t, bob, chromedp.Click(chromedp.ID("composer")))
	keys(t, bob, "k", chromedp.KeyModifiers(chromedp.ModifierCtrl))
	waitFocus(t, bob, "switcher-input")
	keys(t, bob, "dee, cid")
	waitJS(t, bob, `document.querySelector('#switcher-list [aria-selected=true]')?.dataset.kind === 'group'`)
	chattest.Do(t, bob, chromedp.Func(pressEnter))
	waitJS(t, bob, groupTitle("Cid, Dee"))
	waitJS(t, cid, `!!(`+convItem("@ Bob, Dee")+`)`)

	// Dee names the first group: Ann sees the name and who gave it.
	chattest.Do(t, dee, chromedp.Click(chromedp.ID("group-panel-btn")))
	waitJS(t, dee, `!!document.getElementById('group-rename-name')`)
	chattest.Do(t, dee, chromedp.SendKeys(chromedp.ID("group-rename-name"), "Road <trip>"), chromedp.Click(chromedp.ID("group-rename")))
	waitJS(t, ann, groupTitle("Road <trip>"))
	waitJS(t, ann, pageHas("Dee named the group Road <trip>"))
	waitJS(t, dee, `!!(`+convItem("@ Road <trip>")+`)`)
}
