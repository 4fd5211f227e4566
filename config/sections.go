package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"serverstats/alerts"
	"serverstats/parse"
)

// CronParser reads schedules: 5 fields, an optional leading seconds field
// when 6 are written, descriptors (@every 30s, @hourly) and a CRON_TZ= prefix.
var CronParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

// decode reads the top level.
func (c *Config) decode(d *decoder, n *yaml.Node) {
	d.mapping(n, "", []field{
		{"ssh", func(p string, v *yaml.Node) { c.decodeSSH(d, p, v) }},
		{"groups", func(p string, v *yaml.Node) { c.decodeGroups(d, p, v) }},
		{"handlers", func(p string, v *yaml.Node) { c.decodeHandlers(d, p, v) }},
		{"on-command-failure", func(p string, v *yaml.Node) {
			d.mapping(v, p, []field{{"handlers", d.list(&c.OnCommandFailure.Handlers, &c.OnCommandFailure.lines)}})
		}},
		{"commands", func(p string, v *yaml.Node) { c.decodeCommands(d, p, v) }},
		{"state-file", d.str(&c.StateFile)},
		{"shard", func(p string, v *yaml.Node) {
			var text string
			d.str(&text)(p, v)
			sh, err := ParseShard(text)
			if err != nil {
				d.fail(v, p, text, "not a shard K/N with 1 ≤ K ≤ N", "write e.g. shard: 1/3 (this instance watches the first of three shards; --shard K/N wins)")
			}
			c.Shard = sh
		}},
		{"maintenance", func(p string, v *yaml.Node) { c.decodeMaintenance(d, p, v) }},
		{"hosts", func(p string, v *yaml.Node) { c.decodeHosts(d, p, v) }},
		{"daemon", func(p string, v *yaml.Node) { c.decodeDaemon(d, p, v) }},
		{"heartbeat", func(p string, v *yaml.Node) { c.decodeHeartbeat(d, p, v) }},
		{"delivery", func(p string, v *yaml.Node) {
			seen := d.mapping(v, p, []field{
				{"retry-initial", d.duration(&c.Delivery.RetryInitial, false)},
				{"retry-max", d.duration(&c.Delivery.RetryMax, false)},
				{"trail-max-age", d.duration(&c.Delivery.TrailMaxAge, false)},
				{"trail-max-entries", d.integer(&c.Delivery.TrailEntries, 1, "10000")},
			})
			if k := seen["trail-max-age"]; k != nil && c.Delivery.TrailMaxAge <= 0 {
				d.fail(k, p+".trail-max-age", c.Delivery.TrailMaxAge.String(), "the delivery trail must be kept for some time", `write e.g. trail-max-age: 720h (30 days, the default)`)
			}
			if c.Delivery.RetryInitial <= 0 || c.Delivery.RetryMax < c.Delivery.RetryInitial {
				d.fail(orAt(seen["retry-max"], v), p, "", "retry-initial must be positive and retry-max at least retry-initial", `write e.g. retry-initial: 30s, retry-max: 30m`)
			}
		}},
	})
}

func (c *Config) decodeSSH(d *decoder, path string, n *yaml.Node) {
	s := &c.SSH
	seen := d.mapping(n, path, []field{
		{"user", d.str(&s.User)},
		{"known-hosts", d.str(&s.KnownHosts)},
		{"host-key-policy", d.str(&s.HostKeyPolicy)},
		{"identity-files", d.list(&s.IdentityFiles, nil)},
		{"ssh-config", d.str(&s.SSHConfig)},
		{"agent", d.boolean(&s.Agent)},
		{"connect-timeout", d.duration(&s.ConnectTimeout, false)},
		{"command-timeout", d.duration(&s.CommandTimeout, false)},
		{"parallel", d.integer(&s.Parallel, 1, "64")},
	})
	if k := seen["host-key-policy"]; k != nil && !slices.Contains(HostKeyPolicies, s.HostKeyPolicy) {
		d.fail(k, path+".host-key-policy", s.HostKeyPolicy, "unknown host key policy",
			"use one of "+strings.Join(HostKeyPolicies, ", ")+" (strict verifies against known_hosts)")
	}
	for _, k := range []string{"connect-timeout", "command-timeout"} {
		if seen[k] != nil && (k == "connect-timeout" && s.ConnectTimeout == 0 || k == "command-timeout" && s.CommandTimeout == 0) {
			d.fail(seen[k], path+"."+k, "0s", "a timeout of zero would wait forever", `write a positive duration, e.g. "10s"`)
		}
	}
}

