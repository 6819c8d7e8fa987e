package slackimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/names"
)

// User is an entry of users.json.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Deleted  bool   `json:"deleted"`
	IsBot    bool   `json:"is_bot"`
	RealName string `json:"real_name"`
	Profile  struct {
		DisplayName string `json:"display_name"`
		RealName    string `json:"real_name"`
	} `json:"profile"`
}

// Channel is an entry of channels.json (a public channel), groups.json (a
// private channel), mpims.json (a group's direct messages) or dms.json (a
// direct message between two people, which has no name); its messages
// are in its Folder.
type Channel struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Created int64    `json:"created"`
	Members []string `json:"members"` // Slack user ids
}

// Folder is where the channel's day files are: the folder of its name, or
// of its id for a direct message.
func (c Channel) Folder() string { return cmp(c.Name, c.ID) }

// File is a file a message carries. Its bytes are in the archive only when
// Slack exported them, under __uploads/<ID>/.
type File struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Title    string `json:"title"`
	Mimetype string `json:"mimetype"`
}

// Message is an entry of a day file.
type Message struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	User     string `json:"user"`
	Username string `json:"username"` // a bot's or an integration's
	BotID    string `json:"bot_id"`
	Text     string `json:"text"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	Files    []File `json:"files"`
}

// Imported reports whether m is a message to import: a person's or a
// bot's words or files, not a note of Slack's own (joins, topics, pins).
func (m Message) Imported() bool {
	switch m.Subtype {
	case "", "bot_message", "thread_broadcast", "file_share", "me_message", "reply_broadcast":
		return m.Type == "message" || m.Type == ""
	}
	return false
}

// Micros returns a Slack timestamp ("1512085950.000216", unique within a
// channel) as microseconds since 1970.
func Micros(ts string) (uint64, error) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseUint(sec, 10, 64)
	if err != nil || len(frac) > 6 || s > 1<<40 {
		return 0, fmt.Errorf("the timestamp %.40q is not Slack's", ts)
	}
	f := uint64(0)
	if frac != "" {
		if f, err = strconv.ParseUint(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil {
			return 0, fmt.Errorf("the timestamp %.40q is not Slack's", ts)
		}
	}
	return s*1_000_000 + f, nil
}

// decode reads member name as JSON into v; a missing member is
// ErrMissing.
func (a *Archive) decode(name string, v any) error {
	f := a.members[name]
	if f == nil {
		return ErrMissing
	}
	rc, err := f.Open()
	if err != nil {
		return refuse("%.100q cannot be read: %v", name, err)
	}
	defer rc.Close()
	dec := json.NewDecoder(rc)
	if err := dec.Decode(v); err != nil {
		return refuse("%.100q is not the JSON a Slack export holds: %v", name, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return refuse("%.100q holds more than one JSON value", name)
	}
	return nil
}

// ErrMissing means the archive lacks a member.
var ErrMissing = errors.New("slack import: no such member")

// Users returns users.json (none if the archive has none).
func (a *Archive) Users() ([]User, error) {
	var users []User
	if err := a.decode("users.json", &users); err != nil && !errors.Is(err, ErrMissing) {
		return nil, err
	}
	return users, nil
}

// Channels returns channels.json, which every export has.
func (a *Archive) Channels() ([]Channel, error) {
	var chans []Channel
	err := a.decode("channels.json", &chans)
	if errors.Is(err, ErrMissing) {
		return nil, refuse("the archive has no channels.json: is it a Slack export?")
	}
	return chans, err
}

// Groups returns groups.json, the private channels (none if the archive
// has none: only an export of all conversations has them).
func (a *Archive) Groups() ([]Channel, error) { return a.optional("groups.json") }

// MPIMs returns mpims.json, the direct messages of groups of people.
func (a *Archive) MPIMs() ([]Channel, error) { return a.optional("mpims.json") }

// DMs returns dms.json, the direct messages between two people.
func (a *Archive) DMs() ([]Channel, error) { return a.optional("dms.json") }

// optional returns the channels of member name, none if it is missing.
func (a *Archive) optional(name string) ([]Channel, error) {
	var chans []Channel
	if err := a.decode(name, &chans); err != nil && !errors.Is(err, ErrMissing) {
		return nil, err
	}
	return chans, nil
}

// Days returns the names of the day files of the channel's folder
// (Channel.Folder), oldest first.
func (a *Archive) Days(channel string) []string {
	var days []string
	prefix := channel + "/"
	for name := range a.members {
		if rest, ok := strings.CutPrefix(name, prefix); ok && !strings.Contains(rest, "/") && strings.HasSuffix(rest, ".json") {
			days = append(days, name)
		}
	}
	slices.Sort(days)
	return days
}

// Messages returns the messages of day file day, oldest first.
func (a *Archive) Messages(day string) ([]Message, error) {
	var msgs []Message
	if err := a.decode(day, &msgs); err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if _, err := Micros(m.TS); err != nil {
			return nil, refuse("%.100q: %v", day, err)
		}
	}
	slices.SortStableFunc(msgs, func(x, y Message) int {
		a, _ := Micros(x.TS)
		b, _ := Micros(y.TS)
		return cmpUint(a, b)
	})
	return msgs, nil
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Upload returns the bytes of Slack file id, if the archive holds them
// (__uploads/<id>/<name>), with their name.
func (a *Archive) Upload(id string) (io.ReadCloser, string, bool) {
	prefix := "__uploads/" + id + "/"
	for name, f := range a.members {
		if rest, ok := strings.CutPrefix(name, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			rc, err := f.Open()
			if err != nil {
				return nil, "", false
			}
			return rc, rest, true
		}
	}
	return nil, "", false
}

// Names maps each user's Slack id to a name of this chat: their display
// name, else their Slack name, else their real name, made to follow the
// rules (chat.CleanName) and distinct (two that compare equal get a
// number).
func Names(users []User) map[string]string {
	out := make(map[string]string, len(users))
	taken := map[string]bool{}
	for _, u := range users {
		base := ""
		for _, cand := range []string{u.Profile.DisplayName, u.Name, u.RealName, u.Profile.RealName, "slack-" + u.ID} {
			if base = nameOf(cand, false); base != "" {
				break
			}
		}
		if base == "" {
			base = "slack-user"
		}
		name := base
		for n := 2; taken[names.Key(name)]; n++ {
			name = Suffixed(base, n)
		}
		taken[names.Key(name)] = true
		out[u.ID] = name
	}
	return out
}

// Suffixed is name with "-n" at its end, within MaxNameRunes: the n-th
// name tried for a person whose name is someone else's.
func Suffixed(name string, n int) string {
	suffix := "-" + strconv.Itoa(n)
	return truncate(name, chat.MaxNameRunes-len(suffix)) + suffix
}

// RoomName is channel c's room name.
func RoomName(c Channel) string {
	if n := nameOf(c.Name, true); n != "" {
		return n
	}
	return "slack-" + truncate(nameOf(c.ID, false), chat.MaxNameRunes-6)
}

// nameOf makes s a name by the rules: what is not allowed becomes "_",
// runs of spaces one (rooms) or "_" (users), at most MaxNameRunes; "" if
// nothing is left.
func nameOf(s string, spaces bool) string {
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		switch {
		case unicode.IsLetter(r), unicode.Is(unicode.Nd, r), r == '_', r == '-', r == '.':
			b.WriteRune(r)
		case r == ' ' && spaces:
			b.WriteRune(r)
		default:
			b.WriteRune('_')
		}
	}
	out := truncate(b.String(), chat.MaxNameRunes)
	clean, err := chat.CleanRoom(out)
	if !spaces {
		clean, err = chat.CleanName(out)
	}
	if err != nil || strings.Trim(clean, "_") == "" {
		return ""
	}
	return clean
}

// truncate keeps the first n runes of s.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// mention is Slack's markup in a text: <@U123>, <#C123|name>, <!here>,
// <https://x|label>.
var mention = regexp.MustCompile(`<([@#!]?)([^|>]*)(?:\|([^>]*))?>`)

// Text turns a message's Slack markup into this chat's text (Markdown):
// mentions become @name, channels #name, links the URL (with its label),
// and Slack's escapes are undone. Files whose bytes are not in the archive
// are named on a line of their own. The result is cut at MaxTextRunes.
func Text(m Message, users map[string]string, missing []File) string {
	text := mention.ReplaceAllStringFunc(m.Text, func(s string) string {
		g := mention.FindStringSubmatch(s)
		kind, id, label := g[1], g[2], g[3]
		switch kind {
		case "@":
			if n, ok := users[id]; ok {
				return "@" + n
			}
			return "@" + cmp(label, id)
		case "#":
			return "#" + cmp(label, id)
		case "!":
			return "@" + strings.TrimPrefix(cmp(label, id), "@")
		}
		if label != "" && label != id {
			return label + " (" + id + ")"
		}
		return id
	})
	text = strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, html.UnescapeString(text))
	for _, f := range missing {
		text += "\n📎 " + cmp(f.Name, f.Title, f.ID) + " (not in the export)"
	}
	return truncate(strings.TrimSpace(text), chat.MaxTextRunes)
}

// cmp returns the first of ss that is not empty.
func cmp(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
