package ui

// uxText holds the strings of the theme, the switcher, mentions,
// notifications, announcements and dates; init adds them to text.
var uxText = map[string][2]string{
	"skip.composer":          {"Skip to the message box", "跳到消息输入框"},
	"theme.system":           {"Theme: as the system (click for light)", "主题：跟随系统（点击切换为浅色）"},
	"theme.light":            {"Theme: light (click for dark)", "主题：浅色（点击切换为深色）"},
	"theme.dark":             {"Theme: dark (click to follow the system)", "主题：深色（点击切换为跟随系统）"},
	"notify.off":             {"Notifications are off: turn them on", "通知已关闭：点击开启"},
	"notify.on":              {"Notifications are on: turn them off", "通知已开启：点击关闭"},
	"notify.blocked":         {"Notifications are blocked in the browser's site settings", "通知已被浏览器的网站设置阻止"},
	"notify.unsupported":     {"This browser cannot show notifications", "此浏览器无法显示通知"},
	"notify.enabled":         {"Notifications are on: private messages and mentions of you show while this page is hidden.", "通知已开启：页面隐藏时，私聊和提到你的消息会以通知显示。"},
	"notify.mention":         {"%s mentioned you in %s", "%s 在 %s 中提到了你"},
	"notify.private":         {"%s (private)", "%s（私聊）"},
	"switcher.button":        {"Jump to…", "跳转到…"},
	"switcher.title":         {"Jump to a conversation", "跳转到会话"},
	"switcher.input":         {"Conversation or person", "会话或成员"},
	"switcher.hint":          {"↑ ↓ to choose · Enter to open · Esc to close", "↑ ↓ 选择 · Enter 打开 · Esc 关闭"},
	"switcher.none":          {"Nothing matches.", "没有匹配的结果。"},
	"switcher.join":          {"Join or create # %s", "加入或创建 # %s"},
	"switcher.person":        {"private conversation", "发起私聊"},
	"mention.list":           {"People to mention", "可以提到的人"},
	"mention.you":            {"mentions you", "提到了你"},
	"conv.unread.sr":         {"unread", "条未读"},
	"conv.unread.mention.sr": {"unread, mentions you", "条未读，有人提到你"},
	"rooms.rooms":            {"Rooms", "房间"},
	"rooms.direct":           {"Private conversations", "私聊"},
	"rooms.direct.none":      {"Pick someone online to talk privately.", "点击在线成员即可发起私聊。"},
	"timeline.label":         {"Messages in %s", "%s 中的消息"},
	"announce.msg":           {"%s: %s", "%s：%s"},
	"announce.private":       {"Private message from %s: %s", "%s 发来私聊：%s"},
	"announce.mention":       {"%s mentioned you in %s: %s", "%s 在 %s 中提到了你：%s"},
	"announcer.label":        {"New messages", "新消息"},
	"day.today":              {"Today", "今天"},
	"day.yesterday":          {"Yesterday", "昨天"},
	"rel.now":                {"just now", "刚刚"},
	"rel.minute":             {"1 minute ago", "1 分钟前"},
	"rel.minutes":            {"%d minutes ago", "%d 分钟前"},
	"rel.hour":               {"1 hour ago", "1 小时前"},
	"rel.hours":              {"%d hours ago", "%d 小时前"},
	"rel.yesterday":          {"yesterday", "昨天"},
	"rel.days":               {"%d days ago", "%d 天前"},
	"people.private.with":    {"In this private conversation", "私聊成员"},
}

func init() {
	for k, v := range uxText {
		if _, dup := text[k]; dup {
			panic("ui: string " + k + " is defined twice")
		}
		text[k] = v
	}
}
