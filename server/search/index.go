// Package search keeps a full-text index of the conversations' messages
// (github.com/blevesearch/bleve/v2) and answers queries from it, never with
// a message of a conversation the asker is not in at that moment.
//
// Every node keeps its own index from the same log: the log's watch brings
// every entry appended by any node, and a mark of the last sequence
// indexed per conversation, kept in the index beside its documents (in the
// same batch), says where to read the log from when the index is behind:
// after a restart, or when it was missing (a new, empty index has no marks
// and fills each conversation from the log on first need). A conversation
// is caught up the first time an entry of it is watched or a query covers
// it; the watch keeps it current after that.
//
// A document is one message, by conversation and sequence: its plain text
// (the markup stripped) through one analyzer made of bleve's parts for
// both scripts (textAnalyzer): Unicode words, full and half widths folded,
// lower case, runs of Chinese, Japanese and Korean characters as bigrams
// (as bleve's cjk analyzer makes them; a lone character stays one), then
// English possessives, stop words and the Porter stemmer, which leave CJK
// bigrams as they are. So "running" finds "runs" and "北京" finds
// "去北京开会", in one message or in one query mixing both. Beside the
// text: its sender's key, time and whether it has a file. An edit
// replaces the text; a delete removes the document, and an edit after a
// delete finds nothing to change.
//
// Locks: Index.mu guards the per-conversation table; each convState.mu is
// held while that conversation is indexed (one writer per conversation,
// entries in sequence order). Only the worker holds several at once (the
// conversations of one batch), and nobody else takes a second one, so
// they cannot deadlock. Index.qmu guards the queue of watched entries.
// observe, the watch's callback, only takes qmu.
package search

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/dirlock"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/names"
)

// Options configure an Index.
type Options struct {
	// Path is the directory of the index on disk; empty keeps it in
	// memory (for the memory storage and tests).
	Path string
	// Log is the conversations' log, watched and read back. Required.
	Log hub.Log
	// Directory says who is in which conversation at query time. Required.
	Directory hub.Directory
	// Logger gets what the index cannot say to a caller (an entry the
	// watch brought that could not be indexed). Defaults to slog.Default().
	Logger *slog.Logger
	// Gather is how long the worker lets watched entries gather before it
	// writes them: each batch is a segment of the index, which it persists
	// and merges later, so at a few messages a second a batch per message
	// would cost more than everything else the server does. Defaults to
	// 250 ms; a message is found that much later.
	Gather time.Duration
}

// defaultGather is Options.Gather's default.
const defaultGather = 250 * time.Millisecond

// Index is the full-text index of one node. Its methods may be called
// concurrently.
type Index struct {
	opts  Options
	bleve bleve.Index
	claim *dirlock.Lock // the index's directory, when it is on disk
	log   hub.Log
	dir   hub.Directory
	stop  func()

	ctx    context.Context // ends with Close: the worker's storage calls
	cancel context.CancelFunc
	done   chan struct{} // closed when the worker has returned

	mu    sync.Mutex
	convs map[string]*convState

	qmu     sync.Mutex
	queue   []chat.Entry  // watched, not indexed yet
	busy    bool          // the worker is indexing what it took from queue
	wake    chan struct{} // a token when queue is not empty
	indexed chan struct{} // closed and replaced each time the worker has indexed what it took
}

// convState is what the index knows of one conversation.
type convState struct {
	mu      sync.Mutex
	loaded  bool   // mark is read from the index
	mark    uint64 // every entry up to here is indexed
	current bool   // caught up with the log once since Open: the watch keeps it so
}

// mappingVersion names the document mapping: an index made with another
// is rebuilt from the log.
const mappingVersion = "chat-search-2" // 2: a message's bot

// textAnalyzer names the analyzer of the text (see the package comment).
const textAnalyzer = "chat_text"

// Internal keys of the index.
const (
	versionKey = "version"
	markPrefix = "mark/"
)

// Document fields.
const (
	fieldConv = "conv"
	fieldSeq  = "seq"
	fieldTime = "time"
	fieldFrom = "from" // the sender's key
	fieldName = "name" // the sender as shown, escaped (stored only)
	fieldText = "text" // the plain text, through textAnalyzer, stored
	fieldFile = "file"
	fieldBot  = "bot" // the sender is a bot (stored only)
)

// document is what is indexed of one message.
type document struct {
	Conv string  `json:"conv"`
	Seq  float64 `json:"seq"`
	Time float64 `json:"time"`
	From string  `json:"from"`
	Name string  `json:"name"`
	Text string  `json:"text"`
	File bool    `json:"file"`
	Bot  bool    `json:"bot"`
}

