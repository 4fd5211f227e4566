package procgroup

import (
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestKillKillsTheWholeGroup(t *testing.T) {
	c := exec.Command("/bin/sh", "-c", "sleep 630 & sleep 630")
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	if err := Kill(c.Process.Pid); err != nil {
		t.Fatalf("Kill: %v", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("shell still running 5s after Kill")
	}
	// The background sleep was in the group: the group is empty now.
	deadline := time.Now().Add(5 * time.Second)
	for syscall.Kill(-c.Process.Pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatal("process group still has members 5s after Kill")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := Kill(c.Process.Pid); err != nil {
		t.Errorf("Kill of a gone group: %v, want nil", err)
	}
	for _, pgid := range []int{0, 1, -5} {
		if Kill(pgid) == nil {
			t.Errorf("Kill(%d) = nil, want a refusal", pgid)
		}
	}
}
