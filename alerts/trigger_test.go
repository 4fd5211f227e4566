package alerts

import (
	"testing"

	"serverstats/parse"
)

func val(t *testing.T, raw string, typ parse.Type) parse.Value {
	t.Helper()
	v, err := parse.ParseValue(raw, typ)
	if err != nil {
		t.Fatalf("ParseValue(%q, %s): %v", raw, typ, err)
	}
	return v
}

func TestTriggerMatch(t *testing.T) {
	cases := []struct {
		trigger string
		typ     parse.Type
		raw     string
		want    bool
	}{
		// The observed value is the left operand.
		{"> 90", parse.TypePercent, "93%", true},
		{"> 90", parse.TypePercent, "90%", false},
		{">= 90", parse.TypePercent, "90%", true},
		{"< 10", parse.TypeNumber, "9.5", true},
		{"<= 10", parse.TypeNumber, "10", true},
		{"< 0", parse.TypeNumber, "-5", true}, // the sign is kept
		{"== 3", parse.TypeNumber, "3", true},
		{"!= 3", parse.TypeNumber, "3", false},
		// Thresholds in the value's own units.
		{"< 100M", parse.TypeBytes, "1.9G", false},
		{"< 100M", parse.TypeBytes, "50M", true},
		{"> 1h", parse.TypeDuration, "1:08:00", true},
		// ServerStats spelling.
		{"(> 90)", parse.TypePercent, "91%", true},
		{"(= false)", parse.TypeBool, "false", true},
		{"(= false)", parse.TypeBool, "true", false},
		{"(not= 0)", parse.TypeNumber, "0", false},
		// Strings and regexes.
		{"!= pong", parse.TypeString, "pong", false},
		{"!= pong", parse.TypeString, "502 Bad Gateway", true},
		{`== "a b"`, parse.TypeString, "a b", true},
		{"=~ ^err", parse.TypeString, "error: disk", true},
		{"(=~ err)", parse.TypeString, "an error", true}, // ServerStats parentheses around a regex
		{"!= pong", parse.TypeString, "", true},          // an empty body is not pong
		{"!= pong", parse.TypeString, "-", true},
		{"=~ ^$", parse.TypeNumber, "", true},
		{"!~ ^ok", parse.TypeString, "ok", false},
		// Nagios ranges: alert outside the range, inside with @.
		{"10:20", parse.TypeNumber, "15", false},
		{"10:20", parse.TypeNumber, "25", true},
		{"10:20", parse.TypeNumber, "5", true},
		{"@10:20", parse.TypeNumber, "15", true},
		{"@10:20", parse.TypeNumber, "25", false},
		{"~:10", parse.TypeNumber, "-1000", false},
		{"~:10", parse.TypeNumber, "11", true},
		{"10:", parse.TypeNumber, "9", true},
		{"10:", parse.TypeNumber, "1e9", false},
		{"10", parse.TypeNumber, "-1", true}, // "10" is 0:10
		{"10", parse.TypeNumber, "10", false},
		// Auto type compares numbers as numbers, else text.
		{"> 90", parse.TypeAuto, "93%", true},
		{"== pong", parse.TypeAuto, "pong", true},
		{"== true", parse.TypeAuto, "true", true},
		// ... and a text threshold makes an empty cell text too: a probe
		// that got no answer has an empty body, which is not "pong".
		{"!= pong", parse.TypeAuto, "", true},
		{"== pong", parse.TypeAuto, "", false},
		{"!= ''", parse.TypeAuto, "", false},
		{"!= ''", parse.TypeAuto, "connection refused", true},
		{"!= 200", parse.TypeAuto, "", false}, // numeric: an empty cell is unknown, not "not 200"
	}
	for _, c := range cases {
		tr, err := ParseTrigger(c.trigger, c.typ)
		if err != nil {
			t.Errorf("ParseTrigger(%q, %s): %v", c.trigger, c.typ, err)
			continue
		}
		if got := tr.Match(val(t, c.raw, c.typ)); got != c.want {
			t.Errorf("%q (%s) on %q = %v, want %v", c.trigger, c.typ, c.raw, got, c.want)
		}
	}
}

func TestTriggerNullNeverMatches(t *testing.T) {
	for _, trig := range []string{"> 90", "< 90", "!= 5", "10:20", "@~:10"} {
		tr, err := ParseTrigger(trig, parse.TypeNumber)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Match(parse.Value{Type: parse.TypeNumber, Null: true, Raw: "-"}) {
			t.Errorf("%q matched a null cell", trig)
		}
	}
}

func TestParseTriggerErrors(t *testing.T) {
	cases := []struct {
		trigger string
		typ     parse.Type
		want    string
	}{
		{"", parse.TypeNumber, "empty trigger"},
		{"> ninety", parse.TypePercent, `threshold "ninety" is not a percent`},
		{">", parse.TypeNumber, "operator > has no threshold"},
		{"> 5", parse.TypeString, "operator > does not apply to strings (use ==, !=, =~ or !~)"},
		{"== maybe", parse.TypeBool, `threshold "maybe" is not a bool (use true or false)`},
		{"=~ (", parse.TypeString, "bad regular expression"},
		{"20:10", parse.TypeNumber, `range "20:10" has its start above its end`},
		{":10", parse.TypeNumber, `":10" is neither an operator and threshold nor a Nagios range`},
		{"10:20", parse.TypeString, "a range like"},
		{"bogus", parse.TypeNumber, `"bogus" is neither`},
	}
	for _, c := range cases {
		_, err := ParseTrigger(c.trigger, c.typ)
		if err == nil {
			t.Errorf("ParseTrigger(%q) succeeded, want error %q", c.trigger, c.want)
			continue
		}
		if got := err.Error(); len(got) < len(c.want) || got[:len(c.want)] != c.want {
			t.Errorf("ParseTrigger(%q) error = %q, want prefix %q", c.trigger, got, c.want)
		}
	}
}

func FuzzParseTrigger(f *testing.F) {
	for _, s := range []string{"> 90", "(> 90)", "@10:20", "~:10", "=~ ^a", "== true", "10:", "(not= 0)", "< 1.5Gi"} {
		f.Add(s, "93%")
	}
	f.Fuzz(func(t *testing.T, trig, raw string) {
		for _, typ := range append([]parse.Type{parse.TypeAuto}, parse.Types...) {
			tr, err := ParseTrigger(trig, typ)
			if err != nil {
				continue
			}
			v, _ := parse.ParseValue(raw, typ)
			tr.Match(v) // must not panic
			_ = tr.String()
		}
	})
}
