package client

import (
	"crypto/rand"
	"slices"

	"github.com/founding/chat/app/chat"
)

// Files that wait in the outbox. A file attached while the server cannot
// be reached is not uploaded then: the message that carries it is written
// to the outbox at once, with the file's bytes beside it in the Local (an
// Upload per file), and waits there, shown as pending, until the connection
// is back. Then the tab that holds the message's device uploads each file
// once (NextUpload, then Uploaded or UploadRefused), and the message goes
// out through the outbox as any other, under the id it was given when it
// was written, so the server stores it once.
//
// A message waiting for its files holds back the messages written after it
// (Unsent stops there), so a conversation reads in the order it was
// written, as with any message of the outbox.

// Upload is a file of an outbox message that has not reached the server
// yet: its name, size and the type the browser guessed (for the preview
// only: the server sniffs the bytes), and Token, a random key that the
// server takes (chat.UploadTokenParam) to answer a repeated upload of the
// same file with the same record. File is set once the server took it.
// Bytes are the file's bytes, kept in the Local beside the message: a
// JavaScript Blob in the browser, a []byte elsewhere; nil once uploaded.
type Upload struct {
	Name  string     `json:"name"`
	Size  int64      `json:"size"`
	Type  string     `json:"type,omitempty"`
	Token string     `json:"token"`
	File  *chat.File `json:"file,omitempty"`
	Bytes any        `json:"-"`
}

// NewUpload returns the Upload of a file with a fresh token.
func NewUpload(name string, size int64, typ string, bytes any) Upload {
	return Upload{Name: name, Size: size, Type: typ, Token: rand.Text(), Bytes: bytes}
}

// Done reports whether the server took the file.
func (u Upload) Done() bool { return u.File != nil }

// FailUpload is the FailCode of a message whose file the server refused
// for good (too large, over the quota, an image it cannot read): the
// message is never sent, and Failed says why in the server's words.
const FailUpload chat.Code = "upload_refused"

// AwaitsUpload reports whether o waits for some of its files to be
// uploaded (and has not failed).
func (o *Outgoing) AwaitsUpload() bool {
	if o.Failed != "" {
		return false
	}
	for _, u := range o.Uploads {
		if !u.Done() {
			return true
		}
	}
	return false
}

// uploadsDone counts the files of o that the server took.
func (o *Outgoing) uploadsDone() int {
	n := 0
	for _, u := range o.Uploads {
		if u.Done() {
			n++
		}
	}
	return n
}

// ComposeWaiting adds a message to the outbox as Compose does, with files
// uploaded already (files) and files that wait to be uploaded (uploads,
// made with NewUpload), and returns its id. It is sent once every upload
// is done; until then it can be cancelled.
func (m *Model) ComposeWaiting(conv, to, text string, files []chat.File, uploads []Upload) chat.MsgID {
	id := m.Compose(conv, to, text, files...).ID
	m.AwaitUploads(id, uploads)
	return id
}

// AwaitUploads adds files that wait to be uploaded to message id, just
// composed (a reply, say), and reports whether it could: the message must
// not have gone over the wire.
func (m *Model) AwaitUploads(id chat.MsgID, uploads []Upload) bool {
	o := m.find(id)
	if o == nil || o.Wired || o.InFlight || o.IsAction() {
		return false
	}
	o.Uploads = append(o.Uploads, slices.Clone(uploads)...)
	return true
}

// NextUpload returns the first file of the outbox that waits to be
// uploaded: its message, its index in the message's Uploads and the
// Upload. Only this tab's outbox counts: the messages of other tabs are
// their tabs' to upload.
func (m *Model) NextUpload() (id chat.MsgID, index int, u Upload, ok bool) {
	for _, o := range m.Outbox {
		if o.Failed != "" {
			continue
		}
		for i, u := range o.Uploads {
			if !u.Done() {
				return o.ID, i, u, true
			}
		}
	}
	return chat.MsgID{}, 0, Upload{}, false
}

// Uploaded records that the server took file index of message id as f,
// and reports whether the message is now ready to be sent: then its
// uploads become its Files, in the order they were attached, after the
// files it had already.
func (m *Model) Uploaded(id chat.MsgID, index int, f chat.File) bool {
	o := m.find(id)
	if o == nil || index < 0 || index >= len(o.Uploads) || o.Failed != "" {
		return false
	}
	o.Uploads[index].File, o.Uploads[index].Bytes = &f, nil
	if o.AwaitsUpload() {
		return false
	}
	for _, u := range o.Uploads {
		o.Files = append(o.Files, *u.File)
	}
	o.Uploads = nil
	return true
}

// UploadRefused records that the server refused file index of message id
// for good, for reason: the message fails, and is never sent.
func (m *Model) UploadRefused(id chat.MsgID, index int, reason string) {
	o := m.find(id)
	if o == nil || index < 0 || index >= len(o.Uploads) || o.Failed != "" {
		return
	}
	o.Failed, o.FailCode = o.Uploads[index].Name+": "+reason, FailUpload
	m.orphan() // the actions waiting on it fail with it
}

// UploadRefusedForGood reports whether an upload answered with HTTP
// status must not be tried again: the server refused the file itself
// (too large, over the quota, unreadable), not the moment. A status of 0
// is no answer (offline, or the server is down), 408, 429 and 5xx other
// than 507 are worth another try later.
func UploadRefusedForGood(status int) bool {
	switch {
	case status == 0, status == 408, status == 429:
		return false
	case status == 507: // insufficient storage: the user's quota
		return true
	case status >= 500:
		return false
	}
	return status >= 400
}
