package sshdtest

import (
	"bytes"
	"os"
	"strconv"
	"strings"
)

// procInfo is what listProcs reads about one process from /proc.
type procInfo struct {
	pid, ppid int
	state     byte
	cmdline   string // arguments joined by spaces ("" for zombies and kernel threads)
	environ   []byte
}

// hasEnv reports whether the process environment has the entry kv ("K=V").
func (p procInfo) hasEnv(kv string) bool {
	for _, e := range bytes.Split(p.environ, []byte{0}) {
		if string(e) == kv {
			return true
		}
	}
	return false
}

// listProcs reads every process in /proc; processes that vanish meanwhile
// are left out.
func listProcs() []procInfo {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []procInfo
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		dir := "/proc/" + e.Name() + "/"
		stat, err := os.ReadFile(dir + "stat")
		if err != nil {
			continue
		}
		// "pid (comm) S ppid ...": comm may hold spaces and parentheses.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) {
			continue
		}
		fields := strings.Fields(string(stat[i+2:]))
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		p := procInfo{pid: pid, ppid: ppid, state: fields[0][0]}
		if cl, err := os.ReadFile(dir + "cmdline"); err == nil {
			p.cmdline = strings.Join(strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00"), " ")
		}
		p.environ, _ = os.ReadFile(dir + "environ")
		out = append(out, p)
	}
	return out
}

// descendants returns the pids of every live descendant of pid.
func descendants(pid int) []int {
	children := make(map[int][]int)
	for _, p := range listProcs() {
		children[p.ppid] = append(children[p.ppid], p.pid)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		q := queue[0]
		queue = queue[1:]
		for _, c := range children[q] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}
