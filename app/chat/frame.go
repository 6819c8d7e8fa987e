package chat

// Every frame of the wire, in one place. A frame is a JSON object whose "type"
// field names one of the Type constants; the other fields are those of the Go
// struct of that type. Client frames travel from a browser to the server,
// server frames the other way; Ping and Read go both ways in spirit but each
// side has its own struct, so that Decode can refuse a frame sent the wrong way.

// Type names a frame on the wire.
type Type string

// Frames a client sends.
const (
	TypePing        Type = "ping"
	TypeNick        Type = "nick"
	TypeSend        Type = "send"
	TypeJoin        Type = "join"
	TypeLeave       Type = "leave"
	TypeOpen        Type = "open"
	TypeHistory     Type = "history"
	TypeResume      Type = "resume"
	TypeRead        Type = "read"
	TypeSetPassword Type = "set_password"
	TypeEdit        Type = "edit"
	TypeDelete      Type = "delete"
	TypeReact       Type = "react"
)

// Frames a server sends.
const (
	TypePong     Type = "pong"
	TypeWelcome  Type = "welcome"
	TypeEntry    Type = "entry"
	TypePage     Type = "page"
	TypeAck      Type = "ack"
	TypeConv     Type = "conv"
	TypeGone     Type = "gone"
	TypeRoster   Type = "roster"
	TypePresence Type = "presence"
	TypeError    Type = "error"
	TypeBatch    Type = "batch"
	TypeCursor   Type = "cursor"
	TypeAccount  Type = "account"
	TypeHandover Type = "handover"
)

// Frame is one message of the wire. FrameType names it; Validate reports the
// first thing wrong with it as an *Error, or nil.
type Frame interface {
	FrameType() Type
	Validate() error
}

// ----- client frames -----

// Ping asks the server for a Pong carrying the same N. Browsers cannot send
// websocket pings, so clients use this to notice a dead connection.
type Ping struct {
	N uint64 `json:"n"`
}

// Nick claims a user name for the connection's session. It is the only frame,
// besides Ping, that a session without a name may send.
type Nick struct {
	Name string `json:"name"`
}

// MsgID identifies a message a client sends: the sending device and a counter
// that only grows on that device. The server deduplicates by it.
type MsgID struct {
	Device string `json:"d"`
	N      uint64 `json:"n"`
}

// Send posts Text to a conversation. Conv names a conversation the user is in;
// To, instead, names a user and posts to the private conversation with them.
// Reply, with Conv, is the sequence of the message of that conversation the
// text answers: the stored entry carries a Quote of it made by the server.
// Files are the ids of files the user uploaded (files.go), attached to the
// message; with files, Text (the caption) may be empty.
type Send struct {
	ID    MsgID    `json:"id"`
	Conv  string   `json:"conv,omitempty"`
	To    string   `json:"to,omitempty"`
	Text  string   `json:"text"`
	Reply uint64   `json:"reply,omitempty"`
	Files []string `json:"files,omitempty"`
	// Also, for a reply in a thread (Conv a thread's id, thread.go), posts
	// it to the thread's parent conversation too ("also send to the room").
	Also bool `json:"also,omitempty"`
}

// Edit replaces the text of the user's own message Seq of Conv. It is
// stored as an EntryEdit under its own ID, which takes the same path as a
// Send's (one device and counter, acked once, stored once).
type Edit struct {
	ID   MsgID  `json:"id"`
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
	Text string `json:"text"`
}

// Delete takes back message Seq of Conv: it is stored as an EntryDelete,
// and from then on the message is served as deleted, without its text.
type Delete struct {
	ID   MsgID  `json:"id"`
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
}

// React adds (On) or removes the user's reaction Emoji to message Seq of
// Conv. Emoji is one emoji (CleanEmoji). It is stored as an EntryReact.
type React struct {
	ID    MsgID  `json:"id"`
	Conv  string `json:"conv"`
	Seq   uint64 `json:"seq"`
	Emoji string `json:"emoji"`
	On    bool   `json:"on"`
}

// Join makes the user a member of the room of that name, creating it if needed.
type Join struct {
	Room string `json:"room"`
}

// Leave ends the user's membership of a room conversation.
type Leave struct {
	Conv string `json:"conv"`
}

// Open starts (or finds) the private conversation with the user named With,
// without sending anything yet.
type Open struct {
	With string `json:"with"`
}

