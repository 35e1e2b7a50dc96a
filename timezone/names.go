package timezone

import (
	"fmt"
	"strings"
	"time"
)

// FriendlyName names loc as people say it, with its city: "Eastern Time (New
// York)" rather than "America/New_York". A zone that observes summer time
// under a name of its own is named for the season t falls in ("British
// Summer Time (London)"). A zone the table does not know is named by its
// offset from GMT at t, "GMT+5:45 (Kathmandu)", so the name is never wrong.
//
// lang is a BCP 47 tag such as "en-US"; languages without names of their own
// get the English ones.
func FriendlyName(loc *time.Location, t time.Time, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	id := loc.String()
	if id == "UTC" || id == "Etc/UTC" || id == "Etc/GMT" || id == "GMT" {
		return "UTC"
	}
	city := cityOf(id)
	name := ""
	if z, ok := namesFor(lang)[id]; ok {
		name = z.generic
		if name == "" {
			name = z.standard
			if t.In(loc).IsDST() {
				name = z.summer
			}
		}
	} else {
		name = gmtOffset(t.In(loc))
	}
	if city == "" || strings.Contains(name, city) {
		return name
	}
	return name + " (" + city + ")"
}

// cityOf is the last part of an IANA name, as written: "Buenos Aires" for
// "America/Argentina/Buenos_Aires"; "" for a name with no region, like "EST".
func cityOf(id string) string {
	i := strings.LastIndexByte(id, '/')
	if i < 0 || strings.HasPrefix(id, "Etc/") {
		return ""
	}
	return strings.ReplaceAll(id[i+1:], "_", " ")
}

// gmtOffset writes t's offset from GMT as "GMT-3", "GMT+5:30" or "GMT".
func gmtOffset(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return "GMT"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off%3600/60
	if m == 0 {
		return fmt.Sprintf("GMT%s%d", sign, h)
	}
	return fmt.Sprintf("GMT%s%d:%02d", sign, h, m)
}

// zoneName is what a zone is called: one generic name for the whole year,
// or a standard and a summer name when people say those instead.
type zoneName struct {
	generic, standard, summer string
}

// namesFor returns the table of names in lang's language, English when there
// is none.
func namesFor(lang string) map[string]zoneName {
	base, _, _ := strings.Cut(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(lang)), "_", "-"), "-")
	if names, ok := namesByLanguage[base]; ok {
		return names
	}
	return namesByLanguage["en"]
}

var namesByLanguage = map[string]map[string]zoneName{"en": englishNames()}

