package server_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// uploaded is the answer to one upload.
type uploaded struct {
	Status int
	File   *chat.File `json:"file"`
	Error  string     `json:"error"`
}

// upload posts body as a file called name with the browser jar; chunked
// sends it without a Content-Length, as a stream of unknown size.
func upload(t *testing.T, s *chattest.Server, jar http.CookieJar, name string, body []byte, query string, chunked bool) uploaded {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // hides the length
	}
	req, _ := http.NewRequest("POST", s.URL+chat.UploadPath+"?name="+url.QueryEscape(name)+query, r)
	req.Header.Set("Origin", s.URL)
	resp, err := (&http.Client{Jar: jar}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := uploaded{Status: resp.StatusCode}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("upload answered %d without JSON: %v", resp.StatusCode, err)
	}
	return out
}

// mustUpload uploads and fails the test unless the file is stored.
func mustUpload(t *testing.T, s *chattest.Server, jar http.CookieJar, name string, body []byte) chat.File {
	t.Helper()
	u := upload(t, s, jar, name, body, "", false)
	if u.Status != http.StatusOK || u.File == nil {
		t.Fatalf("upload of %s: %d %q", name, u.Status, u.Error)
	}
	return *u.File
}

// fetch gets a file path with the browser jar and returns the answer and
// its body.
func fetch(t *testing.T, s *chattest.Server, jar http.CookieJar, path string) (*http.Response, []byte) {
	t.Helper()
	resp, body := s.Get(t, jar, path)
	return resp, []byte(body)
}

// photo returns a w×h opaque image with some detail.
func photo(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

// pngWithText encodes img as PNG with a tEXt chunk holding text, as a
// camera or an editor leaves GPS positions and comments.
func pngWithText(t *testing.T, img image.Image, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	chunk := pngChunk("tEXt", []byte("Comment\x00"+text))
	// After the signature (8) and IHDR (8+13+4).
	return append(append(append([]byte{}, data[:33]...), chunk...), data[33:]...)
}

func pngChunk(kind string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, kind...)
	out = append(out, data...)
	return binary.BigEndian.AppendUint32(out, crc32.ChecksumIEEE(append([]byte(kind), data...)))
}

// jpegWithExif encodes img as JPEG with an APP1 Exif segment holding text.
func jpegWithExif(t *testing.T, img image.Image, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	payload := append([]byte("Exif\x00\x00"), text...)
	seg := append([]byte{0xFF, 0xE1}, binary.BigEndian.AppendUint16(nil, uint16(len(payload)+2))...)
	seg = append(seg, payload...)
	data := b.Bytes()
	return append(append(append([]byte{}, data[:2]...), seg...), data[2:]...)
}

// bombPNG is a valid small PNG whose header claims w×h pixels: the
// header is all a decompression bomb needs to be refused by.
func bombPNG(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, photo(2, 2)); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	ihdr := append([]byte{}, data[16:29]...)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	return append(append(append([]byte{}, data[:8]...), pngChunk("IHDR", ihdr)...), data[33:]...)
}

func TestUploadLimitsAreAnsweredWithAReason(t *testing.T) {
	s := chattest.New(t, server.Options{MaxUpload: 1000, UploadQuota: 2500})
	ann := s.User(t, "ann")
	for _, chunked := range []bool{false, true} {
		u := upload(t, s, ann.Jar, "big.bin", bytes.Repeat([]byte{1}, 1001), "", chunked)
		if u.Status != http.StatusRequestEntityTooLarge || !strings.Contains(u.Error, "1000 bytes") {
			t.Errorf("1001 bytes (chunked %v): %d %q", chunked, u.Status, u.Error)
		}
	}
	if u := upload(t, s, ann.Jar, "empty", nil, "", false); u.Status != http.StatusBadRequest || u.Error == "" {
		t.Errorf("an empty file: %d %q", u.Status, u.Error)
	}
	mustUpload(t, s, ann.Jar, "one.bin", bytes.Repeat([]byte{1}, 1000))
	mustUpload(t, s, ann.Jar, "two.bin", bytes.Repeat([]byte{2}, 1000))
	for _, chunked := range []bool{false, true} {
		u := upload(t, s, ann.Jar, "three.bin", bytes.Repeat([]byte{3}, 1000), "", chunked)
		if u.Status != http.StatusInsufficientStorage || !strings.Contains(u.Error, "quota") {
			t.Errorf("past the quota (chunked %v): %d %q", chunked, u.Status, u.Error)
		}
	}
	bob := s.User(t, "bob") // a quota is per user
	mustUpload(t, s, bob.Jar, "three.bin", bytes.Repeat([]byte{3}, 1000))

	if u := upload(t, s, chattest.NewJar(), "x.bin", []byte("x"), "", false); u.Status != http.StatusUnauthorized {
		t.Errorf("an upload without a name: %d %q", u.Status, u.Error)
	}
	req, _ := http.NewRequest("POST", s.URL+chat.UploadPath+"?name=x", strings.NewReader("x"))
	req.Header.Set("Origin", "http://evil.example")
	if resp, err := (&http.Client{Jar: ann.Jar}).Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("an upload from another site: %v %v", resp.Status, err)
	} else {
		resp.Body.Close()
	}
}

