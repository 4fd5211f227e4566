// Package config loads and validates a serverstats YAML config. Every error
// names file:line, the key, the bad value and the fix; unknown keys and
// dangling references are rejected at load time. It knows nothing about SSH
// or SMTP.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"serverstats/alerts"
	"serverstats/collectors"
	"serverstats/parse"
)

// Defaults applied before the file is read. The SSH ones are the
// collectors' own, so the config and the collectors cannot disagree.
const (
	DefaultConnectTimeout = collectors.DefaultConnectTimeout
	DefaultCommandTimeout = collectors.DefaultCommandTimeout
	DefaultParallel       = collectors.DefaultParallel
	DefaultKnownHosts     = collectors.DefaultKnownHosts
	DefaultSSHConfig      = collectors.DefaultSSHConfig
	DefaultHostKeyPolicy  = collectors.PolicyStrict
	DefaultRetryInitial   = 30 * time.Second
	DefaultRetryMax       = 30 * time.Minute
	DefaultTrailMaxAge    = 30 * 24 * time.Hour
	DefaultTrailEntries   = 10000
	DefaultListen         = "127.0.0.1:9920"
	DefaultGrace          = 30 * time.Second
)

// Config is a loaded, validated config.
type Config struct {
	File             string
	SSH              SSH
	Groups           []*Group // in file order
	Handlers         []*Handler
	OnCommandFailure Failure
	Commands         []*Command // in file order
	StateFile        string     // "" means the default path (see alerts.DefaultStatePath)
	Delivery         Delivery
	Daemon           Daemon
	Maintenance      []*Window // maintenance windows, in file order
	// DependsOn are each host's parents (hosts: {H: {depends-on: [...]}}):
	// while a parent is down, the host's notifications are held.
	DependsOn Dependencies
	// Heartbeat pings a dead man's switch as scheduled runs start and end.
	Heartbeat Heartbeat
	// Shard is the part of the fleet this instance runs (shard: K/N, or
	// the --shard switch); the zero Shard is all of it. See Shard.
	Shard     Shard
	hostLines map[string]int
}

// Daemon holds the settings of `serverstats run`.
type Daemon struct {
	Listen    string        // status endpoint address; loopback by default
	LogFormat string        // text or json
	LogFile   string        // "" logs to stderr; else a daily file PATH.YYYY-MM-DD
	Grace     time.Duration // on SIGTERM, how long in-flight runs and deliveries may take
	// AuthTokenFile and AuthTokenEnv name where the status page's action
	// credential is read (a file or an environment variable, never the
	// config text); with neither, the page is read-only.
	AuthTokenFile string
	AuthTokenEnv  string
	// AuthUser is the user name of HTTP basic auth; with it the token is
	// the password, without it a bearer token or any user name.
	AuthUser string
}

// Delivery is the retry schedule of undelivered messages, and the bounds
// of the delivery trail (every attempt, for serverstats history).
type Delivery struct {
	RetryInitial time.Duration // wait after the first failed attempt
	RetryMax     time.Duration // the wait doubles up to this
	TrailMaxAge  time.Duration // attempts older than this are pruned as new ones are written
	TrailEntries int           // and all but the newest TrailEntries
}

// SSH holds the connection settings shared by every command.
type SSH struct {
	User           string   // default login user; user@host in a target wins
	KnownHosts     string   // known_hosts file; "~" is expanded by the collector
	HostKeyPolicy  string   // strict, accept-new, insecure-ignore
	IdentityFiles  []string // tried after the agent and before the default keys
	SSHConfig      string   // OpenSSH client config to honour; "none" disables
	Agent          bool     // use $SSH_AUTH_SOCK
	ConnectTimeout time.Duration
	CommandTimeout time.Duration
	Parallel       int
}

// HostKeyPolicies are the accepted values of ssh.host-key-policy.
var HostKeyPolicies = []string{collectors.PolicyStrict, collectors.PolicyAcceptNew, collectors.PolicyInsecureIgnore}

// Group is a named list of hosts.
type Group struct {
	Name  string
	Hosts []string
	Line  int
}

// DefaultHandler is the handler a rule with no `handlers:` sends to. It is
// always defined, as type print, unless the config defines its own.
const DefaultHandler = "print"

