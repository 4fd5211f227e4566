package handlers

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"serverstats/alerts"
	"serverstats/config"
	"serverstats/handlers/message"
	"serverstats/handlers/providertest"
)

// The secrets of the channel tests, each recognisable.
const (
	slackPath     = "/services/T0SECRET/B0SECRET/slackSeCrEt01"
	teamsSig      = "teamsSigSeCrEt02"
	pdKey         = "pdRoutingKeySeCrEt03aaaaaaaaaaaa"
	ntfyToken     = "tk_ntfySeCrEt04"
	telegramToken = "123456:telegramSeCrEt05"
	pushoverToken = "pushoverAppSeCrEt06"
	pushoverUser  = "pushoverUserSeCrEt07"
)

var channelSecrets = []string{"slackSeCrEt01", teamsSig, pdKey, ntfyToken, telegramToken, pushoverToken, pushoverUser}

// channelRig is one channel's handler and its provider's server.
type channelRig struct {
	h   Handler
	srv *providertest.Server
}

// channelRigs builds a handler of each new type against its server; edit
// changes the config first (e.g. a timeout). The secrets come from the
// environment, and the Teams URL from a file.
func channelRigs(t *testing.T, logger *slog.Logger, edit func(h *config.Handler, vars map[string]string)) map[string]channelRig {
	t.Helper()
	slack := providertest.Slack(t, slackPath)
	teams := providertest.Teams(t, "/workflows/abc/triggers/manual/paths/invoke", teamsSig)
	pd := providertest.PagerDuty(t, pdKey)
	ntfy := providertest.Ntfy(t, ntfyToken)
	tg := providertest.Telegram(t, telegramToken, "-100200300", "@opschannel")
	po := providertest.Pushover(t, pushoverToken, pushoverUser)
	teamsFile := filepath.Join(t.TempDir(), "teams-url")
	if err := os.WriteFile(teamsFile, []byte(teams.URL+"/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig="+teamsSig+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"SLACK_URL": slack.URL + slackPath, "PD_KEY": pdKey, "NTFY_TOKEN": ntfyToken,
		"TG_TOKEN": telegramToken, "PO_TOKEN": pushoverToken, "PO_USER": pushoverUser,
	}
	env := testEnv(vars)
	env.Logger = logger
	rigs := map[string]channelRig{}
	for _, c := range []struct {
		h   *config.Handler
		srv *providertest.Server
	}{
		{&config.Handler{Type: "slack", URLEnv: "SLACK_URL"}, slack},
		{&config.Handler{Type: "teams", URLFile: teamsFile}, teams},
		{&config.Handler{Type: "pagerduty", RoutingKeyEnv: "PD_KEY", URL: pd.URL + "/v2/enqueue"}, pd},
		{&config.Handler{Type: "ntfy", URL: ntfy.URL, Topic: "ops-alerts", TokenEnv: "NTFY_TOKEN"}, ntfy},
		{&config.Handler{Type: "telegram", TokenEnv: "TG_TOKEN", APIURL: tg.URL, ChatID: []string{"-100200300", "@opschannel"}}, tg},
		{&config.Handler{Type: "pushover", TokenEnv: "PO_TOKEN", UserKeyEnv: "PO_USER", APIURL: po.URL}, po},
	} {
		c.h.Name, c.h.Timeout = "h-"+c.h.Type, longTimeout
		if edit != nil {
			edit(c.h, vars)
		}
		h, err := New(c.h, env)
		if err != nil {
			t.Fatalf("%s: %v", c.h.Type, err)
		}
		rigs[c.h.Type] = channelRig{h, c.srv}
	}
	return rigs
}

// send sends ns and returns the receipts noted.
func send(t *testing.T, h Handler, ns []alerts.Notification) (bool, error, []Receipt) {
	t.Helper()
	ctx, receipts := withReceipts(context.Background())
	retry, err := h.Send(ctx, ns)
	return retry, err, receipts()
}

func TestSlackDelivers(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["slack"]
	retry, err, rcs := send(t, rig.h, message.Sample(sampleTime))
	if err != nil || retry {
		t.Fatalf("Send: retry=%v err=%v", retry, err)
	}
	reqs := rig.srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	d := message.New("h-slack", message.Sample(sampleTime))
	blocks, _ := r.JSON["blocks"].([]any)
	if r.Method != "POST" || r.Path != slackPath || r.ContentType != "application/json" || r.Header.Get("User-Agent") != "serverstats" ||
		r.JSON["text"] != slackEscape(d.Summary) || len(blocks) != 2 {
		t.Fatalf("request %s %s %s, JSON %v", r.Method, r.Path, r.ContentType, r.JSON)
	}
	header, section := blocks[0].(map[string]any), blocks[1].(map[string]any)
	if header["type"] != "header" || header["text"].(map[string]any)["text"] != d.Summary {
		t.Errorf("header block %v", header)
	}
	if text := section["text"].(map[string]any)["text"].(string); !strings.HasPrefix(text, "```1 firing") ||
		!strings.Contains(text, "web1 /var: Use% 93% &gt; 90") || !strings.HasSuffix(text, "```") {
		t.Errorf("section text %q", text)
	}
	if len(rcs) != 1 || rcs[0].Text != "HTTP 200 OK ok" || rcs[0].Err != "" {
		t.Errorf("receipts %+v", rcs)
	}
}

// A Slack section holds 3,000 characters: a long text is cut, and an
// entity (&gt;) is never split.
func TestSlackCut(t *testing.T) {
	s := strings.Repeat("x", 2990) + "&gt;&gt;"
	if got := slackCut(s, 2994); got != strings.Repeat("x", 2990)+"\n..." {
		t.Errorf("cut %q", got[2980:])
	}
	if got := slackCut("a &gt; b", 100); got != "a &gt; b" {
		t.Errorf("short text changed: %q", got)
	}
}

func TestTeamsDelivers(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["teams"]
	retry, err, rcs := send(t, rig.h, message.Sample(sampleTime))
	if err != nil || retry {
		t.Fatalf("Send: retry=%v err=%v", retry, err)
	}
	r := rig.srv.Requests()[0]
	att := r.JSON["attachments"].([]any)[0].(map[string]any)
	card := att["content"].(map[string]any)
	body := card["body"].([]any)
	title, text := body[0].(map[string]any), body[1].(map[string]any)
	if r.ContentType != "application/json" || card["version"] != "1.4" || title["color"] != "Attention" || title["weight"] != "Bolder" ||
		!strings.Contains(text["text"].(string), "web1 /var: Use% 93% > 90 — Disk space over 90% full\n\nweb2 /") {
		t.Errorf("card %v", card)
	}
	if len(rcs) != 1 || rcs[0].Text != "HTTP 202 Accepted" {
		t.Errorf("receipts %+v", rcs)
	}
}

// PagerDuty: one event per alert; trigger and resolve of one alert share
// a dedup_key, so the incident the trigger opened is resolved; a reminder
// of an acked alert acknowledges it.
func TestPagerDutyTriggerAckResolve(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["pagerduty"]
	firing := message.Sample(sampleTime)[0]
	unknown := message.Sample(sampleTime)[2]
	if _, err, rcs := send(t, rig.h, []alerts.Notification{firing, unknown}); err != nil || len(rcs) != 2 {
		t.Fatalf("trigger: %v, receipts %+v", err, rcs)
	} else if want := "HTTP 202 Accepted success dedup_key=serverstats/disk/web1/Use% > 90//var"; rcs[0].Text != want || rcs[0].Recipient != "serverstats/disk/web1/Use% > 90//var" {
		t.Errorf("receipt %+v, want %q", rcs[0], want)
	}
	acked := firing
	acked.Status, acked.Ack = alerts.StatusReminder, "acked 2026-08-22 10:05 UTC: on it"
	resolved := firing
	resolved.Status = alerts.StatusResolved
	for _, n := range []alerts.Notification{acked, resolved} {
		if retry, err, _ := send(t, rig.h, []alerts.Notification{n}); err != nil || retry {
			t.Fatalf("%s: retry=%v err=%v", n.Status, retry, err)
		}
	}
	reqs := rig.srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d events, want 4", len(reqs))
	}
	trig, unk := reqs[0].JSON, reqs[1].JSON
	p := trig["payload"].(map[string]any)
	if trig["event_action"] != "trigger" || trig["routing_key"] != pdKey || p["severity"] != "critical" || p["source"] != "web1" ||
		p["summary"] != firing.Line() || p["component"] != "disk" || p["timestamp"] != "2026-08-22T10:00:00Z" ||
		p["custom_details"].(map[string]any)["value"] != "93%" {
		t.Errorf("trigger %v", trig)
	}
	if unk["payload"].(map[string]any)["severity"] != "error" || unk["dedup_key"] == trig["dedup_key"] {
		t.Errorf("unknown %v", unk)
	}
	if reqs[2].JSON["event_action"] != "acknowledge" || reqs[3].JSON["event_action"] != "resolve" ||
		reqs[2].JSON["dedup_key"] != trig["dedup_key"] || reqs[3].JSON["dedup_key"] != trig["dedup_key"] || reqs[3].JSON["payload"] != nil {
		t.Errorf("ack %v, resolve %v", reqs[2].JSON, reqs[3].JSON)
	}
	if st := rig.srv.State(); st[trig["dedup_key"].(string)] != "resolved" || st[unk["dedup_key"].(string)] != "triggered" {
		t.Errorf("incidents %v", st)
	}
}