func (c *Config) decodeGroups(d *decoder, path string, n *yaml.Node) {
	for _, e := range d.entries(n, path) {
		g := &Group{Name: e[0].Value, Line: e[0].Line}
		p := join(path, g.Name)
		if !validName.MatchString(g.Name) {
			d.fail(e[0], p, g.Name, "bad group name", "use letters, digits, '.', '_' and '-'")
		}
		if e[1].Kind != yaml.SequenceNode {
			d.fail(e[1], p, short(e[1]), "a group is a list of hosts", "write "+g.Name+": [web1.example.com, deploy@web2:2222]")
			c.Groups = append(c.Groups, g) // defined, if wrongly: commands naming it are not "undefined" too
			continue
		}
		d.list(&g.Hosts, nil)(p, e[1])
		if len(g.Hosts) == 0 {
			d.fail(e[1], p, "[]", "the group is empty: commands on it would run nowhere", "list its hosts, e.g. "+g.Name+": [web1.example.com], or remove it")
		}
		for i, h := range g.Hosts {
			if err := checkHost(h); err != nil {
				d.fail(e[1].Content[i], fmt.Sprintf("%s[%d]", p, i), h, err.Error(), "write host, user@host or user@host:port")
			}
		}
		c.Groups = append(c.Groups, g)
	}
}

func (c *Config) decodeDaemon(d *decoder, path string, n *yaml.Node) {
	dm := &c.Daemon
	seen := d.mapping(n, path, []field{
		{"listen", d.str(&dm.Listen)},
		{"log-format", d.str(&dm.LogFormat)},
		{"log-file", d.str(&dm.LogFile)},
		{"grace", d.duration(&dm.Grace, false)},
		{"auth-token-file", d.str(&dm.AuthTokenFile)},
		{"auth-token-env", d.str(&dm.AuthTokenEnv)},
		{"auth-user", d.str(&dm.AuthUser)},
	})
	if dm.AuthTokenFile != "" && dm.AuthTokenEnv != "" {
		d.fail(seen["auth-token-env"], path+".auth-token-env", dm.AuthTokenEnv, "set only one of auth-token-file and auth-token-env", "remove one")
	}
	if k := seen["auth-user"]; k != nil && dm.AuthTokenFile == "" && dm.AuthTokenEnv == "" {
		d.fail(k, path+".auth-user", dm.AuthUser, "auth-user needs a password", "add auth-token-file: /etc/serverstats/page-token or auth-token-env: SERVERSTATS_PAGE_TOKEN")
	}
	if k := seen["listen"]; k != nil {
		if _, port, err := net.SplitHostPort(dm.Listen); err != nil || port == "" {
			d.fail(k, path+".listen", dm.Listen, "not host:port", "write e.g. 127.0.0.1:9920 (loopback keeps the status endpoint private)")
		}
		d.checkPort(k, path+".listen", dm.Listen, DefaultListen)
	}
	if k := seen["log-format"]; k != nil && dm.LogFormat != "text" && dm.LogFormat != "json" {
		d.fail(k, path+".log-format", dm.LogFormat, "unknown log format", "use text or json")
	}
}

