package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"html"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/cluster"
	"github.com/founding/chat/server/markup"
	"github.com/founding/chat/server/safehttp"
	"github.com/founding/chat/server/webhooksig"
)

// Outgoing webhooks and slash commands (docs/api.md): a room's owner
// registers a trigger and a URL (auth.OutgoingHook). Each message stored
// on this node (the hub's Stored: only the node that appended a message
// hears of it, so each is sent once) that matches a trigger of its room
// is POSTed to the URL by a few workers, signed (package webhooksig),
// through package safehttp (which refuses private addresses), and the
// answer's text is posted back
// into the room as the hook's bot, as a reply to the message. The answer
// is stored under a message id made of the hook and the message's
// sequence, so a retried request never posts it twice. Messages of bots
// trigger nothing: two bots cannot answer each other for ever.

// outgoingWorkers and outgoingQueue bound the requests made at once and
// the triggered messages waiting; outgoingCache is how long a node uses
// the hooks of a room it read before reading them again. A hook made or
// revoked on a node is told to the others (HookChanges), which forget the
// room's hooks at once; the cache's age is only the backstop of a word
// lost on the way. A revocation does not depend on either: a hook a
// message sets off is read fresh before it is called (sendOutgoing), so
// a hook revoked on any node is never called once the revoke returned.
const (
	outgoingWorkers  = 4
	outgoingQueue    = 256
	outgoingCache    = 5 * time.Second
	outgoingAttempts = 3
)

// outgoing sends the triggered messages.
type outgoing struct {
	client *safehttp.Client
	jobs   chan outgoingJob
	wg     sync.WaitGroup
	stop   context.CancelFunc

	mu    sync.Mutex
	hooks map[string]cachedHooks // by room

	unwatch func() // ends the watch of HookChanges; nil without one
}

type cachedHooks struct {
	hooks []auth.OutgoingHook
	at    time.Time
}

type outgoingJob struct {
	e      chat.Entry
	text   string
	sender string // the user key of the message's author
}

// startOutgoing starts the workers.
func (s *Server) startOutgoing() {
	ctx, stop := context.WithCancel(context.Background())
	o := &outgoing{
		client: safehttp.New(safehttp.Options{AllowNets: s.opts.OutgoingAllow, Timeout: s.opts.OutgoingTimeout,
			MaxBody: outgoingMaxAnswer, MaxRedirects: -1, Concurrency: outgoingWorkers, UserAgent: "chat-outgoing-webhook/1"}),
		jobs:  make(chan outgoingJob, outgoingQueue),
		stop:  stop,
		hooks: make(map[string]cachedHooks),
	}
	for range outgoingWorkers {
		o.wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case j := <-o.jobs:
					s.sendOutgoing(ctx, j)
				}
			}
		})
	}
	s.out = o
}

// watchHookChanges makes this node forget a room's hooks when another
// node tells that they changed.
func (s *Server) watchHookChanges() error {
	if s.opts.Storage.Hooks == nil {
		return nil
	}
	stop, err := s.opts.Storage.Hooks.Watch(context.Background(), func(c cluster.HooksChanged) { s.forgetHooks(c.Conv) })
	if err != nil {
		return err
	}
	s.out.unwatch = stop
	return nil
}

// hooksChanged forgets the hooks of room conv here and tells every other
// node to.
func (s *Server) hooksChanged(ctx context.Context, conv string) {
	s.forgetHooks(conv)
	if h := s.opts.Storage.Hooks; h != nil {
		if err := h.Publish(ctx, cluster.HooksChanged{Conv: conv}); err != nil {
			s.log.Warn("other nodes not told of a room's changed outgoing hooks; they read them again within their cache's age", "conv", conv, "err", err)
		}
	}
}

// stopOutgoing stops the workers; what waits is dropped.
func (s *Server) stopOutgoing() {
	if s.out != nil {
		if s.out.unwatch != nil {
			s.out.unwatch()
		}
		s.out.stop()
		s.out.wg.Wait()
		s.out.client.HTTP().CloseIdleConnections()
	}
}

// queueOutgoing queues a room's message for the outgoing hooks that may
// match it. It never blocks.
func (s *Server) queueOutgoing(e chat.Entry, sender string) {
	if e.Kind != chat.EntryMessage || e.Bot || !strings.HasPrefix(e.Conv, "r:") || s.out == nil {
		return
	}
	select {
	case s.out.jobs <- outgoingJob{e: e, text: chat.PlainText(e.HTML), sender: sender}:
	default:
		s.log.Warn("an outgoing hook's message was dropped: too many wait", "conv", e.Conv, "seq", e.Seq)
	}
}

