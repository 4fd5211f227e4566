package parse

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseType(t *testing.T) {
	tests := []struct {
		in      string
		want    Type
		wantErr bool
	}{
		{"string", TypeString, false},
		{"number", TypeNumber, false},
		{"percent", TypePercent, false},
		{"bytes", TypeBytes, false},
		{"bool", TypeBool, false},
		{"duration", TypeDuration, false},
		{" Bytes ", TypeBytes, false},
		{"", TypeAuto, false},
		{"auto", TypeAuto, false},
		{"int", TypeAuto, true},
		{"percentage", TypeAuto, true},
	}
	for _, tt := range tests {
		got, err := ParseType(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseType(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil {
			for _, name := range Types {
				if !strings.Contains(err.Error(), string(name)) {
					t.Errorf("ParseType(%q) error %q does not list %q", tt.in, err, name)
				}
			}
		}
	}
}

func TestParseValueNumber(t *testing.T) {
	tests := []struct {
		in    string
		num   float64
		i     int64
		isInt bool
		bad   bool
	}{
		{"42", 42, 42, true, false},
		{" -5 ", -5, -5, true, false},
		{"+7", 7, 7, true, false},
		{"1.5", 1.5, 0, false, false},
		{"-0.25", -0.25, 0, false, false},
		{".5", 0.5, 0, false, false},
		{"5.0", 5, 5, true, false},
		{"1e3", 1000, 1000, true, false},
		{"9223372036854775807", math.MaxInt64, math.MaxInt64, true, false},
		{"-9223372036854775808", math.MinInt64, math.MinInt64, true, false},
		{"9223372036853268112", 9223372036853268112, 9223372036853268112, true, false},
		{"18446744073709551615", 18446744073709551615, 0, false, false},
		{"0x10", 0, 0, false, true},
		{"1,000", 0, 0, false, true},
		{"1_000", 0, 0, false, true},
		{"inf", 0, 0, false, true},
		{"NaN", 0, 0, false, true},
		{"1e999", 0, 0, false, true},
		{"12abc", 0, 0, false, true},
		{"1.2.3", 0, 0, false, true},
		{"+", 0, 0, false, true},
		{"e5", 0, 0, false, true},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypeNumber)
		if tt.bad {
			if err == nil || !v.Invalid {
				t.Errorf("ParseValue(%q, number) = %+v, %v; want an error", tt.in, v, err)
			}
			continue
		}
		if err != nil || v.Num != tt.num || v.IsInt != tt.isInt || (tt.isInt && v.Int != tt.i) {
			t.Errorf("ParseValue(%q, number) = %+v, %v; want %v (int %v %d)", tt.in, v, err, tt.num, tt.isInt, tt.i)
		}
	}
}

func TestParseValuePercent(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		bad  bool
	}{
		{"93%", 93, false},
		{"93", 93, false},
		{"0.5%", 0.5, false},
		{"100%", 100, false},
		{"-3 %", -3, false},
		{"9x%", 0, true},
		{"%", 0, true},
		{"93%%", 0, true},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypePercent)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseValue(%q, percent) = %+v; want an error", tt.in, v)
			}
			continue
		}
		if f, ok := v.Float(); err != nil || !ok || f != tt.want {
			t.Errorf("ParseValue(%q, percent) = %v (%v), %v; want %v", tt.in, f, ok, err, tt.want)
		}
	}
}

func TestParseValueBytes(t *testing.T) {
	const (
		ki = 1024
		mi = ki * ki
		gi = mi * ki
		ti = gi * ki
	)
	tests := []struct {
		in   string
		want int64
		bad  bool
	}{
		{"1024", 1024, false},
		{"0", 0, false},
		{"0B", 0, false},
		{"0Bi", 0, false},
		{"1.9G", 2040109465, false}, // 1.9 × 1024³ truncated
		{"1.2M", 1258291, false},
		{"1014M", 1014 * mi, false},
		{"4.0K", 4096, false},
		{"23Gi", 23 * gi, false},
		{"8.7Mi", 9122611, false},
		{"466Gi", 466 * gi, false},
		{"3.5Ti", 3848290697216, false},
		{"1.1Ti", 1209462790553, false},
		{"2GiB", 2 * gi, false},
		{"4.1k", 4100, false},
		{"12MB", 12000000, false},
		{"12 MB", 12000000, false},
		{"1.5kB", 1500, false},
		{"125.1m", 131176857, false}, // top: binary
		{"1E", 1 << 60, false},
		{"7E", 7 << 60, false},
		{"16E", 0, false}, // 2^64: past int64, held as float
		{"-1G", 0, true},
		{"1e3", 0, true},
		{"12X", 0, true},
		{"G", 0, true},
		{"1.9GG", 0, true},
		{"1.9 Gi B", 0, true},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypeBytes)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseValue(%q, bytes) = %+v; want an error", tt.in, v)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseValue(%q, bytes): %v", tt.in, err)
			continue
		}
		if tt.in == "16E" {
			if v.IsInt || v.Num != math.Pow(2, 64) {
				t.Errorf("ParseValue(16E) = %+v; want 2^64 as a float", v)
			}
			continue
		}
		if !v.IsInt || v.Int != tt.want {
			t.Errorf("ParseValue(%q, bytes) = %d (int %v); want %d", tt.in, v.Int, v.IsInt, tt.want)
		}
	}
}

