//go:build soak

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"serverstats/collectors/sshdtest"
)

// go test -tags soak -run Soak ./cmd/serverstats -timeout 20m
func TestSoak(t *testing.T) {
	f := sshdtest.Start(t, 3)
	up := filepath.Join(f.Dir, "up")
	os.WriteFile(up, nil, 0o644)
	app, _ := pingServer(t, up)
	cfg := fleetSSH(f) + fmt.Sprintf(`daemon: {listen: "@ADDR@"}
groups: {fleet: [%q, %q, %q]}
commands:
  who:
    servers: [fleet]
    cmd: echo $SERVERSTATS_HOST
    header: none
    schedule: "@every 2s"
  disk:
    servers: [fleet]
    cmd: df -hP
    key: Mounted on
    schedule: "@every 3s"
    alerts: [{column: Use%%, value-type: percent, trigger: "> 1"}]
  ping:
    url: http://%s/ping
    via: ssh
    servers: [fleet]
    schedule: "@every 1s"
    alerts: [{column: body, trigger: "!= pong"}]
  mem:
    builtin: memory
    servers: [fleet]
    schedule: "@every 5s"
`, f.Servers[0].Name, f.Servers[1].Name, f.Servers[2].Name, app)
	d := startDaemon(t, f.Dir, cfg)
	for i := 0; i <= 10; i++ {
		_, p := d.get("/metrics")
		t.Logf("t=%3ds goroutines=%s rss=%s fds=%s runs=%d open_conns=%s", i*30,
			metricValue(p, "go_goroutines"), metricValue(p, "process_resident_memory_bytes"), metricValue(p, "process_open_fds"),
			d.status(t).runs("who"), metricValue(p, "serverstats_ssh_connections_open"))
		switch i {
		case 3:
			f.Servers[1].Stop()
		case 4:
			f.Servers[1].Restart()
		case 6:
			d.cmd.Process.Signal(syscall.SIGHUP)
		}
		if i < 10 {
			time.Sleep(30 * time.Second)
		}
	}
	d.stop(t, 30*time.Second)
}
