#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-creates the bpftrace captures in this directory (needs root, bpftrace
# and a compiler). The workload runs 7 s; bpftrace samples it for 3 s while
# it is alive, so that ustack symbols resolve when the map is printed.
# The workload is selected by comm, not pid: bpftrace's pid is the one of
# the initial PID namespace, which differs inside containers.
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
clang -O1 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-optimize-sibling-calls -o "$tmp/bt_workload" workload.c

capture() { # OUTPUT KEY
	"$tmp/bt_workload" 7 &
	sleep 0.5
	bpftrace -e "profile:hz:999 /comm == \"bt_workload\"/ { @[$2] = count(); } interval:s:3 { exit(); }" \
		>"$1"
	wait
}
capture ustack_kstack.txt 'ustack, kstack'
capture kstack_ustack_comm.txt 'kstack, ustack, comm'
capture ustack_perf.txt 'ustack(perf)'
