package heartbeat

import (
	"sync"
	"time"
)

// Limiter keeps the daemon's pings to at most one per Every. The daemon
// is one check for the heartbeat service, so the outcome it tells is the
// worst of its commands' last runs (0 while every command's last run
// checked everything). A run pings /start when, at its start, Every has
// passed since the last ping; it pings the outcome when it pinged /start
// or when the daemon's outcome changed (a failure is told at once, and so
// is the recovery).
type Limiter struct {
	Every time.Duration

	mu       sync.Mutex
	last     time.Time // the last ping
	lastCode int
	pinged   bool           // any ping yet
	codes    map[string]int // per command: its last run's code
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

// Finish records that a run of command ended at now with code, and
// reports the daemon's outcome and whether to ping it; started says the
// run pinged /start.
func (l *Limiter) Finish(now time.Time, command string, code int, started bool) (overall int, ping bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.codes == nil {
		l.codes = map[string]int{}
	}
	l.codes[command] = code
	for _, c := range l.codes {
		overall = max(overall, c)
	}
	if !started && l.pinged && overall == l.lastCode && now.Sub(l.last) < l.Every {
		return overall, false
	}
	l.last, l.lastCode, l.pinged = now, overall, true
	return overall, true
}
