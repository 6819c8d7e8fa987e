package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPkgOf(t *testing.T) {
	for sym, want := range map[string]string{
		"net_http.__Transport_.roundTrip":                           "net_http",
		"fmt.__pp_.doPrintf":                                        "fmt",
		"runtime.gcStart":                                           "runtime",
		"github.com_founding_chat_app_ui.__Shell_.Render":           "github.com_founding_chat_app_ui",
		"github.com_maxence_charriere_go_app_v10_pkg_app.Div":       "github.com_maxence_charriere_go_app_v10_pkg_app",
		"vendor_golang.org_x_net_idna.init":                         "vendor_golang.org_x_net_idna",
		"slices.pdqsortCmpFunc_go.shape.__uint8_":                   "slices",
		"go.uber.org_zap.New":                                       "go.uber.org_zap",
		"github.com_founding_chat_app_ui.map.init.5":                "github.com_founding_chat_app_ui",
		"type_.eq.github.com_founding_chat_app_chat.Close":          "type_",
		"crypto_internal_fips140_nistec_fiat.p521Mul":               "crypto_internal_fips140_nistec_fiat",
		"internal_sync.__HashTrieMap_go.shape.string_go.shape.int_": "internal_sync",
	} {
		if got := pkgOf(sym); got != want {
			t.Errorf("pkgOf(%q) = %q, want %q", sym, got, want)
		}
	}
	if got := genericOf("slices.pdqsortCmpFunc_go.shape.__uint8_"); got != "slices.pdqsortCmpFunc[...]" {
		t.Errorf("genericOf = %q", got)
	}
}

// testModule builds a wasm binary of one imported function and two defined
// ones, of bodies of 2 and 4 bytes, named in its name section when named.
func testModule(named bool) []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	section := func(id byte, payload []byte) {
		b = append(b, id, byte(len(payload)))
		b = append(b, payload...)
	}
	name := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	section(1, []byte{1, 0x60, 0, 0})                                               // type: func() -> ()
	imp := append([]byte{1}, append(append(name("go"), name("debug")...), 0, 0)...) // import: one function
	section(2, imp)
	section(3, []byte{2, 0, 0}) // two functions of type 0
	section(10, []byte{2, 2, 0, 0x0b, 4, 0, 1, 1, 0x0b})
	if !named {
		return b
	}
	var names []byte
	names = append(names, 3) // three names
	for i, n := range []string{"go.debug", "net_http.init", "main.main"} {
		names = append(names, byte(i))
		names = append(names, name(n)...)
	}
	custom := append(name("name"), 1, byte(len(names)))
	section(0, append(custom, names...))
	return b
}

func TestReport(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(path, testModule(true), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := load(path)
	if err != nil {
		t.Fatal(err)
	}
	if m.funcs["net_http.init"] != 2 || m.funcs["main.main"] != 4 || len(m.funcs) != 2 {
		t.Fatalf("functions %v, want net_http.init of 2 bytes and main.main of 4", m.funcs)
	}
	var out strings.Builder
	if err := report(&out, []*module{m, m}, 10, false, false, ""); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4            4           +0  main", "2            2           +0  net_http", "6            6           +0  (all)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	// Without names (-s -w) it says so.
	if err := os.WriteFile(path, testModule(false), 0o644); err != nil {
		t.Fatal(err)
	}
	if m, err = load(path); err != nil {
		t.Fatal(err)
	}
	if err := report(&out, []*module{m}, 10, false, false, ""); err == nil || !strings.Contains(err.Error(), "no function names") {
		t.Errorf("a binary without names: %v, want an error saying so", err)
	}
}