// roomHooks returns the outgoing hooks of room conv, read at most
// outgoingCache ago.
func (s *Server) roomHooks(ctx context.Context, conv string) ([]auth.OutgoingHook, error) {
	s.out.mu.Lock()
	c, ok := s.out.hooks[conv]
	s.out.mu.Unlock()
	if ok && time.Since(c.at) < outgoingCache {
		return c.hooks, nil
	}
	hooks, err := s.accounts.OutgoingHooks(ctx, conv)
	if err != nil {
		return nil, err
	}
	s.out.mu.Lock()
	s.out.hooks[conv] = cachedHooks{hooks: hooks, at: time.Now()}
	s.out.mu.Unlock()
	return hooks, nil
}

// forgetHooks makes the next message of room conv read its hooks again.
func (s *Server) forgetHooks(conv string) {
	if s.out != nil {
		s.out.mu.Lock()
		delete(s.out.hooks, conv)
		s.out.mu.Unlock()
	}
}

// triggers reports whether text sets off hook h, and the command's
// arguments (what follows the trigger).
func triggers(h auth.OutgoingHook, text string) (args string, ok bool) {
	if h.Trigger == "@" {
		mention := "@" + strings.ToLower(h.Name)
		for _, w := range strings.Fields(strings.ToLower(text)) {
			if strings.TrimRight(w, ",.:;!?") == mention {
				return text, true
			}
		}
		return "", false
	}
	first, rest, _ := strings.Cut(strings.TrimSpace(text), " ")
	if !strings.EqualFold(first, h.Trigger) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}

// outgoingRequest is what a hook's URL receives.
type outgoingRequest struct {
	Hook    string `json:"hook"`
	Conv    string `json:"conv"`
	Seq     uint64 `json:"seq"`
	Time    int64  `json:"time"`
	From    string `json:"from"`
	Text    string `json:"text"`
	Trigger string `json:"trigger"`
	Args    string `json:"args"`
}

// outgoingAnswer is what a hook's URL may answer: text to post back as a
// reply ("" posts nothing), or, when Ephemeral (or Slack's ResponseType
// "ephemeral"), to show only to the message's author, not stored.
type outgoingAnswer struct {
	Text         string `json:"text"`
	Ephemeral    bool   `json:"ephemeral"`
	ResponseType string `json:"response_type"`
}

// ephemeral reports whether the answer is only for the message's author.
func (a outgoingAnswer) ephemeral() bool { return a.Ephemeral || a.ResponseType == "ephemeral" }

// sendOutgoing sends a triggered message to each hook of its room it
// sets off.
func (s *Server) sendOutgoing(ctx context.Context, j outgoingJob) {
	hooks, err := s.roomHooks(ctx, j.e.Conv)
	if err != nil {
		s.log.Error("reading a room's outgoing hooks failed", "conv", j.e.Conv, "err", err)
		return
	}
	for _, h := range hooks {
		args, ok := triggers(h, j.text)
		if !ok {
			continue
		}
		// Read fresh: a hook revoked on another node is not called.
		h, err := s.accounts.OutgoingHook(ctx, h.Conv, h.ID)
		if errors.Is(err, auth.ErrNoToken) {
			s.forgetHooks(j.e.Conv)
			continue
		} else if err != nil {
			s.log.Error("reading an outgoing hook failed", "conv", j.e.Conv, "err", err)
			continue
		}
		body, _ := json.Marshal(outgoingRequest{Hook: h.ID, Conv: j.e.Conv, Seq: j.e.Seq, Time: j.e.Time,
			From: html.UnescapeString(j.e.From), Text: j.text, Trigger: h.Trigger, Args: args})
		answer, err := s.callHook(ctx, h, h.ID+":"+strconv.FormatUint(j.e.Seq, 10), body)
		if err != nil {
			s.log.Warn("an outgoing hook failed", "hook", h.ID, "conv", h.Conv, "err", err)
			continue
		}
		if answer.Text == "" {
			continue
		}
		if answer.ephemeral() {
			if err := s.showAnswer(ctx, h, j.sender, answer.Text); err != nil {
				s.log.Warn("an outgoing hook's ephemeral answer was not shown", "hook", h.ID, "conv", h.Conv, "err", err)
			}
			continue
		}
		if err := s.postAnswer(ctx, h, j.e.Seq, answer.Text); err != nil {
			s.log.Warn("an outgoing hook's answer was not posted", "hook", h.ID, "conv", h.Conv, "err", err)
		}
	}
}

// outgoingMaxAnswer bounds a receiver's answer.
const outgoingMaxAnswer = 64 << 10

// postHook POSTs body as JSON to h's URL, signed with its secret
// (webhooksig), and returns the status and the answer.
func (s *Server) postHook(ctx context.Context, h auth.OutgoingHook, delivery string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Chat-Delivery", delivery)
	webhooksig.SetHeaders(req, h.Secret, body, time.Now())
	resp, err := s.out.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	return resp.Status, resp.Body, nil
}

