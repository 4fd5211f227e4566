package config

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"go.yaml.in/yaml/v3"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/parse"
)

// kindFields are the keys of a command that say what it runs, before they
// are checked against each other.
type kindFields struct {
	builtin string
	params  *yaml.Node // the params: mapping, for the line of each entry
	http    HTTPProbe
	tcp     TCPProbe
}

// kindKeys are the keys that only make sense for some kinds of command.
var kindKeys = map[string][]Kind{
	"nagios": {KindShell}, "header": {KindShell}, "header-line": {KindShell}, "skip-lines": {KindShell}, "table": {KindShell}, "size-base": {KindShell},
	"ok-exit-codes": {KindShell}, "key": {KindShell, KindBuiltin},
	"method": {KindURL}, "headers": {KindURL}, "header-env": {KindURL}, "header-file": {KindURL}, "body": {KindURL},
	"ca-file": {KindURL}, "insecure-skip-verify": {KindURL}, "follow-redirects": {KindURL},
	"send": {KindTCP}, "expect": {KindTCP},
	"params": {KindBuiltin},
}

// decodeKind works out what cmd runs (exactly one of cmd:, url:, tcp: and
// builtin:) and checks the keys that belong to it.
func (c *Config) decodeKind(d *decoder, p string, at *yaml.Node, cmd *Command, k *kindFields, seen map[string]*yaml.Node) {
	var set []string
	for _, name := range []string{"cmd", "url", "tcp", "builtin"} {
		if seen[name] != nil {
			set = append(set, name)
		}
	}
	switch len(set) {
	case 0:
		d.fail(at, p+".cmd", "", "missing cmd: what to run",
			`add cmd: "df -hP" (a shell line), url: http://host/ping, tcp: host:port or builtin: disk`)
		return
	case 1:
	default:
		d.fail(seen[set[1]], p+"."+set[1], "", fmt.Sprintf("%s: and %s: are two different checks", set[0], set[1]),
			"keep one; write the other as a command of its own")
		return
	}
	cmd.Kind = Kind(set[0])
	if cmd.Kind == KindShell && cmd.Nagios {
		// A plugin's output is its state and perfdata: table options make no sense.
		for _, key := range []string{"header", "header-line", "skip-lines", "table", "size-base", "ok-exit-codes", "key"} {
			if seen[key] != nil {
				d.fail(seen[key], p+"."+key, "", key+": does not apply to a Nagios plugin",
					"remove it: the exit status gives the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN) and perfdata the rows, keyed by label")
			}
		}
	}
	for key, kinds := range kindKeys {
		if seen[key] == nil || slices.Contains(kinds, cmd.Kind) {
			continue
		}
		names := make([]string, len(kinds))
		for i, k := range kinds {
			names[i] = string(k) + ":"
		}
		d.fail(seen[key], p+"."+key, "", fmt.Sprintf("%s: applies to %s commands, and this is a %s: command", key, strings.Join(names, " and "), cmd.Kind),
			"remove it")
	}
	if seen["via"] != nil {
		switch {
		case cmd.Via != "ssh":
			d.fail(seen["via"], p+".via", cmd.Via, "unknown via", "write via: ssh to probe from each server through its SSH connection (for services bound to localhost there), or remove it to probe from this machine")
		case !cmd.IsProbe():
			d.fail(seen["via"], p+".via", cmd.Via, "via: applies to url: and tcp: probes", "remove it: a "+string(cmd.Kind)+": command already runs on its servers")
		case seen["servers"] == nil:
			d.fail(seen["via"], p+".via", cmd.Via, "via: ssh needs servers: to connect from", "add servers: [GROUP]")
		}
	}
	switch cmd.Kind {
	case KindShell:
		if strings.TrimSpace(cmd.Cmd) == "" {
			d.fail(seen["cmd"], p+".cmd", "", "cmd: is empty", `write the shell line to run, e.g. cmd: "df -hP"`)
		}
		if cmd.Nagios {
			cmd.Key = "label"
			cmd.Columns = append(append([]string(nil), parse.PerfHeader...), parse.PluginStateHeader...)
		}
	case KindURL:
		cmd.HTTP = &k.http
		c.checkURL(d, p, cmd, seen)
		cmd.Columns = collectors.HTTPFields
	case KindTCP:
		cmd.TCP = &k.tcp
		c.checkTCP(d, p, cmd, seen)
		cmd.Columns = collectors.TCPFields
	case KindBuiltin:
		c.checkBuiltin(d, p, cmd, k, seen)
	}
	if cmd.IsProbe() && seen["servers"] == nil && seen["local"] == nil {
		cmd.Local = true // a probe needs no server: it runs from here
		cmd.implicitLocal = true
	}
}

