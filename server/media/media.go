// Package media tells what uploaded bytes are and prepares them to be
// served: the type is sniffed from the bytes (never taken from the
// client), images (PNG, JPEG, GIF, WebP) are checked in pixels from their
// header before anything is decoded, so that a decompression bomb is
// refused cheaply, and then decoded once to make a thumbnail and, unless
// the uploader keeps the original, re-encoded without their metadata
// (EXIF, GPS, text chunks). A photo's EXIF orientation is applied first,
// so that what is served stays upright once the metadata is gone.
//
// Entry point: Prepare.
package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // registers GIF with image.Decode
	"image/jpeg"
	"image/png"
	"io"
	"net/http"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp" // registers WebP with image.Decode

	"github.com/founding/chat/app/chat"
)

// Options bound what Prepare does. Zero values mean the defaults.
type Options struct {
	// MaxPixels bounds an image's width times height. Defaults to
	// DefaultMaxPixels.
	MaxPixels int64
	// ThumbSize bounds a thumbnail's width and height. Defaults to 320.
	ThumbSize int
	// Keep serves an image as uploaded, with its metadata, instead of
	// re-encoding it. Browsers show a kept JPEG upright by its EXIF
	// orientation; the thumbnail and the size are upright either way.
	Keep bool
}

// DefaultMaxPixels is the largest image decoded by default: 40
// megapixels, about 160 MB while decoded.
const DefaultMaxPixels = 40_000_000

// Prepared is what Prepare made of an upload. Type is the sniffed media
// type; Width and Height are an image's pixels. Body, when not nil,
// replaces the uploaded bytes (a re-encoded image); Thumb is a thumbnail's
// bytes, nil for other files. Width, Height and both images are upright:
// a JPEG's EXIF orientation applied.
type Prepared struct {
	Type          string
	Width, Height int
	Body          []byte
	Thumb         []byte
}

// TooManyPixels is the error of an image larger than Options.MaxPixels.
type TooManyPixels struct {
	Width, Height int
	Max           int64
}

func (e *TooManyPixels) Error() string {
	return fmt.Sprintf("the image is %d×%d pixels; at most %d million pixels are taken", e.Width, e.Height, e.Max/1_000_000)
}

// ErrBadImage means bytes that look like an image did not decode; they
// are served as an opaque file.
var ErrBadImage = errors.New("media: the image does not decode")

// Prepare sniffs the bytes of src and, for an image, checks its size in
// pixels, makes a thumbnail and strips its metadata (see Options). src is
// read from its start; an error is *TooManyPixels or one of reading.
// Bytes that claim to be an image but do not decode are served as
// application/octet-stream.
func Prepare(src io.ReadSeeker, o Options) (Prepared, error) {
	if o.MaxPixels <= 0 {
		o.MaxPixels = DefaultMaxPixels
	}
	if o.ThumbSize <= 0 {
		o.ThumbSize = 320
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(src, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Prepared{}, err
	}
	p := Prepared{Type: http.DetectContentType(head[:n])}
	if !chat.InlineImageType(p.Type) {
		return p, nil
	}
	img, err := prepareImage(src, &p, o)
	switch {
	case errors.Is(err, ErrBadImage):
		return Prepared{Type: "application/octet-stream"}, nil
	case err != nil:
		return Prepared{}, err
	}
	if p.Thumb, err = thumbnail(img, o.ThumbSize); err != nil {
		return Prepared{}, err
	}
	return p, nil
}

// prepareImage checks the header of the image in src against the pixel
// bound, decodes it and, unless o.Keep, re-encodes it into p.Body.
func prepareImage(src io.ReadSeeker, p *Prepared, o Options) (image.Image, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bufio.NewReader(src))
	if err != nil {
		return nil, ErrBadImage
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrBadImage
	}
	if int64(cfg.Width)*int64(cfg.Height) > o.MaxPixels {
		return nil, &TooManyPixels{Width: cfg.Width, Height: cfg.Height, Max: o.MaxPixels}
	}
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	// A GIF decodes to its first frame only: the animation is served as
	// uploaded (GIF holds no EXIF), and its frames are never all decoded.
	// A JPEG is turned upright by its EXIF orientation (orientation.go).
	img, err := decodeUpright(bufio.NewReader(src), p.Type)
	if err != nil {
		return nil, ErrBadImage
	}
	p.Width, p.Height = img.Bounds().Dx(), img.Bounds().Dy()
	if o.Keep || p.Type == "image/gif" {
		return img, nil
	}
	var body bytes.Buffer
	switch p.Type {
	case "image/jpeg":
		err = jpeg.Encode(&body, img, &jpeg.Options{Quality: 90})
	default: // PNG, and WebP, which Go cannot encode: lossless PNG
		err = png.Encode(&body, img)
		p.Type = "image/png"
	}
	if err != nil {
		return nil, fmt.Errorf("media: re-encoding the image: %w", err)
	}
	p.Body = body.Bytes()
	return img, nil
}

// thumbnail scales img to fit in size×size pixels (never up) and encodes
// it: JPEG when opaque, PNG otherwise.
func thumbnail(img image.Image, size int) ([]byte, error) {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if w > size || h > size {
		if w >= h {
			w, h = size, max(1, h*size/w)
		} else {
			w, h = max(1, w*size/h), size
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.BiLinear.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
	var out bytes.Buffer
	var err error
	if dst.Opaque() {
		err = jpeg.Encode(&out, dst, &jpeg.Options{Quality: 80})
	} else {
		err = png.Encode(&out, dst)
	}
	if err != nil {
		return nil, fmt.Errorf("media: encoding the thumbnail: %w", err)
	}
	return out.Bytes(), nil
}
