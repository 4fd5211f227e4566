package parse

import (
	"math/rand"
	"os"
	"strings"
	"testing"
	"time"
)

func TestZZStress(t *testing.T) {
	if os.Getenv("STRESS") == "" {
		t.Skip()
	}
	r := rand.New(rand.NewSource(1))
	words := []string{"a", "bb", "ccc", "-", "1", "22", "3.5G", "x y", "  ", "\t", "├─", "NAME", "Mounted on", "%CPU"}
	worst := time.Duration(0)
	for i := 0; i < 300; i++ {
		var sb strings.Builder
		nl := 1 + r.Intn(300)
		wl := 1 + r.Intn(400)
		for l := 0; l < nl; l++ {
			n := r.Intn(wl)
			for w := 0; w < n; w++ {
				sb.WriteString(words[r.Intn(len(words))])
				sb.WriteString(strings.Repeat(" ", 1+r.Intn(3)))
			}
			sb.WriteByte('\n')
		}
		start := time.Now()
		parseTable(sb.String(), Options{})
		if d := time.Since(start); d > worst {
			worst = d
			t.Logf("case %d: %d bytes, %v", i, sb.Len(), d)
		}
	}
}
