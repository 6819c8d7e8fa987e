package ui

import (
	"hash/fnv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// avatarColors are the backgrounds of avatars: white initials on each pass
// WCAG AA (at least 5.3:1), in the light and the dark theme alike.
var avatarColors = [...]string{
	"#b42318", "#b54708", "#027a48", "#0e7490", "#1d4ed8",
	"#6d28d9", "#a21caf", "#be185d", "#3f6212", "#475467",
}

// AvatarColor returns the color of a user's avatar: always the same for a
// name, whatever its case.
func AvatarColor(name string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(name)))
	return avatarColors[h.Sum32()%uint32(len(avatarColors))]
}

// Initials returns what a user's avatar shows: the first letters of the
// first two words of the name ("ann_lee" is "AL"; words are runs of letters
// and digits), or one character for a CJK name.
func Initials(name string) string {
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	if len(words) == 0 {
		return "?"
	}
	first := func(s string) string {
		r, _ := utf8.DecodeRuneInString(s)
		return string(unicode.ToUpper(r))
	}
	out := first(words[0])
	if len(words) > 1 && !isWide(words[0]) {
		out += first(words[1])
	}
	return out
}

// isWide reports whether s starts with a wide (CJK) character, one of
// which is enough for an avatar.
func isWide(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// avatar renders the avatar of name. It is decoration: the name is always
// written next to it, so screen readers skip it, and the initials are drawn
// by the style sheet from data-initials, so they are not part of the text
// of what holds the avatar.
func avatar(name string, classes ...string) app.UI {
	return app.Span().Class(append([]string{"avatar"}, classes...)...).Aria("hidden", "true").
		DataSet("initials", Initials(name)).Style("background-color", AvatarColor(name))
}
