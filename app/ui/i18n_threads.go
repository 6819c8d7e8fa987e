package ui

// threadsText holds the strings of threads (thread.go); init adds them to
// text.
var threadsText = []phrase{
	{"act.thread", "Reply in thread", "在话题中回复"},
	{"thread.title", "Thread", "话题"},
	{"thread.close", "Close the thread panel", "关闭话题面板"},
	{"thread.follow", "Follow", "关注"},
	{"thread.unfollow", "Unfollow", "取消关注"},
	{"thread.replies", "%d replies", "%d 条回复"},
	{"thread.replies.one", "1 reply", "1 条回复"},
	{"thread.replies.label", "The thread's messages", "话题中的消息"},
	{"thread.in", "Thread in %s", "%s 中的话题"},
	{"thread.last", "last reply", "最后回复"},
	{"thread.composer.label", "Reply in the thread", "在话题中回复"},
	{"thread.composer.hint", "Reply…", "回复…"},
	{"thread.also", "Also send to %s", "同时发送到 %s"},
	{"thread.delete.confirm", "Delete for everyone", "为所有人删除"},
	{"threads.title", "Threads", "话题"},
	{"threads.all", "All threads", "全部话题"},
	{"threads.none", "You follow no thread yet. Reply in one, or follow it, and it shows here.", "你还没有关注任何话题。在话题中回复或关注它，它就会出现在这里。"},
}

func init() { addText(threadsText) }
