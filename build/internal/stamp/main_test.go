package main

import (
	"os"
	"path/filepath"
	"testing"
)

// versionOf stamps dir and returns the version written.
func versionOf(t *testing.T, dir string) string {
	t.Helper()
	out := filepath.Join(dir, "version")
	if err := stamp(dir, out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestEveryClientFileMakesTheVersion(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "app.wasm", "code")
	write(t, dir, "chat.css", "body {}")
	first := versionOf(t, dir)
	if len(first) != 17 { // 16 hex digits and a newline
		t.Fatalf("version %q, want 16 hex digits", first)
	}
	if again := versionOf(t, dir); again != first {
		t.Errorf("the same files gave %q, then %q", first, again)
	}

	// Compressed copies, hidden files and the version itself do not count.
	write(t, dir, "app.wasm.br", "brotli")
	write(t, dir, "app.wasm.gz", "gzip")
	write(t, dir, ".gitkeep", "")
	if got := versionOf(t, dir); got != first {
		t.Errorf("derived files changed the version: %q, want %q", got, first)
	}

	// A change to the style sheet, not only to the code, is a new version.
	write(t, dir, "chat.css", "body { color: red }")
	if got := versionOf(t, dir); got == first {
		t.Error("changing the style sheet kept the version")
	}
	// So is moving content from one file to another.
	write(t, dir, "chat.css", "")
	write(t, dir, "app.wasm", "codebody {}")
	if got := versionOf(t, dir); got == first {
		t.Error("moving bytes between files kept the version")
	}
}

func TestAnEmptyDirectoryIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := stamp(dir, filepath.Join(dir, "version")); err == nil {
		t.Error("stamping a directory with no client files succeeded")
	}
}
