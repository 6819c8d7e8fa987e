package search_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/search"
	"github.com/founding/chat/server/store/memory"
)

// The search benchmark: benchMessages messages over benchConvs
// conversations, every one of them the searcher's, indexed on disk from
// the log (the rebuild a fresh node does), then queries of one or two
// words. docs/search.md has the figures and the command.
const (
	benchMessages = 100_000
	benchConvs    = 50
)

// benchVocabulary makes n words: some English, some Chinese, the rest
// made up, so that queries match from a handful to thousands of messages.
func benchVocabulary(r *rand.Rand, n int) []string {
	words := []string{"deploy", "release", "meeting", "running", "database", "coffee", "review", "北京", "会议", "部署", "明天", "数据库"}
	const letters = "abcdefghijklmnopqrstuvwxyz"
	for len(words) < n {
		var b strings.Builder
		for range 3 + r.IntN(6) {
			b.WriteByte(letters[r.IntN(len(letters))])
		}
		words = append(words, b.String())
	}
	return words
}

// benchText makes a message of 5 to 25 words, drawn with a skew towards
// the first words of vocab (as real words are).
func benchText(r *rand.Rand, vocab []string) string {
	n := 5 + r.IntN(21)
	parts := make([]string, n)
	for i := range parts {
		x := r.Float64()
		parts[i] = vocab[int(x*x*x*float64(len(vocab)))]
	}
	return strings.Join(parts, " ")
}

func BenchmarkSearch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	vocab := benchVocabulary(r, 20_000)
	log, dir := memory.NewLog(), memory.NewDirectory()
	log.Retain = benchMessages
	ctx := context.Background()
	convs := make([]string, benchConvs)
	for i := range convs {
		convs[i] = fmt.Sprintf("r:room%02d", i)
		if _, err := dir.SetMember(ctx, "ann", convs[i], true); err != nil {
			b.Fatal(err)
		}
	}
	for i := range benchMessages {
		e := chat.Entry{Conv: convs[i%benchConvs], Kind: chat.EntryMessage, From: fmt.Sprintf("user%d", r.IntN(200)), HTML: markup.Message(benchText(r, vocab))}
		if _, err := log.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
	ix, err := search.Open(ctx, search.Options{Path: filepath.Join(b.TempDir(), "index"), Log: log, Directory: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := ix.Close(); err != nil {
			b.Error(err)
		}
	}()
	start := time.Now()
	if _, err := ix.Search(ctx, "ann", chat.Search{Q: "deploy"}); err != nil { // catches every conversation up
		b.Fatal(err)
	}
	indexing := time.Since(start)

	queries := make([]string, 0, 256)
	for i := range cap(queries) {
		q := vocab[r.IntN(200)]
		if i%2 == 1 {
			q += " " + vocab[r.IntN(2000)]
		}
		queries = append(queries, q)
	}
	var took []time.Duration
	hits := 0
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		res, err := ix.Search(ctx, "ann", chat.Search{Q: queries[i%len(queries)]})
		took = append(took, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		hits += len(res.Hits)
	}
	b.StopTimer()
	slices.Sort(took)
	pct := func(p float64) float64 {
		return float64(took[min(len(took)-1, int(p*float64(len(took))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(hits)/float64(len(took)), "hits/query")
	b.ReportMetric(benchMessages/indexing.Seconds(), "indexed-msgs/s")
}
