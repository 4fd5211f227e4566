package collectors

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// DefaultParallel is RunAll's parallelism when parallel <= 0.
const DefaultParallel = 64

// RunAll runs cmd on every target, at most parallel at a time (DefaultParallel
// when parallel <= 0), using the collector pick returns for each target (for
// example a *Local for Local targets and an *SSH for the rest). It returns one
// Result per target, in the order of targets whatever the order they finish
// in; each Result.Target is what the collector returned (the SSH collector
// fills in the resolved host, port and user). progress, if not nil, is called after each target finishes with the
// number done so far and the total; calls are serialised and done increases
// by one each time. A nil collector or a panicking one gives that target a
// Result with Err set instead of breaking the others.
func RunAll(ctx context.Context, pick func(Target) Collector, targets []Target, cmd string, parallel int, progress func(done, total int)) []Result {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	results := make([]Result, len(targets))
	sem := make(chan struct{}, parallel)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		done int
	)
	for i, t := range targets {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			results[i] = runOne(ctx, pick, t, cmd)
			if progress != nil {
				mu.Lock()
				done++
				progress(done, len(targets))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return results
}

// runOne runs one target, turning a missing or panicking collector into a
// Result instead of a crash.
func runOne(ctx context.Context, pick func(Target) Collector, t Target, cmd string) (res Result) {
	start := time.Now()
	defer func() {
		if r := recover(); r != nil {
			res = Result{Target: t, Duration: time.Since(start), Err: fmt.Errorf("run command on %s: %w: collector panicked: %v", t.Name, ErrConnect, r)}
		}
	}()
	var c Collector
	if pick != nil {
		c = pick(t)
	}
	if c == nil {
		return Result{Target: t, Err: fmt.Errorf("run command on %s: %w: no collector for this target", t.Name, ErrConnect)}
	}
	res = c.Run(ctx, t, cmd)
	if res.Target.Name == "" {
		res.Target = t // collectors may fill in resolved details, but must keep the name
	}
	return res
}
