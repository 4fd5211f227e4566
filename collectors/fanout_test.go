package collectors_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"serverstats/collectors"
)

// fakeCollector answers with the target's name after delay(target).
type fakeCollector struct {
	delay            func(collectors.Target) time.Duration
	inflight, maxFly atomic.Int32
	mu               sync.Mutex
	finished         []string
}

func (f *fakeCollector) Run(ctx context.Context, t collectors.Target, cmd string) collectors.Result {
	n := f.inflight.Add(1)
	for {
		m := f.maxFly.Load()
		if n <= m || f.maxFly.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(f.delay(t))
	f.inflight.Add(-1)
	f.mu.Lock()
	f.finished = append(f.finished, t.Name)
	f.mu.Unlock()
	return collectors.Result{Target: t, Stdout: []byte(t.Name + ":" + cmd)}
}

func targets(n int) []collectors.Target {
	var ts []collectors.Target
	for i := range n {
		name := fmt.Sprintf("h%02d", i)
		ts = append(ts, collectors.Target{Name: name, Host: name})
	}
	return ts
}

func TestRunAllOrderParallelismProgress(t *testing.T) {
	t.Parallel()
	ts := targets(12)
	// Earlier targets take longer, so they finish last.
	fc := &fakeCollector{delay: func(tg collectors.Target) time.Duration {
		var i int
		fmt.Sscanf(tg.Name, "h%d", &i)
		return time.Duration(12-i) * 20 * time.Millisecond // 20 ms apart: scheduling jitter under load must not reorder them
	}}
	var progress []int
	res := collectors.RunAll(context.Background(), func(collectors.Target) collectors.Collector { return fc }, ts, "x", 3, func(done, total int) {
		if total != 12 {
			t.Errorf("total = %d", total)
		}
		progress = append(progress, done) // serialised by RunAll
	})
	for i, r := range res {
		if r.Target.Name != ts[i].Name || string(r.Stdout) != ts[i].Name+":x" {
			t.Errorf("result %d = %s %q, want %s", i, r.Target.Name, r.Stdout, ts[i].Name)
		}
	}
	if fc.finished[0] == ts[0].Name {
		t.Errorf("completion order %v equals target order: the test proves nothing", fc.finished)
	}
	if m := fc.maxFly.Load(); m != 3 {
		t.Errorf("max in flight = %d, want 3", m)
	}
	for i, d := range progress {
		if d != i+1 {
			t.Fatalf("progress = %v, want 1..12", progress)
		}
	}
	if len(progress) != 12 {
		t.Errorf("progress called %d times, want 12", len(progress))
	}
}

func TestRunAllDefaultParallelism(t *testing.T) {
	t.Parallel()
	fc := &fakeCollector{delay: func(collectors.Target) time.Duration { return 50 * time.Millisecond }}
	res := collectors.RunAll(context.Background(), func(collectors.Target) collectors.Collector { return fc }, targets(100), "x", 0, nil)
	if len(res) != 100 {
		t.Fatalf("%d results", len(res))
	}
	if m := fc.maxFly.Load(); m > collectors.DefaultParallel || m < 10 {
		t.Errorf("max in flight = %d, want between 10 and %d", m, collectors.DefaultParallel)
	}
}

type panicCollector struct{}

func (panicCollector) Run(context.Context, collectors.Target, string) collectors.Result {
	panic("boom")
}

func TestRunAllBadCollectors(t *testing.T) {
	t.Parallel()
	ts := targets(3)
	ok := &fakeCollector{delay: func(collectors.Target) time.Duration { return 0 }}
	pick := func(tg collectors.Target) collectors.Collector {
		switch tg.Name {
		case "h00":
			return nil
		case "h01":
			return panicCollector{}
		}
		return ok
	}
	res := collectors.RunAll(context.Background(), pick, ts, "x", 2, nil)
	if !errors.Is(res[0].Err, collectors.ErrConnect) || res[0].Target.Name != "h00" {
		t.Errorf("nil collector: %+v", res[0])
	}
	if !errors.Is(res[1].Err, collectors.ErrConnect) || res[1].Target.Name != "h01" {
		t.Errorf("panicking collector: %+v", res[1])
	}
	if res[2].Err != nil || string(res[2].Stdout) != "h02:x" {
		t.Errorf("good collector: %+v", res[2])
	}
	if got := collectors.RunAll(context.Background(), pick, nil, "x", 0, nil); len(got) != 0 {
		t.Errorf("no targets: %d results", len(got))
	}
}