// PagerDuty's 400 names what is wrong; one event failing temporarily
// retries the group, the events that went through are folded by their
// dedup_key.
func TestPagerDutyFailures(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["pagerduty"]
	n := message.Sample(sampleTime)[0]
	n.Host = "" // no source: serverstats stands in
	rig.srv.Fail(http.StatusBadRequest)
	retry, err, rcs := send(t, rig.h, []alerts.Notification{n})
	if retry || err == nil || !strings.Contains(err.Error(), "HTTP 400 Bad Request: invalid event: scripted failure") || len(rcs) != 1 || rcs[0].Err == "" {
		t.Errorf("400: retry=%v err=%v receipts %+v", retry, err, rcs)
	}
	rig.srv.Fail(http.StatusTooManyRequests)
	retry, err, _ = send(t, rig.h, message.Sample(sampleTime))
	if !retry || err == nil || !strings.Contains(err.Error(), "trigger serverstats/disk/web1/Use% > 90//var: POST http://127.0.0.1:") || !strings.Contains(err.Error(), "HTTP 429") {
		t.Errorf("429: retry=%v err=%v", retry, err)
	}
	if reqs := rig.srv.Requests(); len(reqs) != 4 || reqs[3].JSON["event_action"] != "trigger" {
		t.Errorf("the events after the throttled one were not tried: %d requests", len(reqs))
	}
	if retry, err, _ := send(t, rig.h, []alerts.Notification{n}); retry || err != nil {
		t.Errorf("after the failures: retry=%v err=%v", retry, err)
	}
	if src := rig.srv.Requests()[4].JSON["payload"].(map[string]any)["source"]; src != "serverstats" {
		t.Errorf("source %v", src)
	}
}

