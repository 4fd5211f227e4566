package message

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"serverstats/alerts"
)

// Fuzz targets: FuzzTemplates (a handler's subject/body template rendered
// as the config check and the handlers render it) and FuzzSMS (the default
// SMS text of any group of notifications). Crashers land in
// testdata/fuzz/<target>/ and run as regression cases with every `go test`.

// templateSeeds are templates from the docs, the tests and the example
// configs, and ones that fail at parse or at render time.
var templateSeeds = []string{
	"[serverstats] {{.Summary}}",
	"{{.Firing}} firing on {{len .Hosts}} hosts\n(handler {{.Handler}})",
	"{{range .Notifications}}{{.Line}}{{\"\\n\"}}{{end}}",
	"{{.Summary}}\n{{range .Notifications}}{{.Line}} {{end}}",
	"{{range $i, $n := .Notifications}}{{$i}}: {{$n.Host}} {{$n.Value}} — {{$n.Message}}\n{{end}}",
	"{{if .Warning}}{{.Warning}}{{else}}ok{{end}} {{printf \"%.3s\" .Handler}}",
	"{{with index .Notifications 0}}{{.Host}} {{.Time.Format \"2006-01-02\"}}{{end}}",
	"{{index .Notifications 7}}",
	"{{.Nope}}",
	"{{.Summary",
	"{{template \"x\"}}",
	"{{define \"x\"}}{{template \"x\"}}{{end}}{{template \"x\"}}",
	"{{\"\\xff\\xfe\"}} {{slice .Summary 0 1}}",
	"{{printf \"%c\" 0xD800}}{{printf \"%s\" (slice \"é\" 0 1)}}",
	"café — 93 % ≥ 90 … «x» [y] {z} | ~ ^ ` € \t\r\n end",
	strings.Repeat("x", 300),
	"",
}

// bigLiteral matches a number literal large enough to make `range N` run
// for minutes (templates range over integers since Go 1.22); the fuzzer
// skips templates with range and one of those, as a config author who
// writes one gets what they asked for.
var bigLiteral = regexp.MustCompile(`[0-9][0-9a-fA-FxXoObB_.eEpP+-]{4,}|'`)

// FuzzTemplates parses any text as a subject or body template and renders
// it on the sample group as Subject, Text and SMS do: an error is an error
// naming the template (never a panic); a rendering is valid UTF-8 whatever
// the template's bytes; a subject is one line of at most 250 bytes and an
// SMS at most 160 GSM-7 basic characters; the three agree on whether the
// template fails.
func FuzzTemplates(f *testing.F) {
	for _, s := range templateSeeds {
		f.Add(s, "oncall", "")
		f.Add(s, "sms", "state unavailable: disk full")
	}
	f.Fuzz(func(t *testing.T, text, handler, warning string) {
		if len(text) > 400 || strings.Contains(text, "range") && bigLiteral.MatchString(text) {
			return
		}
		tm, err := ParseTemplate("body", text)
		if err != nil {
			if tm != nil || !strings.HasPrefix(err.Error(), "body template: ") {
				t.Fatalf("ParseTemplate(%q) = %v, %v", text, tm, err)
			}
			return
		}
		ns := Sample(sampleTime)
		ns[0].Warning = warning
		d := New(handler, ns)

		body, errT := Text(tm, d)
		subject, errS := Subject(tm, d)
		sms, errM := SMS(tm, d)
		for _, err := range []error{errT, errS, errM} {
			if err != nil && !strings.HasPrefix(err.Error(), "body template: ") {
				t.Fatalf("%q: error %q does not name the template", text, err)
			}
		}
		if (errT != nil) != (errS != nil) || (errT != nil) != (errM != nil) {
			t.Fatalf("%q: Text %v, Subject %v, SMS %v", text, errT, errS, errM)
		}
		if errT != nil {
			return
		}
		for what, s := range map[string]string{"text": body, "subject": subject, "sms": sms} {
			if !utf8.ValidString(s) {
				t.Fatalf("%q: %s %q is not UTF-8", text, what, s)
			}
		}
		if len(subject) > 250 || strings.ContainsAny(subject, "\r\n") || subject != strings.TrimSpace(subject) {
			t.Fatalf("%q: subject %q is not one trimmed line of at most 250 bytes", text, subject)
		}
		checkSMS(t, sms)
	})
}

