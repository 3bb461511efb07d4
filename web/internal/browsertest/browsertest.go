// Package browsertest drives keydesk's pages in headless Chromium for the tests of package web
// and of web/e2e: one browser per test binary, a fresh browser context per test, helpers that
// fail the test with the step, the page text and a screenshot, and a check that no page throws
// a script error or violates the Content-Security-Policy. Tests skip when Chromium is absent.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium; .ci/run installs it (apt-get install chromium).
const chromiumPath = "/usr/bin/chromium"

// ScreenshotDir is where screenshots go: web/testdata/screenshots/, ignored by git, whichever
// package's test takes them.
var ScreenshotDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "screenshots")
}()

var (
	allocOnce   sync.Once
	allocCancel context.CancelFunc
	browserCtx  context.Context
	allocErr    error
)

// Close stops the shared browser; call it from TestMain after m.Run.
func Close() {
	if allocCancel != nil {
		allocCancel()
	}
}

// Step is one browser action that returns nothing.
type Step = chromedp.Action[chromedp.Void]

// NewTab opens a fresh browser context (own storage, like a private window) in the one headless
// Chromium the package shares, and fails the test on any uncaught script error or
// Content-Security-Policy violation on its pages.
func NewTab(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("browser test skipped: %s not found (install with: apt-get install -y chromium chromium-driver)", chromiumPath)
	}
	allocOnce.Do(func() {
		opts := append(chromedp.DefaultExecAllocatorOptions[:],
			chromedp.ExecPath(chromiumPath), chromedp.NoSandbox, chromedp.DisableGPU,
			chromedp.Flag("disable-component-update", true),
			chromedp.WindowSize(1280, 900),
		)
		var allocCtx context.Context
		allocCtx, allocCancel = chromedp.NewExecAllocator(context.Background(), opts...)
		browserCtx, _ = chromedp.NewContext(allocCtx)
		allocErr = chromedp.Do(browserCtx) // starts the browser, with no timeout
	})
	if allocErr != nil {
		t.Fatalf("start chromium: %v", allocErr)
	}
	tab, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	if err := chromedp.Do(tab); err != nil {
		cancel()
		t.Fatalf("open tab: %v", err)
	}
	ctx, cancelT := context.WithTimeout(tab, 90*time.Second)
	var mu sync.Mutex
	var problems []string
	done := make(chan struct{})
	messages := chromedp.Console(tab)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			// Failed requests (4xx answers the pages handle) are expected; script errors and
			// CSP refusals are not.
			if m.IsException() || (m.Type == chromedp.ConsoleError && !strings.Contains(m.Text, "Failed to load resource")) {
				mu.Lock()
				problems = append(problems, fmt.Sprintf("%s %s:%d %s", m.Type, m.URL, m.Line+1, m.Text))
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		cancelT()
		cancel()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page problem: %s", p)
		}
	})
	return ctx
}

