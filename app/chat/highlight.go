package chat

import (
	"html"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"
)

// How much of a long text a search hit shows: up to snippetRunes
// characters, from up to leadRunes before the first match.
const (
	snippetRunes = 240
	leadRunes    = 60
)

// Highlight returns text escaped with the byte spans in <mark></mark>,
// overlapping ones merged, cut around the first when long ("…" where cut):
// the HTML of a search Hit, made the same way by the server's index and a
// client searching what it saved. Spans off the text or off character
// boundaries are ignored. Nothing of text is left unescaped.
func Highlight(text string, spans [][2]int) string {
	spans = slices.DeleteFunc(slices.Clone(spans), func(s [2]int) bool {
		return s[0] < 0 || s[1] > len(text) || s[0] >= s[1] ||
			!utf8.RuneStart(text[s[0]]) || (s[1] < len(text) && !utf8.RuneStart(text[s[1]]))
	})
	// sort.Slice, not slices.SortFunc: the client links one sort for
	// every element type rather than a copy per type (docs/BENCHMARKS.md).
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s[0] <= merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s[1])
			continue
		}
		merged = append(merged, s)
	}
	from, to := 0, len(text)
	if utf8.RuneCountInString(text) > snippetRunes {
		if len(merged) > 0 {
			from = merged[0][0]
			for n := 0; n < leadRunes && from > 0; n++ {
				_, size := utf8.DecodeLastRuneInString(text[:from])
				from -= size
			}
		}
		to = from
		for n := 0; n < snippetRunes && to < len(text); n++ {
			_, size := utf8.DecodeRuneInString(text[to:])
			to += size
		}
	}
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	at := from
	for _, s := range merged {
		if s[1] <= from || s[0] >= to {
			continue
		}
		start, end := max(s[0], from), min(s[1], to)
		b.WriteString(html.EscapeString(text[at:start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[start:end]))
		b.WriteString("</mark>")
		at = end
	}
	b.WriteString(html.EscapeString(text[at:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}
