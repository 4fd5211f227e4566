package alerts

import (
	"os"
	"strings"
	"testing"

	"serverstats/parse"
)

// "Size > 10G" on a column of df -H output compares in SI: 10.5G is
// 10.5×10⁹, over 10×10⁹ (and under 10×2³⁰, so a threshold read in binary
// would not fire). The same rule on df -h output compares in binary.
func TestThresholdInColumnBase(t *testing.T) {
	const dfH = "Filesystem  Size  Used Avail Use% Mounted on\n" +
		"/dev/a     10.5G  1.0G  9.5G  10% /a\n" +
		"none        4.1k     0  4.1k   0% /b\n"
	dfh := strings.ReplaceAll(dfH, "4.1k", "4.0K")
	for _, tt := range []struct {
		name, text, trigger string
		typ                 parse.Type
		fires               bool
	}{
		{"SI >", dfH, "> 10G", parse.TypeBytes, true},
		{"SI > auto", dfH, "> 10G", parse.TypeAuto, true},
		{"SI range", dfH, "~:10G", parse.TypeBytes, true}, // outside ~:10×10⁹
		{"SI <", dfH, "< 10.6G", parse.TypeBytes, true},
		{"binary >", dfh, "> 10G", parse.TypeBytes, true}, // 10.5 GiB > 10 GiB
		{"binary <", dfh, "< 11G", parse.TypeBytes, true}, // 10.5 GiB < 11 GiB
		{"binary ==", dfh, "== 10.5G", parse.TypeBytes, true},
		{"SI ==", dfH, "== 10.5G", parse.TypeBytes, true},
		{"SI not over", dfH, "> 10.6G", parse.TypeBytes, false},
	} {
		tab, err := parse.ParseTable(tt.text, parse.Options{})
		if err != nil {
			t.Fatal(err)
		}
		r := mustRule(t, "Size", tt.typ, tt.trigger, "", SeverityCritical)
		fs := Findings(Observe("disk", "h", "Mounted on", []*Rule{r}, tab))
		fired := len(fs) > 0 && fs[0].Key == "/a" && fs[0].Status == StatusFiring
		if fired != tt.fires {
			t.Errorf("%s: Size 10.5G %s fired %v, want %v (%+v)", tt.name, tt.trigger, fired, tt.fires, fs)
		}
	}
	// The parsed trigger itself is not changed by a column.
	tr, _ := ParseTrigger("> 10G", parse.TypeBytes)
	if tr.num != 10<<30 {
		t.Errorf("ParseTrigger(> 10G).num = %v, want 10 GiB", tr.num)
	}
}

// The three typing paths agree on every cell of real outputs: the value a
// rule observes (Observe), Table.Value (what `serverstats CMD --json` and
// `serverstats parse --json` call, column by column), and the column
// selected alone (`serverstats parse --column C`, Table.Select).
func TestTypingPathsAgree(t *testing.T) {
	for _, dir := range []string{"df-H", "df-h", "local-df-H-big", "free-h", "local-free-si-h", "ps-aux", "debian12-du-h"} {
		b, err := os.ReadFile("../testdata/parse/" + dir + "/input.txt")
		if err != nil {
			t.Fatal(err)
		}
		for _, opt := range []parse.Options{{}, {SizeBase: 1000}} {
			tab, err := parse.ParseTable(string(b), opt)
			if err != nil {
				t.Fatal(err)
			}
			for c, h := range tab.Header {
				sel := tab.Select(c)
				for _, typ := range append([]parse.Type{parse.TypeAuto}, parse.Types...) {
					tr, err := ParseTrigger("== x", typ)
					if err != nil {
						tr, _ = ParseTrigger("> 0", typ)
					}
					if tr == nil {
						continue
					}
					rule := &Rule{Name: "r", Column: h, Type: typ, Trigger: tr}
					obs := Observe("c", "h", "", []*Rule{rule}, tab)
					if len(obs) != len(tab.Rows) {
						t.Fatalf("%s %s: %d observations for %d rows", dir, h, len(obs), len(tab.Rows))
					}
					for r, o := range obs {
						want, werr := tab.Value(r, c, typ)
						alone, aerr := sel.Value(r, 0, typ)
						got := o.Finding.Value
						if got != want || alone != want || (werr == nil) != (aerr == nil) {
							t.Errorf("%s line %d %s as %s: rule %+v, Value %+v, selected %+v", dir, o.Finding.Line, h, typ, got, want, alone)
						}
						if werr != nil && !o.Unknown {
							t.Errorf("%s line %d %s as %s: Value fails (%v) but the rule judged it", dir, o.Finding.Line, h, typ, werr)
						}
					}
				}
			}
		}
	}
}
