package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"

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
	id := make([]byte, 6)
	rand.Read(id)
	h := Webhook{ID: hex.EncodeToString(id), Conv: conv, Name: bot.Name, Bot: bot.Key, Creator: creator, Created: a.now().UnixMilli()}
	hash := sessionKey(raw)
	err := a.updateJSON(ctx, ConvWebhooksBucket, convKey(conv), func(data []byte) ([]byte, error) {
		var idx webhookIndex
		if data != nil {
			if err := json.Unmarshal(data, &idx); err != nil {
				return nil, err
			}
		}
		if len(idx.Hooks) >= MaxWebhooks {
			return nil, chat.Errorf(chat.CodeBadRequest, "the room has %d webhooks, the most it may; revoke one first", MaxWebhooks)
		}
		idx.Hooks = append(idx.Hooks, accessRef{ID: h.ID, Hash: hash})
		return json.Marshal(idx)
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
	list := make([]Webhook, 0, len(idx.Hooks))
	for _, ref := range idx.Hooks {
		var rec webhookRecord
		if _, err := a.get(ctx, WebhooksBucket, ref.Hash, &rec); errors.Is(err, ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		rec.Bot = rec.BotKey
		list = append(list, rec.Webhook)
	}
	return list, nil
}

// RevokeWebhook ends webhook id of room conv, on every node, and returns
// what it was; an unknown id is ErrNoToken.
func (a *Accounts) RevokeWebhook(ctx context.Context, conv, id string) (Webhook, error) {
	var hash string
	err := a.updateJSON(ctx, ConvWebhooksBucket, convKey(conv), func(data []byte) ([]byte, error) {
		var idx webhookIndex
		if data != nil {
			if err := json.Unmarshal(data, &idx); err != nil {
				return nil, err
			}
		}
		i := slices.IndexFunc(idx.Hooks, func(r accessRef) bool { return r.ID == id })
		if i < 0 {
			return nil, ErrNoToken
		}
		hash = idx.Hooks[i].Hash
		idx.Hooks = slices.Delete(idx.Hooks, i, i+1)
		return json.Marshal(idx)
	})
	if err != nil {
		return Webhook{}, err
	}
	var rec webhookRecord
	if _, err := a.get(ctx, WebhooksBucket, hash, &rec); err != nil && !errors.Is(err, ErrNotFound) {
		return Webhook{}, err
	}
	rec.Bot = rec.BotKey
	return rec.Webhook, a.rec.Delete(ctx, WebhooksBucket, hash)
}

// CheckWebhook returns the webhook of secret raw and a fresh message id
// for what it carries (its own counter, on a device of its own), or
// ErrNoToken.
func (a *Accounts) CheckWebhook(ctx context.Context, raw string) (Webhook, chat.MsgID, error) {
	if len(raw) <= len(WebhookSecretPrefix) || raw[:len(WebhookSecretPrefix)] != WebhookSecretPrefix || !ValidToken(raw[len(WebhookSecretPrefix):]) {
		return Webhook{}, chat.MsgID{}, ErrNoToken
	}
	var rec webhookRecord
	n, err := a.count(ctx, WebhooksBucket, sessionKey(raw), func(data []byte) ([]byte, uint64, error) {
		if err := json.Unmarshal(data, &rec); err != nil {
			return nil, 0, err
		}
		rec.Sent++
		out, err := json.Marshal(rec)
		return out, rec.Sent, err
	})
	if errors.Is(err, ErrNotFound) {
		return Webhook{}, chat.MsgID{}, ErrNoToken
	}
	if err != nil {
		return Webhook{}, chat.MsgID{}, err
	}
	rec.Bot = rec.BotKey
	return rec.Webhook, chat.MsgID{Device: ServerDevicePrefix + rec.ID, N: n}, nil
}
