package media_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/founding/chat/server/media"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAGIFIsServedAsUploadedWithAThumbnailOfItsFirstFrame(t *testing.T) {
	frame := image.NewPaletted(image.Rect(0, 0, 640, 100), palette.Plan9)
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame, frame}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	p, err := media.Prepare(bytes.NewReader(b.Bytes()), media.Options{})
	if err != nil || p.Type != "image/gif" || p.Body != nil || p.Width != 640 || p.Height != 100 {
		t.Fatalf("%+v %v", p, err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(p.Thumb))
	if err != nil || cfg.Width != 320 || cfg.Height != 50 {
		t.Fatalf("thumbnail %+v %v", cfg, err)
	}
}

func TestATransparentImageKeepsItsAlphaInTheThumbnail(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 10, 10))
	img.Set(1, 1, color.NRGBA{255, 0, 0, 128})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p, err := media.Prepare(bytes.NewReader(b.Bytes()), media.Options{})
	if err != nil || http.DetectContentType(p.Thumb) != "image/png" {
		t.Fatalf("thumbnail of %s, %v", http.DetectContentType(p.Thumb), err)
	}
}

func TestThePixelBoundComesFromTheHeader(t *testing.T) {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 200, 100))); err != nil {
		t.Fatal(err)
	}
	_, err := media.Prepare(bytes.NewReader(b.Bytes()), media.Options{MaxPixels: 19_999})
	var tooMany *media.TooManyPixels
	if !errors.As(err, &tooMany) || tooMany.Width != 200 || tooMany.Height != 100 {
		t.Fatalf("got %v", err)
	}
	if _, err := media.Prepare(bytes.NewReader(b.Bytes()), media.Options{MaxPixels: 20_000}); err != nil {
		t.Fatalf("at the bound: %v", err)
	}
}
