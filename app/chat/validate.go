package chat

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CleanName checks a user name against the rules and returns it trimmed, as
// it will be shown: 1 to MaxNameRunes characters, each a letter (CJK
// included), a digit, a combining mark after another character, or one of
// "_-.". Comparing names (NFKC, case folding) is the server's business.
func CleanName(s string) (string, error) {
	return cleanName(s, false, CodeBadName, "name")
}

// CleanRoom checks a room name. Rooms follow the user-name rules and may also
// hold single spaces between words ("group A"); runs of spaces are collapsed.
func CleanRoom(s string) (string, error) {
	return cleanName(s, true, CodeBadRoom, "room name")
}

func cleanName(s string, spaces bool, code Code, what string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(code, "%s is not valid UTF-8", what)
	}
	s = strings.TrimFunc(s, unicode.IsSpace)
	if spaces {
		s = strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
	}
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return "", Errorf(code, "%s is empty", what)
	}
	if n > MaxNameRunes {
		return "", Errorf(code, "%s has %d characters; at most %d are allowed", what, n, MaxNameRunes)
	}
	for i, r := range s {
		if !nameRune(r, i == 0, spaces) {
			return "", Errorf(code, "%s may not contain %q; use letters, digits and _ - .", what, r)
		}
	}
	return s, nil
}

func nameRune(r rune, first, spaces bool) bool {
	switch {
	case unicode.In(r, unicode.Other_Default_Ignorable_Code_Point, unicode.Variation_Selector):
		return false // invisible: "ann" and "ann\u034f" must not be two names
	case unicode.IsLetter(r), unicode.Is(unicode.Nd, r):
		return true
	case r == '_' || r == '-' || r == '.':
		return true
	case unicode.IsMark(r):
		return !first
	case r == ' ':
		return spaces && !first
	}
	return false
}

// CleanText checks a message text and returns it as it will be stored: line
// ends made "\n", white space trimmed at both ends. It refuses empty texts,
// texts over MaxTextRunes and control characters other than tab and newline.
func CleanText(s string) (string, error) {
	if !utf8.ValidString(s) {
		return "", Errorf(CodeInvalidUTF8, "text is not valid UTF-8")
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimFunc(s, unicode.IsSpace)
	if s == "" {
		return "", Errorf(CodeEmptyText, "message is empty")
	}
	if n := utf8.RuneCountInString(s); n > MaxTextRunes {
		return "", Errorf(CodeTextTooLong, "message has %d characters; at most %d are allowed", n, MaxTextRunes)
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return "", Errorf(CodeBadText, "message contains the control character %U", r)
		}
	}
	return s, nil
}

// ValidDevice reports whether s can be the device part of a MsgID: 8 to 64
// characters from [A-Za-z0-9_-].
func ValidDevice(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Password limits.
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 256
)

func required(t Type, field, value string) error {
	if value == "" {
		e := Errorf(CodeMissingField, "%s frame needs a %s", t, field)
		e.Ref = t
		return e
	}
	return nil
}

// convID checks a conversation id a client names: present and not huge.
func convID(t Type, id string) error {
	if err := required(t, "conv", id); err != nil {
		return err
	}
	if len(id) > MaxConvIDBytes {
		return withRef(t, Errorf(CodeNoSuchConv, "conversation id of %d bytes; ids have at most %d", len(id), MaxConvIDBytes))
	}
	return nil
}

// withRef tags a validation error with the frame type it concerns.
func withRef(t Type, err error) error {
	if e, ok := err.(*Error); ok && e.Ref == "" {
		e.Ref = t
	}
	return err
}

// Validate checks a Ping; any counter will do.
func (f *Ping) Validate() error { return nil }

// Validate checks a Nick.
func (f *Nick) Validate() error {
	if err := required(TypeNick, "name", f.Name); err != nil {
		return err
	}
	_, err := CleanName(f.Name)
	return withRef(TypeNick, err)
}

// Validate checks a Send: a well-formed id, exactly one of Conv and To, and a
// text that CleanText accepts (or none, with files). A Reply needs Conv;
// Files are well-formed ids, at most MaxFiles.
func (f *Send) Validate() error { return withID(TypeSend, f.ID, f.validate()) }

