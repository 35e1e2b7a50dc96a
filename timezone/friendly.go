package timezone

import (
	"strings"
	"time"
)

// FriendlyName names a zone the way people say it: the region's time and
// the zone's city, "Eastern Time (New York)". A zone missing from the table
// is its IANA name without underscores, "Asia/Kathmandu".
func FriendlyName(loc *time.Location) string {
	if loc == nil {
		return "UTC"
	}
	return FriendlyNameOf(loc.String())
}

// FriendlyNameOf is FriendlyName for a zone's IANA name, with no need to
// load the zone.
func FriendlyNameOf(name string) string {
	if name == "UTC" || name == "Etc/UTC" {
		return "Coordinated Universal Time (UTC)"
	}
	generic, ok := generics[name]
	if !ok {
		return strings.ReplaceAll(name, "_", " ")
	}
	return generic + " (" + city(name) + ")"
}

// city is the last part of an IANA name, as people write it.
func city(name string) string {
	return strings.ReplaceAll(name[strings.LastIndexByte(name, '/')+1:], "_", " ")
}

// generics are the English generic names of the zones visitors most often
// come from, after the Unicode CLDR's metazone names. A generic name holds
// across daylight saving: "Eastern Time" is EST in winter and EDT in summer.
var generics = func() map[string]string {
	m := map[string]string{}
	for generic, zones := range map[string][]string{
		"Eastern Time":           {"America/New_York", "America/Detroit", "America/Toronto", "America/Indiana/Indianapolis", "America/Kentucky/Louisville", "America/Nassau"},
		"Central Time":           {"America/Chicago", "America/Winnipeg", "America/Mexico_City", "America/Indiana/Knox", "America/Menominee"},
		"Mountain Time":          {"America/Denver", "America/Edmonton", "America/Boise", "America/Phoenix"},
		"Pacific Time":           {"America/Los_Angeles", "America/Vancouver", "America/Tijuana"},
		"Alaska Time":            {"America/Anchorage", "America/Juneau"},
		"Hawaii-Aleutian Time":   {"Pacific/Honolulu"},
		"Atlantic Time":          {"America/Halifax", "America/Puerto_Rico", "Atlantic/Bermuda"},
		"Newfoundland Time":      {"America/St_Johns"},
		"Brasilia Time":          {"America/Sao_Paulo"},
		"Argentina Time":         {"America/Argentina/Buenos_Aires", "America/Buenos_Aires"},
		"Colombia Time":          {"America/Bogota"},
		"Peru Time":              {"America/Lima"},
		"Chile Time":             {"America/Santiago"},
		"United Kingdom Time":    {"Europe/London"},
		"Ireland Time":           {"Europe/Dublin"},
		"Western European Time":  {"Europe/Lisbon", "Atlantic/Canary"},
		"Central European Time":  {"Europe/Berlin", "Europe/Paris", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Brussels", "Europe/Vienna", "Europe/Zurich", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Belgrade", "Europe/Luxembourg"},
		"West Africa Time":       {"Africa/Lagos"},
		"Eastern European Time":  {"Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Europe/Kiev", "Europe/Bucharest", "Europe/Sofia", "Europe/Riga", "Europe/Tallinn", "Europe/Vilnius", "Africa/Cairo"},
		"Moscow Time":            {"Europe/Moscow"},
		"Türkiye Time":           {"Europe/Istanbul"},
		"Israel Time":            {"Asia/Jerusalem"},
		"Arabian Time":           {"Asia/Riyadh", "Asia/Qatar", "Asia/Kuwait"},
		"Gulf Standard Time":     {"Asia/Dubai"},
		"Pakistan Time":          {"Asia/Karachi"},
		"India Standard Time":    {"Asia/Kolkata", "Asia/Calcutta"},
		"Bangladesh Time":        {"Asia/Dhaka"},
		"Indochina Time":         {"Asia/Bangkok", "Asia/Ho_Chi_Minh"},
		"Western Indonesia Time": {"Asia/Jakarta"},
		"Singapore Time":         {"Asia/Singapore"},
		"Hong Kong Time":         {"Asia/Hong_Kong"},
		"China Time":             {"Asia/Shanghai"},
		"Philippine Time":        {"Asia/Manila"},
		"Japan Time":             {"Asia/Tokyo"},
		"Korean Time":            {"Asia/Seoul"},
		"Western Australia Time": {"Australia/Perth"},
		"Central Australia Time": {"Australia/Adelaide", "Australia/Darwin"},
		"Eastern Australia Time": {"Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Hobart"},
		"New Zealand Time":       {"Pacific/Auckland"},
		"South Africa Time":      {"Africa/Johannesburg"},
		"East Africa Time":       {"Africa/Nairobi"},
	} {
		for _, z := range zones {
			m[z] = generic
		}
	}
	return m
}()
