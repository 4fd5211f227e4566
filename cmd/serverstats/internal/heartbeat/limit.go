package heartbeat

import (
	"sync"
	"time"
)

// Limiter keeps the daemon's pings to at most one per Every: a run pings
// /start when, at its start, Every has passed since the last ping, and its
// end when it pinged /start or when its outcome differs from the last one
// (a failure is told at once, and so is the recovery).
type Limiter struct {
	Every time.Duration

	mu       sync.Mutex
	last     time.Time // the last ping
	lastCode int
	pinged   bool // any ping yet
}

// Start reports whether a run starting at now pings /start; if so, the
// ping counts as sent now.
func (l *Limiter) Start(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.pinged && now.Sub(l.last) < l.Every {
		return false
	}
	l.last, l.pinged = now, true
	return true
}

// Finish reports whether a run that ended at now with code pings its
// outcome; started says it pinged /start.
func (l *Limiter) Finish(now time.Time, code int, started bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !started && l.pinged && code == l.lastCode && now.Sub(l.last) < l.Every {
		return false
	}
	l.last, l.lastCode, l.pinged = now, code, true
	return true
}
