package daemon

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
	"serverstats/cmd/serverstats/internal/history"
	"serverstats/collectors"
	"serverstats/config"
	"serverstats/handlers"
)

// The status page: server-rendered HTML at /, a drill-down per (command,
// host), the outbox, and three actions (mute, unmute, acknowledge) that
// need the credential of daemon.auth-token-file or auth-token-env and a
// CSRF token. Everything it needs is embedded: no external assets.

//go:embed web
var webFS embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"when":       func(t time.Time) string { return whenText(t, time.Now()) },
	"stamp":      func(t time.Time) string { return stamp(t) },
	"join":       strings.Join,
	"detailBack": detailURL,
}).ParseFS(webFS, "web/*.html"))

// contentSecurityPolicy allows nothing but the page's own script, style
// and form targets: no inline scripts, no framing.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageRoutes adds the page's routes to mux.
func (d *daemon) pageRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", d.pageOverview)
	mux.HandleFunc("GET /detail", d.pageDetail)
	mux.HandleFunc("GET /outbox", d.pageOutbox)
	mux.HandleFunc("GET /static/{file}", pageStatic)
	cop := http.NewCrossOriginProtection() // Sec-Fetch-Site / Origin: a cross-site POST is refused first
	for _, a := range []string{"mute", "unmute", "ack"} {
		mux.Handle("POST /action/"+a, cop.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { d.pageAction(w, r, a) })))
	}
}

// pageHeaders are the security headers of every page response.
func pageHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
}

func pageStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := webFS.ReadFile("web/" + name)
	if err != nil || strings.HasSuffix(name, ".html") {
		http.NotFound(w, r)
		return
	}
	pageHeaders(w)
	switch {
	case strings.HasSuffix(name, ".js"):
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case strings.HasSuffix(name, ".css"):
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	}
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