func (c *Config) checkURL(d *decoder, p string, cmd *Command, seen map[string]*yaml.Node) {
	h := cmd.HTTP
	raw := strings.ReplaceAll(h.URL, HostPlaceholder, "placeholder.invalid")
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		d.fail(seen["url"], p+".url", h.URL, "bad URL: "+strings.TrimPrefix(err.Error(), "parse \""+raw+"\": "), "write e.g. url: http://localhost:8080/ping")
		return
	case u.Scheme == "" && !strings.HasPrefix(h.URL, "/"):
		d.fail(seen["url"], p+".url", h.URL, "a url: probe speaks http:// or https://, and this URL names no scheme", "write url: http://"+h.URL+" (or https://)")
		return
	case u.Scheme != "http" && u.Scheme != "https":
		d.fail(seen["url"], p+".url", h.URL, "a url: probe speaks http:// or https://", "write e.g. url: https://example.com/health; use tcp: host:port for other services")
		return
	case u.Host == "":
		d.fail(seen["url"], p+".url", h.URL, "the URL has no host", "write e.g. url: http://localhost:8080/ping")
		return
	case u.Port() != "" && badPort(u.Port()):
		d.fail(seen["url"], p+".url", h.URL, fmt.Sprintf("bad port %q: want a number from 1 to 65535", u.Port()), "write e.g. url: http://localhost:8080/ping")
		return
	case u.User != nil:
		d.fail(seen["url"], p+".url", u.Redacted(), "a credential written in the URL",
			"keep it out of the file: remove user:password@ and send it with header-env: {Authorization: APP_AUTH} (APP_AUTH=\"Basic <base64 of user:password>\")")
		return
	}
	c.checkPlaceholder(d, p, "url", h.URL, cmd, seen, strings.Contains(h.URL, HostPlaceholder))
	if h.Method != "" && strings.ToUpper(h.Method) != h.Method || strings.ContainsAny(h.Method, " \t/") {
		d.fail(seen["method"], p+".method", h.Method, "an HTTP method is one upper-case word", "write e.g. method: POST")
	}
	if h.CAFile != "" {
		if _, err := os.Stat(h.CAFile); err != nil {
			d.fail(seen["ca-file"], p+".ca-file", h.CAFile, "cannot read the CA file: "+strings.TrimPrefix(err.Error(), "stat "+h.CAFile+": "),
				"name a PEM file holding the CA certificate that signed the server's")
		}
		if h.Insecure {
			d.fail(seen["insecure-skip-verify"], p+".insecure-skip-verify", "true", "ca-file: and insecure-skip-verify: contradict each other", "keep ca-file: (verification against your CA) and remove insecure-skip-verify:")
		}
	}
	if h.Insecure && u.Scheme == "http" {
		d.fail(seen["insecure-skip-verify"], p+".insecure-skip-verify", "true", "insecure-skip-verify: applies to https:// URLs", "remove it")
	}
	for name, v := range h.Headers {
		if strings.ContainsAny(name+v, "\r\n") || name == "" || strings.ContainsAny(name, " :\t") {
			d.fail(d.at(p+".headers."+name, seen["headers"]), p+".headers."+name, v, "bad HTTP header", "write headers: {Host: app.example.com, X-Request-Source: serverstats}")
		}
		if strings.EqualFold(name, "Authorization") || strings.EqualFold(name, "Proxy-Authorization") {
			d.fail(d.at(p+".headers."+name, seen["headers"]), p+".headers."+name, "", "a credential written in the config", "keep it out of the file: header-env: {"+name+": APP_AUTH} reads it from the environment, header-file: {"+name+": /etc/serverstats/app-auth} from a file")
		}
	}
	for key, m := range map[string]map[string]string{"header-env": h.HeaderEnv, "header-file": h.HeaderFile} {
		for name, v := range m {
			if name == "" || strings.ContainsAny(name, " :\t\r\n") || strings.TrimSpace(v) == "" {
				d.fail(d.at(p+"."+key+"."+name, seen[key]), p+"."+key+"."+name, v, "bad secret header", "write "+key+": {Authorization: "+map[string]string{"header-env": "APP_AUTH", "header-file": "/etc/serverstats/app-auth"}[key]+"}")
			}
			if _, dup := h.Headers[name]; dup {
				d.fail(d.at(p+"."+key+"."+name, seen[key]), p+"."+key+"."+name, v, "the header "+name+" is also under headers:", "keep one")
			}
		}
	}
}

