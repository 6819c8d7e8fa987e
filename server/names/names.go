// Package names turns user and room names into the keys they are compared
// by: Key, so that "Ann", "ann" and the full-width "Ａｎｎ" are one name, and
// Skeleton, so that names that only look alike ("Ann12" and "Annl2", a
// Latin "scope" and a Cyrillic "ѕсоре") are told apart from different ones.
package names

import (
	"strings"
	"unicode"

	"github.com/mtibben/confusables"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Key returns the comparison key of a name that chat.CleanName or
// chat.CleanRoom accepted: NFKC-normalised, case-folded and normalised again,
// as Unicode's NFKC_Casefold recommends. Two names with one Key are the
// same name; the key is what accounts, rooms and mentions are stored under.
func Key(name string) string {
	s := norm.NFKC.String(name)
	s = cases.Fold().String(s)
	return norm.NFKC.String(strings.TrimSpace(s))
}

// Skeleton returns the confusable skeleton of a name (Unicode TS #39),
// case-insensitive: two names with one Skeleton look alike, and only one of
// them may be held. The mapping and case folding are applied in turn until
// nothing changes, so that a look-alike of either case ("AIex" with a
// capital i, "Alex") meets the same skeleton. The shared combining marks
// are left out (see withoutSharedMarks), so "Ann1" with a strike-through
// or an accent added is the same skeleton as "Ann1". A skeleton is only
// compared, never shown.
func Skeleton(name string) string {
	s := norm.NFKC.String(strings.TrimSpace(name))
	for range 4 { // a mapping of a mapping rarely goes past two rounds
		next := strings.TrimSpace(norm.NFKC.String(cases.Fold().String(withoutSharedMarks(confusables.Skeleton(s)))))
		if next == s {
			break
		}
		s = next
	}
	return s
}

// withoutSharedMarks decomposes s and drops the nonspacing marks that no
// script owns (Unicode's script Inherited: accents, overlays such as the
// strike-through U+0336, dots below) where they sit on a Latin, Greek or
// Cyrillic letter or on a digit or sign: drawn over or under it, they
// hardly change how a name looks. On other scripts' letters they are kept
// (the kana voicing marks tell か from が, Arabic's vowel marks belong to
// their letters), as are the marks a script owns (Devanagari's or Thai's
// vowel signs, Hebrew points): names in those scripts are compared whole.
func withoutSharedMarks(s string) string {
	var b strings.Builder
	strip := true // a mark at the very start sits on nothing
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			if strip && unicode.Is(unicode.Inherited, r) {
				continue
			}
		} else {
			strip = unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common)
		}
		b.WriteRune(r)
	}
	return b.String()
}
