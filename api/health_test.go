package api

import (
	"context"
	"net/http"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

func TestHealthz(t *testing.T) {
	t.Parallel()
	env := newTestEnv(t, nil)
	rec := env.get("/healthz")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "ok", rec.Body.String())
}

func TestReadyz(t *testing.T) {
	t.Parallel()
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	env := newTestEnv(t, func(d *Deps) {
		d.Redis = pingFunc(func(ctx context.Context) error { return rdb.Ping(ctx).Err() })
	})

	rec := env.get("/readyz")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"status":"ok","checks":{"database":"ok","redis":"ok"}}`, rec.Body.String())

	mr.Close()
	rec = env.get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.JSONEq(t, `{"status":"unavailable","checks":{"database":"ok","redis":"unavailable"}}`, rec.Body.String())

	require.NoError(t, env.store.Close())
	rec = env.get("/readyz")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.JSONEq(t, `{"status":"unavailable","checks":{"database":"unavailable","redis":"unavailable"}}`, rec.Body.String())
}
