package daemon

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"serverstats/alerts"
)

// routes serves the status endpoint: /healthz for monit, systemd and load
// balancers, /metrics for Prometheus, /api/status as JSON, the status page
// at / (page.go); 404 otherwise.
// On a loopback address it answers only requests for a loopback host (see
// loopbackOnly).
func (d *daemon) routes(loopback bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", d.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /api/status", d.apiStatus)
	d.pageRoutes(mux)
	mux.HandleFunc("/", http.NotFound)
	var h http.Handler = d.whenStarted(mux)
	if loopback {
		// Go's profiles, as Prometheus and Alertmanager serve them, for
		// "where do the memory and CPU go" on a live fleet; only where
		// no one but this machine can ask (they name functions, never
		// values, but a CPU profile costs CPU while it runs).
		mux.HandleFunc("GET /debug/pprof/", pprof.Index)
		mux.HandleFunc("GET /debug/pprof/profile", boundedProfile)
		mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
		h = loopbackOnly(h)
	}
	return limitBody(h)
}

// whenStarted answers 503 until the first config's generation runs: the
// listener opens first (so a port clash is told at once), and the first
// generation may take a moment (the state file is read to catch up missed
// runs). /healthz says so in monit's words.
func (d *daemon) whenStarted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d.current() == nil {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, "Status FAILED - serverstats is starting")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxProfileSeconds bounds a CPU profile's length: a web page open on this
// machine can send a GET it cannot read the answer of, and a profile of a
// day would hold the profiler (one at a time) for a day.
const maxProfileSeconds = 300

// boundedProfile is pprof.Profile for at most maxProfileSeconds.
func boundedProfile(w http.ResponseWriter, r *http.Request) {
	if s := r.FormValue("seconds"); s != "" {
		if sec, err := strconv.Atoi(s); err != nil || sec < 1 || sec > maxProfileSeconds {
			http.Error(w, fmt.Sprintf("seconds must be 1..%d", maxProfileSeconds), http.StatusBadRequest)
			return
		}
	}
	pprof.Profile(w, r)
}

// loopbackOnly refuses requests whose Host is not a loopback name or
// address (localhost, 127.0.0.0/8, ::1), with 421. A web page the on-call
// person has open could otherwise point a DNS name of its own at 127.0.0.1
// and read /api/status from the browser (DNS rebinding).
func loopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
		ip := net.ParseIP(host)
		if !strings.EqualFold(host, "localhost") && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "serverstats answers only requests for localhost or a loopback address", http.StatusMisdirectedRequest)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// maxRequestBody bounds what a request may carry: the endpoints read none.
const maxRequestBody = 4 << 10

func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > maxRequestBody {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
		next.ServeHTTP(w, r)
	})
}

// healthz answers 200 "Status OK - ..." while the scheduler loop is alive,
// 503 otherwise: what monit's `content = "Status OK"` checks.
func (d *daemon) healthz(w http.ResponseWriter, _ *http.Request) {
	g := d.current()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	now := d.now()
	if g == nil || !g.sched.alive(now) {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "Status FAILED - serverstats scheduler is not running")
		return
	}
	if failing, why := d.stateHealth(); failing {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "Status FAILED - state file unavailable (alerts are delivered directly, without debounce, mutes or reminders): %s\n", why)
		return
	}
	if late := g.sched.overdue(now); len(late) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "Status FAILED - not run for two of their intervals: %s (a run that hangs, or a scheduler that stopped; see the log)\n", strings.Join(late, ", "))
		return
	}
	fmt.Fprintf(w, "Status OK - serverstats %s: %d commands scheduled, up %s\n", d.opts.Version, len(g.sched.jobs), now.Sub(d.started).Round(time.Second))
}

type apiCommand struct {
	Name     string   `json:"name"`
	Schedule string   `json:"schedule"`
	Next     string   `json:"next_run"`
	Started  int      `json:"runs_started"`
	Skipped  int      `json:"runs_skipped"`
	Last     *runInfo `json:"last_run,omitempty"`
	// LastOK is the last run that checked every host and rule (from the
	// state file: one-shots of the command count too).
	LastOK *time.Time `json:"last_ok,omitempty"`
}

