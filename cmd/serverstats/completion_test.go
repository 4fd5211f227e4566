package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionEnv is the environment of a shell that finds the built binary
// as serverstats, with cfg as the config in use.
func completionEnv(cfg string) []string {
	return append(os.Environ(), "PATH="+filepath.Dir(binary)+":"+os.Getenv("PATH"), "SERVERSTATS_CONFIG="+cfg)
}

const completionConfig = `commands:
  disk:
    servers: [localhost]
    cmd: df -h
  dns:
    servers: [localhost]
    cmd: cat /etc/resolv.conf
`

// TestBashCompletion loads the script in a real bash and completes lines
// as bash would: switches, switch values, built-ins and the config's
// command names (from -c on the line, or the config found as usual).
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Fatal("bash is needed for this test (apt-get install bash)")
	}
	cfg := writeConfig(t, completionConfig)
	other := writeConfig(t, "commands:\n  uptime: {servers: [localhost], cmd: uptime}\n")
	for _, c := range []struct {
		line string // the words; the last is the one being completed
		want []string
	}{
		{"serverstats ch", []string{"check-config"}},
		{"serverstats d", []string{"disk", "dns"}},
		{"serverstats -c " + other + " u", []string{"unmute", "uptime"}},
		{"serverstats --config=" + other + " u", []string{"unmute", "uptime"}},
		{"serverstats --no-", []string{"--no-alerts", "--no-color", "--no-header"}},
		{"serverstats --type p", []string{"percent"}},
		{"serverstats --size-base ", []string{"si", "binary"}},
		{"serverstats mute --command d", []string{"disk", "dns"}},
		{"serverstats completion ", []string{"bash", "zsh", "fish"}},
		{"serverstats --for 2h d", []string{"disk", "dns"}},
		{"serverstats disk ", nil},
		{"serverstats --reason ", nil},
	} {
		words := strings.Split(c.line, " ")
		script := `source <(serverstats completion bash) || exit 9
COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
_serverstats
printf '%s\n' "${COMPREPLY[@]}"`
		cmd := exec.Command(bash, append([]string{"--norc", "--noprofile", "-c", script, "bash"}, words...)...)
		cmd.Env = completionEnv(cfg)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.line, err, out)
		}
		got := strings.Fields(string(out))
		if !slices.Equal(got, c.want) {
			t.Errorf("complete %q: got %q, want %q", c.line, got, c.want)
		}
	}
	// compgen itself on the registered completion: the script registers _serverstats.
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", `source <(serverstats completion bash); complete -p serverstats`)
	cmd.Env = completionEnv(cfg)
	if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "-F _serverstats serverstats") {
		t.Errorf("complete -p serverstats: %v %s", err, out)
	}
}

// TestFishCompletion asks a real fish (installed by scripts/test) to
// complete lines with the script loaded.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Fatal("fish is needed for this test: apt-get install fish (scripts/test does)")
	}
	cfg := writeConfig(t, completionConfig)
	for _, c := range []struct {
		line string
		want []string
	}{
		{"serverstats ch", []string{"check-config"}},
		{"serverstats d", []string{"disk", "dns"}},
		{"serverstats --type p", []string{"percent"}},
		{"serverstats --no-", []string{"--no-alerts", "--no-color", "--no-header"}},
		{"serverstats --command d", []string{"disk", "dns"}},
		{"serverstats completion ", []string{"bash", "fish", "zsh"}},
	} {
		cmd := exec.Command(fish, "--no-config", "-c", `serverstats completion fish | source; complete -C $argv[1]`, c.line)
		cmd.Env = completionEnv(cfg)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v\n%s", c.line, err, out)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if l != "" {
				got = append(got, strings.SplitN(l, "\t", 2)[0])
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("complete -C %q: got %q, want %q", c.line, got, c.want)
		}
	}
}

// TestZshCompletionSyntax: zsh parses the script (zsh -n); the completion
// itself needs an interactive zsh.
func TestZshCompletionSyntax(t *testing.T) {
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Fatal("zsh is needed for this test: apt-get install zsh (scripts/test does)")
	}
	script := filepath.Join(t.TempDir(), "_serverstats")
	out, err := exec.Command(binary, "completion", "zsh").Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(script, out, 0o644)
	if out, err := exec.Command(zsh, "-n", script).CombinedOutput(); err != nil {
		t.Errorf("zsh -n: %v\n%s", err, out)
	}
}
