package ui

import (
	"regexp"
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
	option := regexp.MustCompile(`<option[^>]*>`)
	for policy, want := range map[int]string{chat.RetainForever: `value="-1"`, 30: `value="30"`, 14: `value="14"`, chat.RetainDefault: `value="0"`} {
		p := &roomPanel{Ilang: English, Iconv: &client.Conversation{Info: chat.ConvInfo{ID: "r:den", RetainPolicy: policy}}}
		h := app.HTMLString(p.renderRetentionChoice())
		var chosen []string // the options selected, whatever the order of their attributes
		for _, tag := range option.FindAllString(h, -1) {
			if strings.Contains(strings.ReplaceAll(tag, `selected="false"`, ""), "selected") {
				chosen = append(chosen, tag)
			}
		}
		if len(chosen) != 1 || !strings.Contains(chosen[0], want) {
			t.Errorf("policy %d: chosen %q, want the one of %s: %s", policy, chosen, want, h)
		}
	}
}
