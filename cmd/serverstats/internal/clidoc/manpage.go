package clidoc

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// ManPage writes serverstats(1) in roff from the same tables as the usage
// page: the switches, the built-in commands and the closing notes.
func ManPage(w io.Writer, s Spec) {
	fmt.Fprint(w, `.\" serverstats(1), generated from the command line's tables by clidoc.ManPage:
.\" go test ./cmd/serverstats -run TestManPages -update rewrites it.
.TH SERVERSTATS 1 "" "serverstats" "User Commands"
.SH NAME
serverstats \- run commands on groups of servers, read their output as typed tables, and alert
.SH SYNOPSIS
.B serverstats
[\fIswitches\fR] \fICOMMAND\fR [\fIswitches\fR]
.SH DESCRIPTION
.B serverstats
runs a command of its config (see
.BR serverstats.yaml (5))
on groups of servers over SSH, or probes a URL or a port, reads the output as a typed table,
and with
.B \-\-alerts
evaluates the command's rules and sends what fires to its handlers (email, SMS, a program, a webhook).
.B serverstats run
does the same on each command's schedule as a daemon under systemd.
Switches may come before or after the command;
.B \-\-
ends them.
.SH OPTIONS
`)
	for _, sw := range s.Switches {
		fmt.Fprintln(w, ".TP")
		var names []string
		for _, n := range []string{sw.Short, sw.Long} {
			if n != "" {
				names = append(names, `\fB`+roff(n)+`\fR`)
			}
		}
		line := strings.Join(names, ", ")
		if sw.Arg != "" {
			line += ` \fI` + roff(sw.Arg) + `\fR`
		}
		fmt.Fprintln(w, line)
		fmt.Fprintln(w, roff(sw.Doc))
	}
	fmt.Fprintln(w, ".SH COMMANDS")
	for _, b := range s.Builtins {
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roff(b.Name), roff(b.Doc))
	}
	fmt.Fprint(w, `.TP
.I NAME
any command of the config: run it once on its servers and print a table per server
(with \fB\-\-alerts\fR, evaluate its rules).
.B serverstats help
lists them.
`)
	for _, n := range Notes {
		fmt.Fprintf(w, ".SH %s\n%s\n", n.Section, roff(strings.ReplaceAll(n.Text, "\n", " ")))
	}
	fmt.Fprint(w, `.SH ENVIRONMENT
.TP
.B SERVERSTATS_CONFIG
the config file when \fB\-c\fR is not given.
.TP
.B NO_COLOR
never colour the output.
.TP
.BR NOTIFY_SOCKET ", " WATCHDOG_USEC
set by systemd for \fBserverstats run\fR as a \fBType=notify\fR service: it reports ready, reloading
and stopping, and pings the watchdog only while its scheduler runs.
.SH SEE ALSO
.BR serverstats.yaml (5),
.BR systemd.service (5),
.BR crontab (5),
.BR ssh_config (5)
`)
}

