package slackimport_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/founding/chat/server/slackimport"
)

// member is one file of a zip a test builds.
type member struct {
	name string
	body []byte
}

// build returns a zip of members, deflated.
func build(t *testing.T, members ...member) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: m.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// counting is a ReaderAt that counts the bytes read from it.
type counting struct {
	r *bytes.Reader
	n atomic.Int64
}

func (c *counting) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n.Add(int64(n))
	return n, err
}

// open opens zip b and, for a refusal, returns its message.
func open(t *testing.T, b []byte, lim slackimport.Limits) (*slackimport.Archive, string) {
	t.Helper()
	a, err := slackimport.Open(bytes.NewReader(b), int64(len(b)), lim)
	var refused *slackimport.Error
	if errors.As(err, &refused) {
		return nil, refused.Message
	}
	if err != nil {
		t.Fatalf("not a refusal: %v", err)
	}
	return a, ""
}

var (
	users    = member{"users.json", []byte(`[{"id":"U1","name":"ann","profile":{"display_name":"Ann Lee"}},{"id":"U2","name":"bob"},{"id":"U3","name":"ann lee"}]`)}
	channels = member{"channels.json", []byte(`[{"id":"C1","name":"general","members":["U1","U2"]}]`)}
)

func TestOpenReadsAnExport(t *testing.T) {
	day2 := member{"general/2017-12-02.json", []byte(`[{"type":"message","user":"U2","text":"later","ts":"1512172800.000100"}]`)}
	day1 := member{"general/2017-12-01.json", []byte(`[
		{"type":"message","user":"U1","text":"second <@U2> see <https://example.com|the site> &amp; more","ts":"1512085960.000200"},
		{"type":"message","user":"U1","text":"first","ts":"1512085950.000100","thread_ts":"1512085950.000100"},
		{"type":"message","subtype":"channel_join","user":"U2","text":"<@U2> has joined","ts":"1512085940.000000"}]`)}
	a, why := open(t, build(t, users, channels, day2, day1), slackimport.Limits{})
	if why != "" {
		t.Fatal(why)
	}
	us, err := a.Users()
	if err != nil {
		t.Fatal(err)
	}
	named := slackimport.Names(us)
	if named["U1"] != "Ann_Lee" || named["U2"] != "bob" || named["U3"] != "ann_lee-2" {
		t.Errorf("names: %v", named)
	}
	chans, err := a.Channels()
	if err != nil || len(chans) != 1 || slackimport.RoomName(chans[0]) != "general" {
		t.Fatalf("channels: %+v, %v", chans, err)
	}
	days := a.Days("general")
	if len(days) != 2 || days[0] != "general/2017-12-01.json" {
		t.Fatalf("days: %v", days)
	}
	msgs, err := a.Messages(days[0])
	if err != nil || len(msgs) != 3 || msgs[1].Text != "first" || msgs[0].Imported() || !msgs[1].Imported() {
		t.Fatalf("messages, oldest first: %+v, %v", msgs, err)
	}
	if got := slackimport.Text(msgs[2], named, []slackimport.File{{Name: "plan.pdf"}}); got != "second @bob see the site (https://example.com) & more\n📎 plan.pdf (not in the export)" {
		t.Errorf("text: %q", got)
	}
	if us, err := slackimport.Micros("1512085950.0001"); err != nil || us != 1512085950000100 {
		t.Errorf("micros: %d, %v", us, err)
	}
}

