package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"serverstats/alerts"
)

func TestLoadGood(t *testing.T) {
	c, err := Load("../testdata/config/good.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.SSH.User != "statsuser" || c.SSH.ConnectTimeout != 5*time.Second || c.SSH.Parallel != 8 {
		t.Errorf("ssh = %+v", c.SSH)
	}
	if c.SSH.KnownHosts != DefaultKnownHosts || c.SSH.HostKeyPolicy != "strict" {
		t.Errorf("defaults not applied: %+v", c.SSH)
	}
	disk := c.Command("disk")
	if disk == nil {
		t.Fatal("no command disk")
	}
	// Groups expand in order; web1 (in both groups) appears once.
	want := []string{"web1.example.com", "deploy@web2.example.com:2222", "db1.example.com"}
	if strings.Join(disk.Hosts, ",") != strings.Join(want, ",") {
		t.Errorf("hosts = %v, want %v", disk.Hosts, want)
	}
	r := disk.Alerts[0]
	if r.MuteFor != 5*time.Minute || r.Repeat != 4*time.Hour || r.For != 2 {
		t.Errorf("rule = %+v", r)
	}
	if r.Trigger.String() != "> 90" || r.Clear == nil {
		t.Errorf("trigger = %q, clear = %v", r.Trigger.String(), r.Clear)
	}
	art := c.Command("is-artifactory")
	if !art.NoHeader || art.Alerts[0].Column != "value" {
		t.Errorf("is-artifactory: NoHeader=%v column=%q", art.NoHeader, art.Alerts[0].Column)
	}
	g := c.Command("grep-errors")
	if g.Hosts[0] != "localhost" || len(g.OKExitCodes) != 2 || g.Alerts[0].Handlers[0] != DefaultHandler {
		t.Errorf("grep-errors = %+v", g)
	}
	if c.Handler("print") == nil || c.Handler("errors").Stream != "stderr" {
		t.Errorf("handlers = %+v", c.Handlers)
	}
}

