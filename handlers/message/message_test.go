package message

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"text/template"
	"time"

	"serverstats/alerts"
)

var sampleTime = time.Date(2026, 8, 22, 10, 0, 0, 0, time.UTC)

func mustTemplate(t *testing.T, name, text string) *template.Template {
	t.Helper()
	tm, err := ParseTemplate(name, text)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func firing(host, key, value string, sev alerts.Severity) alerts.Notification {
	return alerts.Notification{
		Status: alerts.StatusFiring, Command: "disk", Host: host, Key: key, Column: "Use%",
		Value: value, Trigger: "> 90", Severity: sev, Message: "Disk space over 90% full", Time: sampleTime,
	}
}

func TestNew(t *testing.T) {
	ns := append(Sample(sampleTime),
		alerts.Notification{Status: alerts.StatusReminder, Host: "web1", Key: "/home", Column: "Use%", Value: "95%", Trigger: "> 90", Severity: alerts.SeverityWarning},
		alerts.Notification{Status: alerts.StatusUnknown, Host: "web3", Key: "/data", Column: "Use%", Trigger: "> 90", Message: `column "Use%" missing`},
	)
	d := New("oncall", ns)
	got := fmt.Sprintf("%s %d %d/%d/%d/%d %q", d.Handler, d.Count, d.Firing, d.Resolved, d.Unknown, d.Reminder, d.Hosts)
	if want := `oncall 5 1/1/2/1 ["web1" "web2" "db1" "web3"]`; got != want {
		t.Errorf("data = %s, want %s", got, want)
	}
	// Most urgent first: firing, still firing, unknown (critical first), resolved.
	want := "1 firing, 1 still firing, 2 unknown, 1 resolved: web1 /var Use% 93% > 90; web1 /home STILL Use% 95% > 90; db1 UNKNOWN disk: command failed (+2 more)"
	if d.Summary != want {
		t.Errorf("Summary =\n%q, want\n%q", d.Summary, want)
	}
	if got, want := New("x", nil).Summary, "0 notifications"; got != want {
		t.Errorf("empty Summary = %q, want %q", got, want)
	}
}

func TestSubject(t *testing.T) {
	d := New("oncall", Sample(sampleTime))
	for _, tc := range []struct{ tmpl, want string }{
		{"[serverstats] {{.Summary}}", "[serverstats] 1 firing, 1 unknown, 1 resolved: web1 /var Use% 93% > 90; db1 UNKNOWN disk: command failed; web2 / RESOLVED Use% 71%"},
		{"{{.Firing}} firing on {{len .Hosts}} hosts\n(handler {{.Handler}})", "1 firing on 3 hosts (handler oncall)"},
		{strings.Repeat("x", 300), strings.Repeat("x", 247) + "..."},
	} {
		got, err := Subject(mustTemplate(t, "subject", tc.tmpl), d)
		if err != nil || got != tc.want {
			t.Errorf("subject %q = %q, %v; want %q", tc.tmpl, got, err, tc.want)
		}
	}
	_, err := Subject(mustTemplate(t, "subject", "{{.Nope}}"), d)
	if err == nil || !strings.Contains(err.Error(), `subject template: template: subject:1:2: executing "subject" at <.Nope>: can't evaluate field Nope`) {
		t.Errorf("bad field: err = %v", err)
	}
}

func TestText(t *testing.T) {
	ns := Sample(sampleTime)
	got, err := Text(nil, New("oncall", ns))
	if err != nil {
		t.Fatal(err)
	}
	// The notification lines are alerts.Notification.Line (tested there).
	want := "1 firing, 1 unknown, 1 resolved on web1, web2, db1\n" +
		"\n" +
		ns[0].Line() + "\n" +
		ns[1].Line() + "\n" +
		ns[2].Line() + "\n" +
		"    stderr:\n" +
		"      df: /mnt/backup: Stale file handle\n" +
		"      df: /mnt/archive: Stale file handle\n" +
		"\n" +
		"-- \n" +
		"Sent by serverstats, handler \"oncall\" at 2026-08-22 10:00:00 UTC.\n"
	if got != want {
		t.Errorf("text body =\n%s\nwant\n%s", got, want)
	}
	if !strings.HasPrefix(ns[0].Line(), "web1 /var: Use% 93% > 90") {
		t.Errorf("Line() = %q: the sample is not what this test expects", ns[0].Line())
	}

	custom := mustTemplate(t, "body", "{{.Count}} for {{.Handler}}:\n{{range .Notifications}}- {{.Host}} {{.Status}}\n{{end}}")
	got, err = Text(custom, New("oncall", ns))
	if want := "3 for oncall:\n- web1 firing\n- web2 resolved\n- db1 unknown\n"; err != nil || got != want {
		t.Errorf("custom body = %q, %v; want %q", got, err, want)
	}
}

func TestHTML(t *testing.T) {
	ns := Sample(sampleTime)
	ns = append(ns, firing("<script>", "/a&b", `9"9%`, alerts.SeverityWarning))
	got, err := HTML(New("on<call>", ns))
	if err != nil {
		t.Fatal(err)
	}
	want := `<!DOCTYPE html>
<html>
<head><meta charset="utf-8"><title>2 firing, 1 unknown, 1 resolved: web1 /var Use% 93% &gt; 90; &lt;script&gt; /a&amp;b Use% 9&#34;9% &gt; 90; db1 UNKNOWN disk: command failed (&#43;1 more)</title></head>
<body style="font-family: sans-serif">
<p>2 firing, 1 unknown, 1 resolved on web1, web2, db1, &lt;script&gt;</p>
<table border="1" cellspacing="0" cellpadding="4" style="border-collapse: collapse">
<tr><th>Status</th><th>Severity</th><th>Host</th><th>Key</th><th>Column</th><th>Value</th><th>Rule</th><th>Message</th></tr>
<tr><td style="background: #f8d7da">firing</td><td>critical</td><td>web1</td><td>/var</td><td>Use%</td><td>93%</td><td>&gt; 90</td><td>Disk space over 90% full</td></tr>
<tr><td style="background: #d4edda">resolved</td><td>critical</td><td>web2</td><td>/</td><td>Use%</td><td>71%</td><td>&gt; 90</td><td>Disk space over 90% full</td></tr>
<tr><td style="background: #e2e3e5">unknown</td><td>critical</td><td>db1</td><td></td><td></td><td></td><td>disk</td><td>command failed (exit status 2)<pre>df: /mnt/backup: Stale file handle
df: /mnt/archive: Stale file handle</pre></td></tr>
<tr><td style="background: #f8d7da">firing</td><td>warning</td><td>&lt;script&gt;</td><td>/a&amp;b</td><td>Use%</td><td>9&#34;9%</td><td>&gt; 90</td><td>Disk space over 90% full</td></tr>
</table>
<p style="color: #666">Sent by serverstats, handler &#34;on&lt;call&gt;&#34; at 2026-08-22 10:00:00 UTC.</p>
</body>
</html>
`
	if got != want {
		t.Errorf("html body =\n%s\nwant\n%s", got, want)
	}
}

func TestSMS(t *testing.T) {
	many := []alerts.Notification{
		{Status: alerts.StatusResolved, Host: "web2", Key: "/", Column: "Use%", Value: "71%", Trigger: "> 90", Severity: alerts.SeverityCritical},
		firing("web4", "/srv", "91%", alerts.SeverityWarning),
		firing("web1", "/var", "93%", alerts.SeverityCritical),
	}
	for i := range 6 {
		many = append(many, firing(fmt.Sprintf("app%d", i), "/var/lib/docker", "97%", alerts.SeverityWarning))
	}
	long := firing(strings.Repeat("h", 200), "/", "99%", alerts.SeverityCritical)
	for _, tc := range []struct {
		name string
		ns   []alerts.Notification
		tmpl string
		want string
	}{
		{"sample", Sample(sampleTime), "", "CRIT web1 /var Use% 93%>90; UNKNOWN db1 disk: command failed; RESOLVED web2 / Use% 71%"},
		{"more", many, "", "CRIT web1 /var Use% 93%>90; WARN web4 /srv Use% 91%>90; WARN app0 /var/lib/docker Use% 97%>90; WARN app1 /var/lib/docker Use% 97%>90 +5 more"},
		{"one too long", []alerts.Notification{long, many[0]}, "", "CRIT " + strings.Repeat("h", 144) + "... +1 more"},
		{"reminder", []alerts.Notification{{Status: alerts.StatusReminder, Host: "db1", Column: "load", Value: "12.5", Trigger: ">= 8"}}, "", "STILL ALERT db1 load 12.5>=8"},
		{"gsm7", []alerts.Notification{{Status: alerts.StatusFiring, Host: "café—1", Key: "[x]", Column: "t°", Value: "9…", Trigger: "> 5", Severity: "major"}}, "", "MAJOR caf?-1 (x) tdeg 9...>5"},
		{"template", Sample(sampleTime), "{{.Summary}}\n{{range .Notifications}}{{.Line}} {{end}}", gsm7(strings.Join(strings.Fields(New("x", Sample(sampleTime)).Summary+" "+Sample(sampleTime)[0].Line()), " "))[:157] + "..."},
		{"empty", nil, "", "serverstats: no notifications"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var tm *template.Template
			if tc.tmpl != "" {
				tm = mustTemplate(t, "body", tc.tmpl)
			}
			got, err := SMS(tm, New("sms", tc.ns))
			if err != nil || got != tc.want {
				t.Errorf("sms =\n%q, %v; want\n%q", got, err, tc.want)
			}
			if len(got) > 160 {
				t.Errorf("sms is %d characters long", len(got))
			}
			if gsm7(got) != got {
				t.Errorf("sms %q is not GSM-7 safe", got)
			}
		})
	}
}

