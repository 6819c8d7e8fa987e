//go:build !wasm

package ui

import (
	"slices"
	"testing"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// TestPeoplePaneStartsAndListsGroups: in a room the people pane offers
// "Start a group" with everyone the user knows of as a checkbox (online in
// a room, or talked to privately); in a group it lists the members.
func TestPeoplePaneStartsAndListsGroups(t *testing.T) {
	for _, lang := range []Lang{English, Chinese} {
		t.Run(string(lang), func(t *testing.T) {
			m := twoConversations()
			_, root := render(t, newPeoplePane().Lang(lang).Model(m).OnOpenPrivate(func(app.Context, string) {}))
			form := root.must(t, "#new-group", byID("new-group"))
			if got := form.must(t, "summary", byTag("summary")).text(); got != T(lang, "group.new") {
				t.Errorf("summary %q", got)
			}
			var names []string
			for _, li := range form.must(t, "#new-group-people", byID("new-group-people")).all(byTag("li")) {
				box := li.must(t, "checkbox", byTag("input"))
				label := li.must(t, "label", byTag("label"))
				if box.attrs["type"] != "checkbox" || label.attrs["for"] != box.attrs["id"] {
					t.Errorf("%s: a checkbox without its label", li.attrs["data-pick"])
				}
				names = append(names, li.attrs["data-pick"])
			}
			if !slices.Equal(names, []string{"Bob", "Cid"}) {
				t.Errorf("people to pick %q, want Bob, Cid", names)
			}
			for _, id := range []string{"new-group-others", "new-group-name"} {
				if form.find(byTag("label"), byAttr("for", id)) == nil {
					t.Errorf("#%s has no label", id)
				}
			}

			g := private("g:abc", "Bob, Cid")
			g.Info.Group = &chat.GroupInfo{Members: []string{"Ann", "Bob", "Cid"}}
			m.Convs[g.Info.ID], m.Active = g, g.Info.ID
			_, root = render(t, newPeoplePane().Lang(lang).Model(m).OnOpenPrivate(func(app.Context, string) {}))
			pane := root.must(t, "#people", byID("people"))
			if pane.find(byID("new-group")) != nil {
				t.Error("a group's pane offers to start a group")
			}
			var members []string
			for _, p := range pane.all(byClass("person")) {
				members = append(members, p.attrs["data-name"]+":"+p.attrs["data-presence"])
			}
			if !slices.Equal(members, []string{"Ann:online", "Bob:online", "Cid:offline"}) {
				t.Errorf("members %q, want Ann and Bob online, Cid offline", members)
			}

			_, root = render(t, newGroupPanel().Lang(lang).Model(m).Conv(g))
			btn := root.must(t, "members button", byID("group-panel-btn"))
			if btn.text() != T(lang, "group.members", 3) || btn.attrs["aria-expanded"] != "false" {
				t.Errorf("members button %q %v", btn.text(), btn.attrs)
			}
		})
	}
}

func TestSplitNames(t *testing.T) {
	if got := splitNames(" bob, cid，dee bob\n"); !slices.Equal(got, []string{"bob", "cid", "dee"}) {
		t.Errorf("splitNames = %q", got)
	}
}

// TestSwitcherOffersAGroup: names separated by commas offer to start a
// group with them (the user left out), first; one name does not.
func TestSwitcherOffersAGroup(t *testing.T) {
	m := twoConversations()
	items := switcherItems(m, "", "bob, Cid, ann")
	if len(items) == 0 || items[0].Kind != switchGroup || items[0].Name != "bob, Cid" {
		t.Fatalf("items %+v, want a group with bob, Cid first", items)
	}
	for _, q := range []string{"bob", "bob, ann", "bob, <x>"} {
		for _, it := range switcherItems(m, "", q) {
			if it.Kind == switchGroup {
				t.Errorf("%q offers a group: %+v", q, it)
			}
		}
	}
	if !sameNames([]string{"Bob", "ann"}, []string{"Ann", "bob"}) || sameNames([]string{"Bob"}, []string{"Bob", "Cid"}) {
		t.Error("sameNames")
	}
}