// callHook POSTs body to h's URL, trying again after a failure of the
// network or the receiver (5xx), and returns its answer. delivery names
// the hook and the message in X-Chat-Delivery, the same in every try, so
// a receiver can tell a retry.
func (s *Server) callHook(ctx context.Context, h auth.OutgoingHook, delivery string, body []byte) (outgoingAnswer, error) {
	var answer outgoingAnswer
	var err error
	for attempt := range outgoingAttempts {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return answer, ctx.Err()
			case <-time.After(time.Duration(attempt) * s.opts.OutgoingRetry):
			}
		}
		var status int
		var data []byte
		status, data, err = s.postHook(ctx, h, delivery, body)
		switch {
		case errors.Is(err, safehttp.ErrAddress), errors.Is(err, safehttp.ErrScheme), errors.Is(err, safehttp.ErrTooLarge):
			return answer, err // no retry can change that
		case err != nil:
			continue
		case status >= 500:
			err = errors.New("the receiver answered " + http.StatusText(status))
			continue
		case status >= 300:
			return answer, errors.New("the receiver answered " + http.StatusText(status))
		}
		if len(data) == 0 {
			return answer, nil
		}
		if err := json.Unmarshal(data, &answer); err != nil {
			return answer, errors.New("the receiver's answer is no JSON object with a text")
		}
		return answer, nil
	}
	return answer, err
}

// postAnswer posts a hook's answer to message seq of its room, as its bot,
// once: under the id of the hook's device and the message's sequence.
func (s *Server) postAnswer(ctx context.Context, h auth.OutgoingHook, seq uint64, text string) error {
	bot, err := s.accounts.User(ctx, h.Bot)
	if err != nil {
		return err
	}
	release, err := s.hub.Use(ctx, hubUser(bot))
	if err != nil {
		return err
	}
	defer release()
	if r := []rune(text); len(r) > chat.MaxTextRunes {
		text = string(r[:chat.MaxTextRunes-1]) + "…"
	}
	_, err = s.hub.PostReply(ctx, bot.Key, h.Conv, text, seq, chat.MsgID{Device: auth.ServerDevicePrefix + h.ID, N: seq})
	return err
}

// showAnswer shows a hook's ephemeral answer, rendered like a message, to
// the user key alone (every connection of theirs in the room, on every
// node), as from the hook's bot. Nothing is stored.
func (s *Server) showAnswer(ctx context.Context, h auth.OutgoingHook, key, text string) error {
	if r := []rune(text); len(r) > chat.MaxTextRunes {
		text = string(r[:chat.MaxTextRunes-1]) + "…"
	}
	body, err := markup.Render(text)
	if err != nil {
		return err
	}
	return s.hub.Notify(ctx, key, h.Conv, h.Name, body)
}

// The routes of a room's outgoing hooks (owner or admin).

// outgoingBody is the body of POST .../outgoing.
type outgoingBody struct {
	Name    string `json:"name"`
	Trigger string `json:"trigger"`
	URL     string `json:"url"`
}

// outgoingList answers GET .../outgoing.
type outgoingList struct {
	Hooks []auth.OutgoingHook `json:"hooks"`
}

func (s *Server) apiOutgoing(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	if err := s.ownedRoom(r, c); err != nil {
		return err
	}
	hooks, err := s.accounts.OutgoingHooks(r.Context(), r.PathValue("conv"))
	if err != nil {
		return s.internal("listing outgoing hooks", err)
	}
	for i := range hooks {
		hooks[i].Secret = "" // shown once, when made
	}
	reply(w, http.StatusOK, outgoingList{Hooks: hooks})
	return nil
}

func (s *Server) apiCreateOutgoing(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	conv := r.PathValue("conv")
	if err := s.ownedRoom(r, c); err != nil {
		return err
	}
	var req outgoingBody
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	if err := s.out.client.CheckURL(req.URL); err != nil {
		return chat.Errorf(chat.CodeBadRequest, "%v", err)
	}
	if err := auth.CheckTrigger(req.Trigger); err != nil {
		return err
	}
	bot, err := s.roomBot(r, c, req.Name)
	if err != nil {
		return err
	}
	hook, err := s.accounts.CreateOutgoing(r.Context(), conv, c.user.Name, bot, req.Trigger, req.URL)
	if err != nil {
		return s.internal("making an outgoing hook", err)
	}
	s.hooksChanged(r.Context(), conv)
	if err := s.hub.Note(r.Context(), c.user.Key, conv, chat.EntryOutgoingHook, bot.Name, true, "made the outgoing hook "+bot.Name+" ("+req.Trigger+")"); err != nil {
		return err
	}
	reply(w, http.StatusCreated, hook)
	return nil
}

func (s *Server) apiRevokeOutgoing(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	return s.revokeRoomHook(w, r, c, chat.EntryOutgoingHook, func(ctx context.Context, conv, id string) (string, error) {
		hook, err := s.accounts.RevokeOutgoing(ctx, conv, id)
		if err == nil {
			s.hooksChanged(ctx, conv)
		}
		return hook.Name, err
	})
}