func TestJSON(t *testing.T) {
	b, err := JSON(New("hook", Sample(sampleTime)[:1]))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"handler":"hook","summary":"1 firing: web1 /var Use% 93% > 90","notifications":[` +
		`{"status":"firing","command":"disk","rule":"Use% > 90","host":"web1","key":"/var","column":"Use%","value":"93%","raw":"93%",` +
		`"trigger":"> 90","severity":"critical","message":"Disk space over 90% full","time":"2026-08-22T10:00:00Z"}]}`
	if string(b) != want {
		t.Errorf("payload =\n%s\nwant\n%s", b, want)
	}
	b, _ = JSON(New("hook", nil))
	var p Payload
	if err := json.Unmarshal(b, &p); err != nil || p.Notifications == nil {
		t.Errorf("empty payload %s: notifications must be [], not null (%v)", b, err)
	}
}

func TestSample(t *testing.T) {
	ns := Sample(sampleTime)
	var statuses []string
	for _, n := range ns {
		statuses = append(statuses, string(n.Status))
		if !n.Time.Equal(sampleTime) {
			t.Errorf("%s: time %v", n.Host, n.Time)
		}
	}
	if got := strings.Join(statuses, ","); got != "firing,resolved,unknown" {
		t.Errorf("statuses = %s", got)
	}
}

// A message cut to alerts.MaxNotifications counts what its summary stands
// for; a warning (state unavailable) leads the summary and the SMS.
func TestNewSummaryAndWarning(t *testing.T) {
	var ns []alerts.Notification
	for i := range 500 {
		ns = append(ns, alerts.Notification{Status: alerts.StatusFiring, Severity: alerts.SeverityCritical, Host: fmt.Sprint("web", i), Column: "Use%", Value: "99%", Trigger: "> 90",
			Warning: "state unavailable: state file corrupt"})
	}
	d := New("sms", alerts.Compact(ns))
	if d.Count != 500 || d.Firing != 500 {
		t.Errorf("count %d firing %d, want 500", d.Count, d.Firing)
	}
	if !strings.HasPrefix(d.Summary, "STATE UNAVAILABLE: 500 firing: web0 ") || !strings.HasSuffix(d.Summary, "(+497 more)") {
		t.Errorf("summary = %q", d.Summary)
	}
	sms, err := SMS(nil, d)
	if err != nil || !strings.HasPrefix(sms, "STATE UNAVAILABLE: CRIT web0") || !strings.Contains(sms, " more") || len(sms) > smsMaxLen {
		t.Errorf("sms = %q %v", sms, err)
	}
	text, err := Text(nil, d)
	if err != nil || !strings.Contains(text, "[state unavailable: state file corrupt]") || !strings.Contains(text, "not listed: 301 firing") {
		t.Errorf("text body: %v\n%s", err, text)
	}
}
