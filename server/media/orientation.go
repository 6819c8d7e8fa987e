package media

import (
	"image"
	"io"

	"github.com/disintegration/imaging"
)

// decodeUpright decodes the image in r, of the sniffed media type, and
// turns a JPEG upright by the Orientation tag of its APP1 Exif segment
// (rotations and mirrors, the eight values of EXIF): a phone stores a
// photo as its sensor saw it and says in the metadata how to show it, so
// once the metadata is stripped the pixels must say it.
//
// imaging.Decode with AutoOrientation reads the tag while image.Decode
// reads the same bytes (golang.org/x/image has no EXIF reader); the
// callers have checked the pixels from the header, which a rotation does
// not change. A turned image is a copy: up to twice the memory of the
// decoded image while both are held.
func decodeUpright(r io.Reader, mediaType string) (image.Image, error) {
	return imaging.Decode(r, imaging.AutoOrientation(mediaType == "image/jpeg"))
}