func TestUploadsAreSniffedAndServedSafely(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	for _, tc := range []struct {
		name, body string
	}{
		{"cat.png", "<html><script>alert(document.cookie)</script></html>"},
		{"logo.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`},
		{"page.html", "<!DOCTYPE html><script>alert(2)</script>"},
		{"broken.png", "\x89PNG\r\n\x1a\nnot really"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustUpload(t, s, ann.Jar, tc.name, []byte(tc.body))
			if f.IsImage() || f.Thumb {
				t.Fatalf("%s was taken for an image: %+v", tc.name, f)
			}
			resp, body := fetch(t, s, ann.Jar, chat.FilesPath+"/"+f.ID)
			h := resp.Header
			if resp.StatusCode != http.StatusOK || string(body) != tc.body {
				t.Fatalf("download: %d %q", resp.StatusCode, body)
			}
			if ct := h.Get("Content-Type"); strings.HasPrefix(ct, "image/") {
				t.Errorf("served as %s", ct)
			}
			if d := h.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment;") || !strings.Contains(d, tc.name) {
				t.Errorf("Content-Disposition %q", d)
			}
			if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") ||
				!strings.Contains(h.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("headers %v", h)
			}
		})
	}
	// A name is escaped in the header, whatever it holds.
	f := mustUpload(t, s, ann.Jar, "../../etc/a \"quoted\"\r\nSet-Cookie: x=1 名.txt", []byte("text"))
	resp, _ := fetch(t, s, ann.Jar, chat.FilesPath+"/"+f.ID)
	if d := resp.Header.Get("Content-Disposition"); strings.Contains(d, "\n") || strings.Contains(d, "etc") || resp.Header.Get("Set-Cookie") != "" {
		t.Errorf("Content-Disposition %q, Set-Cookie %q", d, resp.Header.Get("Set-Cookie"))
	}
	if f.Name != `a "quoted"Set-Cookie: x=1 名.txt` {
		t.Errorf("kept the name %q", f.Name)
	}
}

func TestImagesGetAThumbnailAndLoseTheirMetadata(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	for _, tc := range []struct {
		name, typ string
		body      []byte
	}{
		{"map.png", "image/png", pngWithText(t, photo(800, 400), "GPS 48.8584N 2.2945E")},
		{"holiday.jpg", "image/jpeg", jpegWithExif(t, photo(400, 800), "GPS 48.8584N 2.2945E")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mustUpload(t, s, ann.Jar, tc.name, tc.body)
			img := photo(800, 400).Bounds()
			if tc.typ == "image/jpeg" {
				img = photo(400, 800).Bounds()
			}
			if f.Type != tc.typ || !f.Thumb || f.Width != img.Dx() || f.Height != img.Dy() {
				t.Fatalf("file %+v", f)
			}
			resp, body := fetch(t, s, ann.Jar, chat.FilesPath+"/"+f.ID)
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != tc.typ || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
				t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
			}
			if bytes.Contains(body, []byte("GPS")) || int64(len(body)) != f.Size {
				t.Errorf("what others download keeps the metadata, or is not %d bytes: %d", f.Size, len(body))
			}
			if _, _, err := image.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("the served image does not decode: %v", err)
			}
			resp, thumb := fetch(t, s, ann.Jar, chat.FilesPath+"/"+f.ID+"/thumb")
			cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb))
			if resp.StatusCode != http.StatusOK || err != nil || max(cfg.Width, cfg.Height) != 320 || min(cfg.Width, cfg.Height) != 160 {
				t.Errorf("thumbnail: %d %+v %v", resp.StatusCode, cfg, err)
			}
			kept := upload(t, s, ann.Jar, tc.name, tc.body, "&keep=1", false)
			if kept.File == nil {
				t.Fatalf("keep: %d %q", kept.Status, kept.Error)
			}
			if _, body := fetch(t, s, ann.Jar, chat.FilesPath+"/"+kept.File.ID); !bytes.Equal(body, tc.body) {
				t.Errorf("the original kept on request was changed")
			}
		})
	}
}

func TestADecompressionBombIsRefusedBeforeDecoding(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	u := upload(t, s, ann.Jar, "bomb.png", bombPNG(t, 100_000, 100_000), "", false)
	if u.Status != http.StatusRequestEntityTooLarge || !strings.Contains(u.Error, "100000×100000 pixels") {
		t.Fatalf("bomb: %d %q", u.Status, u.Error)
	}
}

