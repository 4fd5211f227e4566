package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"serverstats/cmd/serverstats/internal/check"
	"serverstats/cmd/serverstats/internal/clidoc"
	"serverstats/cmd/serverstats/internal/configcheck"
	"serverstats/cmd/serverstats/internal/textout"
	"serverstats/config"
)

// builtin is a subcommand that is not a config command.
type builtin struct {
	name, doc string
	run       func(a *app, ctx context.Context, o *opts) int
}

var builtins = []builtin{
	{"check-config", "validate the config and exit 0 if valid, 1 if not (like monit -t); --probe: log in to SMTP and Twilio too", (*app).checkConfig},
	{"parse", "read a command's output on stdin and show how serverstats types it", (*app).parse},
	{"run", "run as a daemon: every command with a schedule, status endpoint, SIGHUP reloads", (*app).runDaemon},
	{"status", "show alert states, mutes and undelivered messages (--json for a document)", (*app).status},
	{"history", "the delivery trail: each attempt, recipient, outcome and receipt: history [--host H] [--command C] [--since D]", (*app).history},
	{"mute", "silence alerts: mute [--host H] [--command C] [--rule R] --for 2h --reason TEXT", (*app).mute},
	{"unmute", "remove a mute: unmute ID", (*app).unmute},
	{"ack", "acknowledge a firing alert: ack --host H --command C [--rule R] --reason TEXT [--until D]", (*app).ack},
	{"explain", "why was I (not) paged: explain --host H --command C [--rule R] [--json]", (*app).explain},
	{"state", "state reset: move a broken state file aside, keeping its undelivered messages", (*app).state},
	{"test-alert", "send a sample notification through a handler now: test-alert HANDLER", (*app).testAlert},
	{"scaffold", "write a systemd unit and a monit check for the daemon: scaffold [--user U] [--out DIR]; --cron: crontab lines", (*app).scaffold},
	{"completion", "print a shell completion script: completion bash|zsh|fish", nil},
	{"schema", "print the config's JSON Schema (editors: yaml-language-server)", func(a *app, _ context.Context, _ *opts) int { return clidoc.Print(a.stdout, config.Schema) }},
	{"version", "print the version, VCS revision and build date (also --version)", nil},
	{"help", "print this page", nil},
}

// run executes one command line and returns the exit code.
func (a *app) run(ctx context.Context, args []string) int {
	o, err := parseArgs(args)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n\n", err)
		a.usage(a.stderr, "")
		return exitUsage
	}
	if o.version || o.command == "version" {
		fmt.Fprint(a.stdout, clidoc.Version(version))
		return exitOK
	}
	if o.help || o.command == "help" {
		a.usage(a.stdout, o.config)
		return exitOK
	}
	if o.command == "completion" { // not in the table's run column: it reads the table
		return a.completion(o)
	}
	if o.command == "" {
		a.usage(a.stdout, o.config)
		return exitUsage
	}
	for _, b := range builtins {
		if b.name == o.command && b.run != nil {
			return b.run(a, ctx, o)
		}
	}
	cfg, err := a.load(o)
	if err != nil {
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return exitUsage
	}
	cmd := cfg.Command(o.command)
	if cmd == nil {
		fmt.Fprintf(a.stderr, "serverstats: unknown command %q\n\n", o.command)
		a.usageWith(a.stderr, cfg, nil)
		return exitUsage
	}
	if len(o.args) > 0 {
		fmt.Fprintf(a.stderr, "serverstats: unexpected argument %q after command %s\n", o.args[0], cmd.Name)
		return exitUsage
	}
	return a.oneShot(ctx, cfg, cmd, o)
}

// completion prints a completion script, or (completion commands) the
// config's command names, which the scripts ask for as they complete.
func (a *app) completion(o *opts) int {
	spec := clidoc.Spec{Switches: clidoc.Switches(switches)}
	for _, b := range builtins {
		spec.Builtins = append(spec.Builtins, clidoc.Command{Name: b.name, Doc: b.doc})
	}
	return clidoc.CompletionMain(a.stdout, a.stderr, o.args, spec, func() (names []string) {
		if cfg, err := a.loadConfig(o.config); err == nil {
			for _, c := range sortedCommands(cfg) {
				names = append(names, c.Name)
			}
		}
		return names
	})
}

// loadConfig finds and loads the config.
func (a *app) loadConfig(explicit string) (*config.Config, error) {
	if explicit == "" {
		explicit = a.getenv("SERVERSTATS_CONFIG")
	}
	path, err := config.Find(explicit)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// load is loadConfig with --shard applied over the config's shard:.
func (a *app) load(o *opts) (*config.Config, error) {
	cfg, err := a.loadConfig(o.config)
	if err == nil && o.shard.N > 0 {
		cfg.Shard = o.shard
	}
	return cfg, err
}

func (a *app) checkConfig(ctx context.Context, o *opts) int {
	cfg, err := a.loadConfig(o.config)
	if err != nil {
		var es config.Errors
		if errors.As(err, &es) {
			for _, e := range es {
				fmt.Fprintln(a.stderr, e)
			}
			fmt.Fprintf(a.stderr, "%d error(s); the config is not valid\n", len(es))
			return 1
		}
		fmt.Fprintf(a.stderr, "serverstats: %v\n", err)
		return 1
	}
	hosts := map[string]bool{}
	for _, c := range cfg.Commands {
		for _, h := range c.Hosts {
			hosts[h] = true
		}
	}
	fmt.Fprintf(a.stdout, "config OK: %s (%d commands, %d hosts, %d handlers)\n", cfg.File, len(cfg.Commands), len(hosts), len(cfg.Handlers))
	if w := check.InsecureWarning(cfg); w != "" {
		fmt.Fprintln(a.stderr, "warning: "+w)
	}
	for _, w := range configcheck.SecretWarnings(cfg, a.getenv) {
		fmt.Fprintln(a.stderr, "warning: "+w)
	}
	if o.probe && !configcheck.Probe(ctx, cfg, a.getenv, a.stdout) {
		return 1
	}
	return exitOK
}

// usage prints the usage page; the config's commands are listed when one
// can be loaded.
func (a *app) usage(w io.Writer, explicit string) {
	cfg, err := a.loadConfig(explicit)
	a.usageWith(w, cfg, err)
}

func (a *app) usageWith(w io.Writer, cfg *config.Config, cfgErr error) {
	fmt.Fprintln(w, "Usage: serverstats [switches] COMMAND [switches]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Switches:")
	t := textout.NewTable(w, []string{"switch", "argument", "meaning"})
	for _, s := range switches {
		name := s.Long
		if s.Short != "" {
			name = s.Short + ", " + s.Long
		}
		t.Row(name, s.Arg, s.Doc)
	}
	t.Render()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Built-in commands:")
	t = textout.NewTable(w, []string{"command", "doc"})
	for _, b := range builtins {
		t.Row(b.name, b.doc)
	}
	t.Render()
	fmt.Fprintln(w)
	switch {
	case cfg != nil:
		fmt.Fprintf(w, "Valid commands are (from %s):\n", cfg.File)
		t = textout.NewTable(w, []string{"command", "doc"})
		for _, c := range sortedCommands(cfg) {
			t.Row(c.Name, truncate(c.Describe(), 90))
		}
		t.Render()
	case cfgErr != nil:
		fmt.Fprintf(w, "Valid commands are listed from the config, which could not be loaded:\n  %s\n", strings.ReplaceAll(cfgErr.Error(), "\n", "\n  "))
	}
	for _, n := range clidoc.Notes {
		fmt.Fprintf(w, "\n%s: %s\n", n.Title, n.Text)
	}
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
