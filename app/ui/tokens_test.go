//go:build !js

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
)

// TestTokensPanelListsAndMakes: the Account panel's tokens show their
// name, scopes and last use with a Revoke button each, the form offers the
// three scopes, and a token just made shows once.
func TestTokensPanelListsAndMakes(t *testing.T) {
	p := newTokensPanel().Lang(English)
	p.tokens = []accessToken{
		{ID: "a1", Name: "deploy", Scopes: []string{"read", "write"}},
		{ID: "b2", Name: "backup", Scopes: []string{"read"}, Used: time.Now().Add(-time.Hour).UnixMilli()},
	}
	p.fresh = "chat_secret"
	_, root := render(t, p)
	items := root.all(byClass("token"))
	if len(items) != 2 {
		t.Fatalf("%d tokens listed", len(items))
	}
	if got := items[0].must(t, "meta", byClass("token-meta")).text(); got != "read, write · never used" {
		t.Errorf("first token's meta: %q", got)
	}
	if got := items[1].must(t, "meta", byClass("token-meta")).text(); !strings.HasPrefix(got, "read · used ") {
		t.Errorf("second token's meta: %q", got)
	}
	items[1].must(t, "revoke", byClass("token-revoke"))
	for _, s := range []string{"read", "write", "files"} {
		root.must(t, "scope "+s, byID("token-scope-"+s))
	}
	if v := root.must(t, "fresh token", byID("token-value")).attrs["value"]; v != "chat_secret" {
		t.Errorf("the fresh token shows %q", v)
	}
}

// TestBotsAndWebhooksInTheTimeline: a bot's message carries the bot badge
// and its via; a webhook's entry reads as an event.
func TestBotsAndWebhooksInTheTimeline(t *testing.T) {
	s, lobby := online(English)
	now := time.Now()
	bot := message("r:lobby", 1, now, "ci", "build passed")
	bot.Bot, bot.Via = true, "Jenkins &amp; co"
	made := chat.Entry{Conv: "r:lobby", Seq: 2, Time: now.UnixMilli(), Kind: chat.EntryWebhook, From: "Ann", Subject: "ci", On: true}
	outgoing := chat.Entry{Conv: "r:lobby", Seq: 3, Time: now.UnixMilli(), Kind: chat.EntryOutgoingHook, From: "Ann", Subject: "weather", On: false}
	lobby.Entries = []chat.Entry{bot, made, outgoing}
	_, root := render(t, s)
	msg := root.must(t, "bot message", byClass("entry", "msg"), byAttr("data-seq", "1"))
	if got := msg.must(t, "badge", byClass("bot-tag")).text(); got != "bot" {
		t.Errorf("badge %q", got)
	}
	if got := msg.must(t, "via", byClass("via")).text(); got != "via Jenkins & co" {
		t.Errorf("via %q", got)
	}
	ev := root.must(t, "webhook event", byClass("entry", "webhook"), byAttr("data-seq", "2"))
	if got := ev.text(); !strings.Contains(got, "Ann made the webhook ci") {
		t.Errorf("webhook entry reads %q", got)
	}
	ev = root.must(t, "outgoing hook event", byClass("entry", "webhook"), byAttr("data-seq", "3"))
	if got := ev.text(); !strings.Contains(got, "Ann revoked the outgoing hook weather") {
		t.Errorf("outgoing hook entry reads %q", got)
	}
	if people := root.all(byClass("bot-tag")); len(people) != 1 {
		t.Errorf("%d bot badges, want only the bot's", len(people))
	}
}
