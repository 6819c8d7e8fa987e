package chat

import "strings"

// Attachments: a message may carry files, uploaded over HTTP first
// (FilesPath) and then named by id in a Send. The server fills in each
// File of the stored Entry from what it sniffed at upload; a client never
// says what a file is.

// FilesPath is where a browser uploads a file (POST, the raw bytes as the
// body, the file's name in the "name" query parameter) and downloads it
// (GET FilesPath/<id>, and GET FilesPath/<id>/thumb for an image's
// thumbnail). The upload answers {"file": File} or {"error": reason}.
const FilesPath = "/files"

// UploadPath is where a browser posts the bytes of a new file; FilesPath
// serves it back.
const UploadPath = "/api/files"

// UploadTokenParam names the query parameter of an upload that makes it
// idempotent: a random token of the client's (16 to 64 of A-Z a-z 0-9 _ -),
// the same for every try of one file. A second upload with the token the
// same user gave before is answered with the file the first one stored,
// and stores nothing: a client that lost the answer (the connection
// dropped, the tab closed) tries again without counting the file twice.
const UploadTokenParam = "once"

// ValidUploadToken reports whether s is a well-formed upload token.
func ValidUploadToken(s string) bool {
	if len(s) < 16 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// MaxFiles is the most files one message carries.
const MaxFiles = 10

// FileIDLength is the length of a file id: 26 characters of base32
// (A-Z, 2-7), 130 random bits, so that no id can be guessed.
const FileIDLength = 26

// File describes an attachment: ID is its random id, Name the name it was
// uploaded with (HTML-escaped, like every user string in an Entry), Type the
// media type the server sniffed from its bytes, Size its bytes as served.
// Width and Height are an image's pixels (0 for other files), and Thumb says
// the server made a thumbnail (FilesPath/<id>/thumb).
type File struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int64  `json:"size"`
	Width  int    `json:"w,omitempty"`
	Height int    `json:"h,omitempty"`
	Thumb  bool   `json:"thumb,omitempty"`
}

// IsImage reports whether the file is served inline as an image: one of
// the types the server decodes (PNG, JPEG, GIF, WebP). Every other file is
// served as an attachment, never rendered.
func (f File) IsImage() bool { return InlineImageType(f.Type) }

// InlineImageType reports whether a media type is one the server serves
// inline: PNG, JPEG, GIF or WebP.
func InlineImageType(t string) bool {
	switch t {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// ValidFileID reports whether s has the shape of a file id.
func ValidFileID(s string) bool {
	if len(s) != FileIDLength {
		return false
	}
	return strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") == ""
}

// validFiles checks the file ids of a Send: at most MaxFiles, each
// well-formed, none twice.
func validFiles(ids []string) error {
	if len(ids) > MaxFiles {
		return Errorf(CodeTooManyFiles, "a message carries at most %d files; this one has %d", MaxFiles, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !ValidFileID(id) {
			return Errorf(CodeNoSuchFile, "%q is not a file id", id)
		}
		if seen[id] {
			return Errorf(CodeBadRequest, "file %s is attached twice", id)
		}
		seen[id] = true
	}
	return nil
}

// CleanCaption is CleanText for the text of a message with files: with at
// least one file, a text of nothing but white space is an empty caption,
// not an error.
func CleanCaption(s string, files int) (string, error) {
	if files > 0 && strings.TrimSpace(s) == "" {
		return "", nil
	}
	return CleanText(s)
}
