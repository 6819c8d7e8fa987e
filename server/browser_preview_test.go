package server_test

// Browser test of link previews (app/ui/linkpreview.go): Ann posts a link
// to a loopback page with Open Graph tags; Bob sees the card, then Ann
// removes it and it goes for Bob too. Waits are for DOM states.

import (
	"testing"

	"github.com/founding/chat/server/chattest"
)

func TestBrowserLinkPreviewCardAndRemoval(t *testing.T) {
	t.Parallel()
	needBrowser(t)
	release := make(chan struct{})
	close(release)
	site, _ := previewSite(t, release)
	o := fast()
	o.LinkPreviews.Loopback = true
	s, b := chattest.New(t, o), chattest.NewBrowser(t)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]

	link := site.URL + "/article"
	say(t, ann, "read "+link)
	card := `document.querySelector('#timeline .entry.msg .link-preview')`
	shown := `(() => { const c = ` + card + `; if (!c) return false;
		const a = c.querySelector('a.preview-title'), img = c.querySelector('img.preview-thumb');
		return a?.textContent === 'A <b>bold</b> claim' && a.getAttribute('href') === ` + jsString(link) + ` &&
			a.target === '_blank' && a.rel === 'noopener noreferrer nofollow' &&
			c.querySelector('.preview-site')?.textContent === 'Loopback News' &&
			c.querySelector('.preview-desc')?.textContent === 'What the page says' &&
			!c.querySelector('b') && !!img && img.alt === 'A <b>bold</b> claim' && img.complete && img.naturalWidth > 0; })()`
	waitJS(t, bob, shown)
	waitJS(t, ann, shown)
	if isJS(t, bob, `!!`+card+`.querySelector('.preview-remove')`) {
		t.Error("Bob is offered the removal of Ann's preview")
	}
	chattest.Screenshot(t, bob, "link-preview")
	checkAccessibility(t, bob, axeSource(t), "a link preview")

	chattest.Eval[bool](t, ann, `(document.querySelector('#timeline .entry.msg .link-preview .preview-remove').click(), true)`)
	waitJS(t, ann, `!`+card)
	waitJS(t, bob, `!`+card)
	waitJS(t, bob, `!!document.querySelector('#timeline .entry.msg:not(.pending)')`)
}
