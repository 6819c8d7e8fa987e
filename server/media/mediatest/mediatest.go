// Package mediatest makes the photos the media tests upload: JPEGs stored
// sideways or mirrored, as a phone stores them, with the EXIF tag that
// says how to show them.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
)

// Markers of a stored photo: its first row starts red and ends green, so
// that where both land tells the rotation and the mirror.
var (
	Red   = color.RGBA{255, 0, 0, 255}
	Green = color.RGBA{0, 255, 0, 255}
)

// OrientedJPEG returns a w×h JPEG (w > h) whose stored pixels have a red
// block at the top left and a green one at the top right, with an APP1
// Exif segment whose Orientation tag (1 to 8) is orientation; none when 0.
func OrientedJPEG(w, h int, orientation uint16) ([]byte, error) {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	block := h / 3
	for y := range h {
		for x := range w {
			c := color.RGBA{40, 40, 160, 255}
			switch {
			case x < block && y < block:
				c = Red
			case x >= w-block && y < block:
				c = Green
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 95}); err != nil {
		return nil, err
	}
	if orientation == 0 {
		return b.Bytes(), nil
	}
	return WithOrientation(b.Bytes(), orientation), nil
}

// WithOrientation inserts after the SOI of jpg an APP1 Exif segment: a
// big-endian TIFF header and one IFD with one entry, the Orientation.
func WithOrientation(jpg []byte, orientation uint16) []byte {
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
