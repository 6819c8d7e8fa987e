package chat_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
)

// frameCase is one row of a validation table: the frame, the code its
// validation gives (empty for none).
type frameCase struct {
	name  string
	frame chat.Frame
	code  chat.Code
}

// checkFrames validates each frame directly and through the wire (Encode,
// DecodeClient), and expects the same code both ways, with Ref naming the
// frame type.
func checkFrames(t *testing.T, testCases []frameCase) {
	t.Helper()
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if e := wantCode(t, tc.frame.Validate(), tc.code); e != nil && e.Ref != tc.frame.FrameType() {
				t.Errorf("Validate: ref = %q, want %q", e.Ref, tc.frame.FrameType())
			}
			b := mustEncode(t, tc.frame)
			f, err := chat.DecodeClient(b)
			if e := wantCode(t, err, tc.code); e != nil && e.Ref != tc.frame.FrameType() {
				t.Errorf("DecodeClient: ref = %q, want %q", e.Ref, tc.frame.FrameType())
			}
			if f == nil || f.FrameType() != tc.frame.FrameType() {
				t.Errorf("DecodeClient returned %#v, want the decoded frame even when it is invalid", f)
			}
		})
	}
}

func runes(r string, n int) string { return strings.Repeat(r, n) }

func TestValidateNick(t *testing.T) {
	t.Parallel()
	nick := func(name string) chat.Frame { return &chat.Nick{Name: name} }
	checkFrames(t, []frameCase{
		{"ascii", nick("ann"), ""},
		{"punctuation", nick("Ann_B-2.0"), ""},
		{"cjk", nick("小明"), ""},
		{"fullWidth", nick("ＡＢＣ１"), ""},
		{"cyrillic", nick("Пётр"), ""},
		{"combiningAfterLetter", nick("e\u0301mile"), ""},
		{"padded", nick("  ann\t"), ""},
		{"max32", nick(runes("a", 32)), ""},
		{"max32CJK", nick(runes("字", 32)), ""},
		{"missing", nick(""), chat.CodeMissingField},
		{"onlySpaces", nick("   "), chat.CodeBadName},
		{"len33", nick(runes("a", 33)), chat.CodeBadName},
		{"len33CJK", nick(runes("字", 33)), chat.CodeBadName},
		{"innerSpace", nick("ann b"), chat.CodeBadName},
		{"innerTab", nick("ann\tb"), chat.CodeBadName},
		{"innerNewline", nick("ann\nb"), chat.CodeBadName},
		{"nul", nick("ann\x00"), chat.CodeBadName},
		{"escape", nick("\x1b[31mann"), chat.CodeBadName},
		{"del", nick("ann\x7f"), chat.CodeBadName},
		{"c1Control", nick("ann\u0085b"), chat.CodeBadName},
		{"zeroWidthSpace", nick("zero\u200bwidth"), chat.CodeBadName},
		{"zeroWidthJoiner", nick("a\u200db"), chat.CodeBadName},
		{"zeroWidthNonJoiner", nick("a\u200cb"), chat.CodeBadName},
		{"wordJoiner", nick("a\u2060b"), chat.CodeBadName},
		{"byteOrderMark", nick("\ufeffann"), chat.CodeBadName},
		{"softHyphen", nick("a\u00adb"), chat.CodeBadName},
		{"bidiOverride", nick("ann\u202egpj"), chat.CodeBadName},
		{"combiningFirst", nick("\u0301ann"), chat.CodeBadName},
		{"combiningOnly", nick("\u0301"), chat.CodeBadName},
		{"markup", nick("<script>"), chat.CodeBadName},
		{"ampersand", nick("a&b"), chat.CodeBadName},
		{"at", nick("ann@example"), chat.CodeBadName},
		{"emoji", nick("ann😀"), chat.CodeBadName},
		{"ideographicSpaceInside", nick("小\u3000明"), chat.CodeBadName},
	})
}

