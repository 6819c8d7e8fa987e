package server

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/names"
	"github.com/founding/chat/server/slackimport"
)

// Slack import (docs/export.md): an admin posts a Slack export zip to
// POST /api/admin/import. The zip is spooled to a temporary file (a zip is
// read from its end) and checked (slackimport.Open: names, entry count,
// sizes and ratios) before anything is stored; a refused one is a 400 with
// a JSON error. Each person but bots gets an account nobody signs in to
// until an admin sets its password (importAccounts). Each channel becomes a
// room of the same name (the admin joins it, and owns it if it is new); a
// private channel an invite-only room with its members, a group's direct
// messages a group conversation (or an invite-only room when too many), a
// direct message a private conversation (importPrivate). Each one's
// messages are stored, oldest
// first, through the once-per-origin append (hub.Import): the origin of a
// Slack message is its author's Slack id, a device named after its channel
// and its timestamp in microseconds as the counter, so running the import
// again, or after it stopped half-way, stores every message once. A reply
// in a thread (thread_ts) is a reply in the thread (chat.ThreadID) of the
// message that started it, found by its Slack time (channelImport.root),
// and counted once in that message's thread summary (hub.Import); a reply
// whose first message is not here stays a message of the room. A file whose
// bytes the export holds (__uploads/<id>/) is stored as the admin's upload
// and attached; any other is named in the text.

// AdminImportPath is where an admin posts a Slack export.
const AdminImportPath = "/api/admin/import"

// DefaultMaxImport is Options.MaxImport's default: 4 GiB.
const DefaultMaxImport = 4 << 30

// importReply is the answer to an import.
type importReply struct {
	Rooms        int      `json:"rooms"`
	Private      int      `json:"private"` // private and group conversations
	Users        int      `json:"users"`
	Accounts     int      `json:"accounts"`   // the people who have an account here, made now or by an earlier run
	Messages     int      `json:"messages"`   // stored now
	Duplicates   int      `json:"duplicates"` // stored by an earlier run
	Skipped      int      `json:"skipped"`    // Slack's own notes, or nothing to show
	Files        int      `json:"files"`
	MissingFiles int      `json:"missing_files"` // named in the text: not in the export, or refused
	Failed       []string `json:"failed,omitempty"`
}

func (s *Server) routeImport() {
	s.mux.Handle("POST "+AdminImportPath, s.adminOnly(sameOrigin(s.serveImport)))
}