// target checks the id, conversation and sequence an action names.
func target(t Type, id MsgID, conv string, seq uint64) error {
	if err := validID(t, id); err != nil {
		return err
	}
	if err := convID(t, conv); err != nil {
		return err
	}
	if seq == 0 {
		return Errorf(CodeMissingField, "%s frame needs the seq of the message it changes", t)
	}
	return nil
}

// Validate checks an Edit: a well-formed id, a conversation, a sequence
// and a text that CleanText accepts.
func (f *Edit) Validate() error {
	err := target(TypeEdit, f.ID, f.Conv, f.Seq)
	if err == nil {
		if f.Text == "" {
			err = Errorf(CodeMissingField, "edit frame needs a text")
		} else {
			_, err = CleanText(f.Text)
		}
	}
	return withID(TypeEdit, f.ID, err)
}

// Validate checks a Delete: a well-formed id, a conversation and a
// sequence.
func (f *Delete) Validate() error {
	return withID(TypeDelete, f.ID, target(TypeDelete, f.ID, f.Conv, f.Seq))
}

// Validate checks a React: a well-formed id, a conversation, a sequence
// and one emoji (CleanEmoji).
func (f *React) Validate() error {
	err := target(TypeReact, f.ID, f.Conv, f.Seq)
	if err == nil {
		_, err = CleanEmoji(f.Emoji)
	}
	return withID(TypeReact, f.ID, err)
}

// validID checks the message id of a frame of type t.
func validID(t Type, id MsgID) error {
	if id.Device == "" || id.N == 0 {
		return Errorf(CodeMissingField, "%s frame needs an id with a device and a counter from 1", t)
	}
	if !ValidDevice(id.Device) {
		return Errorf(CodeBadDevice, "device id must be 8 to 64 characters from A-Z a-z 0-9 _ -")
	}
	return nil
}

// withID tags a validation error of a frame with message id, and with t.
func withID(t Type, id MsgID, err error) error {
	if e, ok := err.(*Error); ok && e.ID == nil {
		e.ID = &id
	}
	return withRef(t, err)
}

func (f *Send) validate() error {
	if err := validID(TypeSend, f.ID); err != nil {
		return err
	}
	if f.Reply != 0 && f.Conv == "" {
		return Errorf(CodeBadRequest, "a reply names the conversation (conv) of the message it answers")
	}
	if f.Also && !IsThread(f.Conv) {
		return Errorf(CodeBadRequest, "only a reply in a thread is also sent to its conversation")
	}
	switch {
	case f.Conv == "" && f.To == "":
		return Errorf(CodeMissingField, "send frame needs a conv or a to")
	case f.Conv != "" && f.To != "":
		return Errorf(CodeBadRequest, "send frame takes a conv or a to, not both")
	case f.To != "":
		if _, err := CleanName(f.To); err != nil {
			return err
		}
	case len(f.Conv) > MaxConvIDBytes:
		return Errorf(CodeNoSuchConv, "conversation id of %d bytes; ids have at most %d", len(f.Conv), MaxConvIDBytes)
	}
	if err := validFiles(f.Files); err != nil {
		return err
	}
	if f.Text == "" && len(f.Files) == 0 {
		return Errorf(CodeMissingField, "send frame needs a text")
	}
	_, err := CleanCaption(f.Text, len(f.Files))
	return err
}

// Validate checks a Join.
func (f *Join) Validate() error {
	if err := required(TypeJoin, "room", f.Room); err != nil {
		return err
	}
	_, err := CleanRoom(f.Room)
	return withRef(TypeJoin, err)
}

// Validate checks a Leave.
func (f *Leave) Validate() error { return convID(TypeLeave, f.Conv) }

// Validate checks an Open.
func (f *Open) Validate() error {
	if err := required(TypeOpen, "with", f.With); err != nil {
		return err
	}
	_, err := CleanName(f.With)
	return withRef(TypeOpen, err)
}

