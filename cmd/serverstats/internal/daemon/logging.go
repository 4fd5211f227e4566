package daemon

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"serverstats/config"
)

// newLogger builds the daemon's logger: text or JSON, to stderr (journald
// picks it up) or to a daily file PATH.YYYY-MM-DD.
func newLogger(dc config.Daemon, stderr io.Writer, now func() time.Time) (*slog.Logger, func(), error) {
	var w io.Writer = stderr
	closeFn := func() {}
	if dc.LogFile != "" {
		df := &dailyFile{base: dc.LogFile, now: now}
		if err := df.open(); err != nil {
			return nil, nil, err
		}
		w, closeFn = df, func() { df.Close() }
	}
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	if dc.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), closeFn, nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), closeFn, nil
}

// dailyFile appends to BASE.YYYY-MM-DD, moving to a new file when the local
// date changes.
type dailyFile struct {
	base string
	now  func() time.Time
	mu   sync.Mutex
	day  string
	f    *os.File
}

func (d *dailyFile) open() error {
	day := d.now().Format("2006-01-02")
	if d.f != nil && day == d.day {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(d.base), 0o750); err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	f, err := os.OpenFile(d.base+"."+day, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open log file: %w", err)
	}
	if d.f != nil {
		d.f.Close()
	}
	d.f, d.day = f, day
	return nil
}

func (d *dailyFile) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.open(); err != nil {
		return 0, err
	}
	return d.f.Write(p)
}

func (d *dailyFile) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.f == nil {
		return nil
	}
	return d.f.Close()
}
