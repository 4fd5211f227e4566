package packaging

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServiceUnderSystemd runs systemd-check.sh: the .deb installed in a
// minimal Debian booted with systemd as PID 1 (systemd-nspawn), where the
// service must start with Type=notify (active only after READY=1), reload
// through RELOADING=1/READY=1, ping the watchdog, reach sshd with the keys
// in its ~/.ssh under the unit's hardening, write state that serverstats
// status reads, and stop with STOPPING=1 and exit 0; man page, bash
// completion and serverstats schema work there. Needs root, like
// TestDebInstallAndPurge, and fails, not skips, without it. Takes 1 to 3
// minutes, most of it debootstrap.
func TestServiceUnderSystemd(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test boots a container with systemd-nspawn and needs root (CI runs as root): run it as root, e.g. sudo go test ./packaging")
	}
	for tool, pkg := range map[string]string{"debootstrap": "debootstrap", "systemd-nspawn": "systemd-container", "nsenter": "util-linux", "dpkg-deb": "dpkg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: apt-get install %s (scripts/test does)", tool, pkg)
		}
	}
	// The script bounds itself (CHECK_TIMEOUT) and removes its container
	// and rootfs; the context is a second bound.
	ctx, cancel := context.WithTimeout(context.Background(), 9*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "systemd-check.sh")
	cmd.Env = append(os.Environ(), "CHECK_TIMEOUT=480")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) } // its trap cleans up
	cmd.WaitDelay = 30 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "\nsystemd-check: OK in ") {
		t.Fatalf("systemd-check.sh: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}