// Validate checks a History request.
func (f *History) Validate() error {
	if err := convID(TypeHistory, f.Conv); err != nil {
		return err
	}
	if f.After != 0 && f.Before != 0 {
		return withRef(TypeHistory, Errorf(CodeBadRequest, "history takes after or before, not both"))
	}
	if f.Limit < 0 || f.Limit > MaxHistoryLimit {
		return withRef(TypeHistory, Errorf(CodeBadRequest, "history limit must be between 1 and %d", MaxHistoryLimit))
	}
	return nil
}

// Validate checks a Resume.
func (f *Resume) Validate() error {
	if len(f.Cursors) > MaxCursors {
		return withRef(TypeResume, Errorf(CodeBadRequest, "resume names %d conversations; at most %d are allowed", len(f.Cursors), MaxCursors))
	}
	for conv := range f.Cursors {
		if conv == "" || len(conv) > MaxConvIDBytes {
			return withRef(TypeResume, Errorf(CodeBadRequest, "resume names an empty or oversized conversation id"))
		}
	}
	return nil
}

// Validate checks a Read.
func (f *Read) Validate() error { return convID(TypeRead, f.Conv) }

// Validate checks a SetPassword.
func (f *SetPassword) Validate() error {
	if err := required(TypeSetPassword, "new password", f.New); err != nil {
		return err
	}
	if utf8.RuneCountInString(f.New) < MinPasswordRunes || len(f.New) > MaxPasswordBytes || len(f.Old) > MaxPasswordBytes {
		return withRef(TypeSetPassword, Errorf(CodeBadPassword, "a password has %d to %d bytes and at least %d characters", MinPasswordRunes, MaxPasswordBytes, MinPasswordRunes))
	}
	return nil
}

// Server frames: a client checks what it relies on.

// Validate checks a Pong.
func (f *Pong) Validate() error { return nil }

