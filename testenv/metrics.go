package testenv

import (
	"io"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Metrics is a /metrics page read back.
type Metrics map[string]*dto.MetricFamily

// ParseMetrics reads the Prometheus text format, failing the test if it is
// not valid.
func ParseMetrics(tb testing.TB, r io.Reader) Metrics {
	tb.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		tb.Fatalf("parse metrics: %v", err)
	}
	return fams
}

// Value is the counter's, gauge's or untyped value of the series of name
// whose labels include labels; for a histogram, its sample count. A series
// not there is 0.
func (m Metrics) Value(name string, labels map[string]string) float64 {
	fam, ok := m[name]
	if !ok {
		return 0
	}
	sum := 0.0
	for _, s := range fam.GetMetric() {
		if !hasLabels(s, labels) {
			continue
		}
		switch {
		case s.Counter != nil:
			sum += s.Counter.GetValue()
		case s.Gauge != nil:
			sum += s.Gauge.GetValue()
		case s.Histogram != nil:
			sum += float64(s.Histogram.GetSampleCount())
		case s.Untyped != nil:
			sum += s.Untyped.GetValue()
		}
	}
	return sum
}

func hasLabels(s *dto.Metric, want map[string]string) bool {
	found := 0
	for _, l := range s.GetLabel() {
		if v, ok := want[l.GetName()]; ok && v == l.GetValue() {
			found++
		}
	}
	return found == len(want)
}
