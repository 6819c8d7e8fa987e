//go:build !wasm

package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// TestNotificationsPanel: the settings and the devices the server gave
// show as they are; a server without push says so and offers nothing.
func TestNotificationsPanel(t *testing.T) {
	p := newNotificationsPanel().Lang(English)
	p.loaded = true
	p.settings = chat.PushSettings{HideText: true, Quiet: chat.Quiet{Until: time.Now().Add(time.Hour).UnixMilli(), From: 22 * 60, To: 7*60 + 30, Zone: "Asia/Shanghai"}}
	p.devices = []chat.PushDevice{{ID: "g1", Browser: "Firefox on Linux", Created: 1, Current: true}, {ID: "g2", Browser: "Chrome on Android", Created: 2}}
	_, root := render(t, p)
	if root.find(byID("push-subscribe")) != nil {
		t.Error("Notify me on this device is offered on a device that is notified")
	}
	items := root.all(byClass("push-device"))
	if len(items) != 2 || items[0].attrs["data-id"] != "g1" || !strings.Contains(items[0].text(), "this device") {
		t.Fatalf("devices = %v", root.texts(byClass("push-device")))
	}
	if n := len(root.all(byClass("push-remove"))); n != 2 {
		t.Errorf("%d Remove buttons, want one a device", n)
	}
	if isOn(root.must(t, "the text switch", byID("push-text")), "checked") {
		t.Error("Show message text is on while the settings hide it")
	}
	if got := root.must(t, "the quiet state", byID("quiet-state")).text(); !strings.HasPrefix(got, "Notifications are paused until") {
		t.Errorf("quiet state = %q", got)
	}
	if root.find(byID("quiet-resume")) == nil {
		t.Error("no Resume while paused for a time")
	}
	if !isOn(root.must(t, "every day", byID("quiet-daily")), "checked") {
		t.Error("the daily hours are not shown as on")
	}
	if v := root.must(t, "to", byID("quiet-to")).attrs["value"]; v != "07:30" {
		t.Errorf("quiet-to = %q, want 07:30", v)
	}
	for _, id := range []string{"push-text", "quiet-daily", "quiet-from", "quiet-to"} {
		if root.find(byTag("label"), byAttr("for", id)) == nil && root.find(byTag("label"), func(n *node) bool { return n.find(byID(id)) != nil }) == nil {
			t.Errorf("#%s has no label", id)
		}
	}

	// Not yet notified: the button; nothing paused.
	p = newNotificationsPanel().Lang(Chinese)
	p.loaded = true
	_, root = render(t, p)
	if b := root.must(t, "the subscribe button", byID("push-subscribe")); b.text() != "在此设备上通知我" {
		t.Errorf("subscribe = %q", b.text())
	}
	if got := root.must(t, "the quiet state", byID("quiet-state")).text(); got != T(Chinese, "push.quiet.off") {
		t.Errorf("quiet state = %q", got)
	}

	// Push off at the server.
	p = newNotificationsPanel().Lang(English)
	p.loaded, p.off = true, true
	_, root = render(t, p)
	if root.find(byID("push-subscribe")) != nil || root.find(byID("quiet")) != nil {
		t.Error("a server without push offers push")
	}
	if got := root.must(t, "the reason", byID("push-off")).text(); !strings.Contains(got, "does not send notifications") {
		t.Errorf("push off says %q", got)
	}
}

// TestQuietNote: the top bar says when do-not-disturb holds, and nothing
// otherwise.
func TestQuietNote(t *testing.T) {
	m := client.NewModel()
	m.Me = "Ann"
	until := time.Now().Add(time.Hour)
	m.Push = client.Push{Loaded: true, Settings: chat.PushSettings{Quiet: chat.Quiet{Until: until.UnixMilli()}}}
	_, root := render(t, newQuietNote().Lang(English).Model(m))
	want := "Notifications paused until " + quietText(English, until, time.Now())
	if got := root.must(t, "the note", byID("quiet-note")).text(); got != want {
		t.Errorf("note = %q, want %q", got, want)
	}
	m.Push.Settings.Quiet.Until = time.Now().Add(-time.Minute).UnixMilli()
	_, root = render(t, newQuietNote().Lang(English).Model(m))
	if got := root.must(t, "the note", byID("quiet-note")).text(); got != "" {
		t.Errorf("note after do-not-disturb = %q", got)
	}
}

