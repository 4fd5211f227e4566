package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"serverstats/collectors/sshdtest"
)

// chromiumPath finds Debian's chromium; the test fails (it never skips
// silently) when it is missing.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: apt-get install -y chromium chromium-driver (scripts/test does)")
	return ""
}

// pageFleet is the config of the status page tests' daemon: two real sshd
// hosts in group web with a disk at 95 % (firing), one host that is down in
// group gone (UNKNOWN), and a load check (OK). handler defines the disk
// alert's handler and alertTail ends the alert (its handlers and more).
func pageFleet(f *sshdtest.Fleet, handler, alertTail string) string {
	return fleetSSH(f) + fmt.Sprintf(`daemon: {listen: "@ADDR@", auth-token-env: PAGE_TOKEN}
groups:
  web: [%q, %q]
  gone: ["127.0.0.1:1"]
handlers:
  %s
commands:
  disk:
    servers: [web, gone]
    cmd: printf 'Filesystem Use%%%% Mounted on\n/dev/vda1 95%%%% /\n/dev/vdb1 41%%%% /data\n'
    schedule: "@every 1s"
    alerts:
      - {column: Use%%, trigger: "> 90%%", severity: critical, %s}
  load:
    servers: [web]
    cmd: echo 0.42
    header: none
    schedule: "@every 1s"
    alerts: [{trigger: "> 4"}]
`, f.Servers[0].Name, f.Servers[1].Name, handler, alertTail)
}

// muteWrongToken submits the mute form shown with a wrong token and waits
// for the refusal.
func muteWrongToken(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx,
		chromedp.SetValue("#mute-form input[name=reason]", "disk work"),
		chromedp.SetValue("#mute-form input[name=by]", "alice"),
		chromedp.SetValue("#mute-form input[name=token]", "wrong"),
		chromedp.Click("#mute-form button[type=submit]"),
		chromedp.WaitVisible("p.error[role=alert]"))
}

// newBrowser starts a headless Chromium 1280×900 px wide on first (waiting
// for its #grid) and returns a context for it that ends after within; the
// browser is stopped at the end of the test.
func newBrowser(t *testing.T, chromium, first string, within time.Duration) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewExecAllocator(context.Background(), append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 900))...)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx)
	t.Cleanup(cancel)
	// The first run starts the browser, under ctx (a timeout there would stop it).
	do(t, ctx, chromedp.Navigate(first), chromedp.WaitVisible("#grid"))
	ctx, cancel = context.WithTimeout(ctx, within)
	t.Cleanup(cancel)
	return ctx
}

// pageArtifacts is where the browser test leaves its screenshots.
func pageArtifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SERVERSTATS_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "serverstats-artifacts")
	}
	dir = filepath.Join(dir, "status-page")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("status page screenshots in %s", dir)
	return dir
}

