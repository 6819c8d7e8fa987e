package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"image"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/linkpreview"
	"github.com/founding/chat/server/media"
	"github.com/founding/chat/server/safehttp"
)

// Link previews. A message is stored and delivered first; then the node
// that stored it (the hub's Options.Stored, as for Web Push: one node
// decides) queues the preview of its first link. A few workers fetch
// them (package linkpreview, every request through safehttp: public
// addresses only), store the image's thumbnail as a file owned by the
// message's author and posted in its conversation (so GET /files/<id>
// serves it to the members only), and append a chat.EntryPreview to the
// conversation (hub.SetPreview): history, every node and every client get
// it as they get an edit. An edit that changes the first link previews the
// new one, or removes the preview when the link went; one that keeps the
// link changes nothing (a preview its author removed stays removed). A
// full queue drops the job (counted).

// LinkPreviewOptions configure link previews.
type LinkPreviewOptions struct {
	// Off turns link previews off (-link-previews=false).
	Off bool
	// Allow, when not empty, are the only hosts previewed; Deny are hosts
	// never previewed, and win over Allow. Host names, compared without
	// case (-link-preview-allow, -link-preview-deny). Neither reaches a
	// private address: safehttp refuses those whatever these say.
	Allow, Deny []string
	// Loopback lets previews fetch pages on loopback addresses: for tests,
	// whose sites listen on 127.0.0.1.
	Loopback bool
}

// Bounds of the preview queue.
const (
	previewWorkers = 2
	previewQueue   = 64
	previewTimeout = 30 * time.Second
)

// previewer is the queue of previews to fetch and its workers.
type previewer struct {
	fetch       *linkpreview.Fetcher
	allow, deny map[string]bool
	jobs        chan previewJob
	ctx         context.Context
	cancel      context.CancelFunc
	wg          sync.WaitGroup
	outcomes    *prometheus.CounterVec
}

// previewJob is one link to preview: the first link of message seq of
// conv, written by author (a user key), or of an edit of it (edit, stored
// as entry editSeq).
type previewJob struct {
	conv    string
	seq     uint64
	link    string
	author  string
	edit    bool
	editSeq uint64
}

// startPreviews starts the workers, unless previews are off.
func (s *Server) startPreviews() {
	o := s.opts.LinkPreviews
	if o.Off {
		return
	}
	p := &previewer{
		fetch: &linkpreview.Fetcher{Client: safehttp.New(safehttp.Options{
			Timeout: 10 * time.Second, MaxBody: linkpreview.MaxImage, Concurrency: previewWorkers * 2,
			AllowLoopback: o.Loopback, UserAgent: "chat-link-preview/1",
		})},
		allow: hostSet(o.Allow),
		deny:  hostSet(o.Deny),
		jobs:  make(chan previewJob, previewQueue),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chat_link_previews_total",
			Help: "Link previews by outcome: added, removed, failed (the page could not be fetched or had nothing to show), unchanged (the message changed meanwhile), dropped (the queue was full), store_failed.",
		}, []string{"outcome"}),
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	s.metrics.Register(p.outcomes)
	for range previewWorkers {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for {
				select {
				case <-p.ctx.Done():
					return
				case j := <-p.jobs:
					s.preview(p, j)
				}
			}
		}()
	}
	s.previews = p
}

// stopPreviews ends the workers; jobs still queued are dropped.
func (s *Server) stopPreviews() {
	if s.previews != nil {
		s.previews.cancel()
		s.previews.wg.Wait()
	}
}

// hostSet makes a set of lowercased host names.
func hostSet(hosts []string) map[string]bool {
	set := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			set[h] = true
		}
	}
	return set
}

// permitted reports whether link's host may be previewed under Allow and
// Deny.
func (p *previewer) permitted(link string) bool {
	u, err := url.Parse(link)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return !p.deny[host] && (len(p.allow) == 0 || p.allow[host])
}

// stored is the hub's Options.Stored: an entry a client sent, stored by
// this node, goes to Web Push, to the outgoing hooks (outgoing.go) and to
// the preview queue.
func (s *Server) stored(e chat.Entry, sender string) {
	s.pushStored(e, sender)
	s.queueOutgoing(e, sender)
	s.queuePreview(e, sender)
}

