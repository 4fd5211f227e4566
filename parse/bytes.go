package parse

import (
	"math"
	"math/big"
	"math/bits"
	"strings"
)

// Byte sizes follow GNU coreutils' conventions, which is also what the
// corpus shows:
//
//   - a plain number is bytes: "1024";
//   - "B" (and macOS' "Bi") is bytes: "0B", "0Bi";
//   - a one-letter suffix K, M, G, T, P, E (either case, "k" excepted) is a
//     power of 1024, as printed by `df -h`, `du -h`, `ls -h`, `free -h`
//     (procps 3.3), busybox and top: "1.9G" = 1.9 × 1024³;
//   - the suffixes Ki, Mi, Gi ... and KiB, MiB, GiB ... are powers of 1024
//     (macOS `df -h`, procps 4 `free -h`): "23Gi";
//   - SI suffixes are powers of 1000: a lower-case "k" (GNU and macOS
//     `df -H` / `--si` print "4.1k"), and kB, KB, MB, GB, TB, PB, EB;
//   - a scaled size is truncated to whole bytes: "1.9G" = 2040109465.
//
// A single cell cannot tell `df -H`'s "12G" (SI) from `df -h`'s "12G"
// (binary); its column can, and base.go says how (Table.SizeBase).

// unitBase says which base a size's suffix implies.
type unitBase uint8

const (
	baseNone   unitBase = iota // no suffix or "B": bytes
	baseBinary                 // Ki, KiB, Gi ...: always 1024
	baseSI                     // k, kB, MB ...: always 1000
	baseGuess                  // K, M, G ...: 1024 unless the column says SI
)

// sizeSuffix splits a size into its number and its suffix's power and base.
func sizeSuffix(s string) (num string, power int, base unitBase, ok bool) {
	s = strings.TrimSpace(s)
	end := len(s)
	for end > 0 && isUnitLetter(s[end-1]) {
		end--
	}
	num = strings.TrimRight(s[:end], " ")
	unit := s[end:]
	if num == "" {
		return "", 0, 0, false
	}
	switch len(unit) {
	case 0:
		return num, 0, baseNone, true
	case 1:
		if unit == "B" {
			return num, 0, baseNone, true
		}
		p := unitPower(unit[0])
		if p == 0 {
			return "", 0, 0, false
		}
		if unit == "k" {
			return num, p, baseSI, true
		}
		return num, p, baseGuess, true
	case 2:
		if unit == "Bi" {
			return num, 0, baseNone, true
		}
		p := unitPower(unit[0])
		if p == 0 {
			return "", 0, 0, false
		}
		switch unit[1] {
		case 'i':
			return num, p, baseBinary, true
		case 'B':
			return num, p, baseSI, true
		}
	case 3:
		p := unitPower(unit[0])
		if p != 0 && unit[1] == 'i' && unit[2] == 'B' {
			return num, p, baseBinary, true
		}
	}
	return "", 0, 0, false
}

func isUnitLetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// unitPower gives the power of a size prefix letter: K=1 ... E=6, else 0.
func unitPower(c byte) int {
	switch c {
	case 'K', 'k':
		return 1
	case 'M', 'm':
		return 2
	case 'G', 'g':
		return 3
	case 'T', 't':
		return 4
	case 'P', 'p':
		return 5
	case 'E', 'e':
		return 6
	}
	return 0
}

// parseBytes reads a size in bytes. base (1000 or 1024) is the base of the
// one-letter suffixes (K, M, G ...); the others name their own.
func parseBytes(s string, base int) (f float64, i int64, isInt bool, ok bool) {
	num, power, unit, ok := sizeSuffix(s)
	if !ok || !isDecimal(num) || num[0] == '-' {
		return 0, 0, false, false
	}
	if strings.ContainsAny(num, "eE") {
		// "1e3" is a number, not a size with an exponent; refuse the
		// ambiguity with the E (exa) suffix.
		return 0, 0, false, false
	}
	num = strings.TrimPrefix(num, "+")
	mult := uint64(1)
	if power > 0 {
		b := uint64(1024)
		if unit == baseSI || (unit == baseGuess && base == 1000) {
			b = 1000
		}
		for range power {
			mult *= b
		}
	}
	return scaleDecimal(num, mult)
}

// scaleDecimal computes trunc(num × mult) exactly for an unsigned decimal
// num ("1.9", "23", ".5"). Results that fit in int64 are exact integers;
// larger ones are returned as float64 only.
func scaleDecimal(num string, mult uint64) (float64, int64, bool, bool) {
	var mant uint64
	frac := 0
	seenDot := false
	overflow := false
	for k := 0; k < len(num); k++ {
		c := num[k]
		if c == '.' {
			seenDot = true
			continue
		}
		hi, lo := bits.Mul64(mant, 10)
		lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
		if hi != 0 || carry != 0 {
			overflow = true
			break
		}
		mant = lo
		if seenDot {
			frac++
		}
	}
	if !overflow {
		hi, lo := bits.Mul64(mant, mult)
		if hi == 0 {
			div := uint64(1)
			for range frac {
				div *= 10
			}
			if frac <= 19 {
				q := lo / div
				if q <= math.MaxInt64 {
					return float64(q), int64(q), true, true
				}
				return float64(q), 0, false, true
			}
		}
	}
	// Slow path for huge or very long numbers.
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, 0, false, false
	}
	r.Mul(r, new(big.Rat).SetInt(new(big.Int).SetUint64(mult)))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if q.IsInt64() {
		n := q.Int64()
		return float64(n), n, true, true
	}
	f, _ := new(big.Float).SetInt(q).Float64()
	if math.IsInf(f, 0) {
		return 0, 0, false, false
	}
	return f, 0, false, true
}

// formatBytes gives a short human form of a byte count, 1024-based with
// one decimal: 2040109465 -> "1.9G".
func formatBytes(n float64) string {
	const units = "KMGTPE"
	if math.Abs(n) < 1024 {
		return formatFloat(n) + "B"
	}
	u := -1
	for math.Abs(n) >= 1024 && u < len(units)-1 {
		n /= 1024
		u++
	}
	return formatFloat(math.Round(n*10)/10) + string(units[u])
}
