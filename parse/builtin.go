package parse

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"regexp"
	"regexp/syntax"
	"sort"
	"strconv"
	"strings"
)

// Builtin is a portable check that needs no shell line from the user: a
// command for the remote host (a POSIX sh line that works on Linux with GNU
// or busybox tools, macOS and FreeBSD) and the normalizer that turns its
// output into a Table with the same columns everywhere.
type Builtin struct {
	Name string
	Doc  string
	// Command builds the shell line from the check's params; it fails on a
	// missing required param or an unknown one.
	Command func(params map[string]string) (string, error)
	// Key is the column identifying a row ("" for one-row tables).
	Key string
	// Columns is the header of every table Normalize returns.
	Columns []string
	// Normalize reads the command's stdout. Sizes are in bytes, as plain
	// integers ("10485760"), percentages as "42.5%".
	Normalize func(out string) (*Table, error)
}

// LookupBuiltin returns the built-in check called name.
func LookupBuiltin(name string) (Builtin, bool) {
	b, ok := builtins[name]
	return b, ok
}

// BuiltinNames lists the built-in checks, sorted.
func BuiltinNames() []string {
	var names []string
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

var builtins = map[string]Builtin{
	"disk": {
		Name:    "disk",
		Columns: diskHeader,
		Doc: "Per mounted filesystem: mount, filesystem, size, used, avail (bytes) and use%. " +
			"Runs `df -P -k` (POSIX format, 1024-byte blocks on every system).",
		Command:   noParams("disk", "LC_ALL=C df -P -k"),
		Key:       "mount",
		Normalize: normalizeDisk,
	},
	"memory": {
		Name:    "memory",
		Columns: memoryHeader,
		Doc: "Physical memory: total, used, free, available (bytes) and used% (used = total - available). " +
			"Linux: /proc/meminfo; macOS: vm_stat and hw.memsize; FreeBSD: sysctl vm.stats.",
		Command:   noParams("memory", memoryCommand),
		Normalize: normalizeMemory,
	},
	"load": {
		Name:    "load",
		Columns: loadHeader,
		Doc: "Load averages load1, load5, load15 and the number of online cpus. " +
			"Linux: /proc/loadavg, elsewhere `uptime`; cpus from nproc, getconf or sysctl hw.ncpu.",
		Command:   noParams("load", loadCommand),
		Normalize: normalizeLoad,
	},
	"process-count": {
		Name:    "process-count",
		Columns: []string{"count"},
		Doc: "Number of processes whose command line matches the extended regular expression " +
			"`pattern` (required), as `pgrep -f` (or `ps -A -o args` with awk where pgrep is missing); " +
			"the check's own shell is not counted unless the pattern matches its command line too (words such as " +
			"sh, awk, pgrep or printf do): anchor the pattern (`^nginx: master`) to be exact. Column: count.",
		Command:   processCountCommand,
		Normalize: normalizeCount,
	},
	"service": {
		Name:    "service",
		Columns: serviceHeader,
		Doc: "State of the systemd unit `unit` (required): columns unit, active (true/false) and state " +
			"(`systemctl is-active`: active, inactive, failed, activating, ...; \"unknown\" where systemd is not running).",
		Command:   serviceCommand,
		Key:       "unit",
		Normalize: normalizeService,
	},
	"uptime": {
		Name:    "uptime",
		Columns: []string{"seconds"},
		Doc: "Seconds since boot. Linux: /proc/uptime; macOS and FreeBSD: sysctl kern.boottime. " +
			"Column: seconds.",
		Command:   noParams("uptime", uptimeCommand),
		Normalize: normalizeUptime,
	},
}

func noParams(name, cmd string) func(map[string]string) (string, error) {
	return func(params map[string]string) (string, error) {
		for k := range params {
			return "", fmt.Errorf("built-in check %s takes no params, got %q", name, k)
		}
		return cmd, nil
	}
}

// needParam returns params[key], failing when it is missing or when params
// holds anything else.
func needParam(check string, params map[string]string, key string) (string, error) {
	for k := range params {
		if k != key {
			return "", fmt.Errorf("built-in check %s: unknown param %q (want %q)", check, k, key)
		}
	}
	v := params[key]
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("built-in check %s needs the param %q", check, key)
	}
	if strings.ContainsAny(v, "\x00\n\r") {
		return "", fmt.Errorf("built-in check %s: param %q holds a control character", check, key)
	}
	return v, nil
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// octalEscape writes s as a printf format of octal escapes, so the shell line
// that builds it does not itself contain s.
func octalEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&b, `\%03o`, s[i])
	}
	return b.String()
}

