package collectors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors"
	"serverstats/collectors/testenv"
)

var localTarget = collectors.Target{Name: "localhost", Host: "localhost", Local: true}

func TestLocalOutputAndExitStatus(t *testing.T) {
	t.Parallel()
	l := &collectors.Local{CommandTimeout: 5 * time.Second}
	r := l.Run(context.Background(), localTarget, "echo out; echo err >&2; exit 7")
	if r.Err != nil {
		t.Fatalf("err = %v, want nil for a non-zero exit", r.Err)
	}
	if r.ExitStatus != 7 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" {
		t.Errorf("got exit %d stdout %q stderr %q", r.ExitStatus, r.Stdout, r.Stderr)
	}
	if r.Target != localTarget || r.Duration <= 0 {
		t.Errorf("target %+v duration %v", r.Target, r.Duration)
	}

	r = l.Run(context.Background(), localTarget, "kill -9 $$")
	if r.Err != nil || r.ExitStatus != 137 {
		t.Errorf("killed by SIGKILL: err %v exit %d, want nil 137", r.Err, r.ExitStatus)
	}

	r = (&collectors.Local{Shell: "/bin/bash"}).Run(context.Background(), localTarget, "echo ${BASH_VERSION:+bash}")
	if r.Err != nil || strings.TrimSpace(string(r.Stdout)) != "bash" {
		t.Errorf("Shell /bin/bash: err %v stdout %q", r.Err, r.Stdout)
	}

	r = (&collectors.Local{Shell: "/nonexistent/sh"}).Run(context.Background(), localTarget, "true")
	if !errors.Is(r.Err, collectors.ErrConnect) {
		t.Errorf("missing shell: err = %v, want ErrConnect", r.Err)
	}
}

// The timeout kills the whole process group: "sleep 600 & sleep 600" leaves
// nothing behind and does not hang Run.
func TestLocalTimeoutKillsProcessGroup(t *testing.T) {
	t.Parallel()
	mark := uniqueMark()
	const limit = time.Second
	l := &collectors.Local{CommandTimeout: limit}
	start := time.Now()
	type outcome struct {
		r  collectors.Result
		el time.Duration
	}
	done := make(chan outcome, 1)
	go func() {
		r := l.Run(context.Background(), localTarget, "export "+mark+"; sleep 600 & sleep 600")
		done <- outcome{r, time.Since(start)}
	}()
	// Both sleeps run (so "gone" below means something). /proc shows the
	// environment a process started with, so the shell itself is not seen.
	if !poll(limit, func() bool { return len(procsWithEnv(mark)) == 2 }) {
		t.Fatalf("want 2 marked processes, have %v", procsWithEnv(mark))
	}
	o := <-done
	if !errors.Is(o.r.Err, collectors.ErrTimeout) || !strings.Contains(o.r.Err.Error(), "TIMED OUT after 1s") {
		t.Fatalf("err = %v, want ErrTimeout saying TIMED OUT after 1s", o.r.Err)
	}
	if bound := testenv.NoHang(limit); o.el < limit || o.el > bound {
		t.Errorf("Run returned after %v, want within [%v, %v]", o.el, limit, bound)
	}
	t.Logf("local timeout %v: Run returned after %v", limit, o.el)
	if !poll(testenv.NoHang(0), func() bool { return len(procsWithEnv(mark)) == 0 }) {
		t.Errorf("processes still running: %v", procsWithEnv(mark))
	}
}

// A background child that keeps stdout open does not hang Run past the
// shell's exit (plus a bounded wait), and is killed with the group.
func TestLocalBackgroundChildHoldingOutput(t *testing.T) {
	t.Parallel()
	mark := uniqueMark()
	// The timeout is far away: no error means Run did not wait for it.
	l := &collectors.Local{CommandTimeout: time.Minute}
	start := time.Now()
	r := l.Run(context.Background(), localTarget, "export "+mark+"; sleep 600 & echo done")
	el := time.Since(start)
	if r.Err != nil || r.ExitStatus != 0 || string(r.Stdout) != "done\n" {
		t.Fatalf("err %v exit %d stdout %q", r.Err, r.ExitStatus, r.Stdout)
	}
	if el > testenv.NoHang(time.Second) { // localWaitDelay
		t.Errorf("Run took %v with a background child holding stdout", el)
	}
	if !poll(testenv.NoHang(0), func() bool { return len(procsWithEnv(mark)) == 0 }) {
		t.Errorf("background child still running: %v", procsWithEnv(mark))
	}
}

