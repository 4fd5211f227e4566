package main

import (
	"fmt"
	"strconv"
	"strings"

	"serverstats/cmd/serverstats/internal/scaffold"
	"serverstats/config"
)

// opts are the parsed switches. Switches may come before or after the
// command name.
type opts struct {
	config   string
	state    string
	alerts   bool
	json     bool
	raw      bool
	noColor  bool
	probe    bool   // check-config --probe
	since    string // history --since
	help     bool
	version  bool
	command  string
	args     []string // positional arguments after the command
	parseOpt parseOpts
	muteOpt  muteOpts
	scaffold scaffold.Options
	shard    config.Shard // --shard K/N; the zero Shard: the config's shard:
}

// muteOpts are the switches of `serverstats mute`.
type muteOpts struct {
	host, command, rule, reason, forText, until string
	untilResolved                               bool
}

// parseOpts are the switches of `serverstats parse`.
type parseOpts struct {
	typ        string
	column     string
	noHeader   bool
	headerLine int
	skipLines  int
	sizeBase   int
}

// switchDoc is one row of the usage page's switch table (and of the
// completions and the man page: clidoc.Switches).
type switchDoc struct {
	Short, Long, Arg, Doc string
	Value                 bool // takes a value
}

var switches = []switchDoc{
	{"-c", "--config", "FILE", "config file (where else it is looked for: below)", true},
	{"", "--state", "FILE", "alert state and outbox file (default: below)", true},
	{"-a", "--alerts", "", "evaluate the rules; send what fires to the handlers and on-command-failure", false},
	{"", "--no-alerts", "", "only print the tables (the default)", false},
	{"", "--json", "", "print one JSON document instead of tables", false},
	{"", "--raw", "", "print each server's raw output instead of a parsed table", false},
	{"", "--no-color", "", "never colour the output (colour: only on a terminal, never with NO_COLOR)", false},
	{"", "--type", "T", "parse: read cells as T (string, number, percent, bytes, bool, duration); default: guess", true},
	{"", "--column", "C", "parse: show only column C (header text or #N)", true},
	{"", "--no-header", "", "parse: the output has no header; one value per line", false},
	{"", "--header-line", "N", "parse: the header is line N", true},
	{"", "--skip-lines", "N", "parse: drop the first N lines", true},
	{"", "--size-base", "B", "parse: read K, M, G as si (1000) or binary (1024); default: from the output, else binary", true},
	{"", "--host", "H", "mute, ack, explain, history: only alerts of host H (as written in the config)", true},
	{"", "--command", "C", "mute, ack, explain, history: only alerts of command C", true},
	{"", "--rule", "R", "mute, ack, explain: only alerts of rule R (its name, e.g. \"Use% > 90\")", true},
	{"", "--since", "D", "history: attempts of the last D (90m, 12h, 3d) or since a time (2026-12-03 03:00)", true},
	{"", "--probe", "", "check-config: also connect and log in to each SMTP server and Twilio, sending nothing", false},
	{"", "--for", "D", "mute: how long, e.g. 30m, 2h, 3d (required: every mute expires)", true},
	{"", "--reason", "TEXT", "mute, ack: why, shown in serverstats status and in messages", true},
	{"", "--until", "D", "ack: end the acknowledgement after D (e.g. 4h) even if the alert still fires", true},
	{"", "--until-resolved", "", "mute: end the mute when an alert it covers resolves (at most --for, default 7d)", false},
	{"", "--user", "U", "scaffold: the user the daemon runs as (default serverstats)", true},
	{"", "--out", "DIR", "scaffold: where to write the unit and the monit check (default .)", true},
	{"", "--shard", "K/N", "run only the hosts of shard K of N (wins over shard:); scaffold: that shard's unit", true},
	{"", "--cron", "", "scaffold: print crontab lines (one-shot --alerts, flock, a log) instead", false},
	{"-h", "--help", "", "print this page and exit 0", false},
	{"", "--version", "", "print the version and exit 0", false},
}

// usageError is a bad command line: its message is printed before the usage page.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// parseArgs reads switches anywhere on the line; the first non-switch word is
// the command. "--" ends switches.
func parseArgs(args []string) (*opts, error) {
	o := &opts{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.positional(args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.positional(a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		sw := lookupSwitch(name)
		if sw == nil {
			return nil, &usageError{fmt.Sprintf("unknown switch %s", name)}
		}
		if sw.Value && !hasVal {
			if i+1 >= len(args) {
				return nil, &usageError{fmt.Sprintf("switch %s needs a value (%s)", name, sw.Arg)}
			}
			i++
			val = args[i]
		} else if !sw.Value && hasVal {
			return nil, &usageError{fmt.Sprintf("switch %s takes no value", name)}
		}
		if err := o.set(sw.Long, val); err != nil {
			return nil, err
		}
	}
	return o, nil
}

func (o *opts) positional(words ...string) {
	for _, w := range words {
		if o.command == "" {
			o.command = w
		} else {
			o.args = append(o.args, w)
		}
	}
}

func lookupSwitch(name string) *switchDoc {
	for i := range switches {
		if name == switches[i].Long || (switches[i].Short != "" && name == switches[i].Short) {
			return &switches[i]
		}
	}
	return nil
}

func (o *opts) set(long, val string) error {
	num := func() (int, error) {
		n, err := strconv.Atoi(val)
		if err != nil || n < 0 {
			return 0, &usageError{fmt.Sprintf("switch %s needs a whole number, got %q", long, val)}
		}
		return n, nil
	}
	var err error
	switch long {
	case "--config":
		o.config = val
	case "--state":
		o.state = val
	case "--alerts":
		o.alerts = true
	case "--no-alerts":
		o.alerts = false
	case "--json":
		o.json = true
	case "--raw":
		o.raw = true
	case "--no-color":
		o.noColor = true
	case "--probe":
		o.probe = true
	case "--since":
		o.since = val
	case "--help":
		o.help = true
	case "--version":
		o.version = true
	case "--host":
		o.muteOpt.host = val
	case "--command":
		o.muteOpt.command = val
	case "--rule":
		o.muteOpt.rule = val
	case "--for":
		o.muteOpt.forText = val
	case "--reason":
		o.muteOpt.reason = val
	case "--until":
		o.muteOpt.until = val
	case "--until-resolved":
		o.muteOpt.untilResolved = true
	case "--user":
		o.scaffold.User = val
	case "--out":
		o.scaffold.Dir = val
	case "--shard":
		if o.shard, err = config.ParseShard(val); err != nil {
			err = &usageError{fmt.Sprintf("switch --shard: %v (e.g. --shard 2/3)", err)}
		}
	case "--cron":
		o.scaffold.Cron = true
	case "--type":
		o.parseOpt.typ = val
	case "--column":
		o.parseOpt.column = val
	case "--no-header":
		o.parseOpt.noHeader = true
	case "--header-line":
		o.parseOpt.headerLine, err = num()
	case "--skip-lines":
		o.parseOpt.skipLines, err = num()
	case "--size-base":
		switch val {
		case "si", "1000":
			o.parseOpt.sizeBase = 1000
		case "binary", "1024":
			o.parseOpt.sizeBase = 1024
		default:
			err = &usageError{fmt.Sprintf("switch --size-base takes si or binary, got %q", val)}
		}
	}
	return err
}
