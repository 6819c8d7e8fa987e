// Command wasmsize prints where the bytes of a Go WebAssembly binary go: the
// code of its functions summed by package (from the binary's "name" section,
// so build it without -s -w), and the size of each section. With two files it
// prints both side by side, with the difference, largest first.
//
//	GOOS=js GOARCH=wasm go build -trimpath -o /tmp/app.wasm ./wasm
//	go run ./build/internal/wasmsize [-n 30] [-funcs [-generic]] [-match s] /tmp/app.wasm [/tmp/before.wasm]
//
// The linker writes names with the package path's punctuation turned into
// '_': net/http is "net_http", github.com/founding/chat/app/ui is
// "github.com_founding_chat_app_ui". The data section (strings, type
// descriptors, the runtime's function tables) has no names; `go tool nm`
// does not read wasm binaries.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/founding/chat/build/internal/wasmbin"
)

func main() {
	n := flag.Int("n", 30, "rows to print")
	funcs := flag.Bool("funcs", false, "list functions, not packages")
	match := flag.String("match", "", "only names that contain this")
	generic := flag.Bool("generic", false, "group generic functions' instantiations (with -funcs)")
	flag.Parse()
	if flag.NArg() < 1 || flag.NArg() > 2 {
		fmt.Fprintln(os.Stderr, "usage: wasmsize [-n rows] [-funcs] [-match s] app.wasm [before.wasm]")
		os.Exit(2)
	}
	var mods []*module
	for _, name := range flag.Args() {
		m, err := load(name)
		if err != nil {
			fmt.Fprintln(os.Stderr, "wasmsize:", err)
			os.Exit(1)
		}
		mods = append(mods, m)
	}
	if err := report(os.Stdout, mods, *n, *funcs, *generic, *match); err != nil {
		fmt.Fprintln(os.Stderr, "wasmsize:", err)
		os.Exit(1)
	}
}

// module is what wasmsize reads from one binary.
type module struct {
	name     string
	size     int
	sections map[string]int // section name -> bytes (payload)
	funcs    map[string]int // function name -> body bytes
	named    bool           // the binary has a "name" section
}

var sectionNames = map[byte]string{
	0: "custom", 1: "type", 2: "import", 3: "function", 4: "table", 5: "memory",
	6: "global", 7: "export", 8: "start", 9: "element", 10: "code", 11: "data", 12: "datacount",
}

