package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"go.yaml.in/yaml/v3"
)

// labelName matches a Prometheus label name.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// validateAlertmanager checks an alertmanager handler: at least one peer
// URL, each http(s) without credentials (they would end up in logs and
// errors: the credential is auth-token-env or auth-token-file, with
// auth-user for basic auth), label names Alertmanager accepts that do not
// redefine the handler's own, a positive resend.
func (h *Handler) validateAlertmanager(d *decoder, p string, at *yaml.Node, seen map[string]*yaml.Node) {
	if len(h.URLs) == 0 {
		d.fail(at, p+".urls", "", "missing urls", "add urls: [http://alertmanager-1:9093, http://alertmanager-2:9093] (every peer of the cluster)")
	}
	for i, raw := range h.URLs {
		k := fmt.Sprintf("%s.urls[%d]", p, i)
		u, err := url.Parse(raw)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			d.fail(d.at(k, seen["urls"]), k, raw, "not an http(s) URL", "write the peer's base URL, e.g. http://alertmanager-1:9093 (serverstats posts to /api/v2/alerts under it)")
		case u.User != nil:
			d.fail(d.at(k, seen["urls"]), k, u.Scheme+"://"+u.Host, "credentials in the URL", "remove user:password@ from the URL: secrets never go in the config")
		case u.RawQuery != "" || u.Fragment != "":
			d.fail(d.at(k, seen["urls"]), k, raw, "a query or fragment in the URL", "write the peer's base URL only, e.g. http://alertmanager-1:9093")
		}
	}
	for name, v := range h.Labels {
		k := p + ".labels." + name
		switch {
		case !labelName.MatchString(name):
			d.fail(d.at(k, seen["labels"]), k, name, "not a label name", "use letters, digits and '_', not starting with a digit, e.g. team: ops")
		case slices.Contains(AlertmanagerLabels, name):
			d.fail(d.at(k, seen["labels"]), k, name, "the handler sets this label itself", "rename it; alertname, command, host, row and severity come from the alert")
		case v == "":
			d.fail(d.at(k, seen["labels"]), k, "", "empty label value", "give it a value (Alertmanager drops empty labels)")
		}
	}
	switch {
	case h.AuthTokenEnv != "" && h.AuthTokenFile != "":
		d.fail(seen["auth-token-file"], p+".auth-token-file", h.AuthTokenFile, "set only one of auth-token-env and auth-token-file", "remove one")
	case h.AuthTokenEnv != "" && !envName.MatchString(h.AuthTokenEnv):
		d.fail(seen["auth-token-env"], p+".auth-token-env", "", "not the name of an environment variable", "write auth-token-env: ALERTMANAGER_TOKEN: the name of the variable holding the token, never the token itself")
	case h.Username != "" && h.AuthTokenEnv == "" && h.AuthTokenFile == "":
		d.fail(seen["auth-user"], p+".auth-user", h.Username, "auth-user needs a password", "add auth-token-env: ALERTMANAGER_PASSWORD or auth-token-file: /etc/serverstats/alertmanager-password (never the password itself)")
	}
	if h.Resend <= 0 {
		d.fail(seen["resend"], p+".resend", "0s", "resend must be positive", `write e.g. resend: 1m (below Alertmanager's resolve_timeout, 5m by default)`)
	}
}
