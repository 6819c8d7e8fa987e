package push

import (
	"context"
	"slices"

	"github.com/founding/chat/app/chat"
)

func settingsKey(user string) string { return "settings." + user }

// allKey is the record of the users who set conversation conv to
// chat.PushAll: the recipients of every message there besides those
// mentioned (decide.go).
func allKey(conv string) string { return "all." + conv }

// allUsers is the record at allKey.
type allUsers struct {
	Users []string `json:"users"`
}

// Settings returns user's settings (the defaults when none were set).
func Settings(ctx context.Context, st Store, user string) (chat.PushSettings, error) {
	return read[chat.PushSettings](ctx, st, settingsKey(user))
}

// SetSettings keeps user's settings p (valid: p.Validate), and the index
// of who wants every message of a conversation.
func SetSettings(ctx context.Context, st Store, user string, p chat.PushSettings) error {
	var before chat.PushSettings
	if _, err := update(ctx, st, settingsKey(user), func(old *chat.PushSettings) (bool, error) {
		before = *old
		*old = p
		return true, nil
	}); err != nil {
		return err
	}
	convs := map[string]bool{}
	for c, l := range before.Levels {
		if l == chat.PushAll {
			convs[c] = true
		}
	}
	for c, l := range p.Levels {
		if l == chat.PushAll {
			convs[c] = true
		}
	}
	for c := range convs {
		want := p.Level(c) == chat.PushAll
		if _, err := update(ctx, st, allKey(c), func(r *allUsers) (bool, error) {
			has := slices.Contains(r.Users, user)
			switch {
			case want && !has:
				r.Users = append(r.Users, user)
			case !want && has:
				r.Users = slices.DeleteFunc(r.Users, func(u string) bool { return u == user })
			default:
				return false, nil
			}
			return true, nil
		}); err != nil {
			return err
		}
	}
	return nil
}

// followKey is the record of the users who follow thread: its replies
// reach them as a reply to them would (decide.go).
func followKey(thread string) string { return "follow." + thread }

// SetFollowing records that user follows thread (on) or not.
func SetFollowing(ctx context.Context, st Store, thread, user string, on bool) error {
	_, err := update(ctx, st, followKey(thread), func(r *allUsers) (bool, error) {
		has := slices.Contains(r.Users, user)
		switch {
		case on && !has:
			r.Users = append(r.Users, user)
		case !on && has:
			r.Users = slices.DeleteFunc(r.Users, func(u string) bool { return u == user })
		default:
			return false, nil
		}
		return true, nil
	})
	return err
}

// FollowersOf returns the users who follow thread.
func FollowersOf(ctx context.Context, st Store, thread string) ([]string, error) {
	r, err := read[allUsers](ctx, st, followKey(thread))
	return r.Users, err
}

// AllOf returns the users who set conv to chat.PushAll.
func AllOf(ctx context.Context, st Store, conv string) ([]string, error) {
	r, err := read[allUsers](ctx, st, allKey(conv))
	return r.Users, err
}
