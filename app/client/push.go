package client

import (
	"errors"
	"fmt"
	"time"

	"github.com/founding/chat/app/chat"
)

// Web Push, as the client sees it (docs/push.md): the user's notification
// settings, which the server keeps (Model.Push, read and written over
// HTTP by the interface), and the Active frames that tell the server the
// user is here, so that it pushes nothing to their devices meanwhile.

// Push is what the client knows of the user's notification settings.
type Push struct {
	// Loaded says Settings holds the server's answer.
	Loaded bool
	// Off says the server sends no pushes (started without a contact):
	// the settings cannot be kept.
	Off bool
	// Settings are the server's, as last read or written.
	Settings chat.PushSettings
}

// Level returns the level of conversation conv.
func (p *Push) Level(conv string) chat.PushLevel { return p.Settings.Level(conv) }

// SetLevel sets the level of conversation conv in the settings (the
// default is not kept), and returns the settings to send.
func (p *Push) SetLevel(conv string, l chat.PushLevel) chat.PushSettings {
	levels := make(map[string]chat.PushLevel, len(p.Settings.Levels)+1)
	for k, v := range p.Settings.Levels {
		levels[k] = v
	}
	if l == chat.PushMentions {
		delete(levels, conv)
	} else {
		levels[conv] = l
	}
	out := p.Settings
	out.Levels = levels
	return out
}

// QuietUntil reports whether do-not-disturb q holds at now in loc (nil is
// UTC), and until when: the later of its Until and the end of the day's
// quiet hours when they hold, or when they would start again right at
// Until.
func QuietUntil(q chat.Quiet, now time.Time, loc *time.Location) (time.Time, bool) {
	if !q.QuietAt(now, loc) {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	end := now
	if q.Until > 0 && now.UnixMilli() < q.Until {
		end = time.UnixMilli(q.Until)
	}
	if q.From != q.To && q.QuietAt(end, loc) {
		lt := end.In(loc)
		at := time.Date(lt.Year(), lt.Month(), lt.Day(), q.To/60, q.To%60, 0, 0, loc)
		if !at.After(lt) {
			at = at.AddDate(0, 0, 1)
		}
		end = at
	}
	return end.In(loc), true
}

// activePacing paces the Active frames of a tab.
type activePacing struct {
	at   time.Time // when the last Active went out
	conn uint64    // on which connection
}

// Used tells the Session that the user used this tab at now (a key, a
// click, a scroll, a touch) while it had the focus: the caller checks the
// focus. It writes chat.Active when the tab is online and the last one
// went out on another connection or chat.ActiveEvery ago or more, and
// reports whether it did. Offline it writes nothing; the first use once
// online again does; nor before the user has a name (the server refuses
// every frame but a name then).
func (s *Session) Used(now time.Time) (bool, error) {
	if s.state != Online || s.connNo == 0 || s.model.Me == "" || s.model.NeedName {
		return false, nil
	}
	a := &s.active
	if a.conn == s.connNo && now.Sub(a.at) < chat.ActiveEvery && !now.Before(a.at) {
		return false, nil
	}
	if err := s.Send(&chat.Active{}); err != nil {
		if errors.Is(err, ErrOffline) || errors.Is(err, ErrBusy) {
			return false, nil
		}
		return false, fmt.Errorf("client: writing Active: %w", err)
	}
	a.at, a.conn = now, s.connNo
	return true, nil
}