const memoryCommand = `LC_ALL=C; export LC_ALL; case "$(uname -s)" in ` +
	`Linux) cat /proc/meminfo;; ` +
	`Darwin) echo "hw.memsize: $(sysctl -n hw.memsize)"; vm_stat;; ` +
	`*BSD|DragonFly) set -- $(sysctl -n hw.physmem vm.stats.vm.v_page_size vm.stats.vm.v_free_count vm.stats.vm.v_inactive_count); ` +
	`echo "hw.physmem: $1"; echo "v_page_size: $2"; echo "v_free_count: $3"; echo "v_inactive_count: $4";; ` +
	`*) echo "unsupported system: $(uname -s)"; exit 1;; esac`

const loadCommand = `LC_ALL=C; export LC_ALL; ` +
	`if [ -r /proc/loadavg ]; then echo "loadavg: $(cat /proc/loadavg)"; else echo "uptime: $(uptime)"; fi; ` +
	`echo "cpus: $(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null)"`

const uptimeCommand = `LC_ALL=C; export LC_ALL; ` +
	`if [ -r /proc/uptime ]; then echo "proc: $(cat /proc/uptime)"; ` +
	`else echo "boottime: $(sysctl -n kern.boottime)"; echo "now: $(date +%s)"; fi`

// processCountCommand counts matching processes. The pattern is rebuilt
// from octal escapes so that the shell running this line (whose own command
// line holds the line) does not match it; pgrep never counts itself, and the
// awk fallback reads the pattern from its environment, not its arguments.
func processCountCommand(params map[string]string) (string, error) {
	pat, err := needParam("process-count", params, "pattern")
	if err != nil {
		return "", err
	}
	// pgrep and awk read POSIX extended regular expressions: refuse what
	// only Perl-style syntax means (\d, \b, (?i)) instead of letting it
	// match something else on the host.
	if _, err := syntax.Parse(pat, syntax.POSIX); err != nil {
		return "", fmt.Errorf("built-in check process-count: pattern %q is not a POSIX extended regular expression (as pgrep reads it; write [0-9] for \\d): %w", pat, err)
	}
	return `SERVERSTATS_PAT=$(printf '` + octalEscape(pat) + `'); export SERVERSTATS_PAT; ` +
		`if command -v pgrep >/dev/null 2>&1; then echo "count: $(pgrep -f -- "$SERVERSTATS_PAT" | wc -l)"; ` +
		`else echo "count: $(ps -A -o args= | awk 'BEGIN{n=0} $0 ~ ENVIRON["SERVERSTATS_PAT"] {n++} END{print n}')"; fi`, nil
}

func serviceCommand(params map[string]string) (string, error) {
	unit, err := needParam("service", params, "unit")
	if err != nil {
		return "", err
	}
	q := shellQuote(unit)
	return `if command -v systemctl >/dev/null 2>&1; then s=$(systemctl is-active -- ` + q + ` 2>/dev/null | head -n 1); ` +
		`else s=no-systemctl; fi; echo "unit: "` + q + `; echo "state: $s"`, nil
}