// Open opens the index at o.Path, or makes it there (or in memory), and
// starts following the log. An index that cannot be opened, or was made
// with another mapping, is removed and made again: the log has it all.
func Open(ctx context.Context, o Options) (*Index, error) {
	if o.Log == nil || o.Directory == nil {
		return nil, errors.New("search: a Log and a Directory are required")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Gather <= 0 {
		o.Gather = defaultGather
	}
	var claim *dirlock.Lock
	if o.Path != "" {
		var err error
		if claim, err = dirlock.Acquire(o.Path); err != nil {
			return nil, fmt.Errorf("search: the index: %w", err)
		}
	}
	b, err := openBleve(o)
	if err != nil {
		return nil, errors.Join(err, claim.Release())
	}
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	ix := &Index{opts: o, bleve: b, claim: claim, log: o.Log, dir: o.Directory, ctx: ictx, cancel: cancel,
		done: make(chan struct{}), convs: make(map[string]*convState),
		wake: make(chan struct{}, 1), indexed: make(chan struct{})}
	stop, err := o.Log.Watch(ctx, ix.observe)
	if err != nil {
		cancel()
		return nil, errors.Join(fmt.Errorf("search: watching the log: %w", err), b.Close(), claim.Release())
	}
	ix.stop = stop
	go ix.work()
	return ix, nil
}

// openBleve opens or makes the bleve index of o.
func openBleve(o Options) (bleve.Index, error) {
	m, err := newMapping()
	if err != nil {
		return nil, err
	}
	if o.Path == "" {
		b, err := bleve.NewMemOnly(m)
		if err != nil {
			return nil, fmt.Errorf("search: making the index: %w", err)
		}
		return b, b.SetInternal([]byte(versionKey), []byte(mappingVersion))
	}
	if b, err := bleve.OpenUsing(o.Path, scorchConfig()); err == nil {
		v, err := b.GetInternal([]byte(versionKey))
		if err == nil && string(v) == mappingVersion {
			return b, nil
		}
		o.Logger.Warn("the search index was made otherwise; rebuilding it from the log", "path", o.Path)
		if err := b.Close(); err != nil {
			return nil, fmt.Errorf("search: closing the old index: %w", err)
		}
	} else if !errors.Is(err, bleve.ErrorIndexPathDoesNotExist) && !errors.Is(err, bleve.ErrorIndexMetaMissing) {
		o.Logger.Warn("the search index cannot be opened; rebuilding it from the log", "path", o.Path, "err", err)
	}
	if err := clearIndexDir(o.Path); err != nil {
		return nil, fmt.Errorf("search: removing the old index: %w", err)
	}
	b, err := bleve.NewUsing(o.Path, m, scorch.Name, bleve.Config.DefaultKVStore, scorchConfig())
	if err != nil {
		return nil, fmt.Errorf("search: making the index: %w", err)
	}
	if err := b.SetInternal([]byte(versionKey), []byte(mappingVersion)); err != nil {
		return nil, errors.Join(err, b.Close())
	}
	return b, nil
}

// clearIndexDir removes everything in dir but the claim's lock file, which
// stays held while the index is made again.
func clearIndexDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Name() == dirlock.Name {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return err
		}
	}
	return nil
}

// scorchConfig tunes bleve's segment store for a chat's stream of small
// batches. Measured at 100 clients and 10 msg/s (BENCHMARKS.md), bleve's
// defaults spent half the server's CPU merging: every batch became a file,
// and every file under the floor of 2,000 documents counted as that size,
// so each merge rewrote the whole young index again.
//   - The persister naps persistNap between rounds, so the batches written
//     meanwhile are merged in memory and persisted as one file. Searches
//     see a batch as soon as it is written; only its file comes later, and
//     after a crash the log brings back what was not persisted, from the
//     marks persisted with the documents.
//   - A floor of floorSegmentDocs lets small segments merge with their
//     like, not with the big ones.
func scorchConfig() map[string]any {
	return map[string]any{
		"scorchPersisterOptions": map[string]any{
			"PersisterNapTimeMSec":      int(persistNap / time.Millisecond),
			"PersisterNapUnderNumFiles": persistNapUnderFiles,
		},
		"scorchMergePlanOptions": map[string]any{"FloorSegmentSize": floorSegmentDocs},
	}
}

