package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// A command's mark keeps its last run, and its last OK run across runs
// that were not OK; marks survive reopening the file.
func TestRunMarks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "state.db")
	st := openTestStore(t, path)
	t0 := time.Date(2026, 12, 3, 3, 0, 0, 0, time.UTC)
	if err := st.MarkRun(ctx, "disk", t0, 0, ""); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRun(ctx, "disk", t0.Add(5*time.Minute), 3, "web2: UNKNOWN: connection refused"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkRun(ctx, "load", t0, 0, ""); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openTestStore(t, path)
	marks, err := st.RunMarks(ctx)
	if err != nil {
		t.Fatal(err)
	}
	d := marks["disk"]
	if len(marks) != 2 || !d.LastRun.Equal(t0.Add(5*time.Minute)) || !d.LastOK.Equal(t0) || d.Health != 3 || d.Why == "" {
		t.Errorf("marks = %+v", marks)
	}
	if l := marks["load"]; !l.LastOK.Equal(t0) || l.Health != 0 {
		t.Errorf("load = %+v", l)
	}
}