func (c *Config) checkTCP(d *decoder, p string, cmd *Command, seen map[string]*yaml.Node) {
	addr := cmd.TCP.Addr
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		d.fail(seen["tcp"], p+".tcp", addr, "not host:port", "write e.g. tcp: db.example.com:5432, or tcp: \":5432\" for each server's own port")
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		d.fail(seen["tcp"], p+".tcp", addr, "bad port "+strconv.Quote(port), "write a port 1-65535, e.g. tcp: db.example.com:5432")
		return
	}
	each := host == "" || host == HostPlaceholder
	if host == "" && seen["servers"] == nil {
		d.fail(seen["tcp"], p+".tcp", addr, "no host to connect to", "write tcp: host:"+port+", or add servers: to connect to each server's port "+port)
		return
	}
	c.checkPlaceholder(d, p, "tcp", addr, cmd, seen, each)
}

// checkPlaceholder checks that a probe with servers: and no via: names each
// server in its address (else it would probe the same address once per
// server), and that one without servers: does not.
func (c *Config) checkPlaceholder(d *decoder, p, key, value string, cmd *Command, seen map[string]*yaml.Node, perServer bool) {
	switch {
	case seen["servers"] != nil && cmd.Via == "" && !perServer:
		d.fail(seen[key], p+"."+key, value, "servers: is set, but the probe names no server: it would probe the same address once per server",
			"put {host} where each server's name goes (url: http://{host}:8080/ping), add via: ssh to probe from each server, or remove servers:")
	case seen["servers"] == nil && strings.Contains(value, HostPlaceholder):
		d.fail(seen[key], p+"."+key, value, "{host} needs servers: to take the names from", "add servers: [GROUP], or write the host name")
	}
}

func (c *Config) checkBuiltin(d *decoder, p string, cmd *Command, k *kindFields, seen map[string]*yaml.Node) {
	b, ok := parse.LookupBuiltin(k.builtin)
	if !ok {
		fix := "use one of: " + strings.Join(parse.BuiltinNames(), ", ")
		if s := suggest(k.builtin, parse.BuiltinNames()); s != "" {
			fix = fmt.Sprintf("did you mean %q? %s", s, fix)
		}
		d.fail(seen["builtin"], p+".builtin", k.builtin, "unknown built-in check", fix)
		return
	}
	cmd.Builtin = &b
	cmd.Columns = b.Columns
	if cmd.Key == "" {
		cmd.Key = b.Key
	} else if !slices.Contains(b.Columns, cmd.Key) {
		d.fail(seen["key"], p+".key", cmd.Key, "not a column of builtin: "+b.Name, "use one of: "+strings.Join(b.Columns, ", "))
	}
	params := map[string]string{}
	for name, v := range cmd.Params {
		params[name] = v
	}
	if b.Name == "process-count" {
		for name, dst := range map[string]*string{"min": &cmd.procMin, "max": &cmd.procMax} {
			v, ok := params[name]
			if !ok {
				continue
			}
			delete(params, name)
			if n, err := strconv.Atoi(v); err != nil || n < 0 {
				d.fail(entryAt(k.params, name, seen["params"]), p+".params."+name, v, "not a process count", "write a whole number, e.g. "+name+": 1")
				continue
			}
			*dst = v
		}
		if cmd.procMin != "" && cmd.procMax != "" {
			lo, _ := strconv.Atoi(cmd.procMin)
			if hi, _ := strconv.Atoi(cmd.procMax); hi < lo {
				d.fail(entryAt(k.params, "max", seen["params"]), p+".params.max", cmd.procMax, "max is below min: every count would alert", "swap them")
			}
		}
	}
	line, err := b.Command(params)
	if err != nil {
		d.fail(orAt(paramInError(k.params, err), orAt(seen["params"], seen["builtin"])), p+".params", "", err.Error(), builtinParamsFix(b.Name))
		return
	}
	cmd.Cmd = line
}

