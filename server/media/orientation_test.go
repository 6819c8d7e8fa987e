package media_test

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/founding/chat/server/media"
	"github.com/founding/chat/server/media/mediatest"
)

// orientedJPEG is mediatest.OrientedJPEG, failing the test on error.
func orientedJPEG(t *testing.T, w, h int, orientation uint16) []byte {
	t.Helper()
	b, err := mediatest.OrientedJPEG(w, h, orientation)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var red, green = mediatest.Red, mediatest.Green

// Corners of an upright image.
type corner int

const (
	topLeft corner = iota
	topRight
	bottomLeft
	bottomRight
)

// orientationCase is what a photo stored w×h with an orientation looks
// like upright: where its red and green blocks are, and whether its sides
// are swapped.
type orientationCase struct {
	orientation uint16
	red, green  corner
	swapped     bool
}

// orientationCases are EXIF's eight orientations (and none), by where the
// stored first row ends up: 6 is a phone held upright (turn 90°
// clockwise), 8 the other way, 3 upside down, 2, 4, 5 and 7 mirrored.
var orientationCases = []orientationCase{
	{0, topLeft, topRight, false},
	{1, topLeft, topRight, false},
	{2, topRight, topLeft, false},
	{3, bottomRight, bottomLeft, false},
	{4, bottomLeft, bottomRight, false},
	{5, topLeft, bottomLeft, true},
	{6, topRight, bottomRight, true},
	{7, bottomRight, topRight, true},
	{8, bottomLeft, topLeft, true},
}

// colorAt returns the colour of img near corner c, a few pixels in.
func colorAt(img image.Image, c corner) color.RGBA {
	b := img.Bounds()
	inset := max(b.Dx(), b.Dy()) / 20
	x, y := b.Min.X+inset, b.Min.Y+inset
	if c == topRight || c == bottomRight {
		x = b.Max.X - 1 - inset
	}
	if c == bottomLeft || c == bottomRight {
		y = b.Max.Y - 1 - inset
	}
	r, g, bl, _ := img.At(x, y).RGBA()
	return color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bl >> 8), 255}
}

// near reports whether two colours are alike, as JPEG keeps them.
func near(a, b color.RGBA) bool {
	d := func(x, y uint8) int { return max(int(x)-int(y), int(y)-int(x)) }
	return d(a.R, b.R) < 60 && d(a.G, b.G) < 60 && d(a.B, b.B) < 60
}

// checkUpright fails unless img is the photo of tc upright, w×h as stored.
func checkUpright(t *testing.T, what string, img image.Image, tc orientationCase, w, h int) {
	t.Helper()
	if tc.swapped {
		w, h = h, w
	}
	if b := img.Bounds(); b.Dx() != w || b.Dy() != h {
		t.Errorf("orientation %d, %s: %d×%d; want %d×%d", tc.orientation, what, b.Dx(), b.Dy(), w, h)
		return
	}
	if got := colorAt(img, tc.red); !near(got, red) {
		t.Errorf("orientation %d, %s: %v where the red corner should be", tc.orientation, what, got)
	}
	if got := colorAt(img, tc.green); !near(got, green) {
		t.Errorf("orientation %d, %s: %v where the green corner should be", tc.orientation, what, got)
	}
}

func TestAPhotoIsServedUprightByItsOrientation(t *testing.T) {
	const w, h = 120, 60
	for _, tc := range orientationCases {
		p, err := media.Prepare(bytes.NewReader(orientedJPEG(t, w, h, tc.orientation)), media.Options{ThumbSize: 40})
		if err != nil {
			t.Fatal(err)
		}
		wantW, wantH := w, h
		if tc.swapped {
			wantW, wantH = h, w
		}
		if p.Width != wantW || p.Height != wantH {
			t.Errorf("orientation %d: the file says %d×%d; want %d×%d", tc.orientation, p.Width, p.Height, wantW, wantH)
		}
		if bytes.Contains(p.Body, []byte("Exif")) {
			t.Errorf("orientation %d: the served bytes keep their Exif segment", tc.orientation)
		}
		body, err := jpeg.Decode(bytes.NewReader(p.Body))
		if err != nil {
			t.Fatal(err)
		}
		checkUpright(t, "served", body, tc, w, h)
		thumb, _, err := image.Decode(bytes.NewReader(p.Thumb))
		if err != nil {
			t.Fatal(err)
		}
		checkUpright(t, "thumbnail", thumb, tc, 40, 20)
	}
}

func TestAKeptPhotoIsServedAsUploadedWithAnUprightThumbnail(t *testing.T) {
	const w, h = 120, 60
	photo := orientedJPEG(t, w, h, 6)
	p, err := media.Prepare(bytes.NewReader(photo), media.Options{ThumbSize: 40, Keep: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Body != nil {
		t.Error("a kept photo was re-encoded")
	}
	if p.Width != h || p.Height != w {
		t.Errorf("a kept photo says %d×%d; want its upright %d×%d, as browsers show it", p.Width, p.Height, h, w)
	}
	thumb, _, err := image.Decode(bytes.NewReader(p.Thumb))
	if err != nil {
		t.Fatal(err)
	}
	checkUpright(t, "thumbnail", thumb, orientationCases[6], 40, 20) // orientation 6
}
