package main

import (
	"reflect"
	"strings"
	"testing"
)

// FuzzParseArgs: any command line is either refused with a usage error or
// read into options such that the command and its arguments are words the
// user typed, in order, never switches; and reading it twice gives the same.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{
		"disk\x00--alerts", "-c\x00x.yaml\x00disk\x00--json", "--config=x.yaml\x00mute\x00--for\x002h\x00--reason\x00r",
		"parse\x00--header-line\x003", "--\x00--weird", "run\x00--state", "-a\x00-c", "--type=bytes\x00parse", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Split(line, "\x00")
		o, err := parseArgs(args)
		o2, err2 := parseArgs(args)
		if (err == nil) != (err2 == nil) || (err == nil && !reflect.DeepEqual(o, o2)) {
			t.Fatalf("not deterministic on %q", args)
		}
		if err != nil {
			if _, ok := err.(*usageError); !ok {
				t.Fatalf("%q: error %T is not a usage error: %v", args, err, err)
			}
			return
		}
		words := append([]string{}, o.args...)
		if o.command != "" {
			words = append([]string{o.command}, words...)
		} else if len(o.args) > 0 {
			t.Fatalf("%q: arguments %q without a command", args, o.args)
		}
		// The words are a subsequence of what was typed.
		i := 0
		for _, a := range args {
			if i < len(words) && a == words[i] {
				i++
			}
		}
		if i != len(words) {
			t.Fatalf("%q: command and arguments %q are not words of the line", args, words)
		}
		if o.parseOpt.headerLine < 0 || o.parseOpt.skipLines < 0 {
			t.Fatalf("%q: negative line numbers %+v", args, o.parseOpt)
		}
	})
}
