package clidoc

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// BuildDate and Revision are set by packaging/build-deb.sh with
// -ldflags "-X serverstats/cmd/serverstats/internal/clidoc.BuildDate=...";
// Revision only stands in when the build info has no vcs.revision (built
// with -buildvcs=false, or from a tree git cannot read).
var BuildDate, Revision = "", ""

// Version describes this binary: the version (override, from
// -X main.version, when not "dev" or empty; else the module version), the
// VCS revision and its time, the build date and the Go version, from
// debug.ReadBuildInfo.
func Version(override string) string {
	return version(override, BuildDate, readBuildInfo())
}

func readBuildInfo() *debug.BuildInfo {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil
	}
	return bi
}

func version(override, built string, bi *debug.BuildInfo) string {
	v, rev, at, modified, goVersion := "(devel)", "", "", false, ""
	if bi != nil {
		goVersion = bi.GoVersion
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if rev == "" {
		rev = Revision
	}
	if override != "" && override != "dev" {
		v = override
	}
	var b strings.Builder
	fmt.Fprintf(&b, "serverstats %s\n", v)
	if rev != "" {
		if modified {
			rev += " (modified)"
		}
		fmt.Fprintf(&b, "revision:   %s\n", rev)
	}
	if at != "" {
		fmt.Fprintf(&b, "commit:     %s\n", at)
	}
	if built != "" {
		fmt.Fprintf(&b, "built:      %s\n", built)
	}
	if goVersion != "" {
		fmt.Fprintf(&b, "go:         %s\n", goVersion)
	}
	return b.String()
}
