package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// Lang is an interface language.
type Lang string

// Supported languages.
const (
	English Lang = "en"
	Chinese Lang = "zh"
)

// LangFor picks the interface language for a browser language tag such as
// "zh-CN" or "en-US": Chinese for any zh tag, English otherwise.
func LangFor(tag string) Lang {
	if strings.HasPrefix(strings.ToLower(tag), "zh") {
		return Chinese
	}
	return English
}

// phrase is one interface string in each language. Each part of the UI
// keeps its phrases in a table of its own (static data, no code) and adds
// them to text at init.
type phrase struct{ key, en, zh string }

// text holds every interface string, by key: English, then Chinese.
var text = map[string][2]string{}

func init() { addText(basicText) }

// basicText holds the strings of the page's frame, sign-in and rooms.
var basicText = []phrase{
	{"app.title", "Chat", "聊天"},
	{"name.title", "Pick a nickname", "选择昵称"},
	{"name.hint", "1 to 32 letters, digits or _ - .", "1 到 32 个字母、数字或 _ - ."},
	{"name.label", "Nickname", "昵称"},
	{"name.release", "Without a password, a name unused for %d days becomes free for someone else. Set a password under Account to keep it.", "未设置密码的昵称若 %d 天未使用，将可被他人选用。在“账户”中设置密码即可保留。"},
	{"name.submit", "Start chatting", "开始聊天"},
	{"state.connecting", "Connecting…", "正在连接…"},
	{"state.online", "Online", "在线"},
	{"state.reconnecting", "Reconnecting…", "正在重新连接…"},
	{"state.retry", "Reconnecting in %ds…", "%d 秒后重新连接…"},
	{"state.offline", "Offline", "离线"},
	{"btn.disconnect", "Disconnect", "断开"},
	{"btn.reconnect", "Reconnect", "重新连接"},
	{"btn.lang", "中文", "English"},
	{"btn.send", "Send", "发送"},
	{"btn.join", "Join", "加入"},
	{"btn.leave", "Leave room", "退出房间"},
	{"btn.older", "Load older messages", "加载更早的消息"},
	{"btn.dismiss", "Dismiss", "关闭"},
	{"btn.discard", "Discard", "丢弃"},
	{"nav.rooms", "Conversations", "会话"},
	{"nav.chat", "Chat", "聊天"},
	{"nav.people", "People", "成员"},
	{"rooms.title", "Conversations", "会话"},
	{"rooms.join", "Join or create a room", "加入或创建房间"},
	{"rooms.private", "Private", "私聊"},
	{"people.title", "Online", "在线"},
	{"people.hint", "Pick someone to talk privately", "点击成员发起私聊"},
	{"people.you", "(you)", "（你）"},
	{"people.more", "and %d more", "还有 %d 人"},
	{"people.private", "private conversation", "私聊"},
	{"conv.start", "This is the beginning of the conversation.", "这是会话的开始。"},
	{"conv.lost", "Some older messages are no longer available.", "部分较早的消息已无法获取。"},
	{"conv.empty", "No messages yet. Say hello!", "还没有消息，打个招呼吧！"},
	{"conv.loading", "Loading…", "加载中…"},
	{"conv.online", "%d online", "%d 人在线"},
	{"entry.joined", "joined the room", "加入了房间"},
	{"entry.left", "left the room", "离开了房间"},
	{"notice.online", "%s joined", "%s 上线了"},
	{"notice.offline", "%s left", "%s 下线了"},
	{"pending.sending", "sending…", "发送中…"},
	{"pending.failed", "not sent: %s", "未发送：%s"},
	{"pending.to", "to %s", "发给 %s"},
	{"composer.label", "Message", "消息"},
	{"composer.hint", "Message %s — Enter to send, Shift+Enter for a new line", "发送到 %s — Enter 发送，Shift+Enter 换行"},
	{"composer.offline", "Messages you send now go out when the connection is back.", "现在发送的消息会在连接恢复后发出。"},
	{"error.prefix", "Error: ", "错误："},
	{"conv.divider", "New since your last visit", "以下是新消息"},
	{"conv.behind", "Catching up: loading %d newer messages…", "正在同步：还有 %d 条新消息在加载…"},
	{"entry.away", "sent while you were away", "你离线时发送"},
	{"signin.link", "Already have a password? Sign in", "已设置密码？登录"},
	{"sso.signin", "Sign in with %s", "使用 %s 登录"},
	{"sso.title", "Single sign-on", "单点登录"},
	{"sso.link", "Link %s", "关联 %s"},
	{"sso.link.hint", "Link your %s account: you can then sign in here with it, on any device.", "关联你的 %s 账户后，即可在任何设备上用它登录此处。"},
	{"sso.linked", "Linked to %s: sign in with it on any device.", "已关联 %s：可在任何设备上用它登录。"},
	{"signin.title", "Sign in", "登录"},
	{"signin.submit", "Sign in", "登录"},
	{"signin.back", "Pick a new nickname instead", "改为选择新昵称"},
	{"password.label", "Password", "密码"},
	{"account.button", "Account", "账户"},
	{"account.title", "Account", "账户"},
	{"account.signout", "Sign out", "退出登录"},
	{"account.signout.hint", "Signing out also clears what this browser kept, for the next person at a shared computer.", "退出登录会同时清除本浏览器保存的数据，方便他人使用这台电脑。"},
	{"account.signout.failed", "Signing out failed; try again.", "退出登录失败，请重试。"},
	{"password.set", "Set a password", "设置密码"},
	{"devices.title", "Signed-in devices", "已登录的设备"},
	{"devices.this", "this device", "本设备"},
	{"devices.used", "last used %s", "上次使用：%s"},
	{"devices.signout", "Sign out", "退出登录"},
	{"devices.signout.one", "Sign out %s", "让 %s 退出登录"},
	{"devices.signout.others", "Sign out everywhere else", "退出其他所有设备"},
	{"devices.signedout", "Signed out: that device must sign in again.", "已退出：该设备需要重新登录。"},
	{"devices.loading", "Loading the devices…", "正在加载设备…"},
	{"devices.failed", "The devices could not be listed; open the panel again to retry.", "无法列出设备；请重新打开面板重试。"},
	{"signedout.password", "You were signed out because the password was changed on another device. Sign in with the new password.", "由于密码已在另一台设备上修改，你已退出登录。请用新密码登录。"},
	{"signedout.remote", "You were signed out from another device. Sign in again to continue.", "你已被另一台设备退出登录。请重新登录以继续。"},
	{"password.change", "Change your password", "修改密码"},
	{"password.hint", "With a password you can sign in as %s from another browser or device.", "设置密码后，你可以在其他浏览器或设备上以 %s 登录。"},
	{"password.has", "%s has a password: you can sign in from other devices.", "%s 已设置密码，可在其他设备上登录。"},
	{"password.old", "Current password", "当前密码"},
	{"password.new", "New password (at least 8 characters)", "新密码（至少 8 个字符）"},
	{"password.save", "Save password", "保存密码"},
	{"password.saved", "Password saved: you can now sign in as %s from another device.", "密码已保存：现在可以在其他设备上以 %s 登录。"},
}

