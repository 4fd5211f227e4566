package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"serverstats/alerts"
)

// The history keeps the newest HistoryPoints per key, pruned as it is
// written, and is counted in Info.
func TestHistoryBounded(t *testing.T) {
	ctx := context.Background()
	st := openTestStore(t, filepath.Join(t.TempDir(), "state.db"))
	k := alerts.Key{Command: "disk", Rule: "Use% > 90%", Host: "web1", Row: "/"}
	other := alerts.Key{Command: "disk", Rule: "Use% > 90%", Host: "web2", Row: "/"}
	t0 := time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	var batch []Point
	for i := range HistoryPoints + 10 {
		batch = append(batch, Point{Key: k, At: t0.Add(time.Duration(i) * 5 * time.Minute), Value: float64(i)})
		if len(batch) == 500 {
			if err := st.Record(ctx, batch); err != nil {
				t.Fatal(err)
			}
			batch = nil
		}
	}
	batch = append(batch, Point{Key: other, At: t0, Value: 1})
	if err := st.Record(ctx, batch); err != nil {
		t.Fatal(err)
	}
	h, err := st.History(ctx, "disk", "web1", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	pts := h[k]
	if len(pts) != HistoryPoints || len(h) != 1 {
		t.Fatalf("%d keys, %d points; want 1 key of %d points", len(h), len(pts), HistoryPoints)
	}
	if pts[0].Value != 10 || pts[len(pts)-1].Value != HistoryPoints+9 {
		t.Errorf("kept %v..%v, want the newest (10..%d)", pts[0].Value, pts[len(pts)-1].Value, HistoryPoints+9)
	}
	last24 := pts[len(pts)-1].At.Add(-24 * time.Hour)
	if h, _ := st.History(ctx, "disk", "web1", last24); len(h[k]) != 24*12+1 {
		t.Errorf("24 h: %d points, want %d", len(h[k]), 24*12+1)
	}
	in, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if in.HistoryPoints != HistoryPoints+1 {
		t.Errorf("Info.HistoryPoints = %d, want %d", in.HistoryPoints, HistoryPoints+1)
	}
}