func TestCleanName(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		in   string
		want string
		code chat.Code
	}{
		{name: "trimmed", in: " \tann\n ", want: "ann"},
		{name: "ideographicSpaceTrimmed", in: "\u3000小明\u3000", want: "小明"},
		{name: "fullWidthKept", in: "ＡＢＣ", want: "ＡＢＣ"},
		{name: "caseKept", in: "AnN", want: "AnN"},
		{name: "invalidUTF8", in: "ann\xff", code: chat.CodeBadName},
		{name: "empty", in: "", code: chat.CodeBadName},
		{name: "len33AfterTrim", in: " " + runes("b", 33) + " ", code: chat.CodeBadName},
		{name: "len32AfterTrim", in: " " + runes("b", 32) + " ", want: runes("b", 32)},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := chat.CleanName(tc.in)
			wantCode(t, err, tc.code)
			if got != tc.want {
				t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCleanRoom(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		in   string
		want string
		code chat.Code
	}{
		{name: "plain", in: "lobby", want: "lobby"},
		{name: "innerSpace", in: "group A", want: "group A"},
		{name: "spacesCollapsed", in: "group   A", want: "group A"},
		{name: "trimmedAndCollapsed", in: "  group \t\n A  ", want: "group A"},
		{name: "ideographicSpace", in: "小组\u3000\u3000一", want: "小组 一"},
		{name: "lengthAfterCollapse", in: "a" + runes(" ", 40) + "b", want: "a b"},
		{name: "max32WithSpaces", in: runes("ab ", 10) + "ab", want: runes("ab ", 10) + "ab"},
		{name: "len33WithSpaces", in: runes("ab ", 10) + "abc", code: chat.CodeBadRoom},
		{name: "len33Letters", in: runes("r", 33), code: chat.CodeBadRoom},
		{name: "empty", in: "", code: chat.CodeBadRoom},
		{name: "onlySpaces", in: "   ", code: chat.CodeBadRoom},
		{name: "zeroWidth", in: "group\u200bA", code: chat.CodeBadRoom},
		{name: "control", in: "group\x07A", code: chat.CodeBadRoom},
		{name: "combiningFirst", in: "\u0301group", code: chat.CodeBadRoom},
		{name: "markup", in: "<b>room</b>", code: chat.CodeBadRoom},
		{name: "invalidUTF8", in: "room\xc3", code: chat.CodeBadRoom},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := chat.CleanRoom(tc.in)
			wantCode(t, err, tc.code)
			if got != tc.want {
				t.Errorf("CleanRoom(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidateJoin(t *testing.T) {
	t.Parallel()
	join := func(room string) chat.Frame { return &chat.Join{Room: room} }
	checkFrames(t, []frameCase{
		{"plain", join("lobby"), ""},
		{"innerSpaces", join("group   A"), ""},
		{"cjk", join("小组 一"), ""},
		{"missing", join(""), chat.CodeMissingField},
		{"onlySpaces", join("  "), chat.CodeBadRoom},
		{"len33", join(runes("r", 33)), chat.CodeBadRoom},
		{"zeroWidth", join("a\u200bb"), chat.CodeBadRoom},
		{"control", join("a\x00b"), chat.CodeBadRoom},
		{"combiningFirst", join("\u0301a"), chat.CodeBadRoom},
		{"fullWidth", join("ＧＲＯＵＰ Ａ"), ""},
	})
}

func TestValidateOpen(t *testing.T) {
	t.Parallel()
	checkFrames(t, []frameCase{
		{"ok", &chat.Open{With: "bob"}, ""},
		{"missing", &chat.Open{}, chat.CodeMissingField},
		{"space", &chat.Open{With: "bob smith"}, chat.CodeBadName},
		{"len33", &chat.Open{With: runes("b", 33)}, chat.CodeBadName},
		{"zeroWidth", &chat.Open{With: "b\u200bob"}, chat.CodeBadName},
	})
}

func TestValidateLeaveAndRead(t *testing.T) {
	t.Parallel()
	checkFrames(t, []frameCase{
		{"leave", &chat.Leave{Conv: "r:g"}, ""},
		{"leaveMissing", &chat.Leave{}, chat.CodeMissingField},
		{"read", &chat.Read{Conv: "r:g", Seq: 3}, ""},
		{"readZeroSeq", &chat.Read{Conv: "r:g"}, ""},
		{"readMissing", &chat.Read{Seq: 3}, chat.CodeMissingField},
		{"ping", &chat.Ping{}, ""},
	})
}

func TestValidateSend(t *testing.T) {
	t.Parallel()
	send := func(conv, to, text string) *chat.Send {
		return &chat.Send{ID: testID, Conv: conv, To: to, Text: text}
	}
	withID := func(d string, n uint64) *chat.Send {
		s := send("r:lobby", "", "hi")
		s.ID = chat.MsgID{Device: d, N: n}
		return s
	}
	testCases := []frameCase{
		{"toConv", send("r:lobby", "", "hi"), ""},
		{"toUser", send("", "bob", "hi"), ""},
		{"multiline", send("r:lobby", "", "a\r\nb\tc"), ""},
		{"maxText", send("r:lobby", "", runes("字", chat.MaxTextRunes)), ""},
		{"noDevice", withID("", 1), chat.CodeMissingField},
		{"zeroCounter", withID("device-01", 0), chat.CodeMissingField},
		{"deviceTooShort", withID("dev-007", 1), chat.CodeBadDevice},
		{"deviceTooLong", withID(runes("d", 65), 1), chat.CodeBadDevice},
		{"deviceBadChar", withID("device.01", 1), chat.CodeBadDevice},
		{"deviceSpace", withID("device 01", 1), chat.CodeBadDevice},
		{"deviceUnicode", withID("设备设备设备设备", 1), chat.CodeBadDevice},
		{"neitherConvNorTo", send("", "", "hi"), chat.CodeMissingField},
		{"bothConvAndTo", send("r:lobby", "bob", "hi"), chat.CodeBadRequest},
		{"badTo", send("", "bob smith", "hi"), chat.CodeBadName},
		{"toTooLong", send("", runes("b", 33), "hi"), chat.CodeBadName},
		{"noText", send("r:lobby", "", ""), chat.CodeMissingField},
		{"blankText", send("r:lobby", "", " \r\n\t "), chat.CodeEmptyText},
		{"textTooLong", send("r:lobby", "", runes("字", chat.MaxTextRunes+1)), chat.CodeTextTooLong},
		{"controlInText", send("r:lobby", "", "bell\x07"), chat.CodeBadText},
	}
	checkFrames(t, testCases)
	// Every error about a send names the message it concerns.
	for _, tc := range testCases {
		if tc.code == "" {
			continue
		}
		e, ok := tc.frame.Validate().(*chat.Error)
		if !ok {
			continue // reported by checkFrames
		}
		if id := tc.frame.(*chat.Send).ID; e.ID == nil || *e.ID != id {
			t.Errorf("%s: error id = %v, want %v", tc.name, e.ID, id)
		}
	}
}

func TestValidateHistory(t *testing.T) {
	t.Parallel()
	checkFrames(t, []frameCase{
		{"latest", &chat.History{Conv: "r:lobby"}, ""},
		{"after", &chat.History{Conv: "r:lobby", After: 3, Limit: 1}, ""},
		{"before", &chat.History{Conv: "r:lobby", Before: 3, Limit: chat.MaxHistoryLimit}, ""},
		{"missingConv", &chat.History{After: 3}, chat.CodeMissingField},
		{"negativeLimit", &chat.History{Conv: "r:lobby", Limit: -1}, chat.CodeBadRequest},
		{"limitOverMax", &chat.History{Conv: "r:lobby", Limit: chat.MaxHistoryLimit + 1}, chat.CodeBadRequest},
		{"afterAndBefore", &chat.History{Conv: "r:lobby", After: 1, Before: 5}, chat.CodeBadRequest},
	})
}

func TestValidateResume(t *testing.T) {
	t.Parallel()
	cursors := func(n int) map[string]uint64 {
		m := make(map[string]uint64, n)
		for i := range n {
			m[fmt.Sprintf("r:%d", i)] = uint64(i)
		}
		return m
	}
	checkFrames(t, []frameCase{
		{"none", &chat.Resume{}, ""},
		{"one", &chat.Resume{Cursors: map[string]uint64{"r:lobby": 0}}, ""},
		{"max", &chat.Resume{Cursors: cursors(chat.MaxCursors)}, ""},
		{"tooMany", &chat.Resume{Cursors: cursors(chat.MaxCursors + 1)}, chat.CodeBadRequest},
		{"emptyConv", &chat.Resume{Cursors: map[string]uint64{"": 1}}, chat.CodeBadRequest},
	})
}

func TestValidateSetPassword(t *testing.T) {
	t.Parallel()
	checkFrames(t, []frameCase{
		{"min8", &chat.SetPassword{New: "12345678"}, ""},
		{"cjk8", &chat.SetPassword{New: runes("密", 8)}, ""},
		{"withOld", &chat.SetPassword{Old: "old-secret", New: "new-secret"}, ""},
		{"max256Bytes", &chat.SetPassword{New: runes("p", chat.MaxPasswordBytes)}, ""},
		{"missing", &chat.SetPassword{Old: "old-secret"}, chat.CodeMissingField},
		{"short", &chat.SetPassword{New: "1234567"}, chat.CodeBadPassword},
		{"shortCJK", &chat.SetPassword{New: runes("密", 7)}, chat.CodeBadPassword}, // 21 bytes, 7 characters
		{"tooLong", &chat.SetPassword{New: runes("p", chat.MaxPasswordBytes+1)}, chat.CodeBadPassword},
		{"tooLongMultibyte", &chat.SetPassword{New: runes("密", 86)}, chat.CodeBadPassword}, // 258 bytes
		{"oldTooLong", &chat.SetPassword{Old: runes("p", chat.MaxPasswordBytes+1), New: "new-secret"}, chat.CodeBadPassword},
	})
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		in   string
		want string
		code chat.Code
	}{
		{name: "plain", in: "hello", want: "hello"},
		{name: "trimmed", in: "  \t hi \n ", want: "hi"},
		{name: "crlf", in: "a\r\nb\r\nc", want: "a\nb\nc"},
		{name: "cr", in: "a\rb", want: "a\nb"},
		{name: "crThenCrlf", in: "a\r\r\nb", want: "a\n\nb"},
		{name: "trimCRLF", in: "\r\n a \r\n", want: "a"},
		{name: "tabAndNewlineKept", in: "a\tb\nc\n\nd", want: "a\tb\nc\n\nd"},
		{name: "innerSpacesKept", in: "a   b", want: "a   b"},
		{name: "htmlUntouched", in: "<b>x</b> & y", want: "<b>x</b> & y"},
		{name: "cjk", in: "你好，世界", want: "你好，世界"},
		{name: "zeroWidthAllowed", in: "a\u200bb", want: "a\u200bb"},
		{name: "maxRunes", in: runes("字", chat.MaxTextRunes), want: runes("字", chat.MaxTextRunes)},
		{name: "maxRunesAfterTrim", in: "  " + runes("x", chat.MaxTextRunes) + "\n\n", want: runes("x", chat.MaxTextRunes)},
		{name: "empty", in: "", code: chat.CodeEmptyText},
		{name: "blank", in: " \t\r\n\u3000", code: chat.CodeEmptyText},
		{name: "tooLong", in: runes("字", chat.MaxTextRunes+1), code: chat.CodeTextTooLong},
		{name: "tooLongASCII", in: runes("x", chat.MaxTextRunes+1), code: chat.CodeTextTooLong},
		{name: "nul", in: "a\x00b", code: chat.CodeBadText},
		{name: "escape", in: "\x1b[31mred", code: chat.CodeBadText},
		{name: "bell", in: "ding\x07", code: chat.CodeBadText},
		{name: "del", in: "a\x7fb", code: chat.CodeBadText},
		{name: "formFeed", in: "a\fb", code: chat.CodeBadText},
		{name: "verticalTab", in: "a\vb", code: chat.CodeBadText},
		{name: "nextLine", in: "a\u0085b", code: chat.CodeBadText},
		{name: "invalidUTF8", in: "a\xffb", code: chat.CodeInvalidUTF8},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := chat.CleanText(tc.in)
			wantCode(t, err, tc.code)
			if got != tc.want {
				t.Errorf("CleanText(%.40q) = %.40q, want %.40q", tc.in, got, tc.want)
			}
		})
	}
}

func TestValidDevice(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		in   string
		want bool
	}{
		{"min8", "abcd1234", true},
		{"max64", runes("Z", 64), true},
		{"allClasses", "aZ09_-aZ", true},
		{"hex24", "0123456789abcdef01234567", true},
		{"len7", "abc1234", false},
		{"len65", runes("a", 65), false},
		{"empty", "", false},
		{"dot", "abcd.1234", false},
		{"space", "abcd 1234", false},
		{"slash", "abcd/1234", false},
		{"unicodeLetters", "ａｂｃｄ１２３４", false},
		{"nul", "abcd\x001234", false},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			if got := chat.ValidDevice(tc.in); got != tc.want {
				t.Errorf("ValidDevice(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestValidateServerFrames checks what a client relies on in server frames.
func TestValidateServerFrames(t *testing.T) {
	t.Parallel()
	entry := func(seq uint64) chat.Entry { return chat.Entry{Conv: "c", Seq: seq} }
	testCases := []struct {
		name  string
		frame chat.Frame
		code  chat.Code
	}{
		{"pageConsecutive", &chat.Page{Conv: "c", Entries: []chat.Entry{entry(1), entry(2), entry(3)}}, ""},
		{"pageEmpty", &chat.Page{Conv: "c"}, ""},
		{"pageGap", &chat.Page{Conv: "c", Entries: []chat.Entry{entry(1), entry(3)}}, chat.CodeBadRequest},
		{"pageBackwards", &chat.Page{Conv: "c", Entries: []chat.Entry{entry(2), entry(1)}}, chat.CodeBadRequest},
		{"pageDuplicate", &chat.Page{Conv: "c", Entries: []chat.Entry{entry(2), entry(2)}}, chat.CodeBadRequest},
		{"welcomeNeedName", &chat.Welcome{NeedName: true}, ""},
		{"welcomeNobody", &chat.Welcome{}, chat.CodeMissingField},
		{"ackNoID", &chat.Ack{Conv: "c", Seq: 1}, chat.CodeMissingField},
		{"batchChecksInner", &chat.Batch{Frames: []chat.Frame{&chat.Pong{}, &chat.Entry{Conv: "c"}}}, chat.CodeMissingField},
		{"convPrivate", &chat.Conv{ConvInfo: chat.ConvInfo{ID: "p:1", Kind: chat.KindPrivate}}, ""},
		{"handover", &chat.Handover{Code: "a-code"}, ""},
		{"handoverEmpty", &chat.Handover{}, chat.CodeMissingField},
		{"handoverLong", &chat.Handover{Code: strings.Repeat("c", chat.MaxHandoverCode+1)}, chat.CodeBadRequest},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, tc.frame.Validate(), tc.code)
		})
	}
}

// TestDecodedInvalidFrameIsReturned documents that DecodeClient hands back
// the frame with its validation error, so that a server can name the
// message in the error frame.
func TestDecodedInvalidFrameIsReturned(t *testing.T) {
	t.Parallel()
	f, err := chat.DecodeClient([]byte(`{"type":"send","id":{"d":"device-01","n":9},"conv":"r:lobby","text":"  "}`))
	e := wantCode(t, err, chat.CodeEmptyText)
	want := &chat.Send{ID: chat.MsgID{Device: "device-01", N: 9}, Conv: "r:lobby", Text: "  "}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("frame = %#v, want %#v", f, want)
	}
	if e.ID == nil || *e.ID != want.ID || e.Ref != chat.TypeSend {
		t.Errorf("error = %+v, want id %v and ref send", e, want.ID)
	}
}

