package chat_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
)

func TestValidateGroupFrames(t *testing.T) {
	t.Parallel()
	many := make([]string, chat.MaxGroupNames+1)
	for i := range many {
		many[i] = "u" + string(rune('a'+i%26))
	}
	checkFrames(t, []frameCase{
		{"new", &chat.NewGroup{With: []string{"bob", "cid"}}, ""},
		{"newNamed", &chat.NewGroup{Name: "  Trip\t2027 北京 ", With: []string{"bob", "cid"}}, ""},
		{"newMaxName", &chat.NewGroup{Name: runes("字", chat.MaxGroupNameRunes), With: []string{"bob", "cid"}}, ""},
		{"newNameTooLong", &chat.NewGroup{Name: runes("字", chat.MaxGroupNameRunes+1), With: []string{"bob", "cid"}}, chat.CodeBadGroupName},
		{"newNameControl", &chat.NewGroup{Name: "a\u0007b", With: []string{"bob", "cid"}}, chat.CodeBadGroupName},
		{"newNameInvisible", &chat.NewGroup{Name: "a\u202eb", With: []string{"bob", "cid"}}, chat.CodeBadGroupName},
		{"newOne", &chat.NewGroup{With: []string{"bob"}}, chat.CodeGroupTooFew},
		{"newNone", &chat.NewGroup{}, chat.CodeGroupTooFew},
		{"newBadName", &chat.NewGroup{With: []string{"bob", "<b>"}}, chat.CodeBadName},
		{"newEmptyName", &chat.NewGroup{With: []string{"bob", ""}}, chat.CodeMissingField},
		{"newTooMany", &chat.NewGroup{With: many}, chat.CodeGroupFull},
		{"add", &chat.AddToGroup{Conv: "g:abc", Names: []string{"eve"}}, ""},
		{"addNoConv", &chat.AddToGroup{Names: []string{"eve"}}, chat.CodeMissingField},
		{"addRoom", &chat.AddToGroup{Conv: "r:lobby", Names: []string{"eve"}}, chat.CodeBadRequest},
		{"addPair", &chat.AddToGroup{Conv: "p:ann|bob", Names: []string{"eve"}}, chat.CodeBadRequest},
		{"addNobody", &chat.AddToGroup{Conv: "g:abc"}, chat.CodeMissingField},
		{"addBadName", &chat.AddToGroup{Conv: "g:abc", Names: []string{"e ve"}}, chat.CodeBadName},
		{"addTooMany", &chat.AddToGroup{Conv: "g:abc", Names: many}, chat.CodeGroupFull},
		{"rename", &chat.RenameGroup{Conv: "g:abc", Name: "Trip"}, ""},
		{"unname", &chat.RenameGroup{Conv: "g:abc"}, ""},
		{"renameRoom", &chat.RenameGroup{Conv: "r:lobby", Name: "x"}, chat.CodeBadRequest},
		{"renameNoConv", &chat.RenameGroup{Name: "x"}, chat.CodeMissingField},
		{"renameTooLong", &chat.RenameGroup{Conv: "g:abc", Name: runes("字", chat.MaxGroupNameRunes+1)}, chat.CodeBadGroupName},
	})
}

func TestCleanGroupName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"": "", "   ": "", " a \t b\n": "a b", "Trip <2027>": "Trip <2027>", "北京 小组": "北京 小组"} {
		got, err := chat.CleanGroupName(in)
		if err != nil || got != want {
			t.Errorf("CleanGroupName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if !chat.IsGroup("g:x") || chat.IsGroup("p:a|b") || chat.IsGroup("r:g:x") {
		t.Error("IsGroup tells groups wrongly")
	}
}

func TestSortNames(t *testing.T) {
	t.Parallel()
	names := []string{"cid", "Bob", "bob", "Ann", "小明"}
	chat.SortNames(names)
	if got := strings.Join(names, ","); got != "Ann,Bob,bob,cid,小明" {
		t.Errorf("SortNames: %s", got)
	}
}

// FuzzCleanGroupName: a name taken is trimmed, short enough, valid UTF-8
// and taken again unchanged; a name refused is refused with
// bad_group_name alone.
func FuzzCleanGroupName(f *testing.F) {
	for _, s := range []string{"", " ", "Trip 2027", " a \t b\n", "北京 小组", "a\u0007b", "a\u202eb", "a\u200bb", "\xff",
		strings.Repeat("字", chat.MaxGroupNameRunes), strings.Repeat("字", chat.MaxGroupNameRunes+1), "<b>x</b>", "a\u3000b", "\ufe0f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := chat.CleanGroupName(s)
		if err != nil {
			if e, ok := err.(*chat.Error); !ok || e.Code != chat.CodeBadGroupName || out != "" {
				t.Fatalf("CleanGroupName(%q) = %q, %v; want a bad_group_name error alone", s, out, err)
			}
			return
		}
		if !utf8.ValidString(out) || utf8.RuneCountInString(out) > chat.MaxGroupNameRunes || strings.TrimSpace(out) != out {
			t.Fatalf("CleanGroupName(%q) = %q", s, out)
		}
		if again, err := chat.CleanGroupName(out); err != nil || again != out {
			t.Fatalf("CleanGroupName(%q) = %q, %v; want it unchanged", out, again, err)
		}
	})
}
