package config

import (
	"strings"
	"testing"
	"time"
)

const heartbeatBase = "commands:\n  up: {cmd: uptime, local: true}\n"

// A heartbeat reads its URL from the config, the environment or a file,
// with defaults for every and timeout.
func TestHeartbeat(t *testing.T) {
	c, err := Parse("h.yaml", []byte(heartbeatBase+"heartbeat: {url-env: HB_URL, every: 2m}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h := c.Heartbeat
	if !h.Enabled() || h.URLEnv != "HB_URL" || h.Every != 2*time.Minute || h.Timeout != DefaultHeartbeatTimeout {
		t.Errorf("heartbeat = %+v", h)
	}
	c, err = Parse("h.yaml", []byte(heartbeatBase))
	if err != nil || c.Heartbeat.Enabled() {
		t.Errorf("no heartbeat: section: %+v, %v", c.Heartbeat, err)
	}
}

// Bad heartbeats are refused with file:line, the key and the fix; a URL
// written in the config is never echoed (it is the check's secret).
func TestHeartbeatErrors(t *testing.T) {
	for yaml, want := range map[string]string{
		"heartbeat: {every: 5m}\n":                                 "h.yaml:3: heartbeat: heartbeat: needs the URL to ping",
		"heartbeat: {url: https://x/a, url-env: HB}\n":             "set only one of url, url-env and url-file",
		"heartbeat: {url: ftp://secret-uuid}\n":                    "heartbeat.url",
		"heartbeat: {url: https://hc-ping.com/x, every: 0s}\n":     "heartbeat.every",
		"heartbeat: {url: https://hc-ping.com/x, timeout: soon}\n": "not a duration",
		"heartbeat: {url: https://hc-ping.com/x, evry: 5m}\n":      `did you mean "every"?`,
	} {
		_, err := Parse("h.yaml", []byte(heartbeatBase+yaml))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want it to contain %q", yaml, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-uuid") {
			t.Errorf("%s: the error shows the URL: %v", yaml, err)
		}
	}
}
