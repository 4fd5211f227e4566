package alerts

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"serverstats/parse"
)

// benchRows is a ps-like table of n rows: one in 100 above 90 %CPU.
func benchRows(n int) string {
	var b strings.Builder
	b.WriteString("USER         PID %CPU %MEM    VSZ   RSS COMMAND\n")
	for i := range n {
		cpu := float64(i%90) / 3
		if i%100 == 0 {
			cpu = 95
		}
		fmt.Fprintf(&b, "www-data %7d %4.1f  0.1 123456  7890 /usr/sbin/worker --id %d\n", i+1, cpu, i)
	}
	return b.String()
}

func benchRules(b *testing.B) []*Rule {
	b.Helper()
	cpu, err := ParseTrigger("> 90", parse.TypeNumber)
	if err != nil {
		b.Fatal(err)
	}
	rss, err := ParseTrigger("> 1G", parse.TypeBytes)
	if err != nil {
		b.Fatal(err)
	}
	return []*Rule{{Name: "cpu", Column: "%CPU", Type: parse.TypeNumber, Trigger: cpu}, {Name: "rss", Column: "RSS", Type: parse.TypeBytes, Trigger: rss}}
}

// BenchmarkObserve judges two rules on every row of a 10,000-row table.
func BenchmarkObserve(b *testing.B) {
	const n = 10000
	t, err := parse.ParseTable(benchRows(n), parse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rules := benchRules(b)
	b.ReportAllocs()
	for b.Loop() {
		if obs := Observe("ps", "web1", "PID", rules, t); len(obs) != 2*n {
			b.Fatalf("%d observations, want %d", len(obs), 2*n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}

// BenchmarkDecide decides a run of 10,000 rows (100 firing) against the
// states the previous identical run left: the steady state of a sweep.
func BenchmarkDecide(b *testing.B) {
	const n = 10000
	t, err := parse.ParseTable(benchRows(n), parse.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rules := benchRules(b)
	run := Run{Command: "ps", Rules: rules, Hosts: []HostRun{{Host: "web1", Observations: Observe("ps", "web1", "PID", rules, t)}}}
	now := time.Date(2026, 12, 3, 3, 12, 0, 0, time.UTC)
	states := map[Key]State{}
	firing := 0
	for _, s := range Decide(run, nil, nil, now).States {
		states[s.Key] = s
		if s.Phase == PhaseFiring {
			firing++
		}
	}
	if firing != n/100 {
		b.Fatalf("%d firing, want %d", firing, n/100)
	}
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Minute)
		Decide(run, states, nil, now)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/row")
}
