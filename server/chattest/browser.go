package chattest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser is a headless Chromium for end-to-end tests.
type Browser struct {
	ctx  context.Context // the browser's first tab; its cancel stops Chromium
	stop func()          // stops Chromium
}

// ChromiumPath returns the Chromium to drive: $CHROMIUM, else the first of
// chromium, chromium-browser and google-chrome on PATH.
func ChromiumPath() (string, bool) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p, true
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, true
		}
	}
	return "", false
}

// NewBrowser starts Chromium with a fresh profile; it stops when the test
// ends. A missing Chromium fails the test: `make test` installs it.
func NewBrowser(t testing.TB) *Browser {
	t.Helper()
	return NewBrowserProfile(t, t.TempDir())
}

// NewBrowserProfile starts Chromium on the profile in dir, which keeps
// what the browser stores (service workers, IndexedDB, cookies) on disk:
// Close it and start another on the same dir to restart the browser.
func NewBrowserProfile(t testing.TB, dir string) *Browser {
	t.Helper()
	path, ok := ChromiumPath()
	if !ok {
		t.Fatal("no Chromium found: install Debian's chromium (make test does it as root) or set CHROMIUM")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(dir),
		chromedp.WindowSize(1200, 800),
	}
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	stop := func() { cancel(); acancel() }
	t.Cleanup(stop)
	// The first Do starts Chromium; it must get the tab's own context, not
	// one with a deadline, whose end would stop the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium %s: %v", path, err)
	}
	return &Browser{ctx: ctx, stop: stop}
}

// Close quits Chromium gracefully, so that it writes what it keeps (such
// as cookies) to its profile, which stays.
func (b *Browser) Close() {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	chromedp.Cancel(ctx)
	b.stop()
}

// ProfileTab opens a tab in the browser's own context, whose storage is the
// profile on disk (Tab's contexts keep theirs in memory): what it stores
// survives Close.
func (b *Browser) ProfileTab(t testing.TB) context.Context {
	t.Helper()
	return b.SameBrowserTab(t, b.ctx)
}

// Tab opens a tab in a new browser context: a separate cookie jar and
// storage, as another person's browser would have.
func (b *Browser) Tab(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// SameBrowserTab opens another tab sharing the cookies of tab.
func (b *Browser) SameBrowserTab(t testing.TB, tab context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(tab)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("opening a tab: %v", err)
	}
	return ctx
}

// Screenshot saves a PNG of tab as an artifact of the test and returns its
// path. Artifacts go to $CHAT_ARTIFACTS, else artifacts/ at the module root.
func Screenshot(t testing.TB, tab context.Context, name string) string {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	dir := filepath.Join(ArtifactsDir(), sanitize(t.Name()))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("artifacts: %v", err)
		return ""
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Errorf("artifacts: %v", err)
	}
	return path
}

// ArtifactsDir is where tests write what a person may want to look at.
func ArtifactsDir() string {
	if d := os.Getenv("CHAT_ARTIFACTS"); d != "" {
		return d
	}
	dir, _ := os.Getwd()
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "artifacts")
		}
	}
	return filepath.Join(dir, "artifacts")
}

func sanitize(name string) string {
	return strings.NewReplacer("/", "_", " ", "_", ":", "_").Replace(name)
}

// Poll waits until the JavaScript expression is truthy in tab and returns
// its value.
func Poll[T any](t testing.TB, tab context.Context, expr string, within time.Duration) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, within)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingInterval(20*time.Millisecond)))
	if err != nil {
		t.Fatalf("waiting for %s: %v", expr, err)
	}
	return v
}

// Eval evaluates expr in tab.
func Eval[T any](t testing.TB, tab context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluating %s: %v", expr, err)
	}
	return v
}

// Do runs actions in tab, failing the test on error.
func Do(t testing.TB, tab context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}