// TestPushLevelPicker: the conversation's level is selected; a server
// without push shows none.
func TestPushLevelPicker(t *testing.T) {
	m := client.NewModel()
	m.Push = client.Push{Loaded: true, Settings: chat.PushSettings{Levels: map[string]chat.PushLevel{"r:a": chat.PushNothing}}}
	for conv, want := range map[string]string{"r:a": "nothing", "r:b": "mentions"} {
		_, root := render(t, newPushLevel().Lang(English).Model(m).Conv(conv))
		sel := root.must(t, "the select", byID("push-level"))
		var selected []string
		for _, o := range sel.all(byTag("option")) {
			if isOn(o, "selected") {
				selected = append(selected, o.attrs["value"])
			}
		}
		if len(selected) != 1 || selected[0] != want {
			t.Errorf("%s: selected %v, want %s", conv, selected, want)
		}
		if root.find(byTag("label"), byAttr("for", "push-level")) == nil {
			t.Errorf("%s: the select has no label", conv)
		}
	}
	m.Push.Off = true
	_, root := render(t, newPushLevel().Lang(English).Model(m).Conv("r:a"))
	if root.find(byID("push-level")) != nil {
		t.Error("a level picker on a server without push")
	}
	if s := m.Push.SetLevel("r:b", chat.PushAll); s.Level("r:b") != chat.PushAll || s.Level("r:a") != chat.PushNothing || m.Push.Level("r:b") != chat.PushMentions {
		t.Errorf("SetLevel = %v, and changed the model's: %v", s.Levels, m.Push.Settings.Levels)
	}
	if s := m.Push.SetLevel("r:a", chat.PushMentions); len(s.Levels) != 0 {
		t.Errorf("the default is kept: %v", s.Levels)
	}
}

// TestNotificationsHeld: do-not-disturb and the level Nothing hold
// desktop notifications.
func TestNotificationsHeld(t *testing.T) {
	for _, c := range []struct {
		name string
		set  chat.PushSettings
		want int
	}{
		{"no settings", chat.PushSettings{}, 1},
		{"paused for an hour", chat.PushSettings{Quiet: chat.Quiet{Until: time.Now().Add(time.Hour).UnixMilli()}}, 0},
		{"within the daily hours", chat.PushSettings{Quiet: chat.Quiet{From: nowMinute(-5 * time.Minute), To: nowMinute(5 * time.Minute)}}, 0},
		{"outside the daily hours", chat.PushSettings{Quiet: chat.Quiet{From: nowMinute(5 * time.Minute), To: nowMinute(10 * time.Minute)}}, 1},
		{"the conversation at Nothing", chat.PushSettings{Levels: map[string]chat.PushLevel{"p:ann:bob": chat.PushNothing}}, 0},
		{"another conversation at Nothing", chat.PushSettings{Levels: map[string]chat.PushLevel{"r:group a": chat.PushNothing}}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, notes, _, _ := uxShell(t)
			b.Imodel.Push = client.Push{Loaded: true, Settings: c.set}
			b.onLiveEntry(live("p:ann:bob", 1, "Bob", "psst"))
			if len(*notes) != c.want {
				t.Errorf("%d notifications, want %d", len(*notes), c.want)
			}
		})
	}
}

// nowMinute is the minute of the day d from now, in quietLoc.
func nowMinute(d time.Duration) int {
	n := time.Now().Add(d).In(quietLoc)
	return n.Hour()*60 + n.Minute()
}

// isOn reports whether boolean attribute name is set on n: go-app's
// server-side HTML writes a false one as name="false".
func isOn(n *node, name string) bool {
	v, ok := n.attrs[name]
	return ok && v != "false"
}
