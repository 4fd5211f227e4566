package textout

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress shows "hosts done/total" on a terminal's stderr once a sweep
// has taken over a second, refreshed as hosts finish and every 250 ms.
type Progress struct {
	mu          sync.Mutex
	w           io.Writer
	done, total int
	shown       bool
	stop        chan struct{}
	stopped     chan struct{}
}

// NewProgress starts the display on w (a terminal when tty) for total
// hosts.
func NewProgress(w io.Writer, total int, tty bool) *Progress {
	p := &Progress{w: w, total: total}
	if !tty || total < 2 {
		return p
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.stopped)
		select {
		case <-p.stop:
			return
		case <-time.After(time.Second):
		}
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			p.draw()
			select {
			case <-p.stop:
				return
			case <-t.C:
			}
		}
	}()
	return p
}

// Update records how many hosts are done.
func (p *Progress) Update(done, total int) {
	p.mu.Lock()
	p.done, p.total = done, total
	p.mu.Unlock()
}

func (p *Progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.shown = true
	fmt.Fprintf(p.w, "\r%d/%d hosts done", p.done, p.total)
}

// Finish stops the display and clears its line.
func (p *Progress) Finish() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.stopped
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