// T returns the string key in language l, formatted with args when given.
func T(l Lang, key string, args ...any) string {
	pair, ok := text[key]
	if !ok {
		return key
	}
	s := pair[0]
	if l == Chinese {
		s = pair[1]
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// TName is T for a text of one user string (its one "%s"), as elements:
// the string in a <bdi>, so that a right-to-left name or a bidi control in
// it cannot reorder the words around it (docs/security.md).
func TName(l Lang, key, name string) []app.UI {
	format := T(l, key)
	before, after, found := strings.Cut(format, "%s")
	if !found {
		return []app.UI{app.Text(format)}
	}
	return []app.UI{app.Text(before), app.Bdi().Text(name), app.Text(after)}
}

// FormatTime shows a server time (Unix milliseconds) in the viewer's local
// time: the clock alone for today, with the date otherwise.
func FormatTime(l Lang, ms int64, now time.Time) string {
	t := time.UnixMilli(ms).In(now.Location())
	y1, m1, d1 := t.Date()
	y2, m2, d2 := now.Date()
	switch {
	case y1 == y2 && m1 == m2 && d1 == d2:
		return t.Format("15:04")
	case l == Chinese && y1 == y2:
		return fmt.Sprintf("%d月%d日 %s", m1, d1, t.Format("15:04"))
	case l == Chinese:
		return fmt.Sprintf("%d年%d月%d日 %s", y1, m1, d1, t.Format("15:04"))
	case y1 == y2:
		return t.Format("Jan 2 15:04")
	default:
		return t.Format("Jan 2 2006 15:04")
	}
}

// addText adds the strings of one part of the UI to text, at init; a key
// defined twice is a programming error.
func addText(more []phrase) {
	for _, p := range more {
		if _, dup := text[p.key]; dup {
			panic("ui: string " + p.key + " is defined twice")
		}
		text[p.key] = [2]string{p.en, p.zh}
	}
}
