package alerts

import (
	"strings"
	"testing"
	"text/template"

	"serverstats/parse"
)

const dfOut = `Filesystem      Size  Used Avail Use% Mounted on
/dev/sda1        20G   19G  1.0G  95% /
/dev/sdb1       100G   10G   90G  10% /data
tmpfs           1.9G     0  1.9G    - /dev/shm
/dev/sdc1        50G   46G  4.0G  9x% /var/lib/my disk
`

func mustRule(t *testing.T, column string, typ parse.Type, trig, msg string, sev Severity) *Rule {
	t.Helper()
	tr, err := ParseTrigger(trig, typ)
	if err != nil {
		t.Fatal(err)
	}
	r := &Rule{Name: column + " " + trig, Column: column, Type: typ, Trigger: tr, Severity: sev}
	if msg != "" {
		r.Msg = template.Must(template.New("").Parse(msg))
	}
	return r
}

func TestEvaluateDF(t *testing.T) {
	tbl, err := parse.ParseTable(dfOut, parse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rules := []*Rule{
		mustRule(t, "Use%", parse.TypePercent, "> 90", "Disk {{.Row.Key}} at {{.Value}}, {{.Row.Get \"Avail\"}} left", SeverityCritical),
		mustRule(t, "Avail", parse.TypeBytes, "< 2G", "", SeverityWarning),
		mustRule(t, "Inodes", parse.TypeNumber, "> 1", "", SeverityCritical),
	}
	got := Findings(Observe("disk", "web1", "Mounted on", rules, tbl))
	var lines []string
	for _, f := range got {
		lines = append(lines, string(f.Status)+"|"+f.Key+"|"+f.Column+"|"+f.Value.Raw+"|"+string(f.Severity)+"|"+f.Message)
	}
	want := []string{
		"firing|/|Use%|95%|critical|Disk / at 95%, 1.0G left",
		`unknown|/var/lib/my disk|Use%|9x%|critical|line 5, column "Use%": cannot parse "9x%" as percent`,
		"firing|/|Avail|1.0G|warning|",
		"firing|/dev/shm|Avail|1.9G|warning|",
		`unknown||Inodes||critical|column "Inodes" is not in the output (columns: Filesystem, Size, Used, Avail, Use%, Mounted on)`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestNotificationLine(t *testing.T) {
	n := Notification{Status: StatusFiring, Host: "web1", Key: "/var", Column: "Use%", Value: "93%", Trigger: "> 90", Message: "Disk space over 90% full"}
	if got, want := n.Line(), "web1 /var: Use% 93% > 90 — Disk space over 90% full"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
	p := Notification{Status: StatusFiring, Host: "db1", Column: "state", Value: "CRITICAL", Trigger: "== CRITICAL", Message: "PROCS CRITICAL: 0 processes", Action: "running: sudo systemctl restart pg"}
	if got, want := p.Line(), "db1: state CRITICAL — PROCS CRITICAL: 0 processes [action running: sudo systemctl restart pg]"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
	u := Notification{Status: StatusUnknown, Host: "db1", Command: "disk", Error: "command failed", ExitStatus: 2, Stderr: "df: /mnt: Stale file handle\n"}
	if got, want := u.Line(), "db1: UNKNOWN disk: command failed (exit status 2): df: /mnt: Stale file handle"; got != want {
		t.Errorf("Line() = %q, want %q", got, want)
	}
}

func TestEvaluateJSONField(t *testing.T) {
	tbl := &parse.Table{Header: []string{"status", "body"}, Rows: []parse.Row{{Line: 1, Cells: []string{"200", `{"status":"degraded","db":{"lag_s":42}}`}}}}
	state := mustRule(t, "body", parse.TypeAuto, "!= ok", "", SeverityCritical)
	state.JSON, _ = parse.CompileJSONPath(".status")
	lag := mustRule(t, "body", parse.TypeDuration, "> 30s", "", SeverityWarning)
	lag.Name = "lag"
	lag.JSON, _ = parse.CompileJSONPath(".db.lag_s")
	gone := mustRule(t, "body", parse.TypeAuto, "!= x", "", SeverityCritical)
	gone.Name = "gone"
	gone.JSON, _ = parse.CompileJSONPath(".missing")
	var lines []string
	for _, f := range Findings(Observe("api", "web1", "", []*Rule{state, lag, gone}, tbl)) {
		lines = append(lines, string(f.Status)+"|"+f.Column+"|"+f.Value.Raw+"|"+f.Message)
	}
	want := []string{
		"firing|body .status|degraded|",
		"firing|body .db.lag_s|42|",
		"firing|body .missing||JSON .missing: no such member", // an absent field is empty text, and "" != x

	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	// Not JSON at all (an HTML error page, no answer): a text trigger sees
	// an empty value and fires, saying why; a numeric one cannot judge it.
	tbl.Rows[0].Cells[1] = "<html>502 Bad Gateway</html>"
	fs := Findings(Observe("api", "web1", "", []*Rule{state, lag}, tbl))
	if len(fs) != 2 || fs[0].Status != StatusFiring || !strings.Contains(fs[0].Message, "not JSON") || fs[1].Status != StatusUnknown {
		t.Errorf("non-JSON body: %+v", fs)
	}
}
