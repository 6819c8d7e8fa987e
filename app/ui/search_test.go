package ui

import (
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

func TestSearchFrameReadsTheFields(t *testing.T) {
	s := NewShell()
	s.model.Active = "r:ops"
	s.find = searchState{query: "  deploy  ", here: true, from: " Bob ", since: "2026-03-01", before: "2026-03-05", file: true}
	q := s.searchFrame()
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local).UnixMilli()
	before := time.Date(2026, 3, 5, 0, 0, 0, 0, time.Local).UnixMilli()
	want := chat.Search{Q: "deploy", Conv: "r:ops", From: "Bob", After: since - 1, Before: before, File: true, Limit: chat.DefaultSearchLimit}
	if q != want {
		t.Errorf("searchFrame = %+v, want %+v", q, want)
	}
	s.find = searchState{query: "x", since: "not a date"}
	if q := s.searchFrame(); q.After != 0 || q.Before != 0 || q.Conv != "" {
		t.Errorf("without dates or the conversation filter: %+v", q)
	}
}

func TestSearchScopeSaysWhereHitsComeFrom(t *testing.T) {
	s := NewShell()
	for _, tc := range []struct {
		state searchState
		scope string
	}{
		{searchState{}, ""},
		{searchState{asked: &chat.Search{Q: "x"}, waiting: true}, "waiting"},
		{searchState{asked: &chat.Search{Q: "x"}}, "server"},
		{searchState{asked: &chat.Search{Q: "x"}, local: true}, "device"},
		{searchState{asked: &chat.Search{Q: "x"}, err: "too fast"}, "error"},
	} {
		s.find = tc.state
		if got := s.searchScope(); got != tc.scope {
			t.Errorf("%+v: scope %q, want %q", tc.state, got, tc.scope)
		}
	}
	s.find = searchState{asked: &chat.Search{Q: "x"}, local: true}
	for _, l := range []Lang{English, Chinese} {
		s.lang = l
		if got := s.searchScopeText(); got == "" || got == "search.device.none" {
			t.Errorf("%s: the offline scope reads %q", l, got)
		}
	}
}
