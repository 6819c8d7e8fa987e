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

// outboxUploads goes through the outbox's files, one upload at a time;
// it changes on the UI goroutine only. The Shell makes it once mounted
// (newOutboxUploads) and calls changed after every change of the outbox.
type outboxUploads struct {
	session *client.Session
	lang    *Lang       // the page's language, for the reasons it writes
	root    app.Context // the Shell's: answers come back through it
	report  func(error) // shows what failed, and re-renders

	busy     chat.MsgID // the message whose file is going up, while one is
	index    int
	xhr      app.Value
	funcs    []app.Func
	retrying bool              // a retry is scheduled
	previews map[string]string // upload token -> object URL of its image's local bytes
}

// newOutboxUploads returns the uploads of session's outbox; what fails, and
// every step, is reported through report (nil: a step, to re-render).
func newOutboxUploads(session *client.Session, lang *Lang, root app.Context, report func(error)) *outboxUploads {
	return &outboxUploads{session: session, lang: lang, root: root, report: report}
}

// going reports whether an upload is under way.
func (u *outboxUploads) going() bool { return u != nil && u.xhr != nil }

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

// changed follows every change of the outbox: the next file of the outbox
// goes up, and previews of files no longer waiting are let go.
func (u *outboxUploads) changed() {
	if u == nil {
		return
	}
	u.pump()
	u.sweepPreviews()
}

// pump starts the next upload of the outbox, when none is under way.
func (u *outboxUploads) pump() {
	if !app.IsClient || u.session == nil || u.going() {
		return
	}
	id, index, up, ok := u.session.NextUpload()
	if !ok {
		return
	}
	blob, _ := up.Bytes.(app.Value)
	if blob == nil || !blob.Truthy() {
		u.session.UploadRefused(id, index, T(*u.lang, "attach.lost"))
		u.report(nil)
		u.pump()
		return
	}
	model := u.session.Model()
	u.busy, u.index = id, index
	fn := func(f func(app.Value, []app.Value) any) app.Func {
		v := app.FuncOf(f)
		u.funcs = append(u.funcs, v)
		return v
	}
	xhr := app.Window().Get("XMLHttpRequest").New()
	u.xhr = xhr
	xhr.Call("open", "POST", uploadURL(up.Name, up.Token))
	xhr.Call("addEventListener", "load", fn(func(app.Value, []app.Value) any {
		status, body := xhr.Get("status").Int(), xhr.Get("responseText").String()
		u.root.Dispatch(func(ctx app.Context) { u.uploaded(ctx, model, id, index, status, body) })
		return nil
	}))
	noAnswer := fn(func(app.Value, []app.Value) any {
		u.root.Dispatch(func(ctx app.Context) { u.uploaded(ctx, model, id, index, 0, "") })
		return nil
	})
	xhr.Call("addEventListener", "error", noAnswer)
	xhr.Call("addEventListener", "abort", noAnswer) // abort
	xhr.Call("send", blob)
	u.report(nil)
}

// uploaded takes the server's answer to the upload of file index of
// message id (status 0: none), then sends the message if it is ready and
// goes on with the next file.
func (u *outboxUploads) uploaded(ctx app.Context, model *client.Model, id chat.MsgID, index, status int, body string) {
	u.release()
	u.busy = chat.MsgID{}
	if model != u.session.Model() || model.Message(id) == nil {
		u.pump() // signed out, or cancelled meanwhile
		return
	}
	var reply struct {
		File  *chat.File `json:"file"`
		Error string     `json:"error"`
	}
	err := json.Unmarshal([]byte(body), &reply)
	switch {
	case err == nil && status == 200 && reply.File != nil:
		u.report(u.session.Uploaded(id, index, *reply.File)) // kept with the message; sent once all are up
	case client.UploadRefusedForGood(status):
		reason := reply.Error
		if err != nil || reason == "" {
			reason = T(*u.lang, "attach.refused")
		}
		u.session.UploadRefused(id, index, reason)
		u.report(nil)
	default:
		// No answer, or the server could not take it now: again a little
		// later (or at the next connection), never in a loop.
		u.report(nil)
		if !u.retrying {
			u.retrying = true
			ctx.After(uploadRetry, func(app.Context) {
				u.retrying = false
				u.pump()
			})
		}
		return
	}
	u.changed() // the next one
}

// abort stops the upload of message id's file, if one is going up: the
// message was cancelled.
func (u *outboxUploads) abort(id chat.MsgID) {
	if u.going() && u.busy == id {
		u.xhr.Call("abort") // its abort event answers: the message gone, the next one goes
	}
}

// renderWaitingFile is a file of a pending message that waits to be
// uploaded: a preview of an image's local bytes, its name, size and where
// it stands.
func (u *outboxUploads) renderWaitingFile(lang Lang, o *client.Outgoing, up client.Upload) app.UI {
	status := T(lang, "attach.waiting")
	switch {
	case up.Done():
		status = T(lang, "attach.uploaded")
	case o.Failed != "":
		status = T(lang, "attach.not.sent")
	case u != nil && u.going() && u.busy == o.ID && u.index < len(o.Uploads) &&
		o.Uploads[u.index].Token == up.Token:
		status = T(lang, "attach.uploading")
	}
	preview := u.preview(up)
	return app.Li().Class("waiting-file").DataSet("token", up.Token).Body(
		app.If(preview != "", func() app.UI {
			return app.Img().Class("waiting-thumb").Src(preview).Alt(up.Name).Attr("loading", "lazy")
		}),
		app.Span().Class("waiting-name").Text(up.Name),
		app.Span().Class("waiting-meta").Text(sizeLabel(up.Size)+" · "+status),
	)
}

// preview returns an object URL of the local bytes of an image waiting to
// be uploaded, made once per upload (sweepPreviews revokes it), or "".
func (u *outboxUploads) preview(up client.Upload) string {
	if u == nil || !app.IsClient || !strings.HasPrefix(up.Type, "image/") || up.Done() {
		return ""
	}
	if p, ok := u.previews[up.Token]; ok {
		return p
	}
	blob, _ := up.Bytes.(app.Value)
	if blob == nil || !blob.Truthy() {
		return ""
	}
	if u.previews == nil {
		u.previews = make(map[string]string)
	}
	p := app.Window().Get("URL").Call("createObjectURL", blob).String()
	u.previews[up.Token] = p
	return p
}

// sweepPreviews revokes the object URLs of files no longer waiting in the
// messages shown: uploaded, cancelled, sent.
func (u *outboxUploads) sweepPreviews() {
	if len(u.previews) == 0 {
		return
	}
	m := u.session.Model()
	live := make(map[string]bool)
	for _, list := range [][]*client.Outgoing{m.Outbox, m.Others} {
		for _, o := range list {
			for _, up := range o.Uploads {
				if !up.Done() {
					live[up.Token] = true
				}
			}
		}
	}
	for token, p := range u.previews {
		if !live[token] {
			app.Window().Get("URL").Call("revokeObjectURL", p)
			delete(u.previews, token)
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
var offlineFilesText = []phrase{
	{"attach.waiting", "waiting to upload", "等待上传"},
	{"attach.uploading", "uploading…", "正在上传…"},
	{"attach.uploaded", "uploaded", "已上传"},
	{"attach.not.sent", "not sent", "未发送"},
	{"attach.lost", "its bytes are gone from this browser; attach it again", "此浏览器中已没有该文件，请重新添加"},
	{"attach.refused", "the server refused the file", "服务器拒绝了该文件"},
	{"pending.files", "Waiting to upload its files", "等待上传文件"},
}

func init() { addText(offlineFilesText) }
