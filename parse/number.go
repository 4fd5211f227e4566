package parse

import (
	"math"
	"strconv"
)

// parseNumber reads a plain decimal number: an optional sign, digits, an
// optional fraction and an optional exponent ("-5", "+1.5", ".5", "1e3").
// Integers that fit in int64 are returned exactly with isInt set; larger
// integers (up to 2^64 and beyond) are kept as float64. Hex, "inf", "nan",
// underscores and thousands separators are refused.
func parseNumber(s string) (f float64, i int64, isInt bool, ok bool) {
	if !isDecimal(s) {
		return 0, 0, false, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return float64(n), n, true, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0, false, false
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, 0, false, false
	}
	// A whole number that fits in int64 once written as a float ("1e3",
	// "5.0") is also held exactly.
	if f == math.Trunc(f) && f >= -9.2e18 && f <= 9.2e18 {
		return f, int64(f), true, true
	}
	return f, 0, false, true
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// isDecimal reports whether s is [+-]digits[.digits][(e|E)[+-]digits] with
// at least one digit in the mantissa.
func isDecimal(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for i < len(s) && isDigit(s[i]) {
			i++
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
