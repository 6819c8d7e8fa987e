package ui

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/founding/chat/app/chat"
)

// The Account panel's link to download all of one's data (chat.ExportPath):
// a plain link, so the browser streams the zip to disk.

// exportText holds the strings of the export link; init adds them to text.
var exportText = []phrase{
	{"export.link", "Download all my data", "下载我的全部数据"},
	{"export.hint", "A zip of your account, the conversations you are in, your messages and your files.", "一个 zip 文件：你的账户、你所在的会话、你的消息和文件。"},
}

func init() { addText(exportText) }

// renderExport is the Account panel's export link, beside Sign out so
// that the panel grows no taller; its title says what the zip holds.
func renderExport(l Lang) app.UI {
	return app.A().ID("export-link").Href(chat.ExportPath).Attr("download", "").
		Title(T(l, "export.hint")).Text(T(l, "export.link"))
}
