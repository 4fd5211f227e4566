package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"serverstats/cmd/serverstats/internal/clidoc"
	"serverstats/config"
)

// cliSpec is the command line as the usage page shows it.
func cliSpec() clidoc.Spec {
	s := clidoc.Spec{Switches: clidoc.Switches(switches)}
	for _, b := range builtins {
		s.Builtins = append(s.Builtins, clidoc.Command{Name: b.name, Doc: b.doc})
	}
	return s
}

// TestManPages: docs/man/serverstats.1 and serverstats.yaml.5 are what the
// tables and the schema make (-update rewrites them), and man renders both
// without a warning.
func TestManPages(t *testing.T) {
	var one, five bytes.Buffer
	clidoc.ManPage(&one, cliSpec())
	if err := clidoc.ConfigManPage(&five, config.Schema); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]byte{"serverstats.1": one.Bytes(), "serverstats.yaml.5": five.Bytes()} {
		path := filepath.Join("..", "..", "docs", "man", name)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not what the tables make (go test ./cmd/serverstats -run TestManPages -update): %v", path, err)
		}
		man, err := exec.LookPath("man")
		if err != nil {
			t.Fatal("man is needed for this test: apt-get install man-db groff-base (scripts/test does)")
		}
		cmd := exec.Command(man, "--warnings", "-E", "UTF-8", "-l", path)
		cmd.Env = append(os.Environ(), "MANPAGER=cat", "PAGER=cat", "MANWIDTH=80")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("man --warnings -l %s: %v\n%s", name, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), "NAME") {
			t.Errorf("man -l %s rendered nothing:\n%s", name, stdout.String())
		}
	}
	// Every switch and built-in is in the page.
	for _, s := range switches {
		if !strings.Contains(one.String(), strings.ReplaceAll(s.Long, "-", `\-`)) {
			t.Errorf("serverstats.1 lacks %s", s.Long)
		}
	}
}
