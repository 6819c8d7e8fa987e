// Package names turns user and room names into the keys they are compared
// by: Key, so that "Ann", "ann" and the full-width "Ａｎｎ" are one name, and
// Skeleton, so that names that only look alike ("Ann12" and "Annl2", a
// Latin "scope" and a Cyrillic "ѕсоре") are told apart from different ones.
package names

import (
	"strings"

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
// capital i, "Alex") meets the same skeleton. A skeleton is only compared,
// never shown.
func Skeleton(name string) string {
	s := norm.NFKC.String(strings.TrimSpace(name))
	for range 4 { // a mapping of a mapping rarely goes past two rounds
		next := strings.TrimSpace(norm.NFKC.String(cases.Fold().String(confusables.Skeleton(s))))
		if next == s {
			break
		}
		s = next
	}
	return s
}
