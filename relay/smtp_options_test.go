package relay

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseSMTPURL(t *testing.T) {
	tests := []struct {
		raw  string
		want Options
	}{
		{"smtp://mail.example.test", Options{Host: "mail.example.test", Port: 587, TLS: "starttls"}},
		{"smtp://user:p%40ss@mail.example.test:2525?tls=starttls", Options{Host: "mail.example.test", Port: 2525, TLS: "starttls", Username: "user", Password: "p@ss"}},
		{"smtp://mail.example.test?tls=tls", Options{Host: "mail.example.test", Port: 465, TLS: "tls"}},
		{"smtp://mail.example.test?tls=none", Options{Host: "mail.example.test", Port: 25, TLS: "none"}},
		{"smtp://mail.example.test?tls=NONE", Options{Host: "mail.example.test", Port: 25, TLS: "none"}},
		{"smtps://u:p@mail.example.test", Options{Host: "mail.example.test", Port: 465, TLS: "tls", Username: "u", Password: "p"}},
		{"smtps://mail.example.test:2465?tls=tls", Options{Host: "mail.example.test", Port: 2465, TLS: "tls"}},
		{"smtp://127.0.0.1:1025?tls=none", Options{Host: "127.0.0.1", Port: 1025, TLS: "none"}},
		{"smtp://[::1]:1025?tls=none", Options{Host: "::1", Port: 1025, TLS: "none"}},
		{"smtp://h?pool=8&timeout=30s&max_per_second=2.5&helo=mx.example.test", Options{Host: "h", Port: 587, TLS: "starttls",
			PoolSize: 8, Timeout: 30 * time.Second, MaxPerSecond: 2.5, HELO: "mx.example.test"}},
		{"  smtp://h/  ", Options{Host: "h", Port: 587, TLS: "starttls"}},
	}
	for _, tt := range tests {
		got, err := ParseURL(tt.raw)
		require.NoError(t, err, tt.raw)
		require.Equal(t, tt.want, got, tt.raw)
	}
}

func TestParseSMTPURLErrors(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"", "must start with smtp://"},
		{"mail.example.test:587", "must start with smtp://"},
		{"http://mail.example.test", `not "http://"`},
		{"smtp://", "has no host"},
		{"smtp://:587", "has no host"},
		{"smtp://h:port", "not a valid URL"},
		{"smtp://h:0", "from 1 to 65535"},
		{"smtp://h:70000", "from 1 to 65535"},
		{"smtp://h?tls=ssl", "must be starttls, tls or none"},
		{"smtps://h?tls=none", "uses smtps://"},
		{"smtp://h?pool=0", "pool"},
		{"smtp://h?timeout=soon", "timeout"},
		{"smtp://h?max_per_second=-1", "max_per_second"},
		{"smtp://h?tsl=none", `unknown setting "tsl"`},
		{"smtp://h/path", "must not have a path"},
		{"smtp://user:p@ss%zz@h", "not a valid URL"},
	}
	for _, tt := range tests {
		_, err := ParseURL(tt.raw)
		require.Error(t, err, tt.raw)
		require.Contains(t, err.Error(), tt.want, tt.raw)
	}
}

func TestParseSMTPURLErrorHidesPassword(t *testing.T) {
	_, err := ParseURL("smtp://user:hunter2%zz@h")
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), "hunter2"), err.Error())
	_, err = ParseURL("smtp://user:hunter2@h?tls=bad")
	require.Error(t, err)
	require.False(t, strings.Contains(err.Error(), "hunter2"), err.Error())
}
