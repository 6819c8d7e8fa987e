package ui

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"html"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/app/client"
)

// Attachments in the browser: files chosen with the paperclip, dropped on
// the conversation or pasted into the composer go up one by one over
// XMLHttpRequest (chat.UploadPath), each with its progress and a Cancel;
// the next message sent carries those that arrived, the text as their
// caption. In the timeline, images show as thumbnails that open a viewer
// (a dialog: Escape closes it, the arrow keys go to the conversation's
// previous and next image); other files as a card with name, type and size.
// A file over the server's limit (Welcome's limits) is refused here,
// before anything is sent.

// attachState is a composer's share of attachments: its uploads and the
// image open in the viewer. The conversation pane and the thread panel
// (thread.go) each hold one, told apart by the prefix of its elements'
// ids. It changes on the UI goroutine only.
type attachState struct {
	id      string                     // the prefix of its elements' ids: "" for the conversation's, "thread-" for the thread's
	root    app.Context                // its owner's, once mounted: what comes after a render goes through it
	env     func() (Lang, bool, int64) // the language, whether online, the server's largest upload; nil until mounted
	notify  func(app.Context, string)  // shows a notice
	uploads []*upload
	next    int         // the key of the next upload
	viewing string      // the id of the image in the viewer, or ""
	opener  string      // the id of the thumbnail that opened it, to focus again
	shown   []chat.File // the images the viewer goes through, as last rendered
}

// The handlers below take what they act on from the state or from the
// element's data attributes, never from a closure over one render: go-app
// keeps the first handler of an element while its function is the same
// code (it compares them by pointer), so a closure would act on the data
// of the render that first drew the element.

// upload is one file of the composer: going up (sent of size bytes),
// arrived (file), refused (err), or waiting for the connection (waiting:
// attached offline, or the server could not be reached; it goes with the
// message through the outbox, offline_files.go). token makes its upload
// idempotent (chat.UploadTokenParam), the same for every try.
type upload struct {
	key     int
	name    string
	size    int64
	typ     string
	sent    int64
	file    *chat.File
	err     string
	waiting bool
	blob    app.Value // the File, kept for the outbox while waiting
	token   string
	xhr     app.Value
	funcs   []app.Func
}

// busy reports whether the upload is still under way.
func (u *upload) busy() bool { return u.file == nil && u.err == "" && !u.waiting }

// release frees the callbacks of the upload's request.
func (u *upload) release() {
	for _, f := range u.funcs {
		f.Release()
	}
	u.funcs, u.xhr = nil, nil
}

// mount ties the state to its owner: the prefix of its elements' ids,
// the owner's context, what it reads of the owner and how it shows a
// notice.
func (a *attachState) mount(id string, root app.Context, env func() (Lang, bool, int64), notify func(app.Context, string)) {
	a.id, a.root, a.env, a.notify = id, root, env, notify
}

// el is the id of its element named name.
func (a *attachState) el(name string) string { return a.id + name }

// listen listens, in the browser, for files dropped on the element of
// the selector container (the conversation, the thread panel) and images
// pasted into its composer; the function it returns stops listening.
func (a *attachState) listen(container string) func() {
	w := app.Window()
	inConversation := func(e app.Value) bool {
		t := e.Get("target")
		return t.Truthy() && t.Get("closest").Truthy() && t.Call("closest", container).Truthy()
	}
	hasFiles := func(dt app.Value) bool {
		if !dt.Truthy() {
			return false
		}
		types := dt.Get("types")
		for i := range types.Length() {
			if types.Index(i).String() == "Files" {
				return true
			}
		}
		return false
	}
	dragover := app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		if inConversation(e) && hasFiles(e.Get("dataTransfer")) {
			e.Call("preventDefault")
			e.Get("dataTransfer").Set("dropEffect", "copy")
		}
		return nil
	})
	drop := app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		if !inConversation(e) || !hasFiles(e.Get("dataTransfer")) {
			return nil
		}
		e.Call("preventDefault")
		files := fileList(e.Get("dataTransfer").Get("files"))
		a.root.Dispatch(func(ctx app.Context) { a.add(ctx, files) })
		return nil
	})
	paste := app.FuncOf(func(_ app.Value, args []app.Value) any {
		e := args[0]
		data := e.Get("clipboardData")
		if !inConversation(e) || !data.Truthy() || data.Get("files").Length() == 0 {
			return nil
		}
		e.Call("preventDefault")
		files := fileList(data.Get("files"))
		a.root.Dispatch(func(ctx app.Context) { a.add(ctx, files) })
		return nil
	})
	listeners := []struct {
		event string
		f     app.Func
	}{{"dragover", dragover}, {"drop", drop}, {"paste", paste}}
	for _, l := range listeners {
		w.Call("addEventListener", l.event, l.f)
	}
	return func() {
		for _, l := range listeners {
			w.Call("removeEventListener", l.event, l.f)
			l.f.Release()
		}
	}
}

