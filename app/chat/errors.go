package chat

import "fmt"

// Code names the kind of problem an Error frame reports, so that a client can
// react to it without parsing the message.
type Code string

// Error codes.
const (
	CodeBadJSON      Code = "bad_json"       // not a JSON object, or a field of the wrong type
	CodeInvalidUTF8  Code = "invalid_utf8"   // the frame is not valid UTF-8
	CodeUnknownType  Code = "unknown_type"   // no such frame type
	CodeMissingField Code = "missing_field"  // a required field is absent or empty
	CodeBadRequest   Code = "bad_request"    // fields that contradict each other, or a bad value
	CodeFrameTooBig  Code = "frame_too_big"  // more than MaxFrameBytes
	CodeEmptyText    Code = "empty_text"     // nothing but white space
	CodeTextTooLong  Code = "text_too_long"  // more than MaxTextRunes
	CodeBadText      Code = "bad_text"       // control characters in the text
	CodeTooDeep      Code = "too_deep"       // Markdown nested more than MaxNesting deep
	CodeNeedName     Code = "need_name"      // the session has no name yet
	CodeHasName      Code = "has_name"       // the session has a name already
	CodeSignedOut    Code = "signed_out"     // sent before a CloseSignedOut; Message is the close's reason (ReasonPasswordChanged, ReasonSignedOutRemote), which a browser cannot read from the close itself
	CodeBadName      Code = "bad_name"       // a user name that breaks the rules
	CodeBadRoom      Code = "bad_room"       // a room name that breaks the rules
	CodeNameTaken    Code = "name_taken"     // another browser holds the name
	CodeNoSuchUser   Code = "no_such_user"   // nobody has that name
	CodeNoSuchConv   Code = "no_such_conv"   // no conversation of that id
	CodeNotMember    Code = "not_member"     // the user is not in that conversation
	CodeCannotLeave  Code = "cannot_leave"   // the lobby and private conversations cannot be left
	CodeTooManyRooms Code = "too_many_rooms" // the user is in as many rooms as allowed
	CodeRateLimited  Code = "rate_limited"   // too many frames; retry later
	CodeBadPassword  Code = "bad_password"   // wrong or unacceptable password
	CodeBadDevice    Code = "bad_device"     // a message id whose device is malformed or not this user's
	CodeInternal     Code = "internal"       // the server failed; retry later

	CodeNoSuchMessage    Code = "no_such_message"    // an edit, delete, react or reply names no message of the conversation (or one no longer held)
	CodeMessageDeleted   Code = "message_deleted"    // the message was deleted: it cannot be edited, reacted to or answered
	CodeNotAuthor        Code = "not_author"         // only the author may edit (or delete) the message
	CodeBadEmoji         Code = "bad_emoji"          // a reaction that is not one emoji
	CodeTooManyReactions Code = "too_many_reactions" // the message has MaxReactions different emoji already

	CodeNoSuchFile   Code = "no_such_file"   // a send names a file that does not exist or that the sender did not upload
	CodeTooManyFiles Code = "too_many_files" // a send names more than MaxFiles files

	CodeArchived Code = "archived" // the room was archived by an admin: readable, no new messages, edits, deletes nor reactions

	// Codes of the HTTP API (/api/v1) beside the ones above.
	CodeUnauthorized Code = "unauthorized" // no token, or one that does not exist (any more)
	CodeForbidden    Code = "forbidden"    // the token lacks the scope, or the user the right
	CodeNotFound     Code = "not_found"    // no such route, token or webhook
	CodeFileTooBig   Code = "file_too_big" // an upload above the server's MaxUploadBytes
	CodeOverQuota    Code = "over_quota"   // an upload that does not fit in the user's quota
)

// Errorf makes an Error frame with a formatted message. *Error is also a Go
// error, so validation can return it as one.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Error returns "code: message".
func (e *Error) Error() string { return string(e.Code) + ": " + e.Message }
