package main

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"serverstats/collectors/sshdtest"
)

// axeSRI is the integrity of testdata/axe/axe.min.js (axe-core 4.14.1) as
// the package's sri-history.json gives it.
const axeSRI = "sha256-KTSJmUUM3yhJqOcLeRL8LahahJ2jnA0NU5T1HUqe2Vw="

// axeSource reads the vendored axe-core and checks it is the pinned release.
func axeSource(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core: %v (testdata/axe/README.md says how to vendor it)", err)
	}
	sum := sha256.Sum256(b)
	if got := "sha256-" + base64.StdEncoding.EncodeToString(sum[:]); got != axeSRI {
		t.Fatalf("testdata/axe/axe.min.js is %s, want axe-core 4.14.1 (%s)", got, axeSRI)
	}
	return string(b)
}

// axeViolation is one failed axe rule on a page, with the elements it found.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target         []string
		FailureSummary string
	}
}

// axeRun is the audit: every rule axe-core runs by default (WCAG 2.x A and
// AA and best practices), violations only.
const axeRun = `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({
  id: v.id, impact: v.impact || "", help: v.help,
  nodes: v.nodes.map(n => ({target: n.target.map(String), failureSummary: n.failureSummary || ""}))})))`

// audit injects axe-core into the page shown and runs it. Serious and
// critical violations fail the test, each listed with its elements; the
// others are logged.
func audit(t *testing.T, ctx context.Context, axe, page string) {
	t.Helper()
	do(t, ctx, chromedp.Evaluate[chromedp.Void](axe+"\n;void 0"))
	vs := run(t, ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	for _, v := range vs {
		var nodes []string
		for _, n := range v.Nodes {
			nodes = append(nodes, fmt.Sprintf("    %s: %s", strings.Join(n.Target, " "), strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		msg := fmt.Sprintf("%s: axe %s (%s): %s\n%s", page, v.ID, v.Impact, v.Help, strings.Join(nodes, "\n"))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Error(msg)
		} else {
			t.Log(msg)
		}
	}
}

// noHorizontalScroll fails the test when the page shown is wider than the
// viewport.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	w := run(t, ctx, chromedp.Evaluate[[2]float64](`[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]`))
	if w[0] > w[1] {
		t.Errorf("%s: scrolls sideways, %.0f px of content in %.0f px", page, w[0], w[1])
	}
}

// The status page passes axe-core (no serious or critical violation) on
// every page: the overview plain and filtered, the drill-down, the outbox
// and the refusal of an action, at desktop width and at 375 px; on a phone
// nothing scrolls sideways and the grid is one column; and a keyboard alone
// reaches the filters, every host × command cell and the mute form, sees
// where the focus is, and mutes with Enter.
func TestStatusPageAccessible(t *testing.T) {
	chromium := chromiumPath(t)
	axe := axeSource(t)
	f := sshdtest.Start(t, 2)
	// A webhook to a closed loopback port keeps messages in the outbox,
	// retrying, so the outbox page has rows to audit.
	cfg := pageFleet(f, fmt.Sprintf(`hook: {type: webhook, url: "http://%s/hook"}`, freeAddr(t)), "handlers: [hook]")
	d := startDaemon(t, f.Dir, cfg, "PAGE_TOKEN=s3cret-token")
	waitFor(t, "3 runs of disk and a message in the outbox", func() bool {
		s := d.status(t)
		return s.runs("disk") >= 3 && s.Outbox > 0
	})
	artifacts := pageArtifacts(t)
	base := "http://" + d.addr
	web0 := f.Servers[0].Name
	detail := base + "/detail?command=disk&host=" + web0
	ctx := newBrowser(t, chromium, base+"/", 3*time.Minute)

	// A control: axe must see an unlabelled input added to the page.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector("main").insertAdjacentHTML("beforeend", "<input id=axe-control>")`))
	do(t, ctx, chromedp.Evaluate[chromedp.Void](axe+"\n;void 0"))
	if vs := run(t, ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise)); !strings.Contains(fmt.Sprint(vs), "#axe-control") {
		t.Fatalf("axe-core did not report an input without a label: %+v", vs)
	}

	pages := []struct{ name, url, ready string }{
		{"overview", base + "/", "#grid"},
		{"overview-filtered", base + "/?group=web&command=disk&state=firing", "#grid"},
		{"detail", detail, "svg.history"},
		{"outbox", base + "/outbox", "table.outbox"},
		{"refusal", detail, "#mute-form"}, // then a mute with a wrong token
	}
	for _, vp := range []struct {
		name string
		w, h int64
	}{{"desktop", 1280, 900}, {"phone", 375, 812}} {
		do(t, ctx, chromedp.EmulateViewport(vp.w, vp.h))
		for _, p := range pages {
			do(t, ctx, chromedp.Navigate(p.url), chromedp.WaitVisible(p.ready))
			if p.name == "refusal" {
				muteWrongToken(t, ctx)
			}
			name := p.name + "-" + vp.name
			audit(t, ctx, axe, name)
			if vp.name == "phone" {
				noHorizontalScroll(t, ctx, name)
			}
			savePNG(t, filepath.Join(artifacts, "a11y-"+name+".png"), run(t, ctx, chromedp.FullScreenshot(100)))
		}
	}

	// Phone: the grid is one column, each cell as wide as its row.
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid"))
	cols := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#grid tbody tr")).flatMap(tr => {
  const row = tr.getBoundingClientRect();
  return Array.from(tr.children).filter(c => c.getClientRects().length > 0).map(c => c.getBoundingClientRect())
    .filter(c => Math.abs(c.left - row.left) > 2 || Math.abs(c.width - row.width) > 4)
    .map(c => "cell at x=" + Math.round(c.left) + " w=" + Math.round(c.width) + " in a row at x=" + Math.round(row.left) + " w=" + Math.round(row.width));
})`))
	if len(cols) > 0 {
		t.Errorf("phone: the grid is not one column: %s", strings.Join(cols, "; "))
	}

	keyboardMute(t, ctx, base, web0)
	s := statusJSON(t, d)
	if len(s.Mutes) != 1 || s.Mutes[0].Reason != "keyboard only (by kim, status page)" || s.Mutes[0].Host != web0 {
		t.Errorf("serverstats status mutes after the keyboard mute: %+v", s.Mutes)
	}
	// The overview again, now with a muted cell.
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid td.muted"))
	audit(t, ctx, axe, "overview-muted-desktop")
	d.stop(t, 10*time.Second)
}

// focused describes the focused element: its tag, name or href, and
// whether its focus is visible (an outline of 2 px or more).
const focused = `(() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return {tag: e.tagName.toLowerCase(), name: e.getAttribute("name") || "", href: e.getAttribute("href") || "",
    form: e.form ? e.form.id : "", visible: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
})()`

type focusInfo struct {
	Tag, Name, Href, Form string
	Visible               bool
}

// tabUntil presses Tab (at most limit times) until the focus is on an
// element want accepts, failing on a focus that is not visible; it returns
// what was focused on the way.
func tabUntil(t *testing.T, ctx context.Context, limit int, want func(focusInfo) bool) []focusInfo {
	t.Helper()
	var seen []focusInfo
	for range limit {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		f := run(t, ctx, chromedp.Evaluate[focusInfo](focused))
		if f.Tag == "body" {
			continue // past the end: the next Tab starts over
		}
		if !f.Visible {
			t.Errorf("keyboard focus on <%s name=%q href=%q> has no visible outline", f.Tag, f.Name, f.Href)
		}
		seen = append(seen, f)
		if want(f) {
			return seen
		}
	}
	t.Fatalf("%d Tabs did not reach the element; focused on the way: %+v", limit, seen)
	return nil
}

// keyboardMute tabs through the overview (the filters, then every cell
// link), filters with the arrow keys and Enter, opens web0's disk cell with
// Enter, tabs to the mute form, types into it and submits it with Enter.
func keyboardMute(t *testing.T, ctx context.Context, base, web0 string) {
	t.Helper()
	do(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid"))
	links := run(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#grid td a")).map(a => a.getAttribute("href"))`))
	if len(links) < 5 { // disk on 3 hosts, load on 2
		t.Fatalf("the grid has %d cell links, want 5: %v", len(links), links)
	}
	last := links[len(links)-1]
	seen := tabUntil(t, ctx, 60, func(f focusInfo) bool { return f.Href == last })
	reached := map[string]bool{}
	for _, f := range seen {
		reached[f.Name], reached[f.Href] = true, true
	}
	for _, want := range append([]string{"#main", "group", "command", "state"}, links...) {
		if !reached[want] {
			t.Errorf("Tab never reached %q on the overview; it went %+v", want, seen)
		}
	}
	target := "/detail?command=disk&host=" + url.QueryEscape(web0)
	if !reached[target] {
		t.Fatalf("no cell link %s in %v", target, links)
	}
	// The filters with the keyboard: an arrow key picks a state without
	// reloading the page (the script used to submit on change), Enter on
	// the button applies it.
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid"))
	tabUntil(t, ctx, 20, func(f focusInfo) bool { return f.Form == "filters" && f.Name == "state" })
	// A script that reloads on change calls form.submit() or requestSubmit()
	// (counted here, synchronously, and not carried out) or navigates
	// otherwise (the Navigation API's navigate event, read a task later).
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.navs = 0;
navigation.addEventListener("navigate", () => window.navs++);
HTMLFormElement.prototype.submit = HTMLFormElement.prototype.requestSubmit = function () { window.navs++ };`))
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	if v := run(t, ctx, chromedp.Evaluate[[3]string](`new Promise(r => setTimeout(r, 0)).then(() => [document.activeElement.value, location.search, String(window.navs)])`, chromedp.EvalAwaitPromise)); v != [3]string{"firing", "", "0"} {
		t.Errorf("ArrowDown on the state filter: value, query and navigations %q, want firing, none and 0: no reload", v)
	}
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid")) // the real submit again
	tabUntil(t, ctx, 20, func(f focusInfo) bool { return f.Form == "filters" && f.Name == "state" })
	do(t, ctx, chromedp.KeyEvent(kb.ArrowDown))
	tabUntil(t, ctx, 3, func(f focusInfo) bool { return f.Tag == "button" && f.Form == "filters" })
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	waitFor(t, "the filtered overview", func() bool {
		q, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState === "complete" ? location.search : ""`))
		return err == nil && strings.Contains(q, "state=firing")
	})
	do(t, ctx, chromedp.WaitVisible("#grid"))
	if v := run(t, ctx, chromedp.Evaluate[[2]string](`[location.search, Array.from(document.querySelectorAll("#grid td[data-state]")).map(td => td.dataset.state).join(" ")]`)); v[0] != "?group=&command=&state=firing" || v[1] != "firing firing" {
		t.Errorf("Enter on Filter: query %q, cells %q; want state=firing and the two firing cells", v[0], v[1])
	}

	// Back to the overview, Tab to web0's disk cell, Enter opens it.
	do(t, ctx, chromedp.Navigate(base+"/"), chromedp.WaitVisible("#grid"))
	tabUntil(t, ctx, 60, func(f focusInfo) bool { return f.Href == target })
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("#mute-form"))

	tabUntil(t, ctx, 80, func(f focusInfo) bool { return f.Form == "mute-form" && f.Name == "reason" })
	do(t, ctx, chromedp.KeyEvent("keyboard only"))
	for _, field := range []struct{ name, text string }{{"by", "kim"}, {"token", "s3cret-token"}} {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
		if f := run(t, ctx, chromedp.Evaluate[focusInfo](focused)); f.Form != "mute-form" || f.Name != field.name || !f.Visible {
			t.Fatalf("Tab after the mute form's reason went to %+v, want a visible focus on %s", f, field.name)
		}
		// page.js may have filled "by" from an earlier visit: replace it.
		do(t, ctx, chromedp.Evaluate[chromedp.Void](`document.activeElement.select()`), chromedp.KeyEvent(field.text))
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("p.flash"))
	if flash := run(t, ctx, chromedp.Text("p.flash")); !strings.Contains(flash, "muted disk on "+web0) {
		t.Errorf("mute with Enter: %q", flash)
	}
}