func (c *Config) decodeCommands(d *decoder, path string, n *yaml.Node) {
	for _, e := range d.entries(n, path) {
		cmd := &Command{Name: e[0].Value, Line: e[0].Line}
		p := join(path, cmd.Name)
		switch {
		case !validName.MatchString(cmd.Name):
			d.fail(e[0], p, cmd.Name, "bad command name", "use letters, digits, '.', '_' and '-', starting with a letter or digit")
		case slices.Contains(Reserved, cmd.Name):
			d.fail(e[0], p, cmd.Name, "command name is reserved for a built-in subcommand", "rename it, e.g. "+cmd.Name+"-check")
		}
		if e[1].Tag == "!!null" && e[1].Kind == yaml.ScalarNode {
			d.fail(e[0], p, "", "the command is empty: no key is indented under it",
				`indent its keys under `+cmd.Name+`: with more spaces, e.g. cmd: "df -hP" and servers: [localhost]`)
			continue
		}
		var header, sizeBase string
		var okCodes []string
		var okLines []int
		var alertNodes *yaml.Node
		k := &kindFields{}
		seen := d.mapping(e[1], p, []field{
			{"doc", d.str(&cmd.Doc)},
			{"cmd", d.str(&cmd.Cmd)},
			{"url", d.str(&k.http.URL)},
			{"tcp", d.str(&k.tcp.Addr)},
			{"builtin", d.str(&k.builtin)},
			{"params", func(pp string, v *yaml.Node) { k.params = v; d.stringMap(&cmd.Params)(pp, v) }},
			{"nagios", d.boolean(&cmd.Nagios)},
			{"via", d.str(&cmd.Via)},
			{"method", d.str(&k.http.Method)},
			{"headers", d.stringMap(&k.http.Headers)},
			{"header-env", d.stringMap(&k.http.HeaderEnv)},
			{"header-file", d.stringMap(&k.http.HeaderFile)},
			{"body", d.str(&k.http.Body)},
			{"ca-file", d.str(&k.http.CAFile)},
			{"insecure-skip-verify", d.boolean(&k.http.Insecure)},
			{"follow-redirects", d.boolean(&k.http.FollowRedirects)},
			{"send", d.str(&k.tcp.Send)},
			{"expect", d.str(&k.tcp.Expect)},
			{"key", d.str(&cmd.Key)},
			{"servers", d.list(&cmd.Servers, &cmd.serverLines)},
			{"local", d.boolean(&cmd.Local)},
			{"schedule", d.str(&cmd.Schedule)},
			{"timeout", d.duration(&cmd.Timeout, false)},
			{"header", d.str(&header)},
			{"table", d.str(&cmd.Table)},
			{"header-line", d.integer(&cmd.HeaderLine, 1, "2")},
			{"skip-lines", d.integer(&cmd.SkipLines, 0, "1")},
			{"size-base", d.str(&sizeBase)},
			{"ok-exit-codes", d.list(&okCodes, &okLines)},
			{"handlers", d.list(&cmd.Handlers, &cmd.defaultHandlerLines)},
			{"alerts", func(_ string, v *yaml.Node) { alertNodes = v }},
		})
		c.decodeKind(d, p, e[0], cmd, k, seen)
		if seen["servers"] != nil && cmd.Local {
			d.fail(seen["local"], p+".local", "true", "local: true runs on this machine, so servers: makes no sense", "remove one of them")
		}
		if seen["servers"] != nil && len(cmd.Servers) == 0 {
			d.fail(seen["servers"], p+".servers", "", "servers: is empty: the command would run nowhere", "list groups or hosts, e.g. servers: [web-servers], or write local: true")
		}
		if seen["servers"] == nil && !cmd.Local && (seen["local"] == nil || isBool(mappingValue(e[1], "local"))) {
			d.fail(e[0], p+".servers", "", "missing servers: where to run the command",
				"add servers: [GROUP] (a group from groups:), servers: [localhost], or local: true")
		}
		if k := seen["schedule"]; k != nil {
			if why := everyTooShort(cmd.Schedule); why != "" {
				d.fail(k, p+".schedule", cmd.Schedule, why, `write e.g. schedule: "@every 30s"`)
			} else if sched, err := CronParser.Parse(cmd.Schedule); err != nil {
				d.fail(k, p+".schedule", cmd.Schedule, "invalid schedule: "+err.Error(),
					`write 5 cron fields ("*/5 * * * *"), 6 with seconds first ("*/30 * * * * *"), or a descriptor ("@every 30s", "@hourly"); prefix CRON_TZ=Area/City for a time zone`)
			} else if sched.Next(time.Now()).IsZero() {
				d.fail(k, p+".schedule", cmd.Schedule, "this schedule never fires (a date that does not exist, such as April 31)", "check the day-of-month and month fields")
			} else {
				cmd.Cron = sched
			}
		}
		switch header {
		case "", "auto":
		case "none":
			cmd.NoHeader = true
		case "true", "yes":
			cmd.HasHeader = new(true)
		case "false", "no":
			cmd.HasHeader = new(false)
		default:
			d.fail(seen["header"], p+".header", header, "unknown header mode",
				"use auto (find the header row), true (the first line is a header, even alone), false (no header: columns #1..#N) or none (one value per line, column \"value\")")
		}
		switch sizeBase {
		case "", "auto":
		case "si":
			cmd.SizeBase = 1000
		case "binary":
			cmd.SizeBase = 1024
		default:
			d.fail(seen["size-base"], p+".size-base", sizeBase, "unknown size base",
				`use si (one-letter K M G T are powers of 1000: df -H, free --si -h), binary (powers of 1024: df -h, du -h) or auto (decide from the output)`)
		}
		if k := seen["table"]; k != nil && strings.TrimSpace(cmd.Table) == "" {
			d.fail(k, p+".table", cmd.Table, "table: is empty", `name the table by its number (table: 2) or its first header word (table: Device)`)
		}
		for i, s := range okCodes {
			var v int
			if _, err := fmt.Sscanf(s, "%d", &v); err != nil || v < 0 || v > 255 || fmt.Sprint(v) != s {
				d.fail(&yaml.Node{Line: okLines[i]}, fmt.Sprintf("%s.ok-exit-codes[%d]", p, i), s, "not an exit status", "list whole numbers 0-255, e.g. [0, 1]")
				continue
			}
			cmd.OKExitCodes = append(cmd.OKExitCodes, v)
		}
		if len(cmd.OKExitCodes) == 0 {
			cmd.OKExitCodes = []int{0}
		}
		if seen["key"] != nil && cmd.Key != "" && cmd.Kind == KindShell {
			cmd.checkHeaderless(d, seen["key"], p+".key", cmd.Key)
		}
		if alertNodes != nil {
			c.decodeAlerts(d, p+".alerts", alertNodes, cmd, header == "")
		}
		c.implicitAlerts(d, p, e[0], cmd)
		c.Commands = append(c.Commands, cmd)
	}
}

