package course

import (
	"maps"
	"slices"
	"sort"
	"strings"
)

// TrackNoShow is the follow-up track for a subscriber who missed their call:
// its lessons go out, by day, from when the call was marked a no-show (or
// passed unmarked), until they book a new time.
const TrackNoShow = "no-show"

// trackNames are the tracks a lesson may belong to.
var trackNames = []string{TrackNoShow}

// Track returns the lessons of the named track in sending order.
func (c *Course) Track(name string) []Lesson { return c.Tracks[name] }

// TrackLesson finds a lesson of a track by slug, with its 0-based position.
func (c *Course) TrackLesson(track, slug string) (Lesson, int, bool) {
	i := slices.IndexFunc(c.Tracks[track], func(l Lesson) bool { return l.Slug == slug })
	if i < 0 {
		return Lesson{}, -1, false
	}
	return c.Tracks[track][i], i, true
}

// checkTrack checks the track setting and copies it into l.
func checkTrack(ps *problems, file string, fm frontMatter, l *Lesson, confirm bool) {
	if fm.Track == nil {
		return
	}
	t := strings.TrimSpace(*fm.Track)
	switch {
	case confirm:
		ps.add(file, "the confirmation email belongs to no track: remove the track setting")
	case !slices.Contains(trackNames, t):
		ps.add(file, "track %q is not a track; the tracks are %s", t, strings.Join(trackNames, ", "))
	default:
		l.Track = t
	}
}

// splitTracks checks the course's lessons and its tracks' each in their own
// sequence (slugs are unique across all of them, since deliveries and links
// name lessons by slug) and returns each in sending order. lessons and days
// are in file-name order.
func splitTracks(ps *problems, lessons []Lesson, days []*int) ([]Lesson, map[string][]Lesson) {
	checkSlugs(ps, lessons)
	groups := map[string][]Lesson{}
	groupDays := map[string][]*int{}
	for i, l := range lessons {
		groups[l.Track] = append(groups[l.Track], l)
		groupDays[l.Track] = append(groupDays[l.Track], days[i])
	}
	tracks := map[string][]Lesson{}
	names := slices.Sorted(maps.Keys(groups)) // problems in the same order every time
	for _, name := range names {
		ls := groups[name]
		checkDays(ps, ls, groupDays[name])
		// Stable, because lessons came in file-name order and ties keep it.
		sort.SliceStable(ls, func(i, j int) bool { return ls[i].Day < ls[j].Day })
		if name != "" {
			tracks[name] = ls
		}
	}
	if len(groups[""]) == 0 && len(lessons) > 0 {
		ps.add("", "every lesson belongs to a track: the course itself needs at least one lesson without a track setting")
	}
	return groups[""], tracks
}
