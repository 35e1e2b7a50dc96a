package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/wneessen/go-mail"
	"golang.org/x/sync/errgroup"

	"github.com/dripbook/dripbook/message"
	"github.com/dripbook/dripbook/relay"
)

// figure is one measured rate, and for HTTP the 99th percentile latency.
type figure struct {
	n    int
	took time.Duration
	p99  time.Duration
	// cpu is the CPU time the whole process used meanwhile, when known.
	cpu time.Duration
}

func (f figure) rate() float64 { return float64(f.n) / f.took.Seconds() }

// cpuEach is the process's CPU time per item, 0 when unknown.
func (f figure) cpuEach() time.Duration { return f.cpu / time.Duration(max(f.n, 1)) }

// withCPU runs measure and adds to its figure the CPU time the process used
// meanwhile.
func withCPU(measure func() (figure, error)) (figure, error) {
	before, ok := processCPU()
	fg, err := measure()
	if after, ok2 := processCPU(); ok && ok2 {
		fg.cpu = after - before
	}
	return fg, err
}

// and is f and g measured as one: their rate over both, the mean of their
// p99s.
func (f figure) and(g figure) figure {
	return figure{n: f.n + g.n, took: f.took + g.took, p99: (f.p99 + g.p99) / 2, cpu: f.cpu + g.cpu}
}

// load POSTs n JSON bodies (body(i) for the i-th) to url from c clients at
// once, and measures the rate and the latency. Any answer but want is an
// error: a benchmark of failures measures nothing.
func load(ctx context.Context, url string, n, c, want int, body func(i int) []byte) (figure, error) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c, MaxConnsPerHost: c}}
	defer client.CloseIdleConnections()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	start := time.Now()
	for range c {
		g.Go(func() error {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return nil
				}
				t0 := time.Now()
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body(i)))
				if err != nil {
					return err
				}
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					return err
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				if err := resp.Body.Close(); err != nil {
					return err
				}
				if resp.StatusCode != want {
					return fmt.Errorf("POST %s: status %d, want %d", url, resp.StatusCode, want)
				}
				lat[i] = time.Since(t0)
			}
		})
	}
	if err := g.Wait(); err != nil {
		return figure{}, err
	}
	took := time.Since(start)
	slices.Sort(lat)
	return figure{n: n, took: took, p99: lat[(len(lat)*99)/100]}, nil
}

// signupBody is the i-th benchmark signup, every address its own.
func signupBody(prefix string) func(int) []byte {
	return func(i int) []byte {
		return []byte(`{"email":"` + prefix + strconv.Itoa(i) + `@bench.example.com","name":"Bench","timezone":"UTC"}`)
	}
}

// bareEcho serves the baseline for signups: Echo decoding the same JSON
// and answering, with nothing behind it.
func bareEcho() (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/signup", func(c echo.Context) error {
		var in signupInput
		if err := c.Bind(&in); err != nil {
			return err
		}
		return c.JSON(http.StatusAccepted, map[string]string{"status": "pending_confirmation"})
	})
	srv := &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String() + "/signup", nil
}

type signupInput struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
}

// rawMail sends n copies of m to the sink with go-mail alone, over conns
// connections each kept open for its share: what the wire allows.
func rawMail(ctx context.Context, addr string, m *message.Message, n, conns int) (figure, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return figure{}, err
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return figure{}, err
	}
	var next atomic.Int64
	g, ctx := errgroup.WithContext(ctx)
	start := time.Now()
	for range conns {
		g.Go(func() error {
			c, err := mail.NewClient(host, mail.WithPort(port), mail.WithTLSPolicy(mail.NoTLS), mail.WithHELO("bench.localhost"))
			if err != nil {
				return err
			}
			if err := c.DialWithContext(ctx); err != nil {
				return err
			}
			defer func() { _ = c.Close() }()
			for next.Add(1) <= int64(n) {
				msg, err := relay.Build(m)
				if err != nil {
					return err
				}
				if err := c.Send(msg); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return figure{}, err
	}
	return figure{n: n, took: time.Since(start)}, nil
}
