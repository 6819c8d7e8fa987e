package ui

import (
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

func TestSearchFrameReadsTheFields(t *testing.T) {
	m := client.NewModel()
	m.Active = "r:ops"
	d := &searchDialog{Imodel: m, query: "  deploy  ", here: true, from: " Bob ", since: "2026-03-01", before: "2026-03-05", file: true}
	q := d.frame()
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local).UnixMilli()
	before := time.Date(2026, 3, 5, 0, 0, 0, 0, time.Local).UnixMilli()
	want := chat.Search{Q: "deploy", Conv: "r:ops", From: "Bob", After: since - 1, Before: before, File: true, Limit: chat.DefaultSearchLimit}
	if q != want {
		t.Errorf("frame = %+v, want %+v", q, want)
	}
	d = &searchDialog{Imodel: m, query: "x", since: "not a date"}
	if q := d.frame(); q.After != 0 || q.Before != 0 || q.Conv != "" {
		t.Errorf("without dates or the conversation filter: %+v", q)
	}
}

func TestSearchScopeSaysWhereHitsComeFrom(t *testing.T) {
	for _, tc := range []struct {
		d     searchDialog
		scope string
	}{
		{searchDialog{}, ""},
		{searchDialog{asked: &chat.Search{Q: "x"}, waiting: true}, "waiting"},
		{searchDialog{asked: &chat.Search{Q: "x"}}, "server"},
		{searchDialog{asked: &chat.Search{Q: "x"}, local: true}, "device"},
		{searchDialog{asked: &chat.Search{Q: "x"}, err: "too fast"}, "error"},
	} {
		if got := tc.d.scope(); got != tc.scope {
			t.Errorf("%+v: scope %q, want %q", tc.d, got, tc.scope)
		}
	}
	for _, l := range []Lang{English, Chinese} {
		d := searchDialog{Ilang: l, asked: &chat.Search{Q: "x"}, local: true}
		if got := d.scopeText(); got == "" || got == "search.device.none" {
			t.Errorf("%s: the offline scope reads %q", l, got)
		}
	}
}