// With KeepBackground (remediations that start a daemon), what the command
// started in the background outlives it, and Run still returns promptly.
func TestLocalKeepBackground(t *testing.T) {
	t.Parallel()
	mark := uniqueMark()
	l := &collectors.Local{CommandTimeout: 10 * time.Second, KeepBackground: true}
	r := l.Run(context.Background(), localTarget, "export "+mark+"; nohup sleep 600 >/dev/null 2>&1 & echo started")
	if r.Err != nil || r.ExitStatus != 0 || string(r.Stdout) != "started\n" {
		t.Fatalf("err %v exit %d stdout %q", r.Err, r.ExitStatus, r.Stdout)
	}
	time.Sleep(200 * time.Millisecond) // a kill, if any, would have landed
	pids := procsWithEnv(mark)
	if len(pids) != 1 {
		t.Fatalf("background daemon: %v, want it running", pids)
	}
	for _, pid := range pids {
		syscall.Kill(pid, syscall.SIGKILL) // ours: started by this test
	}
}

func TestLocalContextCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	r := (&collectors.Local{CommandTimeout: time.Minute}).Run(ctx, localTarget, "sleep 600")
	var te *collectors.TimeoutError
	if !errors.As(r.Err, &te) || !te.Canceled || !errors.Is(r.Err, collectors.ErrTimeout) {
		t.Fatalf("err = %v, want a canceled TimeoutError", r.Err)
	}
	if el := time.Since(start); el > testenv.NoHang(200*time.Millisecond) {
		t.Errorf("Run returned %v after the start, want soon after the context ended (200ms; the sleep runs 600 s)", el)
	}
}

func TestLocalOutputIsCapped(t *testing.T) {
	t.Parallel()
	r := (&collectors.Local{}).Run(context.Background(), localTarget,
		fmt.Sprintf("head -c %d /dev/zero; head -c %d /dev/zero >&2", collectors.MaxOutput+1, collectors.MaxOutput+2))
	if r.Err != nil || len(r.Stdout) != collectors.MaxOutput || !r.Truncated {
		t.Fatalf("err %v, %d bytes, truncated %v", r.Err, len(r.Stdout), r.Truncated)
	}
	for _, want := range []string{"stdout truncated: kept 4194304 bytes, dropped 1]", "stderr truncated: kept 4194304 bytes, dropped 2]"} {
		if !bytes.Contains(r.Stderr, []byte(want)) {
			t.Errorf("stderr lacks note %q", want)
		}
	}
}

// uniqueMark returns a "NAME=VALUE" environment entry no other process has.
func uniqueMark() string {
	return fmt.Sprintf("SERVERSTATS_TEST_MARK=%d-%d", os.Getpid(), time.Now().UnixNano())
}

// procsWithEnv lists the live (not zombie) processes whose environment has
// the entry kv.
func procsWithEnv(kv string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if i := bytes.LastIndexByte(stat, ')'); i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' {
			continue
		}
		env, _ := os.ReadFile("/proc/" + e.Name() + "/environ")
		for _, kvb := range bytes.Split(env, []byte{0}) {
			if string(kvb) == kv {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

// A local command (and a remediation, which runs as one) gets a clean
// environment: never serverstats's secrets or its SSH agent.
func TestLocalCleanEnvironment(t *testing.T) { // not parallel: t.Setenv
	secrets := map[string]string{
		"SMTP_PASSWORD": "smtp-Local-Secret-1", "TWILIO_AUTH_TOKEN": "twilio-Local-Secret-2",
		"SSH_AUTH_SOCK": "/tmp/ssh-Local-Secret-3/agent.1", "APP_AUTH": "Bearer local-Secret-4",
	}
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	t.Setenv("TZ", "UTC")
	for _, keep := range []bool{false, true} {
		r := (&collectors.Local{CommandTimeout: 5 * time.Second, KeepBackground: keep}).Run(context.Background(), localTarget, "env")
		if r.Err != nil || r.ExitStatus != 0 {
			t.Fatalf("env: %v, exit %d", r.Err, r.ExitStatus)
		}
		env := string(r.Stdout)
		for k, v := range secrets {
			if strings.Contains(env, k+"=") || strings.Contains(env, v) {
				t.Errorf("the local command got %s:\n%s", k, env)
			}
		}
		for _, want := range []string{"PATH=" + os.Getenv("PATH"), "TZ=UTC"} {
			if !strings.Contains(env, want+"\n") {
				t.Errorf("the local command's environment lacks %s:\n%s", want, env)
			}
		}
	}
}
