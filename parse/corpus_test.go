package parse

// The corpus test parses every table of ../testdata/corpus (real outputs
// from jc's test fixtures, see its README.md) and compares every cell of
// jc's expected JSON with the typed value serverstats gives, through the
// header→field mapping below. It prints the agreement per command and
// overall, and fails when the overall agreement is under 99% or when a
// disagreement is not listed in knownDisagreements with its reason.

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

const corpusDir = "../testdata/corpus"

// corpusCase says how to parse the outputs matching glob and how jc names
// their columns.
type corpusCase struct {
	glob string
	// opt are the parse options a rule would set for this output.
	opt Options
	// keep selects the rows of jc's JSON that this table holds.
	keep func(exp map[string]any) bool
	// percent is how jc renames a "%" header: "suffix" (df, ps:
	// Use% -> use_percent) or "prefix" (iostat, top: %util ->
	// percent_util).
	percent string
	// rename maps a header to jc's key when the general rule does not
	// give it.
	rename map[string]string
	// types is the value type a rule would ask for, by jc key; TypeAuto
	// (the column's inferred type) when absent.
	types map[string]Type
	// build rebuilds, from jc's fields of one row, the cell text of a
	// header that jc splits or rewrites (ss "Local Address:Port" ->
	// local_address and local_port); ok is false when the row has none.
	build map[string]func(exp map[string]any) (string, bool)
	// unitScaled lists jc keys whose numbers jc keeps in the unit printed
	// in the cell (top's "125.1m" -> 125.1): the comparison divides our
	// bytes by the cell's own unit.
	unitScaled map[string]bool
	// translate maps a cell text to jc's value, by jc key (top S -> status).
	translate map[string]map[string]string
	// valueOf maps a jc key that holds the typed value of a column's cell
	// (lsblk size_bytes: the bytes of SIZE) to that column's header; the
	// comparison is with serverstats' typed value of the cell (the types
	// entry of the key, else the column's), to the whole unit.
	valueOf map[string]string
	// objects maps a jc key whose value is an object jc parsed out of one
	// cell (ss's Process column -> opts {process_id: {pid: {user, fd}},
	// inode_number, cookie, cgroup}) to that column's header; the cell
	// agrees when its text holds every value of the object (and every
	// all-digit key, a pid).
	objects map[string]string
	// lists maps a jc key that holds a cell's list split into an array
	// (top SUPGRPS "wheel,kbrazil" -> ["wheel", "kbrazil"]) to the
	// separator; the comparison is with the cell text.
	lists map[string]string
	// ignore lists jc keys that are not cells of this table, with why.
	ignore map[string]string
}

// A knownDisagreement is a cell where jc and serverstats differ for a
// stated reason. Every disagreement the test finds must match one.
type knownDisagreement struct {
	file   string   // file name suffix
	key    string   // jc key
	values []string // the cell texts it forgives; the test fails when one is not seen
	reason string
}

var knownDisagreements = []knownDisagreement{
	{"ubuntu-18.04_free-h", "total", []string{"1.9G", "2.0G"}, reasonFreeH},
	{"ubuntu-18.04_free-h", "used", []string{"237M", "268K"}, reasonFreeH},
	{"ubuntu-18.04_free-h", "free", []string{"466M", "2.0G"}, reasonFreeH},
	{"ubuntu-18.04_free-h", "shared", []string{"1.2M"}, reasonFreeH},
	{"ubuntu-18.04_free-h", "buff_cache", []string{"1.2G"}, reasonFreeH},
	{"ubuntu-18.04_free-h", "available", []string{"1.5G"}, reasonFreeH},
	{"osx-10.14.6_who", "time", []string{"Feb  7 23:32", "Mar  1 15:18"}, "jc collapses the two spaces of a padded day (\"Feb  7 23:32\" -> \"Feb 7 23:32\"); serverstats keeps the cell text as printed"},
	{"centos-7.7_who-a", "#7", []string{"id=ts/1  term=0 exit=0"}, "jc collapses the two spaces in \"id=ts/1  term=0 exit=0\"; serverstats keeps the cell text as printed"},
	{"top-b-n1-gib", "priority", []string{"rt"}, "top prints \"rt\" for real-time priority; jc turns it into null, serverstats reports it as not a number (an error, never a zero)"},
	{"ubuntu-20.10_top-b-n1", "priority", []string{"rt"}, "top prints \"rt\" for real-time priority; jc turns it into null, serverstats reports it as not a number (an error, never a zero)"},
	{"top-b-n1-gib-allfields-w", "priority", []string{"rt"}, "top prints \"rt\" for real-time priority; jc turns it into null, serverstats reports it as not a number (an error, never a zero)"},
	{"top-b-n1-gib-allfields-w", "sleeping_in_function", []string{"?"}, "jc keeps top's \"?\" WCHAN as text (it nulls ps's \"?\"); serverstats reads \"?\" as a placeholder (null) in every table"},
	{"top-b-n1-gib-allfields-w", "tty", []string{"?"}, "jc keeps top's \"?\" TTY as text (it nulls ps's); serverstats reads \"?\" as a placeholder (null) in every table"},
	{"top-b-n1-gib-allfields-w", "environment_variables", []string{"XDG_SESSION_ID=2 HOSTNAME=localhost S+", "HOME=/home/kbrazil USER=kbrazil SHELL+", "LANG=en_US.UTF-8 USER=kbrazil LOGNAME+"}, "top cuts ENVIRON to the field's width and marks the cut with \"+\"; jc drops the cut last item (\"S+\") from its list, serverstats keeps the cell text as printed"},
	{"top-b-n1-gib-allfields-w", "minor_page_fault_count", []string{"13k", "53k"}, "top abbreviates counts (\"13k\"); jc strips the suffix (13), serverstats reports \"13k\" as not a number"},
}