// The segment store's settings (scorchConfig).
const (
	persistNap           = 2 * time.Second
	persistNapUnderFiles = 1000 // bleve's default: with more files the persister does not nap
	floorSegmentDocs     = 10
)

// newMapping describes a document to bleve.
func newMapping() (mapping.IndexMapping, error) {
	kw := func(store bool) *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = store
		f.IncludeInAll = false
		return f
	}
	num := func() *mapping.FieldMapping {
		f := bleve.NewNumericFieldMapping()
		f.Store = true
		f.IncludeInAll = false
		return f
	}
	text := func(analyzer string, store bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = store
		f.IncludeTermVectors = true // the locations of matches, to highlight
		f.IncludeInAll = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt(fieldConv, kw(true))
	doc.AddFieldMappingsAt(fieldFrom, kw(false))
	name := bleve.NewTextFieldMapping()
	name.Index, name.Store, name.IncludeInAll = false, true, false
	doc.AddFieldMappingsAt(fieldName, name)
	doc.AddFieldMappingsAt(fieldSeq, num())
	doc.AddFieldMappingsAt(fieldTime, num())
	doc.AddFieldMappingsAt(fieldText, text(textAnalyzer, true))
	file := bleve.NewBooleanFieldMapping()
	file.IncludeInAll = false
	doc.AddFieldMappingsAt(fieldFile, file)
	bot := bleve.NewBooleanFieldMapping()
	bot.Index, bot.Store, bot.IncludeInAll = false, true, false
	doc.AddFieldMappingsAt(fieldBot, bot)
	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
		"token_filters": []any{cjk.WidthName, lowercase.Name, cjk.BigramName,
			en.PossessiveName, en.StopName, porter.Name},
	})
	if err != nil {
		return nil, err
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = textAnalyzer
	m.StoreDynamic, m.IndexDynamic, m.DocValuesDynamic = false, false, false
	return m, m.Validate()
}

// Close stops following the log and closes the index.
func (ix *Index) Close() error {
	ix.stop()
	ix.cancel()
	<-ix.done
	return errors.Join(ix.bleve.Close(), ix.claim.Release())
}

// observe queues a watched entry for the worker. It may run under the
// log's own lock, so it calls nothing.
func (ix *Index) observe(e chat.Entry) {
	if !indexes(e.Kind) {
		return
	}
	ix.qmu.Lock()
	ix.queue = append(ix.queue, e)
	ix.qmu.Unlock()
	select {
	case ix.wake <- struct{}{}:
	default:
	}
}

// indexes reports whether entries of kind change the index.
func indexes(kind chat.EntryKind) bool {
	return kind == chat.EntryMessage || kind == chat.EntryEdit || kind == chat.EntryDelete || kind == chat.EntryExpire
}

// work indexes the watched entries, in order within each conversation,
// until Close.
func (ix *Index) work() {
	defer close(ix.done)
	for {
		select {
		case <-ix.ctx.Done():
			return
		case <-ix.wake:
		}
		if !ix.gather() {
			return
		}
		ix.qmu.Lock()
		batch := ix.queue
		ix.queue, ix.busy = nil, true
		ix.qmu.Unlock()
		ix.index(batch)
		ix.qmu.Lock()
		ix.busy = false
		close(ix.indexed)
		ix.indexed = make(chan struct{})
		ix.qmu.Unlock()
	}
}

