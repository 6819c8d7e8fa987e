package chat

// MentionMarkup is how the server's markup of an entry starts a mention of a
// user: the attribute data-user, which follows, holds the escaped comparison
// key of the name, the one Welcome.Key tells each user about themselves, then
// `">@name</span>`. Clients find mentions of their user by it. User text
// cannot make it: the server escapes every quote and angle bracket.
const MentionMarkup = `<span class="mention" data-user="`

// DeletedHTML is the HTML of a deleted message as it is served and kept by
// clients: its text is gone. Clients show the entry's Deleted flag in their
// own words; this English text is for those that show entries as they are.
const DeletedHTML = `<div class="body deleted">message deleted</div>`
