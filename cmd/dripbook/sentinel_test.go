package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/dripbook/dripbook/course"
	"github.com/dripbook/dripbook/smtptest"
	"github.com/dripbook/dripbook/testenv"
)

// startRedisProcess runs a redis-server (or, with sentinel, redis-sentinel)
// on a free loopback port until the test ends, and returns the port and the
// process. conf is its configuration file's text, after "port" and "bind".
func startRedisProcess(t *testing.T, bin, conf string) (string, *exec.Cmd) {
	t.Helper()
	addr := testenv.FreeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	dir := t.TempDir()
	file := filepath.Join(dir, "redis.conf")
	// dir keeps the replica's copy of the primary's data (and anything
	// else a server writes) out of the source tree.
	text := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\nsave \"\"\nappendonly no\n%s", port, dir, conf)
	require.NoError(t, os.WriteFile(file, []byte(text), 0o600))
	cmd := exec.Command(bin, file)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = rdb.Close() })
	testenv.Wait(t, 10*time.Second, bin+" on "+addr+" to answer PING", func() error {
		return rdb.Ping(context.Background()).Err()
	})
	return port, cmd
}

// A primary, a replica and a sentinel; dripbook reaches Redis through the
// sentinel. The primary dies mid-course: the sentinel promotes the
// replica, and signups, confirmations and lessons go on.
func TestSentinelFailoverKeepsSignupsAndLessonsFlowing(t *testing.T) {
	t.Parallel()
	sentinelBin, err := exec.LookPath("redis-sentinel")
	if err != nil {
		t.Skip("redis-sentinel is not installed (apt-get install redis-sentinel; .ci/run does)")
	}
	serverBin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed")
	}
	ctx := context.Background()
	primary, primaryCmd := startRedisProcess(t, serverBin, "")
	replica, _ := startRedisProcess(t, serverBin, "replicaof 127.0.0.1 "+primary+"\n")
	sentinel, _ := startRedisProcess(t, sentinelBin, "sentinel monitor dripbook 127.0.0.1 "+primary+" 1\n"+
		"sentinel down-after-milliseconds dripbook 500\nsentinel failover-timeout dripbook 5000\n")
	sc := redis.NewSentinelClient(&redis.Options{Addr: "127.0.0.1:" + sentinel})
	t.Cleanup(func() { _ = sc.Close() })
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + replica})
	t.Cleanup(func() { _ = rc.Close() })
	testenv.Wait(t, 20*time.Second, "the replica in sync and known to the sentinel", func() error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil || !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("replica: %v %s", err, info)
		}
		reps, err := sc.Replicas(ctx, "dripbook").Result()
		if err != nil || len(reps) == 0 {
			return fmt.Errorf("sentinel knows %d replicas (%v)", len(reps), err)
		}
		return nil
	})

	base, smtp := startDripbook(t, env{"REDIS_URL": "redis-sentinel://127.0.0.1:" + sentinel + "/dripbook/0",
		"COURSE_DAY": "1s", "SIGNUP_LIMIT_PER_IP": "0"})
	c, err := course.Load(course.Default())
	require.NoError(t, err)
	lessons := len(c.Lessons)

	signUpAndConfirm(t, base, smtp, "before@example.com")
	testenv.WaitMail(t, smtp, "before@example.com", 2, mailTimeout) // the first lesson

	require.NoError(t, primaryCmd.Process.Kill())
	testenv.Wait(t, 30*time.Second, "the sentinel to promote the replica", func() error {
		addr, err := sc.GetMasterAddrByName(ctx, "dripbook").Result()
		if err != nil || len(addr) != 2 || addr[1] != replica {
			return fmt.Errorf("master is %v (%v)", addr, err)
		}
		return nil
	})

	signUpAndConfirm(t, base, smtp, "after@example.com")
	testenv.WaitMail(t, smtp, "after@example.com", 1+lessons, mailTimeout)
	testenv.WaitMail(t, smtp, "before@example.com", 1+lessons, mailTimeout)
}

// signUpAndConfirm signs addr up, retrying while the API answers an error
// (Redis may be failing over), and confirms it from the email.
func signUpAndConfirm(t *testing.T, base string, smtp *smtptest.Server, addr string) {
	t.Helper()
	testenv.Wait(t, 20*time.Second, "a signup of "+addr+" to be taken", func() error {
		resp, err := http.PostForm(base+"/subscribe", url.Values{"email": {addr}, "timezone": {"UTC"}})
		if err != nil {
			return err
		}
		if err := resp.Body.Close(); err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	})
	confirm := testenv.WaitMail(t, smtp, addr, 1, mailTimeout)[0]
	link := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/\S+`).FindString(confirm.Text)
	require.NotEmpty(t, link)
	confirmByButton(t, link)
}
