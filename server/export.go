package server

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/auth"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/push"
)

// Export (docs/export.md): a person downloads their data from Account
// (GET /api/export: their account and settings, every conversation they
// are in, the messages they wrote, the files they attached), and an admin
// a room or the whole server (GET /api/admin/export[?conv=ID]). The answer
// is a zip of JSON and files written straight into the response
// (archive/zip), a page of a conversation and one file's bytes at a time:
// nothing holds a whole export in memory. Its last member, manifest.json,
// says what it holds and that it is complete; an export cut short (the
// reader went, or storage failed midway) has ERROR.txt instead and no
// manifest.

// ExportPath is where a person downloads their data.
const ExportPath = chat.ExportPath

// AdminExportPath is where an admin downloads a room (?conv=ID) or the
// whole server.
const AdminExportPath = "/api/admin/export"

// routeExport adds the export routes.
func (s *Server) routeExport() {
	s.mux.HandleFunc("GET "+ExportPath, s.serveExport)
	s.mux.Handle("GET "+AdminExportPath, s.adminOnly(http.HandlerFunc(s.serveAdminExport)))
}

// exportAccount is account.json of a person's export.
type exportAccount struct {
	Name          string             `json:"name"`
	Password      bool               `json:"password"`
	SSO           bool               `json:"sso,omitempty"`
	Bot           bool               `json:"bot,omitempty"`
	Exported      time.Time          `json:"exported"`
	Conversations []chat.ConvInfo    `json:"conversations"` // with each one's read position
	Sessions      []auth.SessionInfo `json:"sessions"`
	Tokens        []auth.AccessToken `json:"tokens"` // what they are, never their secrets
	// Notifications are their Web Push settings, when the server pushes.
	Notifications *chat.PushSettings `json:"notifications,omitempty"`
}

// exportManifest is manifest.json, the last member of every export.
type exportManifest struct {
	Complete      bool      `json:"complete"`
	Kind          string    `json:"kind"` // "person", "room" or "server"
	Exported      time.Time `json:"exported"`
	Conversations int       `json:"conversations"`
	Entries       int       `json:"entries"`
	Messages      int       `json:"messages,omitempty"` // a person's own
	Files         int       `json:"files"`
	FileBytes     int64     `json:"file_bytes"`
}

// exporter writes one export's zip.
type exporter struct {
	s     *Server
	ctx   context.Context
	zw    *zip.Writer
	files map[string]bool // file ids written, or seen and not the owner's
	man   exportManifest
}

// startExport sends the headers of a zip download named name and returns
// its exporter.
func (s *Server) startExport(w http.ResponseWriter, r *http.Request, kind, name string) *exporter {
	h := w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name+"-"+time.Now().UTC().Format("2006-01-02")+".zip"))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	return &exporter{s: s, ctx: r.Context(), zw: zip.NewWriter(w), files: map[string]bool{},
		man: exportManifest{Kind: kind, Exported: time.Now().UTC()}}
}

// finish ends the zip: manifest.json if err is nil, else ERROR.txt.
func (x *exporter) finish(err error) {
	if err == nil {
		x.man.Complete = true
		err = x.json("manifest.json", x.man)
	}
	if err != nil {
		if x.ctx.Err() == nil {
			x.s.log.Warn("an export failed midway", "kind", x.man.Kind, "err", err)
		}
		if f, e := x.zw.Create("ERROR.txt"); e == nil {
			fmt.Fprintf(f, "This export is incomplete: the server failed while writing it. Download it again.\n")
		}
	}
	x.zw.Close() // a reader gone midway is no error of ours
}

// json writes v as member name.
func (x *exporter) json(name string, v any) error {
	f, err := x.zw.Create(name)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	enc.SetIndent("", " ")
	return enc.Encode(v)
}

// array streams a JSON member {"<headKey>": head, "entries": [...]} whose
// entries come from fill, which calls add once per entry.
func (x *exporter) array(name string, head any, fill func(add func(chat.Entry) error) error) error {
	f, err := x.zw.Create(name)
	if err != nil {
		return err
	}
	b, err := json.Marshal(head)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(f, "{\"about\": %s,\n \"entries\": [", b); err != nil {
		return err
	}
	sep := "\n  "
	err = fill(func(e chat.Entry) error {
		b, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, sep); err != nil {
			return err
		}
		sep = ",\n  "
		_, err = f.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, "\n ]}\n")
	return err
}

// conv writes conversation id as conversations/<name>.json, folded (as
// its members see it now) or raw (every entry as stored), calling seen
// with each entry written.
func (x *exporter) conv(id string, about any, folded bool, seen func(chat.Entry)) error {
	x.man.Conversations++
	return x.array("conversations/"+memberName(id)+".json", about, func(add func(chat.Entry) error) error {
		return x.s.hub.Entries(x.ctx, id, folded, func(page []chat.Entry) error {
			for _, e := range page {
				if err := add(e); err != nil {
					return err
				}
				x.man.Entries++
				if seen != nil {
					seen(e)
				}
			}
			return nil
		})
	})
}

