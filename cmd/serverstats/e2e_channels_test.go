package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"serverstats/handlers/providertest"
)

// TestE2EChannelsSlackPagerDuty fires an alert to Slack and PagerDuty (their
// APIs on loopback) with the real binary, then resolves it: Slack gets the
// firing and the resolved message, PagerDuty a trigger and a resolve with
// the same dedup_key, so its incident is resolved. Then both services echo
// the requests they get (credentials included) in their errors. The
// webhook URL and the routing key (from the environment and a file) are
// in no output, --json, status or the state file.
func TestE2EChannelsSlackPagerDuty(t *testing.T) {
	const (
		hookPath   = "/services/T0E2E/B0E2E/slackE2ESecret0h8"
		routingKey = "pdE2ERoutingKeySecret0i9aaaaaaaa"
	)
	slack := providertest.Slack(t, hookPath)
	pd := providertest.PagerDuty(t, routingKey)
	dir := t.TempDir()
	value, keyFile, cfg, state := filepath.Join(dir, "value"), filepath.Join(dir, "pd-key"), filepath.Join(dir, "c.yaml"), filepath.Join(dir, "state.db")
	writeFile(t, keyFile, routingKey+"\n", 0o600)
	writeFile(t, cfg, fmt.Sprintf(`handlers:
  chat: {type: slack, url-env: SLACK_WEBHOOK_URL, timeout: 5s}
  pager: {type: pagerduty, routing-key-file: %q, url: %q, timeout: 5s}
commands:
  c:
    servers: [localhost]
    cmd: cat %s
    header: none
    alerts:
      - {value-type: number, trigger: "> 90", severity: critical, msg: "value over 90", handlers: [chat, pager]}
`, keyFile, pd.URL+"/v2/enqueue", value), 0o600)
	env := []string{"SLACK_WEBHOOK_URL=" + slack.URL + hookPath}
	var seen []string
	run := func(args ...string) faultRun {
		res := runFault(t, cfg, state, env, nil, args...)
		seen = append(seen, strings.Join(args, " ")+": "+res.stdout+res.stderr)
		return res
	}

	writeFile(t, value, "95\n", 0o600)
	if res := run("c", "--alerts", "--json"); res.code != exitCritical || !strings.Contains(res.stdout, `"sent": 2`) {
		t.Fatalf("firing run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	writeFile(t, value, "50\n", 0o600)
	if res := run("c", "--alerts", "--json"); res.code != 0 || !strings.Contains(res.stdout, `"sent": 2`) {
		t.Fatalf("resolving run: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}

	msgs := slack.Requests()
	if len(msgs) != 2 || !strings.HasPrefix(fmt.Sprint(msgs[0].JSON["text"]), "1 firing: localhost") || !strings.HasPrefix(fmt.Sprint(msgs[1].JSON["text"]), "1 resolved: localhost") {
		t.Errorf("Slack got %d messages: %v", len(msgs), msgs)
	}
	events := pd.Requests()
	if len(events) != 2 || events[0].JSON["event_action"] != "trigger" || events[1].JSON["event_action"] != "resolve" {
		t.Fatalf("PagerDuty got %d events: %v", len(events), events)
	}
	key, _ := events[0].JSON["dedup_key"].(string)
	payload, _ := events[0].JSON["payload"].(map[string]any)
	if key == "" || events[1].JSON["dedup_key"] != key || payload["severity"] != "critical" || payload["source"] != "localhost" ||
		!strings.Contains(fmt.Sprint(payload["summary"]), "value over 90") {
		t.Errorf("trigger %v, resolve %v", events[0].JSON, events[1].JSON)
	}
	if st := pd.State(); st[key] != "resolved" || len(st) != 1 {
		t.Errorf("PagerDuty's incidents: %v", st)
	}

	// Both services now echo the credentials they receive in their errors.
	slack.Echo(true)
	pd.Echo(true)
	writeFile(t, value, "97\n", 0o600)
	if res := run("c", "--alerts", "--json"); !strings.Contains(res.stdout, `"retrying": 2`) || !strings.Contains(res.stdout, "HTTP 500") {
		t.Errorf("echoing services: want both retrying\n%s", res.stdout)
	}
	run("test-alert", "chat")
	run("test-alert", "pager")
	run("status", "--json")
	run("status")
	for _, suffix := range []string{"", "-wal"} {
		if b, err := os.ReadFile(state + suffix); err == nil {
			seen = append(seen, "state"+suffix+": "+string(b))
		}
	}
	all := strings.Join(seen, "\n")
	if !strings.Contains(all, "[REDACTED]") {
		t.Errorf("the echoed credentials were not redacted anywhere:\n%s", all)
	}
	for _, secret := range []string{"slackE2ESecret0h8", routingKey} {
		if strings.Contains(all, secret) {
			t.Errorf("a secret (%s) is shown:\n%s", secret, all)
		}
	}
}
