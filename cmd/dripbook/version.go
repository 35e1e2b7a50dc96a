package main

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// version prints what this binary is: its module version ("(devel)" for a
// build from a checkout), the commit it was built from when the build
// knew it, and the Go it was built with.
func version(stdout io.Writer) error {
	_, err := fmt.Fprintln(stdout, versionLine())
	return err
}

// commit is the commit a build names when it has no VCS data of its own
// (the Docker build: go build -ldflags "-X main.commit=...").
var commit string

func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dripbook (unknown build)"
	}
	parts := []string{"dripbook " + info.Main.Version}
	var rev, at string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" {
		rev = commit
	}
	if rev != "" {
		commit := "commit " + rev[:min(12, len(rev))]
		if dirty {
			commit += " with local changes"
		}
		if at != "" {
			commit += " of " + at
		}
		parts = append(parts, commit)
	}
	return strings.Join(append(parts, info.GoVersion), ", ")
}