// file writes the bytes of file id as files/<id>/<name>, once, if owner
// is empty or owns it. A file gone meanwhile is left out.
func (x *exporter) file(id, owner string) error {
	if x.files[id] || x.s.files == nil {
		return nil
	}
	x.files[id] = true
	rec, err := x.s.files.File(x.ctx, id)
	if errors.Is(err, hub.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if owner != "" && rec.Owner != owner {
		return nil
	}
	body, size, err := x.s.files.Blob(x.ctx, rec.Object)
	if errors.Is(err, hub.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	defer body.Close()
	f, err := x.zw.CreateHeader(&zip.FileHeader{Name: "files/" + id + "/" + cleanFileName(rec.Name), Method: zip.Store, Modified: time.UnixMilli(rec.Created)})
	if err != nil {
		return err
	}
	n, err := io.Copy(f, body)
	if err == nil && n != size {
		err = fmt.Errorf("file %s: %d bytes of %d", id, n, size)
	}
	x.man.Files++
	x.man.FileBytes += n
	return err
}

// memberName turns a conversation id into a zip member's name: its safe
// characters and a short hash that keeps distinct ids apart.
func memberName(id string) string {
	var b strings.Builder
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	sum := sha256.Sum256([]byte(id))
	return b.String() + "-" + hex.EncodeToString(sum[:4])
}

// serveExport sends the signed-in person their data.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	u := v.User
	release, err := s.hub.Use(r.Context(), hubUser(u))
	if err != nil {
		apiError(w, err)
		return
	}
	defer release()
	acct := exportAccount{Name: u.Name, Password: u.HasPassword, SSO: u.SSO, Bot: u.Bot, Exported: time.Now().UTC()}
	if acct.Conversations, err = s.hub.Conversations(u.Key); err == nil {
		if acct.Sessions, err = s.accounts.Sessions(r.Context(), u.Key); err == nil {
			acct.Tokens, err = s.accounts.AccessTokens(r.Context(), u.Key)
		}
	}
	if err == nil && s.push != nil {
		var p chat.PushSettings
		if p, err = push.Settings(r.Context(), s.push.store, u.Key); err == nil {
			acct.Notifications = &p
		}
	}
	if err != nil {
		apiError(w, s.internal("reading your account", err))
		return
	}
	x := s.startExport(w, r, "person", "chat-"+memberName(u.Key))
	x.finish(x.person(u, acct))
}

// person writes a person's export: account.json, each conversation as they
// see it, messages.json (the messages they wrote, as they are now) and the
// files they attached.
func (x *exporter) person(u auth.User, acct exportAccount) error {
	if err := x.json("account.json", acct); err != nil {
		return err
	}
	var own []string // ids of the files the person attached, in order
	for _, c := range acct.Conversations {
		err := x.conv(c.ID, c, true, func(e chat.Entry) {
			if e.Kind == chat.EntryMessage && hub.Wrote(u.Key, e) {
				for _, f := range e.Files {
					own = append(own, f.ID)
				}
			}
		})
		if err != nil {
			return err
		}
	}
	err := x.array("messages.json", map[string]string{"author": u.Name}, func(add func(chat.Entry) error) error {
		for _, c := range acct.Conversations {
			err := x.s.hub.Entries(x.ctx, c.ID, true, func(page []chat.Entry) error {
				for _, e := range page {
					if e.Kind == chat.EntryMessage && !e.Deleted && hub.Wrote(u.Key, e) {
						x.man.Messages++
						if err := add(e); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range own {
		if err := x.file(id, u.Key); err != nil {
			return err
		}
	}
	return nil
}

// exportConv is the "about" of a conversation in an admin's export.
type exportConv struct {
	ID      string        `json:"id"`
	Kind    chat.ConvKind `json:"kind,omitempty"`
	Name    string        `json:"name,omitempty"`
	Owner   string        `json:"owner,omitempty"`
	Members []string      `json:"members,omitempty"` // a private conversation's two
	// RetainDays is how many days a room keeps its entries, 0 for ever.
	RetainDays int `json:"retain_days,omitempty"`
}

// serveAdminExport sends an admin room ?conv=ID, or every conversation of
// the server, every entry as stored, with the files attached.
func (s *Server) serveAdminExport(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("conv")
	if id != "" {
		about, err := s.exportAbout(r.Context(), id)
		if errors.Is(err, hub.ErrNotFound) {
			apiError(w, chat.Errorf(chat.CodeNoSuchConv, "no conversation %.60q", id))
			return
		}
		if err != nil {
			apiError(w, s.internal("reading the conversation", err))
			return
		}
		x := s.startExport(w, r, "room", "chat-room-"+memberName(id))
		x.finish(x.adminConv(about))
		return
	}
	x := s.startExport(w, r, "server", "chat-server")
	x.finish(s.hub.EachConv(r.Context(), func(id string) error {
		about, err := s.exportAbout(r.Context(), id)
		if errors.Is(err, hub.ErrNotFound) {
			about, err = exportConv{ID: id}, nil // entries without a record: kept all the same
		}
		if err != nil {
			return err
		}
		return x.adminConv(about)
	}))
}

// exportAbout describes conversation id for an admin's export.
func (s *Server) exportAbout(ctx context.Context, id string) (exportConv, error) {
	rec, err := s.hub.ConvRecord(ctx, id)
	if err != nil {
		return exportConv{}, err
	}
	about := exportConv{ID: rec.ID, Kind: rec.Kind, Name: rec.Name, Owner: rec.Owner.Name}
	for _, m := range rec.Members {
		about.Members = append(about.Members, m.Name)
	}
	if rec.Kind == chat.KindRoom {
		keep, err := s.hub.RetentionOf(ctx, id)
		if err != nil {
			return about, err
		}
		about.RetainDays = int(keep / (24 * time.Hour))
	}
	return about, nil
}

// adminConv writes one conversation raw and then the files its messages
// carry. The ids of those files are kept for the conversation only.
func (x *exporter) adminConv(about exportConv) error {
	var ids []string
	err := x.conv(about.ID, about, false, func(e chat.Entry) {
		for _, f := range e.Files {
			ids = append(ids, f.ID)
		}
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := x.file(id, ""); err != nil {
			return err
		}
	}
	return nil
}
