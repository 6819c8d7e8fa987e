package ui

// searchText holds the strings of the message search; init adds them to
// text.
var searchText = []phrase{
	{"search.button", "Search", "搜索"},
	{"search.title", "Search messages", "搜索消息"},
	{"search.input", "Words to find", "要查找的词"},
	{"search.go", "Search", "搜索"},
	{"search.filters", "Filters", "筛选"},
	{"search.here", "In this conversation", "仅当前会话"},
	{"search.file", "Has a file", "带文件"},
	{"search.from", "From", "发送者"},
	{"search.since", "On or after", "不早于"},
	{"search.before", "Before", "早于"},
	{"search.results", "Results", "结果"},
	{"search.more", "More results", "更多结果"},
	{"search.hint", "Enter to search · click a result to open it · Esc to close", "Enter 搜索 · 点击结果打开 · Esc 关闭"},
	{"search.waiting", "Searching…", "正在搜索…"},
	{"search.server", "%d found in all your conversations, newest first.", "在你的所有会话中找到 %d 条，最新的在前。"},
	{"search.server.none", "Nothing found in your conversations.", "你的会话中没有找到。"},
	{"search.device", "Offline: %d found in what is saved on this device only. Online, the server searches everything.", "离线：仅在本设备保存的内容中找到 %d 条。联网后，服务器会搜索全部消息。"},
	{"search.device.none", "Offline: nothing found in what is saved on this device. Online, the server searches everything.", "离线：本设备保存的内容中没有找到。联网后，服务器会搜索全部消息。"},
	{"search.offline", "Offline: a search looks only at what is saved on this device.", "离线：搜索仅查找本设备保存的内容。"},
	{"search.unavailable", "That message is no longer available.", "该消息已不可用。"},
}

func init() { addText(searchText) }
