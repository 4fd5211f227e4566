package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
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

// Each bad config has its own file and its exact message.
func TestLoadBad(t *testing.T) {
	cases := map[string]string{
		"bad-unknown-key.yaml":       `bad-unknown-key.yaml:8: commands.disk.alerts[0].mute_for: unknown key "mute_for"; fix: did you mean "mute-for"? valid keys here: clear, column, for, handlers, msg, mute-for, name, repeat, severity, trigger, value-type`,
		"bad-undefined-group.yaml":   `bad-undefined-group.yaml:5: commands.disk.servers: undefined group (got "web-server"); fix: did you mean "web-servers"? defined groups: web-servers; or define it under groups:, or name a host directly with a dot, user@ or :port (localhost runs here)`,
		"bad-undefined-handler.yaml": `bad-undefined-handler.yaml:10: commands.disk.alerts[0].handlers: undefined handler (got "emial"); fix: did you mean "email"? define it under handlers: or use one of: email, print`,
		"bad-trigger.yaml":           `bad-trigger.yaml:8: commands.disk.alerts[0].trigger: invalid trigger: threshold "ninety" is not a percent (got "> ninety"); fix: ` + "write an operator",
		"bad-duration.yaml":          `bad-duration.yaml:8: commands.disk.alerts[0].mute-for: not a duration (got "30 minutes"); fix: write a duration with a unit, e.g. "30s", "5m", "4h", or whole milliseconds as ServerStats did (300000)`,
		"bad-yaml-syntax.yaml":       `bad-yaml-syntax.yaml:3: YAML syntax error: did not find expected ',' or ']'`,
		"bad-missing-cmd.yaml":       `bad-missing-cmd.yaml:2: commands.disk.cmd: missing cmd: the shell line to run; fix: add cmd: "df -hP"`,
		"bad-value-type.yaml":        `bad-value-type.yaml:7: commands.disk.alerts[0].value-type: unknown value type (got "percentage"); fix: use one of string, number, percent, bytes, bool, duration`,
		"bad-timeout.yaml":           `bad-timeout.yaml:2: ssh.connect-timeout: not a duration (got "10"); fix: write a duration with a unit, e.g. "30s", "5m", "4h"`,
		"bad-port.yaml":              `bad-port.yaml:2: groups.web[0]: parse target "web1.example.com:99999": invalid port "99999": want a number from 1 to 65535 (got "web1.example.com:99999"); fix: write host, user@host or user@host:port`,
		"bad-reserved-name.yaml":     `bad-reserved-name.yaml:2: commands.parse: command name is reserved for a built-in subcommand (got "parse"); fix: rename it, e.g. parse-check`,
		"bad-template.yaml":          `bad-template.yaml:8: commands.disk.alerts[0].msg: bad message template: executing "commands.disk.alerts[0]" at <.Mount>: can't evaluate field Mount in type alerts.MsgData (got "{{.Mount}} is full"); fix: fields: {{.Host}}`,
		"bad-schedule.yaml":          `bad-schedule.yaml:5: commands.disk.schedule: this schedule never fires (a date that does not exist, such as April 31) (got "0 3 31 4 *"); fix: check the day-of-month and month fields`,
		"bad-handler-type.yaml":      `bad-handler-type.yaml:2: handlers.pager.type: unknown handler type (got "pagerduty"); fix: use one of print`,
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
			if !strings.HasPrefix(got, want) {
				t.Errorf("error:\n got  %s\n want %s", got, want)
			}
		})
	}
}
