package client

import "github.com/founding/chat/app/chat"

// Reply is Compose for a message of conv answering message reply of it.
func (s *Session) Reply(conv, text string, reply chat.Entry) (chat.MsgID, error) {
	if _, err := chat.CleanText(text); err != nil {
		return chat.MsgID{}, err
	}
	return s.keep(s.model.ComposeReply(conv, text, reply).ID)
}

// Edit checks the new text of the user's message seq of conv, keeps the
// edit in the outbox and the Local, and writes what may go.
func (s *Session) Edit(conv string, seq uint64, text string) (chat.MsgID, error) {
	if _, err := chat.CleanText(text); err != nil {
		return chat.MsgID{}, err
	}
	id, _ := OutboxID(s.model.Edit(conv, seq, text))
	return s.keep(id)
}

// Delete keeps the delete of message seq of conv in the outbox and the
// Local, and writes what may go.
func (s *Session) Delete(conv string, seq uint64) (chat.MsgID, error) {
	id, _ := OutboxID(s.model.Delete(conv, seq))
	return s.keep(id)
}

// Unpreview keeps the removal of the link preview of message seq of conv
// in the outbox and the Local, and writes what may go.
func (s *Session) Unpreview(conv string, seq uint64) (chat.MsgID, error) {
	id, _ := OutboxID(s.model.Unpreview(conv, seq))
	return s.keep(id)
}

// React checks emoji (chat.CleanEmoji), keeps the user's reaction to
// message seq of conv (on) or its removal in the outbox and the Local, and
// writes what may go.
func (s *Session) React(conv string, seq uint64, emoji string, on bool) (chat.MsgID, error) {
	clean, err := chat.CleanEmoji(emoji)
	if err != nil {
		return chat.MsgID{}, err
	}
	id, _ := OutboxID(s.model.React(conv, seq, clean, on))
	return s.keep(id)
}
