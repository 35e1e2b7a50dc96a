package api

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/models"
)

// slotPicker is the list of free slots and the zone they are shown in. The
// booking and reschedule pages share it, and its templates.
type slotPicker struct {
	Days  []dayView
	Zone  string // the IANA name the times are shown in
	Label string // the zone as a visitor reads it, e.g. "America/New York (EST)"
	Zones []zoneOption
	// ZoneAction is the page the zone form reloads, From the lesson it keeps.
	ZoneAction string
	From       string
	// AutoZone lets the page switch to the browser's zone. Only a GET whose
	// URL names no zone does, so a visitor's own choice stands and a form
	// sent back with an error is never reloaded.
	AutoZone bool
}

// dayView is one date's slots in the visitor's zone.
type dayView struct {
	Label string
	Slots []slotView
}

// slotView is one radio button: the start in UTC, the label in the zone.
type slotView struct {
	Value   string
	Label   string
	Checked bool
}

// zoneOption is one entry of the zone picker.
type zoneOption struct {
	Value, Label string
	Selected     bool
}

// picker lists the free slots of the whole horizon in loc. chosen is the
// start the visitor picked before, kept checked if it is still free.
func (s *server) picker(ctx context.Context, loc *time.Location, chosen string) (slotPicker, error) {
	now := s.Now()
	slots, err := s.Bookings.Slots(ctx, now, now.AddDate(0, 0, s.Bookings.Rules().Horizon+1))
	if err != nil {
		return slotPicker{}, err
	}
	p := slotPicker{Zone: loc.String(), Label: zoneLabel(loc, now)}
	for _, z := range zoneChoices(p.Zone) {
		p.Zones = append(p.Zones, zoneOption{Value: z, Label: strings.ReplaceAll(z, "_", " "), Selected: z == p.Zone})
	}
	for _, d := range booking.ByDay(slots, loc) {
		day := dayView{Label: d.Label}
		for _, sl := range d.Slots {
			v := formatUTC(sl.Start)
			day.Slots = append(day.Slots, slotView{Value: v, Label: sl.Start.In(loc).Format(booking.ClockFormat), Checked: v == chosen})
		}
		p.Days = append(p.Days, day)
	}
	return p, nil
}

// zoneLabel names a zone for people: its IANA name without underscores and
// the abbreviation in force at t.
func zoneLabel(loc *time.Location, t time.Time) string {
	name := strings.ReplaceAll(loc.String(), "_", " ")
	abbr, _ := t.In(loc).Zone()
	if abbr == "" || abbr == name || strings.HasPrefix(abbr, "+") || strings.HasPrefix(abbr, "-") {
		return name
	}
	return name + " (" + abbr + ")"
}

// callTime says when a call is, in loc: "Monday 9 March 2026, 09:30–10:00
// Europe/Berlin (CET)".
func callTime(b models.Booking, loc *time.Location) string {
	start, end := b.Start.In(loc), b.End.In(loc)
	return start.Format(booking.LongFormat) + "–" + end.Format(booking.ClockFormat) + " " + zoneLabel(loc, b.Start)
}

// minutes is a call's length for the page's copy.
func minutes(d time.Duration) string {
	return strconv.Itoa(int(d / time.Minute))
}
