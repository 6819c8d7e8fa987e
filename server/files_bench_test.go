package server_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/jpeg"
	"net/http"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server"
	"github.com/founding/chat/server/chattest"
)

// BenchmarkUpload is the upload throughput on loopback, into the embedded
// JetStream's object store, each upload new bytes (no deduplication):
// POST /api/files with a 4 MiB file that is not an image, and with a 3
// megapixel JPEG photo, which is decoded, re-encoded and thumbnailed.
// docs/storage.md has the figures and the command.
func BenchmarkUpload(b *testing.B) {
	// Photos that differ, so that their re-encoded copies and thumbnails
	// differ too: run at most len(photos) iterations (-benchtime 16x).
	photos := make([][]byte, 16)
	img := photo(2000, 1500).(*image.RGBA)
	for i := range photos {
		img.Pix[0] = byte(i * 16)
		var out bytes.Buffer
		if err := jpeg.Encode(&out, img, &jpeg.Options{Quality: 85}); err != nil {
			b.Fatal(err)
		}
		photos[i] = out.Bytes()
	}
	file := bytes.Repeat([]byte("0123456789abcdef"), 256<<10)
	for _, bc := range []struct {
		name string
		body func(i int) []byte
	}{
		{"file-4MiB", func(i int) []byte {
			binary.BigEndian.PutUint64(file, uint64(i)) // new bytes: no deduplication
			return file
		}},
		{"jpeg-3Mpx", func(i int) []byte { return photos[i%len(photos)] }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := chattest.New(b, server.Options{UploadQuota: 1 << 50})
			ann := s.User(b, "ann")
			client := &http.Client{Jar: ann.Jar}
			b.SetBytes(int64(len(bc.body(0))))
			b.ResetTimer()
			for i := range b.N {
				body := bc.body(i)
				req, _ := http.NewRequest("POST", s.URL+chat.UploadPath+"?name=x", bytes.NewReader(body))
				req.Header.Set("Origin", s.URL)
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("upload: %d", resp.StatusCode)
				}
			}
		})
	}
}
