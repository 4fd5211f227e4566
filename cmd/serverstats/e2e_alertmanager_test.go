package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
	"serverstats/collectors/testenv"
	"serverstats/config"
)

// alertmanagerPath is where Debian's prometheus-alertmanager installs it.
const alertmanagerPath = "/usr/bin/prometheus-alertmanager"

// amNode is one real Alertmanager process of a two-node cluster on
// loopback; stop and start keep its ports and storage.
type amNode struct {
	args []string
	web  string // 127.0.0.1:PORT
	cmd  *exec.Cmd
	done chan struct{}
	logs *syncBuffer
}

func (n *amNode) start(t *testing.T) {
	t.Helper()
	n.cmd = exec.Command(alertmanagerPath, n.args...)
	n.done = make(chan struct{})
	n.cmd.Stdout, n.cmd.Stderr = n.logs, n.logs
	if err := n.cmd.Start(); err != nil {
		t.Fatalf("start alertmanager: %v", err)
	}
	cmd, done := n.cmd, n.done
	go func() { cmd.Wait(); close(done) }()
	waitForUpTo(t, 20*time.Second, "alertmanager "+n.web+" ready", func() bool {
		resp, err := http.Get("http://" + n.web + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
}

// stop ends the node (SIGTERM, then SIGKILL after 10s), by its PID.
func (n *amNode) stop(t *testing.T) {
	t.Helper()
	if n.cmd == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
	}
}

// alerts are the node's alerts (GET /api/v2/alerts: active ones).
func (n *amNode) alerts(t *testing.T) []amAlert {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Second}
	resp, err := c.Get("http://" + n.web + "/api/v2/alerts")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var out []amAlert
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET /api/v2/alerts on %s: %v", n.web, err)
	}
	return out
}

type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	StartsAt    time.Time         `json:"startsAt"`
	EndsAt      time.Time         `json:"endsAt"`
	Generator   string            `json:"generatorURL"`
	Status      struct {
		State string `json:"state"`
	} `json:"status"`
}

// byHost counts a node's alerts by their host label.
func byHost(as []amAlert) map[string]int {
	out := map[string]int{}
	for _, a := range as {
		out[a.Labels["host"]]++
	}
	return out
}

// startAlertmanagers starts two Alertmanager nodes gossiping with each
// other, whose receiver is the webhook at hook.
func startAlertmanagers(t *testing.T, hook string) [2]*amNode {
	t.Helper()
	_, err := os.Stat(alertmanagerPath)
	testenv.Need(t, "ALERTMANAGER", err, "Alertmanager not found: install prometheus-alertmanager (apt-get install -y prometheus-alertmanager; scripts/test does)")
	dir := t.TempDir()
	conf := filepath.Join(dir, "alertmanager.yml")
	// One group per alert, sent at once, never repeated within the test:
	// each notification the receiver gets is one alert told once.
	if err := os.WriteFile(conf, []byte(`route:
  receiver: hook
  group_by: [alertname, command, host, row]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: `+hook+`
        send_resolved: true
`), 0o644); err != nil {
		t.Fatal(err)
	}
	webs := [2]string{freeAddr(t), freeAddr(t)}
	clusters := [2]string{freeAddr(t), freeAddr(t)}
	var nodes [2]*amNode
	for i := range nodes {
		storage := filepath.Join(dir, fmt.Sprintf("data%d", i))
		nodes[i] = &amNode{web: webs[i], logs: &syncBuffer{}, args: []string{
			"--config.file=" + conf, "--storage.path=" + storage,
			"--web.listen-address=" + webs[i],
			"--cluster.listen-address=" + clusters[i], "--cluster.advertise-address=" + clusters[i],
			"--cluster.peer=" + clusters[1-i],
			"--cluster.peer-timeout=2s", "--cluster.settle-timeout=3s", "--cluster.reconnect-interval=1s",
			"--cluster.pushpull-interval=2s",
		}}
	}
	t.Cleanup(func() {
		for _, n := range nodes {
			n.stop(t)
			if t.Failed() {
				t.Logf("alertmanager %s log:\n%s", n.web, n.logs.String())
			}
		}
	})
	for _, n := range nodes {
		n.start(t)
	}
	return nodes
}

// hookRecorder is the webhook receiver of the Alertmanager cluster: it
// counts notifications by host and status.
type amHook struct {
	*httptest.Server
	mu   sync.Mutex
	seen map[string]int // "host status" -> notifications
}

func newAMHook(t *testing.T) *amHook {
	h := &amHook{seen: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Status string `json:"status"`
			Alerts []struct {
				Status string            `json:"status"`
				Labels map[string]string `json:"labels"`
			} `json:"alerts"`
		}
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &msg); err == nil {
			h.mu.Lock()
			for _, a := range msg.Alerts {
				h.seen[a.Labels["host"]+" "+a.Status]++
			}
			h.mu.Unlock()
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *amHook) count(host, status string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[host+" "+status]
}