func builtinParamsFix(name string) string {
	switch name {
	case "process-count":
		return `write params: {pattern: "nginx: master", min: 1} (pattern is an extended regular expression matched against whole command lines; min and max are optional)`
	case "service":
		return "write params: {unit: nginx.service}"
	}
	return "remove params: (builtin: " + name + " takes none)"
}

// implicitAlerts adds the alerts a command implies: a Nagios plugin's
// WARNING and CRITICAL states, process-count's min and max, and for a
// url: or tcp: probe written without alerts, that it answers. An alert the
// user wrote with the same name replaces the implicit one.
func (c *Config) implicitAlerts(d *decoder, p string, at *yaml.Node, cmd *Command) {
	type implicit struct{ name, column, trigger, msg string }
	var add []implicit
	switch {
	case cmd.Kind == KindShell && cmd.Nagios:
		add = []implicit{
			{"plugin warning", "state", "== WARNING", `{{.Row.Get "summary"}}`},
			{"plugin critical", "state", "== CRITICAL", `{{.Row.Get "summary"}}`},
		}
	case cmd.Kind == KindTCP && len(cmd.Alerts) == 0:
		// A probe without rules still means "tell me when it is down", as
		// Nagios check_tcp and monit "if failed port" do.
		add = []implicit{{"port not answering", "connected", "== false", `{{.Row.Get "error"}}`}}
	case cmd.Kind == KindURL && len(cmd.Alerts) == 0:
		// No answer (status 0), or 4xx/5xx: outside 100-399.
		add = []implicit{{"url failing", "status", "100:399", `{{with .Row.Get "error"}}{{.}}{{else}}HTTP status {{.Value}}{{end}}`}}
	case cmd.Kind == KindBuiltin && cmd.Builtin != nil && cmd.Builtin.Name == "process-count":
		// The pattern goes into the template as a string constant, so that
		// "{{" in a regular expression is text, not template syntax.
		pat := "{{" + strconv.Quote(strconv.Quote(cmd.Params["pattern"])) + "}}"

		if v := cmd.procMin; v != "" {
			add = append(add, implicit{"too few processes", "count", "< " + v, "{{.Value}} processes match " + pat + ", want at least " + v})
		}
		if v := cmd.procMax; v != "" {
			add = append(add, implicit{"too many processes", "count", "> " + v, "{{.Value}} processes match " + pat + ", want at most " + v})
		}
	}
	if cmd.implicitLocal {
		for _, r := range cmd.Alerts {
			if r.Action != nil {
				d.fail(at, p+".servers", "", "an alert has an action, but the probe has no servers: the action would run on this machine, not where the service is",
					"add servers: [HOST] where the service runs (with via: ssh or {host} in the address), or local: true if it runs here")
				break
			}
		}
	}
	for _, im := range add {
		if slices.ContainsFunc(cmd.Alerts, func(r *alerts.Rule) bool { return r.Name == im.name }) {
			continue
		}
		tr, err := alerts.ParseTrigger(im.trigger, parse.TypeAuto)
		var msg *template.Template
		if err == nil {
			msg, err = template.New(p).Funcs(alerts.MsgFuncs).Option("missingkey=error").Parse(im.msg)
		}
		if err != nil {
			d.fail(at, p, im.trigger, "internal error: implicit alert "+im.name+": "+err.Error(), "report this")
			continue
		}
		sev := alerts.SeverityCritical
		if im.name == "plugin warning" {
			sev = alerts.SeverityWarning
		}
		r := &alerts.Rule{Name: im.name, Column: im.column, Trigger: tr, For: 1, Severity: sev,
			Msg: msg}
		r.Handlers = c.defaultHandlers(cmd)
		cmd.handlerLines = append(cmd.handlerLines, c.defaultHandlerLines(cmd, at))
		cmd.Alerts = append(cmd.Alerts, r)
	}
}