func load(name string) (*module, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	sections, err := wasmbin.Sections(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m := &module{name: name, size: len(b), sections: map[string]int{}, funcs: map[string]int{}}
	var imported int
	var bodies []int
	names := map[int]string{}
	for _, s := range sections {
		payload := &wasmbin.Reader{B: s.Body}
		sec := sectionNames[s.ID]
		switch s.ID {
		case 0:
			cname := payload.Name()
			sec = "custom " + cname
			if cname == "name" {
				readNames(payload, names)
			}
		case 2:
			imported = countFuncImports(payload)
		case 10:
			count := int(payload.Uleb())
			for i := 0; i < count && payload.Err == nil; i++ {
				bodies = append(bodies, len(payload.Bytes()))
			}
		}
		if payload.Err != nil {
			return nil, fmt.Errorf("%s: section %s: %w", name, sec, payload.Err)
		}
		m.sections[sec] += len(s.Body)
	}
	m.named = len(names) > 0
	for i, sz := range bodies {
		fn := names[imported+i]
		if fn == "" {
			fn = fmt.Sprintf("func%d", imported+i)
		}
		m.funcs[fn] += sz
	}
	return m, nil
}

// countFuncImports counts the imports that are functions: they come first
// in the function index space.
func countFuncImports(r *wasmbin.Reader) int {
	count := int(r.Uleb())
	funcs := 0
	for i := 0; i < count && r.Err == nil; i++ {
		r.Name()
		r.Name()
		switch r.Byte() {
		case 0: // function: type index
			r.Uleb()
			funcs++
		case 1: // table: reftype, limits
			r.Byte()
			limits(r)
		case 2: // memory: limits
			limits(r)
		case 3: // global: valtype, mutability
			r.Byte()
			r.Byte()
		}
	}
	return funcs
}

// limits reads a table's or a memory's limits: a flag, the minimum and,
// when the flag says so, the maximum.
func limits(r *wasmbin.Reader) {
	if r.Byte()&1 != 0 {
		r.Uleb()
	}
	r.Uleb()
}

// readNames reads the function names (subsection 1) of the "name" section.
func readNames(r *wasmbin.Reader, names map[int]string) {
	for !r.Done() {
		id := r.Byte()
		sub := &wasmbin.Reader{B: r.Bytes()}
		if id != 1 {
			continue
		}
		count := int(sub.Uleb())
		for i := 0; i < count && sub.Err == nil; i++ {
			idx := int(sub.Uleb())
			names[idx] = sub.Name()
		}
	}
}

// pkgOf returns the package of a symbol as the wasm linker names it: the
// path with '/' and other punctuation turned into '_' (net/http is
// "net_http"), then '.', then the rest. A module path's host keeps its dot
// ("github.com_user_repo_pkg.Func"), so the package ends at the first dot
// after the host. Generic type arguments are cut first.
func pkgOf(sym string) string {
	if i := strings.IndexByte(sym, '['); i >= 0 {
		sym = sym[:i]
	}
	start := 0
	if strings.HasPrefix(sym, "vendor_") {
		start = len("vendor_") // the standard library's vendored modules
	}
	if u := strings.IndexByte(sym[start:], '_'); u > 0 && isHost(sym[start:start+u]) {
		start += u
	}
	if dot := strings.IndexByte(sym[start:], '.'); dot >= 0 {
		return sym[:start+dot]
	}
	return sym
}

// genericOf returns a function's name without its instantiation's type
// arguments: the linker names an instantiation "pkg.F[go.shape.T]", mangled
// to "pkg.F_go.shape.T_".
func genericOf(sym string) string {
	if i := strings.Index(sym, "_go.shape."); i >= 0 {
		return sym[:i] + "[...]"
	}
	return sym
}

// isHost reports whether s looks like the host at the start of a module
// path (github.com, golang.org, go.uber.org, gopkg.in).
func isHost(s string) bool {
	for _, tld := range []string{".com", ".org", ".in", ".io", ".net", ".dev"} {
		if strings.HasSuffix(s, tld) {
			return true
		}
	}
	return false
}

type row struct {
	key   string
	sizes []int
}

func report(w io.Writer, mods []*module, n int, funcs, generic bool, match string) error {
	sum := map[string][]int{}
	for i, m := range mods {
		for fn, sz := range m.funcs {
			if match != "" && !strings.Contains(fn, match) {
				continue
			}
			key := fn
			switch {
			case !funcs:
				key = pkgOf(fn)
			case generic:
				key = genericOf(fn)
			}
			if sum[key] == nil {
				sum[key] = make([]int, len(mods))
			}
			sum[key][i] += sz
		}
	}
	rows := make([]row, 0, len(sum))
	for k, v := range sum {
		rows = append(rows, row{k, v})
	}
	sort.Slice(rows, func(i, j int) bool {
		if a, b := slices.Max(rows[i].sizes), slices.Max(rows[j].sizes); a != b {
			return a > b
		}
		return rows[i].key < rows[j].key
	})
	header := func(first string) {
		fmt.Fprintf(w, "%-12s", first)
		if len(mods) == 2 {
			fmt.Fprintf(w, " %12s %12s", "before", "change")
		}
		fmt.Fprintln(w)
	}
	line := func(sizes []int, label string) {
		fmt.Fprintf(w, "%12d", sizes[0])
		if len(sizes) == 2 {
			fmt.Fprintf(w, " %12d %+12d", sizes[1], sizes[0]-sizes[1])
		}
		fmt.Fprintf(w, "  %s\n", label)
	}
	fmt.Fprintf(w, "file %s: %d bytes", mods[0].name, mods[0].size)
	if len(mods) == 2 {
		fmt.Fprintf(w, " (before: %s, %d bytes)", mods[1].name, mods[1].size)
	}
	fmt.Fprintln(w)
	for _, m := range mods {
		if !m.named {
			return fmt.Errorf("%s has no function names: build it without -ldflags='-s -w'", m.name)
		}
	}
	fmt.Fprintln(w, "\nsections (bytes):")
	var secs []string
	seen := map[string]bool{}
	for _, m := range mods {
		for s := range m.sections {
			if !seen[s] {
				seen[s] = true
				secs = append(secs, s)
			}
		}
	}
	sort.Slice(secs, func(i, j int) bool { return mods[0].sections[secs[i]] > mods[0].sections[secs[j]] })
	header("bytes")
	for _, s := range secs {
		sizes := make([]int, len(mods))
		for i, m := range mods {
			sizes[i] = m.sections[s]
		}
		line(sizes, s)
	}
	what := "package"
	if funcs {
		what = "function"
	}
	fmt.Fprintf(w, "\ncode by %s (function body bytes), top %d of %d:\n", what, min(n, len(rows)), len(rows))
	header("bytes")
	total := make([]int, len(mods))
	for i, r := range rows {
		for j := range total {
			total[j] += r.sizes[j]
		}
		if i < n {
			line(r.sizes, r.key)
		}
	}
	line(total, "(all)")
	return nil
}