func TestLoadProbesBuiltinsNagios(t *testing.T) {
	c, err := Load("../testdata/config/good-probes.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ping := c.Command("ping")
	if ping.Kind != KindURL || ping.Via != "ssh" || ping.Local || len(ping.Hosts) != 2 || ping.HTTP.URL != "http://127.0.0.1:8080/ping" {
		t.Errorf("ping = %+v", ping)
	}
	a := ping.Alerts[0].Action
	if a == nil || a.Cmd != "sudo systemctl restart myapp" || a.Max != 5 || a.Within != 5 || a.Grace != 30*time.Second {
		t.Errorf("ping action = %+v", a)
	}
	if h := ping.Alerts[0].Handlers; len(h) != 1 || h[0] != "oncall" {
		t.Errorf("ping handlers = %v, want the command's [oncall]", h)
	}
	vhost := c.Command("vhost")
	if vhost.HTTP.Headers["Host"] != "shop.example.com" || !vhost.HTTP.FollowRedirects || vhost.Alerts[0].JSON.String() != ".checks[0].state" {
		t.Errorf("vhost = %+v", vhost.HTTP)
	}
	if vhost.Alerts[0].Handlers[0] != DefaultHandler || vhost.Alerts[1].Severity != "warning" {
		t.Errorf("vhost alerts = %+v %+v", vhost.Alerts[0], vhost.Alerts[1])
	}
	db := c.Command("db-port")
	if db.Kind != KindTCP || !db.Local || strings.Join(db.Hosts, ",") != "db.example.com:5432" {
		t.Errorf("db-port: a probe without servers runs here, named after its target: %+v", db)
	}
	if smtp := c.Command("smtp"); smtp.TCP.Expect != "220" || len(smtp.Hosts) != 2 {
		t.Errorf("smtp = %+v", smtp.TCP)
	}
	mem := c.Command("mem")
	if mem.Builtin == nil || mem.Builtin.Name != "memory" || mem.Cmd == "" || mem.Key != "" {
		t.Errorf("mem = %+v", mem)
	}
	procs := c.Command("nginx-procs")
	var names []string
	for _, r := range procs.Alerts {
		names = append(names, r.Name+": "+r.Column+" "+r.Trigger.String()+" -> "+strings.Join(r.Handlers, ","))
	}
	if got := strings.Join(names, "; "); got != "too few processes: count < 1 -> oncall; too many processes: count > 1 -> oncall" {
		t.Errorf("process-count implicit alerts: %s", got)
	}
	if strings.Contains(procs.Cmd, "min") {
		t.Errorf("min/max leaked into the command: %s", procs.Cmd)
	}
	disk := c.Command("root-disk")
	names = nil
	for _, r := range disk.Alerts {
		names = append(names, r.Name+"/"+string(r.Severity))
	}
	if !disk.Nagios || disk.Key != "label" || strings.Join(names, ",") != "value < 1000/critical,plugin warning/warning,plugin critical/critical" {
		t.Errorf("root-disk: nagios %v key %q alerts %v", disk.Nagios, disk.Key, names)
	}
}

// Each bad config has its own file and its exact message.
func TestLoadBad(t *testing.T) {
	cases := map[string]string{
		"bad-unknown-key.yaml":       `bad-unknown-key.yaml:8: commands.disk.alerts[0].mute_for: unknown key "mute_for"; fix: did you mean "mute-for"? valid keys here: action, clear, column, escalate, flap, for, handlers, json, msg, mute-for, name, repeat, runbook, severity, trigger, value-type`,
		"bad-undefined-group.yaml":   `bad-undefined-group.yaml:5: commands.disk.servers: undefined group (got "web-server"); fix: did you mean "web-servers"? defined groups: web-servers; or define it under groups:, or name a host directly with a dot, user@ or :port (localhost runs here)`,
		"bad-undefined-handler.yaml": `bad-undefined-handler.yaml:10: commands.disk.alerts[0].handlers: undefined handler (got "emial"); fix: did you mean "email"? define it under handlers: or use one of: email, print`,
		"bad-trigger.yaml":           `bad-trigger.yaml:8: commands.disk.alerts[0].trigger: invalid trigger: threshold "ninety" is not a percent (got "> ninety"); fix: ` + "write an operator",
		"bad-duration.yaml":          `bad-duration.yaml:8: commands.disk.alerts[0].mute-for: not a duration (got "30 minutes"); fix: write a duration with a unit, e.g. "30s", "5m", "4h", or whole milliseconds as ServerStats did (300000)`,
		"bad-yaml-syntax.yaml":       `bad-yaml-syntax.yaml:3: YAML syntax error: the '[' opened on this line is never closed (got "servers: [localhost"); fix: close the list on the same line, e.g. servers: [web1, web2], or write one '- item' per line`,
		"bad-missing-cmd.yaml":       `bad-missing-cmd.yaml:2: commands.disk.cmd: missing cmd: what to run; fix: add cmd: "df -hP" (a shell line), url: http://host/ping, tcp: host:port or builtin: disk`,
		"bad-value-type.yaml":        `bad-value-type.yaml:7: commands.disk.alerts[0].value-type: unknown value type (got "percentage"); fix: use one of string, number, percent, bytes, bool, duration`,
		"bad-timeout.yaml":           `bad-timeout.yaml:2: ssh.connect-timeout: not a duration (got "10"); fix: write a duration with a unit, e.g. "30s", "5m", "4h"`,
		"bad-port.yaml":              `bad-port.yaml:2: groups.web[0]: parse target "web1.example.com:99999": invalid port "99999": want a number from 1 to 65535 (got "web1.example.com:99999"); fix: write host, user@host or user@host:port`,
		"bad-reserved-name.yaml":     `bad-reserved-name.yaml:2: commands.parse: command name is reserved for a built-in subcommand (got "parse"); fix: rename it, e.g. parse-check`,
		"bad-template.yaml":          `bad-template.yaml:8: commands.disk.alerts[0].msg: bad message template: executing "commands.disk.alerts[0]" at <.Mount>: can't evaluate field Mount in type alerts.MsgData (got "{{.Mount}} is full"); fix: fields: {{.Host}}`,
		"bad-schedule.yaml":          `bad-schedule.yaml:5: commands.disk.schedule: this schedule never fires (a date that does not exist, such as April 31) (got "0 3 31 4 *"); fix: check the day-of-month and month fields`,
		"bad-handler-type.yaml":      `bad-handler-type.yaml:2: handlers.pager.type: unknown handler type (got "opsgenie"); fix: use one of print`,
		"bad-url-scheme.yaml":        `bad-url-scheme.yaml:3: commands.ping.url: a url: probe speaks http:// or https:// (got "ftp://files.example.com/"); fix: write e.g. url: https://example.com/health; use tcp: host:port for other services`,
		"bad-url-no-host.yaml":       `bad-url-no-host.yaml:5: commands.ping.url: servers: is set, but the probe names no server: it would probe the same address once per server (got "http://localhost:8080/ping"); fix: put {host} where each server's name goes (url: http://{host}:8080/ping), add via: ssh to probe from each server, or remove servers:`,
		"bad-probe-column.yaml":      `bad-probe-column.yaml:5: commands.ping.alerts[0].column: not a column of this url: command's output (got "Body"); fix: did you mean "body"? use one of: status, body, latency_ms, size, cert_days_left, error`,
		"bad-builtin.yaml":           `bad-builtin.yaml:3: commands.mem.builtin: unknown built-in check (got "memroy"); fix: did you mean "memory"? use one of: disk, load, memory, process-count, service, uptime`,
		"bad-builtin-params.yaml":    `bad-builtin-params.yaml:4: commands.nginx-procs.params: built-in check process-count: unknown param "name" (want "pattern"); fix: write params: {pattern: "nginx: master", min: 1}`,
		"bad-kind-key.yaml":          `bad-kind-key.yaml:4: commands.ping.header: header: applies to cmd: commands, and this is a url: command; fix: remove it`,
		"bad-two-kinds.yaml":         `bad-two-kinds.yaml:4: commands.ping.url: cmd: and url: are two different checks; fix: keep one; write the other as a command of its own`,
		"bad-via.yaml":               `bad-via.yaml:4: commands.ping.via: via: ssh needs servers: to connect from (got "ssh"); fix: add servers: [GROUP]`,
		"bad-action-guard.yaml":      `bad-action-guard.yaml:8: commands.ping.alerts[0].action.max: max 6 actions within 5 runs can never be reached (at most one action per run) (got "6"); fix: make max at most within, e.g. max: 5, within: 5`,
		"bad-json-path.yaml":         `bad-json-path.yaml:6: commands.health.alerts[0].json: bad JSON path: a JSON path starts with '.', e.g. .status or .checks[0].state (got "status"); fix: write e.g. json: .status`,
		"bad-secret-header.yaml":     `bad-secret-header.yaml:4: commands.api.headers.Authorization: a credential written in the config; fix: keep it out of the file: header-env: {Authorization: APP_AUTH}`,
		"bad-empty-group.yaml":       `bad-empty-group.yaml:2: groups.web: the group is empty: commands on it would run nowhere (got "[]")`,
		"bad-empty-servers.yaml":     `bad-empty-servers.yaml:3: commands.disk.servers: servers: is empty: the command would run nowhere; fix: list groups or hosts`,
		"bad-url-password.yaml":      `bad-url-password.yaml:3: commands.a.url: a credential written in the URL (got "http://admin:xxxxx@127.0.0.1:1/ping"); fix: keep it out of the file`,
		"bad-action-no-servers.yaml": `bad-action-no-servers.yaml:2: commands.b.servers: an alert has an action, but the probe has no servers: the action would run on this machine, not where the service is; fix: add servers: [HOST]`,
		"bad-daemon-auth-both.yaml":  `bad-daemon-auth-both.yaml:3: daemon.auth-token-env: set only one of auth-token-file and auth-token-env (got "SERVERSTATS_PAGE_TOKEN"); fix: remove one`,
		"bad-daemon-auth-user.yaml":  `bad-daemon-auth-user.yaml:2: daemon.auth-user: auth-user needs a password (got "oncall"); fix: add auth-token-file: /etc/serverstats/page-token or auth-token-env: SERVERSTATS_PAGE_TOKEN`,
		"bad-size-base.yaml":         `bad-size-base.yaml:5: commands.mem.size-base: unknown size base (got "decimal"); fix: use si (one-letter K M G T are powers of 1000: df -H, free --si -h), binary`,
		"bad-nagios-header.yaml":     `bad-nagios-header.yaml:7: commands.root-disk.header: header: does not apply to a Nagios plugin; fix: remove it: the exit status gives the state`,
	}
	// The exact first error, and how many there are: one mistake is one
	// error, not one followed by misleading others.
	exact := map[string]struct {
		n    int
		want string
	}{
		"bad-handler-body.yaml":       {1, `bad-handler-body.yaml:7: handlers.oncall.body: template fails on a sample message: executing "body" at <.Nope>: can't evaluate field Nope in type message.Data (got "{{.Summary}} on {{.Nope}}"); fix: see the README for the fields of a message (.Summary, .Count, .Notifications, ...)`},
		"bad-trigger-tag.yaml":        {1, `bad-trigger-tag.yaml:7: commands.disk.alerts[0].trigger: YAML read "!~" as a tag, so the value became "9[0-9]%" (got "!~ 9[0-9]%"); fix: quote the value: trigger: "!~ 9[0-9]%"`},
		"bad-params-line.yaml":        {1, `bad-params-line.yaml:7: commands.nginx-procs.params.min: not a process count (got "one"); fix: write a whole number, e.g. min: 1`},
		"bad-mute-overflow.yaml":      {1, `bad-mute-overflow.yaml:8: commands.disk.alerts[0].mute-for: duration too large (got "99999999999999999"); fix: write at most 8760h (365 days), or 31536000000 milliseconds`},
		"bad-repeat-too-large.yaml":   {1, `bad-repeat-too-large.yaml:8: commands.disk.alerts[0].repeat: duration too large (got "1000000h"); fix: write at most 8760h (365 days), or 31536000000 milliseconds`},
		"bad-negative-duration.yaml":  {1, `bad-negative-duration.yaml:8: commands.disk.alerts[0].mute-for: the duration must be zero or more (got "-5m"); fix: remove the '-', e.g. mute-for: 5m`},
		"bad-header-none-column.yaml": {1, `bad-header-none-column.yaml:7: commands.artifactory.alerts[0].column: header: none reads one value per line: the only column is "value" (got "state"); fix: write column: value, or remove header: none to read a table by its header row`},
		"bad-header-false-key.yaml":   {1, `bad-header-false-key.yaml:6: commands.du.key: header: false numbers the columns: there is no column of this name (got "path"); fix: write key: "#1" for the first field of each line, "#2" for the second, ...; or header: true if the first line names the columns`},
		"bad-handler-type-used.yaml":  {1, `bad-handler-type-used.yaml:3: handlers.pager.type: unknown handler type (got "opsgenie"); fix: use one of print, email, sms, exec, webhook, slack, teams, pagerduty, ntfy, telegram, pushover, alertmanager`},
		"bad-tab-indent.yaml":         {1, `bad-tab-indent.yaml:4: YAML syntax error: a tab in the indentation (got "servers: [localhost]"); fix: indent with spaces only: YAML does not allow tabs`},
		"bad-list-indent.yaml":        {1, `bad-list-indent.yaml:8: YAML syntax error: the indentation of this line matches no key above it (got "- column: Avail"); fix: indent it with exactly as many spaces as the other keys of the same block`},
		"bad-dash-missing.yaml":       {1, `bad-dash-missing.yaml:7: YAML syntax error: a key where a list item was expected (got "trigger: \"> 90\""); fix: start the line with '- ' for a new item, or indent it under the item above`},
		"bad-unclosed-quote.yaml":     {1, `bad-unclosed-quote.yaml:4: YAML syntax error: the quote " opened on this line is never closed (got "cmd: \"df -hP"); fix: end the value with " on the same line`},
		"bad-severity.yaml":           {1, `bad-severity.yaml:8: commands.disk.alerts[0].severity: unknown severity (got "critical!"); fix: use warning or critical`},
		"bad-for.yaml":                {1, `bad-for.yaml:8: commands.disk.alerts[0].for: expected a whole number ≥ 1 (got "-1"); fix: write e.g. for: 2`},
		"bad-no-trigger.yaml":         {1, `bad-no-trigger.yaml:6: commands.disk.alerts[0].trigger: missing trigger: the condition that fires the alert; fix: write an operator and a threshold, e.g. "> 90", "<= 10G", "== false", "=~ ^err", a Nagios range "10:20" (alert outside), "@10:20" (alert inside), "~:10", "10:", or ServerStats' "(> 90)"`},
		"bad-duplicate-command.yaml":  {1, `bad-duplicate-command.yaml:5: commands.disk: duplicate name "disk" (first on line 2); fix: rename or merge one of them`},
		"bad-schedule-fields.yaml":    {1, `bad-schedule-fields.yaml:5: commands.disk.schedule: invalid schedule: expected 5 to 6 fields, found 7: [0 */5 * * * * 2024] (got "0 */5 * * * * 2024"); fix: write 5 cron fields ("*/5 * * * *"), 6 with seconds first ("*/30 * * * * *"), or a descriptor ("@every 30s", "@hourly"); prefix CRON_TZ=Area/City for a time zone`},
		"bad-exit-code.yaml":          {1, `bad-exit-code.yaml:7: commands.grep-errors.ok-exit-codes[1]: not an exit status (got "256"); fix: list whole numbers 0-255, e.g. [0, 1]`},
		"bad-email-no-to.yaml":        {1, `bad-email-no-to.yaml:2: handlers.mail.to: missing to; fix: add to: [oncall@example.com]`},
		"bad-sms-number.yaml":         {1, `bad-sms-number.yaml:9: handlers.sms.to[1]: not a phone number in E.164 form (got "555-1234"); fix: write it as "+15552223333" (quoted, with the country code)`},
		"bad-port-letter.yaml":        {1, `bad-port-letter.yaml:2: groups.web[0]: parse target "web1.example.com:22a": invalid port "22a": want a number from 1 to 65535 (got "web1.example.com:22a"); fix: write host, user@host or user@host:port`},
		"bad-group-not-list.yaml":     {1, `bad-group-not-list.yaml:2: groups.web-servers: a group is a list of hosts (got "web1.example.com"); fix: write web-servers: [web1.example.com, deploy@web2:2222]`},
		"bad-negative-timeout.yaml":   {1, `bad-negative-timeout.yaml:5: commands.disk.timeout: the duration must be zero or more (got "-30s"); fix: remove the '-', e.g. timeout: 30s`},
		"bad-secret-header-line.yaml": {1, `bad-secret-header-line.yaml:6: commands.api.headers.Authorization: a credential written in the config; fix: keep it out of the file: header-env: {Authorization: APP_AUTH} reads it from the environment, header-file: {Authorization: /etc/serverstats/app-auth} from a file`},
		"bad-exec-env.yaml":           {1, `bad-exec-env.yaml:7: handlers.pager.env[1]: env: takes names, not NAME=value; fix: write env: [PAGER_KEY] and set PAGER_KEY in serverstats's environment (the value stays out of the file)`},
		"bad-webhook-header-env.yaml": {1, `bad-webhook-header-env.yaml:7: handlers.chat.header-env.Authorization: not the name of an environment variable; fix: write header-env: {Authorization: HOOK_TOKEN}: the name of the variable holding the value, never the value itself`},
		"bad-trail-age.yaml":          {1, `bad-trail-age.yaml:2: delivery.trail-max-age: the delivery trail must be kept for some time (got "0s"); fix: write e.g. trail-max-age: 720h (30 days, the default)`},
		"bad-colon-value.yaml":        {1, `bad-colon-value.yaml:5: YAML syntax error: a value containing ': ' must be quoted (got "doc: disk: usage of every mount"); fix: quote the whole value, e.g. msg: "disk: full"`},
	}
	for file, c := range exact {
		t.Run(file, func(t *testing.T) { checkBadConfig(t, file, c.n, c.want) })
		if _, dup := cases[file]; dup {
			t.Errorf("%s is in both tables", file)
		}
		if _, dup := slipCases[file]; dup {
			t.Errorf("%s is in two tables", file)
		}
	}
	files, _ := filepath.Glob("../testdata/config/bad-*.yaml")
	if n := len(cases) + len(exact) + len(slipCases); len(files) != n || len(files) < 40 {
		t.Errorf("%d bad-*.yaml files, %d cases: every file needs its case (and at least 40)", len(files), n)
	}
	for file, want := range cases {
		t.Run(file, func(t *testing.T) {
			_, err := Load(filepath.Join("../testdata/config", file))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %T is not config.Errors: %v", err, err)
			}
			got := strings.TrimPrefix(es[0].Error(), "../testdata/config/")
			if strings.Contains(got, "abc123") || strings.Contains(got, "s3cretpw") {
				t.Errorf("the error repeats the secret: %s", got)
			}
			if !strings.HasPrefix(got, want) {
				t.Errorf("error:\n got  %s\n want %s", got, want)
			}
		})
	}
}