func TestPagerDutyDedupKey(t *testing.T) {
	n := alerts.Notification{Command: "disk", Host: "web1", Rule: "r", Key: "/var"}
	if k := PagerDutyDedupKey("pd", n); k != "serverstats/disk/web1/r//var" {
		t.Errorf("key %q", k)
	}
	n.Key = strings.Repeat("k", 300)
	if k := PagerDutyDedupKey("pd", n); len(k) > 255 || k != PagerDutyDedupKey("pd", n) || !strings.HasPrefix(k, "serverstats/") {
		t.Errorf("long key %q", k)
	}
	if PagerDutyDedupKey("pd", alerts.Notification{Status: alerts.StatusSummary}) != "serverstats/pd/more alerts" {
		t.Error("summary key")
	}
}

func TestNtfyDelivers(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["ntfy"]
	_, err, rcs := send(t, rig.h, message.Sample(sampleTime))
	if err != nil {
		t.Fatal(err)
	}
	r := rig.srv.Requests()[0]
	d := message.New("h-ntfy", message.Sample(sampleTime))
	text, _ := message.Text(nil, d)
	if r.Path != "/ops-alerts" || r.Header.Get("Title") != d.Summary || r.Header.Get("Priority") != "urgent" ||
		r.Header.Get("Tags") != "rotating_light" || r.Header.Get("Authorization") != "Bearer "+ntfyToken || string(r.Body) != text {
		t.Errorf("request %s %v %q", r.Path, r.Header, r.Body)
	}
	if len(rcs) != 1 || rcs[0].Recipient != "ops-alerts" || rcs[0].Text != "HTTP 200 OK id=msg000000001" {
		t.Errorf("receipts %+v", rcs)
	}
	resolved := message.Sample(sampleTime)[1:2]
	resolved[0].Host = "wéb2" // a title beyond ASCII travels as an RFC 2047 word
	send(t, rig.h, resolved)
	r = rig.srv.Requests()[1]
	if r.Header.Get("Priority") != "low" || r.Header.Get("Tags") != "white_check_mark" || !strings.HasPrefix(r.Header.Get("Title"), "=?UTF-8?b?") {
		t.Errorf("resolved: %v", r.Header)
	}
}

