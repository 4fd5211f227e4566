package clidoc

import (
	"runtime/debug"
	"testing"
)

func TestVersion(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "serverstats", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	want := "serverstats v1.2.0\nrevision:   abc123 (modified)\ncommit:     2026-12-01T10:00:00Z\nbuilt:      2026-12-03\ngo:         go1.26.8\n"
	if got := version("dev", "2026-12-03", bi); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := version("1.3.0-1", "", &debug.BuildInfo{}); got != "serverstats 1.3.0-1\n" {
		t.Errorf("override: got %q", got)
	}
	if got := version("", "", nil); got != "serverstats (devel)\n" {
		t.Errorf("no build info: got %q", got)
	}
}