// History asks for entries of a conversation. With After set, it returns the
// entries that follow sequence After, oldest first; with Before set, the
// entries that precede sequence Before; with neither, the latest ones. Limit
// defaults to DefaultHistoryLimit and may not exceed MaxHistoryLimit.
type History struct {
	Conv   string `json:"conv"`
	After  uint64 `json:"after,omitempty"`
	Before uint64 `json:"before,omitempty"`
	Limit  int    `json:"limit,omitempty"`
}

// Resume tells the server, after a (re)connect, the last sequence the client
// holds in each conversation; the server answers with a Page of what followed
// in each.
type Resume struct {
	Cursors map[string]uint64 `json:"cursors"`
}

// Read records that the user has read a conversation up to Seq.
type Read struct {
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
}

// SetPassword protects the user's name with a password, so that it can be
// claimed again from another browser. Old is required when one is already set.
type SetPassword struct {
	Old string `json:"old,omitempty"`
	New string `json:"new"`
}

// ----- server frames -----

// Pong answers a Ping.
type Pong struct {
	N uint64 `json:"n"`
}

// Limits tells a client the application limits the server enforces.
// NameReleaseDays is how many days without use free a name that has no
// password, for the hint where a name is picked (0 when under a day).
//
// MaxUploadBytes is the largest file the server takes (0: it takes none),
// so that a browser refuses a bigger one before uploading it.
//
// SSO names the OpenID Connect provider people may sign in with ("" when
// single sign-on is off): the sign-in starts at SSOStartPath. NoPasswords
// says signing in with a password is off.
type Limits struct {
	MaxTextRunes    int    `json:"max_text"`
	MaxFrameBytes   int    `json:"max_frame"`
	NameReleaseDays int    `json:"name_release_days,omitempty"`
	MaxUploadBytes  int64  `json:"max_upload,omitempty"`
	SSO             string `json:"sso,omitempty"`
	NoPasswords     bool   `json:"no_passwords,omitempty"`
	GroupLimit      int    `json:"group_limit,omitempty"` // the most people in a group conversation (group.go)
}

// SSOStartPath starts a sign-in with the OpenID Connect provider (a page
// load, not a fetch); with ?link=1 it links the provider's identity to the
// signed-in account.
const SSOStartPath = "/auth/oidc/start"

// Welcome is the first frame on every connection and is sent again once a
// Nick succeeds. NeedName means the session has no user yet; otherwise Me is
// the user as typed and Convs lists the conversations the user is in.
//
// Password says the user has a password (and can sign in elsewhere), SSO
// that the account is linked to single sign-on (Limits.SSO). Away
// and Back bound the time the user was offline before this connection, in
// Unix milliseconds (Away is 0 the first time): entries between them were
// sent while the user was away.
//
// Key is the user's name as names are compared (NFKC, case folded), escaped:
// a mention of the user in an entry's HTML is a
// <span class="mention" data-user="Key">, so a client can tell mentions of
// its user without folding names itself.
type Welcome struct {
	Me       string     `json:"me,omitempty"`
	Key      string     `json:"key,omitempty"`
	NeedName bool       `json:"need_name,omitempty"`
	Password bool       `json:"password,omitempty"`
	SSO      bool       `json:"sso,omitempty"`
	Convs    []ConvInfo `json:"convs,omitempty"`
	Away     int64      `json:"away,omitempty"`
	Back     int64      `json:"back,omitempty"`
	Version  string     `json:"version"`
	Limits   Limits     `json:"limits"`

	Mutes   []string     `json:"mutes,omitempty"`   // names the user muted (moderation.go)
	Invites []Invitation `json:"invites,omitempty"` // the user's invitations (moderation.go)
}

// ConvKind tells a room from a private conversation.
type ConvKind string

// Conversation kinds.
const (
	KindRoom    ConvKind = "room"
	KindPrivate ConvKind = "private"
)