// startInstance starts `serverstats run` with cfg (@ADDR@ replaced by a
// free loopback address) and args, in its own directory and state file.
func startInstance(t *testing.T, dir, cfg string, args ...string) *daemonProc {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{addr: freeAddr(t), config: filepath.Join(dir, "serverstats.yaml"), state: filepath.Join(dir, "state.db"), logs: &syncBuffer{}, done: make(chan struct{})}
	d.write(t, cfg)
	d.launch(t, nil, args...)
	return d
}

// shardStatus is what /api/status says of the shard.
func shardStatus(t *testing.T, d *daemonProc) (string, int, int) {
	t.Helper()
	code, body := d.get("/api/status")
	var doc struct {
		Shard  string
		Hosts  int
		Outbox int
	}
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil {
		t.Fatalf("/api/status: %d %s", code, body)
	}
	return doc.Shard, doc.Hosts, doc.Outbox
}

// Three serverstats instances (shard 1/2 twice, as replicas, and shard
// 2/2) watch four real sshd hosts and post to a two-node Alertmanager
// cluster whose receiver is a webhook: each node shows each alert once with
// its labels; the replicas' identical alerts make one notification; a
// resolve ends the alert; with a node stopped nothing is lost, and with
// both stopped the outbox keeps the alerts until they return.
func TestE2EAlertmanagerCluster(t *testing.T) {
	hook := newAMHook(t)
	nodes := startAlertmanagers(t, hook.URL+"/hook")
	f := sshdtest.Start(t, 4)

	// Host names that ssh_config maps to the four sshd, chosen (from a
	// fixed list, so the same every run) to put two in each shard.
	var names []string
	perShard := map[int]int{}
	for i := 1; len(names) < 4 && i < 100; i++ {
		name := fmt.Sprintf("web%d.test", i)
		if s := config.ShardOf(name, 2); perShard[s] < 2 {
			perShard[s]++
			names = append(names, name)
		}
	}
	if len(names) != 4 {
		t.Fatalf("no two hosts per shard among web1..web99.test: %v", names)
	}
	var sshConfig strings.Builder
	owner := map[string]int{}
	label := map[string]string{} // host name -> sshd label, whose value file it reads
	for i, s := range f.Servers {
		fmt.Fprintf(&sshConfig, "Host %s\n\tHostName 127.0.0.1\n\tPort %d\n\n", names[i], s.Port)
		owner[names[i]], label[names[i]] = config.ShardOf(names[i], 2), s.Label
	}
	sshPath := f.WriteFile("ssh_config", sshConfig.String())
	setValue := func(host, v string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(f.Dir, label[host]+".val"), []byte(v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range names {
		setValue(n, "95")
	}
	cfg := func(extra string) string {
		return fmt.Sprintf(`ssh: {user: %q, known-hosts: %q, identity-files: [%q], agent: false, ssh-config: %q, connect-timeout: 3s}
daemon: {listen: "@ADDR@"}
delivery: {retry-initial: 1s, retry-max: 2s}
handlers:
  am: {type: alertmanager, urls: ["http://%s", "http://%s"], resend: 2s, labels: {team: ops}}
groups: {fleet: [%s]}
commands:
  level:
    servers: [fleet]
    cmd: cat %s/$SERVERSTATS_HOST.val
    header: none
    schedule: "@every 1s"
    alerts: [{trigger: "> 90", handlers: [am], runbook: "https://wiki.example.com/level"}]
`, f.User, f.KnownHostsPath, f.UserKeyPath, sshPath, nodes[0].web, nodes[1].web, strings.Join(names, ", "), f.Dir) + extra
	}
	base := t.TempDir()
	a := startInstance(t, filepath.Join(base, "a"), cfg(""), "--shard", "1/2")
	b := startInstance(t, filepath.Join(base, "b"), cfg("shard: 2/2\n"))
	replica := startInstance(t, filepath.Join(base, "a-replica"), cfg("shard: 2/2\n"), "--shard", "1/2") // the switch wins

	// Each instance runs its shard's hosts only, and says so.
	for _, c := range []struct {
		d     *daemonProc
		shard string
	}{{a, "1/2"}, {b, "2/2"}, {replica, "1/2"}} {
		if shard, hosts, _ := shardStatus(t, c.d); shard != c.shard || hosts != 2 {
			t.Errorf("/api/status: shard %q with %d hosts, want %s with 2", shard, hosts, c.shard)
		}
		k := strings.Split(c.shard, "/")[0]
		if _, metrics := c.d.get("/metrics"); !strings.Contains(metrics, `serverstats_shard_hosts{shard="`+k+`",shards="2"} 2`) {
			t.Errorf("/metrics of shard %s lacks serverstats_shard_hosts 2", c.shard)
		}
		waitFor(t, "a finished run of shard "+c.shard, func() bool { st := c.d.status(t); return len(st.Commands) == 1 && st.Commands[0].LastRun != nil })
		if last := c.d.status(t).Commands[0].LastRun; last == nil || last.HostsOK+last.HostsUnknown != 2 {
			t.Errorf("shard %s ran %+v, want its 2 hosts only", c.shard, last)
		}
	}

	// Every node has every alert, once, with its labels.
	want := map[string]int{}
	for _, n := range names {
		want[n] = 1
	}
	for _, node := range nodes {
		waitForUpTo(t, 30*time.Second, "the four alerts on "+node.web, func() bool { return len(byHost(node.alerts(t))) == 4 })
		as := node.alerts(t)
		if got := byHost(as); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: alerts by host %v, want each once: %v", node.web, got, want)
		}
		for _, al := range as {
			l := al.Labels
			if l["alertname"] != "value > 90" || l["command"] != "level" || l["severity"] != "critical" || l["team"] != "ops" || owner[l["host"]] == 0 {
				t.Errorf("%s: labels %v", node.web, l)
			}
			if al.Annotations["value"] != "95" || al.Annotations["rule"] != "value > 90" || al.Annotations["runbook_url"] != "https://wiki.example.com/level" || !strings.HasPrefix(al.Generator, "http://127.0.0.1:") {
				t.Errorf("%s: annotations %v, generatorURL %q", node.web, al.Annotations, al.Generator)
			}
		}
	}

	// One notification per alert at the receiver, though shard 1's two
	// replicas each posted its alerts to both nodes. The nodes wait their
	// position × peer-timeout (2s) before sending: wait past that.
	waitForUpTo(t, 30*time.Second, "a firing notification per host", func() bool {
		for _, n := range names {
			if hook.count(n, "firing") == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(6 * time.Second) // past peer-timeout and several re-posts: a second notification would have come
	for _, n := range names {
		if got := hook.count(n, "firing"); got != 1 {
			t.Errorf("%s (shard %d): %d firing notifications at the receiver, want 1", n, owner[n], got)
		}
	}

	// A resolve ends the alert on both nodes and is told once.
	var first string // a host of shard 1, watched by both replicas
	for _, n := range names {
		if owner[n] == 1 {
			first = n
			break
		}
	}
	setValue(first, "10")
	for _, node := range nodes {
		waitForUpTo(t, 30*time.Second, first+" resolved on "+node.web, func() bool { return byHost(node.alerts(t))[first] == 0 })
	}
	waitForUpTo(t, 30*time.Second, "the resolved notification", func() bool { return hook.count(first, "resolved") >= 1 })

	// One node stopped: the alerts still go through the other, and the
	// outboxes drain.
	nodes[1].stop(t)
	setValue(first, "97")
	waitForUpTo(t, 30*time.Second, first+" firing again on the live node", func() bool { return byHost(nodes[0].alerts(t))[first] == 1 })
	for _, d := range []*daemonProc{a, b, replica} {
		waitForUpTo(t, 20*time.Second, "the outbox empty with one node up", func() bool { _, _, q := shardStatus(t, d); return q == 0 })
	}

	// Both stopped: the messages wait in the outboxes (re-posts collapse
	// into the one waiting), and nothing is lost when the nodes return on
	// the same ports: the outboxes drain and both nodes have every alert.
	nodes[0].stop(t)
	var second string // a host of shard 2
	for _, n := range names {
		if owner[n] == 2 {
			second = n
		}
	}
	setValue(second, "10")
	waitForUpTo(t, 20*time.Second, "messages waiting in the outboxes", func() bool {
		_, _, qa := shardStatus(t, a)
		_, _, qb := shardStatus(t, b)
		return qa > 0 && qb > 0
	})
	time.Sleep(4 * time.Second) // two more re-post periods while down
	if _, _, q := shardStatus(t, a); q > 2 {
		t.Errorf("shard 1's outbox holds %d messages while the cluster is down; re-posts should collapse into the one waiting", q)
	}
	nodes[0].start(t)
	nodes[1].start(t)
	for _, d := range []*daemonProc{a, b, replica} {
		waitForUpTo(t, 30*time.Second, "the outbox drained after the nodes returned", func() bool { _, _, q := shardStatus(t, d); return q == 0 })
	}
	delete(want, second)
	for _, node := range nodes {
		waitForUpTo(t, 30*time.Second, "the three firing alerts on "+node.web+" after its restart", func() bool {
			return fmt.Sprint(byHost(node.alerts(t))) == fmt.Sprint(want)
		})
	}
	waitForUpTo(t, 30*time.Second, second+"'s resolve told", func() bool { return hook.count(second, "resolved") >= 1 })
	hostsByShard := map[int][]string{}
	for n, s := range owner {
		hostsByShard[s] = append(hostsByShard[s], n)
	}
	for _, hs := range hostsByShard {
		sort.Strings(hs)
	}
	t.Logf("shard 1: %v, shard 2: %v; notifications by host and status: %v", hostsByShard[1], hostsByShard[2], hook.snapshot())
	if got := hook.count(first, "firing"); got != 2 {
		t.Errorf("%s: %d firing notifications, want 2 (before its resolve and after)", first, got)
	}
}

func (h *amHook) snapshot() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.seen {
		out[k] = v
	}
	return out
}