func TestFilesReachOnlyTheMembersOfTheirConversation(t *testing.T) {
	s := chattest.New(t, fast())
	ann, bob, cid := s.User(t, "ann"), s.User(t, "bob"), s.User(t, "cid")
	f := mustUpload(t, s, ann.Jar, "<i>plan.png", pngWithText(t, photo(40, 30), "x"))
	path := chat.FilesPath + "/" + f.ID
	status := func(c *chattest.Client, path string) int {
		t.Helper()
		resp, _ := fetch(t, s, c.Jar, path)
		return resp.StatusCode
	}
	if got := status(bob, path); got != http.StatusForbidden {
		t.Errorf("before it is posted, another user gets %d", got)
	}
	if got := status(ann, path); got != http.StatusOK {
		t.Errorf("before it is posted, its uploader gets %d", got)
	}

	bob.Send(&chat.Send{ID: msgID(1), To: "ann", Text: "steal", Files: []string{f.ID}})
	if e := chattest.Expect(bob, func(e *chat.Error) bool { return e.Ref == chat.TypeSend }); e.Code != chat.CodeNoSuchFile {
		t.Errorf("posting another's file: %+v", e)
	}
	ann.Send(&chat.Send{ID: msgID(1), To: "bob", Files: []string{f.ID}})
	ack := chattest.Expect(ann, func(a *chat.Ack) bool { return a.ID == msgID(1) })
	e := chattest.Expect(bob, func(e *chat.Entry) bool { return e.Conv == ack.Conv && len(e.Files) == 1 })
	if got := e.Files[0]; got.ID != f.ID || got.Name != "&lt;i&gt;plan.png" || got.Width != 40 || !got.Thumb {
		t.Errorf("the entry shows %+v", got)
	}
	for _, p := range []string{path, path + "/thumb"} {
		if got := status(bob, p); got != http.StatusOK {
			t.Errorf("the other member gets %s: %d", p, got)
		}
		if got := status(cid, p); got != http.StatusForbidden {
			t.Errorf("a third user gets %s: %d", p, got)
		}
	}
	if got := status(&chattest.Client{Jar: chattest.NewJar()}, path); got != http.StatusForbidden {
		t.Errorf("a browser without a name gets %d", got)
	}
	guess := strings.Repeat("A", chat.FileIDLength)
	for _, p := range []string{chat.FilesPath + "/" + guess, chat.FilesPath + "/" + guess + "/thumb", chat.FilesPath + "/nonsense", path + "x"} {
		if got := status(ann, p); got != http.StatusNotFound {
			t.Errorf("%s: %d", p, got)
		}
	}
	ann.Send(&chat.Send{ID: msgID(2), Conv: ack.Conv, Text: "x", Files: []string{guess}})
	if e := chattest.Expect(ann, func(e *chat.Error) bool { return e.Ref == chat.TypeSend }); e.Code != chat.CodeNoSuchFile {
		t.Errorf("posting a guessed id: %+v", e)
	}
}

func TestAnUploadCutOffLeavesNothingAndARetryWorks(t *testing.T) {
	st := chattest.Durable(t, t.TempDir())
	dir := t.TempDir()
	s := chattest.New(t, server.Options{Storage: st, UploadDir: dir})
	ann := s.User(t, "ann")
	body := bytes.Repeat([]byte("half of it "), 10_000)

	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(s.URL)
	fmt.Fprintf(conn, "POST %s?name=cut.txt HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\nCookie: %s\r\nContent-Length: %d\r\n\r\n",
		chat.UploadPath, u.Host, s.URL, cookieHeader(ann.Jar, u), len(body))
	conn.Write(body[:len(body)/2])
	chattest.Eventually(t, chattest.Wait, func() bool { return dirEntries(t, dir) == 1 }, "the upload to begin")
	conn.Close()
	chattest.Eventually(t, chattest.Wait, func() bool { return dirEntries(t, dir) == 0 }, "the cut-off upload's file to go")
	if used, err := st.Files.Usage(context.Background(), "ann"); err != nil || used != 0 {
		t.Fatalf("a cut-off upload counts %d bytes (%v)", used, err)
	}

	f := mustUpload(t, s, ann.Jar, "cut.txt", body)
	if _, got := fetch(t, s, ann.Jar, chat.FilesPath+"/"+f.ID); !bytes.Equal(got, body) {
		t.Fatalf("the retried upload reads back %d bytes of %d", len(got), len(body))
	}
	if used, _ := st.Files.Usage(context.Background(), "ann"); used != int64(len(body)) {
		t.Errorf("usage after the retry: %d", used)
	}
	if n := dirEntries(t, dir); n != 0 {
		t.Errorf("%d temporary files left", n)
	}
}

func cookieHeader(jar http.CookieJar, u *url.URL) string {
	var parts []string
	for _, c := range jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func dirEntries(t *testing.T, dir string) int {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(list)
}
