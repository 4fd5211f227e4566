// Package scaffold writes what runs the daemon as a service: a systemd unit
// and a monit check of its /healthz.
package scaffold

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"text/template"

	"serverstats/config"
)

var unitTemplate = template.Must(template.New("unit").Parse(`# serverstats daemon: systemd unit written by "serverstats scaffold{{if .Shard}} --shard {{.Shard}}{{end}}".
# Install: cp {{.Name}}.service /etc/systemd/system/ && systemctl daemon-reload
#          systemctl enable --now {{.Name}}
{{- if .Shard}}
# Shard {{.Shard}}: this instance runs only the hosts of its shard (rendezvous
# hashing of the host names); run this unit on a second machine as well for
# a replica (see docs/deployment.md).
{{- end}}
# Secrets (SMTP_PASSWORD, TWILIO_AUTH_TOKEN, ...) go in /etc/serverstats/env,
# mode 0600, one NAME=value a line; never in the config.
[Unit]
Description=serverstats threshold monitoring and alerting{{if .Shard}} (shard {{.Shard}}){{end}}
Documentation=https://github.com/serverstats/serverstats
Wants=network-online.target
After=network-online.target

[Service]
# The daemon tells systemd when it is ready, reloading and stopping, and
# pings the watchdog only while its scheduler ticks: a wedged daemon is
# restarted.
Type=notify
NotifyAccess=main
WatchdogSec=30s
User={{.User}}
Group={{.Group}}
ExecStartPre={{.Binary}} check-config -c {{.Config}}
ExecStart={{.Binary}} run -c {{.Config}} --state /var/lib/serverstats/state.db{{if .Shard}} --shard {{.Shard}}{{end}}
ExecReload=/bin/kill -HUP $MAINPID
EnvironmentFile=-/etc/serverstats/env
Restart=on-failure
RestartSec=5s
# SIGTERM lets runs and deliveries finish (daemon.grace, default 30s);
# anything undelivered stays in the outbox for the next start.
TimeoutStopSec=45s
KillMode=mixed

# State (alert states, mutes, outbox) lives here, owned by {{.User}}.
StateDirectory=serverstats
StateDirectoryMode=0700
LogsDirectory=serverstats

# Hardening that keeps SSH working: the user's ~/.ssh (keys, known_hosts,
# config) stays readable, and writable for host-key-policy: accept-new.
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={{.Home}}/.ssh
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
RestrictNamespaces=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
SystemCallArchitectures=native
CapabilityBoundingSet=
UMask=0077

[Install]
WantedBy=multi-user.target
`))

var monitTemplate = template.Must(template.New("monit").Parse(`# serverstats health check for monit, written by "serverstats scaffold".
# Install: cp serverstats.monitrc /etc/monit/conf.d/serverstats && monit reload
# monit restarts serverstats when /healthz stops answering "Status OK",
# and gives up (alerting you) if that happens 3 times in 5 cycles.
check host serverstats with address {{.Host}}
    start program = "{{.Start}}" with timeout 30 seconds
    stop program  = "{{.Stop}}" with timeout 60 seconds
    if failed
        port {{.Port}} protocol http
        request "/healthz"
        status = 200
        content = "Status OK"
        timeout 10 seconds
    then restart
    if 3 restarts within 5 cycles then unmonitor
`))

// Options are the switches of `serverstats scaffold`.
type Options struct {
	Dir  string    // --out: where to write (default ".")
	User string    // --user: who runs serverstats (default serverstats)
	Cron bool      // --cron: print crontab lines to Stdout instead of writing files
	Out  io.Writer // where --cron prints
	// Shard (--shard K/N) writes the unit of one shard,
	// serverstats-shard-K-of-N.service, whose daemon runs --shard K/N.
	Shard config.Shard
}

// Write writes serverstats.service and serverstats.monitrc into o.Dir for
// the daemon running as o.User with cfg, and returns the paths written.
// With o.Cron it prints crontab lines instead (see Crontab).
func Write(cfg *config.Config, o Options) ([]string, error) {
	dir, user := o.Dir, o.User
	if dir == "" {
		dir = "."
	}
	if user == "" {
		user = "serverstats"
	}
	bin, err := os.Executable()
	if err != nil || strings.Contains(bin, "go-build") {
		bin = "/usr/local/bin/serverstats"
	}
	cfgPath, _ := filepath.Abs(cfg.File)
	if o.Cron {
		return nil, Crontab(o.Out, cfg, bin, cfgPath, user)
	}
	home := "/home/" + user
	if user == "root" {
		home = "/root"
	}
	host, port, _ := net.SplitHostPort(cfg.Daemon.Listen)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	name, shard := "serverstats", o.Shard.String()
	if shard != "" {
		name = fmt.Sprintf("serverstats-shard-%d-of-%d", o.Shard.K, o.Shard.N)
	}
	files := []struct {
		name string
		tmpl *template.Template
		data any
	}{
		{name + ".service", unitTemplate, map[string]string{"User": user, "Group": user, "Binary": bin, "Config": cfgPath, "Home": home,
			"Name": name, "Shard": shard}},
		{name + ".monitrc", monitTemplate, map[string]string{"Host": host, "Port": port,
			"Start": "/bin/systemctl start " + name, "Stop": "/bin/systemctl stop " + name}},
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var wrote []string
	for _, f := range files {
		var b strings.Builder
		if err := f.tmpl.Execute(&b, f.data); err != nil {
			return wrote, err
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(f.name, ".monitrc") {
			mode = 0o600 // monit refuses control files others can read
		}
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte(b.String()), mode); err != nil {
			return wrote, err
		}
		wrote = append(wrote, p)
	}
	return wrote, nil
}