// Telegram: one message per chat; a chat that does not exist is refused
// for good while the other gets the message.
func TestTelegramDelivers(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, func(h *config.Handler, _ map[string]string) {
		if h.Type == "telegram" {
			h.ChatID = []string{"-100200300", "@nosuchchat", "@opschannel"}
		}
	})["telegram"]
	retry, err, rcs := send(t, rig.h, message.Sample(sampleTime))
	if retry || err == nil || err.Error() != "telegram: chat @nosuchchat: POST http://"+strings.TrimPrefix(rig.srv.URL, "http://")+
		": HTTP 400 Bad Request: Bad Request: chat not found (delivered to -100200300, @opschannel)" {
		t.Errorf("retry=%v err=%v", retry, err)
	}
	reqs := rig.srv.Requests()
	if len(reqs) != 3 || reqs[0].Path != "/bot"+telegramToken+"/sendMessage" || reqs[0].JSON["chat_id"] != "-100200300" ||
		reqs[0].JSON["disable_web_page_preview"] != true || !strings.Contains(reqs[0].JSON["text"].(string), "web1 /var: Use% 93% > 90") {
		t.Errorf("requests %+v", reqs)
	}
	if len(rcs) != 3 || rcs[0].Text != "HTTP 200 OK message_id=1001" || rcs[1].Recipient != "@nosuchchat" || rcs[1].Err == "" || rcs[2].Text != "HTTP 200 OK message_id=1003" {
		t.Errorf("receipts %+v", rcs)
	}
	rig.srv.Fail(http.StatusTooManyRequests)
	retry, err, _ = send(t, rig.h, message.Sample(sampleTime)[:1])
	if !retry || !strings.Contains(fmt.Sprint(err), "Too Many Requests: retry after 3") {
		t.Errorf("429: retry=%v err=%v", retry, err)
	}
}