func (c *Config) decodeAlerts(d *decoder, path string, n *yaml.Node, cmd *Command, headerAuto bool) {
	if n.Tag == "!!null" {
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, short(n), "alerts is a list of rules", "start each rule with '- column: ...'")
		return
	}
	withColumn, without := 0, 0
	names := map[string]int{}
	n.Content = d.joinSplitItems(n.Content, path, "trigger")
	for i, an := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		var column, vtype, trigger, clear, msg, severity, name, jsonPath string
		var hlines []int
		r := &alerts.Rule{For: 1, Severity: alerts.SeverityCritical}
		seen := d.mapping(an, p, []field{
			{"name", d.str(&name)},
			{"column", d.str(&column)},
			{"value-type", d.str(&vtype)},
			{"trigger", d.str(&trigger)},
			{"clear", d.str(&clear)},
			{"for", d.integer(&r.For, 1, "2")},
			{"msg", d.str(&msg)},
			{"handlers", d.list(&r.Handlers, &hlines)},
			{"mute-for", d.duration(&r.MuteFor, true)},
			{"repeat", d.duration(&r.Repeat, true)},
			{"severity", d.str(&severity)},
			{"json", d.str(&jsonPath)},
			{"action", func(ap string, v *yaml.Node) { r.Action = d.action(ap, v) }},
			{"flap", func(fp string, v *yaml.Node) { r.Flap = d.flap(fp, v) }},
			{"escalate", func(ep string, v *yaml.Node) { r.Escalate = d.escalate(ep, v, cmd) }},
			{"runbook", d.str(&r.Runbook)},
		})
		if an.Kind != yaml.MappingNode {
			continue
		}
		if column == "" && cmd.Columns != nil {
			d.fail(an, p+".column", "", "missing column: which column of the output the trigger reads",
				"add column: with one of: "+strings.Join(cmd.Columns, ", "))
		} else if cmd.Columns != nil && !slices.Contains(cmd.Columns, column) {
			fix := "use one of: " + strings.Join(cmd.Columns, ", ")
			if s := suggest(column, cmd.Columns); s != "" {
				fix = fmt.Sprintf("did you mean %q? %s", s, fix)
			}
			d.fail(seen["column"], p+".column", column, "not a column of this "+string(cmd.Kind)+": command's output", fix)
		}
		if column != "" {
			cmd.checkHeaderless(d, seen["column"], p+".column", column)
		}
		if column == "" {
			without++
			column = alerts.ValueColumn
		} else {
			withColumn++
		}
		r.Column = column
		if jsonPath != "" {
			jp, err := parse.CompileJSONPath(jsonPath)
			if err != nil {
				d.fail(seen["json"], p+".json", jsonPath, "bad JSON path: "+err.Error(), `write e.g. json: .status or json: .checks[0].state`)
			}
			r.JSON = jp
		}
		if seen["value-type"] != nil {
			t, err := parse.ParseType(vtype)
			if err != nil {
				d.fail(seen["value-type"], p+".value-type", vtype, "unknown value type", "use one of "+typeNames())
			}
			r.Type = t
		}
		if seen["trigger"] == nil || trigger == "" {
			d.fail(an, p+".trigger", "", "missing trigger: the condition that fires the alert", alerts.TriggerHelp)
		} else if tr, err := alerts.ParseTrigger(trigger, r.Type); err != nil {
			d.fail(seen["trigger"], p+".trigger", trigger, "invalid trigger: "+err.Error(), alerts.TriggerHelp)
		} else {
			r.Trigger = tr
		}
		if clear != "" {
			if tr, err := alerts.ParseTrigger(clear, r.Type); err != nil {
				d.fail(seen["clear"], p+".clear", clear, "invalid clear condition: "+err.Error(), alerts.TriggerHelp)
			} else {
				r.Clear = tr
			}
		}
		if u, err := url.Parse(r.Runbook); r.Runbook != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			d.fail(seen["runbook"], p+".runbook", r.Runbook, "not an http(s) URL", "write the page to open when it fires, e.g. runbook: https://wiki.example.com/runbooks/disk-full")
		}
		switch severity {
		case "", "critical":
		case "warning":
			r.Severity = alerts.SeverityWarning
		default:
			d.fail(seen["severity"], p+".severity", severity, "unknown severity", "use warning or critical")
		}
		if msg != "" {
			t, err := template.New(p).Funcs(alerts.MsgFuncs).Option("missingkey=error").Parse(msg)
			if err == nil {
				err = t.Execute(discard{}, alerts.MsgData{})
			}
			if err != nil {
				d.fail(seen["msg"], p+".msg", msg, "bad message template: "+templateErr(err),
					"fields: {{.Host}} {{.Key}} {{.Column}} {{.Value}} {{.Raw}} {{.Trigger}} {{.Severity}} {{.Command}} {{.Row.Get \"Avail\"}}")
			} else {
				r.Msg = t
			}
		}
		if k := seen["handlers"]; k != nil && len(r.Handlers) == 0 {
			d.emptyList(k, p+".handlers", "name at least one, e.g. handlers: [print], or remove handlers: for the command's (print if it names none)")
		}
		if len(r.Handlers) == 0 {
			r.Handlers = c.defaultHandlers(cmd)
			hlines = c.defaultHandlerLines(cmd, an)
		}
		cmd.handlerLines = append(cmd.handlerLines, hlines)
		r.Name = name
		if r.Name == "" && r.Trigger != nil {
			r.Name = column + " " + r.Trigger.String()
		}
		if line, dup := names[r.Name]; dup && r.Name != "" {
			d.fail(an, p+".name", r.Name, fmt.Sprintf("two alerts of this command have the same name (first on line %d)", line), "give one a distinct name:")
		}
		names[r.Name] = an.Line
		cmd.Alerts = append(cmd.Alerts, r)
	}
	if without > 0 && headerAuto && withColumn == 0 && cmd.Key == "" {
		cmd.NoHeader = true // e.g. `echo true`: the whole output is the value
	} else if without > 0 && !cmd.NoHeader {
		d.fail(n, path, "", "an alert has no column, but the output is read as a table",
			`add column: "<header>" to each alert, or header: none to read the output as one value per line`)
	}
}

