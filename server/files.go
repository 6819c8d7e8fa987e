package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/hub"
	"github.com/founding/chat/server/media"
)

// Attachments over HTTP: POST /api/files takes one file's bytes as the
// body (chat.UploadPath), GET /files/<id> and /files/<id>/thumb serve it
// back (chat.FilesPath). docs/storage.md tells the layout and the bounds.

// The defaults of Options.MaxUpload and Options.UploadQuota.
const (
	DefaultMaxUpload   = 25 << 20 // 25 MiB
	DefaultUploadQuota = 1 << 30  // 1 GiB
)

// decodeSlots is how many uploaded images are decoded at once: each may
// take Options.MaxImagePixels times 4 bytes while decoded.
const decodeSlots = 2

// maxFileNameBytes bounds a file's name as kept.
const maxFileNameBytes = 255

// uploadReply is the body of POST /api/files.
type uploadReply struct {
	File  *chat.File `json:"file,omitempty"`
	Code  chat.Code  `json:"code,omitempty"`
	Error string     `json:"error,omitempty"`
}

// fileSecurityPolicy is the Content-Security-Policy of every file served:
// nothing in it may run, load or be framed, even if a browser rendered it.
const fileSecurityPolicy = "default-src 'none'; sandbox"

// serveUpload stores the file in the body for the signed-in user: the
// body is streamed to a temporary file within -max-upload, sniffed,
// prepared (package media), counted against the user's quota and kept
// under its content hash. Nothing is stored until the whole body arrived.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	v, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	s.upload(w, r, v.User.Key)
}

// upload stores the file in the body of r for the user key (serveUpload,
// and the HTTP API's POST /api/v1/files).
func (s *Server) upload(w http.ResponseWriter, r *http.Request, user string) {
	limit := s.opts.MaxUpload
	id, again, err := s.uploadOnce(r, user)
	switch {
	case err != nil:
		s.refuseUpload(w, http.StatusBadRequest, "%s", err.Error())
		return
	case again != nil:
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, limit)) // read, so that the browser sees the answer
		reply(w, http.StatusOK, uploadReply{File: again})
		return
	}
	if r.ContentLength > limit {
		s.refuseUpload(w, http.StatusRequestEntityTooLarge, "the file is %s; files of at most %s are taken", sizeText(r.ContentLength), sizeText(limit))
		return
	}
	if !s.withinQuota(w, r, user, max(r.ContentLength, 0)) {
		return
	}
	tmp, sum, size, err := s.receive(w, r, limit)
	if tmp != nil {
		defer os.Remove(tmp.Name())
		defer tmp.Close()
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		s.refuseUpload(w, http.StatusRequestEntityTooLarge, "the file is larger than %s, the most a file may be", sizeText(limit))
		return
	case err != nil:
		s.refuseUpload(w, http.StatusBadRequest, "the upload was cut off; try again")
		return
	case size == 0:
		s.refuseUpload(w, http.StatusBadRequest, "the file is empty")
		return
	}
	name := cleanFileName(r.URL.Query().Get("name"))
	file, err := s.storeUpload(r.Context(), id, user, name, r.URL.Query().Get("keep") == "1", tmp, sum, size)
	if err != nil && r.URL.Query().Has(chat.UploadTokenParam) {
		// The same token's other try may have stored it meanwhile.
		if _, again, _ := s.uploadOnce(r, user); again != nil {
			file, err = *again, nil
		}
	}
	var pixels *media.TooManyPixels
	switch {
	case errors.As(err, &pixels):
		s.refuseUpload(w, http.StatusRequestEntityTooLarge, "%s", pixels.Error())
	case errors.Is(err, hub.ErrOverQuota):
		s.refuseUpload(w, http.StatusInsufficientStorage, "this file would take your files past your quota of %s", sizeText(s.opts.UploadQuota))
	case err != nil:
		s.log.Error("storing an upload failed", "err", err)
		s.refuseUpload(w, http.StatusInternalServerError, "the server could not store the file; try again")
	default:
		reply(w, http.StatusOK, uploadReply{File: &file})
	}
}

// uploadOnce returns the id a new upload of r takes: random, or, with an
// upload token (chat.UploadTokenParam), one derived from the user and the
// token, which nobody without the token can guess. again is the file a
// former upload with that token stored, if there is one: the answer to a
// try repeated after its answer was lost. err says why the token is
// refused.
func (s *Server) uploadOnce(r *http.Request, user string) (id string, again *chat.File, err error) {
	q := r.URL.Query()
	if !q.Has(chat.UploadTokenParam) {
		return rand.Text(), nil, nil
	}
	token := q.Get(chat.UploadTokenParam)
	if !chat.ValidUploadToken(token) {
		return "", nil, errors.New("the upload token is not 16 to 64 of A-Z, a-z, 0-9, _ and -")
	}
	sum := sha256.Sum256([]byte("chat upload\x00" + user + "\x00" + token))
	id = base32.StdEncoding.EncodeToString(sum[:])[:chat.FileIDLength]
	rec, err := s.files.File(r.Context(), id)
	if err == nil && rec.Owner == user {
		return id, &rec.File, nil
	}
	return id, nil, nil // unknown (or unreadable: storing it will say)
}

