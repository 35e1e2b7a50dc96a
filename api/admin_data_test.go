package api

import (
	"net/http"
	"testing"

	"github.com/hibiken/asynqmon"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/testenv"
)

// The queue's UI and the exports are the console's: signed-in only.
func TestQueuesAndExportsNeedSignIn(t *testing.T) {
	t.Parallel()
	ui := asynqmon.New(asynqmon.Options{RootPath: "/admin/queues", RedisConnOpt: sharedRedis{testenv.Isolated(t)}})
	env := newAdminEnv(t, func(d *Deps) { d.Data.Queues = ui })
	paths := []string{"/admin/queues/", "/admin/queues/api/queues", "/admin/export/subscribers.csv", "/admin/export/bookings.csv"}
	for _, path := range paths {
		rec := env.get(path)
		require.Equal(t, http.StatusSeeOther, rec.Code, path)
		require.Equal(t, "/admin/login", rec.Header().Get("Location"), path)
	}
	a := signIn(t, env)
	for _, path := range paths {
		require.Equal(t, http.StatusOK, a.get(path).Code, path)
	}
}