// TestOpenRefusesHostileArchives: each archive is refused with a message
// saying why, before anything of it is imported.
func TestOpenRefusesHostileArchives(t *testing.T) {
	zeros := bytes.Repeat([]byte{0}, 20<<20)
	for _, tc := range []struct {
		name string
		zip  []byte
		lim  slackimport.Limits
		want string
	}{
		{"traversal", build(t, channels, member{"../../etc/cron.d/x", []byte("[]")}), slackimport.Limits{}, "outside"},
		{"traversalInside", build(t, channels, member{"general/../../x.json", []byte("[]")}), slackimport.Limits{}, "outside"},
		{"absolute", build(t, channels, member{"/etc/passwd", []byte("[]")}), slackimport.Limits{}, "outside"},
		{"backslash", build(t, channels, member{`general\..\..\x.json`, []byte("[]")}), slackimport.Limits{}, "outside"},
		{"bombRatio", build(t, channels, member{"general/2017-12-01.json", zeros}), slackimport.Limits{}, "expands"},
		{"bombMember", build(t, channels, member{"general/2017-12-01.json", zeros}), slackimport.Limits{MaxMemberBytes: 1 << 20, MaxRatio: 1 << 20}, "expands to"},
		{"bombTotal", build(t, channels, member{"a.json", zeros[:900<<10]}, member{"b.json", zeros[:900<<10]}), slackimport.Limits{MaxBytes: 1 << 20}, "more than 1048576 bytes"},
		{"tooManyEntries", build(t, channels, member{"a", nil}, member{"b", nil}, member{"c", nil}), slackimport.Limits{MaxEntries: 3}, "4 entries"},
		{"notAZip", []byte("PK\x03\x04 this is not a zip at all"), slackimport.Limits{}, "not a zip"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, why := open(t, tc.zip, tc.lim); !strings.Contains(why, tc.want) {
				t.Errorf("refusal %q; want it to say %q", why, tc.want)
			}
		})
	}
}

// TestOpenRefusesTenMillionEntriesUnread: an archive whose zip64 end record
// says it holds 10,000,000 entries (and a directory of 460 MB) is refused
// from its last bytes, without reading its directory.
func TestOpenRefusesTenMillionEntriesUnread(t *testing.T) {
	var b bytes.Buffer
	b.Write(build(t, channels)[:0]) // nothing before the records: the directory would start at 0
	const entries, dirSize = 10_000_000, 460_000_000
	rec := make([]byte, 56)
	binary.LittleEndian.PutUint32(rec[0:], 0x06064b50)
	binary.LittleEndian.PutUint64(rec[4:], 44)
	binary.LittleEndian.PutUint16(rec[12:], 45)
	binary.LittleEndian.PutUint16(rec[14:], 45)
	binary.LittleEndian.PutUint64(rec[24:], entries)
	binary.LittleEndian.PutUint64(rec[32:], entries)
	binary.LittleEndian.PutUint64(rec[40:], dirSize)
	binary.LittleEndian.PutUint64(rec[48:], 0)
	recAt := uint64(b.Len())
	b.Write(rec)
	loc := make([]byte, 20)
	binary.LittleEndian.PutUint32(loc[0:], 0x07064b50)
	binary.LittleEndian.PutUint64(loc[8:], recAt)
	binary.LittleEndian.PutUint32(loc[16:], 1)
	b.Write(loc)
	end := make([]byte, 22)
	binary.LittleEndian.PutUint32(end[0:], 0x06054b50)
	for _, at := range []int{4, 6} {
		binary.LittleEndian.PutUint16(end[at:], 0)
	}
	binary.LittleEndian.PutUint16(end[8:], 0xffff)
	binary.LittleEndian.PutUint16(end[10:], 0xffff)
	binary.LittleEndian.PutUint32(end[12:], 0xffffffff)
	binary.LittleEndian.PutUint32(end[16:], 0xffffffff)
	b.Write(end)

	r := &counting{r: bytes.NewReader(b.Bytes())}
	_, err := slackimport.Open(r, int64(b.Len()), slackimport.Limits{})
	var refused *slackimport.Error
	if !errors.As(err, &refused) || !strings.Contains(refused.Message, "10000000 entries") {
		t.Fatalf("10 million entries: %v", err)
	}
	if n := r.n.Load(); n > 1<<17 {
		t.Errorf("%d bytes read to refuse it", n)
	}
}