// A knownUnmapped is a field jc adds that no cell of the output holds (a
// value jc derives, or a tag it adds): it counts as a miss in the figures,
// and is listed here with the exact values it stands for (jc's, "null" for
// null) and why it has no column. The test fails when a listed value is no
// longer seen.
type knownUnmapped struct {
	file   string // file name suffix; "" for every file of the case
	key    string // jc key
	values []string
	reason string
}

var knownUnmappeds = []knownUnmapped{
	{"", "timezone", []string{"null"}, reasonNoColumn},
	{"", "timestamp", []string{"null"}, reasonNoColumn},
	{"", "active_mem", []string{"null"}, reasonNoColumn},
	{"", "inactive_mem", []string{"null"}, reasonNoColumn},
	{"", "buffer_mem", []string{"null"}, reasonNoColumn},
	{"", "cache_mem", []string{"null"}, reasonNoColumn},
	{"", "epoch_utc", []string{"null"}, "jc's UTC epoch of a time printed without a zone: null"},
	{"vmstat-at-5-10", "timezone", []string{"PDT"}, "jc takes the zone from the header line (\"PDT\" over the timestamps), into every row; the header names the timestamp column, no cell holds it"},
	{"vmstat-at-5-10", "epoch", []string{"1631849593", "1631849598", "1631849603", "1631849608"}, reasonEpoch},
	{"_who", "epoch", []string{"1583007240", "1583030580", "null"}, reasonEpoch},
	{"who-a", "epoch", []string{"1583007180", "1583007240", "1583030580", "1583029680"}, reasonEpoch},
	{"who-login-screen", "epoch", []string{"1697943960", "1698110820"}, reasonEpoch},
	{"who-a", "event", []string{"reboot", "login", "run-level 3"}, "jc names who -a's special rows (\"system boot\" -> \"reboot\", LOGIN -> \"login\"); the row's own cells hold the text as printed"},
	{"", "type", []string{"cpu", "device"}, "jc tags each iostat row with the report it came from; serverstats reads the two reports as two tables (Options.Table \"avg-cpu\", \"Device\"), no cell holds the tag"},
	{"netstat-r", "kind", []string{"route"}, reasonKind},
	{"netstat-rne", "kind", []string{"route"}, reasonKind},
	{"netstat-rnee", "kind", []string{"route"}, reasonKind},
	{"netstat-i", "kind", []string{"interface"}, reasonKind},
	{"netstat-no-state", "kind", []string{"network"}, reasonKind},
	{"", "route_flags_pretty", []string{"[UP]", "[UP GATEWAY]", "[UP HOST]"}, "jc spells out the route flags (UG -> UP, GATEWAY); the Flags cell holds the letters, compared as route_flags"},
	{"netstat-no-state", "local_port_num", []string{"5353", "49926", "35569"}, "netstat's header \"Local Address\" names no port, so its cells (0.0.0.0:5353) are not compound and have no part columns (compound.go); jc splits them knowing netstat"},
	{"netstat-no-state", "transport_protocol", []string{"udp"}, reasonProto},
	{"netstat-no-state", "network_protocol", []string{"ipv4", "ipv6"}, reasonProto},
}

