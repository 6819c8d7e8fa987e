// Package names turns user and room names into the keys they are compared
// by, so that "Ann", "ann" and the full-width "Ａｎｎ" are one name.
package names

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Key returns the comparison key of a name that chat.CleanName or
// chat.CleanRoom accepted: NFKC-normalised, case-folded and normalised again,
// as Unicode's NFKC_Casefold recommends.
func Key(name string) string {
	s := norm.NFKC.String(name)
	s = cases.Fold().String(s)
	return norm.NFKC.String(strings.TrimSpace(s))
}
