package api

import (
	"time"

	"github.com/dripbook/dripbook/storage"
)

// chart is the signups per day as bars, laid out here so that the page
// needs no script: the template only draws the rectangles.
type chart struct {
	Width, Height int
	Max           int64
	Total         int64
	Bars          []bar
}

// bar is one day's rectangle, in the SVG's coordinates.
type bar struct {
	X, Y, W, H int
	Day        string
	Count      int64
}

const chartHeight = 120

// newChart draws one bar for every day of [from, to), the days without
// signups too.
func newChart(from, to time.Time, days []storage.DayCount) chart {
	counts := make(map[string]int64, len(days))
	c := chart{Height: chartHeight}
	for _, d := range days {
		counts[d.Day] = d.Count
		c.Max = max(c.Max, d.Count)
		c.Total += d.Count
	}
	n := int(to.Sub(from) / (24 * time.Hour))
	w := max(2, min(24, 720/max(n, 1)))
	c.Width = n * w
	for i := range n {
		day := from.AddDate(0, 0, i).Format(time.DateOnly)
		b := bar{X: i * w, W: max(w-1, 1), Day: day, Count: counts[day]}
		if c.Max > 0 {
			b.H = int(b.Count * (chartHeight - 4) / c.Max)
		}
		if b.Count > 0 {
			b.H = max(b.H, 1)
		}
		b.Y = chartHeight - b.H
		c.Bars = append(c.Bars, b)
	}
	return c
}
