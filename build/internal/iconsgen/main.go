// Command iconsgen draws the app's PNG icons into build/web: a speech bubble
// on a blue rounded square, and a maskable variant with the safe-zone margin.
// Run it with `go generate ./build` after changing the design; the PNGs are
// committed.
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

var (
	blue  = color.NRGBA{0x2f, 0x6f, 0xeb, 0xff}
	white = color.NRGBA{0xff, 0xff, 0xff, 0xff}
)

func main() {
	dir := "web"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	icons := []struct {
		name     string
		size     int
		maskable bool
	}{
		{"icon-192.png", 192, false},
		{"icon-512.png", 512, false},
		{"icon-maskable.png", 512, true},
	}
	for _, ic := range icons {
		if err := write(filepath.Join(dir, ic.name), draw(ic.size, ic.maskable)); err != nil {
			log.Fatal(err)
		}
	}
}

func write(path string, img image.Image) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// draw renders the icon with 4×4 supersampling.
func draw(size int, maskable bool) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			var bg, fg int
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					u := (float64(x) + (float64(sx)+0.5)/ss) / float64(size)
					v := (float64(y) + (float64(sy)+0.5)/ss) / float64(size)
					if maskable || inRoundedSquare(u, v, 0.22) {
						bg++
						if inBubble(u, v, maskable) {
							fg++
						}
					}
				}
			}
			img.SetNRGBA(x, y, shade(bg, fg, ss*ss))
		}
	}
	return img
}

func shade(bg, fg, n int) color.NRGBA {
	if bg == 0 {
		return color.NRGBA{}
	}
	t := float64(fg) / float64(bg)
	mix := func(a, b uint8) uint8 { return uint8(math.Round(float64(a)*(1-t) + float64(b)*t)) }
	return color.NRGBA{mix(blue.R, white.R), mix(blue.G, white.G), mix(blue.B, white.B), uint8(255 * bg / n)}
}

func inRoundedSquare(u, v, r float64) bool {
	dx := math.Max(math.Max(r-u, u-(1-r)), 0)
	dy := math.Max(math.Max(r-v, v-(1-r)), 0)
	return dx*dx+dy*dy <= r*r
}

// inBubble is an ellipse with a tail at the lower left, scaled into the
// maskable safe zone when asked.
func inBubble(u, v float64, maskable bool) bool {
	if maskable {
		u, v = (u-0.5)/0.8+0.5, (v-0.5)/0.8+0.5
	}
	ex, ey := (u-0.5)/0.32, (v-0.46)/0.25
	if ex*ex+ey*ey <= 1 {
		return true
	}
	// Tail: a triangle below the ellipse.
	ax, ay, bx, by, cx, cy := 0.30, 0.60, 0.44, 0.66, 0.26, 0.80
	d := func(px, py, qx, qy, rx, ry float64) float64 { return (px-rx)*(qy-ry) - (qx-rx)*(py-ry) }
	d1, d2, d3 := d(u, v, ax, ay, bx, by), d(u, v, bx, by, cx, cy), d(u, v, cx, cy, ax, ay)
	neg := d1 < 0 || d2 < 0 || d3 < 0
	pos := d1 > 0 || d2 > 0 || d3 > 0
	return !(neg && pos)
}