// The status page in a real headless Chromium, served by the real binary
// watching two real sshd hosts (a disk at 95 %) and one that is down: the
// grid shows the firing alert and the UNKNOWN host, the history plot has
// points, a mute and an ack made through the page show in `serverstats
// status`, and actions without the token or the CSRF token are refused.
// Screenshots at desktop and phone width are saved; with
// SERVERSTATS_UPDATE_DOCS=1 the desktop one replaces docs/status-page.png.
func TestStatusPageInBrowser(t *testing.T) {
	chromium := chromiumPath(t)
	f := sshdtest.Start(t, 2)
	cfg := pageFleet(f, "console: {type: print}", "handlers: [console], repeat: 2s")
	d := startDaemon(t, f.Dir, cfg, "PAGE_TOKEN=s3cret-token")
	waitFor(t, "3 runs of disk", func() bool { return d.status(t).runs("disk") >= 3 })
	artifacts := pageArtifacts(t)

	base := "http://" + d.addr
	web0 := f.Servers[0].Name
	detail := base + "/detail?command=disk&host=" + web0
	ctx := newBrowser(t, chromium, base+"/", 90*time.Second)

	// The grid.
	grid := run(t, ctx, chromedp.OuterHTML("#grid"))
	for _, want := range []string{"FIRING critical", "95%", "UNKNOWN", `data-host="127.0.0.1:1"`} {
		if !strings.Contains(grid, want) {
			t.Errorf("the grid lacks %q:\n%s", want, grid)
		}
	}
	overview := run(t, ctx, chromedp.FullScreenshot(100))
	savePNG(t, filepath.Join(artifacts, "overview-desktop.png"), overview)

	// The drill-down and its history plot.
	do(t, ctx, chromedp.Navigate(detail), chromedp.WaitVisible("svg.history"))
	points := run(t, ctx, chromedp.AttributeValue("svg.history", "data-points")).Value
	polyline := run(t, ctx, chromedp.AttributeValue("svg.history polyline", "points")).Value
	rules := run(t, ctx, chromedp.Text("table.rules"))
	if n, _ := strconv.Atoi(points); n < 2 || strings.Count(polyline, ",") < 2 {
		t.Errorf("history plot: %s points, polyline %q", points, polyline)
	}
	if !strings.Contains(rules, "Use% (95%) > 90% holds") || !strings.Contains(rules, "Use% (41%) > 90% does not hold") {
		t.Errorf("rule verdicts:\n%s", rules)
	}
	savePNG(t, filepath.Join(artifacts, "detail-desktop.png"), run(t, ctx, chromedp.FullScreenshot(100)))

	// Refused: a wrong token, then a forged CSRF token.
	muteWrongToken(t, ctx)
	if msg := run(t, ctx, chromedp.Text("p.error[role=alert]")); !strings.Contains(msg, "wrong or missing credential") {
		t.Errorf("wrong token: %q", msg)
	}
	do(t, ctx,
		chromedp.Navigate(detail),
		chromedp.WaitVisible("#mute-form"),
		chromedp.SetValue("#mute-form input[name=reason]", "disk work"),
		chromedp.SetValue("#mute-form input[name=by]", "alice"),
		chromedp.SetValue("#mute-form input[name=token]", "s3cret-token"),
		chromedp.SetValue("#mute-form input[name=csrf]", "forged"),
		chromedp.Click("#mute-form button[type=submit]"),
		chromedp.WaitVisible("p.error[role=alert]"))
	if msg := run(t, ctx, chromedp.Text("p.error[role=alert]")); !strings.Contains(msg, "CSRF") {
		t.Errorf("forged CSRF token: %q", msg)
	}
	if s := statusJSON(t, d); len(s.Mutes) != 0 {
		t.Fatalf("refused actions muted: %+v", s.Mutes)
	}

	// Reminders come every 2s while it fires (print handler: the daemon's
	// stdout); the ack through the page must stop them.
	reminders := func() int {
		n := 0
		for _, line := range strings.Split(d.logs.String(), "\n") {
			if strings.Contains(line, web0) && strings.Contains(line, "STILL") {
				n++
			}
		}
		return n
	}
	waitFor(t, "a reminder before the ack", func() bool { return reminders() > 0 })

	// Acknowledge, then mute, through the page.
	do(t, ctx,
		chromedp.Navigate(detail),
		chromedp.WaitVisible("#ack-form"),
		chromedp.SetValue("#ack-form input[name=reason]", "looking at it"),
		chromedp.SetValue("#ack-form input[name=by]", "bob"),
		chromedp.SetValue("#ack-form input[name=token]", "s3cret-token"),
		chromedp.Click("#ack-form button[type=submit]"),
		chromedp.WaitVisible("p.flash"))
	if flash := run(t, ctx, chromedp.Text("p.flash")); !strings.Contains(flash, "acknowledged 1 alert(s): disk/Use% > 90%@"+web0) {
		t.Errorf("ack: %q", flash)
	}
	before := reminders()
	time.Sleep(3500 * time.Millisecond) // more than one repeat interval, several runs
	if after := reminders(); after != before {
		t.Errorf("%d reminders after the ack through the page, want none", after-before)
	}
	do(t, ctx,
		chromedp.Navigate(detail),
		chromedp.WaitVisible("#mute-form"),
		chromedp.SetValue("#mute-form input[name=reason]", "resizing the disk"),
		chromedp.SetValue("#mute-form input[name=for]", "3h"),
		chromedp.SetValue("#mute-form input[name=by]", "alice"),
		chromedp.SetValue("#mute-form input[name=token]", "s3cret-token"),
		chromedp.Click("#mute-form button[type=submit]"),
		chromedp.WaitVisible("p.flash"))
	if flash := run(t, ctx, chromedp.Text("p.flash")); !strings.Contains(flash, "muted disk on "+web0) {
		t.Errorf("mute: %q", flash)
	}
	s := statusJSON(t, d)
	if len(s.Mutes) != 1 || s.Mutes[0].Reason != "resizing the disk (by alice, status page)" || s.Mutes[0].Host != web0 || time.Until(s.Mutes[0].Until) < 170*time.Minute {
		t.Errorf("serverstats status mutes: %+v", s.Mutes)
	}
	acked := false
	for _, a := range s.Alerts {
		if a.Host == web0 && strings.Contains(a.Ack, "looking at it (by bob, status page)") {
			acked = true
		}
	}
	if !acked {
		t.Errorf("serverstats status shows no ack by bob: %+v", s.Alerts)
	}
	if !strings.Contains(d.logs.String(), "status page action") || !strings.Contains(d.logs.String(), "by=alice") {
		t.Error("the daemon did not log the action with who did it")
	}
	do(t, ctx, chromedp.Navigate(detail), chromedp.WaitVisible("#mute-form"))
	savePNG(t, filepath.Join(artifacts, "detail-after-actions.png"), run(t, ctx, chromedp.FullScreenshot(100)))

	// Phone width: one column.
	do(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid"))
	if w := run(t, ctx, chromedp.Evaluate[float64](`document.querySelector("#grid tbody tr").getBoundingClientRect().width`)); w > 390 {
		t.Errorf("phone: a grid row is %.0f px wide, want one column within 390", w)
	}
	savePNG(t, filepath.Join(artifacts, "overview-phone.png"), run(t, ctx, chromedp.FullScreenshot(100)))
	if os.Getenv("SERVERSTATS_UPDATE_DOCS") == "1" {
		// This run's bytes, not the artifact file: the artifact folder is
		// shared by every run on the machine.
		savePNG(t, filepath.Join("..", "..", "docs", "status-page.png"), overview)
	}
	d.stop(t, 10*time.Second)
}

func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func run[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func savePNG(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

type statusDoc struct {
	Mutes []struct {
		Host   string
		Reason string
		Until  time.Time
	}
	Alerts []struct {
		Host string
		Ack  string
	}
}

// statusJSON runs `serverstats status --json` on the daemon's files.
func statusJSON(t *testing.T, d *daemonProc) statusDoc {
	t.Helper()
	out, err := exec.Command(binary, "status", "--json", "-c", d.config, "--state", d.state).Output()
	var doc statusDoc
	if err != nil || json.Unmarshal(out, &doc) != nil {
		t.Fatalf("serverstats status --json: %v\n%s", err, out)
	}
	return doc
}