// TestCleanNameRejectsInvisibleCharacters: a name that looks like another
// (or like nothing) lets one user pass for another.
func TestCleanNameRejectsInvisibleCharacters(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"\u3164", "ann\u3164", "\u115f", "\uffa0", "a\u1160", "ann\u034f", "ann\ufe0f"} {
		if out, err := chat.CleanName(name); err == nil {
			t.Errorf("CleanName(%+q) = %+q, want bad_name", name, out)
		}
		if out, err := chat.CleanRoom(name); err == nil {
			t.Errorf("CleanRoom(%+q) = %+q, want bad_room", name, out)
		}
	}
}

func TestCheckNewName(t *testing.T) {
	t.Parallel()
	testCases := []struct {
		name string
		in   string
		ok   bool
	}{
		{"latin", "Ann12", true},
		{"latinWithInnerPunctuation", "ann.b_c-d", true},
		{"accented", "José", true},
		{"accentedDecomposed", "Jose\u0301", true},
		{"vietnamese", "Nguyễn", true},
		{"chinese", "小明", true},
		{"chineseWithLatin", "小明Ann", true},
		{"japanese", "さくらサクラ桜", true},
		{"japaneseWithLatin", "Sakuraさくら", true},
		{"korean", "김민준", true},
		{"koreanWithHan", "김金", true},
		{"bopomofoWithHan", "ㄅ明", true},
		{"cyrillicAlone", "Анна", true},
		{"greekAlone", "Άννα", true},
		{"devanagariWithSigns", "क्षितिज", true},
		{"digitsOnly", "2024", true},
		{"fullWidth", "ＡＢＣ", true},
		{"cyrillicA", "\u0410nn", false},
		{"greekAlpha", "\u0391nn", false},
		{"armenian", "An\u0578", false},
		{"koreanWithJapanese", "김さくら", false},
		{"trailingDot", "Ann.", false},
		{"leadingDash", "-Ann", false},
		{"trailingUnderscore", "ann_", false},
		{"stackedMarks", "Zal\u0301\u0302\u0303go", false},
		{"twoMarksAllowed", "a\u0301\u0302", true},
	}
	for _, tc := range testCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := chat.CleanName(tc.in); err != nil && tc.ok {
				t.Fatalf("CleanName(%q): %v", tc.in, err)
			}
			err := chat.CheckNewName(tc.in)
			if tc.ok && err != nil {
				t.Errorf("CheckNewName(%q) = %v, want it allowed", tc.in, err)
			}
			if !tc.ok {
				var ce *chat.Error
				if !errors.As(err, &ce) || ce.Code != chat.CodeBadName {
					t.Errorf("CheckNewName(%q) = %v, want a bad_name error", tc.in, err)
				}
			}
		})
	}
	if err := chat.CheckNewRoom("group A"); err != nil {
		t.Errorf("CheckNewRoom(group A) = %v", err)
	}
	var ce *chat.Error
	if err := chat.CheckNewRoom("gr\u043Eup"); !errors.As(err, &ce) || ce.Code != chat.CodeBadRoom {
		t.Errorf("CheckNewRoom(mixed) = %v, want bad_room", err)
	}
}

