// Package importer adds a list of subscribers from a CSV file: every row is
// checked before anything is stored, the same address twice is one
// subscriber, and the list goes in in one transaction or not at all. The
// command line and the console's upload form share it.
package importer

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dripbook/dripbook/address"
	"github.com/dripbook/dripbook/fault"
	"github.com/dripbook/dripbook/timezone"
)

// maxName caps a name, as the signup form does.
const maxName = 100

// Row is one subscriber read from the file, normalised.
type Row struct {
	Line     int // where it starts in the file; the header is line 1
	Email    string
	Name     string
	Timezone string
}

// List is a file read and checked: one row per address.
type List struct {
	Rows []Row
	// Duplicates counts rows whose address an earlier row already had.
	Duplicates int
}

// Problem is one row that cannot be imported.
type Problem struct {
	Line    int
	Field   string // the column, or "row" or "header"
	Message string
}

// RowErrors is every row that cannot be imported; while there are any,
// nothing is.
type RowErrors []Problem

// maxListed is how many problems the error message spells out.
const maxListed = 50

func (ps RowErrors) Error() string {
	var b strings.Builder
	what := "rows"
	if len(ps) == 1 {
		what = "row"
	}
	fmt.Fprintf(&b, "%d %s cannot be imported, so nothing was imported:", len(ps), what)
	for i, p := range ps {
		if i == maxListed {
			fmt.Fprintf(&b, "\n  … and %d more", len(ps)-maxListed)
			break
		}
		fmt.Fprintf(&b, "\n  line %d: %s: %s", p.Line, p.Field, p.Message)
	}
	return b.String()
}

// columns are the ones read, by header name; others are ignored.
var columns = []string{"email", "name", "timezone"}

// Parse reads a whole CSV file with a header row naming its columns (email
// is required; name and timezone are read when present; the order is free),
// checks every row and merges rows of the same address: the first row wins,
// and a later one only fills in a name or zone it lacked. Any bad row makes
// the error a RowErrors listing all of them.
func Parse(r io.Reader) (List, error) {
	cr := csv.NewReader(withoutBOM(r))
	cr.FieldsPerRecord = -1 // counted here, to report the line
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return List{}, RowErrors{{Line: 1, Field: "header", Message: "the file is empty; the first line must name the columns, e.g. email,name,timezone"}}
	}
	if err != nil {
		return List{}, RowErrors{{Line: 1, Field: "header", Message: err.Error()}}
	}
	index, width, err := headerIndex(header)
	if err != nil {
		return List{}, err
	}
	var (
		list     List
		problems RowErrors
		seen     = map[string]int{} // address → index in list.Rows
	)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var perr *csv.ParseError
		if errors.As(err, &perr) {
			problems = append(problems, Problem{Line: perr.StartLine, Field: "row", Message: perr.Err.Error()})
			continue
		}
		if err != nil {
			return List{}, fmt.Errorf("read the file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(rec) != width {
			problems = append(problems, Problem{Line: line, Field: "row", Message: fmt.Sprintf("%d fields, but the header has %d", len(rec), width)})
			continue
		}
		row, p := check(line, rec, index)
		if p != nil {
			problems = append(problems, *p)
			continue
		}
		if i, dup := seen[row.Email]; dup {
			list.Duplicates++
			merge(&list.Rows[i], row)
			continue
		}
		seen[row.Email] = len(list.Rows)
		list.Rows = append(list.Rows, row)
	}
	if len(problems) > 0 {
		return List{}, problems
	}
	return list, nil
}

// withoutBOM drops the byte order mark some spreadsheets start a file with,
// before the CSV reader sees it: a BOM ahead of a quoted header would be a
// bare quote to it.
func withoutBOM(r io.Reader) io.Reader {
	br := bufio.NewReader(r)
	if lead, err := br.Peek(3); err == nil && string(lead) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	return br
}

// headerIndex finds each known column in the header row.
func headerIndex(header []string) (map[string]int, int, error) {
	index := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, dup := index[name]; dup && name != "" {
			return nil, 0, RowErrors{{Line: 1, Field: "header", Message: fmt.Sprintf("the column %q is named twice", name)}}
		}
		index[name] = i
	}
	if _, ok := index["email"]; !ok {
		return nil, 0, RowErrors{{Line: 1, Field: "header", Message: "no email column; the first line must name the columns, e.g. email,name,timezone"}}
	}
	known := map[string]int{}
	for _, c := range columns {
		if i, ok := index[c]; ok {
			known[c] = i
		}
	}
	return known, len(header), nil
}

// check normalises one row as the signup form would.
func check(line int, rec []string, index map[string]int) (Row, *Problem) {
	field := func(name string) string {
		if i, ok := index[name]; ok {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	row := Row{Line: line, Name: field("name"), Timezone: field("timezone")}
	email, err := address.Normalise(field("email"))
	if err != nil {
		msg := err.Error()
		var fe *fault.FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		return row, &Problem{Line: line, Field: "email", Message: msg}
	}
	row.Email = email
	if !utf8.ValidString(row.Name) || strings.ContainsFunc(row.Name, unicode.IsControl) {
		return row, &Problem{Line: line, Field: "name", Message: "contains characters that cannot be used"}
	}
	if utf8.RuneCountInString(row.Name) > maxName {
		return row, &Problem{Line: line, Field: "name", Message: fmt.Sprintf("longer than %d characters", maxName)}
	}
	if row.Timezone != "" && !timezone.Valid(row.Timezone) {
		return row, &Problem{Line: line, Field: "timezone", Message: fmt.Sprintf("unknown time zone %q", row.Timezone)}
	}
	return row, nil
}

// merge fills in what the first row of an address lacked.
func merge(first *Row, later Row) {
	if first.Name == "" {
		first.Name = later.Name
	}
	if first.Timezone == "" {
		first.Timezone = later.Timezone
	}
}

// blank reports a row of empty cells, as spreadsheets leave at the end.
func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
