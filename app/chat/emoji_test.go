package chat_test

import (
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

// emojiSeeds probe CleanEmoji; the fuzz target starts from them too.
var emojiSeeds = []string{
	"👍", "👍🏽", "❤", "❤️", "❤️‍🔥", "👩‍💻", "👨‍👩‍👧‍👦", "🇫🇷", "🇫", "🇫🇷🇩🇪", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢", "1️⃣", "1⃣", "#️⃣", "1",
	"a", "", " 👍", "👍 ", "👍👍", "👍‍", "‍👍", "<b>", "&amp;", "🏻", "🏻🏻", "☕", "✅", "©", "™", "\u200d", "\ufe0f",
	"👍\ufe0f", "\U0001FA7D", "\U000E0041", "😀\u0301", strings.Repeat("👍\u200d", 20) + "👍", "\xff",
}

func TestCleanEmoji(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string // want "" means refused
	}{
		{"thumb", "👍", "👍"},
		{"skinTone", "👍🏽", "👍🏽"},
		{"heartGetsPresentation", "❤", "❤️"},
		{"heartAsSent", "❤️", "❤️"},
		{"zwjHeartOnFire", "❤️‍🔥", "❤️‍🔥"},
		{"zwjHeartOnFireBare", "❤‍🔥", "❤️‍🔥"},
		{"zwjTechnologist", "👩‍💻", "👩‍💻"},
		{"family", "👨‍👩‍👧‍👦", "👨‍👩‍👧‍👦"},
		{"toneInZWJ", "🧑🏽‍🚀", "🧑🏽‍🚀"},
		{"flag", "🇫🇷", "🇫🇷"},
		{"tagFlag", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿"},
		{"keycap", "1️⃣", "1️⃣"},
		{"keycapBare", "1⃣", "1️⃣"},
		{"hashKeycap", "#⃣", "#️⃣"},
		{"coffee", "☕", "☕️"},
		{"check", "✅", "✅️"},
		{"lonelyTone", "🏻", "🏻"},
		{"smpSelector", "👍\ufe0f", "👍\ufe0f"},

		{"empty", "", ""},
		{"letter", "a", ""},
		{"digit", "1", ""},
		{"markup", "<b>", ""},
		{"entity", "&amp;", ""},
		{"script", "<img src=x onerror=alert(1)>", ""},
		{"two", "👍👍", ""},
		{"twoFlags", "🇫🇷🇩🇪", ""},
		{"halfFlag", "🇫", ""},
		{"leadingSpace", " 👍", ""},
		{"trailingSpace", "👍 ", ""},
		{"trailingZWJ", "👍\u200d", ""},
		{"leadingZWJ", "\u200d👍", ""},
		{"onlyZWJ", "\u200d", ""},
		{"onlySelector", "\ufe0f", ""},
		{"toneOnTone", "🏻🏻", ""},
		{"unassigned", "\U0001FA7D", ""},
		{"tagAlone", "\U000E0041", ""},
		{"tagsNotEnded", "🏴󠁧󠁢", ""},
		{"combiningMark", "😀\u0301", ""},
		{"tooLong", strings.Repeat("👍\u200d", 20) + "👍", ""},
		{"invalidUTF8", "\xff", ""},
		{"emojiThenText", "👍yes", ""},
		{"bidiControl", "\u202e👍", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := chat.CleanEmoji(tc.in)
			if tc.want == "" {
				wantCode(t, err, chat.CodeBadEmoji)
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("CleanEmoji(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}