// Screenshot saves the current page as testdata/screenshots/<name>.png and logs the path.
func Screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 = PNG
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.MkdirAll(ScreenshotDir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(ScreenshotDir, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(p)
	t.Logf("screenshot: %s", abs)
}

// Do runs browser steps, failing the test with the step name, the page text and a screenshot.
func Do(t *testing.T, ctx context.Context, name string, steps ...Step) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		Screenshot(t, ctx, sanitize(t.Name())+"-failed")
		text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`))
		t.Fatalf("%s: %v\npage text: %s", name, err, text)
	}
}

// Value returns the value of the input the CSS selector finds.
func Value(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("value of %s: %v", sel, err)
	}
	return v
}

// Text returns the visible text of the first element the CSS selector finds.
func Text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// EvalBool evaluates a JavaScript expression returning a boolean.
func EvalBool(t *testing.T, ctx context.Context, expr string) bool {
	t.Helper()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return ok
}

// JS runs a script in the page.
func JS(expr string) Step { return chromedp.Evaluate[chromedp.Void](expr) }

// WaitJS waits until the JavaScript expression is true. It polls from Go, so a navigation in
// between (which destroys the page's JavaScript context) only costs a retry.
func WaitJS(expr string) Step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		deadline := time.Now().Add(25 * time.Second)
		var last error
		for time.Now().Before(deadline) {
			ok, err := chromedp.Evaluate[bool](expr)(ctx, tg)
			if err == nil && ok {
				return nil
			}
			last = err
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return fmt.Errorf("waiting for %s: timed out (last error: %v)", expr, last)
	})
}

// ClearInput empties an input as a user selecting all and deleting would.
func ClearInput(sel string) Step {
	return JS(fmt.Sprintf(`(() => { const n = document.querySelector(%q); n.value = ''; n.dispatchEvent(new Event('input', {bubbles: true})); })()`, sel))
}

// WaitText waits until the element's text contains want.
func WaitText(sel, want string) Step {
	return WaitJS(fmt.Sprintf(`(() => { const n = document.querySelector(%q); return !!n && n.textContent.includes(%q); })()`, sel, want))
}

// Visible waits (at most 25 s) until the element the CSS selector finds is visible.
func Visible(sel string) Step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		ctx, cancel := context.WithTimeout(ctx, 25*time.Second)
		defer cancel()
		if _, err := chromedp.WaitVisible(chromedp.CSS(sel))(ctx, tg); err != nil {
			return fmt.Errorf("waiting for %s to be visible: %w", sel, err)
		}
		return nil
	})
}

// Click clicks the first element matching the CSS selector sel with the mouse, as a user
// would, but only once the element has stopped moving and nothing covers its centre: a page
// that is still laying out (the buyer form's help-article suggestions arrive after a debounce
// and push the Send button down) would otherwise take the click on whatever moved under the
// pointer between measuring and clicking.
func Click(sel string) Step {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := Visible(sel)(ctx, tg); err != nil {
			return err
		}
		deadline := time.Now().Add(25 * time.Second)
		var last string
		for time.Now().Before(deadline) {
			pt, err := chromedp.Evaluate[[]float64](fmt.Sprintf(clickPoint, sel), chromedp.EvalAwaitPromise)(ctx, tg)
			if err == nil && len(pt) == 2 {
				_, err = chromedp.MouseClickXY(pt[0], pt[1])(ctx, tg)
				return err
			}
			last = fmt.Sprint(err)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return fmt.Errorf("click %s: it never held still uncovered (last: %s)", sel, last)
	})
}

// clickPoint scrolls the element into view and answers its centre once the page has no
// request of its own in flight or waiting on a debounce timer (KD.pending: an answer that
// lands between measuring and clicking, such as the form's help-article suggestions, moves
// what is under the pointer, and the suggestions' request starts 300 ms after typing), the
// element has held still for 150 ms (three looks 50 ms apart) and the element itself (or a
// child) is what a click there would hit; otherwise it throws, and Click tries again.
const clickPoint = `(async () => {
	const n = document.querySelector(%q);
	if (!n) throw new Error('no element');
	if (window.KD && KD.pending && KD.pending() > 0) throw new Error('requests in flight');
	n.scrollIntoView({block: 'center', inline: 'center'});
	const frame = () => new Promise(r => setTimeout(r, 50));
	let r = n.getBoundingClientRect();
	for (let i = 0; i < 3; i++) {
		await frame();
		const s = n.getBoundingClientRect();
		if (s.x !== r.x || s.y !== r.y || s.width !== r.width || s.height !== r.height) throw new Error('moving');
		r = s;
	}
	const x = r.x + r.width / 2, y = r.y + r.height / 2;
	const hit = document.elementFromPoint(x, y);
	if (!hit || !(hit === n || n.contains(hit))) throw new Error('covered by ' + (hit ? hit.tagName : 'nothing'));
	return [x, y];
})()`

// TypeIn types v into the first element matching the CSS selector sel.
func TypeIn(sel, v string) Step {
	return chromedp.SendKeys(chromedp.CSS(sel), v)
}

// SetSelect chooses an option of a <select> and fires its change event, as a user would.
func SetSelect(sel, v string) Step {
	return JS(fmt.Sprintf(`(() => { const s = document.querySelector(%q); s.value = %q; s.dispatchEvent(new Event('change', {bubbles: true})); })()`, sel, v))
}

func sanitize(s string) string {
	return strings.NewReplacer("/", "-", " ", "_").Replace(s)
}

// SetLang stores the page language before the first page loads.
func SetLang(base, lang string) Step {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		JS(fmt.Sprintf(`localStorage.setItem('keydesk.lang', %q)`, lang)),
	)
}

// StaffSession stores a staff token as the login page would.
func StaffSession(base, token string) Step {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		JS(fmt.Sprintf(`localStorage.setItem('keydesk.staff', JSON.stringify({token: %q}))`, token)),
	)
}
