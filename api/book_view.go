package api

import (
	"context"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/dripbook/dripbook/booking"
	"github.com/dripbook/dripbook/locale"
	"github.com/dripbook/dripbook/models"
	"github.com/dripbook/dripbook/timezone"
)

// slotPicker is the list of free slots and the zone they are shown in. The
// booking and reschedule pages share it, and its templates.
type slotPicker struct {
	Days  []dayView
	Zone  string // the IANA name the times are shown in
	Label string // the zone as a visitor reads it, e.g. "Eastern Time (New York)"
	Zones []zoneOption
	// ZoneAction is the page the zone form reloads, From the lesson it
	// keeps, Lang the locale the visitor chose with a lang parameter.
	ZoneAction string
	From       string
	Lang       string
	// AutoZone lets the page switch to the browser's zone. Only a GET whose
	// URL names no zone does, so a visitor's own choice stands and a form
	// sent back with an error is never reloaded.
	AutoZone bool
}

// dayView is one date's slots in the visitor's zone. Without JavaScript
// every day is listed; with it, the day buttons show one day at a time.
type dayView struct {
	ID      string // the day's element id, "day-2026-03-09"
	Label   string // "Monday, March 9"
	Weekday string // "Mon", for the day button
	Date    string // "Mar 9", for the day button
	Slots   []slotView
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

// picker lists the free slots of the whole horizon in loc, written for lc.
// chosen is the start the visitor picked before, kept checked if it is
// still free. own, when not zero, is the start of the call being moved:
// the slots are those it can move to.
func (s *server) picker(ctx context.Context, loc *time.Location, lc locale.Locale, chosen string, own time.Time) (slotPicker, error) {
	now := s.Now()
	slots, err := s.Bookings.MoveSlots(ctx, now, now.AddDate(0, 0, s.Bookings.Rules().Horizon+1), own)
	if err != nil {
		return slotPicker{}, err
	}
	p := slotPicker{Zone: loc.String(), Label: timezone.FriendlyName(loc)}
	for _, z := range zoneChoices(p.Zone) {
		p.Zones = append(p.Zones, zoneOption{Value: z, Label: timezone.FriendlyNameOf(z), Selected: z == p.Zone})
	}
	for _, d := range booking.ByDay(slots, loc) {
		first := d.Slots[0].Start.In(loc)
		day := dayView{ID: "day-" + d.Date.String(), Label: lc.Day(first), Weekday: first.Format("Mon"), Date: lc.ShortDate(first)}
		for _, sl := range d.Slots {
			v := formatUTC(sl.Start)
			day.Slots = append(day.Slots, slotView{Value: v, Label: lc.Clock(sl.Start.In(loc)), Checked: v == chosen})
		}
		p.Days = append(p.Days, day)
	}
	return p, nil
}

// visitorLocale is how the visitor reads dates: a lang parameter (query or
// form), else the browser's Accept-Language. keep is the parameter to carry
// on to the next page, "" when the browser decides.
func visitorLocale(c echo.Context) (lc locale.Locale, keep string) {
	lang := c.FormValue("lang")
	if !locale.Valid(lang) {
		lang = ""
	}
	return locale.Parse(lang, c.Request().Header.Get("Accept-Language")), lang
}

// callTime says when a call is, in loc, as lc writes it: "Monday 9 March
// 2026, 09:30–10:00 Central European Time (Berlin)".
func callTime(b models.Booking, loc *time.Location, lc locale.Locale) string {
	return lc.Long(b.Start.In(loc)) + "–" + lc.Clock(b.End.In(loc)) + " " + timezone.FriendlyName(loc)
}

// minutes is a call's length for the page's copy.
func minutes(d time.Duration) string {
	return strconv.Itoa(int(d / time.Minute))
}
