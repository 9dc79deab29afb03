#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-creates cpu.pb.gz and top.txt: builds main.go offline with Debian's
# golang-go (standard library only), runs it, fetches a 6 s CPU profile
# from its net/http/pprof endpoint with curl, and saves what
# `go tool pprof -top` says about that same file.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME=$tmp GOCACHE=$tmp/cache GOPATH=$tmp/gopath GOFLAGS=-mod=mod GOPROXY=off \
	GOTOOLCHAIN=local
go build -o "$tmp/pprofworkload" .
ADDR=127.0.0.1:6071 "$tmp/pprofworkload" &
pid=$!
sleep 1
curl -sf -o cpu.pb.gz 'http://127.0.0.1:6071/debug/pprof/profile?seconds=6'
go tool pprof -top cpu.pb.gz >top.txt
cat top.txt
