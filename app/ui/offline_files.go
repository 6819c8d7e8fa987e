package ui

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Files that wait in the outbox (client/uploads.go). A file attached while
// the server cannot be reached (offline, or its upload got no answer) is
// kept in the composer as waiting; the message sent with it carries it as
// an Upload, whose bytes (the browser's File) IndexedDB keeps beside the
// message. Once the connection is back, this tab uploads the waiting
// files of the outbox it holds (its own, and those it adopted from closed
// tabs), one at a time, in order, each with its token so that a repeated
// try is stored once; then the message goes out through the outbox as
// any other. A refusal for good fails the message with the server's
// reason; no answer, or a server that cannot take the file now, is tried
// again a little later, or at the next connection.

// uploadRetry is how long an outbox upload that got no answer waits
// before it is tried again while the page is online.
const uploadRetry = 15 * time.Second

// outboxUploads is the state of the outbox's uploads; it changes on the
// UI goroutine only.
type outboxUploads struct {
	busy     chat.MsgID // the message whose file is going up, while one is
	index    int
	xhr      app.Value
	funcs    []app.Func
	retrying bool              // a retry is scheduled
	previews map[string]string // upload token -> object URL of its image's local bytes
}

// going reports whether an upload is under way.
func (u *outboxUploads) going() bool { return u.xhr != nil }

// release frees the request's callbacks.
func (u *outboxUploads) release() {
	for _, f := range u.funcs {
		f.Release()
	}
	u.funcs, u.xhr = nil, nil
}

// uploadURL is where a file called name goes up, with its token.
func uploadURL(name, token string) string {
	return chat.UploadPath + "?name=" + url.QueryEscape(name) + "&" + chat.UploadTokenParam + "=" + url.QueryEscape(token)
}

// pumpUploads starts the next upload of the outbox, when the page is
// online and none is under way. The Shell calls it after every change.
func (s *Shell) pumpUploads() {
	ou := &s.ups
	if !app.IsClient || s.session == nil || ou.going() {
		return
	}
	id, index, u, ok := s.session.NextUpload()
	if !ok {
		return
	}
	blob, _ := u.Bytes.(app.Value)
	if blob == nil || !blob.Truthy() {
		s.session.UploadRefused(id, index, T(s.lang, "attach.lost"))
		s.rev++
		s.pumpUploads()
		return
	}
	model, root := s.model, s.root
	ou.busy, ou.index = id, index
	fn := func(f func(app.Value, []app.Value) any) app.Func {
		v := app.FuncOf(f)
		ou.funcs = append(ou.funcs, v)
		return v
	}
	xhr := app.Window().Get("XMLHttpRequest").New()
	ou.xhr = xhr
	xhr.Call("open", "POST", uploadURL(u.Name, u.Token))
	xhr.Call("addEventListener", "load", fn(func(app.Value, []app.Value) any {
		status, body := xhr.Get("status").Int(), xhr.Get("responseText").String()
		root.Dispatch(func(ctx app.Context) { s.outboxUploaded(ctx, model, id, index, status, body) })
		return nil
	}))
	noAnswer := fn(func(app.Value, []app.Value) any {
		root.Dispatch(func(ctx app.Context) { s.outboxUploaded(ctx, model, id, index, 0, "") })
		return nil
	})
	xhr.Call("addEventListener", "error", noAnswer)
	xhr.Call("addEventListener", "abort", noAnswer) // abortUpload
	xhr.Call("send", blob)
	s.rev++
}

// outboxUploaded takes the server's answer to the upload of file index of
// message id (status 0: none), then sends the message if it is ready and
// goes on with the next file.
func (s *Shell) outboxUploaded(ctx app.Context, model *client.Model, id chat.MsgID, index, status int, body string) {
	ou := &s.ups
	ou.release()
	ou.busy = chat.MsgID{}
	if model != s.model || s.model.Message(id) == nil {
		s.pumpUploads() // signed out, or cancelled meanwhile
		return
	}
	var reply struct {
		File  *chat.File `json:"file"`
		Error string     `json:"error"`
	}
	err := json.Unmarshal([]byte(body), &reply)
	switch {
	case err == nil && status == 200 && reply.File != nil:
		s.report(s.session.Uploaded(id, index, *reply.File)) // kept with the message; sent once all are up
	case client.UploadRefusedForGood(status):
		reason := reply.Error
		if err != nil || reason == "" {
			reason = T(s.lang, "attach.refused")
		}
		s.session.UploadRefused(id, index, reason)
	default:
		// No answer, or the server could not take it now: again a little
		// later (or at the next connection), never in a loop.
		s.rev++
		if !ou.retrying {
			ou.retrying = true
			ctx.After(uploadRetry, func(app.Context) {
				ou.retrying = false
				s.pumpUploads()
			})
		}
		return
	}
	s.rev++
	s.afterOutboxChange() // the next one
}