const (
	reasonNoColumn = "jc lists every field of its parser, null when this output has no such column (vmstat without -a, -t); the output has no column to map"
	reasonEpoch    = "jc derives seconds since 1970 from the printed time in its test time zone (PST8PDT); the output prints no such number"
	reasonKind     = "jc tags the kind of netstat listing (route, interface, network) from the options it guessed; no cell holds it"
	reasonProto    = "jc derives transport and network protocol from the Proto cell (udp6 -> udp, ipv6); the Proto cell is compared as proto"
)

// seenUnmapped records the listed unmapped values seen, by entry and value.
var seenUnmapped = map[int]map[string]bool{}

// listedUnmapped reports whether an unmapped jc field is listed in
// knownUnmappeds, and records it.
func listedUnmapped(file, key string, want any) bool {
	v := "null"
	if want != nil {
		v = fmt.Sprint(want)
	}
	for i, k := range knownUnmappeds {
		if k.key == key && strings.HasSuffix(file, k.file) && slices.Contains(k.values, v) {
			if seenUnmapped[i] == nil {
				seenUnmapped[i] = map[string]bool{}
			}
			seenUnmapped[i][v] = true
			return true
		}
	}
	return false
}

const reasonFreeH = "procps 3.3 `free -h` prints binary units with one letter (1.9G = 1.9 GiB); jc converts them in base 1000, serverstats in base 1024 as procps computes them"

// Common jc keys that are derived, not columns.
var (
	ignoreFrom = map[string]string{
		"from": "compared through COMMENT: jc strips the parentheses",
	}
	ignoreEpoch = map[string]string{
		"epoch":     "derived by jc from the time (time-zone dependent)",
		"epoch_utc": "derived by jc from the time",
	}
)

func merge(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func str(exp map[string]any, k string) (string, bool) {
	v, ok := exp[k]
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	}
	return fmt.Sprint(v), true
}

// joinKeys rebuilds "a<sep>b" from two keys; the second may be missing.
func joinKeys(a, sep, b string) func(map[string]any) (string, bool) {
	return func(exp map[string]any) (string, bool) {
		x, ok := str(exp, a)
		if !ok {
			return "", false
		}
		if y, ok := str(exp, b); ok {
			return x + sep + y, true
		}
		return x, true
	}
}

// ssLocal rebuilds ss's local "Address:Port" cell from jc's fields.
func ssLocal(exp map[string]any) (string, bool) {
	if p, ok := str(exp, "path"); ok {
		port, _ := str(exp, "local_port")
		return p + " " + port, true
	}
	if c, ok := str(exp, "channel"); ok {
		if pid, ok := str(exp, "pid"); ok {
			return c + "/" + pid, true
		}
		return c, true
	}
	if l, ok := str(exp, "link_layer"); ok {
		i, _ := str(exp, "interface")
		return l + ":" + i, true
	}
	a, ok := str(exp, "local_address")
	if !ok {
		return "", false
	}
	if i, ok := str(exp, "interface"); ok {
		a += "%" + i
	}
	port, _ := str(exp, "local_port")
	return a + ":" + port, true
}

// ssPeer rebuilds ss's peer "Address:Port" cell from jc's fields.
func ssPeer(exp map[string]any) (string, bool) {
	a, ok := str(exp, "peer_address")
	if !ok {
		return "", false
	}
	port, ok := str(exp, "peer_port")
	if !ok {
		return a, true
	}
	if _, unix := str(exp, "path"); unix {
		return a + " " + port, true
	}
	return a + ":" + port, true
}

var topRename = map[string]string{
	"PID": "pid", "USER": "user", "PR": "priority", "NI": "nice",
	"VIRT": "virtual_mem", "RES": "resident_mem", "SHR": "shared_mem",
	"S": "status", "TIME+": "time_hundredths", "COMMAND": "command",
	"PPID": "parent_pid", "UID": "uid", "RUID": "real_uid", "RUSER": "real_user",
	"SUID": "saved_uid", "SUSER": "saved_user", "GID": "gid", "GROUP": "group",
	"PGRP": "pgrp", "TTY": "tty", "TPGID": "tty_process_gid", "SID": "session_id",
	"nTH": "thread_count", "P": "last_used_processor", "TIME": "time",
	"SWAP": "swap", "CODE": "code", "DATA": "data",
	"nMaj": "major_page_fault_count", "nMin": "minor_page_fault_count",
	"nDRT": "dirty_pages_count", "WCHAN": "sleeping_in_function", "Flags": "flags",
	"CGROUPS": "cgroups", "SUPGIDS": "supplementary_gids", "SUPGRPS": "supplementary_groups",
	"TGID": "thread_gid", "ENVIRON": "environment_variables",
	"vMj": "major_page_fault_count_delta", "vMn": "minor_page_fault_count_delta",
	"USED": "used", "nsIPC": "ipc_namespace_inode", "nsMNT": "mount_namespace_inode",
	"nsNET": "net_namespace_inode", "nsPID": "pid_namespace_inode",
	"nsUSER": "user_namespace_inode", "nsUTS": "nts_namespace_inode",
}

