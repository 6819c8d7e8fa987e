package ui

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestRetentionShownToMembers: the header says how long a room keeps its
// messages (nothing when for ever), and the history's line says what a
// change of policy was, in both languages.
func TestRetentionShownToMembers(t *testing.T) {
	c := &client.Conversation{Info: chat.ConvInfo{ID: "r:den", RetainDays: 30}}
	if h := app.HTMLString(renderRetentionLine(English, c)); !strings.Contains(h, "Messages are kept 30 days") {
		t.Errorf("the header's line: %s", h)
	}
	if h := app.HTMLString(renderRetentionLine(Chinese, c)); !strings.Contains(h, "消息保留 30 天") {
		t.Errorf("the header's line in Chinese: %s", h)
	}
	c.Info.RetainDays = 0
	if l := renderRetentionLine(English, c); l != nil {
		t.Errorf("a room kept for ever shows %s", app.HTMLString(l))
	}
	for days, want := range map[int]string{7: "7 days", chat.RetainForever: "for ever", chat.RetainDefault: "as the server does"} {
		if got := retentionEntryText(English, chat.Entry{Kind: chat.EntryRetention, Days: days}); !strings.Contains(got, want) {
			t.Errorf("a change to %d days reads %q", days, got)
		}
	}
}

// TestAccountOffersTheExport: the Account panel links to the export.
func TestAccountOffersTheExport(t *testing.T) {
	h := app.HTMLString(renderExport(English))
	if !strings.Contains(h, `href="`+chat.ExportPath+`"`) || !strings.Contains(h, "Download all my data") {
		t.Errorf("the export section: %s", h)
	}
}

// TestRetentionChoiceShowsThePolicy: the room's settings show its own
// policy as chosen: for ever, or a number of days set elsewhere (the API).
func TestRetentionChoiceShowsThePolicy(t *testing.T) {
	for policy, want := range map[int]string{chat.RetainForever: `value="-1" selected`, 30: `value="30" selected`, 14: `value="14" selected`, chat.RetainDefault: `value="0" selected`} {
		p := &roomPanel{Ilang: English, Iconv: &client.Conversation{Info: chat.ConvInfo{ID: "r:den", RetainPolicy: policy}}}
		if h := app.HTMLString(p.renderRetentionChoice()); !strings.Contains(h, want) {
			t.Errorf("policy %d: %s", policy, h)
		}
	}
}