// gather waits Options.Gather for more entries, unless a batch's worth is
// queued already. It reports false once the index is closing.
func (ix *Index) gather() bool {
	ix.qmu.Lock()
	full := len(ix.queue) >= batchEntries
	ix.qmu.Unlock()
	if full {
		return true
	}
	t := time.NewTimer(ix.opts.Gather)
	defer t.Stop()
	select {
	case <-ix.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// index writes watched entries, in sequence order within each
// conversation. The conversations whose entries continue their marks go
// into one batch of the index (up to batchEntries), marks included: with
// many small rooms a batch per conversation would cost a segment of the
// index per message. A conversation behind its mark is caught up alone
// (apply).
func (ix *Index) index(batch []chat.Entry) {
	byConv := make(map[string][]chat.Entry)
	var order []string
	for _, e := range batch {
		if byConv[e.Conv] == nil {
			order = append(order, e.Conv)
		}
		byConv[e.Conv] = append(byConv[e.Conv], e)
	}
	w := ix.newBatchWriter()
	for _, conv := range order {
		entries := byConv[conv]
		c := ix.state(conv)
		c.mu.Lock()
		if err := ix.loadMark(c, conv); err != nil || !continues(c, entries) {
			c.mu.Unlock()
			ix.applyLogged(conv, entries)
			continue
		}
		if err := w.add(ix.ctx, c, conv, entries); err != nil {
			c.mu.Unlock()
			ix.logFailure(conv, err)
			continue
		}
		if w.entries >= batchEntries {
			w.commit()
			w = ix.newBatchWriter()
		}
	}
	w.commit()
}

// batchEntries bounds the watched entries of one batch of the index.
const batchEntries = 2000

// continues reports whether entries, watched in order, follow c's mark
// without a gap (the ones at or below it are skipped). Callers hold c.mu.
func continues(c *convState, entries []chat.Entry) bool {
	next := c.mark + 1
	for _, e := range entries {
		switch {
		case e.Seq < next:
		case e.Seq == next:
			next++
		default:
			return false
		}
	}
	return true
}

// applyLogged is apply, its failure logged: the mark stays where it was,
// and the next entry or query of the conversation reads the log from there.
func (ix *Index) applyLogged(conv string, entries []chat.Entry) {
	if err := ix.apply(ix.ctx, conv, entries); err != nil {
		ix.logFailure(conv, err)
	}
}

func (ix *Index) logFailure(conv string, err error) {
	if ix.ctx.Err() == nil {
		ix.opts.Logger.Error("indexing a conversation for search failed", "conv", conv, "err", err)
	}
}

// Sync waits until every entry watched so far is indexed, or ctx ends: for
// tests and the benchmark, which look for what they just posted.
func (ix *Index) Sync(ctx context.Context) error {
	for {
		ix.qmu.Lock()
		idle, indexed := len(ix.queue) == 0 && !ix.busy, ix.indexed
		ix.qmu.Unlock()
		if idle {
			return nil
		}
		select {
		case <-indexed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// state returns conv's record, made on first use.
func (ix *Index) state(conv string) *convState {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	c := ix.convs[conv]
	if c == nil {
		c = &convState{}
		ix.convs[conv] = c
	}
	return c
}

// loadMark reads c's mark from the index once. Callers hold c.mu.
func (ix *Index) loadMark(c *convState, conv string) error {
	if c.loaded {
		return nil
	}
	v, err := ix.bleve.GetInternal([]byte(markPrefix + conv))
	if err != nil {
		return fmt.Errorf("search: reading the mark of %s: %w", conv, err)
	}
	if len(v) == 8 {
		c.mark = binary.BigEndian.Uint64(v)
	}
	c.loaded = true
	return nil
}

// apply indexes entries of conv, watched in sequence order, reading from
// the log whatever lies between the mark and the first of them.
// A failure leaves the conversation to be caught up from its mark by the
// next query or entry.
func (ix *Index) apply(ctx context.Context, conv string, entries []chat.Entry) (err error) {
	c := ix.state(conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	defer func() {
		if err != nil {
			c.current = false
		}
	}()
	if err := ix.loadMark(c, conv); err != nil {
		return err
	}
	run := make([]chat.Entry, 0, len(entries))
	for _, e := range entries {
		switch {
		case e.Seq <= c.mark:
			continue
		case len(run) == 0 && e.Seq > c.mark+1, len(run) > 0 && e.Seq > run[len(run)-1].Seq+1:
			if err := ix.write(ctx, c, conv, run); err != nil {
				return err
			}
			run = run[:0]
			if err := ix.catchUp(ctx, c, conv, e.Seq-1); err != nil {
				return err
			}
		}
		run = append(run, e)
	}
	if err := ix.write(ctx, c, conv, run); err != nil {
		return err
	}
	c.current = true
	return nil
}

// ensure makes sure conv is indexed up to the log's last entry, unless the
// watch has kept it current since it was.
func (ix *Index) ensure(ctx context.Context, conv string) error {
	c := ix.state(conv)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.current {
		return nil
	}
	if err := ix.loadMark(c, conv); err != nil {
		return err
	}
	last, err := ix.log.Last(ctx, conv)
	if err != nil {
		return fmt.Errorf("search: reading where %s ends: %w", conv, err)
	}
	if err := ix.catchUp(ctx, c, conv, last); err != nil {
		return err
	}
	c.current = true
	return nil
}

// catchUp indexes conv's entries from the mark to sequence to, read from
// the log a page at a time and written catchUpBatch entries at a time,
// each batch with its mark. Entries the log no longer holds are skipped.
// Callers hold c.mu.
func (ix *Index) catchUp(ctx context.Context, c *convState, conv string, to uint64) error {
	var run []chat.Entry
	read := c.mark // the last sequence read
	for read < to {
		q := chat.History{Conv: conv, After: read, Limit: chat.MaxHistoryLimit}
		if read == 0 { // After 0 would ask for the latest page
			q = chat.History{Conv: conv, Before: min(to, chat.MaxHistoryLimit) + 1, Limit: chat.MaxHistoryLimit}
		}
		p, err := ix.log.Page(ctx, q)
		switch {
		case errors.Is(err, hub.ErrBeforeStart) && p.First > read+1:
			if err := ix.write(ctx, c, conv, run); err != nil {
				return err
			}
			run = nil
			c.mark, read = p.First-1, p.First-1 // older entries are no longer held
			continue
		case err != nil:
			return errors.Join(fmt.Errorf("search: reading %s from the log: %w", conv, err), ix.write(ctx, c, conv, run))
		case len(p.Entries) == 0:
			return ix.write(ctx, c, conv, run)
		}
		before := read
		for _, e := range p.Entries {
			if e.Seq > read && e.Seq <= to {
				run = append(run, e)
				read = e.Seq
			}
		}
		if read == before {
			break
		}
		if len(run) >= catchUpBatch {
			if err := ix.write(ctx, c, conv, run); err != nil {
				return err
			}
			run = nil
		}
	}
	return ix.write(ctx, c, conv, run)
}

// catchUpBatch is how many entries read back from the log go into one
// batch of the index: bigger batches index faster, each holds the
// conversation's lock longer.
const catchUpBatch = 2000

// write indexes run, consecutive entries of conv after c's mark, in one
// batch with the new mark. Callers hold c.mu.
func (ix *Index) write(ctx context.Context, c *convState, conv string, run []chat.Entry) error {
	if len(run) == 0 {
		return nil
	}
	w := ix.newBatchWriter()
	if err := w.stage(ctx, conv, run); err != nil {
		return err
	}
	if err := w.flush(); err != nil {
		return err
	}
	c.mark = run[len(run)-1].Seq
	return nil
}

// batchWriter gathers the documents and marks of several conversations
// into one batch of the index. It holds the lock of each conversation it
// took, from add until commit.
type batchWriter struct {
	ix      *Index
	b       *bleve.Batch
	docs    map[string]*document // made in this batch; nil: deleted in it
	held    []heldConv
	entries int
}

// heldConv is a conversation in a batch: its state, locked, and the mark
// the batch gives it.
type heldConv struct {
	c    *convState
	mark uint64
}

func (ix *Index) newBatchWriter() *batchWriter {
	return &batchWriter{ix: ix, b: ix.bleve.NewBatch(), docs: make(map[string]*document)}
}

// add stages conv's watched entries after c's mark, which continue it
// (continues). The batch keeps c locked until commit; callers hold c.mu
// and hand it over.
func (w *batchWriter) add(ctx context.Context, c *convState, conv string, entries []chat.Entry) error {
	run := entries[:0:0]
	for _, e := range entries {
		if e.Seq > c.mark {
			run = append(run, e)
		}
	}
	if len(run) == 0 {
		c.current = true
		c.mu.Unlock()
		return nil
	}
	if err := w.stage(ctx, conv, run); err != nil {
		return err
	}
	w.held = append(w.held, heldConv{c: c, mark: run[len(run)-1].Seq})
	w.entries += len(run)
	return nil
}

// stage adds the documents run makes or changes, and conv's new mark.
func (w *batchWriter) stage(ctx context.Context, conv string, run []chat.Entry) error {
	for _, e := range run {
		id := docID(conv, e.Seq)
		switch e.Kind {
		case chat.EntryMessage:
			d := newDocument(e)
			w.docs[id] = &d
		case chat.EntryEdit:
			tid := docID(conv, e.Target)
			d, err := w.ix.editable(ctx, conv, e.Target, tid, w.docs)
			if err != nil {
				return err
			}
			if d != nil {
				d.setText(e.HTML)
				w.docs[tid] = d
			}
		case chat.EntryDelete:
			w.docs[docID(conv, e.Target)] = nil
		case chat.EntryExpire:
			if err := w.ix.expired(ctx, conv, e.Target, w.docs); err != nil {
				return err
			}
		}
	}
	w.b.SetInternal([]byte(markPrefix+conv), binary.BigEndian.AppendUint64(nil, run[len(run)-1].Seq))
	return nil
}

// expirePage is how many documents of expired messages one search finds.
const expirePage = 10000

// expired marks for deletion in docs the documents of conv's messages
// before sequence below (removed by retention, chat.EntryExpire), and
// drops those docs holds already.
func (ix *Index) expired(ctx context.Context, conv string, below uint64, docs map[string]*document) error {
	for id := range docs {
		if c, seq, ok := parseDocID(id); ok && c == conv && seq < below {
			docs[id] = nil
		}
	}
	in := bleve.NewTermQuery(conv)
	in.SetField(fieldConv)
	hi, exclusive := float64(below), false
	old := bleve.NewNumericRangeInclusiveQuery(nil, &hi, nil, &exclusive)
	old.SetField(fieldSeq)
	for from := 0; ; from += expirePage {
		req := bleve.NewSearchRequestOptions(bleve.NewConjunctionQuery(in, old), expirePage, from, false)
		req.SortBy([]string{fieldSeq})
		res, err := ix.bleve.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("search: finding the expired messages of %s: %w", conv, err)
		}
		for _, h := range res.Hits {
			docs[h.ID] = nil
		}
		if len(res.Hits) < expirePage {
			return nil
		}
	}
}

// flush writes the batch.
func (w *batchWriter) flush() error {
	for id, d := range w.docs {
		if d == nil {
			w.b.Delete(id)
			continue
		}
		if err := w.b.Index(id, d); err != nil {
			return fmt.Errorf("search: indexing %s: %w", id, err)
		}
	}
	if err := w.ix.bleve.Batch(w.b); err != nil {
		return fmt.Errorf("search: writing the index: %w", err)
	}
	return nil
}

// commit writes the batch, moves the marks of the conversations in it
// (or, if it failed, leaves them to be caught up from the log), and
// releases their locks.
func (w *batchWriter) commit() {
	if len(w.held) == 0 {
		return
	}
	err := w.flush()
	if err != nil {
		w.ix.logFailure(fmt.Sprintf("%d conversations", len(w.held)), err)
	}
	for _, h := range w.held {
		if err == nil {
			h.c.mark, h.c.current = h.mark, true
		} else {
			h.c.current = false
		}
		h.c.mu.Unlock()
	}
	w.held = nil
}

// editable returns the document of message target that an edit changes:
// from this batch, or, if the index holds it, made again from the log. Nil
// means there is none: the message was deleted (or is no longer held).
func (ix *Index) editable(ctx context.Context, conv string, target uint64, id string, docs map[string]*document) (*document, error) {
	if d, ok := docs[id]; ok {
		return d, nil // nil when deleted in this batch
	}
	held, err := ix.bleve.Document(id)
	if err != nil {
		return nil, fmt.Errorf("search: reading %s: %w", id, err)
	}
	if held == nil {
		return nil, nil
	}
	p, err := ix.log.Page(ctx, chat.History{Conv: conv, Before: target + 1, Limit: 1})
	if errors.Is(err, hub.ErrBeforeStart) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("search: reading message %s: %w", id, err)
	}
	if len(p.Entries) == 0 || p.Entries[0].Seq != target || p.Entries[0].Kind != chat.EntryMessage {
		return nil, nil
	}
	d := newDocument(p.Entries[0])
	return &d, nil
}

// newDocument is what is indexed of message e.
func newDocument(e chat.Entry) document {
	d := document{Conv: e.Conv, Seq: float64(e.Seq), Time: float64(e.Time),
		From: names.Key(html.UnescapeString(e.From)), Name: e.From, File: HasFile(e), Bot: e.Bot}
	d.setText(e.HTML)
	return d
}

// setText sets the text to index: that of messageHTML.
func (d *document) setText(messageHTML string) {
	text := chat.PlainText(messageHTML)
	d.Text = text
}

// HasFile reports whether message e carries a file, for the "has a file"
// filter.
func HasFile(e chat.Entry) bool { return len(e.Files) > 0 }

// docID names the document of message seq of conv: the sequence padded so
// that ids sort as sequences do within a conversation.
func docID(conv string, seq uint64) string {
	return conv + "/" + fmt.Sprintf("%020d", seq)
}

// parseDocID undoes docID.
func parseDocID(id string) (conv string, seq uint64, ok bool) {
	if len(id) < 22 || id[len(id)-21] != '/' {
		return "", 0, false
	}
	seq, err := strconv.ParseUint(id[len(id)-20:], 10, 64)
	return id[:len(id)-21], seq, err == nil
}

// syncTimeout bounds how long a query waits for the conversations it
// covers to be caught up with the log.
const syncTimeout = 20 * time.Second
