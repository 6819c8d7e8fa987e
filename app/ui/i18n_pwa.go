package ui

// pwaText holds the strings of the offline banner, the outbox, updates and
// installing; init adds them to text.
var pwaText = []phrase{
	{"offline.title", "You are offline.", "你已离线。"},
	{"offline.saved", "Showing the conversations saved on this device; what you write waits here and is sent when the connection is back.", "正在显示本设备保存的会话；你写的消息会先保存在这里，连接恢复后自动发送。"},
	{"offline.empty", "The chat needs the connection once to start; it will connect by itself when it is back.", "首次使用需要联网；连接恢复后会自动连接。"},
	{"pending.queued", "waiting for the connection", "等待连接"},
	{"pending.other", "waiting in another tab", "在另一个标签页中等待发送"},
	{"pending.cancel.late", "That message has already been sent.", "这条消息已经发出。"},
	{"pending.cancelling", "cancelling…", "正在取消…"},
	{"pending.cancel.failed", "Could not cancel the message on this device; it is still waiting to be sent.", "无法在此设备上取消这条消息；它仍在等待发送。"},
	{"outbox.not.saved", "could not save this message on this device", "无法在此设备上保存这条消息"},
	{"btn.cancel", "Cancel", "取消"},
	{"update.ready", "A new version of the chat is available.", "聊天有新版本可用。"},
	{"update.reload", "Reload", "重新加载"},
	{"install.button", "Install", "安装"},
	{"install.hint", "Install the chat as an app on this device", "将聊天安装为本设备上的应用"},
}

func init() { addText(pwaText) }
