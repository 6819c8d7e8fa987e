package media_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/founding/chat/server/media"
)

// Markers of a stored photo: its first row starts red and ends green, so
// that where both land tells the rotation and the mirror.
var (
	red   = color.RGBA{255, 0, 0, 255}
	green = color.RGBA{0, 255, 0, 255}
)

// orientedJPEG returns a w×h JPEG (w > h) whose stored pixels have a red
// block at the top left and a green one at the top right, with an APP1
// Exif segment whose Orientation tag is orientation (none when 0).
func orientedJPEG(t *testing.T, w, h int, orientation uint16) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	block := h / 3
	for y := range h {
		for x := range w {
			c := color.RGBA{40, 40, 160, 255}
			switch {
			case x < block && y < block:
				c = red
			case x >= w-block && y < block:
				c = green
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		t.Fatal(err)
	}
	if orientation == 0 {
		return b.Bytes()
	}
	return withOrientation(b.Bytes(), orientation)
}

// withOrientation inserts after the SOI of jpg an APP1 Exif segment: a
// big-endian TIFF header and one IFD with one entry, Orientation (0x0112,
// SHORT, 1 value).
func withOrientation(jpg []byte, orientation uint16) []byte {
	be := binary.BigEndian
	tiff := []byte("MM")
	tiff = be.AppendUint16(tiff, 42)
	tiff = be.AppendUint32(tiff, 8) // the IFD follows the header
	tiff = be.AppendUint16(tiff, 1) // one entry
	tiff = be.AppendUint16(tiff, 0x0112)
	tiff = be.AppendUint16(tiff, 3) // SHORT
	tiff = be.AppendUint32(tiff, 1)
	tiff = be.AppendUint16(tiff, orientation)
	tiff = be.AppendUint16(tiff, 0) // the value's field is 4 bytes
	tiff = be.AppendUint32(tiff, 0) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff...)
	seg := be.AppendUint16([]byte{0xFF, 0xE1}, uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, jpg[:2]...), seg...), jpg[2:]...)
}

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