// ConvInfo describes a conversation the user is in. Name is the room's name,
// or for a private conversation the other user's name; it is HTML-escaped.
// Last is the sequence of its latest entry and Read the user's read position.
type ConvInfo struct {
	ID   string   `json:"id"`
	Kind ConvKind `json:"kind"`
	Name string   `json:"name"`
	// Bot says, of a private conversation, that the other user is a bot
	// (of those opened since bots are marked).
	Bot  bool   `json:"bot,omitempty"`
	Last uint64 `json:"last"`
	Read uint64 `json:"read,omitempty"`
	// Seen, in a private conversation, is how far the other member has
	// read it (their Read); 0 in rooms (typing.go, Seen).
	Seen uint64 `json:"seen,omitempty"`

	// A room's moderation (moderation.go): Owner is the name of whoever
	// created it, HTML-escaped (empty for rooms older than owners),
	// InviteOnly says joining needs an invitation, and Moderator that this
	// user may moderate it (its owner, or an admin).
	Owner      string `json:"owner,omitempty"`
	InviteOnly bool   `json:"invite_only,omitempty"`
	Moderator  bool   `json:"moderator,omitempty"`
	// Archived says an admin archived the room: its members read it,
	// but nobody posts, edits, deletes nor reacts there (the archived
	// error). A new Conv comes when that changes.
	Archived bool `json:"archived,omitempty"`
	// RetainDays is how many days the conversation's entries are kept,
	// 0 for ever (retention.go): the room's policy, or the server's
	// default.
	RetainDays int `json:"retain_days,omitempty"`
	// RetainPolicy is a room's own policy, as SetRetention sets it:
	// RetainDefault (absent), RetainForever or a number of days; what its
	// settings show as chosen.
	RetainPolicy int `json:"retain_policy,omitempty"`

	// Group describes a group conversation (group.go); nil otherwise.
	Group *GroupInfo `json:"group,omitempty"`
}

// EntryKind tells what an entry records.
type EntryKind string

// Entry kinds.
const (
	EntryMessage EntryKind = "msg"
	EntryJoin    EntryKind = "join"
	EntryLeave   EntryKind = "leave"
	// Actions: entries that change the message whose sequence is their
	// Target (fold.go). They are entries of their own, so history,
	// resume and a saved copy replay them in order.
	EntryEdit   EntryKind = "edit"   // HTML is the message's new markup
	EntryDelete EntryKind = "delete" // the message is taken back
	EntryReact  EntryKind = "react"  // From adds (On) or removes Emoji
	// EntryWebhook tells a room that From made (On) or revoked an
	// incoming webhook, posting as the bot named Subject; HTML says so.
	EntryWebhook EntryKind = "webhook"
	// EntryOutgoingHook is EntryWebhook for an outgoing hook (a trigger
	// and the URL it calls, answering as the bot Subject).
	EntryOutgoingHook EntryKind = "outgoing_hook"
)

// Entry is one item of a conversation's history. Seq is gap-free within the
// conversation and Time is the server's clock in Unix milliseconds. From is
// the author's name and HTML is server-made markup with a single root element;
// every user-supplied string in both is HTML-escaped, so a client may insert
// them as HTML.
//
// An action (EntryEdit, EntryDelete, EntryReact) names the message it
// changes in Target; a reaction carries Emoji and On. A message that
// answers another carries Reply, and one with attachments their Files
// (files.go), described by the server.
//
// The last four fields are never stored: they are the state a message is
// in now, folded by the server into the entries it serves in a Page (and by
// clients as actions arrive, with Apply): Edited is the time of the latest
// edit (0: never edited), Deleted says the message was taken back (its HTML
// is then DeletedHTML), Reactions are its reactions, and Upto is the
// sequence up to which actions are folded in, so that applying an action at
// or below it again changes nothing.
type Entry struct {
	Conv   string    `json:"conv"`
	Seq    uint64    `json:"seq"`
	Time   int64     `json:"time"`
	Kind   EntryKind `json:"kind"`
	From   string    `json:"from"`
	HTML   string    `json:"html"`
	Target uint64    `json:"target,omitempty"`
	Emoji  string    `json:"emoji,omitempty"`
	On     bool      `json:"on,omitempty"`
	Reply  *Quote    `json:"reply,omitempty"`
	// Subject is the name (HTML-escaped) a moderation entry acts upon.
	Subject string `json:"subject,omitempty"`
	Files   []File `json:"files,omitempty"`
	// Bot says From is a bot's name (an account an admin made, or an
	// incoming webhook's); Via is the name (HTML-escaped) a webhook's
	// sender gave, shown as "via".
	Bot bool   `json:"bot,omitempty"`
	Via string `json:"via,omitempty"`
	// Preview is an EntryPreview's link preview (nil: removed) and, folded,
	// a message's (linkpreview.go).
	Preview *LinkPreview `json:"preview,omitempty"`
	// Days is an EntryRetention's new policy (retention.go).
	Days int `json:"days,omitempty"`
	// Sent is when a message brought from another chat (an admin's Slack
	// import) was written there, in Unix milliseconds; Time is when it was
	// stored here; on the EntryThread action of such a reply in a thread,
	// the reply's. Zero for every other entry.
	Sent int64 `json:"sent,omitempty"`
	// Root, on a message posted to a conversation from one of its threads
	// ("also send to the room", Send.Also), is the thread's root.
	Root uint64 `json:"root,omitempty"`
	// Thread is a thread root's summary, folded from EntryThread actions
	// (thread.go); On and From of an EntryThread say what it adds.
	Thread *ThreadSummary `json:"thread,omitempty"`

	Edited    int64      `json:"edited,omitempty"`
	Deleted   bool       `json:"deleted,omitempty"`
	Reactions []Reaction `json:"reactions,omitempty"`
	Upto      uint64     `json:"upto,omitempty"`
}

