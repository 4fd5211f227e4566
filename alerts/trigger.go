// Package alerts decides what fires: trigger rules over typed table cells.
// Evaluation is a pure function of the rules, the parsed output and time; it
// knows nothing about SMTP, Twilio or SSH.
package alerts

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"serverstats/parse"
)

// Op is a trigger's comparison operator.
type Op string

// The operators of the trigger grammar. The observed value is always the
// left operand: "> 90" holds when value > 90.
const (
	OpGT       Op = ">"
	OpGE       Op = ">="
	OpLT       Op = "<"
	OpLE       Op = "<="
	OpEQ       Op = "=="
	OpNE       Op = "!="
	OpMatch    Op = "=~"
	OpNotMatch Op = "!~"
	OpRange    Op = "range" // a Nagios range: 10:20, @10:20, ~:10, 10:
)

// TriggerHelp is the grammar in one line, used in error fixes.
const TriggerHelp = `write an operator and a threshold, e.g. "> 90", "<= 10G", "== false", "=~ ^err", a Nagios range "10:20" (alert outside), "@10:20" (alert inside), "~:10", "10:", or ServerStats' "(> 90)"`

// Trigger is one parsed condition. Match reports whether an observed value
// satisfies it.
type Trigger struct {
	Text string // as written in the config
	Op   Op
	Type parse.Type // the value type the threshold was read as

	num float64        // numeric threshold (>, >=, <, <=, ==, != over numbers)
	str string         // string threshold (==, != over strings)
	b   bool           // bool threshold
	re  *regexp.Regexp // =~, !~

	// Nagios range [lo, hi]; alert outside it, or inside when inside is set.
	lo, hi float64
	inside bool

	// The threshold texts, read again in the base of the column the
	// trigger judges (inColumn): arg of an operator, loText and hiText of
	// a range.
	arg, loText, hiText string
}

var errEmptyTrigger = errors.New("empty trigger")

// ParseTrigger reads a trigger for values of type t. TypeAuto accepts any
// threshold and compares numerically when both sides are numbers.
func ParseTrigger(text string, t parse.Type) (*Trigger, error) {
	s := strings.TrimSpace(text)
	// ServerStats wrote "(> 90)", "(= false)", "(not= 0)".
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
		switch {
		case strings.HasPrefix(s, "not="):
			s = "!=" + s[len("not="):]
		case strings.HasPrefix(s, "=") && !strings.HasPrefix(s, "==") && !strings.HasPrefix(s, "=~"):
			s = "==" + s[1:]
		}
	}
	if s == "" {
		return nil, errEmptyTrigger
	}
	tr := &Trigger{Text: text, Type: t}
	for _, op := range []Op{OpGE, OpLE, OpEQ, OpNE, OpMatch, OpNotMatch, OpGT, OpLT} {
		if strings.HasPrefix(s, string(op)) {
			tr.Op = op
			return tr, tr.setThreshold(strings.TrimSpace(s[len(op):]))
		}
	}
	if err := tr.setRange(s); err != nil {
		return nil, err
	}
	return tr, nil
}

func (tr *Trigger) setThreshold(arg string) error {
	if arg == "" {
		return fmt.Errorf("operator %s has no threshold", tr.Op)
	}
	switch tr.Op {
	case OpMatch, OpNotMatch:
		re, err := regexp.Compile(unquote(arg))
		if err != nil {
			return fmt.Errorf("bad regular expression %q: %v", arg, err)
		}
		tr.re = re
		return nil
	}
	tr.arg = arg
	switch tr.Type {
	case parse.TypeString:
		if tr.Op != OpEQ && tr.Op != OpNE {
			return fmt.Errorf("operator %s does not apply to strings (use ==, !=, =~ or !~)", tr.Op)
		}
		tr.str = unquote(arg)
		return nil
	case parse.TypeBool:
		if tr.Op != OpEQ && tr.Op != OpNE {
			return fmt.Errorf("operator %s does not apply to bool (use == or !=)", tr.Op)
		}
		v, err := parse.ParseValue(arg, parse.TypeBool)
		if err != nil || v.Null {
			return fmt.Errorf("threshold %q is not a bool (use true or false)", arg)
		}
		tr.b = v.Bool
		return nil
	case parse.TypeAuto:
		tr.str = unquote(arg)
		if f, ok := readNumber(arg, tr.Type, parse.ParseValue); ok {
			tr.num = f
		} else if tr.Op != OpEQ && tr.Op != OpNE {
			return fmt.Errorf("threshold %q is not a number", arg)
		} else {
			tr.num = math.NaN()
		}
		return nil
	}
	f, ok := readNumber(arg, tr.Type, parse.ParseValue)
	if !ok {
		return fmt.Errorf("threshold %q is not a %s", arg, tr.Type)
	}
	tr.num = f
	return nil
}

// reader types a threshold text: parse.ParseValue (sizes in base 1024) when
// the trigger is parsed, or Table.ValueOf in the column the trigger judges.
type reader func(text string, t parse.Type) (parse.Value, error)

// readNumber reads a numeric threshold of type t with read; TypeAuto takes
// any number, percent, byte size or duration.
func readNumber(s string, t parse.Type, read reader) (float64, bool) {
	if t == parse.TypeAuto {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
	}
	v, err := read(s, t)
	if err != nil {
		return 0, false
	}
	return v.Float()
}