// render executes the template name into w, with the page headers.
func (d *daemon) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, data); err != nil {
		d.log.Error("status page template failed", "page", name, "error", err)
		http.Error(w, "status page failed; see the log", http.StatusInternalServerError)
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageBase is what every page shows in its frame.
type pageBase struct {
	Title     string
	Version   string
	Now       time.Time
	StateErr  string
	Flash     string
	CSRF      string
	CanAct    bool   // a credential is configured
	AuthWhy   string // why actions are refused, when they are
	AuthBasic bool   // the credential is a user and password
	Refresh   int    // seconds; 0 for none
}

func (d *daemon) base(w http.ResponseWriter, r *http.Request, title string) pageBase {
	g := d.current()
	b := pageBase{Title: title, Version: d.opts.Version, Now: time.Now(), Flash: clipFlash(r.URL.Query().Get("done")),
		CSRF: d.csrfToken(w, r), CanAct: g.auth.err == nil && g.auth.token != "", AuthBasic: g.auth.user != ""}
	if !b.CanAct {
		b.AuthWhy = g.auth.why()
	}
	return b
}

func clipFlash(s string) string { return alerts.Clip(s, 300) }

// overviewData is the overview page.
type overviewData struct {
	pageBase
	Commands []string // columns, worst first
	Rows     []overviewRow
	Groups   []string
	AllCmds  []string
	States   []string
	Filter   struct{ Group, Command, State string }
	Counts   map[string]int
	Shown    int
	Total    int
}

type overviewRow struct {
	Host  string
	Cells []cell
}

func (d *daemon) pageOverview(w http.ResponseWriter, r *http.Request) {
	v := d.view(r.Context())
	data := overviewData{pageBase: d.base(w, r, "serverstats"), States: cellStates, Counts: map[string]int{}}
	data.StateErr, data.Refresh = v.err, 30
	q := r.URL.Query()
	data.Filter.Group, data.Filter.Command, data.Filter.State = q.Get("group"), q.Get("command"), q.Get("state")
	for _, gr := range v.g.cfg.Groups {
		data.Groups = append(data.Groups, gr.Name)
	}
	data.AllCmds = v.scheduled()
	var inGroup []string
	if i := slices.IndexFunc(v.g.cfg.Groups, func(g *config.Group) bool { return g.Name == data.Filter.Group }); i >= 0 {
		inGroup = v.g.cfg.Groups[i].Hosts
	}
	cmdWorst := map[string]int{}
	hostWorst := map[string]int{}
	cells := map[[2]string]cell{}
	for _, name := range v.scheduled() {
		if data.Filter.Command != "" && name != data.Filter.Command {
			continue
		}
		c := v.g.cfg.Command(name)
		for _, t := range v.g.cfg.Shard.Targets(c.Targets) {
			if inGroup != nil && !slices.Contains(inGroup, t.Name) {
				continue
			}
			ce := v.cell(name, t.Name)
			data.Total++
			data.Counts[ce.State]++
			if data.Filter.State != "" && ce.State != data.Filter.State {
				continue
			}
			data.Shown++
			cells[[2]string{name, t.Name}] = ce
			if w, ok := cmdWorst[name]; !ok || ce.rank < w {
				cmdWorst[name] = ce.rank
			}
			if w, ok := hostWorst[t.Name]; !ok || ce.rank < w {
				hostWorst[t.Name] = ce.rank
			}
		}
	}
	for _, name := range v.scheduled() {
		if _, ok := cmdWorst[name]; ok {
			data.Commands = append(data.Commands, name)
		}
	}
	slices.SortStableFunc(data.Commands, func(a, b string) int { return cmdWorst[a] - cmdWorst[b] })
	var hosts []string
	for _, h := range v.hosts() {
		if _, ok := hostWorst[h]; ok {
			hosts = append(hosts, h)
		}
	}
	slices.SortStableFunc(hosts, func(a, b string) int { return hostWorst[a] - hostWorst[b] })
	for _, h := range hosts {
		row := overviewRow{Host: h}
		for _, c := range data.Commands {
			ce, ok := cells[[2]string{c, h}]
			if !ok {
				ce = cell{Command: c, Host: h, State: "absent"}
			}
			row.Cells = append(row.Cells, ce)
		}
		data.Rows = append(data.Rows, row)
	}
	d.render(w, http.StatusOK, "overview.html", data)
}

// detailData is the drill-down of one (command, host).
type detailData struct {
	pageBase
	Command, Host string
	Cell          cell
	Run           *pageRun
	HostRun       *pageHost
	Rules         []ruleView
	Plots         []plot
	Keys          []keyView
	Mutes         []alerts.Mute
	Schedule      string
	Back          string
}

// ruleView is one observation of the last run, and why it fires or not.
type ruleView struct {
	Rule, Row, Column, Trigger, Value, Verdict, Why string
	Class                                           string
}

// keyView is one alert key of (command, host) in the store.
type keyView struct {
	Rule, Row, Phase, Since, Value, Ack, Held string
	Firing                                    bool
}

func detailURL(command, host string) string {
	return "/detail?" + url.Values{"command": {command}, "host": {host}}.Encode()
}

func (d *daemon) pageDetail(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	command, host := q.Get("command"), q.Get("host")
	v := d.view(r.Context())
	c := v.g.cfg.Command(command)
	if c == nil || !slices.ContainsFunc(c.Targets, func(t collectors.Target) bool { return t.Name == host }) {
		d.render(w, http.StatusNotFound, "message.html", messageData{pageBase: d.base(w, r, "not found"), Message: fmt.Sprintf("no command %q on host %q in the running config", command, host), Back: "/"})
		return
	}
	data := detailData{pageBase: d.base(w, r, command+" on "+host), Command: command, Host: host, Cell: v.cell(command, host), Schedule: c.Schedule, Back: "/"}
	data.StateErr = v.err
	if run := v.runs[command]; run != nil {
		data.Run, data.HostRun = run, run.Hosts[host]
	}
	if data.HostRun != nil {
		for _, o := range data.HostRun.Observations {
			data.Rules = append(data.Rules, ruleOf(o))
		}
	}
	for k, s := range v.states {
		if k.Command != command || k.Host != host {
			continue
		}
		kv := keyView{Rule: k.Rule, Row: k.Row, Phase: string(s.Phase), Since: whenText(s.Since, v.now), Value: s.LastValue, Ack: s.AckText(v.now), Firing: s.Phase == alerts.PhaseFiring}
		if k.Rule == "" {
			kv.Rule = "(the command itself)"
		}
		if s.Suppressed {
			kv.Held = s.HeldBy
		}
		if s.Phase == alerts.PhaseOK && !s.Flapping {
			continue
		}
		data.Keys = append(data.Keys, kv)
	}
	slices.SortFunc(data.Keys, func(a, b keyView) int { return strings.Compare(a.Rule+"\x00"+a.Row, b.Rule+"\x00"+b.Row) })
	for _, m := range v.mutes {
		if (m.Host == "" || m.Host == host) && (m.Command == "" || m.Command == command) {
			data.Mutes = append(data.Mutes, m)
		}
	}
	if st, err := d.state(r.Context()); err == nil {
		if h, err := st.History(r.Context(), command, host, v.now.Add(-24*time.Hour)); err == nil {
			data.Plots = plots(c.Alerts, h, v.now)
		}
	}
	d.render(w, http.StatusOK, "detail.html", data)
}

// ruleOf says what an observation saw and why it fires or not, with the
// observed value next to the rule: "Use% (93%) > 90%".
func ruleOf(o alerts.Observation) ruleView {
	f := o.Finding
	rv := ruleView{Rule: o.Key.Rule, Row: o.Key.Row, Column: f.Column, Trigger: f.Trigger, Value: o.Value}
	if rv.Trigger == "" {
		rv.Trigger = o.Key.Rule
	}
	cond := fmt.Sprintf("%s (%s) %s", f.Column, o.Value, f.Trigger)
	switch {
	case o.Unknown:
		rv.Verdict, rv.Class, rv.Why = "UNKNOWN", cellUnknown, f.Message
	case o.Holds:
		rv.Verdict, rv.Class, rv.Why = "fires", cellFiring, cond+" holds"
		if f.Message != "" {
			rv.Why += ": " + f.Message
		}
	case !o.Clears:
		rv.Verdict, rv.Class, rv.Why = "clearing", cellPending, cond+" no longer holds, but its clear condition does not hold yet"
	default:
		rv.Verdict, rv.Class, rv.Why = "ok", cellOK, cond+" does not hold"
	}
	return rv
}

// recentMax is how many of the trail's last attempts the outbox page shows.
const recentMax = 50

// outboxData is the outbox page.
type outboxData struct {
	pageBase
	Entries []outboxEntry
	Recent  []history.Row // the delivery trail's last attempts, newest first
}

type outboxEntry struct {
	store.Entry
	Outcome string // retrying, rerouted, undeliverable
	Summary string
}

func (d *daemon) pageOutbox(w http.ResponseWriter, r *http.Request) {
	data := outboxData{pageBase: d.base(w, r, "outbox")}
	st, err := d.state(r.Context())
	if err == nil {
		data.Recent, err = history.Last(r.Context(), st, recentMax, d.now().Add(-7*24*time.Hour))
	}
	var entries []store.Entry
	if err == nil {
		entries, err = st.Outbox(r.Context())
	}
	if err != nil {
		data.StateErr = err.Error()
	} else {
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			oe := outboxEntry{Entry: e, Outcome: "retrying"}
			switch {
			case e.Dead:
				oe.Outcome = "undeliverable"
			case e.Handler != e.Origin:
				oe.Outcome = "rerouted from " + e.Origin
			case e.Attempts == 0:
				oe.Outcome = "queued"
			}
			var parts []string
			for _, n := range e.Notifications {
				parts = append(parts, fmt.Sprintf("%s %s@%s", strings.ToUpper(string(n.Status)), orText(n.Rule, n.Command), n.Host))
			}
			oe.Summary = strings.Join(parts, ", ")
			data.Entries = append(data.Entries, oe)
		}
	}
	d.render(w, http.StatusOK, "outbox.html", data)
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

// messageData is a page with one message: an action's refusal.
type messageData struct {
	pageBase
	Message string
	Back    string
}

// pageAuth is the credential of the page's actions, read when a config is
// loaded.
type pageAuth struct {
	user, token string
	source      string // "file /etc/...", "environment variable X"
	err         error  // configured, but cannot be read
}

func (a pageAuth) why() string {
	switch {
	case a.err != nil:
		return "the action credential (" + a.source + ") cannot be read: " + a.err.Error()
	case a.token == "":
		return "no credential is configured: set daemon.auth-token-file or daemon.auth-token-env to enable actions"
	}
	return ""
}

// readAuth reads the credential cfg names; the error is logged, never the
// value.
func (d *daemon) readAuth(cfg *config.Config) pageAuth {
	dm := cfg.Daemon
	a := pageAuth{user: dm.AuthUser}
	switch {
	case dm.AuthTokenFile != "":
		a.source = "file " + dm.AuthTokenFile
	case dm.AuthTokenEnv != "":
		a.source = "environment variable " + dm.AuthTokenEnv
	default:
		return a
	}
	a.token, a.err = handlers.ReadSecret(d.opts.Getenv, dm.AuthTokenEnv, dm.AuthTokenFile)
	if a.err != nil {
		d.log.Error("status page actions are refused: cannot read their credential", "source", a.source, "error", a.err)
	}
	return a
}

// check verifies a request's credential: HTTP basic auth (the user, when
// auth-user is set, and the token as password), a bearer token, or the
// form's token field. It returns who acted.
func (a pageAuth) check(r *http.Request) (who string, err error) {
	if a.token == "" {
		return "", errors.New(a.why())
	}
	given, user := "", ""
	if u, p, ok := r.BasicAuth(); ok {
		given, user = p, u
	} else if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		given = t
	} else {
		given, user = r.PostFormValue("token"), r.PostFormValue("user")
	}
	okUser := a.user == "" || subtle.ConstantTimeCompare([]byte(user), []byte(a.user)) == 1
	okToken := subtle.ConstantTimeCompare([]byte(given), []byte(a.token)) == 1
	if given == "" || !okUser || !okToken {
		return "", errors.New("wrong or missing credential")
	}
	return user, nil
}

