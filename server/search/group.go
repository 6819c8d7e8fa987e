package search

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
)

// groupSince returns, for each group conversation of convs that the user
// key was added to later, the first sequence they may see (hub/group.go):
// a search finds nothing before it.
func (ix *Index) groupSince(ctx context.Context, key string, convs []string) (map[string]uint64, error) {
	var since map[string]uint64
	for _, conv := range convs {
		if !chat.IsGroup(conv) {
			continue
		}
		rec, err := ix.dir.Conv(ctx, conv)
		if errors.Is(err, hub.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("search: reading group %s: %w", conv, err)
		}
		if seq := rec.Since[key]; seq > 1 {
			if since == nil {
				since = make(map[string]uint64)
			}
			since[conv] = seq
		}
	}
	return since, nil
}

// fromSeq narrows in, the query of one conversation, to its messages from
// sequence seq on (all of them when seq is 0).
func fromSeq(in query.Query, seq uint64) query.Query {
	if seq <= 1 {
		return in
	}
	lo, inclusive := float64(seq), true
	r := bleve.NewNumericRangeInclusiveQuery(&lo, nil, &inclusive, nil)
	r.SetField(fieldSeq)
	return bleve.NewConjunctionQuery(in, r)
}

// withParents is convs and the parent of each thread among them, whose
// floor (groupSince) a thread's reader is held to.
func withParents(convs []string) []string {
	out := convs
	for _, conv := range convs {
		if parent, _, ok := chat.ThreadOf(conv); ok {
			out = append(slices.Clip(out), parent)
		}
	}
	return out
}

// beforeFloor reports whether conv is a thread whose root comes before the
// reader's floor in its group (since): a member added later sees neither
// the root nor its thread.
func beforeFloor(conv string, since map[string]uint64) bool {
	parent, root, ok := chat.ThreadOf(conv)
	return ok && root < since[parent]
}
