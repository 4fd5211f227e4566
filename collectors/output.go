package collectors

import (
	"fmt"
	"sync"
)

// MaxOutput is how many bytes of stdout and of stderr a collector keeps per
// command. Output past it is read and discarded (so the command is never
// blocked on a full pipe), Result.Truncated is set and a note is appended to
// Stderr.
const MaxOutput = 4 << 20

// capBuffer is an io.Writer that keeps the first limit bytes written to it and
// counts the rest. It is safe for concurrent use: on a timeout the copying
// goroutines may still be writing while the result is assembled.
type capBuffer struct {
	mu      sync.Mutex
	limit   int
	buf     []byte
	dropped int64
}

func newCapBuffer(limit int) *capBuffer { return &capBuffer{limit: limit} }

// Write keeps what fits and always reports the whole of p as written.
func (b *capBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	room := b.limit - len(b.buf)
	if room > len(p) {
		room = len(p)
	}
	if room > 0 {
		b.buf = append(b.buf, p[:room]...)
	}
	b.dropped += int64(len(p) - room)
	return len(p), nil
}

// snapshot returns a copy of the kept bytes and how many were dropped.
func (b *capBuffer) snapshot() ([]byte, int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf...), b.dropped
}

// fillOutput copies the captured output into r, noting any truncation.
func fillOutput(r *Result, stdout, stderr *capBuffer) {
	var outDropped, errDropped int64
	r.Stdout, outDropped = stdout.snapshot()
	r.Stderr, errDropped = stderr.snapshot()
	kept := [2]int{len(r.Stdout), len(r.Stderr)}
	for i, dropped := range [2]int64{outDropped, errDropped} {
		if dropped > 0 {
			r.Truncated = true
			name := [2]string{"stdout", "stderr"}[i]
			r.Stderr = append(r.Stderr, fmt.Sprintf("\n[serverstats: %s truncated: kept %d bytes, dropped %d]\n", name, kept[i], dropped)...)
		}
	}
}
