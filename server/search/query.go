package search

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// ErrBadCursor means a query's cursor is not one Search made.
var ErrBadCursor = errors.New("search: the cursor is not one this server made")

// Search answers q for the user key: the messages of the conversations key
// is in now (the Directory's memberships, read at each query) that hold
// every word of q.Q, newest first, q.Limit of them (chat.DefaultSearchLimit
// when 0) after q.Cursor, with the cursor of the next page. The
// conversations it covers are first caught up with the log (ensure).
func (ix *Index) Search(ctx context.Context, key string, q chat.Search) (chat.Results, error) {
	out := chat.Results{N: q.N, Hits: []chat.Hit{}}
	convs, err := ix.dir.Memberships(ctx, key)
	if err != nil {
		return out, fmt.Errorf("search: reading the memberships of %s: %w", key, err)
	}
	threads := true // and the threads of convs (chat.ThreadOf), whose readers are their parent's
	if q.Conv != "" {
		parent, _, thread := chat.ThreadOf(q.Conv)
		if thread && slices.Contains(convs, parent) {
			convs = append(convs, q.Conv)
		}
		threads = false
		if !slices.Contains(convs, q.Conv) {
			return out, nil // not in it: nothing to find there
		}
		convs = []string{q.Conv}
	}
	if len(convs) == 0 {
		return out, nil
	}
	sctx, cancel := context.WithTimeout(ctx, syncTimeout)
	defer cancel()
	for _, conv := range convs {
		if err := ix.ensure(sctx, conv); err != nil {
			return out, err
		}
	}
	limit := q.Limit
	if limit <= 0 {
		limit = chat.DefaultSearchLimit
	}
	since, err := ix.groupSince(ctx, key, withParents(convs)) // group.go
	if err != nil {
		return out, err
	}
	req := bleve.NewSearchRequestOptions(newQuery(q, convs, since, threads), limit+1, 0, false)
	req.SortBy([]string{"-" + fieldTime, "-_id"})
	req.Fields = []string{fieldName, fieldText, fieldTime, fieldBot}
	req.IncludeLocations = true
	if q.Cursor != "" {
		after, err := decodeCursor(q.Cursor)
		if err != nil {
			return out, err
		}
		req.SearchAfter = after
	}
	res, err := ix.bleve.SearchInContext(ctx, req)
	if err != nil {
		return out, fmt.Errorf("search: querying the index: %w", err)
	}
	hits := res.Hits
	if len(hits) > limit {
		hits = hits[:limit]
		out.Cursor = encodeCursor(hits[limit-1].Sort)
	}
	for _, h := range hits {
		conv, seq, ok := parseDocID(h.ID)
		if !ok || beforeFloor(conv, since) {
			continue
		}
		text, _ := h.Fields[fieldText].(string)
		name, _ := h.Fields[fieldName].(string)
		bot, _ := h.Fields[fieldBot].(bool)
		out.Hits = append(out.Hits, chat.Hit{Conv: conv, Seq: seq, Time: sortTime(h), From: name, Bot: bot,
			HTML: chat.Highlight(text, matches(h))})
	}
	return out, nil
}

// newQuery is q for bleve: every word of q.Q (as the text's analyzer makes
// words of it) in one message of one of convs (or, with threads, of one of
// their threads), from the sequence since gives a group's on, and the
// filters.
func newQuery(q chat.Search, convs []string, since map[string]uint64, threads bool) query.Query {
	words := bleve.NewMatchQuery(q.Q)
	words.SetField(fieldText)
	words.SetOperator(query.MatchQueryOperatorAnd)
	in := make([]query.Query, 0, len(convs))
	for _, conv := range convs {
		t := bleve.NewTermQuery(conv)
		t.SetField(fieldConv)
		in = append(in, fromSeq(t, since[conv]))
		if threads && !chat.IsThread(conv) {
			p := bleve.NewPrefixQuery(chat.ThreadsPrefix(conv))
			p.SetField(fieldConv)
			in = append(in, p)
		}
	}
	all := []query.Query{words, bleve.NewDisjunctionQuery(in...)}
	if q.From != "" {
		t := bleve.NewTermQuery(names.Key(strings.TrimPrefix(strings.TrimSpace(q.From), "@")))
		t.SetField(fieldFrom)
		all = append(all, t)
	}
	if q.Before != 0 || q.After != 0 {
		var lo, hi *float64
		if q.After != 0 {
			v := float64(q.After + 1)
			lo = &v
		}
		if q.Before != 0 {
			v := float64(q.Before)
			hi = &v
		}
		inclusive := true
		exclusive := false
		r := bleve.NewNumericRangeInclusiveQuery(lo, hi, &inclusive, &exclusive)
		r.SetField(fieldTime)
		all = append(all, r)
	}
	if q.File {
		b := bleve.NewBoolFieldQuery(true)
		b.SetField(fieldFile)
		all = append(all, b)
	}
	return bleve.NewConjunctionQuery(all...)
}

// sortTime reads a hit's time back from its stored fields.
func sortTime(h *search.DocumentMatch) int64 {
	if v, ok := h.Fields[fieldTime].(float64); ok {
		return int64(v)
	}
	return 0
}

// matches returns the byte spans of a hit's text that matched.
func matches(h *search.DocumentMatch) [][2]int {
	var spans [][2]int
	for _, locs := range h.Locations[fieldText] {
		for _, l := range locs {
			spans = append(spans, [2]int{int(l.Start), int(l.End)})
		}
	}
	return spans
}

// encodeCursor makes the cursor of the page after a hit of these sort
// values.
func encodeCursor(sort []string) string {
	b, _ := json.Marshal(sort) // strings always marshal
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor undoes encodeCursor.
func decodeCursor(c string) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, ErrBadCursor
	}
	var sort []string
	if err := json.Unmarshal(b, &sort); err != nil || len(sort) != 2 {
		return nil, ErrBadCursor
	}
	return sort, nil
}