func typeNames() string {
	names := make([]string, len(parse.Types))
	for i, t := range parse.Types {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// templateErr strips text/template's "template: NAME:" prefix, which repeats
// the key path.
func templateErr(err error) string {
	s := err.Error()
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "template: ") {
		s = s[i+2:]
		if j := strings.Index(s, ": "); j >= 0 {
			s = s[j+2:]
		}
	}
	return s
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// positional matches the columns of output read without a header: "#1",
// "#2", ...
var positional = regexp.MustCompile(`^#[1-9][0-9]*$`)

// checkHeaderless refuses a column name that cannot exist in output read
// without a header: header: none has the one column "value" (also "#1"),
// header: false the columns "#1".."#N". Such a rule would be UNKNOWN on
// every run.
func (cmd *Command) checkHeaderless(d *decoder, at *yaml.Node, path, column string) {
	if cmd.Kind != KindShell || cmd.Nagios {
		return
	}
	switch {
	case cmd.NoHeader && column != alerts.ValueColumn && column != "#1":
		d.fail(at, path, column, `header: none reads one value per line: the only column is "value"`,
			`write `+lastKey(path)+`: value, or remove header: none to read a table by its header row`)
	case cmd.HasHeader != nil && !*cmd.HasHeader && !positional.MatchString(column):
		d.fail(at, path, column, `header: false numbers the columns: there is no column of this name`,
			`write `+lastKey(path)+`: "#1" for the first field of each line, "#2" for the second, ...; or header: true if the first line names the columns`)
	}
}
