package config

import (
	"net/url"
	"time"

	"go.yaml.in/yaml/v3"
)

// Defaults of heartbeat:.
const (
	DefaultHeartbeatEvery   = 5 * time.Minute
	DefaultHeartbeatTimeout = 10 * time.Second
)

// Heartbeat is a dead man's switch for serverstats itself: a
// Healthchecks.io-compatible URL pinged when scheduled runs start and end.
// The URL usually holds the secret of the check, so it may come from the
// environment (URLEnv) or a file (URLFile) instead of the config text.
type Heartbeat struct {
	URL     string
	URLEnv  string
	URLFile string
	// Every is the daemon's rate limit: at most one ping per Every, unless
	// the outcome changes. One-shots (cron) ping at every run.
	Every   time.Duration
	Timeout time.Duration // per ping
}

// Enabled reports whether a heartbeat is configured.
func (h Heartbeat) Enabled() bool { return h.URL != "" || h.URLEnv != "" || h.URLFile != "" }

func (c *Config) decodeHeartbeat(d *decoder, path string, n *yaml.Node) {
	h := &c.Heartbeat
	h.Every, h.Timeout = DefaultHeartbeatEvery, DefaultHeartbeatTimeout
	seen := d.mapping(n, path, []field{
		{"url", d.str(&h.URL)},
		{"url-env", d.str(&h.URLEnv)},
		{"url-file", d.str(&h.URLFile)},
		{"every", d.duration(&h.Every, false)},
		{"timeout", d.duration(&h.Timeout, false)},
	})
	set := 0
	for _, k := range []string{"url", "url-env", "url-file"} {
		if seen[k] != nil {
			set++
		}
	}
	switch {
	case set == 0:
		d.fail(n, path, "", "heartbeat: needs the URL to ping", "add url: https://hc-ping.com/<uuid>, or url-env: HEARTBEAT_URL / url-file: /etc/serverstats/heartbeat-url to keep it out of the config")
	case set > 1:
		d.fail(n, path, "", "set only one of url, url-env and url-file", "keep one of them")
	}
	if k := seen["url"]; k != nil {
		if u, err := url.Parse(h.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			// The value is not echoed: a ping URL is a credential.
			d.fail(k, path+".url", "(not shown)", "not an http(s) URL", "write e.g. url: https://hc-ping.com/<uuid>")
		}
	}
	for _, k := range []string{"every", "timeout"} {
		if seen[k] != nil && (k == "every" && h.Every == 0 || k == "timeout" && h.Timeout == 0) {
			d.fail(seen[k], path+"."+k, "0s", "must be positive", `write e.g. every: 5m, timeout: 10s`)
		}
	}
}
