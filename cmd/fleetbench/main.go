// Command fleetbench is the helper of bench/fleet.sh: a TCP relay that adds a
// fixed one-way delay in each direction, standing in for `tc netem` on
// kernels without it. One process serves every host: for each line of the
// spec file ("NETNS LISTEN TARGET") it opens LISTEN inside the network
// namespace NETNS ("-" for its own) and relays each connection to TARGET,
// dialed in that same namespace. It prints "ready" once every listener is
// open and runs until SIGTERM or SIGINT.
//
// Usage:
//
//	fleetbench relay -delay 25ms -spec FILE
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 || os.Args[1] != "relay" {
		fmt.Fprintln(os.Stderr, "usage: fleetbench relay -delay 25ms -spec FILE")
		os.Exit(2)
	}
	fs := flag.NewFlagSet("relay", flag.ExitOnError)
	delay := fs.Duration("delay", 25*time.Millisecond, "one-way delay added in each direction (rtt/2)")
	spec := fs.String("spec", "", `file of "NETNS LISTEN TARGET" lines ("-" as NETNS: this process's namespace)`)
	_ = fs.Parse(os.Args[2:])
	if err := run(*spec, *delay); err != nil {
		fmt.Fprintln(os.Stderr, "fleetbench relay:", err)
		os.Exit(1)
	}
}

func run(spec string, delay time.Duration) error {
	routes, err := readSpec(spec)
	if err != nil {
		return err
	}
	var lns []net.Listener
	for _, r := range routes {
		ln, err := listenIn(r.netns, r.listen)
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		go serve(ln, r, delay)
	}
	fmt.Println("ready")
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	for _, ln := range lns {
		_ = ln.Close()
	}
	return nil
}

// route is one line of the spec.
type route struct{ netns, listen, target string }

func readSpec(path string) ([]route, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read spec: %w", err)
	}
	defer f.Close()
	var routes []route
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 3 {
			return nil, fmt.Errorf("read spec: %s:%d: want NETNS LISTEN TARGET, got %q", path, n, sc.Text())
		}
		routes = append(routes, route{fields[0], fields[1], fields[2]})
	}
	return routes, sc.Err()
}

// listenIn listens on addr inside the named network namespace.
func listenIn(netns, addr string) (ln net.Listener, err error) {
	err = inNetns(netns, func() error {
		ln, err = net.Listen("tcp", addr)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listen on %s in %s: %w", addr, netns, err)
	}
	return ln, nil
}

func serve(ln net.Listener, r route, delay time.Duration) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			var t net.Conn
			err := inNetns(r.netns, func() (err error) {
				t, err = net.DialTimeout("tcp", r.target, 10*time.Second)
				return err
			})
			if err != nil {
				c.Close()
				return
			}
			done := make(chan struct{}, 2)
			go relay(t, c, delay, done)
			go relay(c, t, delay, done)
			<-done
			<-done
			c.Close()
			t.Close()
		}()
	}
}

// chunk is what one Read got, due at at on the other side.
type chunk struct {
	at time.Time
	b  []byte
}

// relay copies src to dst, each chunk delay after it was read, and then
// closes dst for writing.
func relay(dst, src net.Conn, delay time.Duration, done chan<- struct{}) {
	q := make(chan chunk, 256)
	go func() {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{time.Now().Add(delay), append([]byte(nil), buf[:n]...)}
			}
			if err != nil {
				close(q)
				return
			}
		}
	}()
	failed := false
	for c := range q {
		if failed {
			continue
		}
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			failed = true
			_ = src.Close() // unblock the reader
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		_, _ = io.WriteString(dst, "")
	}
	done <- struct{}{}
}