func TestParseBytesSI(t *testing.T) {
	f, _, _, ok := parseBytes("12G", 1000)
	if !ok || f != 12e9 {
		t.Errorf("parseBytes(12G, si) = %v, %v; want 12e9", f, ok)
	}
	f, _, _, ok = parseBytes("12Gi", 1000)
	if !ok || f != 12*(1<<30) {
		t.Errorf("parseBytes(12Gi, si) = %v, %v; want 12 GiB: Gi is always binary", f, ok)
	}
}

func TestParseValueDuration(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		bad  bool
	}{
		{"90s", 90, false},
		{"90", 90, false},
		{"1h30m", 5400, false},
		{"2.66s", 2.66, false},
		{"500ms", 0.5, false},
		{"7 min", 420, false},
		{"3 days", 3 * 86400, false},
		{"2days", 2 * 86400, false},
		{"1 day, 3 min", 86400 + 180, false},
		{"3 days, 2:03", 3*86400 + 2*3600 + 3*60, false},
		{"up 1:08", 3600 + 8*60, false},
		{"up 7 min", 420, false},
		{"1:08", 68, false},
		{"0:03", 3, false},
		{"7:53.61", 7*60 + 53.61, false},
		{"01:02:03", 3723, false},
		{"00:00:03", 3, false},
		{"2-03:04:05", 2*86400 + 3*3600 + 4*60 + 5, false},
		{"3:04m", 3*3600 + 4*60, false},
		{"1w", 7 * 86400, false},
		{"1:8", 0, true},
		{"1:60", 0, true},
		{"1:08:", 0, true},
		{"1:2:3:4", 0, true},
		{"5 parsecs", 0, true},
		{"h", 0, true},
		{"1 2", 0, true},
		{"-5s", 0, true},
		{"Oct25", 0, true},
		{"1h 30", 0, true},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypeDuration)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseValue(%q, duration) = %+v; want an error", tt.in, v)
			}
			continue
		}
		if err != nil || math.Abs(v.Num-tt.want) > 1e-9 {
			t.Errorf("ParseValue(%q, duration) = %v, %v; want %v", tt.in, v.Num, err, tt.want)
		}
	}
}

func TestParseValueBool(t *testing.T) {
	tests := []struct {
		in   string
		want bool
		bad  bool
	}{
		{"true", true, false}, {"FALSE", false, false}, {"Yes", true, false},
		{"no", false, false}, {"on", true, false}, {"OFF", false, false},
		{"1", true, false}, {"0", false, false},
		{"2", false, true}, {"y", false, true}, {"enabled", false, true},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypeBool)
		if tt.bad {
			if err == nil {
				t.Errorf("ParseValue(%q, bool) = %+v; want an error", tt.in, v)
			}
			continue
		}
		if err != nil || v.Bool != tt.want {
			t.Errorf("ParseValue(%q, bool) = %v, %v; want %v", tt.in, v.Bool, err, tt.want)
		}
	}
}

func TestParseValuePlaceholders(t *testing.T) {
	for _, in := range []string{"", "  ", "-", "--", "?", "??", "n/a", "N/A"} {
		for _, typ := range append([]Type{TypeAuto}, Types...) {
			v, err := ParseValue(in, typ)
			if err != nil || !v.Null || v.Invalid {
				t.Errorf("ParseValue(%q, %s) = %+v, %v; want a null", in, typ, v, err)
			}
			if _, ok := v.Float(); ok {
				t.Errorf("ParseValue(%q, %s).Float() reports a number", in, typ)
			}
			if v.JSON() != nil {
				t.Errorf("ParseValue(%q, %s).JSON() = %v; want nil", in, typ, v.JSON())
			}
		}
	}
}

