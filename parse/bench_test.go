package parse

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// benchInput repeats the rows of a golden case's input until it has n rows,
// numbering the first column or the PID so rows differ.
func benchInput(b *testing.B, file string, n int, row func(i int, line string) string) string {
	b.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		b.Fatal(err)
	}
	lines := splitLines(string(data))
	var sb strings.Builder
	sb.WriteString(lines[0])
	sb.WriteByte('\n')
	for i := range n {
		sb.WriteString(row(i, lines[1+i%(len(lines)-1)]))
		sb.WriteByte('\n')
	}
	return sb.String()
}

// benchTable parses text b.N times and reports MB/s, allocations, and the
// time and allocations per row.
func benchTable(b *testing.B, text string, rows int) {
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 0
	for b.Loop() {
		t, err := ParseTable(text, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(t.Rows) != rows {
			b.Fatalf("%d rows, want %d", len(t.Rows), rows)
		}
		n++
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n)/float64(rows), "ns/row")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n)/float64(rows), "allocs/row")
}

// BenchmarkPsAux parses a 10,000-row `ps aux`.
func BenchmarkPsAux(b *testing.B) {
	const n = 10000
	text := benchInput(b, filepath.Join(goldenDir, "ps-aux", "input.txt"), n, func(i int, l string) string {
		// Keep the columns: replace the PID (right-aligned, width 7).
		return l[:9] + fmt.Sprintf("%7d", i+1) + l[16:]
	})
	benchTable(b, text, n)
}

// BenchmarkDf parses a 1,000-row `df`.
func BenchmarkDf(b *testing.B) {
	const n = 1000
	text := benchInput(b, filepath.Join(goldenDir, "df", "input.txt"), n, func(i int, l string) string {
		return l + fmt.Sprintf("/%d", i)
	})
	benchTable(b, text, n)
}