// inColumn returns the trigger with its size thresholds read as column c
// of t reads its cells (Table.ValueOf): "< 10G" on a column of `df -H`
// output is 10×10⁹, on `df -h` 10×2³⁰. It returns tr itself when nothing
// changes (the column's base is 1024, in which ParseTrigger read them).
func (tr *Trigger) inColumn(t *parse.Table, c int) *Trigger {
	if tr == nil || t.SizeBase(c) == 1024 {
		return tr
	}
	read := func(s string, typ parse.Type) (parse.Value, error) { return t.ValueOf(s, c, typ) }
	out := *tr
	switch {
	case tr.Op == OpRange:
		if tr.loText != "" && tr.loText != "~" {
			if f, ok := readNumber(tr.loText, parse.TypeAuto, read); ok {
				out.lo = f
			}
		}
		if tr.hiText != "" {
			if f, ok := readNumber(tr.hiText, parse.TypeAuto, read); ok {
				out.hi = f
			}
		}
	case tr.re != nil, tr.Type == parse.TypeString, tr.Type == parse.TypeBool:
	case tr.Type == parse.TypeAuto && math.IsNaN(tr.num):
	default:
		if f, ok := readNumber(tr.arg, tr.Type, read); ok {
			out.num = f
		}
	}
	return &out
}

// setRange reads a Nagios plugin range: "10" means 0:10, "10:" means
// 10:+inf, "~:10" means -inf:10, "10:20"; a leading "@" inverts it. The
// trigger holds when the value is outside the range (inside with "@").
func (tr *Trigger) setRange(s string) error {
	bad := func() error {
		return fmt.Errorf("%q is neither an operator and threshold nor a Nagios range", s)
	}
	tr.Op = OpRange
	if tr.Type == parse.TypeString || tr.Type == parse.TypeBool {
		return fmt.Errorf("a range like %q needs a numeric value-type, not %s", s, tr.Type)
	}
	r := s
	if strings.HasPrefix(r, "@") {
		tr.inside = true
		r = r[1:]
	}
	lo, hi, found := strings.Cut(r, ":")
	if !found {
		lo, hi = "0", r
	}
	tr.loText, tr.hiText = lo, hi
	var err error
	if tr.lo, err = rangeBound(lo, math.Inf(-1)); err != nil {
		return bad()
	}
	if tr.hi, err = rangeBound(hi, math.Inf(1)); err != nil {
		return bad()
	}
	if lo == "" && found {
		return bad() // ":10" is not Nagios syntax; "~:10" is
	}
	if tr.lo > tr.hi {
		return fmt.Errorf("range %q has its start above its end", s)
	}
	return nil
}

func rangeBound(s string, inf float64) (float64, error) {
	switch s {
	case "~":
		if inf > 0 {
			return 0, errors.New("~ only starts a range")
		}
		return inf, nil
	case "":
		if inf < 0 {
			return 0, nil // handled by caller
		}
		return inf, nil
	}
	if f, ok := readNumber(s, parse.TypeAuto, parse.ParseValue); ok {
		return f, nil
	}
	return 0, fmt.Errorf("bad bound %q", s)
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// textual reports whether the trigger compares text (regexes, and string
// equality), for which a placeholder cell such as "" or "-" is text like any
// other: "!= pong" holds for an empty body.
func (tr *Trigger) textual() bool {
	return tr.Op == OpMatch || tr.Op == OpNotMatch || tr.Type == parse.TypeString ||
		tr.Type == parse.TypeAuto && (tr.Op == OpEQ || tr.Op == OpNE) && math.IsNaN(tr.num)
}

// ordered reports whether the trigger orders numbers (>, >=, <, <=, a
// range), which text cannot satisfy.
func (tr *Trigger) ordered() bool {
	switch tr.Op {
	case OpGT, OpGE, OpLT, OpLE, OpRange:
		return true
	}
	return false
}

// Match reports whether the observed value v satisfies the trigger. A null
// cell (placeholder) matches only textual triggers, as its text; a value of
// the wrong kind never matches.
func (tr *Trigger) Match(v parse.Value) bool {
	switch tr.Op {
	case OpMatch:
		return tr.re.MatchString(v.Raw)
	case OpNotMatch:
		return !tr.re.MatchString(v.Raw)
	}
	if v.Null {
		if tr.textual() {
			return compareEq(tr.Op, v.Raw == tr.str)
		}
		return false
	}
	switch v.Type {
	case parse.TypeBool:
		if tr.Type == parse.TypeAuto {
			b, err := parse.ParseValue(tr.str, parse.TypeBool)
			if err != nil {
				return false
			}
			return compareEq(tr.Op, v.Bool == b.Bool)
		}
		return compareEq(tr.Op, v.Bool == tr.b)
	case parse.TypeString:
		if tr.Op == OpEQ || tr.Op == OpNE {
			return compareEq(tr.Op, v.Str == tr.str)
		}
		return false
	}
	f, ok := v.Float()
	if !ok {
		return false
	}
	switch tr.Op {
	case OpGT:
		return f > tr.num
	case OpGE:
		return f >= tr.num
	case OpLT:
		return f < tr.num
	case OpLE:
		return f <= tr.num
	case OpEQ, OpNE:
		if math.IsNaN(tr.num) { // auto type, non-numeric threshold
			return compareEq(tr.Op, v.Raw == tr.str)
		}
		return compareEq(tr.Op, f == tr.num)
	case OpRange:
		in := f >= tr.lo && f <= tr.hi
		return in == tr.inside
	}
	return false
}

func compareEq(op Op, equal bool) bool {
	if op == OpNE {
		return !equal
	}
	return op == OpEQ && equal
}

// String returns the trigger as written, without ServerStats' parentheses.
func (tr *Trigger) String() string {
	s := strings.TrimSpace(tr.Text)
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
