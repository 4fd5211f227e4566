package daemon

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"serverstats/alerts"
	"serverstats/alerts/store"
)

// Plot geometry, in SVG user units.
const (
	plotW, plotH   = 600, 140
	plotPadL       = 48
	plotPadR       = 8
	plotPadT       = 8
	plotPadB       = 20
	plotMaxSeries  = 8
	plotSeriesKept = plotMaxSeries
)

// plot is the 24 h history of one rule on one host: one line per row.
type plot struct {
	Rule, Column, Trigger string
	Series                []series
	More                  int // rows not drawn
	Points                int // points drawn, all series
	YMin, YMax            string
	YTop, YBottom         float64
	ID                    string
	Summary               string // the plot in words, for screen readers
}

type series struct {
	Row       string
	Points    string // "x,y x,y ..."
	N         int
	Last, Min string
	Max       string
	Class     string
}

// plots draws the 24 h history of each rule of rules that has points in h.
func plots(rules []*alerts.Rule, h map[alerts.Key][]store.Point, now time.Time) []plot {
	var out []plot
	from := now.Add(-24 * time.Hour)
	for i, r := range rules {
		var keys []alerts.Key
		for k := range h {
			if k.Rule == r.Name && len(h[k]) > 0 {
				keys = append(keys, k)
			}
		}
		if len(keys) == 0 {
			continue
		}
		slices.SortFunc(keys, func(a, b alerts.Key) int { return strings.Compare(a.Row, b.Row) })
		p := plot{Rule: r.Name, Column: r.Column, Trigger: r.Trigger.String(), ID: "plot-" + strconv.Itoa(i)}
		if len(keys) > plotMaxSeries {
			p.More, keys = len(keys)-plotMaxSeries, keys[:plotMaxSeries]
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, k := range keys {
			for _, pt := range h[k] {
				lo, hi = min(lo, pt.Value), max(hi, pt.Value)
			}
		}
		if lo > 0 {
			lo = 0
		}
		if hi <= lo {
			hi = lo + 1
		}
		x := func(t time.Time) float64 {
			return plotPadL + float64(t.Sub(from))/float64(24*time.Hour)*(plotW-plotPadL-plotPadR)
		}
		y := func(v float64) float64 {
			return plotPadT + (1-(v-lo)/(hi-lo))*(plotH-plotPadT-plotPadB)
		}
		var words []string
		for j, k := range keys {
			pts := h[k]
			s := series{Row: orText(k.Row, "(value)"), N: len(pts), Class: "s" + strconv.Itoa(j%plotSeriesKept)}
			var b strings.Builder
			smin, smax := math.Inf(1), math.Inf(-1)
			for _, pt := range pts {
				fmt.Fprintf(&b, "%.1f,%.1f ", x(pt.At), y(pt.Value))
				smin, smax = min(smin, pt.Value), max(smax, pt.Value)
			}
			if len(pts) == 1 { // a single point still shows: a short flat segment
				fmt.Fprintf(&b, "%.1f,%.1f", x(pts[0].At)+2, y(pts[0].Value))
			}
			s.Points = strings.TrimSpace(b.String())
			s.Last, s.Min, s.Max = num(pts[len(pts)-1].Value), num(smin), num(smax)
			p.Points += len(pts)
			p.Series = append(p.Series, s)
			words = append(words, fmt.Sprintf("%s: %d points, last %s, min %s, max %s", s.Row, s.N, s.Last, s.Min, s.Max))
		}
		p.YMin, p.YMax = num(lo), num(hi)
		p.YTop, p.YBottom = plotPadT+4, plotH-plotPadB
		p.Summary = strings.Join(words, "; ")
		out = append(out, p)
	}
	return out
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }
