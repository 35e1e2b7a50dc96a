package config

import (
	"log/slog"
	"slices"
	"strings"
)

// logLevel reads debug, info (the default), warn or error.
func (p *parser) logLevel(name string) slog.Level {
	v := strings.ToLower(p.str(name, "info"))
	levels := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}
	l, ok := levels[v]
	if !ok {
		p.fail(name, "must be debug, info, warn or error, got %q", v)
		return slog.LevelInfo
	}
	return l
}

// oneOf reads a value that must be one of allowed, def when unset.
func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	if !slices.Contains(allowed, v) {
		p.fail(name, "must be one of %s, got %q", strings.Join(allowed, ", "), v)
		return def
	}
	return v
}
