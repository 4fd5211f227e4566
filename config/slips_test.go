package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// slipCases are bad configs written the way users get them wrong, one
// mistake each (YAML slips, values, references, secrets), each with its
// exact first message and the number of errors: one mistake is one error,
// not one followed by misleading others. A message that ends with the valid
// keys is compared up to the list, which grows with each new key.
var slipCases = map[string]struct {
	n    int
	want string
}{
	"bad-alerts-map.yaml":            {1, "bad-alerts-map.yaml:18: commands.disk.alerts: alerts is a list of rules (got \"a mapping\"); fix: start each rule with '- column: ...'"},
	"bad-alias-undefined.yaml":       {1, "bad-alias-undefined.yaml:13: YAML syntax error: *web refers to an anchor &web that is not defined above it (got \"servers: *web\"); fix: define &web on a value above, or quote the value if '*' is part of the text"},
	"bad-case-handlers.yaml":         {1, "bad-case-handlers.yaml:4: Handlers: unknown key \"Handlers\"; fix: did you mean \"handlers\"? valid keys here: "},
	"bad-crlf-unclosed.yaml":         {1, "bad-crlf-unclosed.yaml:13: YAML syntax error: the '[' opened on this line is never closed (got \"servers: [localhost\"); fix: close the list on the same line, e.g. servers: [web1, web2], or write one '- item' per line"},
	"bad-double-dash.yaml":           {1, "bad-double-dash.yaml:18: YAML syntax error: two '- ' on one line start a list inside a list item (got \"- - column: Use%\"); fix: remove one '- ': one dash starts one item"},
	"bad-dup-header.yaml":            {1, "bad-dup-header.yaml:10: commands.api.headers.Accept: duplicate key \"Accept\" (first on line 9): YAML would keep only the last; fix: keep one of them"},
	"bad-dup-param.yaml":             {1, "bad-dup-param.yaml:10: commands.nginx.params.unit: duplicate key \"unit\" (first on line 9): YAML would keep only the last; fix: keep one of them"},
	"bad-dup-trigger.yaml":           {1, "bad-dup-trigger.yaml:21: commands.disk.alerts[0].trigger: duplicate key \"trigger\" (first on line 20); fix: keep one of them"},
	"bad-email-from.yaml":            {1, "bad-email-from.yaml:11: handlers.mail.from: not an email address (got \"serverstats\"); fix: write one address, e.g. from: oncall@example.com"},
	"bad-email-to.yaml":              {1, "bad-email-to.yaml:12: handlers.mail.to[0]: not an email address (got \"oncall-at-example.com\"); fix: write one address per item, e.g. to: [oncall@example.com, ops@example.com]"},
	"bad-empty-file.yaml":            {1, "bad-empty-file.yaml:1: the config is empty; fix: define at least one command under commands:"},
	"bad-exec-command-string.yaml":   {1, "bad-exec-command-string.yaml:8: handlers.pager.command: one string with spaces would run a program of that whole name (got \"/usr/local/bin/page --urgent\"); fix: write command: [/usr/local/bin/page, --urgent] (a list: the program, then each argument; no shell)"},
	"bad-extra-dash.yaml":            {1, "bad-extra-dash.yaml:19: commands.disk.alerts[1]: this '- ' starts a new item, so the item above it (line 18) has no trigger:; fix: remove the '- ' (and indent the line like the keys above it) to go on with the item above"},
	"bad-fallback-self.yaml":         {1, "bad-fallback-self.yaml:5: handlers.console.fallback: a handler cannot be its own fallback (got \"console\"); fix: name another handler, e.g. one of another type"},
	"bad-for-duration.yaml":          {1, "bad-for-duration.yaml:23: commands.disk.alerts[0].for: expected a whole number ≥ 1 (got \"3m\"); fix: write e.g. for: 2"},
	"bad-handler-type-typo-key.yaml": {1, "bad-handler-type-typo-key.yaml:5: handlers.console.tpye: unknown key \"tpye\"; fix: did you mean \"type\"? a handler needs type: one of print, email, sms, exec, webhook, slack, teams, pagerduty, ntfy, telegram, pushover, alertmanager"},
	"bad-handlers-empty.yaml":        {1, "bad-handlers-empty.yaml:22: commands.disk.alerts[0].handlers: handlers: is empty (got \"[]\"); fix: name at least one, e.g. handlers: [print], or remove handlers: for the command's (print if it names none)"},
	"bad-handlers-list.yaml":         {1, "bad-handlers-list.yaml:5: handlers: expected a mapping of names to definitions (got \"a list\"); fix: write one `name:` per entry under handlers:"},
	"bad-hash-in-msg.yaml":           {1, "bad-hash-in-msg.yaml:21: commands.disk.alerts[0].msg: YAML reads ' #' as the start of a comment, so the value ends before #42 (got \"Disk space over 90% full, see runbook #42\"); fix: quote the value if # is part of it: msg: \"Disk space over 90% full, see runbook #42\"; a comment has a space after #"},
	"bad-host-space.yaml":            {1, "bad-host-space.yaml:2: groups.web[0]: parse target \"web1 .example.com\": contains white space or a control character (got \"web1 .example.com\"); fix: write host, user@host or user@host:port"},
	"bad-host-v6-bracket.yaml":       {1, "bad-host-v6-bracket.yaml:3: groups.db[0]: parse target \"root@[2001:db8::5\": missing ']' after IPv6 address (got \"root@[2001:db8::5\"); fix: write host, user@host or user@host:port"},
	"bad-key-comment.yaml":           {1, "bad-key-comment.yaml:15: commands.disk.key: YAML reads ' #' as the start of a comment, so key: has no value (got \"#6\"); fix: quote the value: key: \"#6\""},
	"bad-key-falls-out-last.yaml":    {1, "bad-key-falls-out-last.yaml:23: commands.disk.severity: unknown key \"severity\"; fix: severity belongs deeper, under commands.disk.alerts[N]: indent it with the other keys of that block; valid keys here: "},
	"bad-key-falls-out.yaml":         {1, "bad-key-falls-out.yaml:19: YAML syntax error: this line is indented less than the lines of its block around it (got \"value-type: percent\"); fix: indent it with 8 spaces, as the line below it"},
	"bad-key-into-alert.yaml":        {1, "bad-key-into-alert.yaml:22: commands.disk.alerts[0].schedule: unknown key \"schedule\"; fix: schedule is a key of commands.disk, not of commands.disk.alerts[0]: indent it as commands.disk's other keys; valid keys here: "},
	"bad-key-top-level.yaml":         {1, "bad-key-top-level.yaml:17: alerts: unknown key \"alerts\"; fix: alerts belongs deeper, under commands.NAME: indent it with the other keys of that block; valid keys here: "},
	"bad-listen-port.yaml":           {1, "bad-listen-port.yaml:2: daemon.listen: bad port \"99200\": want a number from 1 to 65535 (got \"127.0.0.1:99200\"); fix: write e.g. listen: 127.0.0.1:9920"},
	"bad-local-typo.yaml":            {1, "bad-local-typo.yaml:13: commands.disk.local: expected true or false (got \"ture\"); fix: write local: true"},
	"bad-msg-template-alone.yaml":    {1, "bad-msg-template-alone.yaml:21: commands.disk.alerts[0].msg: YAML reads a value starting with \"{\" as a mapping, not as text (got \"{{.Raw}}\"); fix: quote the value: msg: \"{{.Raw}}\""},
	"bad-msg-template.yaml":          {1, "bad-msg-template.yaml:21: YAML syntax error: YAML reads \"{{.Key}}\" at the start of a value as a mapping, and text follows it (got \"msg: {{.Key}} is {{.Value}} full\"); fix: quote the value: msg: \"{{.Key}} is {{.Value}} full\""},
	"bad-multidoc.yaml":              {1, "bad-multidoc.yaml:23: a second YAML document starts here, and serverstats reads one document per file (got \"---\"); fix: remove this '---' line to make one document of the two (merge keys that appear in both), or split them into two config files"},
	"bad-mute-days.yaml":             {1, "bad-mute-days.yaml:23: commands.disk.alerts[0].mute-for: not a duration (got \"1d\"); fix: Go durations stop at hours (h): write mute-for: 24h, or whole milliseconds as ServerStats did (300000)"},
	"bad-nested-group.yaml":          {1, "bad-nested-group.yaml:4: groups.all[0]: names a group, and groups do not nest: it would be read as a host called web (got \"web\"); fix: list the hosts of web here, or name both groups where they are used: servers: [web, all]"},
	"bad-nospace-colon.yaml":         {1, "bad-nospace-colon.yaml:14: YAML syntax error: no space after ':': YAML reads the line as one word, not as key: value (got \"cmd:df -hP\"); fix: write cmd: df -hP"},
	"bad-nospace-flow.yaml":          {1, "bad-nospace-flow.yaml:13: YAML syntax error: no space after ':': YAML reads the line as one word, not as key: value (got \"servers:[localhost]\"); fix: write servers: [localhost]"},
	"bad-not-utf8.yaml":              {1, "bad-not-utf8.yaml:12: YAML syntax error: the file is not UTF-8: byte 0xE9 on this line (Latin-1 or Windows-1252 text?) (got \"doc: Espace disque utilis\\xe9 (df -hP)\"); fix: save the file as UTF-8 (iconv -f latin1 -t utf-8)"},
	"bad-only-comments.yaml":         {1, "bad-only-comments.yaml:1: the config is empty: it holds only comments; fix: define at least one command under commands:"},
	"bad-password-env-dollar.yaml":   {1, "bad-password-env-dollar.yaml:10: handlers.mail.password-env: write the variable's name: serverstats reads the variable itself, no '$' expansion happens here (got \"${SMTP_PASSWORD}\"); fix: write password-env: SMTP_PASSWORD"},
	"bad-password-env-secret.yaml":   {1, "bad-password-env-secret.yaml:10: handlers.mail.password-env: not the name of an environment variable; fix: write password-env: NAME, the name of the variable holding the secret (letters, digits and _), never the secret itself"},
	"bad-password-inline.yaml":       {1, "bad-password-inline.yaml:10: handlers.mail.password: unknown key \"password\": a secret is never written in the config; fix: write password-env: NAME (the environment variable holding it) or password-file: /etc/serverstats/password (a file holding it)"},
	"bad-quote-inside.yaml":          {1, "bad-quote-inside.yaml:14: YAML syntax error: a \" inside the value closes its quote early, after \"df -hP | grep \" (got \"cmd: \\\"df -hP | grep \\\"/var\\\"\\\"\"); fix: quote it with single quotes: cmd: 'df -hP | grep \"/var\"'"},
	"bad-repeat-week.yaml":           {1, "bad-repeat-week.yaml:23: commands.disk.alerts[0].repeat: not a duration (got \"1w\"); fix: Go durations stop at hours (h): write repeat: 168h, or whole milliseconds as ServerStats did (300000)"},
	"bad-schedule-every0.yaml":       {1, "bad-schedule-every0.yaml:16: commands.disk.schedule: @every needs at least 1s: a shorter interval would run the command every second (got \"@every 0s\"); fix: write e.g. schedule: \"@every 30s\""},
	"bad-schedule-star.yaml":         {1, "bad-schedule-star.yaml:16: YAML syntax error: YAML reads '*' at the start of a value as an alias (a reference to an &anchor), not as text (got \"schedule: */5 * * * *\"); fix: quote the value: schedule: \"*/5 * * * *\""},
	"bad-schedule-tz.yaml":           {1, "bad-schedule-tz.yaml:16: commands.disk.schedule: invalid schedule: provided bad location Europe/Pariss: unknown time zone Europe/Pariss (got \"CRON_TZ=Europe/Pariss 0 3 * * *\"); fix: write 5 cron fields (\"*/5 * * * *\"), 6 with seconds first (\"*/30 * * * * *\"), or a descriptor (\"@every 30s\", \"@hourly\"); prefix CRON_TZ=Area/City for a time zone"},
	"bad-servers-comma.yaml":         {1, "bad-servers-comma.yaml:17: commands.disk.servers: several values written as one: a list needs brackets (got \"web, db\"); fix: write servers: [web, db]"},
	"bad-sms-token-inline.yaml":      {1, "bad-sms-token-inline.yaml:9: handlers.oncall.auth-token: unknown key \"auth-token\": a secret is never written in the config; fix: write auth-token-env: NAME (the environment variable holding it) or auth-token-file: /etc/serverstats/auth-token (a file holding it)"},
	"bad-smtp-port.yaml":             {1, "bad-smtp-port.yaml:8: handlers.mail.smtp: bad port \"58y\": want a number from 1 to 65535 (got \"smtp.example.com:58y\"); fix: write e.g. smtp: smtp.example.com:587"},
	"bad-tab-after-dash.yaml":        {1, "bad-tab-after-dash.yaml:18: YAML syntax error: a tab in the indentation (got \"-\\tcolumn: Use%\"); fix: indent with spaces only: YAML does not allow tabs"},
	"bad-timeout-space.yaml":         {1, "bad-timeout-space.yaml:15: commands.disk.timeout: not a duration (got \"5 s\"); fix: write a duration with a unit, e.g. \"30s\", \"5m\", \"4h\""},
	"bad-trigger-at.yaml":            {1, "bad-trigger-at.yaml:20: YAML syntax error: YAML reserves \"@\" at the start of a value (got \"trigger: @10:20\"); fix: quote the value: trigger: \"@10:20\""},
	"bad-trigger-folded.yaml":        {1, "bad-trigger-folded.yaml:20: YAML syntax error: YAML reads \">\" at the start of a value as the start of a block of text on the lines below, not as part of the value (got \"trigger: > 90%\"); fix: quote the value: trigger: \"> 90%\""},
	"bad-trigger-regex.yaml":         {1, "bad-trigger-regex.yaml:20: commands.disk.alerts[0].trigger: invalid trigger: bad regular expression \"(full|error\": error parsing regexp: missing closing ): `(full|error` (got \"=~ (full|error\"); fix: write an operator and a threshold, e.g. \"> 90\", \"<= 10G\", \"== false\", \"=~ ^err\", a Nagios range \"10:20\" (alert outside), \"@10:20\" (alert inside), \"~:10\", \"10:\", or ServerStats' \"(> 90)\""},
	"bad-unclosed-brace.yaml":        {1, "bad-unclosed-brace.yaml:5: YAML syntax error: the '{' opened on this line is never closed (got \"console: {type: print\"); fix: close the mapping on the same line, e.g. params: {unit: nginx.service}"},
	"bad-unclosed-single.yaml":       {1, "bad-unclosed-single.yaml:14: YAML syntax error: the quote ' opened on this line is never closed (got \"cmd: 'df -hP\"); fix: end the value with ' on the same line"},
	"bad-url-no-scheme.yaml":         {1, "bad-url-no-scheme.yaml:7: commands.api.url: a url: probe speaks http:// or https://, and this URL names no scheme (got \"www.example.com/health\"); fix: write url: http://www.example.com/health (or https://)"},
	"bad-url-port.yaml":              {1, "bad-url-port.yaml:7: commands.api.url: bad port \"80800\": want a number from 1 to 65535 (got \"http://127.0.0.1:80800/health\"); fix: write e.g. url: http://localhost:8080/ping"},
	"bad-webhook-token-inline.yaml":  {1, "bad-webhook-token-inline.yaml:9: handlers.chat.token: unknown key \"token\": a secret is never written in the config; fix: read it from the environment or a file with header-env or header-file; valid keys here: "},
	"bad-command-empty.yaml":         {1, "bad-command-empty.yaml:2: commands.disk: the command is empty: no key is indented under it; fix: indent its keys under disk: with more spaces, e.g. cmd: \"df -hP\" and servers: [localhost]"},
	"bad-daemon-token-inline.yaml":   {1, "bad-daemon-token-inline.yaml:2: daemon.auth-token: unknown key \"auth-token\": a secret is never written in the config; fix: write auth-token-env: NAME (the environment variable holding it) or auth-token-file: /etc/serverstats/auth-token (a file holding it)"},
	"bad-dash-no-space.yaml":         {1, "bad-dash-no-space.yaml:18: YAML syntax error: no space after '-': YAML reads \"-column:\" as a key, not as a list item (got \"-column: Use%\"); fix: write - column: Use%"},
}

