package server_test

import (
	"bytes"
	"image"
	"net/http"
	"testing"

	"github.com/founding/chat/app/chat"
	"github.com/founding/chat/server/chattest"
	"github.com/founding/chat/server/media/mediatest"
)

// sidePhoto is a w×h JPEG as a phone stores it, sideways or mirrored
// (mediatest.OrientedJPEG): Orientation 1 to 8.
func sidePhoto(t *testing.T, w, h int, orientation uint16) []byte {
	t.Helper()
	b, err := mediatest.OrientedJPEG(w, h, orientation)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cornerColor names the colour near a corner of img (x, y: 0 or 1 for
// left or right, top or bottom): "red", "green" or "other".
func cornerColor(img image.Image, x, y int) string {
	b := img.Bounds()
	inset := max(b.Dx(), b.Dy()) / 20
	px, py := b.Min.X+inset, b.Min.Y+inset
	if x == 1 {
		px = b.Max.X - 1 - inset
	}
	if y == 1 {
		py = b.Max.Y - 1 - inset
	}
	r, g, bl, _ := img.At(px, py).RGBA()
	switch {
	case r>>8 > 200 && g>>8 < 80 && bl>>8 < 80:
		return "red"
	case g>>8 > 200 && r>>8 < 80 && bl>>8 < 80:
		return "green"
	}
	return "other"
}

func TestPhotosAreServedUprightByTheirOrientation(t *testing.T) {
	s := chattest.New(t, fast())
	ann := s.User(t, "ann")
	const w, h = 120, 60
	// Where the stored first row's red and green blocks are once upright,
	// as {x, y} corners, and whether the sides swap: 6 is a phone held
	// upright (turned 90° clockwise), 8 the other way, 3 upside down, 2,
	// 4, 5 and 7 mirrored.
	type at struct{ x, y int }
	for _, tc := range []struct {
		orientation uint16
		red, green  at
		swapped     bool
	}{
		{1, at{0, 0}, at{1, 0}, false},
		{2, at{1, 0}, at{0, 0}, false},
		{3, at{1, 1}, at{0, 1}, false},
		{4, at{0, 1}, at{1, 1}, false},
		{5, at{0, 0}, at{0, 1}, true},
		{6, at{1, 0}, at{1, 1}, true},
		{7, at{1, 1}, at{1, 0}, true},
		{8, at{0, 1}, at{0, 0}, true},
	} {
		f := mustUpload(t, s, ann.Jar, "phone.jpg", sidePhoto(t, w, h, tc.orientation))
		wantW, wantH := w, h
		if tc.swapped {
			wantW, wantH = h, w
		}
		if f.Width != wantW || f.Height != wantH {
			t.Errorf("orientation %d: the file says %d×%d; want %d×%d", tc.orientation, f.Width, f.Height, wantW, wantH)
		}
		for _, path := range []string{chat.FilesPath + "/" + f.ID, chat.FilesPath + "/" + f.ID + "/thumb"} {
			resp, body := fetch(t, s, ann.Jar, path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, resp.StatusCode)
			}
			img, _, err := image.Decode(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			if b := img.Bounds(); (b.Dx() > b.Dy()) == tc.swapped {
				t.Errorf("orientation %d, %s: %d×%d, not upright", tc.orientation, path, b.Dx(), b.Dy())
			}
			if got := cornerColor(img, tc.red.x, tc.red.y); got != "red" {
				t.Errorf("orientation %d, %s: %s where the red block should be", tc.orientation, path, got)
			}
			if got := cornerColor(img, tc.green.x, tc.green.y); got != "green" {
				t.Errorf("orientation %d, %s: %s where the green block should be", tc.orientation, path, got)
			}
		}
	}
}