func (d *daemon) apiStatus(w http.ResponseWriter, r *http.Request) {
	g := d.current()
	stats := g.sched.snapshot()
	now := time.Now()
	doc := struct {
		Version  string       `json:"version"`
		Config   string       `json:"config"`
		Started  time.Time    `json:"started"`
		Healthy  bool         `json:"healthy"`
		Commands []apiCommand `json:"commands"`
		Outbox   int          `json:"outbox"`
		// Shard is the part of the fleet this instance runs ("K/N"; absent
		// when not sharded) and Hosts the number of its hosts.
		Shard string `json:"shard,omitempty"`
		Hosts int    `json:"hosts"`
		// Alerts are the keys not OK (or flapping), with what holds them.
		Alerts []apiAlert `json:"alerts"`
		// Maintenance are the maintenance windows open now, as mutes.
		Maintenance []alerts.Mute `json:"maintenance"`
		// StateError is the last state-file failure, "" once an operation works again.
		StateError string `json:"state_error,omitempty"`
		Reloads    struct {
			OK        int    `json:"ok"`
			Failed    int    `json:"failed"`
			LastError string `json:"last_error,omitempty"`
		} `json:"reloads"`
	}{Version: d.opts.Version, Config: g.cfg.File, Started: d.started, Commands: []apiCommand{}, Alerts: []apiAlert{},
		Maintenance: append([]alerts.Mute{}, g.cfg.MaintenanceMutes(now)...),
		Shard:       g.cfg.Shard.String(), Hosts: g.cfg.Shard.Hosts(g.cfg)}
	failing, _ := d.stateHealth()
	doc.Healthy = g.sched.alive(now) && !failing
	g.lastMu.Lock()
	for _, j := range g.sched.jobs {
		c := apiCommand{Name: j.name, Next: j.schedule.Next(now).Format(time.RFC3339), Started: stats[j.name].Started, Skipped: stats[j.name].Skipped}
		if cmd := g.cfg.Command(j.name); cmd != nil {
			c.Schedule = cmd.Schedule
		}
		if info, ok := g.last[j.name]; ok {
			c.Last = &info
		}
		doc.Commands = append(doc.Commands, c)
	}
	g.lastMu.Unlock()
	if st, err := d.state(r.Context()); err == nil {
		if entries, err := st.Outbox(r.Context()); err == nil {
			doc.Outbox = len(entries)
		}
		if states, err := st.States(r.Context()); err == nil {
			doc.Alerts = apiAlerts(states, now)
		}
		if marks, err := st.RunMarks(r.Context()); err == nil {
			for i, c := range doc.Commands {
				if m, ok := marks[c.Name]; ok && !m.LastOK.IsZero() {
					doc.Commands[i].LastOK = &m.LastOK
				}
			}
		}
	}
	_, doc.StateError = d.stateHealth()
	d.mu.Lock()
	doc.Reloads.OK, doc.Reloads.Failed, doc.Reloads.LastError = d.reloads.ok, d.reloads.failed, d.lastErr
	d.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(doc)
}

// apiAlert is one alert key that is not OK, as /api/status shows it.
type apiAlert struct {
	alerts.Key
	Phase         alerts.Phase `json:"phase"`
	Since         time.Time    `json:"since"`
	Value         string       `json:"value"`
	FlappingSince *time.Time   `json:"flapping_since,omitempty"`
	Ack           string       `json:"ack,omitempty"`
	Escalated     int          `json:"escalated,omitempty"`
	HeldBy        string       `json:"held_by,omitempty"` // a mute, a maintenance window, a parent down
}

// apiAlerts are the keys not OK or flapping, sorted.
func apiAlerts(states map[alerts.Key]alerts.State, now time.Time) []apiAlert {
	out := []apiAlert{}
	for _, s := range states {
		if s.Phase == alerts.PhaseOK && !s.Flapping {
			continue
		}
		a := apiAlert{Key: s.Key, Phase: s.Phase, Since: s.Since, Value: s.LastValue, Ack: s.AckText(now), Escalated: s.Escalated}
		if s.Flapping {
			a.FlappingSince = &s.FlapSince
		}
		if s.Suppressed {
			a.HeldBy = s.HeldBy
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(x, y apiAlert) int { return strings.Compare(x.Key.String(), y.Key.String()) })
	return out
}
