package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
)

// Incoming webhooks: a room's owner makes one (POST
// /api/v1/conversations/{conv}/webhooks, naming its bot), gets a secret
// URL, and whatever POSTs JSON to it posts into the room as that bot, under
// the webhook's own rate. The room's history says who made or revoked
// one. The secret is checked in the durable store at each request, so a
// revoked webhook is refused on every node.

// webhookReply describes a webhook; URL and Secret only when it is made.
type webhookReply struct {
	auth.Webhook
	URL    string `json:"url,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// webhooksReply answers GET .../webhooks.
type webhooksReply struct {
	Webhooks []auth.Webhook `json:"webhooks"`
}

// ownedRoom returns nil if the user of c may manage the webhooks of the
// room in the path.
func (s *Server) ownedRoom(r *http.Request, c apiCaller) error {
	owns, err := s.hub.Owns(r.Context(), c.user.Key, r.PathValue("conv"))
	if err != nil {
		return err
	}
	if !owns {
		return chat.Errorf(chat.CodeForbidden, "only the room's owner (or an admin) manages its webhooks")
	}
	return nil
}

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	if err := s.ownedRoom(r, c); err != nil {
		return err
	}
	list, err := s.accounts.Webhooks(r.Context(), r.PathValue("conv"))
	if err != nil {
		return s.internal("listing webhooks", err)
	}
	reply(w, http.StatusOK, webhooksReply{Webhooks: list})
	return nil
}

// webhookRequest is the body of POST .../webhooks: the name of the bot it
// posts as, a name nobody has.
type webhookRequest struct {
	Name string `json:"name"`
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	conv := r.PathValue("conv")
	if err := s.ownedRoom(r, c); err != nil {
		return err
	}
	var req webhookRequest
	if err := decodeBody(w, r, &req); err != nil {
		return err
	}
	bot, err := s.roomBot(r, c, req.Name)
	if err != nil {
		return err
	}
	secret, hook, err := s.accounts.CreateWebhook(r.Context(), conv, c.user.Name, bot)
	if err != nil {
		return s.internal("making a webhook", err)
	}
	if err := s.hub.Note(r.Context(), c.user.Key, conv, chat.EntryWebhook, bot.Name, true, "made the webhook "+bot.Name); err != nil {
		return err
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: APIPrefix + "/hooks/" + secret}
	if s.edge.Secure(r) {
		u.Scheme = "https"
	}
	reply(w, http.StatusCreated, webhookReply{Webhook: hook, URL: u.String(), Secret: secret})
	return nil
}

func (s *Server) apiRevokeWebhook(w http.ResponseWriter, r *http.Request, c apiCaller) error {
	return s.revokeRoomHook(w, r, c, chat.EntryWebhook, func(ctx context.Context, conv, id string) (string, error) {
		hook, err := s.accounts.RevokeWebhook(ctx, conv, id)
		return hook.Name, err
	})
}

// roomBot makes a bot called name (createBot) for a hook of the room in
// the path, and makes it a member of the room.
func (s *Server) roomBot(r *http.Request, c apiCaller, name string) (auth.User, error) {
	bot, err := s.createBot(r.Context(), name)
	if err != nil {
		return bot, err
	}
	return bot, s.hub.AddMember(r.Context(), c.user.Key, r.PathValue("conv"), hubUser(bot))
}

// revokeRoomHook ends hook {id} of the room in the path, a webhook or an
// outgoing hook (as the entry of kind says it) as revoke does it, revoke
// returning the name of its bot, and says so in the room's history.
func (s *Server) revokeRoomHook(w http.ResponseWriter, r *http.Request, c apiCaller, entry chat.EntryKind, revoke func(ctx context.Context, conv, id string) (string, error)) error {
	kind := "webhook"
	if entry == chat.EntryOutgoingHook {
		kind = "outgoing hook"
	}
	conv, id := r.PathValue("conv"), r.PathValue("id")
	if err := s.ownedRoom(r, c); err != nil {
		return err
	}
	name, err := revoke(r.Context(), conv, id)
	if errors.Is(err, auth.ErrNoToken) {
		return chat.Errorf(chat.CodeNotFound, "the room has no %s %.20q", kind, id)
	} else if err != nil {
		return s.internal("revoking the "+kind, err)
	}
	if err := s.hub.Note(r.Context(), c.user.Key, conv, entry, name, false, "revoked the "+kind+" "+name); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// hookRequest is what a webhook takes: our JSON ({"text", "via"}) or the
// Slack-style subset ({"text", "username"}, username shown as via), as a
// JSON body or a form's payload field.
type hookRequest struct {
	Text     string `json:"text"`
	Via      string `json:"via"`
	Username string `json:"username"`
}

// maxViaRunes bounds the name a webhook's sender gives.
const maxViaRunes = 64

// serveHook posts what a webhook's sender sent into the webhook's room as
// its bot, under the message id of the request's idempotency key or
// delivery id when it brings one (requestID: a sender's retry posts once),
// else a fresh one of the webhook's.
func (s *Server) serveHook(w http.ResponseWriter, r *http.Request) error {
	hook, fresh, err := s.accounts.CheckWebhook(r.Context(), r.PathValue("secret"))
	if errors.Is(err, auth.ErrNoToken) {
		return chat.Errorf(chat.CodeNotFound, "no such webhook (it may have been revoked)")
	} else if err != nil {
		return s.internal("checking a webhook", err)
	}
	if err := s.admit(w, r, s.hookRates, hook.ID, "this webhook posts too often"); err != nil {
		return err
	}
	req, err := decodeHook(w, r)
	if err != nil {
		return err
	}
	via := strings.TrimSpace(req.Via)
	if via == "" {
		via = strings.TrimSpace(req.Username)
	}
	if len([]rune(via)) > maxViaRunes || strings.ContainsFunc(via, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return chat.Errorf(chat.CodeBadName, "username (via) is at most %d characters, without control characters", maxViaRunes)
	}
	id, err := s.requestID(r, hook.ID, hookKeyHeaders, func() (chat.MsgID, error) { return fresh, nil })
	if err != nil {
		return err
	}
	bot, err := s.accounts.User(r.Context(), hook.Bot)
	if err != nil {
		return s.internal("finding a webhook's bot", err)
	}
	release, err := s.hub.Use(r.Context(), hubUser(bot))
	if err != nil {
		return err
	}
	defer release()
	if err := (&chat.Send{ID: id, Conv: hook.Conv, Text: req.Text}).Validate(); err != nil {
		return err
	}
	s.metrics.MessageReceived()
	ack, err := s.hub.PostVia(r.Context(), bot.Key, hook.Conv, req.Text, via, id)
	if err != nil {
		return err
	}
	reply(w, http.StatusOK, ackReply{Ack: ack})
	return nil
}

// decodeHook reads a webhook's body: JSON (whatever its Content-Type says),
// or a form with the JSON in its payload field (as Slack's older senders
// post).
func decodeHook(w http.ResponseWriter, r *http.Request) (hookRequest, error) {
	var req hookRequest
	body, err := readAll(w, r, maxAPIBody)
	if err != nil {
		return req, err
	}
	// curl -d sends JSON as a form: a body that starts as JSON is JSON.
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && !strings.HasPrefix(strings.TrimSpace(string(body)), "{") {
		form, err := url.ParseQuery(string(body))
		if err != nil || !form.Has("payload") {
			return req, chat.Errorf(chat.CodeBadJSON, "a form needs a payload field of JSON")
		}
		body = []byte(form.Get("payload"))
	}
	if err := json.Unmarshal(body, &req); err != nil {
		return req, chat.Errorf(chat.CodeBadJSON, "the body must be JSON with a text: %v", err)
	}
	return req, nil
}
