package auth

import (
	"context"
	"encoding/hex"
	"errors"

	"github.com/founding/chat/app/chat"
)

// Incoming webhooks: a room's owner makes a secret URL that posts into the
// room as a bot. The secret is a token like a personal access token's,
// kept only as its SHA-256 (access.go says why that is enough); the room
// keeps the list of its webhooks to show and revoke them.

// Webhook describes an incoming webhook, never its secret.
type Webhook struct {
	ID      string `json:"id"`
	Conv    string `json:"conv"`
	Name    string `json:"name"` // of its bot
	Bot     string `json:"-"`    // the bot's user key
	Creator string `json:"creator"`
	Created int64  `json:"created"` // Unix ms
}

// webhookRecord is what WebhooksBucket holds per webhook.
type webhookRecord struct {
	Webhook
	BotKey string `json:"bot"`
	Sent   uint64 `json:"sent,omitempty"`
}

// describe is the webhook the record is of.
func (r webhookRecord) describe() Webhook {
	r.Bot = r.BotKey
	return r.Webhook
}

func (r *webhookRecord) sent() *uint64 { return &r.Sent }

// webhookIndex is what ConvWebhooksBucket holds per room: the hashes of
// its webhooks' secrets, to list and revoke them.
type webhookIndex struct {
	Hooks []accessRef `json:"hooks"`
}

// MaxWebhooks bounds the webhooks of one room.
const MaxWebhooks = 20

// WebhookSecretPrefix starts every webhook secret.
const WebhookSecretPrefix = "hook_"

// convKey is the key of a conversation in ConvWebhooksBucket.
func convKey(conv string) string { return hex.EncodeToString([]byte(conv)) }

// CreateWebhook records a webhook of room conv that posts as the bot
// (made for it, CreateBot), made by the user called creator, and returns
// its secret (the only time it is seen) and description.
func (a *Accounts) CreateWebhook(ctx context.Context, conv, creator string, bot User) (string, Webhook, error) {
	raw := WebhookSecretPrefix + NewToken()
	h := Webhook{ID: newID(), Conv: conv, Name: bot.Name, Bot: bot.Key, Creator: creator, Created: a.now().UnixMilli()}
	hash := sessionKey(raw)
	// The index first: a webhook in no index could never be revoked.
	err := updateAs(ctx, a, ConvWebhooksBucket, convKey(conv), func(idx *webhookIndex) error {
		if len(idx.Hooks) >= MaxWebhooks {
			return chat.Errorf(chat.CodeBadRequest, "the room has %d webhooks, the most it may; revoke one first", MaxWebhooks)
		}
		idx.Hooks = append(idx.Hooks, accessRef{ID: h.ID, Hash: hash})
		return nil
	})
	if err != nil {
		return "", Webhook{}, err
	}
	if err := a.create(ctx, WebhooksBucket, hash, webhookRecord{Webhook: h, BotKey: bot.Key}); err != nil {
		return "", Webhook{}, err
	}
	return raw, h, nil
}

// Webhooks lists the webhooks of room conv, the oldest first.
func (a *Accounts) Webhooks(ctx context.Context, conv string) ([]Webhook, error) {
	var idx webhookIndex
	if _, err := a.get(ctx, ConvWebhooksBucket, convKey(conv), &idx); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return describeRefs[Webhook, webhookRecord](ctx, a, WebhooksBucket, idx.Hooks)
}

// RevokeWebhook ends webhook id of room conv, on every node, and returns
// what it was; an unknown id is ErrNoToken.
func (a *Accounts) RevokeWebhook(ctx context.Context, conv, id string) (Webhook, error) {
	var ref accessRef
	err := updateAs(ctx, a, ConvWebhooksBucket, convKey(conv), func(idx *webhookIndex) (err error) {
		ref, err = takeRef(&idx.Hooks, id)
		return err
	})
	if err != nil {
		return Webhook{}, err
	}
	var rec webhookRecord
	if _, err := a.get(ctx, WebhooksBucket, ref.Hash, &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return Webhook{}, err
	}
	return rec.describe(), a.rec.Delete(ctx, WebhooksBucket, ref.Hash)
}

// CheckWebhook returns the webhook of secret raw and a fresh message id
// for what it carries (its own counter, on a device of its own), or
// ErrNoToken.
func (a *Accounts) CheckWebhook(ctx context.Context, raw string) (Webhook, chat.MsgID, error) {
	if len(raw) <= len(WebhookSecretPrefix) || raw[:len(WebhookSecretPrefix)] != WebhookSecretPrefix || !ValidToken(raw[len(WebhookSecretPrefix):]) {
		return Webhook{}, chat.MsgID{}, ErrNoToken
	}
	rec, n, err := countSent[webhookRecord](ctx, a, WebhooksBucket, sessionKey(raw))
	if errors.Is(err, ErrNotFound) {
		return Webhook{}, chat.MsgID{}, ErrNoToken
	}
	if err != nil {
		return Webhook{}, chat.MsgID{}, err
	}
	return rec.describe(), chat.MsgID{Device: ServerDevicePrefix + rec.ID, N: n}, nil
}
