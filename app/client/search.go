package client

import (
	"cmp"
	"html"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/founding/chat/app/chat"
)

// Searching what this device holds: the conversations the Model keeps,
// which are what the browser saved (Restore) and what came since, without
// the server. The server's index (docs/protocol.md, Search) is better at
// words: it stems English and spans every message; this one matches each
// word of the query as written, anywhere in the text, case folded, so
// "run" finds "running" (but "runs" does not) and any run of Chinese
// characters finds itself.

// maxSavedHits bounds what SearchSaved returns.
const maxSavedHits = chat.MaxSearchLimit

// SearchSaved returns the messages this device holds that contain every
// word of q.Q, newest first, with q's filters (Conv, From, Before, After,
// File), at most
// chat.MaxSearchLimit of them. Each hit's HTML is its text escaped with the
// words in <mark>, as the server makes it. Deleted messages are never
// found.
func (m *Model) SearchSaved(q chat.Search) []chat.Hit {
	words := searchWords(q.Q)
	if len(words) == 0 {
		return nil
	}
	from := foldText(strings.TrimPrefix(strings.TrimSpace(q.From), "@"))
	var hits []chat.Hit
	for id, c := range m.Convs {
		if q.Conv != "" && id != q.Conv {
			continue
		}
		for _, e := range c.Entries {
			if e.Kind != chat.EntryMessage || e.Deleted || e.Seq == 0 || (q.File && len(e.Files) == 0) ||
				(q.Before != 0 && e.Time >= q.Before) || (q.After != 0 && e.Time <= q.After) ||
				(from != "" && foldText(html.UnescapeString(e.From)) != from) {
				continue
			}
			text := chat.PlainText(e.HTML)
			spans, ok := findWords(text, words)
			if !ok {
				continue
			}
			hits = append(hits, chat.Hit{Conv: id, Seq: e.Seq, Time: e.Time, From: e.From, HTML: chat.Highlight(text, spans)})
		}
	}
	sort.Slice(hits, func(i, j int) bool { // one sort for every type (chat/highlight.go)
		a, b := hits[i], hits[j]
		if a.Time != b.Time {
			return a.Time > b.Time
		}
		if a.Conv != b.Conv {
			return a.Conv > b.Conv
		}
		return a.Seq > b.Seq
	})
	if len(hits) > maxSavedHits {
		hits = hits[:maxSavedHits]
	}
	return hits
}

// searchWords splits a query into its words, case folded.
func searchWords(q string) []string {
	var words []string
	for _, w := range strings.FieldsFunc(foldText(q), func(r rune) bool { return unicode.IsSpace(r) }) {
		if !slices.Contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

// foldText folds case for comparing, keeping byte offsets where it can
// (strings.ToLower may change a rune's length; findWords checks).
func foldText(s string) string { return strings.ToLower(s) }

// findWords returns the byte spans of every occurrence of each word in
// text, and whether every word occurs.
func findWords(text string, words []string) ([][2]int, bool) {
	folded := foldText(text)
	if len(folded) != len(text) {
		folded = asciiFold(text) // offsets must stay those of text
	}
	var spans [][2]int
	for _, w := range words {
		found := false
		for at := 0; at < len(folded); {
			i := strings.Index(folded[at:], w)
			if i < 0 {
				break
			}
			found = true
			spans = append(spans, [2]int{at + i, at + i + len(w)})
			at += i + len(w)
		}
		if !found {
			return nil, false
		}
	}
	return spans, true
}

// asciiFold lowers only ASCII letters, so that offsets do not move.
func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// Holds reports whether conversation conv's window holds message seq.
func (c *Conversation) Holds(seq uint64) bool {
	i, ok := slices.BinarySearchFunc(c.Entries, seq, func(e chat.Entry, seq uint64) int { return cmp.Compare(e.Seq, seq) })
	return ok && i >= 0
}