// Failure says where transport failures (unreachable host, timeout, auth) go.
type Failure struct {
	Handlers []string
	lines    []int
}

// Command is one named check: what to run, where, and the rules on its output.
type Command struct {
	Name string
	Doc  string
	Kind Kind
	Cmd  string // the shell line (KindShell, and KindBuiltin's generated line)

	HTTP    *HTTPProbe        // KindURL
	TCP     *TCPProbe         // KindTCP
	Builtin *parse.Builtin    // KindBuiltin
	Params  map[string]string // KindBuiltin params, as written
	Nagios  bool              // KindShell: the line is a Nagios plugin
	Via     string            // "ssh": a probe connects from each server, through its SSH connection
	// Columns are the output's columns when they are known before it runs
	// (probes, built-ins, Nagios plugins); nil for a shell line's table.
	Columns []string
	// Handlers are the default handlers of this command's alerts that name
	// none (and of its implicit ones: a plugin's state, process-count min/max).
	Handlers []string

	Key     string   // column naming a row in messages and state
	Servers []string // as written: group names or host names
	Hosts   []string // resolved, de-duplicated, in config order
	// Targets are Hosts parsed, in the same order; Local is set for a
	// command that runs here.
	Targets  []collectors.Target
	Local    bool // run on this machine, no SSH
	Schedule string
	// Cron is Schedule parsed (nil without one).
	Cron    cron.Schedule
	Timeout time.Duration // command timeout for this command; 0 means ssh.command-timeout

	NoHeader   bool   // whole output is values, one per line (column "value")
	HasHeader  *bool  // header: true / false (positional columns #1..#N); nil guesses
	Table      string // table: which table of several (N, or the table's first header word)
	HeaderLine int
	SkipLines  int
	// SizeBase is the base of one-letter size suffixes (K, M, G) in the
	// output, from size-base: si (1000) or binary (1024), for outputs
	// that do not show it (free --si -h); 0 (auto) decides per column from
	// the output (parse.Table.SizeBase). Pass it as parse.Options.SizeBase.
	SizeBase int

	OKExitCodes []int // exit statuses that count as success; default [0]
	Alerts      []*alerts.Rule
	Line        int

	procMin, procMax    string // process-count's validated min and max
	implicitLocal       bool   // a probe without servers: runs here without saying local: true
	serverLines         []int
	defaultHandlerLines []int
	handlerLines        [][]int // per alert, per handler
	escalateRefs        []handlerRef
}

// handlerRef is a handler named at a key and line, checked once every
// handler is known.
type handlerRef struct {
	handler, key string
	line         int
}

// Kind is what a command runs.
type Kind string

// Kinds of command.
const (
	KindShell   Kind = "cmd"     // a shell line on each server (or here)
	KindURL     Kind = "url"     // an HTTP(S) probe
	KindTCP     Kind = "tcp"     // a TCP connect probe
	KindBuiltin Kind = "builtin" // a portable built-in check
)

// HTTPProbe is a url: command's request.
type HTTPProbe struct {
	URL             string // may hold {host}: each server's host name
	Method          string
	Headers         map[string]string
	HeaderEnv       map[string]string // header name -> environment variable holding its value (a secret)
	HeaderFile      map[string]string // header name -> file holding its value (a secret)
	Body            string
	CAFile          string
	Insecure        bool // insecure-skip-verify: only when asked by name
	FollowRedirects bool
}

// TCPProbe is a tcp: command's connection.
type TCPProbe struct {
	Addr   string // host:port; ":port" or {host}:port is each server's host
	Send   string
	Expect string
}

// HostPlaceholder in a probe's url: or tcp: address is replaced by each
// server's host name.
const HostPlaceholder = "{host}"

// IsProbe reports whether the command is a url: or tcp: probe.
func (c *Command) IsProbe() bool { return c.Kind == KindURL || c.Kind == KindTCP }

// Reserved are the built-in subcommand names, which a command may not take.
var Reserved = []string{"check-config", "parse", "help", "version", "run", "status", "mute", "unmute", "ack", "state", "test-alert", "scaffold", "completion", "schema", "explain", "history"}

