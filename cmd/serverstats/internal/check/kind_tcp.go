package check

import (
	"serverstats/collectors"
	"serverstats/config"
)

// tcpKind is a TCP connect probe (tcp: host:port), made from here or, with
// via: ssh, from each server. Its one row has collectors.TCPFields; without
// rules it fires when the port does not accept (config adds the implicit
// rule), as Nagios check_tcp and monit "if failed port" do.
type tcpKind struct{ probeKind }

func (tcpKind) collector(c *Checker, cmd *config.Command, t collectors.Target) collectors.Collector {
	return c.probe(cmd, func(dial collectors.DialFunc) collectors.Collector {
		addr := withHost(cmd.TCP.Addr, t, false)
		return &collectors.TCPProbe{Addr: addr, Send: cmd.TCP.Send, Expect: cmd.TCP.Expect, Timeout: probeTimeout(cmd), Dial: dial}
	})
}
