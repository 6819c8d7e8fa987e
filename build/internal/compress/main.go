// Command compress writes the precompressed copies of a web asset that the
// server sends to browsers that accept them: name.br (brotli) and name.gz
// (gzip), with pure-Go encoders so that `make wasm` needs nothing but Go.
//
// Copies that already hold the asset's current bytes are kept: compressing
// the wasm at the best settings takes a while, and `make wasm` relinks the
// wasm (a new file time, often the same bytes) whenever any client source
// changes.
//
// Usage: compress path/to/app.wasm
package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/andybalholm/brotli"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: compress file")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "compress:", err)
		os.Exit(1)
	}
}

// encoding is one precompressed form of an asset.
type encoding struct {
	ext    string
	encode func(w io.Writer, src []byte) error
	decode func(r io.Reader) (io.Reader, error)
}

var encodings = []encoding{
	{
		ext: ".br",
		encode: func(w io.Writer, src []byte) error {
			// Quality 11 with a 16 MiB window: the smallest output; the
			// wasm is compressed once per build and sent many times.
			bw := brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: brotli.BestCompression, LGWin: 24})
			if _, err := bw.Write(src); err != nil {
				return err
			}
			return bw.Close()
		},
		decode: func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil },
	},
	{
		ext: ".gz",
		encode: func(w io.Writer, src []byte) error {
			gw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
			if err != nil {
				return err
			}
			if _, err := gw.Write(src); err != nil {
				return err
			}
			return gw.Close()
		},
		decode: func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) },
	},
}

func run(name string, out io.Writer) error {
	src, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	for _, e := range encodings {
		dst := name + e.ext
		start := time.Now()
		if holds(dst, e, src) {
			// Current: keep it, and make it newer than its source for make.
			now := time.Now()
			if err := os.Chtimes(dst, now, now); err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: current, kept\n", dst)
			continue
		}
		var buf bytes.Buffer
		if err := e.encode(&buf, src); err != nil {
			return fmt.Errorf("%s: %w", dst, err)
		}
		if err := writeFile(dst, buf.Bytes()); err != nil {
			return err
		}
		fmt.Fprintf(out, "%s: %d bytes (%.1f%% of %d) in %v\n", dst, buf.Len(),
			100*float64(buf.Len())/float64(len(src)), len(src), time.Since(start).Round(time.Millisecond))
	}
	return nil
}

// holds reports whether the compressed file dst decodes to exactly src.
func holds(dst string, e encoding, src []byte) bool {
	f, err := os.Open(dst)
	if err != nil {
		return false
	}
	defer f.Close()
	r, err := e.decode(f)
	if err != nil {
		return false
	}
	got, err := io.ReadAll(io.LimitReader(r, int64(len(src))+1))
	return err == nil && bytes.Equal(got, src)
}

// writeFile replaces name with data through a temporary file, so that an
// interrupted run never leaves a truncated copy behind.
func writeFile(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return errors.Join(err, os.Remove(tmp))
	}
	return nil
}
