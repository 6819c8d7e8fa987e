// Package build holds the web assets compiled into the server: the
// WebAssembly client that `make wasm` writes to web/, its compressed copies,
// the icons and the style sheet. The server serves FS under /web/.
package build

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed all:web
var files embed.FS

// FS holds the assets, rooted so that "web/app.wasm" is the client.
var FS fs.FS = files

// version may be set with -ldflags "-X github.com/founding/chat/build.version=…";
// otherwise Version reads web/version, which `make wasm` writes.
var version string

// Version identifies this build of the client and the server. `make wasm`
// derives it from the content of the client's files (the wasm, style sheets,
// scripts, icons), so a rebuild of the same client keeps it and a browser
// knows it is stale only when something it runs or shows changed.
func Version() string {
	if version != "" {
		return version
	}
	if b, err := fs.ReadFile(files, "web/version"); err == nil {
		if v := strings.TrimSpace(string(b)); v != "" {
			return v
		}
	}
	return "dev"
}

// HasClient reports whether the WebAssembly client was built into the
// binary; without it the page loads but never starts.
func HasClient() bool {
	_, err := fs.Stat(files, "web/app.wasm")
	return err == nil
}

//go:generate go run ./internal/iconsgen web
