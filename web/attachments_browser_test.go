package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	bt "github.com/keydesk/keydesk/web/internal/browsertest"
)

// screenshotPNG writes a small striped PNG (120×80) and returns its path and bytes.
func screenshotPNG(t *testing.T, dir string) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 80))
	for y := range 80 {
		for x := range 120 {
			img.Set(x, y, color.RGBA{R: uint8(x * 2), G: 90, B: uint8(y * 3), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "shot.png")
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, b.Bytes()
}

// thumbShown is true when n thumbnails under sel show images loaded from blob: URLs.
func thumbShown(sel string, n int) string {
	return `(() => { const imgs = [...document.querySelectorAll('` + sel + ` img')];
		return imgs.length === ` + strconv.Itoa(n) + ` && imgs.every(i => !i.hidden && i.src.startsWith('blob:') && i.complete && i.naturalWidth === 120); })()`
}

// TestBuyerAttachesScreenshotAfterCreatingTicket: a file of the wrong type is refused next
// to the field without losing what was typed; a PNG is uploaded with the new ticket's token
// once the ticket exists; the status page and the agent's ticket view show it as a thumbnail
// fetched with their bearer tokens; a reply can carry a second screenshot.
func TestBuyerAttachesScreenshotAfterCreatingTicket(t *testing.T) {
	f, base := startFake(t)
	dir := t.TempDir()
	shot, shotBytes := screenshotPNG(t, dir)
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not an image"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := bt.NewTab(t)
	bt.Do(t, ctx, "fill the form, pick a text file",
		bt.SetLang(base, "en"),
		chromedp.Navigate(base+"/support/demo?order_no=ORD-1001&email=b%40example.com"),
		bt.Visible("#attachment"),
		bt.SetSelect("#category", "key_missing"),
		bt.TypeIn("#description", "I never got my key"),
		chromedp.SetUploadFiles(chromedp.CSS("#attachment"), []string{notes}),
		bt.Visible("#err-attachment"))
	if got := bt.Text(t, ctx, "#err-attachment"); !strings.Contains(got, "Only PNG, JPEG, WebP or GIF") {
		t.Errorf("type error next to the field = %q", got)
	}
	if d, o := bt.Value(t, ctx, "#description"), bt.Value(t, ctx, "#order_no"); d != "I never got my key" || o != "ORD-1001" {
		t.Fatalf("typed input lost: description %q order %q", d, o)
	}
	bt.Do(t, ctx, "pick the PNG, submit",
		chromedp.SetUploadFiles(chromedp.CSS("#attachment"), []string{shot}),
		bt.Visible("#attachment-preview img"),
		bt.WaitJS(`!document.querySelector('#err-attachment')`),
		bt.Click("#submit"),
		bt.Visible("#done"),
		bt.WaitText("#done-attachment", "Your screenshot is attached."))
	f.mu.Lock()
	files := append([]fakeFile(nil), f.files...)
	nTickets := len(f.tickets)
	f.mu.Unlock()
	if nTickets != 1 || len(files) != 1 || files[0].TicketID != 1 || files[0].Name != "shot.png" || files[0].Type != "image/png" || !bytes.Equal(files[0].Data, shotBytes) {
		t.Fatalf("tickets %d, uploads %+v", nTickets, files)
	}
	bt.Screenshot(t, ctx, "fake-support-attached")

	link := bt.Value(t, ctx, "#done-link")
	bt.Do(t, ctx, "status page shows the screenshot", chromedp.Navigate(link), bt.WaitJS(thumbShown("#attachments", 1)))
	bt.Do(t, ctx, "reply with only a second screenshot",
		chromedp.SetUploadFiles(chromedp.CSS("#reply-file"), []string{shot}),
		bt.Click("#reply-form button[type=submit]"),
		bt.WaitJS(thumbShown("#attachments", 2)))
	bt.Screenshot(t, ctx, "fake-status-attachments")
	// A text file named .png passes the browser's check (its type comes from the name) but
	// not the API's sniffing: the reply text is sent, the refusal shows next to the file field.
	fakePNG := filepath.Join(dir, "fake.png")
	if err := os.WriteFile(fakePNG, []byte("just text, honestly"), 0o600); err != nil {
		t.Fatal(err)
	}
	bt.Do(t, ctx, "reply with a disguised text file",
		bt.TypeIn("#reply-body", "here is another one"),
		chromedp.SetUploadFiles(chromedp.CSS("#reply-file"), []string{fakePNG}),
		bt.Click("#reply-form button[type=submit]"),
		bt.Visible("#err-file"),
		bt.WaitText("#messages", "here is another one"))
	if got := bt.Text(t, ctx, "#err-file"); !strings.Contains(got, "Only PNG, JPEG, WebP or GIF") {
		t.Errorf("server refusal next to the file field = %q", got)
	}
	f.mu.Lock()
	if len(f.files) != 2 {
		t.Errorf("%d files stored, want 2", len(f.files))
	}
	f.mu.Unlock()

	agent := bt.NewTab(t)
	bt.Do(t, agent, "agent ticket view shows the thumbnails",
		bt.SetLang(base, "en"),
		bt.StaffSession(base, "tok-agent"),
		chromedp.Navigate(base+"/agent/tickets/1"),
		bt.WaitJS(thumbShown("#attachments", 2)))
	if href := bt.EvalBool(t, agent, `document.querySelector('#attachments a').getAttribute('href').startsWith('blob:')`); !href {
		t.Error("thumbnail does not link to the image")
	}
	bt.Screenshot(t, agent, "fake-agent-attachments")

	// After the retention of closed tickets the first file's bytes are gone: both pages keep
	// its name and say why, in Chinese first, and never ask for the bytes.
	f.mu.Lock()
	f.files[0].Purged = time.Now()
	f.mu.Unlock()
	for _, c := range []struct {
		name string
		ctx  context.Context
		url  string
	}{{"buyer", ctx, link}, {"agent", agent, base + "/agent/tickets/1"}} {
		bt.Do(t, c.ctx, c.name+" sees the purged file by name",
			bt.SetLang(base, "zh-CN"),
			chromedp.Navigate(c.url),
			bt.WaitText("#attachments .purged", "已删除"),
			bt.WaitJS(thumbShown("#attachments", 1)))
		if got := bt.Text(t, c.ctx, "#attachments .purged"); !strings.Contains(got, "shot.png") {
			t.Errorf("%s: purged entry %q does not name the file", c.name, got)
		}
	}
	bt.Screenshot(t, agent, "fake-agent-attachment-purged")
}
