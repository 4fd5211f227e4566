package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Every YAML example in the README that has a commands: section loads:
// no syntax errors, no unknown keys, no bad values. Only references to
// groups and handlers the snippet does not define are allowed (a snippet
// shows one part of a config).
func TestREADMEExamplesLoad(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(b), "```yaml\n")
	checked := 0
	for i, blk := range blocks[1:] {
		text, _, _ := strings.Cut(blk, "```")
		if !strings.Contains("\n"+text, "\ncommands:") {
			continue
		}
		checked++
		_, err := Parse(fmt.Sprintf("README.md yaml block %d", i+1), []byte(text))
		var es Errors
		if err != nil && !errors.As(err, &es) {
			t.Errorf("block %d: %v", i+1, err)
			continue
		}
		for _, e := range es {
			if e.Msg == "undefined group" || e.Msg == "undefined handler" || strings.HasPrefix(e.Msg, "cannot read the CA file") {
				continue
			}
			t.Errorf("block %d: %v\n%s", i+1, e, text)
		}
	}
	if checked < 3 {
		t.Errorf("only %d README configs found: did the README's code fences change?", checked)
	}
}