// defaultHandlers are the handlers of an alert that names none.
func (c *Config) defaultHandlers(cmd *Command) []string {
	if len(cmd.Handlers) > 0 {
		return append([]string(nil), cmd.Handlers...)
	}
	return []string{DefaultHandler}
}

func (c *Config) defaultHandlerLines(cmd *Command, at *yaml.Node) []int {
	if len(cmd.Handlers) > 0 {
		return append([]int(nil), cmd.defaultHandlerLines...)
	}
	return []int{at.Line}
}

// action reads an alert's remediation: {cmd, max, within, grace}. within
// is a number of runs ("5" or "5 runs").
func (d *decoder) action(p string, n *yaml.Node) *alerts.Action {
	a := &alerts.Action{Max: alerts.DefaultActionMax, Within: alerts.DefaultActionWithin}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		a.Cmd = n.Value // action: "sudo systemctl restart myapp"
	} else {
		var within string
		seen := d.mapping(n, p, []field{
			{"cmd", d.str(&a.Cmd)},
			{"max", d.integer(&a.Max, 1, "5")},
			{"within", d.str(&within)},
			{"grace", d.duration(&a.Grace, false)},
		})
		if within != "" {
			w, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(strings.TrimSpace(within), "runs"), "run")))
			if err != nil || w < 1 {
				d.fail(seen["within"], p+".within", within, "not a number of runs", `write e.g. within: 5 (or "5 runs"): the guard counts actions in the last 5 runs`)
			} else {
				a.Within = w
			}
		}
		if a.Max > a.Within {
			d.fail(orAt(seen["max"], n), p+".max", strconv.Itoa(a.Max), fmt.Sprintf("max %d actions within %d runs can never be reached (at most one action per run)", a.Max, a.Within),
				"make max at most within, e.g. max: 5, within: 5")
		}
	}
	if strings.TrimSpace(a.Cmd) == "" {
		d.fail(n, p+".cmd", "", "an action needs cmd: the shell line to run on the host", `write action: {cmd: "sudo systemctl restart myapp", max: 5, within: 5}`)
	}
	return a
}

// localName is the host name of a command that runs here: "localhost", or
// for a probe without servers what it probes ("example.com",
// "db.example.com:5432"), so that messages say what is down.
func (c *Command) localName() string {
	switch {
	case c.Kind == KindURL && c.HTTP != nil:
		if u, err := url.Parse(c.HTTP.URL); err == nil && u.Host != "" {
			return u.Host
		}
	case c.Kind == KindTCP && c.TCP != nil:
		return c.TCP.Addr
	}
	return "localhost"
}

// Describe is the command's doc, or when it has none, what it runs:
// "GET http://...", "tcp db:5432", "builtin disk", "nagios: check_disk ...".
func (c *Command) Describe() string {
	if c.Doc != "" {
		return c.Doc
	}
	switch c.Kind {
	case KindURL:
		m := c.HTTP.Method
		if m == "" {
			m = "GET"
		}
		s := m + " " + c.HTTP.URL
		if c.Via != "" {
			s += " via " + c.Via
		}
		return s
	case KindTCP:
		return "tcp " + c.TCP.Addr
	case KindBuiltin:
		return "builtin " + c.Builtin.Name
	}
	if c.Nagios {
		return "nagios: " + c.Cmd
	}
	return c.Cmd
}

// entryAt returns the key node of name in mapping n (so that an error about
// one entry is reported on its own line), or at when it is not there.
func entryAt(n *yaml.Node, name string, at *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				return n.Content[i]
			}
		}
	}
	return at
}

// paramInError returns the entry of the params: mapping n whose name the
// error quotes (the built-ins quote the param they refuse), or nil.
func paramInError(n *yaml.Node, err error) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if strings.Contains(err.Error(), strconv.Quote(n.Content[i].Value)) {
			return n.Content[i]
		}
	}
	return nil
}
