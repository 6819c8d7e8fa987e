package auth

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/founding/chat/app/chat"
)

// Outgoing webhooks and slash commands: a room's owner names a trigger
// and a URL; a message of the room that matches the trigger is POSTed
// there, signed with the hook's secret, and the answer is posted back as
// the hook's bot (server/outgoing.go). Unlike a token's, the secret is
// kept as it is: the server signs with it.

// OutgoingHook is one outgoing webhook or slash command of a room.
type OutgoingHook struct {
	ID      string `json:"id"`
	Conv    string `json:"conv"`
	Name    string `json:"name"` // of its bot
	Bot     string `json:"bot"`  // the bot's user key
	Trigger string `json:"trigger"`
	URL     string `json:"url"`
	Secret  string `json:"secret,omitempty"`
	Creator string `json:"creator"`
	Created int64  `json:"created"`
}

// OutgoingBucket holds the outgoing hooks of each room: conversation id,
// hex -> outgoingList.
const OutgoingBucket = "outgoing"

type outgoingList struct {
	Hooks []OutgoingHook `json:"hooks"`
}

// CheckTrigger checks a trigger: "/name" (a slash command: the message
// starts with it), "@" (a mention of the hook's bot) or a word the message
// starts with; at most 32 characters, no spaces.
func CheckTrigger(t string) error {
	if t == "" || len([]rune(t)) > 32 || strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return chat.Errorf(chat.CodeBadRequest, "a trigger is /command, @ (a mention of the bot) or a word: at most 32 characters, no spaces")
	}
	if t == "/" {
		return chat.Errorf(chat.CodeBadRequest, "a slash command needs a name: /deploy")
	}
	return nil
}

// CreateOutgoing records an outgoing hook of room conv, made by the user
// called creator, posting its answers as bot, and returns it with its
// secret.
func (a *Accounts) CreateOutgoing(ctx context.Context, conv, creator string, bot User, trigger, url string) (OutgoingHook, error) {
	if err := CheckTrigger(trigger); err != nil {
		return OutgoingHook{}, err
	}
	h := OutgoingHook{ID: newID(), Conv: conv, Name: bot.Name, Bot: bot.Key, Trigger: trigger, URL: url,
		Secret: NewToken(), Creator: creator, Created: a.now().UnixMilli()}
	err := updateAs(ctx, a, OutgoingBucket, convKey(conv), func(l *outgoingList) error {
		if len(l.Hooks) >= MaxWebhooks {
			return chat.Errorf(chat.CodeBadRequest, "the room has %d outgoing hooks, the most it may; revoke one first", MaxWebhooks)
		}
		l.Hooks = append(l.Hooks, h)
		return nil
	})
	return h, err
}

// OutgoingHooks lists the outgoing hooks of room conv, with their
// secrets.
func (a *Accounts) OutgoingHooks(ctx context.Context, conv string) ([]OutgoingHook, error) {
	var l outgoingList
	if _, err := a.get(ctx, OutgoingBucket, convKey(conv), &l); err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return l.Hooks, nil
}

// OutgoingHook returns hook id of room conv as the last write left it (a
// fresh read, FreshReader: one revoked on another node is gone), or
// ErrNoToken.
func (a *Accounts) OutgoingHook(ctx context.Context, conv, id string) (OutgoingHook, error) {
	var l outgoingList
	if _, err := a.getFresh(ctx, OutgoingBucket, convKey(conv), &l); errors.Is(err, ErrNotFound) {
		return OutgoingHook{}, ErrNoToken
	} else if err != nil {
		return OutgoingHook{}, err
	}
	i := slices.IndexFunc(l.Hooks, func(h OutgoingHook) bool { return h.ID == id })
	if i < 0 {
		return OutgoingHook{}, ErrNoToken
	}
	return l.Hooks[i], nil
}

// RevokeOutgoing removes hook id of room conv and returns it; an unknown
// id is ErrNoToken.
func (a *Accounts) RevokeOutgoing(ctx context.Context, conv, id string) (OutgoingHook, error) {
	var gone OutgoingHook
	err := updateAs(ctx, a, OutgoingBucket, convKey(conv), func(l *outgoingList) error {
		i := slices.IndexFunc(l.Hooks, func(h OutgoingHook) bool { return h.ID == id })
		if i < 0 {
			return ErrNoToken
		}
		gone = l.Hooks[i]
		l.Hooks = slices.Delete(l.Hooks, i, i+1)
		return nil
	})
	return gone, err
}
