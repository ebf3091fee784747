package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"time"
)

// fsyncResult is the floor of one durable commit on this disk: a 4 KiB write
// plus fdatasync in the nodes' data folder, as the bench measures it in the
// same run as the exchanges.
type fsyncResult struct {
	Samples int     `json:"samples"`
	P50us   float64 `json:"p50_us"`
	P99us   float64 `json:"p99_us"`
}

// measureFsync writes 4 KiB at the start of a file in dir and fdatasyncs it,
// n times, and reports the latency percentiles.
func measureFsync(dir string, n int) (fsyncResult, error) {
	f, err := os.OpenFile(filepath.Join(dir, "fsync-probe"), os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fsyncResult{}, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 4096)
	lat := make([]time.Duration, 0, n)
	for i := range n {
		buf[0] = byte(i)
		start := time.Now()
		if _, err := f.WriteAt(buf, 0); err != nil {
			return fsyncResult{}, err
		}
		if err := syscall.Fdatasync(int(f.Fd())); err != nil {
			return fsyncResult{}, fmt.Errorf("fdatasync: %w", err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) }
	return fsyncResult{Samples: n, P50us: q(0.50), P99us: q(0.99)}, nil
}