func TestParseValueAuto(t *testing.T) {
	tests := []struct {
		in   string
		want Type
	}{
		{"42", TypeNumber},
		{"-1.5", TypeNumber},
		{"1", TypeNumber},
		{"93%", TypePercent},
		{"yes", TypeBool},
		{"False", TypeBool},
		{"1.9G", TypeBytes},
		{"0B", TypeBytes},
		{"23Gi", TypeBytes},
		{"0:03", TypeDuration},
		{"07:01", TypeString},
		{"00:00:03", TypeDuration},
		{"2.66s", TypeDuration},
		{"3 days, 2:03", TypeDuration},
		{"/dev/sda1", TypeString},
		{"Oct25", TypeString},
		{"127.0.0.1", TypeString},
		{"my sleeper", TypeString},
	}
	for _, tt := range tests {
		v, err := ParseValue(tt.in, TypeAuto)
		if err != nil || v.Type != tt.want {
			t.Errorf("ParseValue(%q, auto) = %s, %v; want %s", tt.in, v.Type, err, tt.want)
		}
	}
}

func TestParseValueError(t *testing.T) {
	v, err := ParseValue(" 9x% ", TypePercent)
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := err.Error(), `cannot parse "9x%" as percent`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	var ve *ValueError
	if !errors.As(err, &ve) || ve.Raw != "9x%" || ve.Type != TypePercent {
		t.Errorf("error %#v is not the ValueError of 9x%%", err)
	}
	if v.Raw != "9x%" || !v.Invalid || v.Null {
		t.Errorf("value %+v: want Raw kept, Invalid", v)
	}
	if _, ok := v.Float(); ok {
		t.Error("an invalid value reports a number")
	}
	if v.JSON() != nil {
		t.Errorf("JSON() = %v for an invalid value; want nil", v.JSON())
	}
	if _, err := ParseValue("1", Type("weird")); err == nil {
		t.Error("an unknown type parsed")
	}
}

func TestValueViews(t *testing.T) {
	tests := []struct {
		v     Value
		str   string
		json  string
		num   float64
		numOK bool
	}{
		{mustParse(t, "93%", TypePercent), "93%", "93", 93, true},
		{mustParse(t, "1.9G", TypeBytes), "1.9G", "2040109465", 2040109465, true},
		{mustParse(t, "0.5", TypeNumber), "0.5", "0.5", 0.5, true},
		{mustParse(t, "9223372036854775807", TypeNumber), "9223372036854775807", "9223372036854775807", math.MaxInt64, true},
		{mustParse(t, "yes", TypeBool), "yes", "true", 0, false},
		{mustParse(t, "/dev/sda", TypeString), "/dev/sda", `"/dev/sda"`, 0, false},
		{mustParse(t, "1:08", TypeDuration), "1:08", "68", 68, true},
		{mustParse(t, "-", TypeNumber), "-", "null", 0, false},
		{Value{Type: TypeBytes, Num: 2040109465, Int: 2040109465, IsInt: true}, "1.9G", "2040109465", 2040109465, true},
		{Value{Type: TypePercent, Num: 93, Int: 93, IsInt: true}, "93%", "93", 93, true},
		{Value{Type: TypeDuration, Num: 1.5}, "1.5s", "1.5", 1.5, true},
		{Value{Type: TypeBool, Bool: true}, "true", "true", 0, false},
		{Value{Type: TypeNumber, Null: true}, `""`, "null", 0, false},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.str {
			t.Errorf("%+v.String() = %q, want %q", tt.v, got, tt.str)
		}
		b, err := json.Marshal(tt.v.JSON())
		if err != nil || string(b) != tt.json {
			t.Errorf("%+v.JSON() marshals to %s, %v; want %s", tt.v, b, err, tt.json)
		}
		f, ok := tt.v.Float()
		if ok != tt.numOK || f != tt.num {
			t.Errorf("%+v.Float() = %v, %v; want %v, %v", tt.v, f, ok, tt.num, tt.numOK)
		}
	}
}

func mustParse(t *testing.T, s string, typ Type) Value {
	t.Helper()
	v, err := ParseValue(s, typ)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