// englishNames are the common zones under the generic names that CLDR gives
// them in English (its metazones), so a visitor reads what their own
// calendar app shows. Every other zone falls back to its GMT offset.
func englishNames() map[string]zoneName {
	names := map[string]zoneName{
		"Europe/London": {standard: "Greenwich Mean Time", summer: "British Summer Time"},
		"Europe/Dublin": {standard: "Greenwich Mean Time", summer: "Irish Standard Time"},
	}
	for generic, ids := range map[string][]string{
		"Eastern Time": {"America/New_York", "America/Detroit", "America/Toronto", "America/Indiana/Indianapolis",
			"America/Kentucky/Louisville", "America/Nassau", "America/Iqaluit", "America/Cancun", "America/Jamaica", "America/Panama"},
		"Central Time": {"America/Chicago", "America/Winnipeg", "America/Mexico_City", "America/Regina",
			"America/Indiana/Knox", "America/Menominee", "America/Monterrey", "America/Guatemala", "America/Costa_Rica",
			"America/El_Salvador", "America/Tegucigalpa", "America/Managua", "America/Belize"},
		"Mountain Time":         {"America/Denver", "America/Boise", "America/Edmonton", "America/Phoenix", "America/Chihuahua"},
		"Pacific Time":          {"America/Los_Angeles", "America/Vancouver", "America/Tijuana"},
		"Alaska Time":           {"America/Anchorage", "America/Juneau"},
		"Hawaii-Aleutian Time":  {"Pacific/Honolulu", "America/Adak"},
		"Atlantic Time":         {"America/Halifax", "America/Puerto_Rico", "America/Santo_Domingo", "Atlantic/Bermuda"},
		"Newfoundland Time":     {"America/St_Johns"},
		"Brasilia Time":         {"America/Sao_Paulo", "America/Bahia", "America/Fortaleza", "America/Recife"},
		"Argentina Time":        {"America/Argentina/Buenos_Aires", "America/Buenos_Aires", "America/Argentina/Cordoba"},
		"Colombia Time":         {"America/Bogota"},
		"Peru Time":             {"America/Lima"},
		"Chile Time":            {"America/Santiago"},
		"Venezuela Time":        {"America/Caracas"},
		"Uruguay Time":          {"America/Montevideo"},
		"Western European Time": {"Europe/Lisbon", "Atlantic/Canary", "Atlantic/Madeira", "Atlantic/Faroe"},
		"Greenwich Mean Time":   {"Atlantic/Reykjavik", "Africa/Abidjan", "Africa/Accra", "Africa/Dakar"},
		"Central European Time": {"Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam",
			"Europe/Brussels", "Europe/Vienna", "Europe/Zurich", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen",
			"Europe/Warsaw", "Europe/Prague", "Europe/Budapest", "Europe/Belgrade", "Europe/Zagreb", "Europe/Ljubljana",
			"Europe/Bratislava", "Europe/Luxembourg", "Europe/Monaco", "Europe/Malta", "Europe/Tirane", "Europe/Sarajevo",
			"Europe/Skopje", "Europe/Podgorica", "Europe/Andorra", "Europe/Gibraltar", "Africa/Algiers", "Africa/Tunis",
			"Africa/Ceuta", "Arctic/Longyearbyen"},
		"Eastern European Time": {"Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Europe/Kiev", "Europe/Bucharest",
			"Europe/Sofia", "Europe/Riga", "Europe/Tallinn", "Europe/Vilnius", "Europe/Chisinau", "Africa/Cairo",
			"Asia/Beirut", "Asia/Nicosia", "Europe/Nicosia", "Africa/Tripoli", "Asia/Amman", "Asia/Damascus"},
		"Moscow Time":                {"Europe/Moscow", "Europe/Minsk", "Europe/Simferopol"},
		"Turkey Time":                {"Europe/Istanbul"},
		"Israel Time":                {"Asia/Jerusalem", "Asia/Tel_Aviv"},
		"Arabian Time":               {"Asia/Riyadh", "Asia/Qatar", "Asia/Kuwait", "Asia/Bahrain", "Asia/Baghdad", "Asia/Aden"},
		"Gulf Standard Time":         {"Asia/Dubai", "Asia/Muscat"},
		"Iran Time":                  {"Asia/Tehran"},
		"Pakistan Time":              {"Asia/Karachi"},
		"India Standard Time":        {"Asia/Kolkata", "Asia/Calcutta", "Asia/Colombo"},
		"Nepal Time":                 {"Asia/Kathmandu", "Asia/Katmandu"},
		"Bangladesh Time":            {"Asia/Dhaka"},
		"Indochina Time":             {"Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Saigon", "Asia/Phnom_Penh", "Asia/Vientiane"},
		"Western Indonesia Time":     {"Asia/Jakarta", "Asia/Pontianak"},
		"Singapore Standard Time":    {"Asia/Singapore"},
		"Malaysia Time":              {"Asia/Kuala_Lumpur", "Asia/Kuching"},
		"Philippine Time":            {"Asia/Manila"},
		"China Standard Time":        {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Macau"},
		"Hong Kong Time":             {"Asia/Hong_Kong"},
		"Taipei Time":                {"Asia/Taipei"},
		"Japan Standard Time":        {"Asia/Tokyo"},
		"Korean Standard Time":       {"Asia/Seoul"},
		"Western Australia Time":     {"Australia/Perth"},
		"Central Australia Time":     {"Australia/Adelaide", "Australia/Darwin", "Australia/Broken_Hill"},
		"Eastern Australia Time":     {"Australia/Sydney", "Australia/Melbourne", "Australia/Brisbane", "Australia/Hobart", "Australia/Canberra"},
		"New Zealand Time":           {"Pacific/Auckland"},
		"South Africa Standard Time": {"Africa/Johannesburg", "Africa/Maseru", "Africa/Mbabane"},
		"East Africa Time":           {"Africa/Nairobi", "Africa/Addis_Ababa", "Africa/Dar_es_Salaam", "Africa/Kampala"},
		"West Africa Time":           {"Africa/Lagos", "Africa/Kinshasa", "Africa/Luanda", "Africa/Douala"},
		"Central Africa Time":        {"Africa/Harare", "Africa/Maputo", "Africa/Lusaka", "Africa/Kigali"},
		"Morocco Time":               {"Africa/Casablanca"},
		"Yekaterinburg Time":         {"Asia/Yekaterinburg"},
		"Uzbekistan Time":            {"Asia/Tashkent"},
		"East Kazakhstan Time":       {"Asia/Almaty"},
		"Chamorro Standard Time":     {"Pacific/Guam"},
		"Fiji Time":                  {"Pacific/Fiji"},
		"Samoa Time":                 {"Pacific/Pago_Pago"},
		"Cuba Time":                  {"America/Havana"},
		"Bolivia Time":               {"America/La_Paz"},
		"Ecuador Time":               {"America/Guayaquil"},
		"Paraguay Time":              {"America/Asuncion"},
		"Amazon Time":                {"America/Manaus", "America/Cuiaba", "America/Porto_Velho"},
		"Mexican Pacific Time":       {"America/Mazatlan", "America/Hermosillo"},
		"Azores Time":                {"Atlantic/Azores"},
		"Georgia Time":               {"Asia/Tbilisi"},
		"Armenia Time":               {"Asia/Yerevan"},
		"Azerbaijan Time":            {"Asia/Baku"},
		"Afghanistan Time":           {"Asia/Kabul"},
		"Myanmar Time":               {"Asia/Yangon", "Asia/Rangoon"},
		"Vladivostok Time":           {"Asia/Vladivostok"},
		"Novosibirsk Time":           {"Asia/Novosibirsk"},
		"Mauritius Time":             {"Indian/Mauritius"},
	} {
		for _, id := range ids {
			names[id] = zoneName{generic: generic}
		}
	}
	return names
}