// Validate checks a Welcome.
func (f *Welcome) Validate() error {
	if !f.NeedName && f.Me == "" {
		return Errorf(CodeMissingField, "welcome frame needs me or need_name")
	}
	for _, c := range f.Convs {
		if err := c.validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c ConvInfo) validate() error {
	if c.ID == "" {
		return Errorf(CodeMissingField, "conversation has no id")
	}
	if c.Kind != KindRoom && c.Kind != KindPrivate && c.Kind != KindThread {
		return Errorf(CodeBadRequest, "conversation %q has unknown kind %q", c.ID, c.Kind)
	}
	return nil
}

// Validate checks an Entry.
func (f *Entry) Validate() error {
	if f.Conv == "" || f.Seq == 0 {
		return Errorf(CodeMissingField, "entry needs a conv and a seq")
	}
	return nil
}

// Validate checks a Page: its entries belong to its conversation and follow
// each other without a gap.
func (f *Page) Validate() error {
	if f.Conv == "" {
		return Errorf(CodeMissingField, "page needs a conv")
	}
	for i, e := range f.Entries {
		if e.Conv != f.Conv {
			return Errorf(CodeBadRequest, "page of %q holds an entry of %q", f.Conv, e.Conv)
		}
		if i > 0 && e.Seq != f.Entries[i-1].Seq+1 {
			return Errorf(CodeBadRequest, "page of %q skips from %d to %d", f.Conv, f.Entries[i-1].Seq, e.Seq)
		}
	}
	return nil
}

// Validate checks an Ack.
func (f *Ack) Validate() error {
	if f.Conv == "" || f.Seq == 0 || f.ID.N == 0 {
		return Errorf(CodeMissingField, "ack needs an id, a conv and a seq")
	}
	return nil
}

// Validate checks a Conv.
func (f *Conv) Validate() error { return f.ConvInfo.validate() }

// Validate checks a Gone.
func (f *Gone) Validate() error { return required(TypeGone, "conv", f.Conv) }

// Validate checks a Roster.
func (f *Roster) Validate() error { return required(TypeRoster, "conv", f.Conv) }

// Validate checks a Presence.
func (f *Presence) Validate() error {
	if f.Conv == "" || f.User == "" {
		return Errorf(CodeMissingField, "presence needs a conv and a user")
	}
	return nil
}

// Validate checks an Error frame.
func (f *Error) Validate() error { return required(TypeError, "code", string(f.Code)) }

// Validate checks a Batch; its frames were validated as they were decoded.
func (f *Batch) Validate() error {
	for _, fr := range f.Frames {
		if err := fr.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks an Account.
func (f *Account) Validate() error { return required(TypeAccount, "me", f.Me) }

// Validate checks a Cursor.
func (f *Cursor) Validate() error { return required(TypeCursor, "conv", f.Conv) }

// Limits of new names beyond the shape CleanName checks.
const (
	// MaxMarksInARow is the most combining marks that may follow one
	// character once the name is composed (NFC is the client's input
	// method's business; marks that compose are not counted by the server).
	// Two covers the scripts that stack a vowel sign on a virama; more is
	// the "Zalgo" text that draws over its neighbours.
	MaxMarksInARow = 2
)

// CheckNewName applies the rules a name must meet to be claimed, beyond
// CleanName's shape: it may not start or end with punctuation, stack more
// than MaxMarksInARow combining marks, or mix scripts other than the
// combinations people write names in (Unicode TS #39 "highly restrictive":
// one script, or Latin with Han and Hiragana/Katakana, with Han and
// Bopomofo, or with Hangul). Names claimed before these rules keep working
// wherever a name is only referred to; only new ones must pass.
func CheckNewName(name string) error { return checkNew(name, CodeBadName, "name") }

// CheckNewRoom applies CheckNewName's rules to the name of a room about to
// be created.
func CheckNewRoom(room string) error { return checkNew(room, CodeBadRoom, "room name") }

func checkNew(s string, code Code, what string) error {
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsPunct(first) || unicode.IsPunct(last) {
		return Errorf(code, "%s may not start or end with punctuation", what)
	}
	marks := 0
	for _, r := range s {
		if !unicode.IsMark(r) {
			marks = 0
			continue
		}
		if marks++; marks > MaxMarksInARow {
			return Errorf(code, "%s stacks more than %d marks on one character", what, MaxMarksInARow)
		}
	}
	if !singleScript(s) {
		return Errorf(code, "%s mixes scripts (like Latin and Cyrillic letters) that look alike; write it in one", what)
	}
	return nil
}

// scriptSets are the combinations of scripts a name may mix (TS #39,
// "highly restrictive"); a name in any one script passes anyway.
var scriptSets = [][]*unicode.RangeTable{
	{unicode.Latin, unicode.Han, unicode.Hiragana, unicode.Katakana},
	{unicode.Latin, unicode.Han, unicode.Bopomofo},
	{unicode.Latin, unicode.Han, unicode.Hangul},
}

// singleScript reports whether the letters of s come from one script, or
// from one of scriptSets. Digits, punctuation and combining marks (the
// Common and Inherited scripts) go with any script.
func singleScript(s string) bool {
	var used []*unicode.RangeTable
	for _, r := range s {
		if unicode.In(r, unicode.Common, unicode.Inherited) {
			continue
		}
		t := scriptOf(r)
		if t == nil {
			return false // unassigned or unknown: not a letter of any script
		}
		if !slices.Contains(used, t) {
			used = append(used, t)
		}
	}
	if len(used) <= 1 {
		return true
	}
	for _, set := range scriptSets {
		if subset(used, set) {
			return true
		}
	}
	return false
}

// scriptOf returns the table of the script of r, or nil.
func scriptOf(r rune) *unicode.RangeTable {
	for _, t := range []*unicode.RangeTable{unicode.Latin, unicode.Han, unicode.Cyrillic, unicode.Greek} {
		if unicode.Is(t, r) {
			return t // the common cases first
		}
	}
	for name, t := range unicode.Scripts {
		if name != "Common" && name != "Inherited" && unicode.Is(t, r) {
			return t
		}
	}
	return nil
}

func subset(used, set []*unicode.RangeTable) bool {
	for _, t := range used {
		if !slices.Contains(set, t) {
			return false
		}
	}
	return true
}

// MaxHandoverCode bounds a Handover's code.
const MaxHandoverCode = 128

// Validate checks a Handover.
func (f *Handover) Validate() error {
	if err := required(TypeHandover, "code", f.Code); err != nil {
		return err
	}
	if len(f.Code) > MaxHandoverCode {
		return Errorf(CodeBadRequest, "handover: code above %d bytes", MaxHandoverCode)
	}
	return nil
}
