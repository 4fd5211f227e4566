package main

import (
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// inNetns runs f on an OS thread switched into the network namespace named
// netns (under /run/netns, as `ip netns add` makes them); sockets f creates
// stay in it. "-" or "" runs f as is.
func inNetns(netns string, f func() error) error {
	if netns == "" || netns == "-" {
		return f()
	}
	runtime.LockOSThread()
	orig, err := os.Open(fmt.Sprintf("/proc/self/task/%d/ns/net", syscall.Gettid()))
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer orig.Close()
	target, err := os.Open("/run/netns/" + netns)
	if err != nil {
		runtime.UnlockOSThread()
		return err
	}
	defer target.Close()
	if err := setns(target); err != nil {
		runtime.UnlockOSThread()
		return fmt.Errorf("enter network namespace %s: %w", netns, err)
	}
	ferr := f()
	if err := setns(orig); err != nil {
		// Leave the thread locked: it ends with this goroutine, and no other
		// goroutine runs in the wrong namespace.
		return fmt.Errorf("leave network namespace %s: %w", netns, err)
	}
	runtime.UnlockOSThread()
	return ferr
}

func setns(f *os.File) error {
	return unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
}
