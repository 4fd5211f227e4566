package daemon

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	promcollectors "github.com/prometheus/client_golang/prometheus/collectors"

	"serverstats/cmd/serverstats/internal/check"
	"serverstats/collectors"
	"serverstats/config"
)

// metrics are the daemon's Prometheus series.
type metrics struct {
	reg           *prometheus.Registry
	lastRun       *prometheus.GaugeVec
	duration      *prometheus.GaugeVec
	success       *prometheus.GaugeVec
	unknown       *prometheus.GaugeVec
	runs          *prometheus.CounterVec
	skipped       *prometheus.CounterVec
	firing        *prometheus.GaugeVec
	notifications *prometheus.CounterVec
	queued        prometheus.Gauge
	shardHosts    *prometheus.GaugeVec
	reloads       *prometheus.CounterVec
	actionRuns    *prometheus.CounterVec
	stateErrors   *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		lastRun: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_run_last_timestamp_seconds",
			Help: "When the command last finished on the host (Unix time)."}, []string{"command", "host"}),
		duration: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_run_duration_seconds",
			Help: "How long the command's last run on the host took."}, []string{"command", "host"}),
		success: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_run_success",
			Help: "1 if the command's last run on the host ran and its output was read, else 0."}, []string{"command", "host"}),
		unknown: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_host_unknown",
			Help: "1 if the host could not be checked in the command's last run (unreachable, timed out, auth, bad exit status)."}, []string{"command", "host"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_runs_total",
			Help: "Runs of the command started by the scheduler."}, []string{"command"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_runs_skipped_total",
			Help: "Scheduled runs skipped because the previous run was still going."}, []string{"command"}),
		firing: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_alerts_firing",
			Help: "Alert keys of the command that are firing."}, []string{"command"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_notifications_total",
			Help: "Delivery attempts by handler and outcome (sent, retry, rerouted, undeliverable)."}, []string{"handler", "outcome"}),
		queued: prometheus.NewGauge(prometheus.GaugeOpts{Name: "serverstats_outbox_queued",
			Help: "Messages in the outbox not yet delivered (including undeliverable ones)."}),
		shardHosts: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "serverstats_shard_hosts",
			Help: "Hosts this instance runs: those of its shard (shard K of shards N; 1 of 1 when the fleet is not sharded)."}, []string{"shard", "shards"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_config_reloads_total",
			Help: "Config reloads by result (ok, failed)."}, []string{"result"}),
		actionRuns: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_actions_total",
			Help: "Remediation actions run, by command and result (ok, failed)."}, []string{"command", "result"}),
		stateErrors: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "serverstats_state_errors_total",
			Help: "Failed operations on the state file, by operation (open, update, read, deliver); alerts are then delivered directly."}, []string{"op"}),
	}
	m.reg.MustRegister(m.stateErrors, m.lastRun, m.duration, m.success, m.unknown, m.runs, m.skipped, m.firing,
		m.notifications, m.queued, m.shardHosts, m.reloads, m.actionRuns,
		promcollectors.NewGoCollector(), promcollectors.NewProcessCollector(promcollectors.ProcessCollectorOpts{}))
	for _, r := range []string{"ok", "failed"} {
		m.reloads.WithLabelValues(r)
	}
	for _, op := range []string{"open", "update", "read", "deliver"} {
		m.stateErrors.WithLabelValues(op)
	}
	return m
}

// registerPool exports the SSH pool's state, read at scrape time. Counters
// restart from zero when a reload builds a new pool.
func (m *metrics) registerPool(stats func() collectors.PoolStats) {
	gauge := func(name, help string, f func(collectors.PoolStats) float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 { return f(stats()) })
	}
	m.reg.MustRegister(
		gauge("serverstats_ssh_connections_open", "SSH connections open now.", func(s collectors.PoolStats) float64 { return float64(s.Open) }),
		gauge("serverstats_ssh_sessions_in_use", "SSH sessions running now.", func(s collectors.PoolStats) float64 { return float64(s.SessionsInUse) }),
		gauge("serverstats_ssh_dials", "SSH connection attempts since the pool was built.", func(s collectors.PoolStats) float64 { return float64(s.Dials) }),
		gauge("serverstats_ssh_dial_failures", "Failed SSH connection attempts since the pool was built.", func(s collectors.PoolStats) float64 { return float64(s.DialFailures) }),
		gauge("serverstats_ssh_reconnects", "Reconnections after a broken connection since the pool was built.", func(s collectors.PoolStats) float64 { return float64(s.Reconnects) }),
		gauge("serverstats_ssh_keepalives", "Keepalives sent to connections quiet for an interval, since the pool was built.", func(s collectors.PoolStats) float64 { return float64(s.Keepalives) }),
		gauge("serverstats_ssh_keepalive_failures", "Connections closed for unanswered keepalives since the pool was built.", func(s collectors.PoolStats) float64 { return float64(s.KeepaliveFailures) }),
	)
}

// observeRun records one run's per-host results and the remediations run
// after it.
func (m *metrics) observeRun(rep *check.Report) {
	for _, h := range rep.Hosts {
		cmd, host := rep.Command.Name, h.Target.Name
		for _, a := range h.Actions {
			result := "ok"
			if !a.OK {
				result = "failed"
			}
			m.actionRuns.WithLabelValues(cmd, result).Inc()
		}
		m.lastRun.WithLabelValues(cmd, host).Set(float64(rep.Started.Add(rep.Duration).Unix()))
		m.duration.WithLabelValues(cmd, host).Set(h.Result.Duration.Seconds())
		ok, unknown := 0.0, 0.0
		if label, _ := h.Failure(); label == "" {
			ok = 1
		} else {
			unknown = 1
		}
		m.success.WithLabelValues(cmd, host).Set(ok)
		m.unknown.WithLabelValues(cmd, host).Set(unknown)
	}
}

// setShard exports the shard of a config and its host count; a reload
// replaces them.
func (m *metrics) setShard(cfg *config.Config) {
	k, n := cfg.Shard.K, cfg.Shard.N
	if n == 0 {
		k, n = 1, 1
	}
	m.shardHosts.Reset()
	m.shardHosts.WithLabelValues(strconv.Itoa(k), strconv.Itoa(n)).Set(float64(cfg.Shard.Hosts(cfg)))
}