// When is the time to show of e: when it was written (Sent, for an
// imported message), else when it was stored.
func (e Entry) When() int64 {
	if e.Sent != 0 {
		return e.Sent
	}
	return e.Time
}

// Quote is what a reply shows of the message it answers, made by the
// server when the reply is sent: Seq is that message's sequence, From its
// author's name and Text the start of its first line (at most
// MaxQuoteRunes characters, "…" added when cut), both HTML-escaped plain
// text. Deleted says the message was taken back since; Text is then empty.
type Quote struct {
	Seq     uint64 `json:"seq"`
	From    string `json:"from"`
	Text    string `json:"text,omitempty"`
	Deleted bool   `json:"deleted,omitempty"`
}

// Reaction is one emoji under a message and the names (HTML-escaped, as in
// Entry.From) of those who reacted with it, in the order they did.
type Reaction struct {
	Emoji string   `json:"emoji"`
	Users []string `json:"users"`
}

// Page answers a History or a Resume: a run of consecutive entries of one
// conversation, oldest first. First is the sequence of the conversation's
// oldest entry still held and Last that of its newest, so a client knows
// whether there is more before or after what it got. Reset says the server
// holds less than the client asked to resume from (it lost history): the
// client starts the conversation over from this page.
type Page struct {
	Conv    string  `json:"conv"`
	Entries []Entry `json:"entries"`
	First   uint64  `json:"first"`
	Last    uint64  `json:"last"`
	Reset   bool    `json:"reset,omitempty"`
}

// Ack confirms that the message ID is stored as entry Seq of Conv.
type Ack struct {
	ID   MsgID  `json:"id"`
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
	Time int64  `json:"time"`
}

// Conv adds or updates a conversation in the client's list.
type Conv struct {
	ConvInfo
}

// Gone removes a conversation from the client's list (the user left it).
type Gone struct {
	Conv string `json:"conv"`
}

// Roster lists who is online in a conversation, replacing what the client
// had. Users are HTML-escaped names. In a large room Users holds only some
// of them and Count says how many there are; such a room sends no Presence
// frames (a notice for every arrival would drown it), so the client shows
// the count.
type Roster struct {
	Conv  string   `json:"conv"`
	Users []string `json:"users"`
	Count int      `json:"count,omitempty"`
	// Bots are the names of Users that are bots' accounts, to be shown as
	// bots.
	Bots []string `json:"bots,omitempty"`
}

// Presence says that User came online (Online) or went away in Conv. Quiet
// changes (a member joining or leaving the room, whose entry says so already)
// update the online list without a notice.
type Presence struct {
	Conv   string `json:"conv"`
	User   string `json:"user"`
	Online bool   `json:"online"`
	Quiet  bool   `json:"quiet,omitempty"`
	Bot    bool   `json:"bot,omitempty"` // User is a bot's account
}

// Error reports a problem with what the client sent. Ref names the frame type
// it concerns and ID the message, when there is one.
type Error struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
	Ref     Type   `json:"ref,omitempty"`
	ID      *MsgID `json:"id,omitempty"`
}

// Batch carries several server frames in one websocket message; a client
// handles them in order as if each had come alone.
type Batch struct {
	Frames []Frame `json:"-"`
}

// Cursor tells every device of a user the read position of a conversation.
type Cursor struct {
	Conv string `json:"conv"`
	Seq  uint64 `json:"seq"`
}

// Account tells a connection about its user's account after a change, such
// as a password being set.
type Account struct {
	Me       string `json:"me"`
	Password bool   `json:"password"`
}