// checkSMS checks the contract of SMS: at most smsMaxLen characters of the
// GSM-7 basic set (printable ASCII without the extension characters, so
// that one byte is one septet).
func checkSMS(t *testing.T, s string) {
	t.Helper()
	if len(s) > smsMaxLen {
		t.Fatalf("sms %q is %d characters long", s, len(s))
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || strings.IndexByte("[]{}|\\~^`", c) >= 0 {
			t.Fatalf("sms %q has %q at %d, not a GSM-7 basic character", s, c, i)
		}
	}
	if gsm7(s) != s {
		t.Fatalf("sms %q is not GSM-7 safe", s)
	}
}

var (
	fuzzStatuses   = []alerts.Status{alerts.StatusFiring, alerts.StatusResolved, alerts.StatusUnknown, alerts.StatusReminder, alerts.StatusSummary, "flapping", ""}
	fuzzSeverities = []alerts.Severity{alerts.SeverityCritical, alerts.SeverityWarning, "", "major", "crit—ique"}
)

// FuzzSMS renders the default SMS of a group of n notifications built from
// the fuzzed fields: it is never empty, at most 160 GSM-7 basic characters,
// and starts with the most urgent notification (after the warning, if
// any), cut with "..." only when that one alone is too long.
func FuzzSMS(f *testing.F) {
	for _, n := range Sample(sampleTime) {
		f.Add(n.Host, n.Key, n.Column, n.Value, n.Trigger, n.Error, "", uint8(0), uint8(0), uint8(3))
	}
	f.Add("café—1", "[x]", "t°", "9…", "> 5", "", "", uint8(0), uint8(3), uint8(1))
	f.Add(strings.Repeat("h", 200), "/", "Use%", "99%", "> 90", "", "", uint8(0), uint8(0), uint8(2))
	f.Add("web1", "/var/lib/docker", "Use%", "97%", ">= 90", "", "state unavailable: disk full", uint8(3), uint8(1), uint8(9))
	f.Add("db1", "", "", "", "", "command failed\nexit 2\r\n\tstderr: \x00\xff", "", uint8(2), uint8(4), uint8(1))
	f.Add("", "", "", "", "", "", "", uint8(4), uint8(2), uint8(0))
	f.Fuzz(func(t *testing.T, host, key, column, value, trigger, errText, warning string, status, sev, count uint8) {
		var ns []alerts.Notification
		for i := range int(count % 12) {
			n := alerts.Notification{
				Status: fuzzStatuses[(int(status)+i)%len(fuzzStatuses)], Severity: fuzzSeverities[(int(sev)+i)%len(fuzzSeverities)],
				Command: "disk", Host: host, Key: key, Column: column, Value: value, Trigger: trigger, Time: sampleTime,
			}
			if i%3 == 1 {
				n.Host = fmt.Sprintf("%s%d", host, i)
			}
			if i%4 == 2 {
				n.Error, n.ExitStatus = errText, 2
			}
			if n.Status == alerts.StatusSummary {
				n.Omitted = map[alerts.Status]int{alerts.StatusFiring: int(count)}
			}
			if i == 0 {
				n.Warning = warning
			}
			ns = append(ns, n)
		}
		d := New("sms", ns)
		got, err := SMS(nil, d)
		if err != nil {
			t.Fatalf("default SMS: %v", err)
		}
		if got == "" {
			t.Fatal("empty SMS")
		}
		checkSMS(t, got)

		var first string
		for _, n := range byUrgency(ns) {
			if n.Status != alerts.StatusSummary {
				first = gsm7(smsItem(n))
				break
			}
		}
		if first == "" {
			return
		}
		if d.Warning != "" {
			first = gsm7(d.warningTag()) + ": " + first
		}
		// A cut item keeps at least its first 145 bytes (160 less
		// " +NNNN more" and "..."), bar the spaces and ";" before the cut.
		want := strings.TrimRight(first[:min(len(first), 100)], " ;")
		if !strings.HasPrefix(got, want) {
			t.Fatalf("sms %q does not start with the most urgent notification %q", got, first)
		}
		if len(first)+len(" +NNNN more") <= smsMaxLen && !strings.HasPrefix(got, first) {
			t.Fatalf("sms %q cut %q, which fits", got, first)
		}
	})
}
