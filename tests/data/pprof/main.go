// SPDX-License-Identifier: Apache-2.0

// The workload behind cpu.pb.gz: one goroutine runs batches that spend
// about 60% of their time in hotLoop, 30% in warmLoop and 10% in coolLoop,
// while net/http/pprof serves profiles on 127.0.0.1:6060 (or $ADDR).
// scaled() is small enough to be inlined into each loop, so its samples
// carry an inline Line in their pprof locations.
package main

import (
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
)

var sink float64

func scaled(s float64, i int) float64 {
	return s + float64(i)*0.5
}

//go:noinline
func spin(n int) float64 {
	s := 0.0
	for i := 0; i < n; i++ {
		s = scaled(s, i)
	}
	return s
}

//go:noinline
func hotLoop() { sink += spin(6000000) }

//go:noinline
func warmLoop() { sink += spin(3000000) }

//go:noinline
func coolLoop() { sink += spin(1000000) }

//go:noinline
func runBatch() {
	hotLoop()
	warmLoop()
	coolLoop()
}

func main() {
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:6060"
	}
	go func() {
		for {
			runBatch()
		}
	}()
	log.Fatal(http.ListenAndServe(addr, nil))
}