// csrfCookie holds a random nonce; the forms carry its HMAC under the
// daemon's key. A cross-site form cannot read either.
const csrfCookie = "serverstats_csrf"

func newCSRFKey() []byte {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}

// csrfToken returns the token for the request's forms, setting the nonce
// cookie when the browser has none.
func (d *daemon) csrfToken(w http.ResponseWriter, r *http.Request) string {
	nonce := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		nonce = c.Value
	} else {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		nonce = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: nonce, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
	}
	return d.csrfSign(nonce)
}

func (d *daemon) csrfSign(nonce string) string {
	m := hmac.New(sha256.New, d.csrfKey)
	m.Write([]byte(nonce))
	return hex.EncodeToString(m.Sum(nil))
}

func (d *daemon) csrfValid(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return hmac.Equal([]byte(r.PostFormValue("csrf")), []byte(d.csrfSign(c.Value)))
}

// maxMute bounds a mute from the page: an expiry is mandatory.
const maxMute = 30 * 24 * time.Hour

// pageAction runs one action: the CSRF token first, then the credential,
// then the action; every outcome is logged with who and what, and answered
// with no-store.
func (d *daemon) pageAction(w http.ResponseWriter, r *http.Request, action string) {
	pageHeaders(w)
	w.Header().Set("Cache-Control", "no-store")
	g := d.current()
	refuse := func(status int, msg string) {
		d.log.Warn("status page action refused", "action", action, "remote", r.RemoteAddr, "why", msg,
			"command", r.PostFormValue("command"), "host", r.PostFormValue("host"))
		if status == http.StatusUnauthorized && g.auth.user != "" {
			w.Header().Set("WWW-Authenticate", `Basic realm="serverstats actions", charset="UTF-8"`)
		}
		d.render(w, status, "message.html", messageData{pageBase: d.base(w, r, "refused"), Message: "Refused: " + msg, Back: backURL(r)})
	}
	if err := r.ParseForm(); err != nil {
		refuse(http.StatusBadRequest, "cannot read the form: "+err.Error())
		return
	}
	if !d.csrfValid(r) {
		refuse(http.StatusForbidden, "missing or invalid CSRF token; reload the page and try again")
		return
	}
	if g.auth.token == "" {
		refuse(http.StatusForbidden, g.auth.why())
		return
	}
	who, err := g.auth.check(r)
	if err != nil {
		refuse(http.StatusUnauthorized, err.Error())
		return
	}
	by := strings.TrimSpace(r.PostFormValue("by"))
	if by == "" {
		by = who
	}
	if by == "" {
		refuse(http.StatusBadRequest, "say who you are (your name) so that the action is on record")
		return
	}
	by = alerts.Clip(by, 64)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	st, err := d.state(ctx)
	if err != nil {
		refuse(http.StatusServiceUnavailable, "the state file is unavailable: "+err.Error())
		return
	}
	now := time.Now()
	m := alerts.Mute{Host: r.PostFormValue("host"), Command: r.PostFormValue("command"), Rule: r.PostFormValue("rule")}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	var done string
	switch action {
	case "mute":
		dur, err := parseMuteFor(r.PostFormValue("for"))
		if err != nil {
			refuse(http.StatusBadRequest, err.Error())
			return
		}
		if reason == "" {
			refuse(http.StatusBadRequest, "a mute needs a reason")
			return
		}
		if m.Host == "" && m.Command == "" {
			refuse(http.StatusBadRequest, "a mute from the page names a host or a command")
			return
		}
		m.Until, m.Reason, m.Created = now.Add(dur), reason+" (by "+by+", status page)", now
		id, err := st.AddMute(ctx, m)
		if err != nil {
			refuse(http.StatusServiceUnavailable, err.Error())
			return
		}
		d.log.Info("status page action", "action", "mute", "by", by, "remote", r.RemoteAddr, "id", id, "host", m.Host, "command", m.Command, "rule", m.Rule, "until", m.Until.Format(time.RFC3339), "reason", reason)
		done = fmt.Sprintf("muted %s until %s (mute %d)", matchText(m), stamp(m.Until), id)
	case "unmute":
		id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
		if err != nil {
			refuse(http.StatusBadRequest, "unmute needs the mute's id")
			return
		}
		if err := st.Unmute(ctx, id); err != nil {
			status := http.StatusServiceUnavailable
			if errors.Is(err, store.ErrNoSuchMute) {
				status = http.StatusNotFound
			}
			refuse(status, err.Error())
			return
		}
		d.log.Info("status page action", "action", "unmute", "by", by, "remote", r.RemoteAddr, "id", id)
		done = fmt.Sprintf("mute %d removed", id)
	case "ack":
		if reason == "" {
			refuse(http.StatusBadRequest, "an acknowledgement needs a reason")
			return
		}
		if m.Host == "" || m.Command == "" {
			refuse(http.StatusBadRequest, "an acknowledgement names the command and the host")
			return
		}
		keys, err := st.Ack(ctx, m, reason+" (by "+by+", status page)", time.Time{}, now)
		if err != nil {
			refuse(http.StatusServiceUnavailable, err.Error())
			return
		}
		if len(keys) == 0 {
			refuse(http.StatusConflict, "nothing fires on "+matchText(m)+": nothing to acknowledge")
			return
		}
		var ks []string
		for _, k := range keys {
			ks = append(ks, k.String())
		}
		d.log.Info("status page action", "action", "ack", "by", by, "remote", r.RemoteAddr, "keys", strings.Join(ks, ", "), "reason", reason)
		done = fmt.Sprintf("acknowledged %d alert(s): %s", len(keys), strings.Join(ks, ", "))
	}
	back, _ := url.Parse(backURL(r))
	bq := back.Query()
	bq.Set("done", done)
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusSeeOther)
}

