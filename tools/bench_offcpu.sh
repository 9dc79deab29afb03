#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench (BENCH_ONLY=offcpu): the cost of off-CPU profiling on a
# context-switch-heavy workload, resq-flame offcpu side by side with
# libbpf-tools' offcputime (the Debian package, installed here when
# missing). A benchmark, not a test: nothing here fails on a slow number.
#
#   tools/bench_offcpu.sh PROG WORKLOAD_DIR
#
# The workload is tests/workloads/pingpong.c: two threads pass a byte over
# two pipes, both pinned to CPU $BENCH_OFFCPU_CPU (0), so every round trip
# is two context switches and each one runs the tool's BPF program twice
# (switch-out and switch-in). Each round runs it $BENCH_OFFCPU_SECS (4) s
# alone, under `resq-flame offcpu -a`, and under `offcputime` (both
# system-wide, default 1 us minimum block, full kernel and user stacks),
# in an order that rotates between rounds; a tool gets 1.5 s to attach
# before the workload starts. Reported: round trips/s, the median of
# $BENCH_OFFCPU_ROUNDS (5) rounds, and each tool's throughput as a ratio
# of the baseline (higher is better); then each tool's BPF program cost
# per event, from the kernel's BPF statistics. Needs root.
set -euo pipefail

die()
{
	echo "bench_offcpu: $*" >&2
	exit 1
}

[ $# -eq 2 ] || die "usage: tools/bench_offcpu.sh PROG WORKLOAD_DIR"
PROG=$(realpath "$1")
WL=$(realpath "$2")/pingpong
[ -x "$PROG" ] || die "$1: not built (run make)"
[ -x "$WL" ] || die "$WL: not built (make bench builds it)"
ROUNDS=${BENCH_OFFCPU_ROUNDS:-5}
SECS=${BENCH_OFFCPU_SECS:-4}
CPU=${BENCH_OFFCPU_CPU:-0}
PEER=/usr/sbin/offcputime
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

echo
echo "== off-CPU profiling overhead: pingpong (2 threads, pipe round trips, CPU $CPU), ${SECS} s per run =="
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_offcpu: skipped: needs root (BPF)"
	exit 0
fi
if ! "$PROG" offcpu -d 200ms -q -o "$TMP/probe.svg" -- sleep 0.1 2>"$TMP/probe.err" &&
	grep -q "BPF\|eBPF\|BTF" "$TMP/probe.err"; then
	echo "bench_offcpu: skipped: resq-flame cannot use BPF here:"
	cat "$TMP/probe.err"
	exit 0
fi
if [ ! -x "$PEER" ]; then
	echo "bench_offcpu: installing Debian package libbpf-tools for offcputime"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libbpf-tools \
		>"$TMP/apt.log" 2>&1 || {
		apt-get update -qq >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
				libbpf-tools >"$TMP/apt.log" 2>&1
	} || echo "bench_offcpu: could not install libbpf-tools; comparing with the baseline only"
fi

rate()
{
	sed -n 's/^round trips\/s: //p' "$1"
}

# run_under NAME CMD...: starts CMD in the background, lets it attach, runs
# the workload, stops CMD with SIGINT and prints the workload's rate.
run_under()
{
	local name=$1 pid
	shift
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	pid=$!
	sleep 1.5
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench_offcpu: $name exited early:" >&2
		tail -5 "$TMP/$name.err" >&2
		echo 0
		return
	fi
	"$WL" "$SECS" "$CPU" >"$TMP/wl.out"
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rate "$TMP/wl.out"
}

run_base()
{
	"$WL" "$SECS" "$CPU" >"$TMP/wl.out"
	rate "$TMP/wl.out"
}

run_ours()
{
	run_under ours "$PROG" offcpu -a -d $((SECS + 30)) -q -o "$TMP/ours.svg"
}

run_peer()
{
	run_under peer "$PEER" $((SECS + 30))
}

median()
{
	tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print 0 }'
}

base=() ours=() peer=()
order=(base ours peer)
for ((i = 0; i < ROUNDS; i++)); do
	for t in "${order[@]}"; do
		case $t in
		base) base+=("$(run_base)") ;;
		ours) ours+=("$(run_ours)") ;;
		peer) [ -x "$PEER" ] && peer+=("$(run_peer)") ;;
		esac
	done
	order=("${order[@]:1}" "${order[0]}")
	printf '  round %d: baseline %s, resq-flame %s, offcputime %s round trips/s\n' $((i + 1)) \
		"${base[-1]}" "${ours[-1]}" "${peer[-1]:--}"
done

# The BPF programs' own cost per sched_switch event, from the kernel's BPF
# run-time statistics (kernel.bpf_stats_enabled; they add the same small
# cost to both): one more run under each tool, programs told apart by name
# and by an id newer than any before the tool started.
BPFTOOL=$(command -v bpftool || echo /usr/sbin/bpftool)
prog_cost()
{
	local name=$1 re=$2 pid last
	shift 2
	last=$("$BPFTOOL" prog show 2>/dev/null | awk -F: '/^[0-9]+:/ { id = $1 } END { print id + 0 }')
	"$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
	pid=$!
	sleep 1.5
	"$WL" "$SECS" "$CPU" >/dev/null
	"$BPFTOOL" prog show 2>/dev/null | awk -v last="$last" -v re="$re" '
		/^[0-9]+:/ {
			split($0, f, ":"); id = f[1] + 0
			if (id > last && $0 ~ ("name " re " ")) {
				for (i = 1; i < NF; i++) {
					if ($i == "run_time_ns") ns += $(i + 1)
					if ($i == "run_cnt") cnt += $(i + 1)
				}
			}
		}
		END { if (cnt) printf "%.0f ns per event (%d events)", ns / cnt, cnt; else printf "n/a" }'
	kill -INT "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
if [ -x "$BPFTOOL" ] && old_stats=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null) &&
	sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null; then
	ours_ns=$(prog_cost ours 'on_switch_(btf|raw)' "$PROG" offcpu -a -d $((SECS + 30)) -q -o "$TMP/ours.svg")
	peer_ns=-
	[ -x "$PEER" ] && peer_ns=$(prog_cost peer 'sched_switch' "$PEER" $((SECS + 30)))
	sysctl -qw kernel.bpf_stats_enabled="$old_stats" || true
else
	ours_ns="n/a (no bpftool or kernel.bpf_stats_enabled)"
	peer_ns=$ours_ns
fi

b=$(echo "${base[*]}" | median)
o=$(echo "${ours[*]}" | median)
p=$(echo "${peer[*]:-}" | median)
awk -v b="$b" -v o="$o" -v p="$p" -v have_peer="$([ -x "$PEER" ] && echo 1 || echo 0)" 'BEGIN {
	printf "  %-34s %9d round trips/s\n", "baseline (no profiler)", b
	printf "  %-34s %9d round trips/s  %.2f of baseline (%+.0f%%)\n", "resq-flame offcpu -a", o, o / b, 100 * (o / b - 1)
	if (have_peer) {
		printf "  %-34s %9d round trips/s  %.2f of baseline (%+.0f%%)\n", "offcputime (libbpf-tools)", p, p / b, 100 * (p / b - 1)
		printf "  resq-flame / offcputime throughput: %.2f (target >= 1.00: %s)\n", o / p, (o >= p) ? "met" : "NOT met"
	}
}'
echo "  BPF program cost per sched_switch: resq-flame $ours_ns; offcputime $peer_ns"
