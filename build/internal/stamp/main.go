// Command stamp writes the version of a build: the first 16 hex digits of a
// SHA-256 over every file the client is made of (the wasm, the style
// sheets, the scripts, the icons: each file's name and content), so that the
// same client gives the same version and go-app's service worker updates
// when any of it changed, not only the code.
//
// Usage: stamp path/to/web path/to/version
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stamp web-dir version-file")
		os.Exit(2)
	}
	if err := stamp(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "stamp:", err)
		os.Exit(1)
	}
}

// stamp hashes the client files in dir and writes the version to out.
func stamp(dir, out string) error {
	names, err := clientFiles(dir, filepath.Base(out))
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no client files in %s", dir)
	}
	h := sha256.New()
	for _, name := range names {
		if err := hashFile(h, dir, name); err != nil {
			return err
		}
	}
	return os.WriteFile(out, []byte(hex.EncodeToString(h.Sum(nil))[:16]+"\n"), 0o644)
}

// clientFiles lists the files of dir that the client is made of, sorted:
// not the version itself, not the compressed copies of another file, not
// hidden files.
func clientFiles(dir, version string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == version || strings.HasPrefix(n, ".") ||
			strings.HasSuffix(n, ".br") || strings.HasSuffix(n, ".gz") {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// hashFile writes name, its length and its content to h.
func hashFile(h io.Writer, dir, name string) error {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%d\x00", name, st.Size())
	_, err = io.Copy(h, f)
	return err
}
