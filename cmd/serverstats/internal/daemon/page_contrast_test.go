package daemon

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cssRule is one selector of a CSS rule with the rule's declarations.
type cssRule struct {
	selector string
	decl     map[string]string
}

var (
	cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)
	cssBlock   = regexp.MustCompile(`([^{}]+)\{([^{}]*)\}`) // innermost blocks: media queries' rules too
	cssVar     = regexp.MustCompile(`var\((--[a-z0-9-]+)\)`)
	cssHex     = regexp.MustCompile(`#[0-9a-fA-F]{3}\b|#[0-9a-fA-F]{6}\b`)
)

// parseCSS lists css's rules, one per selector, with var(--x) resolved
// from :root.
func parseCSS(css string) []cssRule {
	var rules []cssRule
	vars := map[string]string{}
	for _, m := range cssBlock.FindAllStringSubmatch(cssComment.ReplaceAllString(css, ""), -1) {
		decl := map[string]string{}
		for _, d := range strings.Split(m[2], ";") {
			if k, v, ok := strings.Cut(d, ":"); ok {
				decl[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		}
		for _, sel := range strings.Split(m[1], ",") {
			sel = strings.TrimSpace(sel)
			if sel == ":root" {
				for k, v := range decl {
					vars[k] = v
				}
				continue
			}
			rules = append(rules, cssRule{sel, decl})
		}
	}
	for _, r := range rules {
		for k, v := range r.decl {
			r.decl[k] = cssVar.ReplaceAllStringFunc(v, func(s string) string { return vars[cssVar.FindStringSubmatch(s)[1]] })
		}
	}
	return rules
}

// luminance is the WCAG 2 relative luminance of a #rgb or #rrggbb colour.
func luminance(hex string) (float64, error) {
	h := strings.TrimPrefix(hex, "#")
	if len(h) == 3 {
		h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
	}
	if len(h) != 6 {
		return 0, fmt.Errorf("colour %q: want #rgb or #rrggbb", hex)
	}
	var l float64
	for i, w := range []float64{0.2126, 0.7152, 0.0722} {
		n, err := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		if err != nil {
			return 0, fmt.Errorf("colour %q: %v", hex, err)
		}
		c := float64(n) / 255
		if c <= 0.04045 {
			c /= 12.92
		} else {
			c = math.Pow((c+0.055)/1.055, 2.4)
		}
		l += w * c
	}
	return l, nil
}

// contrast is the WCAG 2 contrast ratio of two colours, 1 to 21.
func contrast(a, b string) (float64, error) {
	la, err := luminance(a)
	if err != nil {
		return 0, err
	}
	lb, err := luminance(b)
	if err != nil {
		return 0, err
	}
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05), nil
}

func TestContrast(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"#000", "#fff", 21},
		{"#fff", "#fff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic just-too-light grey
		{"#0b4fa8", "#fff", 7.78},    // worked by hand: L = 0.0849
	} {
		got, err := contrast(c.a, c.b)
		if err != nil || math.Abs(got-c.want) > 0.01 {
			t.Errorf("contrast(%s, %s) = %.2f, %v; want %.2f", c.a, c.b, got, err, c.want)
		}
	}
	if _, err := contrast("red", "#fff"); err == nil {
		t.Error("a named colour: want an error")
	}
}

// containerBackground is the background behind a rule's text when the rule
// sets none: the header's, the plot's, or the page's.
func containerBackground(rules []cssRule, sel string) string {
	for _, c := range [][2]string{{"header", "header"}, {"svg", "svg.history"}, {"", "body"}} {
		if !strings.HasPrefix(sel, c[0]) {
			continue
		}
		for _, r := range rules {
			if r.selector == c[1] && r.decl["background"] != "" {
				return r.decl["background"]
			}
		}
	}
	return ""
}

// baseColor is the text colour of the rule for sel without its attribute
// and pseudo-class parts ("button" for "button[disabled]"), if any.
func baseColor(rules []cssRule, sel string) string {
	base, _, _ := strings.Cut(strings.SplitN(sel, "[", 2)[0], ":")
	if base == sel {
		return ""
	}
	for _, r := range rules {
		if r.selector == base && r.decl["color"] != "" {
			return r.decl["color"]
		}
	}
	return ""
}

// Every text colour of page.css, the state colours (ok, firing, unknown,
// stale, pending, muted, acked) first among them, reads at 4.5:1 or more on
// its background (WCAG 1.4.3), so each state is legible in every cell and
// badge, including those the browser test's fleet does not show. Checked
// here for all of them, in the browser by axe-core for those on the page.
func TestPageCSSTextContrast(t *testing.T) {
	css, err := webFS.ReadFile("web/page.css")
	if err != nil {
		t.Fatal(err)
	}
	rules := parseCSS(string(css))
	checked := map[string]bool{}
	for _, r := range rules {
		fg := r.decl["color"]
		if strings.HasSuffix(r.selector, "text") {
			fg = r.decl["fill"] // SVG text
		}
		if fg == "" && r.decl["background"] != "" {
			fg = baseColor(rules, r.selector) // button[disabled]: a button's colour on its own background
		}
		if fg == "" || fg == "inherit" {
			continue
		}
		bg := r.decl["background"]
		if bg == "" {
			bg = containerBackground(rules, r.selector)
		}
		ratio, err := contrast(fg, cssHex.FindString(bg))
		switch {
		case err != nil:
			t.Errorf("%s: color %q on background %q: %v", r.selector, fg, bg, err)
		case ratio < 4.5:
			t.Errorf("%s: color %s on %s is %.2f:1, want 4.5:1 or more", r.selector, fg, bg, ratio)
		}
		checked[r.selector] = true
	}
	for _, s := range append(cellStates, ".error", ".flash", "header .meta", "footer", "svg text", "button[disabled]") {
		if !checked[s] && !checked["."+s] {
			t.Errorf("no text colour checked for %q: page.css lost it or the test's reading of it", s)
		}
	}
}

// The keyboard focus outline stands out at 3:1 or more (WCAG 1.4.11)
// against every background a focusable element sits on: the page, the state
// cells and badges, the messages, and (with its own colour) the header.
func TestPageCSSFocusContrast(t *testing.T) {
	css, err := webFS.ReadFile("web/page.css")
	if err != nil {
		t.Fatal(err)
	}
	rules := parseCSS(string(css))
	outline := map[bool]string{} // in the header or not
	for _, r := range rules {
		if !strings.Contains(r.selector, ":focus") {
			continue
		}
		c := cssHex.FindString(r.decl["outline"])
		if oc := r.decl["outline-color"]; oc != "" {
			c = oc
		}
		if c != "" {
			outline[strings.HasPrefix(r.selector, "header")] = c
		}
	}
	if outline[false] == "" || outline[true] == "" {
		t.Fatalf("page.css has no focus outline colour for the page and the header: %v", outline)
	}
	for _, r := range rules {
		bg := cssHex.FindString(r.decl["background"])
		// Buttons draw their outline on what is around them; no focusable
		// element sits in a row header.
		if bg == "" || strings.HasPrefix(r.selector, "button") || strings.Contains(r.selector, "th[scope=row]") || strings.HasPrefix(r.selector, "svg") {
			continue
		}
		in := strings.HasPrefix(r.selector, "header")
		if ratio, err := contrast(outline[in], bg); err != nil || ratio < 3 {
			t.Errorf("focus outline %s on %s (%s) is %.2f:1 (%v), want 3:1 or more", outline[in], bg, r.selector, ratio, err)
		}
	}
}