// tagged reads "key: value" lines (also vm_stat's "Pages free:   123.").
func tagged(out string) map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, dup := m[k]; !dup {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// uintField reads the first word of v as an unsigned integer ("123 kB",
// "4567.").
func uintField(v string) (uint64, bool) {
	f := strings.Fields(v)
	if len(f) == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(strings.TrimSuffix(f[0], "."), 10, 64)
	return n, err == nil
}

func utoa(n uint64) string { return strconv.FormatUint(n, 10) }

// maxSize is the largest size in bytes a built-in reports (what an int64
// holds, 8 EiB). No real system is that large: a bigger result is a misread
// number, and the arithmetic below saturates past it instead of wrapping
// round to a small, plausible size.
const maxSize = math.MaxInt64

// addSize and mulSize add and multiply sizes, saturating at maxSize+1.
func addSize(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 || s > maxSize {
		return maxSize + 1
	}
	return s
}

func mulSize(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 || lo > maxSize {
		return maxSize + 1
	}
	return lo
}

// plainDecimal reads a non-negative decimal such as "0.52" or "1801234.56":
// digits and at most one dot, no sign, exponent, "NaN" or "Inf" (which
// strconv.ParseFloat would take).
func plainDecimal(s string) (float64, bool) {
	if s == "" || strings.Trim(s, "0123456789.") != "" || strings.Count(s, ".") > 1 || s == "." {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil && !math.IsInf(f, 0)
}

func percent(part, whole uint64) string {
	if whole == 0 {
		return ""
	}
	return strconv.FormatFloat(math.Round(float64(part)/float64(whole)*1000)/10, 'f', 1, 64) + "%"
}

// oneRow builds a one-row table.
func oneRow(header []string, cells ...string) *Table {
	return &Table{Header: header, Rows: []Row{{Line: 1, Cells: cells}}}
}

// ---- disk ----

var diskHeader = []string{"mount", "filesystem", "size", "used", "avail", "use%"}

// normalizeDisk reads `df -P -k` (and other df layouts: GNU/busybox df with
// 1K-blocks and wrapped lines, macOS df with inode columns, df -h sizes).
func normalizeDisk(out string) (*Table, error) {
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	hi := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "Filesystem") {
			hi = i
			break
		}
	}
	if hi < 0 {
		return nil, errors.New("disk: no df header (Filesystem ...) in the output")
	}
	hdr := strings.Fields(lines[hi])
	block := uint64(1024)
	human := false
	inodes := false
	for _, w := range hdr {
		lw := strings.ToLower(w)
		switch {
		case strings.HasSuffix(lw, "-blocks"):
			if n, err := parseBlockSize(strings.TrimSuffix(lw, "-blocks")); err == nil {
				block = n
			}
		case lw == "size":
			human = true
		case lw == "iused":
			inodes = true
		}
	}
	t := &Table{Header: append([]string(nil), diskHeader...)}
	var pending []string // a wrapped line's device name
	pendingLine := 0
	for i := hi + 1; i < len(lines); i++ {
		toks := strings.Fields(lines[i])
		if len(toks) == 0 {
			continue
		}
		line := i + 1
		if pending != nil {
			toks = append(pending, toks...)
			line = pendingLine
			pending = nil
		}
		ci := -1 // capacity column
		for j := 3; j < len(toks); j++ {
			if isCapacity(toks[j]) && sizeTok(toks[j-1]) && sizeTok(toks[j-2]) && sizeTok(toks[j-3]) && j-3 >= 1 {
				ci = j
				break
			}
		}
		if ci < 0 {
			if len(toks) == 1 && i+1 < len(lines) {
				pending, pendingLine = toks, line
				continue
			}
			return nil, fmt.Errorf("disk: line %d: cannot read %q as a df row", line, lines[i])
		}
		rest := toks[ci+1:]
		if inodes && len(rest) > 3 {
			rest = rest[3:]
		}
		mount := strings.Join(rest, " ")
		if mount == "" {
			return nil, fmt.Errorf("disk: line %d: no mount point in %q", line, lines[i])
		}
		cells := []string{mount, strings.Join(toks[:ci-3], " ")}
		for _, s := range toks[ci-3 : ci] {
			b, err := toBytes(s, block, human)
			if err != nil {
				return nil, fmt.Errorf("disk: line %d: %w", line, err)
			}
			cells = append(cells, b)
		}
		cells = append(cells, toks[ci])
		t.Rows = append(t.Rows, Row{Line: line, Cells: cells})
	}
	return t, nil
}

