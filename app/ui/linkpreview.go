package ui

import (
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// linkPreviewText holds the strings of link previews; init adds them to
// text.
var linkPreviewText = []phrase{
	{"preview.card", "Link preview", "链接预览"},
	{"preview.remove", "Remove preview", "移除预览"},
	{"preview.remove.title", "Remove the preview of this link for everyone", "为所有人移除此链接的预览"},
	{"act.failed.unpreview", "The preview was not removed: %s", "预览未移除：%s"},
}

func init() { addText(linkPreviewText) }

// renderLinkPreview is the card under message e that shows the page its
// first link leads to (chat.LinkPreview): the site, the title as a link
// that opens apart and tells the page nothing of this one, the
// description and the thumbnail the server stored. Every string is the
// page's, shown as text. Its author, or a room's moderator, may remove it;
// a removal waiting in the outbox hides it already.
func (p *conversationPane) renderLinkPreview(e chat.Entry) app.UI {
	lp := e.Preview
	if e.Deleted || lp == nil || !lp.SafeURL() || p.Imodel.PendingOn(e.Conv, e.Seq).Unpreview != nil {
		return nil
	}
	l := p.Ilang
	title := lp.Title
	if title == "" {
		title = lp.URL
	}
	var thumb app.UI
	if id, ok := strings.CutPrefix(lp.Image, chat.FilesPath+"/"); ok && chat.ValidFileID(id) {
		// Only the server's own copy: a page's image is never loaded
		// from the page's host, which would learn who reads the message.
		img := app.Img().Class("preview-thumb").Src(chat.FilesPath+"/"+id).Alt(title).Attr("loading", "lazy")
		if lp.Width > 0 && lp.Height > 0 {
			img = img.Width(lp.Width).Height(lp.Height)
		}
		thumb = img
	}
	removable := p.mine(e) || mayModerate(p.Imodel.Convs[e.Conv])
	return app.Div().Class("link-preview").Role("group").Aria("label", T(l, "preview.card")).Body(
		thumb,
		app.Div().Class("preview-body").Body(
			app.If(lp.Site != "", func() app.UI { return app.Div().Class("preview-site").Text(lp.Site) }),
			app.A().Class("preview-title").Href(lp.URL).Target("_blank").Rel("noopener noreferrer nofollow").Text(title),
			app.If(lp.Description != "", func() app.UI { return app.P().Class("preview-desc").Text(lp.Description) }),
			app.If(removable, func() app.UI {
				return app.Button().Type("button").Class("link", "preview-remove").Title(T(l, "preview.remove.title")).
					Text(T(l, "preview.remove")).OnClick(p.onMessage(e.Conv, e.Seq, p.unpreview))
			}),
		),
	)
}

// unpreview removes the link preview of message e, through the outbox.
func (p *conversationPane) unpreview(ctx app.Context, e chat.Entry) {
	if p.Isession == nil {
		return
	}
	if _, err := p.Isession.Unpreview(e.Conv, e.Seq); err != nil {
		p.notify(ctx, errorText(p.Ilang, err))
		return
	}
	p.outboxChanged(ctx)
}
