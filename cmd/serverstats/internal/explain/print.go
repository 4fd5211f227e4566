package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// Print writes the reasons as text: a headline per key, then its
// sentences, wrapped for a terminal.
func Print(w io.Writer, reasons []Reason) {
	for i, r := range reasons {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %s\n", r.Key, strings.ToUpper(r.Verdict))
		for _, s := range r.Why {
			fmt.Fprintln(w, wrap(s, "  ", 100))
		}
	}
}

// PrintJSON writes the reasons as one JSON document.
func PrintJSON(w io.Writer, reasons []Reason) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(struct {
		Reasons []Reason `json:"reasons"`
	}{append([]Reason{}, reasons...)})
}

// wrap breaks s into lines of at most width runes (a longer word stays
// whole), each starting with indent; continuation lines are indented twice.
func wrap(s, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(s) {
		if len([]rune(line))+1+len([]rune(word)) > width && strings.TrimSpace(line) != "" {
			b.WriteString(line + "\n")
			line = indent + indent
		}
		if strings.TrimSpace(line) != "" {
			line += " "
		}
		line += word
	}
	b.WriteString(line)
	return b.String()
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

func joinComma(s []string) string { return strings.Join(s, ", ") }