func parseBlockSize(s string) (uint64, error) {
	mult := uint64(1)
	switch {
	case strings.HasSuffix(s, "k"):
		mult, s = 1024, strings.TrimSuffix(s, "k")
	case strings.HasSuffix(s, "m"):
		mult, s = 1<<20, strings.TrimSuffix(s, "m")
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return mulSize(n, mult), err
}

func isCapacity(s string) bool {
	if s == "-" {
		return true
	}
	n, ok := strings.CutSuffix(s, "%")
	if !ok {
		return false
	}
	_, err := strconv.ParseFloat(n, 64)
	return err == nil
}

func sizeTok(s string) bool {
	if s == "-" {
		return true
	}
	return s != "" && (s[0] >= '0' && s[0] <= '9')
}

// toBytes turns a df size cell into bytes: a block count, or with human
// ("Size" header) a size like "466Gi" or "1.9G" (powers of 1024).
func toBytes(s string, block uint64, human bool) (string, error) {
	if s == "-" {
		return s, nil
	}
	if n, err := strconv.ParseUint(s, 10, 64); err == nil && !human {
		if b := mulSize(n, block); b <= maxSize {
			return utoa(b), nil
		}
		return "", fmt.Errorf("size %q is out of range", s)
	}
	v, err := ParseValue(s, TypeBytes)
	if err != nil || v.Invalid {
		return "", fmt.Errorf("cannot read size %q", s)
	}
	if f, _ := v.Float(); f < 0 || f >= maxSize {
		return "", fmt.Errorf("size %q is out of range", s)
	}
	if v.IsInt {
		return strconv.FormatInt(v.Int, 10), nil
	}
	return strconv.FormatFloat(math.Trunc(v.Num), 'f', 0, 64), nil
}

// ---- memory ----

var memoryHeader = []string{"total", "used", "free", "available", "used%"}

func normalizeMemory(out string) (*Table, error) {
	m := tagged(out)
	var total, free, avail uint64
	kb := func(k string) (uint64, bool) {
		n, ok := uintField(m[k])
		return mulSize(n, 1024), ok
	}
	switch {
	case m["MemTotal"] != "": // Linux /proc/meminfo, in kB
		var ok bool
		if total, ok = kb("MemTotal"); !ok {
			return nil, fmt.Errorf("memory: bad MemTotal %q", m["MemTotal"])
		}
		free, _ = kb("MemFree")
		if a, ok := kb("MemAvailable"); ok {
			avail = a
		} else { // kernels before 3.14
			buf, _ := kb("Buffers")
			cached, _ := kb("Cached")
			avail = addSize(addSize(free, buf), cached)
		}
	case m["hw.memsize"] != "": // macOS
		var ok bool
		if total, ok = uintField(m["hw.memsize"]); !ok {
			return nil, fmt.Errorf("memory: bad hw.memsize %q", m["hw.memsize"])
		}
		page := uint64(4096)
		if mm := regexp.MustCompile(`page size of (\d+) bytes`).FindStringSubmatch(out); mm != nil {
			page, _ = strconv.ParseUint(mm[1], 10, 64)
		}
		pf, ok := uintField(m["Pages free"])
		if !ok {
			return nil, errors.New("memory: no \"Pages free\" in vm_stat output")
		}
		spec, _ := uintField(m["Pages speculative"])
		inact, _ := uintField(m["Pages inactive"])
		purge, _ := uintField(m["Pages purgeable"])
		free = mulSize(addSize(pf, spec), page)
		avail = mulSize(addSize(addSize(pf, spec), addSize(inact, purge)), page)
	case m["hw.physmem"] != "": // FreeBSD
		var ok bool
		if total, ok = uintField(m["hw.physmem"]); !ok {
			return nil, fmt.Errorf("memory: bad hw.physmem %q", m["hw.physmem"])
		}
		page, ok1 := uintField(m["v_page_size"])
		fc, ok2 := uintField(m["v_free_count"])
		ic, _ := uintField(m["v_inactive_count"])
		if !ok1 || !ok2 {
			return nil, errors.New("memory: missing vm.stats page counts")
		}
		free = mulSize(fc, page)
		avail = mulSize(addSize(fc, ic), page)
	default:
		// `free` output (procps), in KiB: "Mem: total used free shared buff/cache available".
		if t, ok := memoryFromFree(out); ok {
			return t, nil
		}
		return nil, fmt.Errorf("memory: unrecognised output %q", firstLine(out))
	}
	if total > maxSize || free > maxSize || avail > maxSize {
		return nil, fmt.Errorf("memory: sizes out of range in %q", firstLine(out))
	}
	if avail > total {
		avail = total
	}
	used := total - avail
	return oneRow(append([]string(nil), memoryHeader...), utoa(total), utoa(used), utoa(free), utoa(avail), percent(used, total)), nil
}

func memoryFromFree(out string) (*Table, bool) {
	var hdr []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && f[0] == "total" {
			hdr = f
		}
		if len(f) < 4 || f[0] != "Mem:" || hdr == nil {
			continue
		}
		col := map[string]uint64{}
		for i, h := range hdr {
			if i+1 < len(f) {
				n, err := strconv.ParseUint(f[i+1], 10, 64)
				if err != nil {
					return nil, false // free -h: not in KiB
				}
				col[h] = mulSize(n, 1024)
			}
		}
		total, free := col["total"], col["free"]
		avail, ok := col["available"]
		if !ok {
			avail = addSize(addSize(free, col["buffers"]), col["cached"])
		}
		if total == 0 || total > maxSize || free > maxSize || avail > maxSize {
			return nil, false
		}
		avail = min(avail, total)
		used := total - avail
		return oneRow(append([]string(nil), memoryHeader...), utoa(total), utoa(used), utoa(free), utoa(avail), percent(used, total)), true
	}
	return nil, false
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	if len(l) > 80 {
		l = l[:80] + "..."
	}
	return l
}

// ---- load ----

var loadHeader = []string{"load1", "load5", "load15", "cpus"}

var loadRE = regexp.MustCompile(`load averages?:\s*([0-9.,]+),?\s+([0-9.,]+),?\s+([0-9.,]+)`)