// fileList copies a FileList, which the browser may empty once the event
// is over.
func fileList(list app.Value) []app.Value {
	out := make([]app.Value, 0, list.Length())
	for i := range list.Length() {
		out = append(out, list.Index(i))
	}
	return out
}

// add starts an upload for each file, refusing at once those over the
// server's limit.
func (a *attachState) add(ctx app.Context, files []app.Value) {
	lang, online, limit := a.env()
	for _, f := range files {
		a.next++
		u := &upload{key: a.next, name: f.Get("name").String(), size: int64(f.Get("size").Float()),
			typ: f.Get("type").String(), blob: f, token: rand.Text()}
		a.uploads = append(a.uploads, u)
		switch {
		case limit == 0 && online:
			u.err = T(lang, "attach.none")
		case limit > 0 && u.size > limit:
			u.err = T(lang, "attach.too.big", sizeLabel(limit))
		case !online:
			u.waiting = true // offline: it goes with its message, through the outbox
		default:
			a.begin(u, f)
		}
	}
}

// begin sends the bytes of f; what happens comes back through the
// owner's context, which outlives the controls.
func (a *attachState) begin(u *upload, f app.Value) {
	root := a.root
	changed := func(fn func()) {
		root.Dispatch(func(app.Context) { fn() })
	}
	fn := func(f func(app.Value, []app.Value) any) app.Func {
		v := app.FuncOf(f)
		u.funcs = append(u.funcs, v)
		return v
	}
	xhr := app.Window().Get("XMLHttpRequest").New()
	u.xhr = xhr
	xhr.Call("open", "POST", uploadURL(u.name, u.token))
	xhr.Get("upload").Call("addEventListener", "progress", fn(func(_ app.Value, args []app.Value) any {
		sent := int64(args[0].Get("loaded").Float())
		if sent*100/max(u.size, 1) != u.sent*100/max(u.size, 1) {
			changed(func() { u.sent = sent })
		}
		return nil
	}))
	xhr.Call("addEventListener", "load", fn(func(app.Value, []app.Value) any {
		status, body := xhr.Get("status").Int(), xhr.Get("responseText").String()
		changed(func() { a.arrived(u, status, body) })
		return nil
	}))
	xhr.Call("addEventListener", "error", fn(func(app.Value, []app.Value) any {
		// No answer: the server is out of reach. The file waits for the
		// connection and goes with its message (offline_files.go).
		changed(func() { u.waiting, u.sent = true, 0; u.release() })
		return nil
	}))
	xhr.Call("send", f)
}

// arrived takes the server's answer to upload u.
func (a *attachState) arrived(u *upload, status int, body string) {
	defer u.release()
	var reply struct {
		File  *chat.File `json:"file"`
		Error string     `json:"error"`
	}
	err := json.Unmarshal([]byte(body), &reply)
	switch {
	case err == nil && status == 200 && reply.File != nil:
		u.file, u.sent = reply.File, u.size
	case !client.UploadRefusedForGood(status):
		u.waiting, u.sent = true, 0 // the server could not take it now: later, through the outbox
	case err == nil && reply.Error != "":
		u.err = reply.Error
	default:
		lang, _, _ := a.env()
		u.err = T(lang, "attach.failed")
	}
}

// cancel stops upload key, or drops it from the composer once done.
func (a *attachState) cancel(key int) {
	for i, u := range a.uploads {
		if u.key != key {
			continue
		}
		if u.xhr != nil {
			u.xhr.Call("abort")
		}
		u.release()
		a.uploads = append(a.uploads[:i:i], a.uploads[i+1:]...)
		return
	}
}

// ready returns the files that arrived, those that wait for the
// connection, and whether any is still going up.
func (a *attachState) ready() (files []chat.File, waiting []client.Upload, busy bool) {
	for _, u := range a.uploads {
		switch {
		case u.file != nil:
			files = append(files, *u.file)
		case u.waiting:
			w := client.NewUpload(u.name, u.size, u.typ, u.blob)
			w.Token = u.token // the same file for the server, should a try have reached it
			waiting = append(waiting, w)
		}
		busy = busy || u.busy()
	}
	return files, waiting, busy
}

