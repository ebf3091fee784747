// Package browsertest drives Debian's headless Chromium from Go tests
// (chromedp): the console's tests and the demo's console test share it.
// Tests that need it are skipped where Chromium is not installed; .ci/run
// installs it.
package browsertest

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// New starts a headless Chromium with a fresh profile that accepts the
// nodes' test certificates, for at most timeout; the test is skipped when
// Chromium is absent.
func New(t *testing.T, timeout time.Duration) context.Context {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed (apt-get install chromium; .ci/run installs it): the console's browser tests need it")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.IgnoreCertErrors, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.WindowSize(1280, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelC := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() { cancelC(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// Open navigates to u and returns the HTTP status of the page.
func Open(ctx context.Context, t *testing.T, u string) int {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Navigate(u))
	if err != nil {
		t.Fatalf("navigate %s: %v", u, err)
	}
	return int(resp.Status)
}

// Submit clicks sel (a submit button) and waits for the page it leads to,
// returning its HTTP status. Waiting for an element instead would pass on
// the old page when the new one has the same element.
func Submit(ctx context.Context, t *testing.T, sel string) int {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	return int(resp.Status)
}

// Text is the text of the first element matching sel; a missing element
// fails in seconds, not at the browser's deadline.
func Text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// Screenshot saves the whole page as dir/name.png.
func Screenshot(ctx context.Context, t *testing.T, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o600); err != nil {
		t.Fatal(err)
	}
}

// Viewport sets the page's viewport to width × height CSS pixels (device
// scale 1), as a laptop screen shows it.
func Viewport(ctx context.Context, t *testing.T, width, height int64) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height)); err != nil {
		t.Fatalf("viewport %dx%d: %v", width, height, err)
	}
}

// ResetViewport ends Viewport's emulation: the window's own size again.
func ResetViewport(ctx context.Context, t *testing.T) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.ClearDeviceMetricsOverride, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("reset viewport: %v", err)
	}
}

// overflowJS lists what sticks out of the viewport horizontally: the
// document itself (scrollWidth beyond innerWidth) and every table cell,
// header or caption whose right edge lies beyond the viewport's and that is
// not inside a box that scrolls on its own (overflow-x auto or scroll).
const overflowJS = `(() => {
  const out = [];
  const vw = window.innerWidth;
  if (document.documentElement.scrollWidth > vw) {
    out.push("document: scrollWidth " + document.documentElement.scrollWidth + " > innerWidth " + vw);
  }
  const scrolls = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll") {
        const r = p.getBoundingClientRect();
        return r.right <= vw + 0.5 ? "ok" : "box";
      }
    }
    return "";
  };
  for (const el of document.querySelectorAll("table, th, td, caption")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const s = scrolls(el);
    if (s === "ok") continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      const id = el.closest("table") && el.closest("table").id ? "#" + el.closest("table").id + " " : "";
      out.push(id + el.tagName.toLowerCase() + " [" + Math.round(r.left) + ", " + Math.round(r.right) + "]: " + el.innerText.slice(0, 60));
    }
  }
  return out;
})()`

// Overflow returns what sticks out of the viewport horizontally on the
// current page (nothing when the page fits).
func Overflow(ctx context.Context, t *testing.T) []string {
	t.Helper()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](overflowJS))
	if err != nil {
		t.Fatalf("overflow check: %v", err)
	}
	return out
}

// VisibleText is document.body.innerText: the text a reader sees.
func VisibleText(ctx context.Context, t *testing.T) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatalf("innerText: %v", err)
	}
	return s
}

// Visible reports whether the column headed header in the table sel is
// on screen at its full width.
func Visible(ctx context.Context, t *testing.T, sel, header string) bool {
	t.Helper()
	q, _ := json.Marshal(sel + " th")
	h, _ := json.Marshal(header)
	js := `(() => { const vw = window.innerWidth;
  for (const th of document.querySelectorAll(` + string(q) + `)) {
    if (th.innerText.trim() === ` + string(h) + `) { const r = th.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= vw + 0.5; }
  }
  return false; })()`
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("visible %s %s: %v", sel, header, err)
	}
	return ok
}