// normalizeLoad reads the tagged output of the load command, or plain
// `uptime` output.
func normalizeLoad(out string) (*Table, error) {
	m := tagged(out)
	var loads []string
	if v := m["loadavg"]; v != "" {
		loads = strings.Fields(v)
	} else if mm := loadRE.FindStringSubmatch(out); mm != nil {
		loads = mm[1:]
	}
	if len(loads) < 3 {
		return nil, fmt.Errorf("load: no load averages in %q", firstLine(out))
	}
	cells := make([]string, 0, 4)
	for _, l := range loads[:3] {
		// Some locales print "0,50"; uptime separates with ", " then.
		l = strings.ReplaceAll(strings.TrimSuffix(l, ","), ",", ".")
		if _, ok := plainDecimal(l); !ok {
			return nil, fmt.Errorf("load: bad load average %q", l)
		}
		cells = append(cells, l)
	}
	cpus := ""
	if n, ok := uintField(m["cpus"]); ok && n > 0 {
		cpus = utoa(n)
	}
	return oneRow(append([]string(nil), loadHeader...), append(cells, cpus)...), nil
}

// ---- process-count ----

func normalizeCount(out string) (*Table, error) {
	n, ok := uintField(tagged(out)["count"])
	if !ok {
		return nil, fmt.Errorf("process-count: no count in %q", firstLine(out))
	}
	return oneRow([]string{"count"}, utoa(n)), nil
}

// ---- service ----

var serviceHeader = []string{"unit", "active", "state"}

func normalizeService(out string) (*Table, error) {
	m := tagged(out)
	unit, ok := m["unit"]
	if !ok || unit == "" {
		return nil, fmt.Errorf("service: unrecognised output %q", firstLine(out))
	}
	state := m["state"]
	if state == "no-systemctl" {
		return nil, fmt.Errorf("service %s: systemctl not found on the host (the service check needs systemd)", unit)
	}
	if state == "" {
		state = "unknown"
	}
	return oneRow(serviceHeader, unit, strconv.FormatBool(state == "active"), state), nil
}

// ---- uptime ----

var boottimeRE = regexp.MustCompile(`sec\s*=\s*(\d+)`)

// normalizeUptime reads the tagged output of the uptime command, or plain
// `uptime` output ("up 20 days, 19:45", "up 16:03", "up 5 min").
func normalizeUptime(out string) (*Table, error) {
	m := tagged(out)
	secs := -1.0
	switch {
	case m["proc"] != "":
		f := strings.Fields(m["proc"])
		if v, ok := plainDecimal(f[0]); ok {
			secs = v
		}
	case m["boottime"] != "":
		mm := boottimeRE.FindStringSubmatch(m["boottime"])
		now, ok := uintField(m["now"])
		if mm != nil && ok {
			boot, _ := strconv.ParseFloat(mm[1], 64)
			secs = float64(now) - boot
		}
	default:
		secs = uptimeText(out)
	}
	if secs < 0 || secs >= 1<<62 || math.IsNaN(secs) {
		return nil, fmt.Errorf("uptime: unrecognised output %q", firstLine(out))
	}
	return oneRow([]string{"seconds"}, strconv.FormatInt(int64(secs), 10)), nil
}

var (
	upRE    = regexp.MustCompile(`\bup\s+(.*?),?\s+\d+\s+users?`)
	upAltRE = regexp.MustCompile(`\bup\s+(.*?),\s+load average`)
	daysRE  = regexp.MustCompile(`(\d+)\s+days?`)
	hmRE    = regexp.MustCompile(`(\d+):(\d\d)`)
	minRE   = regexp.MustCompile(`(\d+)\s+mins?`)
	hrRE    = regexp.MustCompile(`(\d+)\s+hrs?`)
	secRE   = regexp.MustCompile(`(\d+)\s+secs?`)
)

// uptimeText reads the "up ..." part of uptime's output; -1 if none.
func uptimeText(out string) float64 {
	mm := upRE.FindStringSubmatch(out)
	if mm == nil {
		mm = upAltRE.FindStringSubmatch(out)
	}
	if mm == nil {
		return -1
	}
	s := mm[1]
	total := 0.0
	found := false
	num := func(re *regexp.Regexp, mult float64) {
		if x := re.FindStringSubmatch(s); x != nil {
			n, _ := strconv.ParseFloat(x[1], 64)
			total += n * mult
			found = true
		}
	}
	num(daysRE, 86400)
	num(minRE, 60)
	num(hrRE, 3600)
	num(secRE, 1)
	if x := hmRE.FindStringSubmatch(s); x != nil {
		h, _ := strconv.ParseFloat(x[1], 64)
		mi, _ := strconv.ParseFloat(x[2], 64)
		total += h*3600 + mi*60
		found = true
	}
	if !found {
		return -1
	}
	return total
}
