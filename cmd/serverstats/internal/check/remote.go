package check

import (
	"fmt"
	"io"
	"log/slog"

	"serverstats/collectors"
	"serverstats/config"
)

// SSHOptions are the SSH collectors' options from the config's ssh: section.
func SSHOptions(cfg *config.Config, log *slog.Logger) collectors.SSHOptions {
	o := collectors.SSHOptions{
		User:           cfg.SSH.User,
		KnownHosts:     cfg.SSH.KnownHosts,
		HostKeyPolicy:  cfg.SSH.HostKeyPolicy,
		IdentityFiles:  cfg.SSH.IdentityFiles,
		SSHConfig:      cfg.SSH.SSHConfig,
		UseAgent:       cfg.SSH.Agent,
		ConnectTimeout: cfg.SSH.ConnectTimeout,
		Logger:         log,
	}
	if o.SSHConfig == "none" {
		o.SSHConfig = ""
	}
	return o
}

// OneShotRemote is the one-shot's remote collector: a new connection per
// host per run. When it cannot be built, every SSH host is UNKNOWN with the
// reason (and told as such).
func OneShotRemote(cfg *config.Config, log *slog.Logger) collectors.Collector {
	s, err := collectors.NewSSH(SSHOptions(cfg, log))
	if err != nil {
		return Failing{fmt.Errorf("%w: set up ssh: %v", collectors.ErrConnect, err)}
	}
	return s
}

// DaemonRemote is the daemon's remote collector: a pool keeping one
// connection per host across runs and commands. The closer ends its
// connections; it is nil when the pool could not be built.
func DaemonRemote(cfg *config.Config, log *slog.Logger) (collectors.Collector, io.Closer) {
	p, err := collectors.NewPool(SSHOptions(cfg, log), collectors.PoolOptions{})
	if err != nil {
		return Failing{fmt.Errorf("%w: set up ssh: %v", collectors.ErrConnect, err)}, nil
	}
	return p, p
}

// InsecureWarning is the warning every run over SSH gives while host keys
// are not checked (ssh.host-key-policy: insecure-ignore); "" otherwise.
func InsecureWarning(cfg *config.Config) string {
	if cfg.SSH.HostKeyPolicy != collectors.PolicyInsecureIgnore {
		return ""
	}
	return "ssh.host-key-policy is insecure-ignore: host keys are not checked, so anyone on the path can impersonate a server; use accept-new or strict"
}

// NeedsSSH reports whether cmd reaches any host over SSH: to run its line,
// to probe through (via: ssh), or to run a remediation.
func NeedsSSH(cmd *config.Command) bool {
	if cmd.Local {
		return false
	}
	if cmd.IsProbe() && cmd.Via == "" && !hasActions(cmd) {
		return false
	}
	for _, t := range cmd.Targets {
		if !t.Local {
			return true
		}
	}
	return false
}

func hasActions(cmd *config.Command) bool {
	for _, r := range cmd.Alerts {
		if r.Action != nil {
			return true
		}
	}
	return false
}
