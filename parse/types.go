package parse

import (
	"fmt"
	"strings"
)

// ParseType reads a type name as written in a rule's `value-type:`
// ("string", "number", "percent", "bytes", "bool", "duration"). The match is
// case-insensitive; "" and "auto" give TypeAuto. An unknown name is an error
// that lists the valid names.
func ParseType(s string) (Type, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if name == "" || name == "auto" {
		return TypeAuto, nil
	}
	for _, t := range Types {
		if string(t) == name {
			return t, nil
		}
	}
	names := make([]string, len(Types))
	for i, t := range Types {
		names[i] = string(t)
	}
	return TypeAuto, fmt.Errorf("unknown value type %q (valid: %s)", s, strings.Join(names, ", "))
}

// String returns the type name, "auto" for TypeAuto.
func (t Type) String() string {
	if t == TypeAuto {
		return "auto"
	}
	return string(t)
}
