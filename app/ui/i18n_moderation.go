package ui

// moderationText holds the strings of room moderation and mutes
// (moderation.go); init adds them to text.
var moderationText = map[string][2]string{
	"room.button":                      {"Room settings", "房间设置"},
	"room.invite.button":               {"Invite", "邀请"},
	"room.title":                       {"Moderation of %s", "%s 的管理"},
	"room.inviteonly":                  {"Invite only", "仅限邀请"},
	"room.inviteonly.hint":             {"Only people a member invites can join.", "只有成员邀请的人才能加入。"},
	"room.members":                     {"Online members", "在线成员"},
	"room.members.none":                {"Nobody else is online here.", "这里没有其他在线成员。"},
	"room.remove":                      {"Remove", "移除"},
	"room.remove.label":                {"Remove %s from the room", "将 %s 移出房间"},
	"room.ban":                         {"Ban", "封禁"},
	"room.ban.label":                   {"Ban %s from the room", "禁止 %s 进入房间"},
	"room.ban.name":                    {"Name to ban", "要封禁的昵称"},
	"room.bans":                        {"Banned", "已封禁"},
	"room.bans.none":                   {"Nobody is banned.", "没有人被封禁。"},
	"room.unban":                       {"Unban", "解除封禁"},
	"room.unban.label":                 {"Lift the ban on %s", "解除对 %s 的封禁"},
	"room.invite":                      {"Invite", "邀请"},
	"room.invite.label":                {"Invite someone", "邀请他人"},
	"room.invite.placeholder":          {"Name", "昵称"},
	"invite.notice":                    {"%s invites you to #%s", "%s 邀请你加入 #%s"},
	"invite.join":                      {"Join", "加入"},
	"invite.decline":                   {"Decline", "拒绝"},
	"removed.notice":                   {"%s removed you from #%s", "%s 已将你移出 #%s"},
	"banned.notice":                    {"%s banned you from #%s", "%s 已禁止你进入 #%s"},
	"mute.button":                      {"Mute", "屏蔽"},
	"mute.label":                       {"Mute %s: hide their messages from you", "屏蔽 %s：不再显示其消息"},
	"unmute.button":                    {"Unmute", "取消屏蔽"},
	"unmute.label":                     {"Unmute %s: show their messages again", "取消屏蔽 %s：重新显示其消息"},
	"hidden.one":                       {"1 hidden message from %s", "来自 %s 的 1 条隐藏消息"},
	"hidden.many":                      {"%d hidden messages from %s", "%d 条来自 %s 的隐藏消息"},
	"entry.removed":                    {"removed %s", "移除了 %s"},
	"entry.banned":                     {"banned %s", "封禁了 %s"},
	"entry.unbanned":                   {"lifted the ban on %s", "解除了对 %s 的封禁"},
	"entry.invited":                    {"invited %s", "邀请了 %s"},
	"entry.inviteonly.on":              {"made the room invite-only", "将房间设为仅限邀请"},
	"entry.inviteonly.off":             {"opened the room to everyone", "将房间向所有人开放"},
	"moderation.error.not_owner":       {"Only the room's owner or an admin can do that.", "只有房主或管理员可以这样做。"},
	"moderation.error.invite_only":     {"This room is invite-only: a member must invite you.", "此房间仅限邀请：需要成员邀请你。"},
	"moderation.error.banned":          {"That name is banned from this room.", "该昵称已被禁止进入此房间。"},
	"moderation.error.cannot_moderate": {"That cannot be done to this person or room (yourself, the owner, an admin, or the lobby).", "无法对此人或此房间这样做（你自己、房主、管理员或大厅）。"},
	"moderation.error.already_member":  {"That person is in the room already.", "此人已在房间中。"},
}

func init() {
	for k, v := range moderationText {
		text[k] = v
	}
}
