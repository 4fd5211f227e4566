// Package testenv holds the one rule for tests that need a real service or
// tool on the machine (sshd, an SMTP server, nginx, busybox, ...), so that no
// test skips silently.
//
// A test that finds its service missing calls Missing. The test fails, with a
// message saying how to install the service, unless SERVERSTATS_SKIP_<NAME>=1
// is set and CI is not: then it is skipped, and the skip names the variable.
// When CI is set (to anything but "" or "false"), a SERVERSTATS_SKIP_<NAME>
// variable is refused: the test fails saying so, whether or not the service
// is there, because CI must run every test for real.
//
// It is imported by test code only.
package testenv

import (
	"fmt"
	"os"
	"testing"
)

// SkipVar is the variable that lets a developer skip the tests needing
// name, e.g. SkipVar("SSHD") is "SERVERSTATS_SKIP_SSHD".
func SkipVar(name string) string { return "SERVERSTATS_SKIP_" + name }

// InCI reports whether the CI variable is set (to anything but "" or
// "false"), as CI services set it.
func InCI() bool {
	v := os.Getenv("CI")
	return v != "" && v != "false"
}

// Check refuses SERVERSTATS_SKIP_<name> in CI: the test fails if the
// variable is set there (to anything but ""). Tests that need a service call it (through Need or
// Missing) even when the service is present, so a CI job that sets the
// variable is told at once.
func Check(t testing.TB, name string) {
	t.Helper()
	v := SkipVar(name)
	if val := os.Getenv(v); val != "" && InCI() {
		t.Fatalf("%s=%s is set, but skipping is refused in CI (CI=%s): install what the tests need instead (scripts/test does)", v, val, os.Getenv("CI"))
	}
}

// Missing ends the test because the service name stands for is missing:
// why says what is missing and how to install it. It skips the test only
// when SERVERSTATS_SKIP_<name>=1 and CI is not set; otherwise it fails it.
func Missing(t testing.TB, name, why string) {
	t.Helper()
	Check(t, name)
	v := SkipVar(name)
	if os.Getenv(v) == "1" {
		t.Skipf("%s (skipped: %s=1)", why, v)
	}
	t.Fatalf("%s; or set %s=1 to skip this test (refused in CI)", why, v)
}

// Need is Missing when err is not nil (the service was looked for and not
// found) and Check otherwise: call it with the error of the look-up.
func Need(t testing.TB, name string, err error, why string) {
	t.Helper()
	if err != nil {
		Missing(t, name, fmt.Sprintf("%s: %v", why, err))
	}
	Check(t, name)
}
