package chat_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/founding/chat/app/chat"
)

// The seeds below run as ordinary tests; `go test -fuzz=FuzzX` explores
// from them.

func FuzzDecodeClient(f *testing.F) {
	for _, tc := range clientFrames() {
		b, err := chat.Encode(tc.frame)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `42`, `"ping"`, `{"type":null}`, `{"type":5}`, `{"type":""}`,
		`{"type":"ping"}`, `{"type":"ping","n":18446744073709551615}`, `{"type":"ping","n":18446744073709551616}`,
		`{"type":"ping","n":-0}`, `{"type":"ping","n":1e2}`, `{"type":"PING"}`, `{"TYPE":"ping"}`,
		`{"type":"ping","type":"nick","name":"ann"}`, `{"type":"nick","name":"a","NAME":"b"}`,
		`{"type":"nick","name":"\u0000"}`, `{"type":"nick","name":"\ud800"}`, `{"type":"nick","name":"\u200b"}`,
		`{"type":"send","id":{"d":"device-01","n":1},"conv":"r:lobby","text":"\r\n<script>\u2028"}`,
		`{"type":"send","id":{"d":"device-01","n":1},"to":"bob","conv":"r:lobby","text":"x"}`,
		`{"type":"join","room":"  group \t A "}`, `{"type":"history","conv":"c","limit":-1}`,
		`{"type":"resume","cursors":{"a":1,"a":2}}`, `{"type":"resume","cursors":null}`,
		`{"type":"resume","cursors":{"\u2028":1}}`, `{"type":"set_password","new":"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"}`,
		`{"type":"batch","frames":[]}`, `{"type":"welcome","me":"ann"}`, "{\"type\":\"nick\",\"name\":\"\xff\"}",
		`{"type":"read","conv":"c","seq":1} trailing`,
		`{"type":"preview","n":1,"text":"> **x**\n- [a](javascript:alert(1))"}`, `{"type":"preview","n":1,"text":""}`,
		`{"type":"preview","n":1,"text":"\u0007"}`, `{"type":"preview","text":"` + strings.Repeat(">", 5000) + `"}`,
		`{"type":"send","id":{"d":"device-01","n":1},"to":"bob","text":"x","reply":3}`,
		`{"type":"new_group","with":["bob"]}`, `{"type":"new_group","name":"\u0000","with":["bob","cid"]}`,
		`{"type":"new_group","name":"` + strings.Repeat("字", 65) + `","with":["bob","cid"]}`, `{"type":"new_group","with":null}`,
		`{"type":"new_group","with":["bob","<b>"]}`, `{"type":"new_group","with":["bob","bob","bob"],"name":" \t a  b "}`,
		`{"type":"add_to_group","conv":"r:lobby","names":["bob"]}`, `{"type":"add_to_group","conv":"g:x","names":[]}`,
		`{"type":"add_to_group","conv":"g:x","names":[1]}`, `{"type":"add_to_group","conv":"g:x","names":["\u202e"]}`,
		`{"type":"rename_group","conv":"g:x","name":"Trip"}`, `{"type":"rename_group","conv":"g:x"}`, `{"type":"rename_group","conv":"r:lobby","name":"x"}`,
		`{"type":"rename_group","conv":"g:x","name":"a\u0000b"}`, `{"type":"rename_group","conv":"g:x","name":5}`,
		`{"type":"edit","id":{"d":"device-01","n":2},"conv":"r:lobby","seq":0,"text":"x"}`,
		`{"type":"edit","id":{"d":"device-01","n":2},"conv":"r:lobby","seq":-1,"text":"x"}`,
		`{"type":"delete","id":{"d":"device-01","n":3},"conv":"","seq":4}`,
		`{"type":"follow","conv":"t:t:r:lobby:1:2","on":true}`, `{"type":"follow","conv":"t:r:lobby:01"}`, `{"type":"follow","conv":"r:lobby"}`,
		`{"type":"send","id":{"d":"device-01","n":1},"conv":"r:lobby","text":"x","also":true}`,
		`{"type":"unpreview","id":{"d":"device-01","n":5},"conv":"r:lobby","seq":0}`,
		`{"type":"unpreview","id":{"d":"device-01","n":5},"conv":"r:lobby","seq":4,"preview":{"url":"javascript:x"}}`,
		`{"type":"react","id":{"d":"device-01","n":4},"conv":"r:lobby","seq":4,"emoji":"<img src=x>","on":true}`,
		`{"type":"react","id":{"d":"device-01","n":4},"conv":"r:lobby","seq":4,"emoji":"\u2764\ufe0f\u200d\ud83d\udd25","on":"yes"}`, `{"type":"leave","conv":"` + strings.Repeat("\u2028", 100) + `"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := chat.DecodeClient(data)
		if err != nil {
			var ce *chat.Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %T %v is not a *chat.Error", err, err)
			}
			if _, ok := err.(*chat.Error); !ok {
				t.Fatalf("error %T is not a *chat.Error itself", err)
			}
			if ce.Code == "" || ce.Message == "" {
				t.Fatalf("error without code or message: %+v", ce)
			}
			if !utf8.ValidString(ce.Message) {
				t.Fatalf("error message is not valid UTF-8: %q", ce.Message)
			}
			return
		}
		if fr == nil {
			t.Fatal("no frame and no error")
		}
		enc, err := chat.Encode(fr)
		if err != nil {
			t.Fatalf("Encode(%#v): %v", fr, err)
		}
		if !strings.HasPrefix(string(enc), `{"type":"`+string(fr.FrameType())+`"`) {
			t.Fatalf("encoding does not start with its type: %s", enc)
		}
		if len(enc) > chat.MaxFrameBytes {
			// Re-encoding may grow a frame (U+2028 becomes \u2028); one that
			// grew past the limit cannot come back through DecodeClient.
			return
		}
		again, err := chat.DecodeClient(enc)
		if err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if !reflect.DeepEqual(again, fr) {
			t.Fatalf("round trip changed the frame:\n got %#v\nwant %#v", again, fr)
		}
	})
}

func FuzzCleanEmoji(f *testing.F) {
	for _, s := range emojiSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := chat.CleanEmoji(s)
		if err != nil {
			if e, ok := err.(*chat.Error); !ok || e.Code != chat.CodeBadEmoji || out != "" {
				t.Fatalf("CleanEmoji(%q) = %q, %v; want a bad_emoji error alone", s, out, err)
			}
			return
		}
		if out == "" || len(out) > chat.MaxEmojiBytes || !utf8.ValidString(out) {
			t.Fatalf("CleanEmoji(%q) = %q", s, out)
		}
		if strings.ContainsAny(out, "<>&\"' \t\n") {
			t.Fatalf("CleanEmoji(%q) = %q: holds markup or space", s, out)
		}
		again, err := chat.CleanEmoji(out)
		if err != nil || again != out {
			t.Fatalf("CleanEmoji is not idempotent: %q -> %q -> %q, %v", s, out, again, err)
		}
	})
}

// nameSeeds are names that probe the rules.
var nameSeeds = []string{
	"", " ", "ann", " ann ", "a b", "group   A", "小明", "ＡＢＣ", "e\u0301", "\u0301e", "a\u200bb",
	"\ufeff", "a\x00", "\x1b[0m", "a\u0085b", "\u3000x\u3000", "x\u00a0y", strings.Repeat("a", 32),
	strings.Repeat("a", 33), strings.Repeat("字", 33), "\xff", "a \u0301b", "<script>", "a\tb\nc",
	"\u2028x", "x\u202e", "\u3164", ".-_",
}

func FuzzCleanName(f *testing.F) {
	for _, s := range nameSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkClean(t, "CleanName", chat.CleanName, chat.CodeBadName, s, false)
		checkClean(t, "CleanRoom", chat.CleanRoom, chat.CodeBadRoom, s, true)
	})
}

func checkClean(t *testing.T, what string, clean func(string) (string, error), code chat.Code, s string, spaces bool) {
	t.Helper()
	out, err := clean(s)
	if err != nil {
		e, ok := err.(*chat.Error)
		if !ok || e.Code != code {
			t.Fatalf("%s(%q): error %v, want a *chat.Error with code %s", what, s, err, code)
		}
		if out != "" {
			t.Fatalf("%s(%q) = %q with an error", what, s, out)
		}
		return
	}
	if n := utf8.RuneCountInString(out); n == 0 || n > chat.MaxNameRunes {
		t.Fatalf("%s(%q) = %q: %d characters", what, s, out, n)
	}
	if !utf8.ValidString(out) {
		t.Fatalf("%s(%q) = %q: invalid UTF-8", what, s, out)
	}
	for i, r := range out {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			t.Fatalf("%s(%q) = %q: holds %U", what, s, out, r)
		case r == ' ' && (!spaces || i == 0 || i == len(out)-1 || strings.Contains(out, "  ")):
			t.Fatalf("%s(%q) = %q: misplaced space", what, s, out)
		case r != ' ' && unicode.IsSpace(r):
			t.Fatalf("%s(%q) = %q: holds white space %U", what, s, out, r)
		}
	}
	again, err := clean(out)
	if err != nil || again != out {
		t.Fatalf("%s is not idempotent: %q -> %q -> %q, %v", what, s, out, again, err)
	}
}

func FuzzCleanText(f *testing.F) {
	for _, s := range []string{
		"", " ", "hi", " hi \r\n", "a\r\nb", "a\rb", "a\r\r\nb", "\r", "a\tb", "a\x00", "\x1b", "a\u0085b",
		"\u0085a\u0085", "\u3000", "a\u2028b", "a\u200bb", "\xff", "<b>x</b>", strings.Repeat("字", 4000),
		strings.Repeat("字", 4001), " " + strings.Repeat("x", 4000) + " ", "\n\n\na\n\n\n", "\v\f",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := chat.CleanText(s)
		if err != nil {
			e, ok := err.(*chat.Error)
			if !ok {
				t.Fatalf("CleanText(%q): error %T %v is not a *chat.Error", s, err, err)
			}
			switch e.Code {
			case chat.CodeEmptyText, chat.CodeTextTooLong, chat.CodeBadText, chat.CodeInvalidUTF8:
			default:
				t.Fatalf("CleanText(%q): unexpected code %s", s, e.Code)
			}
			if out != "" {
				t.Fatalf("CleanText(%q) = %q with an error", s, out)
			}
			return
		}
		if out == "" || utf8.RuneCountInString(out) > chat.MaxTextRunes || !utf8.ValidString(out) {
			t.Fatalf("CleanText(%q) = %q", s, out)
		}
		if strings.TrimFunc(out, unicode.IsSpace) != out {
			t.Fatalf("CleanText(%q) = %q: not trimmed", s, out)
		}
		for _, r := range out {
			if r == '\r' || (unicode.IsControl(r) && r != '\n' && r != '\t') {
				t.Fatalf("CleanText(%q) = %q: holds %U", s, out, r)
			}
		}
		again, err := chat.CleanText(out)
		if err != nil || again != out {
			t.Fatalf("CleanText is not idempotent: %q -> %q -> %q, %v", s, out, again, err)
		}
	})
}