// backURL is where an action returns: the form's "back" when it is a path
// of this page, else the overview.
func backURL(r *http.Request) string {
	b := r.PostFormValue("back")
	if u, err := url.Parse(b); err == nil && u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/") && !strings.HasPrefix(b, "//") && !strings.Contains(b, "\\") {
		q := u.Query()
		q.Del("done")
		u.RawQuery = q.Encode()
		return u.String()
	}
	return "/"
}

func matchText(m alerts.Mute) string {
	s := orText(m.Command, "any command") + " on " + orText(m.Host, "any host")
	if m.Rule != "" {
		s = m.Rule + " of " + s
	}
	return s
}

// parseMuteFor reads a mute's duration: "30m", "2h", "3d"; mandatory, at
// most maxMute.
func parseMuteFor(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("a mute needs an expiry (for: e.g. 2h)")
	}
	var d time.Duration
	var err error
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var days int
		days, err = strconv.Atoi(n)
		d = time.Duration(days) * 24 * time.Hour
	} else {
		d, err = time.ParseDuration(s)
	}
	switch {
	case err != nil:
		return 0, fmt.Errorf("cannot read %q as a duration: write e.g. 30m, 2h or 3d", s)
	case d <= 0 || d > maxMute:
		return 0, fmt.Errorf("a mute lasts from 1m to %s (got %s)", "30d", s)
	}
	return d, nil
}

// whenText is t relative to now: "3m ago", "in 2h".
func whenText(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t)
	if d < 0 {
		return "in " + roundDur(-d)
	}
	return roundDur(d) + " ago"
}

func roundDur(d time.Duration) string {
	switch {
	case d < time.Minute:
		return d.Round(time.Second).String()
	case d < 48*time.Hour:
		return d.Round(time.Minute).String()
	}
	return fmt.Sprintf("%dd", int(d.Hours()/24))
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}