// ConfigManPage writes serverstats.yaml(5) in roff from the config's JSON
// Schema (config.Schema): each section and key with its description.
func ConfigManPage(w io.Writer, schema []byte) error {
	var root node
	if err := json.Unmarshal(schema, &root); err != nil {
		return fmt.Errorf("read the schema: %w", err)
	}
	fmt.Fprintf(w, `.\" serverstats.yaml(5), generated from config/schema.json by clidoc.ConfigManPage:
.\" go test ./cmd/serverstats -run TestManPages -update rewrites it.
.TH SERVERSTATS.YAML 5 "" "serverstats" "File Formats"
.SH NAME
serverstats.yaml \- the serverstats config file
.SH DESCRIPTION
%s
Unknown keys are errors;
.B serverstats check\-config
reports each problem with its file, line and a fix.
Durations are written with a unit (30s, 5m, 4h).
Lists may be written as one value.
The JSON Schema is printed by
.BR "serverstats schema" ;
editors that use yaml\-language\-server read it from a first line such as
.EX
# yaml\-language\-server: $schema=/usr/share/serverstats/schema.json
.EE
.SH SECTIONS
`, roff(root.Description))
	for _, k := range root.keys() {
		sec := root.Properties[k]
		fmt.Fprintf(w, ".SS %s\n%s\n", roff(k+":"), roff(sec.Description))
		switch {
		case k == "commands":
			cmd := sec.AdditionalProperties
			fmt.Fprintln(w, ".PP\nEach command, by name, has these keys:")
			writeKeys(w, cmd)
			rule := cmd.Properties["alerts"].AnyOf[1].Items
			fmt.Fprintln(w, ".PP\nEach rule of a command's \\fBalerts:\\fR has these keys:")
			writeKeys(w, rule)
		case k == "handlers":
			fmt.Fprintln(w, ".PP\nEach handler, by name, has a \\fBtype:\\fR and that type's keys:")
			for _, v := range sec.AdditionalProperties.OneOf {
				fmt.Fprintf(w, ".PP\n\\fBtype: %s\\fR\n", roff(v.Properties["type"].Const))
				writeKeys(w, v)
			}
		case sec.Items != nil:
			writeKeys(w, sec.Items)
		case sec.AdditionalProperties != nil && len(sec.AdditionalProperties.Properties) > 0:
			writeKeys(w, sec.AdditionalProperties)
		default:
			writeKeys(w, sec)
		}
	}
	fmt.Fprint(w, `.SH FILES
.TP
.I /etc/serverstats/config.yaml
the config of the packaged service.
.TP
.I /etc/serverstats/env
the packaged service's secrets, NAME=value lines (its EnvironmentFile=) that the
\fB*-env\fR keys name; mode 0600, root's. The first install writes the status page's
SERVERSTATS_PAGE_TOKEN there.
.TP
.I /usr/share/serverstats/schema.json
its JSON Schema.
.SH SEE ALSO
.BR serverstats (1)
`)
	return nil
}

// node is the part of a JSON Schema the man page reads.
type node struct {
	Description          string           `json:"description"`
	Properties           map[string]*node `json:"properties"`
	AdditionalProperties *node            `json:"additionalProperties"`
	Items                *node            `json:"items"`
	AnyOf                []*node          `json:"anyOf"`
	OneOf                []*node          `json:"oneOf"`
	Enum                 []any            `json:"enum"`
	Const                string           `json:"const"`
}

// UnmarshalJSON reads a schema node; "additionalProperties": false is a nil node.
func (n *node) UnmarshalJSON(b []byte) error {
	if string(b) == "false" || string(b) == "true" {
		return nil
	}
	type plain node
	return json.Unmarshal(b, (*plain)(n))
}

func (n *node) keys() []string {
	var out []string
	for k := range n.Properties {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func writeKeys(w io.Writer, n *node) {
	if n == nil {
		return
	}
	for _, k := range n.keys() {
		p := n.Properties[k]
		doc := p.Description
		if len(p.Enum) > 0 && !strings.Contains(doc, " or ") {
			var vals []string
			for _, v := range p.Enum {
				vals = append(vals, fmt.Sprint(v))
			}
			doc += " (" + strings.Join(vals, ", ") + ")"
		}
		fmt.Fprintf(w, ".TP\n.B %s\n%s\n", roff(k), roff(doc))
	}
}

// roff escapes text for a roff line: backslashes, hyphens, a leading dot
// or quote, and characters beyond ASCII as \[uXXXX].
func roff(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\e`)
		case r == '-':
			b.WriteString(`\-`)
		case r > 126:
			fmt.Fprintf(&b, `\[u%04X]`, r)
		default:
			b.WriteRune(r)
		}
	}
	out := b.String()
	if strings.HasPrefix(out, ".") || strings.HasPrefix(out, "'") {
		out = `\&` + out
	}
	return out
}
