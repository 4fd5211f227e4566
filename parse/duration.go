package parse

import (
	"strconv"
	"strings"
)

// Durations are read into seconds. The accepted forms are those printed by
// uptime, ps, top and w, plus Go-style unit sequences:
//
//   - unit sequences, with or without spaces and commas: "90s", "1h30m",
//     "2.66s", "7 min", "3 days", "2days", "1 day, 3 min", "500ms";
//     units are ns, us/µs, ms, s/sec/second, m/min/minute, h/hr/hour,
//     d/day, w/week (plurals allowed);
//   - clocks: "01:02:03" (h:mm:ss), "2-03:04:05" (ps etime, days-h:mm:ss),
//     "1:08" and "7:53.61" (m:ss, as ps TIME, top TIME+ and w IDLE print
//     them), "3:04m" (w's h:mm);
//   - uptime's forms, where a two-part clock is h:mm: "3 days, 2:03",
//     "up 1:08", "up 7 min";
//   - a bare number is seconds: "90".
//
// Parts after the first in a clock have two digits and are below 60.

// parseDuration reads a duration into seconds.
func parseDuration(s string) (float64, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	uptime := false
	if rest, ok := strings.CutPrefix(s, "up "); ok {
		uptime = true
		s = strings.TrimSpace(rest)
	}
	if s == "" {
		return 0, false
	}
	total := 0.0
	parts := 0
	sawDays := false
	i := 0
	for {
		for i < len(s) && (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
			i++
		}
		if i == len(s) {
			break
		}
		start := i
		for i < len(s) && (isDigit(s[i]) || s[i] == '.') {
			i++
		}
		if i == start {
			return 0, false
		}
		num := s[start:i]
		if i < len(s) && (s[i] == ':' || s[i] == '-') {
			// A clock ends the duration.
			secs, ok := parseClock(s[start:], uptime || sawDays)
			if !ok {
				return 0, false
			}
			return total + secs, true
		}
		n, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, false
		}
		for i < len(s) && s[i] == ' ' {
			i++
		}
		ustart := i
		for i < len(s) && (isUnitLetter(s[i]) || s[i] >= 0x80) {
			i++
		}
		unit := s[ustart:i]
		if unit == "" {
			// Only a lone bare number is seconds.
			if parts > 0 || i < len(s) {
				return 0, false
			}
			return n, true
		}
		mult, ok := durationUnit(unit)
		if !ok {
			return 0, false
		}
		if mult == 86400 {
			sawDays = true
		}
		total += n * mult
		parts++
	}
	return total, parts > 0
}

// parseClock reads "h:mm:ss", "m:ss[.frac]", "d-h:mm:ss", "h:mmm"; hm makes a
// two-part clock hours and minutes.
func parseClock(s string, hm bool) (float64, bool) {
	days := 0.0
	if d, rest, ok := strings.Cut(s, "-"); ok {
		n, err := strconv.ParseUint(d, 10, 32)
		if err != nil || d == "" {
			return 0, false
		}
		days = float64(n)
		s = rest
		hm = false
	}
	if rest, ok := strings.CutSuffix(s, "m"); ok {
		s = rest
		hm = true
	}
	fields := strings.Split(s, ":")
	if len(fields) < 2 || len(fields) > 3 {
		return 0, false
	}
	vals := make([]float64, len(fields))
	for k, f := range fields {
		last := k == len(fields)-1
		whole := f
		if last {
			if w, frac, ok := strings.Cut(f, "."); ok {
				if frac == "" || hm || !allDigits(frac) {
					return 0, false
				}
				whole = w
			}
		}
		if whole == "" || !allDigits(whole) {
			return 0, false
		}
		if k > 0 && len(whole) != 2 {
			return 0, false
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return 0, false
		}
		if k > 0 && v >= 60 {
			return 0, false
		}
		vals[k] = v
	}
	secs := days * 86400
	switch {
	case len(vals) == 3:
		secs += vals[0]*3600 + vals[1]*60 + vals[2]
	case hm:
		secs += vals[0]*3600 + vals[1]*60
	default:
		secs += vals[0]*60 + vals[1]
	}
	return secs, true
}

func allDigits(s string) bool {
	for k := 0; k < len(s); k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return len(s) > 0
}

// durationUnit gives the seconds in one unit.
func durationUnit(u string) (float64, bool) {
	switch u {
	case "ns":
		return 1e-9, true
	case "us", "µs", "μs":
		return 1e-6, true
	case "ms":
		return 1e-3, true
	case "s", "sec", "secs", "second", "seconds":
		return 1, true
	case "m", "min", "mins", "minute", "minutes":
		return 60, true
	case "h", "hr", "hrs", "hour", "hours":
		return 3600, true
	case "d", "day", "days":
		return 86400, true
	case "w", "week", "weeks":
		return 7 * 86400, true
	}
	return 0, false
}
