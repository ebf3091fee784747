package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is one closed-loop run: conc callers, each calling as soon as
// its previous call returned, for a fixed duration.
type loadResult struct {
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Calls       int     `json:"calls"`
	Errors      int     `json:"errors"`
	QPS         float64 `json:"qps"`
	P50us       float64 `json:"p50_us"`
	P99us       float64 `json:"p99_us"`
	FirstError  string  `json:"first_error,omitempty"`
}

// drive runs call from conc goroutines for warm then dur; only calls started
// after the warm-up count. Latencies of failed calls are not counted.
func drive(target string, conc int, warm, dur time.Duration, call func(ctx context.Context) error) loadResult {
	ctx := context.Background()
	var measuring, stop atomic.Bool
	lats := make([][]time.Duration, conc)
	errs := make([]int, conc)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l := make([]time.Duration, 0, 1<<14)
			for !stop.Load() {
				m := measuring.Load()
				t0 := time.Now()
				err := call(ctx)
				d := time.Since(t0)
				if !m {
					continue
				}
				if err != nil {
					errs[i]++
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				l = append(l, d)
			}
			lats[i] = l
		}()
	}
	time.Sleep(warm)
	measuring.Store(true)
	t0 := time.Now()
	time.Sleep(dur)
	stop.Store(true)
	elapsed := time.Since(t0)
	wg.Wait()
	var all []time.Duration
	nerr := 0
	for i := range conc {
		all = append(all, lats[i]...)
		nerr += errs[i]
	}
	slices.Sort(all)
	r := loadResult{Target: target, Concurrency: conc, Seconds: elapsed.Seconds(), Calls: len(all), Errors: nerr,
		QPS: float64(len(all)) / elapsed.Seconds(), P50us: pct(all, 0.50), P99us: pct(all, 0.99)}
	if v := firstErr.Load(); v != nil {
		r.FirstError = v.(string)
	}
	return r
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)-1) * p)
	return float64(sorted[i].Nanoseconds()) / 1e3
}

// merge combines runs of the same target and concurrency (interleaved
// rounds): calls and time add up; the percentiles are the medians of the
// rounds' percentiles.
func merge(rs []loadResult) loadResult {
	if len(rs) == 0 {
		return loadResult{}
	}
	out := loadResult{Target: rs[0].Target, Concurrency: rs[0].Concurrency}
	var p50, p99 []float64
	for _, r := range rs {
		out.Seconds += r.Seconds
		out.Calls += r.Calls
		out.Errors += r.Errors
		if out.FirstError == "" {
			out.FirstError = r.FirstError
		}
		p50 = append(p50, r.P50us)
		p99 = append(p99, r.P99us)
	}
	out.QPS = float64(out.Calls) / out.Seconds
	out.P50us, out.P99us = median(p50), median(p99)
	return out
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func (r loadResult) String() string {
	s := fmt.Sprintf("%-9s c=%-3d %7.0f qps  p50 %7.0f µs  p99 %7.0f µs  (%d calls", r.Target, r.Concurrency, r.QPS, r.P50us, r.P99us, r.Calls)
	if r.Errors > 0 {
		s += fmt.Sprintf(", %d errors: %s", r.Errors, r.FirstError)
	}
	return s + ")"
}