// refuseUpload answers an upload with status and a reason, and the code
// of the HTTP API's errors that goes with the status.
func (s *Server) refuseUpload(w http.ResponseWriter, status int, format string, args ...any) {
	code := chat.CodeBadRequest
	switch status {
	case http.StatusRequestEntityTooLarge:
		code = chat.CodeFileTooBig
	case http.StatusInsufficientStorage:
		code = chat.CodeOverQuota
	case http.StatusInternalServerError:
		code = chat.CodeInternal
	}
	reply(w, status, uploadReply{Code: code, Error: fmt.Sprintf(format, args...)})
}

// withinQuota answers 507 when n more bytes would take the user past the
// quota, before anything is read.
func (s *Server) withinQuota(w http.ResponseWriter, r *http.Request, user string, n int64) bool {
	used, err := s.files.Usage(r.Context(), user)
	if err != nil {
		s.log.Error("reading a user's usage failed", "err", err)
		s.refuseUpload(w, http.StatusInternalServerError, "the server could not read how much your files take; try again")
		return false
	}
	if used+n > s.opts.UploadQuota || used >= s.opts.UploadQuota {
		s.refuseUpload(w, http.StatusInsufficientStorage, "your files take %s of your quota of %s; this one does not fit", sizeText(used), sizeText(s.opts.UploadQuota))
		return false
	}
	return true
}

// receive streams the body, at most limit bytes, to a temporary file and
// returns it with the SHA-256 and the size of what it holds. The caller
// removes the file, also on error.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, limit int64) (*os.File, hash.Hash, int64, error) {
	tmp, err := os.CreateTemp(s.opts.UploadDir, "chat-upload-*")
	if err != nil {
		return nil, nil, 0, err
	}
	sum := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), http.MaxBytesReader(w, r.Body, limit))
	return tmp, sum, n, err
}

// storeUpload prepares the received file (package media; at most
// decodeSlots at once), records it as file id within the user's quota and
// stores its bytes. The store runs to its end even if the client goes: a record whose
// bytes could not be stored is deleted.
func (s *Server) storeUpload(ctx context.Context, id, user, name string, keep bool, tmp *os.File, sum hash.Hash, size int64) (chat.File, error) {
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return chat.File{}, err
	}
	select {
	case s.decodeSlots <- struct{}{}:
	case <-ctx.Done():
		return chat.File{}, ctx.Err()
	}
	p, err := media.Prepare(tmp, media.Options{MaxPixels: s.opts.MaxImagePixels, Keep: keep})
	<-s.decodeSlots
	if err != nil {
		return chat.File{}, err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	body := io.ReadSeeker(tmp)
	blob := hub.BlobKey([32]byte(sum.Sum(nil)))
	if p.Body != nil {
		body, size, blob = bytes.NewReader(p.Body), int64(len(p.Body)), hub.BlobKey(sha256.Sum256(p.Body))
		if p.Type == "image/png" && strings.HasSuffix(strings.ToLower(name), ".webp") {
			name = strings.TrimSuffix(name, name[len(name)-len(".webp"):]) + ".png"
		}
	}
	rec := hub.FileRecord{
		File:  chat.File{ID: id, Name: name, Type: p.Type, Size: size, Width: p.Width, Height: p.Height, Thumb: p.Thumb != nil},
		Owner: user, Blob: blob, Stored: size + int64(len(p.Thumb)), Created: time.Now().UnixMilli(),
	}
	if p.Thumb != nil {
		rec.ThumbBlob = hub.BlobKey(sha256.Sum256(p.Thumb))
	}
	rec, err = s.files.CreateFile(ctx, rec, s.opts.UploadQuota)
	if err != nil {
		return chat.File{}, err
	}
	if err := s.putBlobs(ctx, rec, body, p.Thumb); err != nil {
		if undo := s.files.DeleteFile(ctx, rec.ID); undo != nil {
			err = errors.Join(err, undo)
		}
		return chat.File{}, err
	}
	return rec.File, nil
}

// putBlobs stores the bytes of rec and of its thumbnail.
func (s *Server) putBlobs(ctx context.Context, rec hub.FileRecord, body io.ReadSeeker, thumb []byte) error {
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := s.files.PutBlob(ctx, rec.Object, body); err != nil {
		return err
	}
	if thumb != nil {
		return s.files.PutBlob(ctx, rec.ThumbObject, bytes.NewReader(thumb))
	}
	return nil
}