func TestPushoverDelivers(t *testing.T) {
	t.Parallel()
	rig := channelRigs(t, nil, nil)["pushover"]
	long := message.Sample(sampleTime)
	long[0].Message = strings.Repeat("ü", 2000) // cut to Pushover's 1024
	_, err, rcs := send(t, rig.h, long)
	if err != nil {
		t.Fatal(err)
	}
	f := rig.srv.Requests()[0].Form
	if f.Get("token") != pushoverToken || f.Get("user") != pushoverUser || f.Get("priority") != "1" ||
		f.Get("timestamp") != fmt.Sprint(sampleTime.Unix()) || !strings.HasPrefix(f.Get("title"), "1 firing, 1 unknown, 1 resolved") || len(f.Get("message")) > 1024 {
		t.Errorf("form %v", f)
	}
	if len(rcs) != 1 || rcs[0].Text != "HTTP 200 OK request=5042853c-402d-4a18-abcb-000000000001" {
		t.Errorf("receipts %+v", rcs)
	}
	send(t, rig.h, message.Sample(sampleTime)[1:2])
	if p := rig.srv.Requests()[1].Form.Get("priority"); p != "-1" {
		t.Errorf("resolved priority %s", p)
	}
	h := &config.Handler{Name: "po", Type: "pushover", TokenEnv: "PO_TOKEN", UserKeyEnv: "PO_USER", APIURL: rig.srv.URL}
	bad, err := New(h, testEnv(map[string]string{"PO_TOKEN": pushoverToken, "PO_USER": "uWrongUser"}))
	if err != nil {
		t.Fatal(err)
	}
	retry, err, _ := send(t, bad, long)
	if retry || err == nil || !strings.HasSuffix(err.Error(), "HTTP 400 Bad Request: user identifier is invalid") {
		t.Errorf("bad user: retry=%v err=%v", retry, err)
	}
}

// Every channel classifies a failure as webhook does: 429 and 5xx and
// network errors retry, other 4xx are permanent; the error has the
// provider's words and shows the endpoint as scheme://host only.
func TestChannelsRetryClassification(t *testing.T) {
	t.Parallel()
	rigs := channelRigs(t, nil, nil)
	words := map[string]map[int]string{
		"slack":     {400: "invalid_payload", 404: "no_service", 410: "channel_is_archived", 429: "rate_limited", 500: "rollup_error"},
		"teams":     {400: "Bad Request scripted failure 400", 429: "Too Many Requests scripted failure 429", 502: "scripted failure 502"},
		"pagerduty": {400: "invalid event: scripted failure", 429: "HTTP 429 Too Many Requests", 500: "HTTP 500"},
		"ntfy":      {401: "unauthorized (code 40101)", 403: "forbidden (code 40301)", 429: "too many requests (code 42901)", 507: "(code 50701)"},
		"telegram":  {400: "HTTP 400 Bad Request: Bad Request", 403: "Forbidden", 429: "Too Many Requests: retry after 3", 502: "Bad Gateway"},
		"pushover":  {400: "scripted failure 400", 429: "scripted failure 429", 500: "scripted failure 500"},
	}
	for typ, rig := range rigs {
		for status, word := range words[typ] {
			rig.srv.Fail(status)
			if typ == "telegram" { // which sends to two chats
				rig.srv.Fail(status)
			}
			retry, err, _ := send(t, rig.h, message.Sample(sampleTime)[:1])
			want := status == 429 || status >= 500
			if err == nil || retry != want || !strings.Contains(err.Error(), word) || !strings.Contains(err.Error(), "POST "+rig.srv.URL+":") {
				t.Errorf("%s %d: retry=%v (want %v) err=%v (want %q)", typ, status, retry, want, err, word)
			}
		}
		if retry, err, _ := send(t, rig.h, message.Sample(sampleTime)[:1]); retry || err != nil {
			t.Errorf("%s after the failures: retry=%v err=%v", typ, retry, err)
		}
	}
	// Nobody listening: temporary.
	closed := "http://" + closedPort(t)
	for typ, rig := range channelRigs(t, nil, func(h *config.Handler, vars map[string]string) { pointAt(h, vars, closed) }) {
		retry, err, rcs := send(t, rig.h, message.Sample(sampleTime)[:1])
		if !retry || err == nil || !strings.Contains(err.Error(), "POST "+closed+": ") || !strings.Contains(err.Error(), "connection refused") || len(rcs) == 0 || rcs[0].Err == "" {
			t.Errorf("%s down: retry=%v err=%v receipts %+v", typ, retry, err, rcs)
		}
	}
}