var vmstatRename = map[string]string{
	"r": "runnable_procs", "b": "uninterruptible_sleeping_procs",
	"swpd": "virtual_mem_used", "free": "free_mem", "buff": "buffer_mem",
	"cache": "cache_mem", "inact": "inactive_mem", "active": "active_mem",
	"si": "swap_in", "so": "swap_out", "bi": "blocks_in", "bo": "blocks_out",
	"in": "interrupts", "cs": "context_switches", "us": "user_time",
	"sy": "system_time", "id": "idle_time", "wa": "io_wait_time", "st": "stolen_time",
	"PDT": "timestamp",
}

// who prints no header: its columns are positional.
var (
	whoRename = map[string]string{"#1": "user", "#2": "tty", "#3": "time"}
	whoBuild  = map[string]func(map[string]any) (string, bool){"#4": func(e map[string]any) (string, bool) {
		s, ok := str(e, "from")
		return "(" + s + ")", ok
	}}
)

func isType(t string) func(map[string]any) bool {
	return func(exp map[string]any) bool { return exp["type"] == t }
}

var corpusCases = []corpusCase{
	{glob: "df/*", percent: "suffix",
		rename: map[string]string{"Avail": "available", "Capacity": "capacity_percent"}},
	{glob: "ps/*", percent: "suffix"},
	{glob: "free/*",
		rename: map[string]string{"#1": "type"},
		build:  map[string]func(map[string]any) (string, bool){"#1": func(e map[string]any) (string, bool) { s, ok := str(e, "type"); return s + ":", ok }}},
	{glob: "w/*"},
	{glob: "who/*_who.out", rename: whoRename, build: whoBuild, ignore: merge(ignoreEpoch, ignoreFrom)},
	{glob: "who/generic_who-login-screen.out", rename: whoRename, build: whoBuild, ignore: merge(ignoreEpoch, ignoreFrom)},
	{glob: "who/centos-7.7_who-a.out",
		rename: map[string]string{"#1": "user", "#2": "writeable_tty", "#3": "tty", "#4": "time", "#5": "idle", "#6": "pid"},
		build: map[string]func(map[string]any) (string, bool){"#7": func(e map[string]any) (string, bool) {
			if s, ok := str(e, "from"); ok {
				return "(" + s + ")", true
			}
			return str(e, "comment")
		}},
		ignore: merge(ignoreEpoch, ignoreFrom, map[string]string{"comment": "compared through #7", "event": "jc names special rows (\"system boot\" -> \"reboot\", LOGIN -> \"login\"); the row's #3 and #1 cells hold them"})},
	{glob: "vmstat/*", rename: vmstatRename,
		ignore: merge(ignoreEpoch, map[string]string{"timezone": "taken by jc from the header text (\"PDT\"), not a cell"})},
	{glob: "iostat/*", opt: Options{Table: "avg-cpu"}, keep: isType("cpu"), percent: "prefix",
		ignore: map[string]string{"type": "added by jc (cpu or device)"}},
	{glob: "iostat/*", opt: Options{Table: "Device"}, keep: isType("device"), percent: "prefix",
		ignore: map[string]string{"type": "added by jc (cpu or device)"}},
	{glob: "lsblk/*",
		types: map[string]Type{"rm": TypeBool, "ro": TypeBool, "rota": TypeBool, "rand": TypeBool, "disc_zero": TypeBool,
			"size_bytes": TypeBytes, "disc_gran_bytes": TypeBytes, "disc_max_bytes": TypeBytes, "wsame_bytes": TypeBytes},
		valueOf: map[string]string{"size_bytes": "SIZE", "disc_gran_bytes": "DISC-GRAN", "disc_max_bytes": "DISC-MAX", "wsame_bytes": "WSAME"}},
	{glob: "du/*", rename: map[string]string{"#1": "size", "#2": "name"}},
	{glob: "netstat/*",
		rename: map[string]string{"Flags": "route_flags", "Ref": "route_refs", "Name": "iface"},
		build: map[string]func(map[string]any) (string, bool){
			"Local Address":    joinKeys("local_address", ":", "local_port"),
			"Foreign Address":  joinKeys("foreign_address", ":", "foreign_port"),
			"PID/Program name": joinKeys("pid", "/", "program_name"),
		},
		ignore: map[string]string{
			"kind": "added by jc", "route_flags_pretty": "derived by jc from the flags",
			"local_port_num": "derived by jc", "transport_protocol": "derived by jc from proto",
			"network_protocol": "derived by jc from proto",
			"local_port":       "part of Local Address", "foreign_port": "part of Foreign Address",
			"pid": "part of PID/Program name", "program_name": "part of PID/Program name",
			"local_address": "part of Local Address", "foreign_address": "part of Foreign Address",
		}},
	{glob: "ss/*",
		build: map[string]func(map[string]any) (string, bool){
			"Local Address:Port": ssLocal,
			"Peer Address:Port":  ssPeer,
		},
		// jc's port numbers are the typed "Port" parts of the compound
		// columns (compound.go).
		types:   map[string]Type{"local_port_num": TypeNumber, "peer_port_num": TypeNumber},
		valueOf: map[string]string{"local_port_num": "Local Port", "peer_port_num": "Peer Port"},
		ignore: map[string]string{
			"local_address": "part of Local Address:Port", "local_port": "part of Local Address:Port",
			"peer_address": "part of Peer Address:Port", "peer_port": "part of Peer Address:Port",
			"channel": "part of Local Address:Port", "pid": "part of Local Address:Port",
			"path": "part of Local Address:Port", "link_layer": "part of Local Address:Port",
			"interface": "part of Local Address:Port",
		},
		objects: map[string]string{"opts": "Process"}},
	{glob: "systemctl/*"},
	{glob: "top/*", percent: "prefix", rename: topRename,
		unitScaled: map[string]bool{"virtual_mem": true, "resident_mem": true, "shared_mem": true, "swap": true, "code": true, "data": true, "used": true},
		types:      map[string]Type{"priority": TypeNumber, "virtual_mem": TypeBytes, "resident_mem": TypeBytes, "shared_mem": TypeBytes, "swap": TypeBytes, "code": TypeBytes, "data": TypeBytes, "used": TypeBytes},
		translate: map[string]map[string]string{"status": {
			"R": "running", "S": "sleeping", "I": "idle", "D": "uninterruptible sleep",
			"T": "stopped", "t": "stopped by debugger", "Z": "zombie",
		}},
		lists: map[string]string{"supplementary_gids": ",", "supplementary_groups": ",", "environment_variables": " "}},
}

