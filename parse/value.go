package parse

import (
	"strconv"
	"strings"
)

// ParseValue reads one cell's text as type t. The text is trimmed first and
// kept in Value.Raw, also when parsing fails.
//
// A placeholder ("", "-", "--", "?", "??", "n/a") is a null
// Value of type t, for every type, and not an error. TypeAuto guesses the
// type in this order: number, percent ("93%"), bool words (true/false,
// yes/no, on/off), bytes with a unit ("1.9G", "0B"), duration ("1:08",
// "1h30m", but not a time of day such as "07:01"), else string; bare 0/1
// are numbers, not bools, in that mode.
//
// Sizes (bytes.go): a plain number is bytes; K, M, G, T, P, E are powers
// of 1024 as `df -h` prints them, Ki/KiB... too; "k" and kB, MB... are
// powers of 1000; a scaled size is truncated to whole bytes ("1.9G" =
// 2040109465). Table.Value reads the one-letter suffixes in the base of
// their column (base.go): 1000 in `df -H` output. Durations (duration.go) are in seconds: "1:08" is
// m:ss as ps TIME prints it, "3 days, 2:03" and "up 1:08" are uptime's
// h:mm, "01:02:03" h:mm:ss, "1h30m", "90s".
//
// ParseValue reads numbers as the C locale prints them; Table.Value and
// Table.ValueOf read a column's decimal commas and thousands separators
// ("0,50", "1.234.567") in the convention inferred from the whole column
// (numfmt.go), keeping Raw as printed.
//
// A text that does not read as t gives the error
// `cannot parse "9x%" as percent` (a *ValueError); the value then has Invalid
// set and no payload: Float reports false, never a silent zero.
func ParseValue(raw string, t Type) (Value, error) {
	return parseValue(raw, t, 1024)
}

// parseValue is ParseValue with the base of one-letter size suffixes
// (1000 or 1024) chosen by the caller. Every typed value of the package
// comes from it: ParseValue, Table.Value, Table.ValueOf.
func parseValue(raw string, t Type, base int) (Value, error) {
	s := strings.TrimSpace(raw)
	v := Value{Type: t, Raw: s}
	if isPlaceholder(s) {
		v.Null = true
		return v, nil
	}
	switch t {
	case TypeAuto:
		return inferValue(s, base), nil
	case TypeString:
		v.Str = s
		return v, nil
	case TypeNumber:
		if f, i, isInt, ok := parseNumber(s); ok {
			v.Num, v.Int, v.IsInt = f, i, isInt
			return v, nil
		}
	case TypePercent:
		if f, i, isInt, ok := parsePercent(s); ok {
			v.Num, v.Int, v.IsInt = f, i, isInt
			return v, nil
		}
	case TypeBytes:
		if f, i, isInt, ok := parseBytes(s, base); ok {
			v.Num, v.Int, v.IsInt = f, i, isInt
			return v, nil
		}
	case TypeBool:
		if b, ok := parseBool(s); ok {
			v.Bool = b
			return v, nil
		}
	case TypeDuration:
		if f, ok := parseDuration(s); ok {
			v.Num = f
			v.Int, v.IsInt = wholeInt(f)
			return v, nil
		}
	}
	v.Invalid = true
	return v, &ValueError{Raw: s, Type: t}
}

// inferValue guesses the type of a non-placeholder text.
func inferValue(s string, base int) Value {
	v := Value{Raw: s}
	if f, i, isInt, ok := parseNumber(s); ok {
		v.Type, v.Num, v.Int, v.IsInt = TypeNumber, f, i, isInt
		return v
	}
	if strings.HasSuffix(s, "%") {
		if f, i, isInt, ok := parsePercent(s); ok {
			v.Type, v.Num, v.Int, v.IsInt = TypePercent, f, i, isInt
			return v
		}
	}
	if b, ok := parseBoolWord(s); ok {
		v.Type, v.Bool = TypeBool, b
		return v
	}
	if f, i, isInt, ok := parseBytes(s, base); ok {
		v.Type, v.Num, v.Int, v.IsInt = TypeBytes, f, i, isInt
		return v
	}
	if f, ok := parseDuration(s); ok && !timeOfDay(s) {
		v.Type, v.Num = TypeDuration, f
		v.Int, v.IsInt = wholeInt(f)
		return v
	}
	v.Type, v.Str = TypeString, s
	return v
}

