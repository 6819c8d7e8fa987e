package ui

// actionsText holds the strings of replies, edits, deletes and reactions;
// init adds them to text.
var actionsText = map[string][2]string{
	"act.bar":                {"Actions on %s's message", "对 %s 的消息的操作"},
	"act.reply":              {"Reply", "回复"},
	"act.reply.title":        {"Reply to %s", "回复 %s"},
	"act.react":              {"React", "表情"},
	"act.react.title":        {"Add a reaction", "添加表情回应"},
	"act.edit":               {"Edit", "编辑"},
	"act.delete":             {"Delete", "删除"},
	"act.edit.gone":          {"That message has been sent meanwhile; edit it in the conversation.", "该消息已发送，请在会话中编辑。"},
	"act.failed.edit":        {"Your edit was not saved: %s", "你的编辑未保存：%s"},
	"act.failed.delete":      {"Your delete did not go through: %s", "删除未成功：%s"},
	"act.failed.react":       {"Your reaction was not added: %s", "表情回应未添加：%s"},
	"msg.deleted":            {"message deleted", "消息已删除"},
	"msg.deleting":           {"deleting…", "正在删除…"},
	"msg.saving":             {"saving…", "正在保存…"},
	"msg.edited":             {"(edited)", "（已编辑）"},
	"msg.edited.at":          {"Edited %s", "编辑于 %s"},
	"quote.deleted":          {"deleted message", "已删除的消息"},
	"quote.jump":             {"Show the message this answers", "显示被回复的消息"},
	"quote.gone":             {"That message is no longer in the history.", "该消息已不在历史记录中。"},
	"composer.replying":      {"Replying to %s", "回复 %s"},
	"composer.editing":       {"Editing your message · Enter to save, Esc to cancel", "正在编辑消息 · Enter 保存，Esc 取消"},
	"composer.reply.cancel":  {"Cancel the reply", "取消回复"},
	"composer.edit.cancel":   {"Cancel the edit", "取消编辑"},
	"delete.title":           {"Delete this message?", "删除这条消息？"},
	"delete.text":            {"Everyone will see “message deleted” in its place. This cannot be undone.", "所有人将看到“消息已删除”。此操作无法撤销。"},
	"delete.confirm":         {"Delete", "删除"},
	"react.row":              {"Reactions", "表情回应"},
	"react.who":              {"%s: %s", "%s：%s"},
	"react.label":            {"%s, %d: %s", "%s，%d 人：%s"},
	"picker.title":           {"Pick a reaction", "选择表情回应"},
	"picker.input":           {"Any emoji", "其他表情"},
	"picker.add":             {"Add", "添加"},
	"err.no_such_message":    {"the message is no longer there", "该消息已不存在"},
	"err.message_deleted":    {"the message was deleted", "该消息已被删除"},
	"err.not_author":         {"only its author can do that", "只有作者可以这样做"},
	"err.bad_emoji":          {"a reaction is one emoji, not text or markup", "表情回应只能是一个表情符号，不能是文字或标记"},
	"err.too_many_reactions": {"the message has as many different reactions as allowed", "该消息的表情回应种类已达上限"},
}

func init() {
	for k, v := range actionsText {
		if _, dup := text[k]; dup {
			panic("ui: string " + k + " is defined twice")
		}
		text[k] = v
	}
}
