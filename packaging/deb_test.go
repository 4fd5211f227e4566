// Package packaging holds the test of the Debian package that
// build-deb.sh makes: it installs it on this machine, checks it and purges
// it. It needs root (CI runs as root) and fails, not skips, without it.
package packaging

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func exists(p string) bool { _, err := os.Lstat(p); return err == nil }

// TestDebInstallAndPurge builds the .deb, installs it with dpkg -i, checks
// its files, the serverstats user, the unit (systemd-analyze verify) and
// serverstats --version, then purges it and checks it is gone.
func TestDebInstallAndPurge(t *testing.T) {
	if os.Getuid() != 0 {
		t.Fatal("this test installs a .deb with dpkg -i and needs root (CI runs as root): run it as root, e.g. sudo go test ./packaging")
	}
	for _, tool := range []string{"dpkg-deb", "dpkg", "systemd-analyze", "useradd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed: apt-get install dpkg systemd passwd (scripts/test does)", tool)
		}
	}
	if exec.Command("dpkg-query", "-W", "serverstats").Run() == nil {
		t.Fatal("a serverstats package is already installed on this machine; this test would replace it: dpkg --purge serverstats first")
	}
	_, userErr := exec.Command("getent", "passwd", "serverstats").Output()
	hadUser := userErr == nil

	out := run(t, "bash", "build-deb.sh", t.TempDir())
	deb := strings.TrimSpace(out[strings.LastIndex(strings.TrimSpace(out), "\n")+1:])
	m := regexp.MustCompile(`serverstats_([^_]+)_[^_]+\.deb$`).FindStringSubmatch(deb)
	if m == nil {
		t.Fatalf("build-deb.sh did not print the .deb's path:\n%s", out)
	}
	version := m[1]

	t.Cleanup(func() {
		if exec.Command("dpkg-query", "-W", "serverstats").Run() == nil {
			exec.Command("dpkg", "--purge", "serverstats").Run()
		}
		if !hadUser {
			exec.Command("userdel", "serverstats").Run()
			exec.Command("groupdel", "serverstats").Run()
		}
	})
	run(t, "dpkg", "-i", deb)

	files := []string{
		"/usr/bin/serverstats",
		"/lib/systemd/system/serverstats.service",
		"/etc/serverstats/config.yaml",
		"/usr/share/man/man1/serverstats.1.gz",
		"/usr/share/man/man5/serverstats.yaml.5.gz",
		"/usr/share/bash-completion/completions/serverstats",
		"/usr/share/zsh/vendor-completions/_serverstats",
		"/usr/share/fish/vendor_completions.d/serverstats.fish",
		"/usr/share/serverstats/schema.json",
	}
	for _, f := range files {
		if !exists(f) {
			t.Errorf("%s is not installed", f)
		}
	}
	if conf := run(t, "dpkg-query", "-W", "-f=${Conffiles}", "serverstats"); !strings.Contains(conf, "/etc/serverstats/config.yaml") {
		t.Errorf("/etc/serverstats/config.yaml is not a conffile: %q", conf)
	}

	// The system user, its home in the state directory with a private ~/.ssh.
	pw := strings.Split(strings.TrimSpace(run(t, "getent", "passwd", "serverstats")), ":")
	if len(pw) < 7 || pw[5] != "/var/lib/serverstats" || !strings.HasSuffix(pw[6], "nologin") {
		t.Errorf("serverstats user: %v, want home /var/lib/serverstats and a nologin shell", pw)
	}
	if st, err := os.Stat("/var/lib/serverstats/.ssh"); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("/var/lib/serverstats/.ssh: %v, want a directory of mode 0700", err)
	}
	// The service's secrets: root's alone, with the status page token that
	// the shipped config names (daemon.auth-token-env), made at install.
	if st, err := os.Stat("/etc/serverstats/env"); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("/etc/serverstats/env: %v, want a file of mode 0600", err)
	} else if env, _ := os.ReadFile("/etc/serverstats/env"); !regexp.MustCompile(`(?m)^SERVERSTATS_PAGE_TOKEN=[0-9a-f]{48}$`).Match(env) {
		t.Errorf("/etc/serverstats/env has no SERVERSTATS_PAGE_TOKEN of 48 hex digits")
	}
	if err := exec.Command("runuser", "-u", "serverstats", "--", "cat", "/etc/serverstats/env").Run(); err == nil {
		t.Error("the serverstats user can read /etc/serverstats/env")
	}
	// The service user can read the config; check-config passes as it.
	run(t, "runuser", "-u", "serverstats", "--", "/usr/bin/serverstats", "check-config", "-c", "/etc/serverstats/config.yaml")

	unit, _ := os.ReadFile("/lib/systemd/system/serverstats.service")
	for _, want := range []string{"Type=notify", "WatchdogSec=", "StateDirectory=serverstats", "LogsDirectory=serverstats",
		"ProtectSystem=strict", "NoNewPrivileges=yes", "User=serverstats", "ExecReload="} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	if out, err := exec.Command("systemd-analyze", "verify", "/lib/systemd/system/serverstats.service").CombinedOutput(); err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	if v := run(t, "/usr/bin/serverstats", "--version"); !strings.HasPrefix(v, "serverstats "+version+"\n") || !strings.Contains(v, "built:") {
		t.Errorf("serverstats --version:\n%s\nwant version %s and the build date", v, version)
	}
	if out, err := exec.Command("man", "--warnings", "-w", "serverstats.yaml").CombinedOutput(); err != nil {
		t.Errorf("man -w serverstats.yaml: %v\n%s", err, out)
	}

	run(t, "dpkg", "--purge", "serverstats")
	if exec.Command("dpkg-query", "-W", "serverstats").Run() == nil {
		t.Error("dpkg-query still knows serverstats after the purge")
	}
	for _, f := range append(files, "/etc/serverstats", "/var/lib/serverstats", "/var/log/serverstats") {
		if exists(f) {
			t.Errorf("%s is still there after the purge", f)
		}
	}
}