// A process-count pattern is text in the implicit alerts' messages, even
// when it looks like template syntax; a bad min is one error, not two.
func TestProcessCountPatternIsNotTemplate(t *testing.T) {
	c, err := Parse("p.yaml", []byte(`commands:
  p:
    builtin: process-count
    params: {pattern: "a{{b}}\"x", min: 5}
    local: true
`))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := c.Command("p").Alerts[0].Msg.Execute(&b, alerts.MsgData{Value: "0"}); err != nil {
		t.Fatal(err)
	}
	if got, want := b.String(), `0 processes match "a{{b}}\"x", want at least 5`; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	_, err = Parse("q.yaml", []byte("commands:\n  q:\n    builtin: process-count\n    params: {pattern: x, min: abc}\n    local: true\n"))
	var es Errors
	if !errors.As(err, &es) || len(es) != 1 || !strings.Contains(es[0].Error(), "not a process count") {
		t.Errorf("bad min: %v", err)
	}
}

// Headerless output is read by position (header: false, column: "#2",
// key: "#1") and one table of several is picked with table:.
func TestPositionalColumnsAndTable(t *testing.T) {
	c, err := Parse("p.yaml", []byte(`commands:
  du:
    cmd: du -s /var/*
    local: true
    header: false
    key: "#2"
    alerts:
      - {column: "#1", value-type: number, trigger: "> 1000000", msg: big}
  io:
    cmd: iostat -x
    local: true
    table: Device
    key: Device
    alerts:
      - {column: "%util", trigger: "> 90", msg: busy}
  up:
    cmd: cat /proc/loadavg
    local: true
    header: true
    alerts:
      - {column: "#1", trigger: "> 4", msg: load}
`))
	if err != nil {
		t.Fatal(err)
	}
	du, io, up := c.Command("du"), c.Command("io"), c.Command("up")
	if du.HasHeader == nil || *du.HasHeader || du.Key != "#2" || du.Alerts[0].Column != "#1" {
		t.Errorf("du: HasHeader %v key %q column %q", du.HasHeader, du.Key, du.Alerts[0].Column)
	}
	if io.Table != "Device" || io.HasHeader != nil {
		t.Errorf("io: table %q HasHeader %v", io.Table, io.HasHeader)
	}
	if up.HasHeader == nil || !*up.HasHeader {
		t.Errorf("up: HasHeader %v", up.HasHeader)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"header: maybe", "unknown header mode"},
		{`table: ""`, "table: is empty"},
	} {
		_, err := Parse("b.yaml", []byte("commands:\n  b:\n    cmd: x\n    local: true\n    "+bad.yaml+"\n    alerts: [{column: a, trigger: \"> 1\"}]\n"))
		var es Errors
		if !errors.As(err, &es) || !strings.Contains(es[0].Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.yaml, err, bad.want)
		}
	}
}