// sent empties the composer's uploads once their message is written.
func (a *attachState) sent() {
	for _, u := range a.uploads {
		u.release()
	}
	a.uploads = nil
}

// take returns the files the next message carries (uploaded, and
// waiting for the connection), or false with a notice when some are still
// going up.
func (a *attachState) take(ctx app.Context, lang Lang) ([]chat.File, []client.Upload, bool) {
	files, waiting, busy := a.ready()
	if busy {
		if a.notify != nil {
			a.notify(ctx, T(lang, "attach.wait"))
		}
		return nil, nil, false
	}
	return files, waiting, true
}

// count is how many uploads the composer holds (none without a state:
// a pane rendered alone, in tests).
func (a *attachState) count() int {
	if a == nil {
		return 0
	}
	return len(a.uploads)
}

// renderTray is the paperclip and the composer's uploads.
func (a *attachState) renderTray(lang Lang) app.UI {
	if a == nil {
		return nil
	}
	return app.Div().ID(a.el("attach-tray")).Class("attach-tray").Body(
		app.Input().Type("file").ID(a.el("attach-input")).Multiple(true).Hidden(true).OnChange(a.onPicked),
		app.Button().ID(a.el("attach")).Type("button").Class("attach-button").
			Aria("label", T(lang, "attach.button")).Title(T(lang, "attach.button")).Body(app.Raw(iconPaperclip)).
			OnClick(a.onPaperclip),
		app.If(len(a.uploads) > 0, func() app.UI {
			return app.Ul().ID(a.el("uploads")).Class("uploads").Aria("label", T(lang, "attach.list")).Body(
				app.Range(a.uploads).Slice(func(i int) app.UI { return a.renderUpload(lang, a.uploads[i]) }),
			)
		}),
	)
}

// onPaperclip opens the browser's file chooser.
func (a *attachState) onPaperclip(app.Context, app.Event) {
	app.Window().GetElementByID(a.el("attach-input")).Call("click")
}

// onCancelUpload cancels (or removes) the upload its button names.
func (a *attachState) onCancelUpload(ctx app.Context, e app.Event) {
	key, err := strconv.Atoi(ctx.JSSrc().Get("dataset").Get("key").String())
	if err == nil {
		a.cancel(key)
	}
}

func (a *attachState) renderUpload(lang Lang, u *upload) app.UI {
	key := u.key
	state, status := "done", sizeLabel(u.size)
	switch {
	case u.err != "":
		state, status = "failed", u.err
	case u.waiting:
		state, status = "waiting", sizeLabel(u.size)+" · "+T(lang, "attach.waiting")
	case u.busy():
		state, status = "sending", fmt.Sprintf("%d%%", u.sent*100/max(u.size, 1))
	}
	button := "btn.cancel"
	if !u.busy() {
		button = "attach.remove"
	}
	return app.Li().Class("upload", state).DataSet("key", key).Body(
		app.Span().Class("upload-name").Text(u.name),
		app.If(u.busy(), func() app.UI {
			return app.Progress().Class("upload-progress").Max(max(u.size, 1)).Value(u.sent).
				Aria("label", T(lang, "attach.progress.label", u.name))
		}),
		app.Span().Class("upload-status").Text(status),
		app.Button().Type("button").Class("link", "upload-cancel").Text(T(lang, button)).
			Aria("label", T(lang, button)+" "+u.name).DataSet("key", key).OnClick(a.onCancelUpload),
	)
}

// onPicked starts the uploads of the files chosen with the paperclip.
func (a *attachState) onPicked(ctx app.Context, e app.Event) {
	input := e.Get("target")
	files := fileList(input.Get("files"))
	input.Set("value", "") // the same file may be chosen again
	a.add(ctx, files)
}

// renderFiles shows the attachments of message e.
func (a *attachState) renderFiles(lang Lang, e chat.Entry) app.UI {
	if len(e.Files) == 0 {
		return nil
	}
	return app.Div().Class("files").Body(
		app.Range(e.Files).Slice(func(i int) app.UI {
			f := e.Files[i]
			if f.IsImage() && f.Thumb {
				return a.renderThumb(lang, f)
			}
			return renderFileCard(lang, f)
		}),
	)
}

// thumbSize is the largest side of a thumbnail, as the server makes it.
const thumbSize = 320

