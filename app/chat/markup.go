package chat

// MentionMarkup is how the server's markup of an entry starts a mention of a
// user: the attribute data-user, which follows, holds the escaped comparison
// key of the name, the one Welcome.Key tells each user about themselves, then
// `">@name</span>`. Clients find mentions of their user by it. User text
// cannot make it: the server escapes every quote and angle bracket.
const MentionMarkup = `<span class="mention" data-user="`
