package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// notifier speaks systemd's sd_notify(3) datagram protocol: one datagram of
// NAME=value lines to the unix socket named by $NOTIFY_SOCKET (a leading '@'
// names an abstract socket, which the net package maps to a leading NUL).
// Without $NOTIFY_SOCKET (not started by systemd, or Type=simple) it does
// nothing.
type notifier struct {
	addr     string        // $NOTIFY_SOCKET
	watchdog time.Duration // $WATCHDOG_USEC, 0 when systemd expects no pings
	log      *slog.Logger
}

// newNotifier reads the environment systemd sets for a Type=notify service.
// WATCHDOG_PID, when set, must be this process: a child does not ping for
// its parent.
func newNotifier(getenv func(string) string, pid int, log *slog.Logger) *notifier {
	n := &notifier{addr: getenv("NOTIFY_SOCKET"), log: log}
	if n.addr == "" {
		return n
	}
	if p := getenv("WATCHDOG_PID"); p != "" && p != strconv.Itoa(pid) {
		return n
	}
	if us, err := strconv.ParseInt(getenv("WATCHDOG_USEC"), 10, 64); err == nil && us > 0 {
		n.watchdog = time.Duration(us) * time.Microsecond
	}
	return n
}

// send sends one notification, e.g. "READY=1". A failure is logged, not
// returned: systemd not hearing us is its own alarm (start timeout, watchdog).
func (n *notifier) send(state string) {
	if n.addr == "" {
		return
	}
	if err := notify(n.addr, state); err != nil {
		n.log.Warn("sd_notify failed", "socket", n.addr, "state", state, "error", err)
	}
}

// notify sends state as one datagram to the socket at addr.
func notify(addr, state string) error {
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: addr, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("dial notify socket: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(state)); err != nil {
		return fmt.Errorf("write notify socket: %w", err)
	}
	return nil
}

// reloading is the RELOADING=1 message, with the CLOCK_MONOTONIC time that
// systemd (253 and later, Type=notify-reload) requires beside it.
func reloading() string {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return "RELOADING=1"
	}
	return fmt.Sprintf("RELOADING=1\nMONOTONIC_USEC=%d", ts.Nano()/1000)
}

// pingEvery is the period of the watchdog pings: half systemd's, so that a
// late ping is not a missed one.
func (n *notifier) pingEvery() time.Duration { return n.watchdog / 2 }

// watchdogLoop sends WATCHDOG=1 every half watchdog period while alive says
// the scheduler is ticking, until ctx ends. A wedged scheduler stops the
// pings, so systemd kills and restarts the service (WatchdogSec=, Restart=).
func (n *notifier) watchdogLoop(ctx context.Context, alive func(now time.Time) bool) {
	if n.addr == "" || n.watchdog <= 0 {
		return
	}
	t := time.NewTicker(n.pingEvery())
	defer t.Stop()
	wasAlive := true
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			ok := alive(now)
			if ok {
				n.send("WATCHDOG=1")
			} else if wasAlive {
				n.log.Error("scheduler not ticking: watchdog pings stopped; systemd will restart the service")
			}
			wasAlive = ok
		}
	}
}
