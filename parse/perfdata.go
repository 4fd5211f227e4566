package parse

import (
	"fmt"
	"strings"
)

// PerfHeader is the header of the table ParsePlugin returns.
var PerfHeader = []string{"label", "value", "uom", "warn", "crit", "min", "max"}

// PluginStateHeader is the header of a plugin's one-row state table: state
// (OK, WARNING, CRITICAL, UNKNOWN), exit (its exit status) and summary (the
// first line of its output, before "|").
var PluginStateHeader = []string{"state", "exit", "summary"}

// ParsePlugin reads the output of a Nagios/Monitoring-Plugins check:
//
//	SERVICE OUTPUT | perfdata ...
//	long output line
//	long output line | more perfdata ...
//	more perfdata ...
//
// The summary is the first line's text before "|", trimmed. Perfdata is
// what follows "|" on the first line, and on the first later line holding a
// "|" what follows it plus every line after it. Each item is
// 'label'=value[UOM];[warn];[crit];[min];[max]: labels with spaces are
// quoted with ' (” is a quote inside), value is the number as written (or
// "U" for undefined), uom the unit after it ("%", "s", "ms", "B", "KB", "c",
// ...); missing fields are "". The table has PerfHeader and one row per
// label (a repeated label keeps its first position and its last values);
// Row.Line is the 1-based line of the item.
//
// Malformed items (no "=", an unterminated quote, an empty label) are left
// out and reported together in err, with the table of the good ones; perf is
// never nil. ParsePlugin never panics.
func ParsePlugin(out string) (summary string, perf *Table, err error) {
	perf = &Table{Header: append([]string(nil), PerfHeader...)}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error parsing plugin output: %v", r)
		}
	}()
	lines := strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n")
	first, perfText, ok := strings.Cut(lines[0], "|")
	summary = strings.TrimSpace(first)
	p := perfParser{t: perf, index: map[string]int{}}
	if ok {
		p.parse(perfText, 1)
	}
	inPerf := false
	for i := 1; i < len(lines); i++ {
		line := lines[i]
		if !inPerf {
			_, rest, found := strings.Cut(line, "|")
			if !found {
				continue
			}
			inPerf, line = true, rest
		}
		p.parse(line, i+1)
	}
	if len(p.bad) > 0 {
		err = fmt.Errorf("malformed perfdata: %s", strings.Join(p.bad, "; "))
	}
	return summary, perf, err
}

type perfParser struct {
	t     *Table
	index map[string]int // label -> row
	bad   []string
}

func isPerfSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f' }

// parse reads the items of one line of perfdata.
func (p *perfParser) parse(s string, line int) {
	i := 0
	for {
		for i < len(s) && isPerfSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return
		}
		start := i
		var label string
		if s[i] == '\'' {
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\'' {
					if i+1 < len(s) && s[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				p.malformed(s[start:], line, "unterminated quote")
				return
			}
			label = b.String()
		} else {
			for i < len(s) && s[i] != '=' && !isPerfSpace(s[i]) {
				i++
			}
			label = s[start:i]
		}
		if i >= len(s) || s[i] != '=' {
			// Skip the rest of this token.
			for i < len(s) && !isPerfSpace(s[i]) {
				i++
			}
			p.malformed(s[start:i], line, "no '='")
			continue
		}
		i++ // '='
		ds := i
		for i < len(s) && !isPerfSpace(s[i]) {
			i++
		}
		if label == "" {
			p.malformed(s[start:i], line, "empty label")
			continue
		}
		p.add(label, s[ds:i], line)
	}
}

func (p *perfParser) malformed(tok string, line int, why string) {
	if len(tok) > 40 {
		tok = tok[:40] + "..."
	}
	if len(p.bad) < 10 {
		p.bad = append(p.bad, fmt.Sprintf("line %d: %q: %s", line, tok, why))
	}
}

// add records label=data.
func (p *perfParser) add(label, data string, line int) {
	parts := strings.SplitN(data, ";", 5)
	cells := make([]string, len(PerfHeader))
	cells[0] = label
	cells[1], cells[2] = splitUOM(parts[0])
	for k := 1; k < len(parts) && k < 5; k++ {
		v := parts[k]
		if k == 4 {
			// Anything past max (a stray ";") is ignored.
			v, _, _ = strings.Cut(v, ";")
		}
		cells[2+k] = strings.TrimSpace(v)
	}
	row := Row{Line: line, Cells: cells}
	if r, ok := p.index[label]; ok {
		row.Line = p.t.Rows[r].Line
		p.t.Rows[r] = row
		return
	}
	p.index[label] = len(p.t.Rows)
	p.t.Rows = append(p.t.Rows, row)
}

// splitUOM splits "93.5%" into "93.5" and "%"; "U" (undefined) stays the
// value.
func splitUOM(s string) (value, uom string) {
	j := 0
	for j < len(s) && strings.IndexByte("+-0123456789.,", s[j]) >= 0 {
		j++
	}
	// An exponent ("1.5e-3") belongs to the number when digits follow.
	if j > 0 && j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			j = k
		}
	}
	if j == 0 && strings.HasPrefix(s, "U") {
		return "U", s[1:]
	}
	return s[:j], s[j:]
}