func (a *attachState) renderThumb(lang Lang, f chat.File) app.UI {
	name := html.UnescapeString(f.Name)
	w, h := thumbBox(f.Width, f.Height)
	return app.Button().Type("button").Class("file-thumb").DataSet("file", f.ID).
		Aria("label", T(lang, "attach.open", name)).OnClick(a.onThumb).Body(
		app.Img().Src(chat.FilesPath+"/"+f.ID+"/thumb").Alt(name).Width(w).Height(h).Attr("loading", "lazy"),
	)
}

// onThumb opens the image of the thumbnail clicked.
func (a *attachState) onThumb(ctx app.Context, e app.Event) {
	if a == nil || a.env == nil {
		return
	}
	a.open(ctx, ctx.JSSrc().Get("dataset").Get("file").String())
}

// thumbBox is the size a thumbnail shows at: the image's, within thumbSize.
func thumbBox(w, h int) (int, int) {
	if w <= 0 || h <= 0 {
		return thumbSize, thumbSize
	}
	if w > thumbSize || h > thumbSize {
		if w >= h {
			return thumbSize, max(1, h*thumbSize/w)
		}
		return max(1, w*thumbSize/h), thumbSize
	}
	return w, h
}

func renderFileCard(lang Lang, f chat.File) app.UI {
	name := html.UnescapeString(f.Name)
	return app.A().Class("file-card").Href(chat.FilesPath+"/"+f.ID).Attr("download", name).DataSet("file", f.ID).
		Aria("label", T(lang, "attach.download", name)).Body(
		app.Span().Class("file-icon").Body(app.Raw(iconFile)),
		app.Span().Class("file-name").Text(name),
		app.Span().Class("file-meta").Text(typeLabel(f.Type)+" · "+sizeLabel(f.Size)),
	)
}

// typeLabel is a media type without its parameters.
func typeLabel(t string) string {
	for i, r := range t {
		if r == ';' {
			return t[:i]
		}
	}
	return t
}

// sizeLabel writes a byte count for people.
func sizeLabel(n int64) string {
	switch {
	case n >= 1<<30:
		return strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + " GB"
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + " KB"
	}
	return fmt.Sprintf("%d B", n)
}

// renderPendingFiles names the attachments of a message in the outbox:
// those uploaded, then those waiting to be (offline_files.go).
func (ou *outboxUploads) renderPendingFiles(lang Lang, o *client.Outgoing) app.UI {
	if len(o.Files) == 0 && len(o.Uploads) == 0 {
		return nil
	}
	return app.Ul().Class("pending-files").Body(
		app.Range(o.Files).Slice(func(i int) app.UI {
			return app.Li().Text(html.UnescapeString(o.Files[i].Name) + " · " + sizeLabel(o.Files[i].Size))
		}),
		app.Range(o.Uploads).Slice(func(i int) app.UI { return ou.renderWaitingFile(lang, o, o.Uploads[i]) }),
	)
}

// images lists the images of conversation c, oldest first: what the
// viewer's arrow keys go through.
func images(c *client.Conversation) []chat.File {
	var out []chat.File
	for _, e := range c.Entries {
		for _, f := range e.Files {
			if f.IsImage() {
				out = append(out, f)
			}
		}
	}
	return out
}

// open shows image id in the viewer and moves the focus into it.
func (a *attachState) open(ctx app.Context, id string) {
	a.viewing, a.opener = id, id
	ctx.Defer(func(app.Context) { focusElement(a.el("viewer")) })
}

// close hides the viewer and gives the focus back to the thumbnail that
// opened it.
func (a *attachState) close(ctx app.Context) {
	opener := a.opener
	a.viewing, a.opener = "", ""
	// Through the owner's context: the viewer's own, where the key was
	// pressed, is gone once it closes, and defers nothing.
	a.root.Defer(func(app.Context) {
		if el := app.Window().Get("document").Call("querySelector", `.file-thumb[data-file="`+opener+`"]`); el.Truthy() {
			el.Call("focus")
		}
	})
}

