package api

// commonZones are offered on the booking page, west to east, for a visitor
// whose browser did not say where they are. The visitor's current zone is
// added when it is not among them.
var commonZones = []string{
	"Pacific/Honolulu", "America/Anchorage", "America/Los_Angeles", "America/Denver",
	"America/Phoenix", "America/Chicago", "America/Mexico_City", "America/New_York",
	"America/Toronto", "America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
	"UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
	"Europe/Madrid", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Athens",
	"Europe/Helsinki", "Europe/Istanbul", "Africa/Lagos", "Africa/Johannesburg", "Africa/Nairobi",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo",
	"Australia/Sydney", "Pacific/Auckland",
}

// zoneChoices lists the zones for the picker, current first when it is not
// a common one.
func zoneChoices(current string) []string {
	for _, z := range commonZones {
		if z == current {
			return commonZones
		}
	}
	return append([]string{current}, commonZones...)
}
