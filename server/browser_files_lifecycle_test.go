package server_test

import (
	"context"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
)

// TestBrowserDeletingAPhotoLeavesNoFileCard: Ann posts a photo and Bob
// sees its thumbnail; Ann deletes the message: both pages show "message
// deleted" with nothing left of the file, and their saved offline copies
// no longer name it (the server removed it: files_lifecycle_test.go checks
// its 404).
func TestBrowserDeletingAPhotoLeavesNoFileCard(t *testing.T) {
	t.Parallel()
	s, b := filesSetup(t, 2<<20)
	tabs := people(t, b, s.URL, "Ann", "Bob")
	ann, bob := tabs[0], tabs[1]
	attachByButton(t, ann, writePNG(t, t.TempDir(), "holiday.png", 400, 300))
	waitJS(t, ann, uploadsDone(1))
	say(t, ann, "the beach")
	waitJS(t, bob, thumbShown("the beach"))
	seq := seqOf(t, ann, "the beach")
	src := chattest.Eval[string](t, bob, msgEntryJS(seq)+`.querySelector('.file-thumb img').getAttribute('src')`)
	id := strings.TrimSuffix(strings.TrimPrefix(src, chat.FilesPath+"/"), "/thumb")
	if !chat.ValidFileID(id) {
		t.Fatalf("the thumbnail's address %q names no file", src)
	}

	click(t, ann, actBtn("del", seq))
	click(t, ann, "delete-confirm")
	for name, tab := range map[string]context.Context{"Ann": ann, "Bob": bob} {
		waitJS(t, tab, `(() => { const e = `+msgEntryJS(seq)+`;
			return e?.querySelector('.body.deleted')?.textContent === 'message deleted' && !e.querySelector('.files'); })()`)
		if isJS(t, tab, `!!document.querySelector('img[src=`+jsString(src)+`], a[href=`+jsString(src)+`]')`) {
			t.Errorf("%s's page still shows the deleted photo", name)
		}
		awaitJS[bool](t, tab, savedConvs(`convs.some(c => c.includes('"deleted":true')) && !convs.some(c => c.includes(`+jsString(id)+`))`))
	}
	chattest.Screenshot(t, bob, "deleted-photo")
}