// size-base: si or binary fixes the base of one-letter size suffixes for
// outputs that do not show it; auto (the default) leaves it to the parse.
func TestSizeBase(t *testing.T) {
	c, err := Parse("s.yaml", []byte(`commands:
  si:
    cmd: free --si -h
    local: true
    size-base: si
    alerts: [{column: available, value-type: bytes, trigger: "< 1G"}]
  bin:
    cmd: df -h
    local: true
    size-base: binary
    alerts: [{column: Avail, value-type: bytes, trigger: "< 1G"}]
  auto:
    cmd: df -H
    local: true
    alerts: [{column: Avail, value-type: bytes, trigger: "< 1G"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]int{"si": 1000, "bin": 1024, "auto": 0} {
		if got := c.Command(name).SizeBase; got != want {
			t.Errorf("%s: SizeBase %d, want %d", name, got, want)
		}
	}
}

// flap: turns flap detection off or sets its thresholds; nonsense is
// refused at its line.
func TestFlapKey(t *testing.T) {
	c, err := Parse("f.yaml", []byte(`commands:
  d:
    cmd: df -P
    servers: [localhost]
    alerts:
      - {column: Capacity, trigger: "> 90", flap: {changes: 3, within: 10}}
      - {column: Capacity, trigger: "> 95", flap: off}
      - {column: Capacity, trigger: "> 99"}
`))
	if err != nil {
		t.Fatal(err)
	}
	rs := c.Command("d").Alerts
	if *rs[0].Flap != (alerts.FlapPolicy{Changes: 3, Within: 10}) || *rs[1].Flap != (alerts.FlapPolicy{}) || rs[2].Flap != nil {
		t.Errorf("flap policies %+v %+v %+v", rs[0].Flap, rs[1].Flap, rs[2].Flap)
	}
	_, err = Parse("f.yaml", []byte(`commands:
  d:
    cmd: df -P
    servers: [localhost]
    alerts:
      - column: Capacity
        trigger: "> 90"
        flap: {changes: 8, within: 5}
`))
	if err == nil || !strings.Contains(err.Error(), "f.yaml:8: commands.d.alerts[0].flap.within: 8 changes can never happen within 5 runs") {
		t.Errorf("error %v", err)
	}
}

// escalate: steps in order, each naming defined handlers.
func TestEscalateKey(t *testing.T) {
	c, err := Parse("e.yaml", []byte(`handlers:
  oncall: {type: print}
  manager: {type: print}
commands:
  d:
    cmd: df -P
    servers: [localhost]
    alerts:
      - column: Capacity
        trigger: "> 90"
        escalate: [{after: 30m, handlers: [oncall]}, {after: 2h, handlers: [manager]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	esc := c.Command("d").Alerts[0].Escalate
	if len(esc) != 2 || esc[0].After != 30*time.Minute || esc[1].Handlers[0] != "manager" {
		t.Errorf("escalate %+v", esc)
	}
	for text, want := range map[string]string{
		"escalate: [{after: 2h, handlers: [print]}, {after: 30m, handlers: [print]}]": "e.yaml:6: commands.d.alerts[0].escalate[1].after: each step comes after the one before (2h0m0s) (got \"30m0s\")",
		"escalate: [{after: 30m, handlers: [pager]}]":                                 "e.yaml:6: commands.d.alerts[0].escalate[0].handlers: undefined handler",
	} {
		_, err := Parse("e.yaml", []byte(`commands:
  d:
    cmd: df -P
    servers: [localhost]
    alerts:
      - {column: Capacity, trigger: "> 90", `+text+`}
`))
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s:\n got  %v\n want %s", text, err, want)
		}
	}
}

// Public leaves out every value of the file: the one an Error quotes, the
// fix that repeats it, quoted text in the message.
func TestPublicError(t *testing.T) {
	const secret = "sk_live_Public-Secret-42"
	for _, text := range []string{
		"handlers:\n  mail: {type: email, smtp: \"" + secret + "\", from: a@example.com, to: [b@example.com]}\ncommands:\n  d: {servers: [localhost], cmd: df}\n",
		"commands:\n  d:\n    servers: [localhost]\n    cmd: \"curl -H 'X-Key: " + secret + "'\n",
		"groups:\n  web: [\"web1:" + secret + "\"]\ncommands:\n  d: {servers: [web], cmd: df}\n",
	} {
		_, err := Parse("c.yaml", []byte(text))
		if err == nil {
			t.Fatalf("%q loads", text)
		}
		if !strings.Contains(err.Error(), secret) {
			t.Fatalf("the full error does not show the value, so this case tests nothing: %v", err)
		}
		pub := Public(err)
		if strings.Contains(pub, secret) || strings.Contains(pub, "Public-Secret") || !strings.HasPrefix(pub, "c.yaml:") {
			t.Errorf("Public = %s", pub)
		}
		t.Log(pub)
	}
	if got := Public(errors.New("read config: permission denied")); got != "read config: permission denied" {
		t.Errorf("Public of another error = %q", got)
	}
}
