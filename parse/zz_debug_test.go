package parse

import (
	"fmt"
	"os"
	"testing"
)

func TestZZDebug(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	lines := splitLines(string(b))
	for i := range lines {
		lines[i] = expandTabs(lines[i])
	}
	h, ok := findHeader(lines, 0)
	fmt.Println("header", h, ok)
	hdr := lines[h]
	idx := collectRows(lines, 0, h)
	var rows [][]token
	for _, i := range idx {
		rows = append(rows, tokenize(lines[i], nil))
	}
	htoks := tokenize(hdr, nil)
	cols := buildColumns(hdr, htoks, rows)
	for _, c := range cols {
		fmt.Printf("%q s=%d e=%d align=%c ax=%d empty=%.1f\n", c.name, c.s, c.e, c.align, c.ax, c.empty)
	}
}

func TestZZScores(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	lines := splitLines(string(b))
	for c := 0; c < 10 && c < len(lines); c++ {
		h := tokenize(lines[c], nil)
		rows, _, _ := tokenizeRows(lines[c+1:], nil, scoreSample)
		fmt.Println(c, headerLike(lines[c], h), anchorScore(h, rows), countScore(h, rows))
	}
}

func TestZZDataRow(t *testing.T) {
	f := os.Getenv("DBG")
	if f == "" {
		t.Skip()
	}
	b, _ := os.ReadFile(f)
	lines := splitLines(string(b))
	b1 := 0
	for b1 < len(lines) && !isBlank(lines[b1]) {
		b1++
	}
	var cands []candidate
	for c := 0; c < 3 && c < b1; c++ {
		h := tokenize(lines[c], nil)
		cand := candidate{line: c, words: h}
		cand.rows, cand.texts, _ = tokenizeRows(lines[c+1:b1], nil, scoreSample)
		cand.anchor = anchorScore(cand.words, cand.rows)
		cands = append(cands, cand)
	}
	for i := range cands {
		for j := i + 1; j < len(cands); j++ {
			fmt.Println(i, j, cands[i].dataRow(lines[j], cands[j].words))
		}
	}
}