// Default returns a config with every default set.
func Default() *Config {
	return &Config{
		Delivery: Delivery{RetryInitial: DefaultRetryInitial, RetryMax: DefaultRetryMax, TrailMaxAge: DefaultTrailMaxAge, TrailEntries: DefaultTrailEntries},
		Daemon:   Daemon{Listen: DefaultListen, LogFormat: "text", Grace: DefaultGrace},
		SSH: SSH{
			KnownHosts:     DefaultKnownHosts,
			HostKeyPolicy:  DefaultHostKeyPolicy,
			SSHConfig:      DefaultSSHConfig,
			Agent:          true,
			ConnectTimeout: DefaultConnectTimeout,
			CommandTimeout: DefaultCommandTimeout,
			Parallel:       DefaultParallel,
		}}
}

// Load reads and validates the config file at path. A problem in the file
// returns Errors (every problem found, in line order).
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse validates config text; name is used in error positions.
func Parse(name string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(name, data, err)
	}
	c := Default()
	c.File = name
	d := &decoder{file: name, src: strings.Split(string(data), "\n")}
	if len(root.Content) == 0 {
		what := "the config is empty"
		if len(bytes.TrimSpace(data)) > 0 {
			what += ": it holds only comments"
		}
		d.fail(&yaml.Node{Line: 1}, "", "", what, "define at least one command under commands:")
		return nil, d.errs
	}
	if n := secondDocument(data); n > 0 {
		d.fail(&yaml.Node{Line: n}, "", "---", "a second YAML document starts here, and serverstats reads one document per file",
			"remove this '---' line to make one document of the two (merge keys that appear in both), or split them into two config files")
		return nil, d.errs
	}
	expandAliases(&root, 0)
	d.localTags(&root, "")
	c.decode(d, root.Content[0])
	c.resolve(d)
	d.checkEnvNames()
	if len(d.errs) > 0 {
		return nil, d.errs.sorted()
	}
	return c, nil
}

// yamlError turns a YAML syntax error into an Error with the file name, at
// the line of the mistake (see locateYAMLError).
func yamlError(name string, data []byte, err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		err = errors.New(te.Errors[0])
	}
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	reported := 0
	if k, _ := fmt.Sscanf(msg, "line %d:", &reported); k == 1 {
		msg = strings.TrimPrefix(msg, fmt.Sprintf("line %d: ", reported))
	}
	line, what, fix := locateYAMLError(data, reported, msg)
	return Errors{{File: name, Line: line, Value: syntaxValue(data, line), Msg: "YAML syntax error: " + what, Fix: fix}}
}

// Find returns the config file to use: explicit (-c) if set, else
// $SERVERSTATS_CONFIG, ./serverstats.yaml, ~/.config/serverstats/config.yaml,
// /etc/serverstats/config.yaml, the first that exists.
func Find(explicit string) (string, error) {
	if explicit != "" {
		return explicit, nil
	}
	if env := os.Getenv("SERVERSTATS_CONFIG"); env != "" {
		return env, nil
	}
	candidates := SearchPath()
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("%w (looked in %v); pass -c FILE or set SERVERSTATS_CONFIG", ErrNotFound, candidates)
}

// SearchPath lists the files Find looks at after -c and $SERVERSTATS_CONFIG.
func SearchPath() []string {
	paths := []string{"serverstats.yaml"}
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".config", "serverstats", "config.yaml"))
	}
	return append(paths, "/etc/serverstats/config.yaml")
}

// Command returns the named command, or nil.
func (c *Config) Command(name string) *Command {
	return first(c.Commands, func(cmd *Command) bool { return cmd.Name == name })
}

// Handler returns the named handler, or nil.
func (c *Config) Handler(name string) *Handler {
	return first(c.Handlers, func(h *Handler) bool { return h.Name == name })
}

// first is the first of xs that match, or nil.
func first[T any](xs []*T, match func(*T) bool) *T {
	if i := slices.IndexFunc(xs, match); i >= 0 {
		return xs[i]
	}
	return nil
}

// Timeout returns the command timeout of cmd.
func (c *Config) Timeout(cmd *Command) time.Duration {
	if cmd.Timeout > 0 {
		return cmd.Timeout
	}
	return c.SSH.CommandTimeout
}
