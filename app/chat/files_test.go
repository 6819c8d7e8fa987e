package chat

import (
	"errors"
	"strings"
	"testing"
)

func TestSendWithFiles(t *testing.T) {
	id := MsgID{Device: "device-1", N: 1}
	file := strings.Repeat("A", FileIDLength)
	many := make([]string, MaxFiles+1)
	for i := range many {
		many[i] = strings.Repeat("A", FileIDLength-1) + string(rune('A'+i))
	}
	for _, tc := range []struct {
		name string
		send Send
		code Code // "" for valid
	}{
		{"a caption and a file", Send{ID: id, Conv: "r:lobby", Text: "look", Files: []string{file}}, ""},
		{"a file without a caption", Send{ID: id, Conv: "r:lobby", Files: []string{file}}, ""},
		{"a file with a blank caption", Send{ID: id, Conv: "r:lobby", Text: "  \n", Files: []string{file}}, ""},
		{"no text, no file", Send{ID: id, Conv: "r:lobby"}, CodeMissingField},
		{"blank text, no file", Send{ID: id, Conv: "r:lobby", Text: " "}, CodeEmptyText},
		{"too many files", Send{ID: id, Conv: "r:lobby", Files: many}, CodeTooManyFiles},
		{"a malformed id", Send{ID: id, Conv: "r:lobby", Files: []string{"../../etc/passwd"}}, CodeNoSuchFile},
		{"a lower-case id", Send{ID: id, Conv: "r:lobby", Files: []string{strings.ToLower(file)}}, CodeNoSuchFile},
		{"one file twice", Send{ID: id, Conv: "r:lobby", Files: []string{file, file}}, CodeBadRequest},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.send.Validate()
			var e *Error
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &e) || e.Code != tc.code):
				t.Fatalf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestInlineImageTypes(t *testing.T) {
	for typ, inline := range map[string]bool{
		"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
		"image/svg+xml": false, "text/html; charset=utf-8": false, "application/pdf": false, "": false,
	} {
		if got := (File{Type: typ}).IsImage(); got != inline {
			t.Errorf("%q inline = %v", typ, got)
		}
	}
}