// serveFile sends file /files/<id>, or its thumbnail, to a user who may
// see it: its uploader, or a member of a conversation it was posted in
// (403 otherwise; an unknown id, or a file removed with the last message
// that carried it, is 404). Images are served inline, any
// other file as an attachment, and nothing served may run in this origin.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	id, thumb := r.PathValue("id"), strings.HasSuffix(r.URL.Path, "/thumb")
	if !chat.ValidFileID(id) {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	rec, err := s.files.File(r.Context(), id)
	if errors.Is(err, hub.ErrNotFound) || (err == nil && thumb && rec.ThumbBlob == "") {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.Error("reading a file's record failed", "err", err)
		http.Error(w, "the server could not read the file; try again", http.StatusInternalServerError)
		return
	}
	if status, reason := s.mayFetch(w, r, rec); status != http.StatusOK {
		http.Error(w, reason, status)
		return
	}
	object := rec.Object
	if thumb {
		object = rec.ThumbObject
	}
	body, size, err := s.files.Blob(r.Context(), object)
	if errors.Is(err, hub.ErrNotFound) && s.removed(r.Context(), id) {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	if err != nil {
		s.log.Error("opening a file failed", "id", id, "err", err)
		http.Error(w, "the server could not read the file; try again", http.StatusInternalServerError)
		return
	}
	defer body.Close()
	head := bufferedHead(body)
	h := w.Header()
	h.Set("Content-Security-Policy", fileSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("Content-Length", fmt.Sprint(size))
	h.Set("Content-Type", servedType(rec, thumb, head.peek))
	h.Set("Content-Disposition", disposition(rec, thumb))
	w.WriteHeader(http.StatusOK)
	io.Copy(w, head) // a reader gone midway is no error of ours
}

// removed reports whether file id is gone: its bytes were missing
// because the file was removed after its record was read (its last
// message deleted), not because they were never stored.
func (s *Server) removed(ctx context.Context, id string) bool {
	_, err := s.files.File(ctx, id)
	return errors.Is(err, hub.ErrNotFound)
}

// mayFetch says whether the request's user may fetch rec: 200, or the
// status and reason to answer.
func (s *Server) mayFetch(w http.ResponseWriter, r *http.Request, rec hub.FileRecord) (int, string) {
	v, err := s.visit(w, r)
	if err != nil {
		s.log.Error("reading a session failed", "err", err)
		return http.StatusInternalServerError, "the server could not read your session; try again"
	}
	if v.User.Key == "" {
		return http.StatusForbidden, "pick a name or sign in to see files"
	}
	if v.User.Key == rec.Owner {
		return http.StatusOK, ""
	}
	convs, err := s.opts.Storage.Directory.Memberships(r.Context(), v.User.Key)
	if err != nil {
		s.log.Error("reading memberships failed", "err", err)
		return http.StatusInternalServerError, "the server could not check your conversations; try again"
	}
	if slices.ContainsFunc(convs, func(conv string) bool { return rec.PostedIn(conv) && s.seesFileIn(r.Context(), v.User.Key, rec, conv) }) {
		return http.StatusOK, ""
	}
	return http.StatusForbidden, "this file was not posted in a conversation you are in"
}

// servedType is the Content-Type of rec (or of its thumbnail, sniffed from
// the bytes the server made): the type sniffed at upload, with a charset
// for text so that no browser guesses one.
func servedType(rec hub.FileRecord, thumb bool, head []byte) string {
	if thumb {
		return http.DetectContentType(head)
	}
	return rec.Type
}

// disposition is the Content-Disposition of rec: inline only for the
// images the server decoded, an attachment for everything else, with the
// file's name escaped (RFC 2231 for names beyond ASCII).
func disposition(rec hub.FileRecord, thumb bool) string {
	kind := "attachment"
	if thumb || rec.IsImage() {
		kind = "inline"
	}
	if d := mime.FormatMediaType(kind, map[string]string{"filename": rec.Name}); d != "" {
		return d
	}
	return kind
}

// cleanFileName keeps a file's base name: no directories, no control or
// format characters, valid UTF-8, at most maxFileNameBytes; "file" when
// nothing is left.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	for len(name) > maxFileNameBytes {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}

// sizeText writes a byte count for people: "25 MB", "1 GB", "300 KB".
func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.3g GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.3g MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.3g KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// peekReader is a reader whose first bytes were read ahead (peek) and are
// read again first.
type peekReader struct {
	peek []byte
	io.Reader
}

// bufferedHead reads up to 512 bytes of r ahead, for sniffing.
func bufferedHead(r io.Reader) *peekReader {
	head := make([]byte, 512)
	n, _ := io.ReadFull(r, head)
	head = head[:n]
	return &peekReader{peek: head, Reader: io.MultiReader(bytes.NewReader(head), r)}
}