// TestMalformedJSONIsRefused: a day file or channels.json that is not
// JSON, or not the shape Slack writes, is an *Error naming it.
func TestMalformedJSONIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name string
		zip  []byte
		read func(*slackimport.Archive) error
		want string
	}{
		{"channels", build(t, member{"channels.json", []byte(`[{"id":`)}), func(a *slackimport.Archive) error { _, err := a.Channels(); return err }, "channels.json"},
		{"noChannels", build(t, users), func(a *slackimport.Archive) error { _, err := a.Channels(); return err }, "no channels.json"},
		{"users", build(t, member{"users.json", []byte(`{"id":"U1"}`)}), func(a *slackimport.Archive) error { _, err := a.Users(); return err }, "users.json"},
		{"day", build(t, member{"general/2017-12-01.json", []byte(`[{"ts":"1.0"}] trailing`)}), func(a *slackimport.Archive) error { _, err := a.Messages("general/2017-12-01.json"); return err }, "more than one JSON value"},
		{"timestamp", build(t, member{"general/2017-12-01.json", []byte(`[{"ts":"yesterday"}]`)}), func(a *slackimport.Archive) error { _, err := a.Messages("general/2017-12-01.json"); return err }, "not Slack's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, why := open(t, tc.zip, slackimport.Limits{})
			if why != "" {
				t.Fatal(why)
			}
			err := tc.read(a)
			var refused *slackimport.Error
			if !errors.As(err, &refused) || !strings.Contains(refused.Message, tc.want) {
				t.Errorf("got %v; want a refusal saying %q", err, tc.want)
			}
		})
	}
}

// TestPrivateConversationsAreRead: groups.json, mpims.json and dms.json
// are read (none when absent); a direct message's day files are in the
// folder of its id, the others' in their name's; malformed JSON in one of
// them is refused, naming it.
func TestPrivateConversationsAreRead(t *testing.T) {
	a, why := open(t, build(t, users, channels,
		member{"groups.json", []byte(`[{"id":"G1","name":"secret","members":["U1","U2"]}]`)},
		member{"mpims.json", []byte(`[{"id":"G2","name":"mpdm-ann--bob--cy-1","members":["U1","U2","U3"]}]`)},
		member{"dms.json", []byte(`[{"id":"D1","members":["U1","U2"]}]`)},
		member{"D1/2017-12-01.json", []byte(`[{"type":"message","user":"U1","text":"hi","ts":"1512085950.000100"}]`)},
	), slackimport.Limits{})
	if why != "" {
		t.Fatal(why)
	}
	groups, gerr := a.Groups()
	mpims, merr := a.MPIMs()
	dms, derr := a.DMs()
	if gerr != nil || merr != nil || derr != nil || len(groups) != 1 || groups[0].Folder() != "secret" ||
		len(mpims) != 1 || len(mpims[0].Members) != 3 || len(dms) != 1 || dms[0].Folder() != "D1" {
		t.Fatalf("groups %+v %v, mpims %+v %v, dms %+v %v", groups, gerr, mpims, merr, dms, derr)
	}
	if days := a.Days(dms[0].Folder()); len(days) != 1 || days[0] != "D1/2017-12-01.json" {
		t.Errorf("the direct message's days: %v", days)
	}
	if got := slackimport.Suffixed(strings.Repeat("a", 32), 12); got != strings.Repeat("a", 29)+"-12" {
		t.Errorf("suffixed: %q", got)
	}

	none, _ := open(t, build(t, users, channels), slackimport.Limits{})
	if dms, err := none.DMs(); err != nil || len(dms) != 0 {
		t.Errorf("an export of public channels only: %+v, %v", dms, err)
	}
	bad, _ := open(t, build(t, users, channels, member{"mpims.json", []byte(`[{"id":`)}), slackimport.Limits{})
	var refused *slackimport.Error
	if _, err := bad.MPIMs(); !errors.As(err, &refused) || !strings.Contains(refused.Message, "mpims.json") {
		t.Errorf("malformed mpims.json: %v", err)
	}
}