// focusElement focuses the element of id, if it is there.
func focusElement(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// renderViewer is the image open in the viewer, over the conversation.
func (a *attachState) renderViewer(lang Lang, c *client.Conversation) app.UI {
	if a == nil || a.viewing == "" {
		return nil
	}
	a.shown = images(c)
	at := a.viewed()
	if at < 0 {
		return nil
	}
	f := a.shown[at]
	name := html.UnescapeString(f.Name)
	return app.Div().Class("viewer-backdrop").OnClick(a.onBackdrop).Body(
		app.Div().ID(a.el("viewer")).Class("viewer").Role("dialog").Aria("modal", "true").
			Aria("label", T(lang, "viewer.label", name)).TabIndex(-1).OnKeyDown(a.onViewerKey).Body(
			app.Img().ID(a.el("viewer-image")).Src(chat.FilesPath+"/"+f.ID).Alt(name),
			app.Div().Class("viewer-bar").Body(
				app.Button().ID(a.el("viewer-prev")).Type("button").Disabled(at == 0).
					Aria("label", T(lang, "viewer.prev")).Text("‹").OnClick(a.onPrev),
				app.Span().ID(a.el("viewer-caption")).Class("viewer-caption").Text(T(lang, "viewer.position", name, at+1, len(a.shown))),
				app.Button().ID(a.el("viewer-next")).Type("button").Disabled(at == len(a.shown)-1).
					Aria("label", T(lang, "viewer.next")).Text("›").OnClick(a.onNext),
				app.A().Class("viewer-download").Href(chat.FilesPath+"/"+f.ID).Attr("download", name).Text(T(lang, "viewer.download")),
				app.Button().ID(a.el("viewer-close")).Type("button").Text(T(lang, "viewer.close")).OnClick(a.onClose),
			),
		),
	)
}

// viewed is the index of the viewer's image in shown, or -1.
func (a *attachState) viewed() int {
	for i, f := range a.shown {
		if f.ID == a.viewing {
			return i
		}
	}
	return -1
}

// step shows the image by places after the one in view, if there is one.
func (a *attachState) step(by int) {
	if next := a.viewed() + by; a.viewed() >= 0 && next >= 0 && next < len(a.shown) {
		a.viewing = a.shown[next].ID
	}
}

func (a *attachState) onPrev(app.Context, app.Event)        { a.step(-1) }
func (a *attachState) onNext(app.Context, app.Event)        { a.step(1) }
func (a *attachState) onClose(ctx app.Context, _ app.Event) { a.close(ctx) }

// onBackdrop closes the viewer on a click beside the image.
func (a *attachState) onBackdrop(ctx app.Context, e app.Event) {
	if e.Get("target").Equal(e.Get("currentTarget")) {
		a.close(ctx)
	}
}

// onViewerKey: Escape closes the viewer (and only the viewer: not the
// thread panel around it), the arrows go to the previous and next image.
func (a *attachState) onViewerKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Escape":
		e.PreventDefault()
		e.Call("stopPropagation")
		a.close(ctx)
	case "ArrowRight":
		e.PreventDefault()
		a.step(1)
	case "ArrowLeft":
		e.PreventDefault()
		a.step(-1)
	}
}

// attachText holds the strings of attachments; init adds them to text.
var attachText = []phrase{
	{"attach.button", "Attach files", "添加附件"},
	{"attach.list", "Files to send", "待发送的文件"},
	{"attach.progress.label", "Uploading %s", "正在上传 %s"},
	{"attach.remove", "Remove", "移除"},
	{"attach.none", "This server takes no files.", "此服务器不接受文件。"},
	{"attach.too.big", "Too large: files of at most %s are taken.", "文件过大：最大 %s。"},
	{"attach.failed", "The upload failed; try again.", "上传失败，请重试。"},
	{"attach.wait", "Wait for the files to finish uploading, or cancel them.", "请等待文件上传完成，或取消上传。"},
	{"attach.open", "Open image %s", "查看图片 %s"},
	{"attach.download", "Download %s", "下载 %s"},
	{"viewer.label", "Image: %s", "图片：%s"},
	{"viewer.position", "%s (%d of %d)", "%s（第 %d 张，共 %d 张）"},
	{"viewer.prev", "Previous image", "上一张"},
	{"viewer.next", "Next image", "下一张"},
	{"viewer.download", "Download", "下载"},
	{"viewer.close", "Close", "关闭"},
}

func init() { addText(attachText) }

// Icons of attachments, drawn like those of theme.go.
const (
	iconPaperclip = `<svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false"><path d="M20.5 11.5l-8.2 8.2a5 5 0 0 1-7.1-7.1l8.5-8.5a3.5 3.5 0 0 1 5 5l-8.5 8.5a2 2 0 0 1-2.8-2.8l7.8-7.8" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"/></svg>`
	iconFile      = `<svg viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" focusable="false"><path d="M6 2.5h8l5 5v14H6z" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/><path d="M14 2.5v5h5" fill="none" stroke="currentColor" stroke-width="1.8" stroke-linejoin="round"/></svg>`
)