func TestLoadBadSlips(t *testing.T) {
	for file, c := range slipCases {
		t.Run(file, func(t *testing.T) { checkBadConfig(t, file, c.n, c.want) })
	}
}

// checkBadConfig loads testdata/config/file and checks its first error
// (exactly, or up to a list of valid keys), the number of errors, and that
// no test secret is repeated.
func checkBadConfig(t *testing.T, file string, n int, want string) {
	t.Helper()
	_, err := Load(filepath.Join("../testdata/config", file))
	var es Errors
	if !errors.As(err, &es) {
		t.Fatalf("error %T is not config.Errors: %v", err, err)
	}
	got := strings.TrimPrefix(es[0].Error(), "../testdata/config/")
	if got != want && !(strings.HasSuffix(want, "valid keys here: ") && strings.HasPrefix(got, want)) {
		t.Errorf("error:\n got  %s\n want %s", got, want)
	}
	if len(es) != n {
		t.Errorf("%d errors, want %d:\n%v", len(es), n, es)
	}
	for _, secret := range []string{"s3cretpw", "abc123"} {
		if strings.Contains(es.Error(), secret) || strings.Contains(Public(es), secret) {
			t.Errorf("the error repeats the secret %q: %s", secret, es)
		}
	}
}

// What YAML allows is read as meant: anchors, aliases and merge keys, an
// anchored list inside a list, YAML 1.1 booleans, a comment after a value,
// and a listen address on any free port.
func TestReadAsMeant(t *testing.T) {
	c, err := Parse("a.yaml", []byte(`daemon: {listen: "127.0.0.1:0"}
groups:
  web: &web [web1.example.com, web2.example.com]
  all: [*web, db1.example.com]
handlers:
  mail: &mail
    type: email
    smtp: smtp.example.com:587
    from: "Serverstats <serverstats@example.com>"
    to: [oncall@example.com]
  mail2:
    <<: *mail
    to: [ops@example.com]
commands:
  disk:
    servers: [all]
    cmd: df -hP # the whole table
    key: Mounted on
    nagios: no
    alerts:
      - &full {column: Use%, trigger: "> 90", handlers: [mail2]}
  disk2:
    local: yes
    cmd: df -hP
    key: Mounted on
    alerts: [*full]
`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Command("disk").Hosts, ","); got != "web1.example.com,web2.example.com,db1.example.com" {
		t.Errorf("hosts of all = %s", got)
	}
	if m := c.Handler("mail2"); m.Type != "email" || m.SMTP != "smtp.example.com:587" || strings.Join(m.To, ",") != "ops@example.com" {
		t.Errorf("mail2 = %+v: want mail's keys, its own to:", m)
	}
	if d := c.Command("disk2"); !d.Local || d.Alerts[0].Trigger.String() != "> 90" || d.Cmd != "df -hP" {
		t.Errorf("disk2 = %+v", d)
	}
	if c.Command("disk").Cmd != "df -hP" {
		t.Errorf("cmd = %q", c.Command("disk").Cmd)
	}
}

// local: false is not a place to run: without servers: it is still missing.
func TestLocalFalseNeedsServers(t *testing.T) {
	_, err := Parse("a.yaml", []byte("commands:\n  a:\n    local: false\n    cmd: uptime\n"))
	if err == nil || !strings.Contains(err.Error(), "a.yaml:2: commands.a.servers: missing servers") {
		t.Errorf("err = %v", err)
	}
}

// keyHome finds where a key that fell out of its block belongs, from the
// schema, deeper or higher than where it was written.
func TestKeyHome(t *testing.T) {
	for _, c := range []struct{ path, key, want string }{
		{"commands.disk", "value-type", "value-type belongs deeper, under commands.disk.alerts[N]: indent it with the other keys of that block"},
		{"", "cmd", "cmd belongs deeper, under commands.NAME: indent it with the other keys of that block"},
		{"commands.disk.alerts[0]", "schedule", "schedule is a key of commands.disk, not of commands.disk.alerts[0]: indent it as commands.disk's other keys"},
		{"commands.disk", "no-such-key", ""},
	} {
		if got := keyHome(c.path, c.key); got != c.want {
			t.Errorf("keyHome(%q, %q) = %q, want %q", c.path, c.key, got, c.want)
		}
	}
}