// serveImport imports the Slack export in the body.
func (s *Server) serveImport(w http.ResponseWriter, r *http.Request) {
	v, err := s.visit(w, r)
	if err != nil || v.User.Key == "" {
		apiError(w, chat.Errorf(chat.CodeUnauthorized, "sign in first"))
		return
	}
	limit := s.opts.MaxImport
	if r.ContentLength > limit {
		apiError(w, chat.Errorf(chat.CodeFileTooBig, "the export is %s; at most %s is taken (-max-import)", sizeText(r.ContentLength), sizeText(limit)))
		return
	}
	tmp, err := os.CreateTemp(s.opts.UploadDir, "chat-import-*")
	if err != nil {
		apiError(w, s.internal("making room for the export", err))
		return
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	size, err := io.Copy(tmp, http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		apiError(w, chat.Errorf(chat.CodeFileTooBig, "the export is larger than %s, the most taken (-max-import)", sizeText(limit)))
		return
	case err != nil:
		apiError(w, chat.Errorf(chat.CodeBadRequest, "the upload was cut off; try again"))
		return
	}
	archive, err := slackimport.Open(tmp, size, s.opts.ImportLimits)
	var refused *slackimport.Error
	if errors.As(err, &refused) {
		apiError(w, chat.Errorf(chat.CodeBadRequest, "%s", refused.Message))
		return
	}
	if err != nil {
		apiError(w, s.internal("reading the export", err))
		return
	}
	release, err := s.hub.Use(r.Context(), hubUser(v.User))
	if err != nil {
		apiError(w, err)
		return
	}
	defer release()
	out, err := s.importSlack(r.Context(), v.User, archive)
	if errors.As(err, &refused) {
		apiError(w, chat.Errorf(chat.CodeBadRequest, "%s", refused.Message))
		return
	}
	if err != nil {
		s.log.Warn("a Slack import stopped; running it again resumes it", "err", err, "messages", out.Messages)
		apiError(w, chat.Errorf(chat.CodeInternal, "the import stopped after %d new messages (%v); post the same export again to resume it", out.Messages, err))
		return
	}
	s.log.Info("a Slack import ran", "admin", v.User.Name, "rooms", out.Rooms, "messages", out.Messages, "duplicates", out.Duplicates, "files", out.Files)
	reply(w, http.StatusOK, out)
}

// importSlack imports archive as admin (see above).
func (s *Server) importSlack(ctx context.Context, admin auth.User, archive *slackimport.Archive) (importReply, error) {
	var out importReply
	users, err := archive.Users()
	if err != nil {
		return out, err
	}
	chans, err := archive.Channels()
	if err != nil {
		return out, err
	}
	var private [3][]slackimport.Channel // groups, mpims, dms
	for i, read := range []func() ([]slackimport.Channel, error){archive.Groups, archive.MPIMs, archive.DMs} {
		if private[i], err = read(); err != nil {
			return out, err
		}
	}
	named := slackimport.Names(users)
	bots := map[string]bool{}
	for _, u := range users {
		bots[u.ID] = u.IsBot
	}
	out.Users = len(named)
	people, err := s.importAccounts(ctx, users, named)
	if err != nil {
		return out, err
	}
	out.Accounts = len(people)
	var jobs []importJob
	for _, ch := range chans {
		if job, failed, err := s.importRoom(ctx, admin, ch, nil, false); err != nil {
			return out, err
		} else if failed != "" {
			out.Failed = append(out.Failed, failed)
		} else {
			jobs = append(jobs, job)
		}
	}
	for i, list := range private {
		for _, ch := range list {
			job, failed, err := s.importPrivate(ctx, admin, ch, people, i)
			switch {
			case err != nil:
				return out, err
			case failed != "":
				out.Failed = append(out.Failed, failed)
			default:
				jobs = append(jobs, job)
			}
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		slot = make(chan struct{}, importChannels)
	)
	for _, job := range jobs {
		if job.room {
			out.Rooms++
		} else {
			out.Private++
		}
		select {
		case slot <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slot }()
			imp := channelImport{s: s, ctx: ctx, admin: admin, archive: archive, ch: job.ch, conv: job.conv, named: named, bots: bots, roots: map[uint64]uint64{}}
			err := imp.run()
			mu.Lock()
			out.Messages += imp.out.Messages
			out.Duplicates += imp.out.Duplicates
			out.Skipped += imp.out.Skipped
			out.Files += imp.out.Files
			out.MissingFiles += imp.out.MissingFiles
			mu.Unlock()
			if err != nil {
				cancel(err)
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return out, err
	}
	return out, ctx.Err()
}

// importJob is a conversation of the export to import into conv: a room
// (a channel, or a private channel made invite-only) or a private
// conversation.
type importJob struct {
	ch   slackimport.Channel
	conv string
	room bool
}

// importAccounts makes, once, the account of every person of the export
// who is no bot (auth.Accounts.CreateImported: nobody signs in as them
// until an admin sets a password), under their name in named or, when
// that is someone else's, the first of name-2, name-3... that is free, and
// returns them by Slack id; named follows the names taken. A person whose
// account cannot be made stays a name on their messages.
func (s *Server) importAccounts(ctx context.Context, users []slackimport.User, named map[string]string) (map[string]hub.Member, error) {
	people := make(map[string]hub.Member)
	for _, u := range users {
		if u.IsBot {
			continue
		}
		base := named[u.ID]
		for n := 1; n <= maxImportSuffix; n++ {
			name := base
			if n > 1 {
				name = slackimport.Suffixed(base, n)
			}
			a, err := s.accounts.CreateImported(ctx, name, "slack."+u.ID)
			var ce *chat.Error
			if errors.Is(err, auth.ErrNameTaken) || errors.Is(err, auth.ErrLooksTaken) || errors.As(err, &ce) {
				continue
			}
			if err != nil {
				return nil, err
			}
			named[u.ID], people[u.ID] = a.Name, hub.Member{Key: a.Key, Name: a.Name}
			break
		}
	}
	return people, nil
}

// maxImportSuffix bounds the names tried for one imported person.
const maxImportSuffix = 20

// importRoom makes the room of channel ch, as the admin (who joins it, and
// owns it if it is new), and returns its job; failed says why it cannot
// be, for the answer. A private one (a private channel, or a group's
// direct messages too many for a group) is made invite-only, with the
// people members, and is never poured into an open room of the same name.
func (s *Server) importRoom(ctx context.Context, admin auth.User, ch slackimport.Channel, members []string, private bool) (importJob, string, error) {
	room := slackimport.RoomName(ch)
	if private {
		rules, err := s.opts.Storage.Directory.Rules(ctx, "r:"+names.Key(room))
		if err != nil {
			return importJob{}, "", err
		}
		if _, err := s.opts.Storage.Directory.Conv(ctx, "r:"+names.Key(room)); err == nil && !rules.InviteOnly {
			return importJob{}, fmt.Sprintf("#%s: an open room has its name; a private channel is not poured into it", room), nil
		} else if err != nil && !errors.Is(err, hub.ErrNotFound) {
			return importJob{}, "", err
		}
	}
	info, err := s.hub.Join(ctx, admin.Key, room)
	var ce *chat.Error
	if errors.As(err, &ce) {
		return importJob{}, fmt.Sprintf("#%s: %s", ch.Name, ce.Message), nil
	}
	if err != nil {
		return importJob{}, "", err
	}
	if private {
		if err := s.hub.SetInviteOnly(ctx, admin.Key, info.ID, true); errors.As(err, &ce) {
			return importJob{}, fmt.Sprintf("#%s: %s", ch.Name, ce.Message), nil
		} else if err != nil {
			return importJob{}, "", err
		}
		if err := s.hub.ImportMembers(ctx, info.ID, members); err != nil {
			return importJob{}, "", err
		}
	}
	return importJob{ch: ch, conv: info.ID, room: true}, "", nil
}

// importPrivate makes the conversation of ch, of kind 0 (a private
// channel: an invite-only room), 1 (a group's direct messages: a group
// conversation, or an invite-only room when more than the groups' limit)
// or 2 (a direct message: a private conversation), with the members that
// have an account here (people), and returns its job; failed says why it
// cannot be.
func (s *Server) importPrivate(ctx context.Context, admin auth.User, ch slackimport.Channel, people map[string]hub.Member, kind int) (importJob, string, error) {
	var members []hub.Member
	var keys []string
	for _, id := range ch.Members {
		if m, ok := people[id]; ok {
			members, keys = append(members, m), append(keys, m.Key)
		}
	}
	if kind == 0 || kind == 1 && len(members) > s.hub.GroupLimit() {
		return s.importRoom(ctx, admin, ch, keys, true)
	}
	id, err := s.hub.ImportConv(ctx, ch.ID, "", members)
	var ce *chat.Error
	if errors.As(err, &ce) {
		return importJob{}, fmt.Sprintf("%s: %s", ch.Folder(), ce.Message), nil
	}
	if err != nil {
		return importJob{}, "", err
	}
	return importJob{ch: ch, conv: id}, "", nil
}

// importChannels is how many channels an import stores at once: each is
// its own conversation, so their appends overlap.
const importChannels = 4

// run imports the channel's day files, oldest first.
func (c *channelImport) run() error {
	for _, day := range c.archive.Days(c.ch.Folder()) {
		msgs, err := c.archive.Messages(day)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if err := c.message(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// channelImport imports one channel's messages.
type channelImport struct {
	s       *Server
	ctx     context.Context
	admin   auth.User
	archive *slackimport.Archive
	ch      slackimport.Channel
	conv    string
	named   map[string]string
	bots    map[string]bool
	out     importReply       // this channel's part
	roots   map[uint64]uint64 // a thread's Slack timestamp -> its first message's sequence here
	bySent  map[int64]uint64  // the room's imported messages, Sent -> sequence, once needed
}

// message imports m.
func (c *channelImport) message(m slackimport.Message) error {
	if !m.Imported() {
		c.out.Skipped++
		return nil
	}
	ts, _ := slackimport.Micros(m.TS) // checked by Messages
	author, bot := c.named[m.User], c.bots[m.User] || m.BotID != "" || m.Subtype == "bot_message"
	if author == "" {
		author = slackimport.Names([]slackimport.User{{ID: cmpStr(m.User, m.BotID, "unknown"), Name: m.Username}})[cmpStr(m.User, m.BotID, "unknown")]
	}
	var files []string
	var missing []slackimport.File
	for _, f := range m.Files {
		id, err := c.file(f)
		if err != nil {
			return err
		}
		if id == "" {
			missing = append(missing, f)
			continue
		}
		files = append(files, id)
	}
	c.out.MissingFiles += len(missing)
	imp := hub.Imported{
		Conv: c.conv, From: author, Bot: bot, Sent: int64(ts / 1000),
		Text:  slackimport.Text(m, c.named, missing),
		Files: files, Owner: c.admin.Key,
		Origin: hub.Origin{User: "slack." + cmpStr(m.User, m.BotID, "unknown"), ID: chat.MsgID{Device: "slack." + c.ch.ID, N: ts}},
	}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		root, err := slackimport.Micros(m.ThreadTS)
		if err == nil {
			imp.Root, err = c.root(root)
		}
		if err != nil {
			return err
		}
	}
	ack, dup, err := c.s.hub.Import(c.ctx, imp)
	var ce *chat.Error
	switch {
	case errors.As(err, &ce):
		c.out.Skipped++ // nothing left to show, or a reply to a message gone
		return nil
	case err != nil:
		return err
	case dup:
		c.out.Duplicates++
	default:
		c.out.Messages++
	}
	if m.ThreadTS == m.TS && ack.Seq != 0 {
		c.roots[ts] = ack.Seq
	}
	return nil
}

// root returns the sequence here of the thread whose first message has
// Slack timestamp ts (0 if it is not here): known from this run, or, when
// an earlier run stored it, found among the room's imported messages.
func (c *channelImport) root(ts uint64) (uint64, error) {
	if seq, ok := c.roots[ts]; ok {
		return seq, nil
	}
	if c.bySent == nil {
		c.bySent = map[int64]uint64{}
		err := c.s.hub.Entries(c.ctx, c.conv, false, func(page []chat.Entry) error {
			for _, e := range page {
				if e.Kind == chat.EntryMessage && e.Sent != 0 {
					c.bySent[e.Sent] = e.Seq
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
	}
	return c.bySent[int64(ts/1000)], nil
}

// file stores Slack file f, if the archive holds its bytes, as the
// admin's upload under an id derived from f's (stored once however often
// the import runs), and returns the id; "" if it is not in the archive or
// cannot be taken (too big, over the admin's quota, too many pixels).
func (c *channelImport) file(f slackimport.File) (string, error) {
	if c.s.files == nil || f.ID == "" {
		return "", nil
	}
	sum := sha256.Sum256([]byte("chat slack file\x00" + c.admin.Key + "\x00" + f.ID))
	id := base32.StdEncoding.EncodeToString(sum[:])[:chat.FileIDLength]
	if rec, err := c.s.files.File(c.ctx, id); err == nil && rec.Owner == c.admin.Key {
		return id, nil
	} else if err != nil && !errors.Is(err, hub.ErrNotFound) {
		return "", err
	}
	body, name, ok := c.archive.Upload(f.ID)
	if !ok {
		return "", nil
	}
	defer body.Close()
	tmp, err := os.CreateTemp(c.s.opts.UploadDir, "chat-import-file-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(body, c.s.opts.MaxUpload+1))
	if err != nil {
		return "", err
	}
	if n == 0 || n > c.s.opts.MaxUpload {
		return "", nil
	}
	if _, err := c.s.storeUpload(c.ctx, id, c.admin.Key, cleanFileName(cmpStr(f.Name, name)), false, tmp, h, n); err != nil {
		c.s.log.Warn("a file of a Slack import was not stored; its name stays in the text", "file", f.ID, "err", err)
		return "", nil
	}
	c.out.Files++
	return id, nil
}

// cmpStr returns the first of ss that is not empty.
func cmpStr(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