func TestValidateActions(t *testing.T) {
	t.Parallel()
	bad := chat.MsgID{Device: "dev.01", N: 1}
	testCases := []frameCase{
		{"reply", &chat.Send{ID: testID, Conv: "r:lobby", Text: "yes", Reply: 3}, ""},
		{"replyWithTo", &chat.Send{ID: testID, To: "bob", Text: "yes", Reply: 3}, chat.CodeBadRequest},

		{"edit", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 3, Text: "new"}, ""},
		{"editNoID", &chat.Edit{Conv: "r:lobby", Seq: 3, Text: "new"}, chat.CodeMissingField},
		{"editBadDevice", &chat.Edit{ID: bad, Conv: "r:lobby", Seq: 3, Text: "new"}, chat.CodeBadDevice},
		{"editNoConv", &chat.Edit{ID: testID, Seq: 3, Text: "new"}, chat.CodeMissingField},
		{"editHugeConv", &chat.Edit{ID: testID, Conv: runes("c", chat.MaxConvIDBytes+1), Seq: 3, Text: "new"}, chat.CodeNoSuchConv},
		{"editNoSeq", &chat.Edit{ID: testID, Conv: "r:lobby", Text: "new"}, chat.CodeMissingField},
		{"editNoText", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 3}, chat.CodeMissingField},
		{"editBlank", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 3, Text: " \n "}, chat.CodeEmptyText},
		{"editTooLong", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 3, Text: runes("x", chat.MaxTextRunes+1)}, chat.CodeTextTooLong},
		{"editControl", &chat.Edit{ID: testID, Conv: "r:lobby", Seq: 3, Text: "a\x1b"}, chat.CodeBadText},

		{"delete", &chat.Delete{ID: testID, Conv: "r:lobby", Seq: 3}, ""},
		{"deleteNoID", &chat.Delete{Conv: "r:lobby", Seq: 3}, chat.CodeMissingField},
		{"deleteNoConv", &chat.Delete{ID: testID, Seq: 3}, chat.CodeMissingField},
		{"deleteNoSeq", &chat.Delete{ID: testID, Conv: "r:lobby"}, chat.CodeMissingField},

		{"reactOn", &chat.React{ID: testID, Conv: "r:lobby", Seq: 3, Emoji: "👍", On: true}, ""},
		{"reactOff", &chat.React{ID: testID, Conv: "r:lobby", Seq: 3, Emoji: "👍"}, ""},
		{"reactBadDevice", &chat.React{ID: bad, Conv: "r:lobby", Seq: 3, Emoji: "👍"}, chat.CodeBadDevice},
		{"reactNoSeq", &chat.React{ID: testID, Conv: "r:lobby", Emoji: "👍"}, chat.CodeMissingField},
		{"reactNoEmoji", &chat.React{ID: testID, Conv: "r:lobby", Seq: 3}, chat.CodeBadEmoji},
		{"reactMarkup", &chat.React{ID: testID, Conv: "r:lobby", Seq: 3, Emoji: "<script>"}, chat.CodeBadEmoji},
		{"reactTwo", &chat.React{ID: testID, Conv: "r:lobby", Seq: 3, Emoji: "👍👎"}, chat.CodeBadEmoji},
	}
	checkFrames(t, testCases)
	// Every error about an action names the action's id, for the outbox.
	for _, tc := range testCases {
		e, ok := tc.frame.Validate().(*chat.Error)
		if tc.code == "" || !ok {
			continue
		}
		id := reflect.ValueOf(tc.frame).Elem().FieldByName("ID").Interface().(chat.MsgID)
		if e.ID == nil || *e.ID != id {
			t.Errorf("%s: error id = %v, want %v", tc.name, e.ID, id)
		}
	}
}
