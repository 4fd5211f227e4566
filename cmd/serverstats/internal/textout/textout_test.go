package textout

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 5s for %s", what)
		}
	}
}

// On a terminal, a sweep over a second long shows hosts done/total on
// stderr, and clears it at the end; a quick one shows nothing.
func TestProgressOnTTY(t *testing.T) {
	errb := &syncBuffer{}
	p := NewProgress(errb, 3, true)
	p.Update(1, 3)
	start := time.Now()
	waitFor(t, "1/3", func() bool { return strings.Contains(errb.String(), "\r1/3 hosts done") })
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("progress shown after %v, want after about a second", d)
	}
	p.Update(2, 3)
	waitFor(t, "2/3", func() bool { return strings.Contains(errb.String(), "\r2/3 hosts done") })
	p.Finish()
	if got := errb.String(); !strings.HasSuffix(got, "\r\x1b[K") {
		t.Errorf("line not cleared: %q", got)
	}

	quick := &syncBuffer{}
	p = NewProgress(quick, 3, true)
	p.Update(3, 3)
	p.Finish()
	if quick.String() != "" {
		t.Errorf("a sweep under a second showed progress: %q", quick.String())
	}
	// Not on a terminal: nothing, however long.
	if p := NewProgress(quick, 3, false); p.stop != nil {
		t.Error("progress started on a non-terminal")
	}
}

// Text from a server never drives the terminal: escape sequences and other
// control characters in cells, raw output and stderr are shown escaped.
func TestOutputEscapesControlCharacters(t *testing.T) {
	for _, c := range []struct{ in, keep, want string }{
		{"plain /mnt", "", "plain /mnt"},
		{"\x1b]0;pwned\x07/mnt", "", `\x1b]0;pwned\x07/mnt`},
		{"a\tb\nc\r", "\n\t", "a\tb\nc\\x0d"},
		{"bad \xff utf8", "", "bad \uFFFD utf8"},
		{"c1 \u009b31m", "", `c1 \x9b31m`},
		{"del\x7f", "", `del\x7f`},
	} {
		if got := Visible(c.in, c.keep); got != c.want {
			t.Errorf("Visible(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var out bytes.Buffer
	tb := NewTable(&out, []string{"name\x1b[2J"})
	tb.Row("x\x1b[31mred")
	tb.Render()
	if strings.ContainsRune(out.String(), 0x1b) {
		t.Errorf("table output carries an escape character:\n%q", out.String())
	}
}