// jcKey names a header the way jc does (see the corpus README).
func jcKey(h, percent string) string {
	k := strings.ToLower(h)
	k = strings.TrimSuffix(k, ":")
	pct := strings.Contains(k, "%")
	k = strings.ReplaceAll(k, "%", "")
	k = strings.ReplaceAll(k, "@", "_at")
	for _, c := range []string{" ", "-", "/", ":"} {
		k = strings.ReplaceAll(k, c, "_")
	}
	if pct {
		switch percent {
		case "suffix":
			k += "_percent"
		case "prefix":
			k = "percent_" + k
		}
	}
	return k
}

// corpusTally counts agreements for one command.
type corpusTally struct {
	cells, agree int
	unmapped     int // jc fields with no column (derived or added by jc): misses
	unlisted     int // of them, the ones knownUnmappeds does not list
	known        map[string]int
	misses       map[string]int // by "key: cause", for the verbose listing
}

// miss counts one cell that does not agree, by key and cause.
func (tl *corpusTally) miss(key, cause string) {
	if tl.misses == nil {
		tl.misses = map[string]int{}
	}
	tl.misses[key+": "+cause]++
}

// corpusDisagreement is one cell where serverstats and jc differ.
type corpusDisagreement struct {
	file, key, header, raw string
	line                   int
	want                   any
	reason                 string // "" when not listed
}

