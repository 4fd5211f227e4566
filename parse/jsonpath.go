package parse

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// JSONPath is a compiled jq-style path into a JSON document: "." is the
// whole document, ".status" a member, ".checks[0].state" an array element,
// `.["key with spaces"]` a member whose name is not a plain word.
type JSONPath struct {
	text  string
	steps []jsonStep
}

type jsonStep struct {
	member string
	index  int // used when member == "" and isIndex
	isIdx  bool
}

// String is the path as written.
func (p *JSONPath) String() string { return p.text }

// CompileJSONPath reads a path; the error says where it went wrong.
func CompileJSONPath(path string) (*JSONPath, error) {
	p := &JSONPath{text: path}
	s := strings.TrimSpace(path)
	if !strings.HasPrefix(s, ".") {
		return nil, fmt.Errorf("a JSON path starts with '.', e.g. .status or .checks[0].state")
	}
	if s == "." {
		return p, nil
	}
	i := 0
	for i < len(s) {
		switch {
		case s[i] == '.' && i+1 < len(s) && s[i+1] == '[':
			i++ // ".[" is "["
		case s[i] == '.':
			j := i + 1
			for j < len(s) && (isWordByte(s[j])) {
				j++
			}
			if j == i+1 {
				return nil, fmt.Errorf("empty member name at offset %d of %q; quote odd names: .[\"my key\"]", i, path)
			}
			p.steps = append(p.steps, jsonStep{member: s[i+1 : j]})
			i = j
		case s[i] == '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("unclosed '[' at offset %d of %q", i, path)
			}
			inner := s[i+1 : i+end]
			if strings.HasPrefix(inner, `"`) {
				// a quoted name may hold ']': find the closing quote first
				name, rest, err := unquotePrefix(s[i+1:])
				if err != nil || !strings.HasPrefix(rest, "]") {
					return nil, fmt.Errorf("bad quoted member at offset %d of %q: write .[\"name\"]", i, path)
				}
				p.steps = append(p.steps, jsonStep{member: name})
				i = len(s) - len(rest) + 1
				continue
			}
			n, err := strconv.Atoi(inner)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("bad array index %q in %q: write a whole number, e.g. [0]", inner, path)
			}
			p.steps = append(p.steps, jsonStep{index: n, isIdx: true})
			i += end + 1
		default:
			return nil, fmt.Errorf("unexpected %q at offset %d of %q", s[i], i, path)
		}
	}
	return p, nil
}

func isWordByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// unquotePrefix reads a Go/JSON double-quoted string at the start of s.
func unquotePrefix(s string) (string, string, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := strconv.Unquote(s[:i+1])
			return v, s[i+1:], err
		}
	}
	return "", s, fmt.Errorf("unterminated quote")
}

// Lookup finds the path in doc and returns it as a cell: a string without
// its quotes, a number as written, true/false, "" for null; an object or
// array as compact JSON. A document that is not JSON, or a path that is not
// in it, is an error naming the first missing step.
func (p *JSONPath) Lookup(doc string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("%s: the text is not JSON (%v)", p.text, err)
	}
	walked := ""
	for _, st := range p.steps {
		switch {
		case st.isIdx:
			walked += fmt.Sprintf("[%d]", st.index)
			a, ok := v.([]any)
			if !ok {
				return "", fmt.Errorf("%s: not an array", walked)
			}
			if st.index >= len(a) {
				return "", fmt.Errorf("%s: the array has %d elements", walked, len(a))
			}
			v = a[st.index]
		default:
			walked += "." + st.member
			m, ok := v.(map[string]any)
			if !ok {
				return "", fmt.Errorf("%s: not an object", walked)
			}
			if v, ok = m[st.member]; !ok {
				return "", fmt.Errorf("%s: no such member", walked)
			}
		}
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}