// timeOfDay reports whether a clock reads as a time of day rather than a
// duration when the type is guessed: "HH:MM" with two-digit hours, as ps
// START and w LOGIN@ print ("07:01", "10:25"). ps TIME's "0:03" and
// "00:00:03" stay durations; TypeDuration reads them all.
func timeOfDay(s string) bool {
	return len(s) == 5 && s[2] == ':' && allDigits(s[:2]) && allDigits(s[3:])
}

// isPlaceholder reports whether a cell stands for "no value".
func isPlaceholder(s string) bool {
	switch s {
	case "", "-", "--", "?", "??":
		return true
	}
	return strings.EqualFold(s, "n/a")
}

// parsePercent reads "93%", "93", "0.5%", "-3 %" into 93, 93, 0.5, -3.
func parsePercent(s string) (float64, int64, bool, bool) {
	if rest, ok := strings.CutSuffix(s, "%"); ok {
		s = strings.TrimRight(rest, " ")
	}
	return parseNumber(s)
}

// parseBool reads bool words and 1/0, case-insensitively.
func parseBool(s string) (bool, bool) {
	switch s {
	case "1":
		return true, true
	case "0":
		return false, true
	}
	return parseBoolWord(s)
}

// parseBoolWord reads true/false, yes/no, on/off, case-insensitively.
func parseBoolWord(s string) (bool, bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	return false, false
}

// wholeInt gives f as an int64 when it is a whole number in range.
func wholeInt(f float64) (int64, bool) {
	if f == float64(int64(f)) && f > -9.2e18 && f < 9.2e18 {
		return int64(f), true
	}
	return 0, false
}

// Float returns the numeric view of a number, percent, bytes or duration
// (seconds) value; ok is false for strings, bools and nulls.
func (v Value) Float() (float64, bool) {
	if v.Null || v.Invalid {
		return 0, false
	}
	switch v.Type {
	case TypeNumber, TypePercent, TypeBytes, TypeDuration:
		return v.Num, true
	}
	return 0, false
}

// String returns a short display form for messages and tables: the raw
// text when there is one ("93%", "1.9G", "3 days, 2:03"), else a form built
// from the payload, and "null" for an empty placeholder.
func (v Value) String() string {
	if v.Raw != "" {
		return v.Raw
	}
	if v.Null {
		return `""` // an empty cell: `body "" != pong` reads right in a message
	}
	switch v.Type {
	case TypeString:
		return v.Str
	case TypeBool:
		return strconv.FormatBool(v.Bool)
	case TypePercent:
		return v.numString() + "%"
	case TypeBytes:
		return formatBytes(v.Num)
	case TypeDuration:
		return v.numString() + "s"
	}
	return v.numString()
}

func (v Value) numString() string {
	if v.IsInt {
		return strconv.FormatInt(v.Int, 10)
	}
	return formatFloat(v.Num)
}

func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// JSON returns the value for encoding/json: nil for a null or for a value
// that did not parse (Invalid), int64 for whole numbers that fit (exact up
// to 2^63-1), float64 for other numbers (percent without "%", bytes,
// duration in seconds), bool, or string.
func (v Value) JSON() any {
	if v.Null || v.Invalid {
		return nil
	}
	switch v.Type {
	case TypeNumber, TypePercent, TypeBytes, TypeDuration:
		if v.IsInt {
			return v.Int
		}
		return v.Num
	case TypeBool:
		return v.Bool
	case TypeString:
		return v.Str
	}
	return nil
}