func TestCorpus(t *testing.T) {
	tallies := map[string]*corpusTally{}
	var unlisted []corpusDisagreement
	var listed []corpusDisagreement
	notCompared := map[string]map[string]string{}
	covered := map[string]bool{}
	for _, cc := range corpusCases {
		files, err := filepath.Glob(filepath.Join(corpusDir, cc.glob))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if !strings.HasSuffix(f, ".out") {
				continue
			}
			covered[f] = true
			cmd := filepath.Base(filepath.Dir(f))
			tl := tallies[cmd]
			if tl == nil {
				tl = &corpusTally{known: map[string]int{}}
				tallies[cmd] = tl
			}
			ds := compareCorpusFile(t, cc, f, tl, notCompared)
			for _, d := range ds {
				if d.reason == "" {
					unlisted = append(unlisted, d)
				} else {
					listed = append(listed, d)
					tl.known[d.reason]++
				}
			}
		}
	}

	// Every table output of the corpus must be covered.
	all, _ := filepath.Glob(filepath.Join(corpusDir, "*", "*.out"))
	for _, f := range all {
		switch filepath.Base(filepath.Dir(f)) {
		case "uptime", "date", "mount": // not tables
			continue
		}
		if !covered[f] {
			t.Errorf("%s: no corpus case", f)
		}
	}

	cmds := make([]string, 0, len(tallies))
	for c := range tallies {
		cmds = append(cmds, c)
	}
	sort.Strings(cmds)
	var cells, agree int
	unmapped := 0
	t.Logf("%-10s %7s %7s %8s %9s", "command", "cells", "agree", "percent", "unmapped")
	for _, c := range cmds {
		tl := tallies[c]
		cells += tl.cells
		agree += tl.agree
		unmapped += tl.unmapped
		t.Logf("%-10s %7d %7d %7.2f%% %9d", c, tl.cells, tl.agree, pct(tl.agree, tl.cells), tl.unmapped)
	}
	t.Logf("%-10s %7d %7d %7.2f%% %9d", "overall", cells, agree, pct(agree, cells), unmapped)
	if du := tallies["du"]; du != nil {
		// du's two columns are most of the cells: show the rest alone too.
		t.Logf("%-10s %7d %7d %7.2f%%", "without du", cells-du.cells, agree-du.agree, pct(agree-du.agree, cells-du.cells))
	}
	if testing.Verbose() {
		t.Logf("misses by command and cause (cells):")
		for _, c := range cmds {
			ms := tallies[c].misses
			keys := make([]string, 0, len(ms))
			for k := range ms {
				keys = append(keys, k)
			}
			sort.Slice(keys, func(i, j int) bool {
				if ms[keys[i]] != ms[keys[j]] {
					return ms[keys[i]] > ms[keys[j]]
				}
				return keys[i] < keys[j]
			})
			for _, k := range keys {
				t.Logf("  %-10s %5d  %s", c, ms[k], k)
			}
		}
	}
	if len(listed) > 0 {
		byReason := map[string][]corpusDisagreement{}
		for _, d := range listed {
			byReason[d.reason] = append(byReason[d.reason], d)
		}
		reasons := make([]string, 0, len(byReason))
		for r := range byReason {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		t.Logf("listed disagreements:")
		for _, r := range reasons {
			ds := byReason[r]
			t.Logf("  %d cells: %s", len(ds), r)
			for i, d := range ds {
				if i == 3 {
					t.Logf("      ...")
					break
				}
				t.Logf("      %s line %d %s (%q): jc %v", d.file, d.line, d.key, d.raw, d.want)
			}
		}
	}
	if testing.Verbose() {
		keys := make([]string, 0, len(notCompared))
		for k := range notCompared {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		t.Logf("jc keys not compared (not cells of the table):")
		for _, k := range keys {
			for key, why := range notCompared[k] {
				t.Logf("  %s %s: %s", k, key, why)
			}
		}
	}
	for i, k := range knownDisagreements {
		for _, v := range k.values {
			if !forgiven[i][v] {
				t.Errorf("known disagreement %s %s forgives %q, which no longer disagrees: remove it", k.file, k.key, v)
			}
		}
	}
	for i, d := range unlisted {
		if i == 40 {
			t.Errorf("... %d more", len(unlisted)-40)
			break
		}
		t.Errorf("%s line %d, %s (header %q): got %q, jc has %#v", d.file, d.line, d.key, d.header, d.raw, d.want)
	}
	for i, k := range knownUnmappeds {
		for _, v := range k.values {
			if !seenUnmapped[i][v] {
				t.Errorf("known unmapped field %s %s lists %q, which is no longer seen: remove it", k.file, k.key, v)
			}
		}
	}
	unlistedUnmapped := 0
	for _, c := range cmds {
		if n := tallies[c].unlisted; n > 0 {
			unlistedUnmapped += n
			t.Logf("%s: %d unmapped jc fields are not in knownUnmappeds (see the misses by cause)", c, n)
		}
	}
	// The bar counts the jc-only fields (derived or added by jc, listed
	// or not) as misses.
	t.Logf("%-10s %7d %7d %7.2f%% (jc fields with a column)", "mapped", cells-unmapped, agree, pct(agree, cells-unmapped))
	t.Logf("%-10s %7d misses, %d of them unmapped jc fields (%d not listed)", "overall", cells-agree, unmapped, unlistedUnmapped)
	if p := pct(agree, cells); p < 99 {
		t.Errorf("agreement %.2f%%, unmapped jc fields counted as misses, is under 99%%", p)
	}
}

func pct(a, n int) float64 {
	if n == 0 {
		return 100
	}
	return 100 * float64(a) / float64(n)
}

// compareCorpusFile parses one output and compares it with its JSON.
func compareCorpusFile(t *testing.T, cc corpusCase, outFile string, tl *corpusTally, notCompared map[string]map[string]string) []corpusDisagreement {
	t.Helper()
	name := strings.TrimSuffix(filepath.Base(outFile), ".out")
	text, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(strings.TrimSuffix(outFile, ".out") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var exps []map[string]any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if err := dec.Decode(&exps); err != nil {
		t.Fatalf("%s: %v", outFile, err)
	}
	if strings.Contains(outFile, "/top/") {
		var procs []map[string]any
		for _, snap := range exps {
			list, _ := snap["processes"].([]any)
			for _, p := range list {
				if m, ok := p.(map[string]any); ok {
					procs = append(procs, m)
				}
			}
		}
		exps = procs
	}
	if cc.keep != nil {
		var kept []map[string]any
		for _, e := range exps {
			if cc.keep(e) {
				kept = append(kept, e)
			}
		}
		exps = kept
	}

	tab, err := ParseTable(string(text), cc.opt)
	if err != nil {
		t.Errorf("%s: %v", outFile, err)
		tl.cells += len(exps)
		return nil
	}

	// Map jc keys to our columns.
	col := map[string]int{}
	header := map[string]string{}
	for i, h := range tab.Header {
		k := cc.rename[h]
		if k == "" {
			k = jcKey(h, cc.percent)
		}
		if _, dup := col[k]; !dup {
			col[k] = i
			header[k] = h
		}
	}
	builds := map[string]int{}
	for h := range cc.build {
		if i, ok := tab.Column(h); ok {
			builds[h] = i
		} else {
			builds[h] = -1
		}
	}

	var ds []corpusDisagreement
	if len(tab.Rows) != len(exps) {
		t.Errorf("%s: %d rows, jc has %d", name, len(tab.Rows), len(exps))
	}
	for r, exp := range exps {
		if r >= len(tab.Rows) {
			tl.cells += len(exp)
			tl.miss("(row)", "row missing")
			continue
		}
		row := tab.Rows[r]
		// Headers whose cell jc rebuilds from several keys.
		for h, c := range builds {
			want, ok := cc.build[h](exp)
			if !ok {
				continue
			}
			tl.cells++
			got := tab.Cell(r, c)
			if c < 0 {
				got = "<no column>"
			}
			if got == want {
				tl.agree++
				continue
			}
			tl.miss(h, "disagrees")
			ds = append(ds, disagreement(name, h, h, got, row.Line, want))
		}
		for key, want := range exp {
			// A key compared with a named column in its own way: the
			// typed value of the cell (valueOf), or the values of jc's
			// object all in the cell (objects).
			var h string
			var agrees func(c int) bool
			if oh, ok := cc.objects[key]; ok {
				h, agrees = oh, func(c int) bool { return holdsLeaves(tab.Cell(r, c), want) }
			} else if vh, ok := cc.valueOf[key]; ok {
				h, agrees = vh, func(c int) bool { return agreeTyped(tab, r, c, cc.types[key], want) }
			}
			if agrees != nil {
				tl.cells++
				c, ok := tab.Column(h)
				if ok && agrees(c) {
					tl.agree++
					continue
				}
				tl.miss(key, "disagrees")
				ds = append(ds, disagreement(name, key, h, tab.Cell(r, c), row.Line, want))
				continue
			}
			if why, ok := cc.ignore[key]; ok {
				if !partOfColumn(why) {
					// A field jc derives or adds is no cell of ours:
					// it counts, as a miss.
					tl.cells++
					tl.unmapped++
					tl.miss(key, "unmapped ("+why+")")
					if !listedUnmapped(name, key, want) {
						tl.unlisted++
					}
				}
				noteNotCompared(notCompared, name, key, why)
				continue
			}
			if _, built := cc.build[header[key]]; built && header[key] != "" {
				continue
			}
			c, ok := col[key]
			if !ok {
				tl.cells++
				if want == nil {
					tl.unmapped++
					tl.miss(key, "unmapped (null in jc, no column)")
					if !listedUnmapped(name, key, want) {
						tl.unlisted++
					}
					noteNotCompared(notCompared, name, key, "jc lists the field as null; the output has no such column")
					continue
				}
				tl.miss(key, "no column")
				ds = append(ds, disagreement(name, key, "", "<no column>", row.Line, want))
				continue
			}
			tl.cells++
			cell := tab.Cell(r, c)
			if agreeCell(tab, r, c, cell, key, want, cc) {
				tl.agree++
				continue
			}
			tl.miss(key, "disagrees")
			ds = append(ds, disagreement(name, key, tab.Header[c], cell, row.Line, want))
		}
	}
	return ds
}

// holdsLeaves reports whether cell holds every scalar value of v (a jc
// object, nested), and every all-digit key of its maps; an empty object
// is an empty cell.
func holdsLeaves(cell string, v any) bool {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 0 {
			return strings.TrimSpace(cell) == ""
		}
		for k, sub := range x {
			if strings.Trim(k, "0123456789") == "" && !strings.Contains(cell, k) {
				return false
			}
			if !holdsLeaves(cell, sub) {
				return false
			}
		}
		return true
	case []any:
		for _, sub := range x {
			if !holdsLeaves(cell, sub) {
				return false
			}
		}
		return true
	case nil:
		return true
	default:
		return strings.Contains(cell, fmt.Sprint(x))
	}
}

// partOfColumn reports whether an ignored key's reason says that the key
// is compared through a column it is part of ("part of Local Address",
// "compared through #7"); any other ignored key is a field jc derives or
// adds, which counts as a miss.
func partOfColumn(why string) bool {
	return strings.HasPrefix(why, "part of ") || strings.HasPrefix(why, "compared through ")
}

func noteNotCompared(m map[string]map[string]string, file, key, why string) {
	if m[file] == nil {
		m[file] = map[string]string{}
	}
	m[file][key] = why
}

// forgiven records the whitelisted values seen, by entry and value.
var forgiven = map[int]map[string]bool{}

func disagreement(file, key, header, raw string, line int, want any) corpusDisagreement {
	d := corpusDisagreement{file: file, key: key, header: header, raw: raw, line: line, want: want}
	for i, k := range knownDisagreements {
		if strings.HasSuffix(file, k.file) && k.key == key && slices.Contains(k.values, raw) {
			d.reason = k.reason
			if forgiven[i] == nil {
				forgiven[i] = map[string]bool{}
			}
			forgiven[i][raw] = true
		}
	}
	return d
}

// agreeCell compares one cell with jc's value, by the JSON type of jc's
// value: null (a placeholder or empty cell), string (the cell text), number
// (the typed value, exactly for integers), bool.
func agreeCell(tab *Table, r, c int, cell, key string, want any, cc corpusCase) bool {
	typ := cc.types[key]
	if sep, ok := cc.lists[key]; ok {
		if list, ok := want.([]any); ok {
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = fmt.Sprint(x)
			}
			want = strings.Join(parts, sep)
		}
	}
	if tr, ok := cc.translate[key]; ok {
		if s, ok := tr[cell]; ok {
			cell = s
		}
		return want == cell
	}
	switch w := want.(type) {
	case nil:
		v, err := tab.Value(r, c, typ)
		return err == nil && v.Null
	case string:
		v, err := tab.Value(r, c, typ)
		return err == nil && !v.Null && v.Raw == w
	case bool:
		v, err := tab.Value(r, c, TypeBool)
		return err == nil && !v.Null && v.Bool == w
	case json.Number:
		v, err := tab.Value(r, c, typ)
		if err != nil {
			return false
		}
		f, ok := v.Float()
		if !ok {
			return false
		}
		if cc.unitScaled[key] {
			// Bytes are whole: allow the truncation of the last byte.
			u := unitOf(cell)
			wf, _ := w.Float64()
			return math.Abs(f-wf*u) < 1+1e-9*math.Abs(wf*u)
		} else if n, err := w.Int64(); err == nil {
			// Integers compare exactly, up to 2^63-1.
			return v.IsInt && v.Int == n
		}
		wf, err := w.Float64()
		if err != nil {
			return false
		}
		return math.Abs(f-wf) <= 1e-9*math.Max(1, math.Abs(wf))
	}
	return false
}

// unitOf returns the multiplier of a size's suffix ("125.1m" -> 1024²).
func unitOf(s string) float64 {
	_, power, base, ok := sizeSuffix(s)
	if !ok || power == 0 {
		return 1
	}
	b := 1024.0
	if base == baseSI {
		b = 1000
	}
	return math.Pow(b, float64(power))
}

// agreeTyped compares the typed value of a cell with jc's number derived
// from it, to the whole unit (jc truncates 1.4M to 1468006 bytes).
func agreeTyped(tab *Table, r, c int, typ Type, want any) bool {
	v, err := tab.Value(r, c, typ)
	if err != nil {
		return false
	}
	if want == nil {
		return v.Null
	}
	w, ok := want.(json.Number)
	if !ok {
		return false
	}
	wf, err := w.Float64()
	f, ok := v.Float()
	return err == nil && ok && math.Abs(f-wf) < 1
}