// afterOutboxChange follows every change of the outbox: the next file of
// the outbox goes up, and previews of files no longer waiting are let go.
func (s *Shell) afterOutboxChange() {
	s.pumpUploads()
	s.sweepPreviews()
}

// abortUpload stops the upload of message id's file, if one is going up:
// the message was cancelled.
func (s *Shell) abortUpload(id chat.MsgID) {
	ou := &s.ups
	if ou.going() && ou.busy == id {
		ou.xhr.Call("abort") // its abort event answers: the message gone, the next one goes
	}
}

// renderWaitingFile is a file of a pending message that waits to be
// uploaded: a preview of an image's local bytes, its name, size and where
// it stands.
func (ou *outboxUploads) renderWaitingFile(lang Lang, o *client.Outgoing, u client.Upload) app.UI {
	status := T(lang, "attach.waiting")
	switch {
	case u.Done():
		status = T(lang, "attach.uploaded")
	case o.Failed != "":
		status = T(lang, "attach.not.sent")
	case ou != nil && ou.going() && ou.busy == o.ID && ou.index < len(o.Uploads) &&
		o.Uploads[ou.index].Token == u.Token:
		status = T(lang, "attach.uploading")
	}
	preview := ou.preview(u)
	return app.Li().Class("waiting-file").DataSet("token", u.Token).Body(
		app.If(preview != "", func() app.UI {
			return app.Img().Class("waiting-thumb").Src(preview).Alt(u.Name).Attr("loading", "lazy")
		}),
		app.Span().Class("waiting-name").Text(u.Name),
		app.Span().Class("waiting-meta").Text(sizeLabel(u.Size)+" · "+status),
	)
}

// preview returns an object URL of the local bytes of an image waiting to
// be uploaded, made once per upload (sweepPreviews revokes it), or "".
func (ou *outboxUploads) preview(u client.Upload) string {
	if ou == nil || !app.IsClient || !strings.HasPrefix(u.Type, "image/") || u.Done() {
		return ""
	}
	if p, ok := ou.previews[u.Token]; ok {
		return p
	}
	blob, _ := u.Bytes.(app.Value)
	if blob == nil || !blob.Truthy() {
		return ""
	}
	if ou.previews == nil {
		ou.previews = make(map[string]string)
	}
	p := app.Window().Get("URL").Call("createObjectURL", blob).String()
	ou.previews[u.Token] = p
	return p
}

// sweepPreviews revokes the object URLs of files no longer waiting in the
// messages shown: uploaded, cancelled, sent.
func (s *Shell) sweepPreviews() {
	ou := &s.ups
	if len(ou.previews) == 0 {
		return
	}
	live := make(map[string]bool)
	for _, list := range [][]*client.Outgoing{s.model.Outbox, s.model.Others} {
		for _, o := range list {
			for _, u := range o.Uploads {
				if !u.Done() {
					live[u.Token] = true
				}
			}
		}
	}
	for token, p := range ou.previews {
		if !live[token] {
			app.Window().Get("URL").Call("revokeObjectURL", p)
			delete(ou.previews, token)
		}
	}
}

// thumbCache is the service worker's cache of thumbnails kept for offline
// use (server/web/app-worker.js).
const thumbCache = "chat-thumbs"

// forgetThumbs deletes the thumbnails the service worker kept, and
// returns when it is done (signing out). It blocks: call it off the UI
// goroutine.
func forgetThumbs() {
	if !app.IsClient {
		return
	}
	caches := app.Window().Get("caches")
	if !caches.Truthy() {
		return
	}
	done := make(chan struct{})
	settle := app.FuncOf(func(app.Value, []app.Value) any { close(done); return nil })
	defer settle.Release()
	caches.Call("delete", thumbCache).Call("then", settle, settle)
	select {
	case <-done:
	case <-time.After(3 * time.Second): // a browser whose storage hangs still signs out
	}
}

// offlineFilesText holds the strings of files waiting in the outbox; init
// adds them to text.
var offlineFilesText = map[string][2]string{
	"attach.waiting":   {"waiting to upload", "等待上传"},
	"attach.uploading": {"uploading…", "正在上传…"},
	"attach.uploaded":  {"uploaded", "已上传"},
	"attach.not.sent":  {"not sent", "未发送"},
	"attach.lost":      {"its bytes are gone from this browser; attach it again", "此浏览器中已没有该文件，请重新添加"},
	"attach.refused":   {"the server refused the file", "服务器拒绝了该文件"},
	"pending.files":    {"Waiting to upload its files", "等待上传文件"},
}

func init() { addText(offlineFilesText) }
