package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// decoded returns what the compressed copy dst of encoding e holds.
func decoded(t *testing.T, dst string, e encoding) []byte {
	t.Helper()
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := e.decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCopiesDecodeToTheAssetAndAreKeptWhileCurrent(t *testing.T) {
	name := filepath.Join(t.TempDir(), "app.wasm")
	asset := bytes.Repeat([]byte("\x00asm some code "), 2000)
	if err := os.WriteFile(name, asset, 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(name, &out); err != nil {
		t.Fatal(err)
	}
	for _, e := range encodings {
		dst := name + e.ext
		if got := decoded(t, dst, e); !bytes.Equal(got, asset) {
			t.Errorf("%s decodes to %d bytes, not the asset's %d", dst, len(got), len(asset))
		}
		if st, _ := os.Stat(dst); st.Size() >= int64(len(asset)) {
			t.Errorf("%s is %d bytes, not smaller than the asset (%d)", dst, st.Size(), len(asset))
		}
	}

	// The same bytes again: both copies are kept.
	out.Reset()
	if err := run(name, &out); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), "current, kept"); n != len(encodings) {
		t.Errorf("second run kept %d copies, want %d:\n%s", n, len(encodings), out.String())
	}

	// New bytes: both copies are made again.
	changed := append(asset, "more code"...)
	if err := os.WriteFile(name, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(name, &out); err != nil {
		t.Fatal(err)
	}
	for _, e := range encodings {
		if got := decoded(t, name+e.ext, e); !bytes.Equal(got, changed) {
			t.Errorf("%s does not hold the changed asset", name+e.ext)
		}
	}
}
