// Command stamp writes the version of a build: the first 16 hex digits of
// the SHA-256 of the client's wasm, so that the same code gives the same
// version and go-app's service worker updates only when the code changed.
//
// Usage: stamp path/to/app.wasm path/to/version
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: stamp app.wasm version-file")
		os.Exit(2)
	}
	if err := stamp(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "stamp:", err)
		os.Exit(1)
	}
}

func stamp(wasm, out string) error {
	f, err := os.Open(wasm)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	return os.WriteFile(out, []byte(hex.EncodeToString(h.Sum(nil))[:16]+"\n"), 0o644)
}