// Handover carries the one-time code that makes a claimed name this
// browser's: right after a nick is accepted, before the Welcome, the server
// sends it, and the client POSTs it to /api/session (HandoverPath), whose
// answer sets the new session cookie. The token the browser had when it
// picked the name is spent and never holds the account, so a cookie
// planted in the browser shares nothing. Until the exchange only the
// connection that picked the name is the user; the code lasts two minutes.
type Handover struct {
	Code string `json:"code"`
}

// HandoverPath is where a client exchanges a Handover's code: a POST of
// {"code": …} from the page's own origin.
const HandoverPath = "/api/session"

// Reasons of a CloseSignedOut that say why, for the page to tell the user.
const (
	ReasonPasswordChanged = "the password was changed on another device"
	ReasonSignedOutRemote = "signed out from another device"
)

// FrameType implementations.

func (Ping) FrameType() Type        { return TypePing }
func (Nick) FrameType() Type        { return TypeNick }
func (Send) FrameType() Type        { return TypeSend }
func (Join) FrameType() Type        { return TypeJoin }
func (Leave) FrameType() Type       { return TypeLeave }
func (Open) FrameType() Type        { return TypeOpen }
func (History) FrameType() Type     { return TypeHistory }
func (Resume) FrameType() Type      { return TypeResume }
func (Read) FrameType() Type        { return TypeRead }
func (SetPassword) FrameType() Type { return TypeSetPassword }
func (Edit) FrameType() Type        { return TypeEdit }
func (Delete) FrameType() Type      { return TypeDelete }
func (React) FrameType() Type       { return TypeReact }
func (Pong) FrameType() Type        { return TypePong }
func (Welcome) FrameType() Type     { return TypeWelcome }
func (Entry) FrameType() Type       { return TypeEntry }
func (Page) FrameType() Type        { return TypePage }
func (Ack) FrameType() Type         { return TypeAck }
func (Conv) FrameType() Type        { return TypeConv }
func (Gone) FrameType() Type        { return TypeGone }
func (Roster) FrameType() Type      { return TypeRoster }
func (Presence) FrameType() Type    { return TypePresence }
func (Error) FrameType() Type       { return TypeError }
func (Batch) FrameType() Type       { return TypeBatch }
func (Cursor) FrameType() Type      { return TypeCursor }
func (Account) FrameType() Type     { return TypeAccount }
func (Handover) FrameType() Type    { return TypeHandover }

// clientFrames and serverFrames make an empty frame of each type, for Decode.
var clientFrames = map[Type]func() Frame{
	TypePing:        func() Frame { return &Ping{} },
	TypeNick:        func() Frame { return &Nick{} },
	TypeSend:        func() Frame { return &Send{} },
	TypeJoin:        func() Frame { return &Join{} },
	TypeLeave:       func() Frame { return &Leave{} },
	TypeOpen:        func() Frame { return &Open{} },
	TypeHistory:     func() Frame { return &History{} },
	TypeResume:      func() Frame { return &Resume{} },
	TypeRead:        func() Frame { return &Read{} },
	TypeSetPassword: func() Frame { return &SetPassword{} },
	TypeEdit:        func() Frame { return &Edit{} },
	TypeDelete:      func() Frame { return &Delete{} },
	TypeReact:       func() Frame { return &React{} },
	TypeTyping:      func() Frame { return &Typing{} },
}

var serverFrames = map[Type]func() Frame{
	TypePong:     func() Frame { return &Pong{} },
	TypeWelcome:  func() Frame { return &Welcome{} },
	TypeEntry:    func() Frame { return &Entry{} },
	TypePage:     func() Frame { return &Page{} },
	TypeAck:      func() Frame { return &Ack{} },
	TypeConv:     func() Frame { return &Conv{} },
	TypeGone:     func() Frame { return &Gone{} },
	TypeRoster:   func() Frame { return &Roster{} },
	TypePresence: func() Frame { return &Presence{} },
	TypeError:    func() Frame { return &Error{} },
	TypeBatch:    func() Frame { return &Batch{} },
	TypeCursor:   func() Frame { return &Cursor{} },
	TypeAccount:  func() Frame { return &Account{} },
	TypeHandover: func() Frame { return &Handover{} },
	TypeTypist:   func() Frame { return &Typist{} },
	TypeSeen:     func() Frame { return &Seen{} },
	TypeNotice:   func() Frame { return &Notice{} },
}
