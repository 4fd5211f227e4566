package check

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"serverstats/alerts/store"
	"serverstats/collectors"
	"serverstats/config"
)

// BenchmarkPipeline is one run of the whole pipeline, as the daemon does
// it, on a 10,000-row `ps`-like output: parse, judge two rules on every
// row, decide against the state the previous identical run left (100 rows
// firing) and record it in a real state file. Nothing new fires, so
// nothing is queued: the steady state of a sweep.
func BenchmarkPipeline(b *testing.B) {
	const n = 10000
	var out strings.Builder
	out.WriteString("USER         PID %CPU %MEM    VSZ   RSS COMMAND\n")
	for i := range n {
		cpu := float64(i%90) / 3
		if i%100 == 0 {
			cpu = 95
		}
		fmt.Fprintf(&out, "www-data %7d %4.1f  0.1 123456  7890 /usr/sbin/worker --id %d\n", i+1, cpu, i)
	}
	cfg, err := config.Parse("bench.yaml", []byte(`
handlers: {log: {type: print}}
commands:
  ps:
    cmd: ps aux
    servers: [web1.example.com]
    key: PID
    alerts:
      - {name: cpu, column: "%CPU", trigger: "> 90", handlers: [log]}
      - {name: rss, column: RSS, trigger: "> 1G", handlers: [log]}
`))
	if err != nil {
		b.Fatal(err)
	}
	remote := &fakeRemote{out: map[string]collectors.Result{"web1.example.com": {Stdout: []byte(out.String())}}}
	var printed bytes.Buffer
	c := New(cfg, testEnv(remote, &printed))
	st, err := store.Open(context.Background(), filepath.Join(b.TempDir(), "state.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	opts := Options{Alerts: true, State: func(context.Context) (*store.Store, error) { return st, nil }}
	cmd := cfg.Command("ps")
	first := c.Run(context.Background(), cmd, opts)
	if len(first.Hosts) != 1 || len(first.Hosts[0].Table.Rows) != n || len(first.Queued) == 0 {
		b.Fatalf("first run: %d hosts, queued %v", len(first.Hosts), first.Queued)
	}
	b.SetBytes(int64(out.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if rep := c.Run(context.Background(), cmd, opts); rep.Status() != Critical || len(rep.Queued) != 0 {
			b.Fatalf("steady run: status %s, queued %v", rep.Status(), rep.Queued)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}
