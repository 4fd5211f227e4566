// Command serverstats runs commands on groups of servers, parses their output
// into typed tables, and alerts when a rule's trigger holds.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Exit codes, as Nagios plugins use them.
const (
	exitOK       = 0
	exitWarning  = 1
	exitCritical = 2
	exitUnknown  = 3
	exitUsage    = 2 // bad switches or command; also for an invalid config
	// exitStateUnavailable: with --alerts, the state file could not be read
	// or written. The alerts were delivered directly (without debounce,
	// mutes or reminders); stderr says why and how to fix it. Distinct from
	// every Nagios code, so a cron wrapper can tell it from "a rule fired".
	exitStateUnavailable = 4
)

// app is the process's outside world, injectable for tests.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	isTTY          func(w io.Writer) bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTTY: isTerminal}
	code := a.run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