// pointAt sends a channel's requests to base instead of its server.
func pointAt(h *config.Handler, vars map[string]string, base string) {
	switch h.Type {
	case "slack":
		vars["SLACK_URL"] = base + slackPath
	case "teams":
		h.URLFile, h.URLEnv, vars["TEAMS_URL"] = "", "TEAMS_URL", base+"/workflows/x?sig="+teamsSig
	case "pagerduty":
		h.URL = base + "/v2/enqueue"
	case "ntfy":
		h.URL = base
	case "telegram", "pushover":
		h.APIURL = base
	}
}

// No channel's secret (webhook URL, routing key, bot token, app token,
// user key) reaches an error, a receipt or a log line: on success, on a
// provider's error, from a server that echoes the request (URL, headers
// and body), and with nobody listening.
func TestChannelsNoSecretLeaks(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var seen []string
	try := func(what string, h Handler) {
		retry, err, rcs := send(t, h, message.Sample(sampleTime))
		seen = append(seen, fmt.Sprintf("%s: retry=%v err=%v receipts=%+v", what, retry, err, rcs))
	}
	for typ, rig := range channelRigs(t, logger, nil) {
		try(typ+" ok", rig.h)
		rig.srv.Fail(500, 500, 401, 401)
		try(typ+" 500", rig.h)
		try(typ+" 401", rig.h)
		rig.srv.Echo(true)
		try(typ+" echo", rig.h)
	}
	closed := "http://" + closedPort(t)
	for typ, rig := range channelRigs(t, logger, func(h *config.Handler, vars map[string]string) { pointAt(h, vars, closed) }) {
		try(typ+" down", rig.h)
	}
	all := strings.Join(seen, "\n")
	if !strings.Contains(all, "[REDACTED]") || !strings.Contains(logs.String(), "telegram delivered") {
		t.Errorf("the echoes were not redacted, or nothing was logged:\n%s\n%s", all, logs.String())
	}
	assertNoSecret(t, "errors and receipts", all, channelSecrets...)
	assertNoSecret(t, "the log", logs.String(), channelSecrets...)
}

func TestConfigSecretsChannels(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "teams-url")
	if err := os.WriteFile(file, []byte("https://x.example.com/workflows/w1/invoke?api-version=1&sig="+teamsSig+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{Handlers: []*config.Handler{
		{Name: "s", Type: "slack", URLEnv: "SLACK_URL"},
		{Name: "t", Type: "teams", URLFile: file},
		{Name: "p", Type: "pagerduty", RoutingKeyEnv: "PD_KEY"},
		{Name: "n", Type: "ntfy", TokenEnv: "NTFY_TOKEN"},
		{Name: "g", Type: "telegram", TokenEnv: "TG_TOKEN"},
		{Name: "o", Type: "pushover", TokenEnv: "PO_TOKEN", UserKeyEnv: "PO_USER"},
	}}
	vars := map[string]string{"SLACK_URL": "https://hooks.slack.com" + slackPath, "PD_KEY": pdKey, "NTFY_TOKEN": ntfyToken,
		"TG_TOKEN": telegramToken, "PO_TOKEN": pushoverToken, "PO_USER": pushoverUser}
	got := ConfigSecrets(cfg, func(k string) string { return vars[k] })
	for _, want := range []string{"https://hooks.slack.com" + slackPath, slackPath, teamsSig, pdKey, ntfyToken, telegramToken, "bot" + telegramToken, pushoverToken, pushoverUser} {
		if !slices.Contains(got, want) {
			t.Errorf("ConfigSecrets lacks %q: %q", want, got)
		}
	}
	r := NewRedactor(got...)
	if s := r.String("POST https://api.telegram.org/bot" + telegramToken + "/sendMessage"); s != "POST https://api.telegram.org/[REDACTED]/sendMessage" {
		t.Errorf("redacted %q", s)
	}
}

// Every handler type the config accepts has a constructor.
func TestEveryHandlerTypeConstructs(t *testing.T) {
	for _, typ := range config.HandlerTypes {
		if constructors[typ] == nil {
			t.Errorf("handler type %q has no constructor in handlers.constructors", typ)
		}
	}
	if len(constructors) != len(config.HandlerTypes) {
		t.Errorf("%d constructors, %d handler types", len(constructors), len(config.HandlerTypes))
	}
}