// queuePreview queues the preview of a message's first link, or of an
// edit's (which may also remove a preview). It never blocks.
func (s *Server) queuePreview(e chat.Entry, sender string) {
	p := s.previews
	if p == nil {
		return
	}
	j := previewJob{conv: e.Conv, seq: e.Seq, author: sender, link: linkpreview.FirstLink(e.HTML)}
	switch e.Kind {
	case chat.EntryMessage:
		if j.link == "" || !p.permitted(j.link) {
			return
		}
	case chat.EntryEdit:
		j.seq, j.edit, j.editSeq = e.Target, true, e.Seq
	default:
		return
	}
	select {
	case p.jobs <- j:
	default:
		p.outcomes.WithLabelValues("dropped").Inc()
	}
}

// preview does job j.
func (s *Server) preview(p *previewer, j previewJob) {
	ctx, cancel := context.WithTimeout(p.ctx, previewTimeout)
	defer cancel()
	count := func(outcome string) { p.outcomes.WithLabelValues(outcome).Inc() }
	if j.edit {
		before, now, err := s.hub.EditedLink(ctx, j.conv, j.seq, j.editSeq)
		switch {
		case err != nil || linkpreview.FirstLink(now.HTML) != j.link || before == j.link:
			count("unchanged") // gone, edited again since, or the same link (a removed preview stays removed)
			return
		case j.link == "" || !p.permitted(j.link):
			if now.Preview == nil {
				return
			}
			if ok, err := s.hub.SetPreview(ctx, j.conv, j.seq, j.link, nil); err != nil {
				count("store_failed")
			} else if ok {
				count("removed")
			}
			return
		}
	}
	r, err := p.fetch.Fetch(ctx, j.link)
	if err != nil {
		count("failed")
		s.log.Debug("a link preview failed", "conv", j.conv, "seq", j.seq, "err", err)
		if j.edit { // the old link's preview no longer fits the message
			_, _ = s.hub.SetPreview(ctx, j.conv, j.seq, j.link, nil)
		}
		return
	}
	lp := r.Preview
	if r.Image != nil {
		if err := s.storePreviewImage(ctx, j, r.Image, &lp); err != nil {
			s.log.Debug("a link preview's image was not kept", "conv", j.conv, "seq", j.seq, "err", err)
		}
	}
	ok, err := s.hub.SetPreview(ctx, j.conv, j.seq, j.link, &lp)
	switch {
	case err != nil:
		count("store_failed")
		s.log.Warn("storing a link preview failed", "conv", j.conv, "seq", j.seq, "err", err)
	case ok:
		count("added")
	default:
		count("unchanged")
	}
}

// errNoThumbnail is an image media.Prepare made no thumbnail of.
var errNoThumbnail = errors.New("server: the preview's image is not one we decode")

// storePreviewImage makes a thumbnail of img and stores it as a file of
// the message's author posted in its conversation, referred to by the
// message, and sets lp's Image to its path and Width and Height to its
// pixels.
func (s *Server) storePreviewImage(ctx context.Context, j previewJob, img []byte, lp *chat.LinkPreview) error {
	if s.files == nil {
		return nil
	}
	select {
	case s.decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	prep, err := media.Prepare(bytes.NewReader(img), media.Options{MaxPixels: s.opts.MaxImagePixels})
	<-s.decodeSlots
	if err != nil {
		return err
	}
	if prep.Thumb == nil {
		return errNoThumbnail
	}
	thumb := prep.Thumb
	cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb))
	if err != nil {
		return err
	}
	typ := http.DetectContentType(thumb)
	name := "preview.jpg"
	if typ == "image/png" {
		name = "preview.png"
	}
	rec := hub.FileRecord{
		File:  chat.File{ID: rand.Text(), Name: name, Type: typ, Size: int64(len(thumb)), Width: cfg.Width, Height: cfg.Height},
		Owner: j.author, Blob: hub.BlobKey(sha256.Sum256(thumb)), Stored: int64(len(thumb)), Created: time.Now().UnixMilli(),
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	if rec, err = s.files.CreateFile(ctx, rec, 0); err != nil {
		return err
	}
	err = s.files.PutBlob(ctx, rec.Object, bytes.NewReader(thumb))
	if err == nil {
		_, err = s.files.ReferFile(ctx, rec.ID, hub.FileRef{Conv: j.conv, Seq: j.seq})
	}
	if err != nil {
		if undo := s.files.DeleteFile(ctx, rec.ID); undo != nil {
			err = errors.Join(err, undo)
		}
		return err
	}
	lp.Image, lp.Width, lp.Height = chat.FilesPath+"/"+rec.ID, cfg.Width, cfg.Height
	return nil
}
