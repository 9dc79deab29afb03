#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench, after tools/bench.sh (BENCH_ONLY=record runs only this one):
# `resq-flame record` against `perf record -g` at the same frequency, in the
# same run, and a table of ours, perf's, the ratio and the targets of the
# performance issue. A benchmark, not a test: nothing fails on a slow number.
#
#   tools/bench_record.sh PROG WORKLOAD_DIR
#
# WORKLOAD_DIR holds the built tests/workloads: bench_burner, demo, syscalls.
# Both profilers sample cpu-clock (this machine has no hardware cycles) with
# frame-pointer callchains: `perf record -e cpu-clock -g -B -N` (-B -N: no
# build-id pass, see below). In (a) the bench_burner is pinned with taskset
# to the last CPU and the profilers to CPU 0; nothing is pinned in (b).
#
# (a) Overhead: how much CPU-bound work a profiled thread loses, at each HZ
#     of $BENCH_REC_FREQS ("99 999"), for us and for perf.
#     Twin-paired (the verdict): `bench_burner -2` runs two identical
#     threads on one CPU, "profiled" and "twin"; the profiler attaches to
#     the first alone (`record -t TID`) after a $BENCH_REC_WARMUP (1) s
#     warm-up, and the burner measures $BENCH_REC_SECONDS (4) s. The
#     scheduler interleaves the twins every few ms, so they see the same
#     machine, and the profiled thread's throughput relative to its twin's
#     cancels most of what other jobs and the hypervisor do to the CPU.
#     Overhead = 1 - ratio / the unprofiled run's ratio (of the same round).
#     The twins switch every few ms, and at every switch the kernel also
#     schedules the profiler's events in and out (hrtimer start and cancel),
#     which a lone CPU-bound thread does not pay: the twins are therefore
#     also run at 1 Hz (BENCH_REC_FLOOR=1), and the table lists the
#     overheads net of that floor too. The verdict takes the gross number.
#     Separate runs (context, the classic way): `bench_burner` alone,
#     unprofiled, or launched by the profiler (`record -F HZ -- taskset -c
#     CPU bench_burner`, command mode), $BENCH_REC_SINGLE_SECONDS (3) s each;
#     overhead = 1 - throughput / the same round's unprofiled throughput.
#     On this shared machine these vary by a percent or more between runs.
#     Throughput is always work units per second on a CPU: units / the
#     thread's sum_exec_runtime from /proc/thread-self/schedstat, which
#     includes the sampling interrupts (no IRQ_TIME_ACCOUNTING in this
#     kernel) but not time other tasks held the CPU.
#     $BENCH_REC_ROUNDS (5) rounds of every configuration, order rotated
#     every round; medians over the rounds.
# (b) Capture end -> SVG on disk, for a $BENCH_REC_CAPTURE (30) s
#     system-wide capture at 99 Hz while demo and syscalls keep both CPUs
#     busy (user stacks 6 deep, kernel stacks under syscalls).
#     Both profilers run until SIGINT; the load is stopped first, then the
#     profiler is sent SIGINT and the time until it exits is taken.
#       ours: `resq-flame record -a -F 99 -v -o SVG`, SIGINT -> exit (the
#             SVG is on disk then); its own "post-processing:" line (-v)
#             gives the breakdown.
#       perf: `perf record -a -g -e cpu-clock -F 99 -B -N`, SIGINT -> exit,
#             + `perf script` of the perf.data + collapse and render. The
#             collapse and render are done by resq-flame render (the fastest
#             that we have; stackvis, when tools/bench.sh installed it, is
#             listed as well). -B -N skips perf's build-id pass, which
#             saves perf time and avoids Debian perf 6.1's abort in it.
#     $BENCH_REC_CAPTURE_ROUNDS (3) rounds, ours and perf alternating;
#     medians.
# perf script: Debian's perf 6.1 sometimes dies on this kernel's data
# ("assertion failed at util/build-id.c", "stack smashing detected"). Each
# capture tries, in order: `perf script`, `--no-inline`, `-F
# comm,pid,tid,time,event,ip,sym,dso --no-inline --no-demangle`, and `perf
# --buildid-dir EMPTY script --no-inline` (ignores the ~/.debug build-id
# cache); the first that exits 0 with output is timed and named, failed
# attempts are listed, and the rounds where none worked are left out.
# BENCH_REC_ROUNDS=0 skips (a), BENCH_REC_SINGLE=0 its separate runs,
# BENCH_REC_FLOOR=0 its 1 Hz runs, BENCH_REC_CAPTURE_ROUNDS=0 skips (b).
set -euo pipefail

die()
{
	echo "bench_record: $*" >&2
	exit 1
}

[ $# = 2 ] || die "usage: tools/bench_record.sh PROG WORKLOAD_DIR"
[ -x "$1" ] || die "$1: not built (run make)"
WL=$(realpath "$2")
for w in bench_burner demo syscalls; do
	[ -x "$WL/$w" ] || die "$WL/$w: not built (make bench builds it)"
done
cd "$(dirname "$0")/.."

DIR=${BENCH_DIR:-build/bench}/record
ROUNDS=${BENCH_REC_ROUNDS:-5}
SECS=${BENCH_REC_SECONDS:-4}
WARM=${BENCH_REC_WARMUP:-1}
SINGLE=${BENCH_REC_SINGLE:-1}
FLOOR=${BENCH_REC_FLOOR:-1}
SSECS=${BENCH_REC_SINGLE_SECONDS:-3}
FREQS=${BENCH_REC_FREQS:-99 999}
CAPTURE=${BENCH_REC_CAPTURE:-30}
CROUNDS=${BENCH_REC_CAPTURE_ROUNDS:-3}
NM=${BENCH_DIR:-build/bench}/node_modules
mkdir -p "$DIR/tmp"
DIR=$(realpath "$DIR")

command -v taskset >/dev/null || die "taskset not found: install Debian package util-linux"
HAVE_PERF=1
if ! command -v perf >/dev/null; then
	echo "note: perf not found (Debian package linux-perf): resq-flame alone is measured"
	HAVE_PERF=0
fi

# Other jobs rebuild build/ while this runs: measure a private copy.
cp "$1" "$DIR/resq-flame"
# shellcheck source=tools/bench_lib.sh
. tools/bench_lib.sh
PROG=$DIR/resq-flame
BURNER=$WL/bench_burner

NCPU=$(nproc)
BCPU=$((NCPU - 1))
PIN_PROF=()
[ "$NCPU" -gt 1 ] && PIN_PROF=(taskset -c 0)

# ---- helpers ----

# min..max
range()
{
	printf '%s\n' "$@" | sort -g | sed -n '1p;$p' | paste -sd' ' |
		awk '{printf "%.2f..%.2f", $1, ($2 == "" ? $1 : $2)}'
}

row()
{
	printf '%-38s %13s  %-32s %8s  %s\n' "$@"
}

verdict()
{
	awk "BEGIN{print ($1) ? \"PASS\" : \"MISS\"}"
}

echo
echo "== record benchmark: resq-flame record vs perf record -g"
echo "resq-flame: $1 ($("$PROG" --version 2>/dev/null | head -n 1))"
[ "$HAVE_PERF" = 1 ] && echo "perf: $(perf --version 2>&1 | head -n 1)"
echo "machine: $NCPU CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- (a) overhead ----

# shellcheck disable=SC2034 # read through namerefs
declare -A PAIR TPUT
CONFIGS=(none)
for f in $FREQS; do
	CONFIGS+=("ours@$f")
	[ "$HAVE_PERF" = 1 ] && CONFIGS+=("perf@$f")
done
# the twins also at 1 Hz: what the profiled thread pays for the profiler's
# events at every context switch (the twins switch every few ms), apart
# from sampling
PCONFIGS=("${CONFIGS[@]}")
if [ "$FLOOR" = 1 ]; then
	PCONFIGS+=(ours@1)
	[ "$HAVE_PERF" = 1 ] && PCONFIGS+=(perf@1)
fi
A_NOTES=()

# profiler_cmd CFG: the profiler's command line, without its target, in PCMD
profiler_cmd()
{
	local f=${1#*@}
	case $1 in
	ours@*) PCMD=("${PIN_PROF[@]}" "$PROG" record -q -F "$f" -d 3600 -o "$DIR/tmp/burn-ours.svg") ;;
	perf@*) PCMD=("${PIN_PROF[@]}" perf record -q -e cpu-clock -g -F "$f" -B -N
		-o "$DIR/tmp/burn-perf.data") ;;
	esac
}

# run_pair CFG ROUND: one twin-paired run; sets PAIR[CFG,ROUND] (the ratio)
run_pair()
{
	local cfg=$1 r=$2 line rc=0
	rm -f "$DIR/tmp/prof.err"
	twin_run "$BURNER" "$cfg" || rc=$?
	# at 1 Hz ours may see no sample, exit 1 and write nothing: fine here
	[ "$rc" = 1 ] && [[ $cfg == *@1 ]] && grep -q 'no samples' "$DIR/tmp/prof.err" && rc=0
	line=$(grep '^units=' "$DIR/tmp/pair.out" || true)
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		A_NOTES+=("round $r, twin-paired $cfg: exit $rc: $(cat "$DIR/tmp/pair.err" "$DIR/tmp/prof.err" \
			2>/dev/null | tail -n 1 | cut -c1-100)")
		return
	fi
	PAIR[$cfg,$r]=$(field ratio "$line")
	printf '  round %d twins  %-9s %s\n' "$r" "$cfg" "$line"
}

# run_single CFG ROUND: one separate single-thread run; sets TPUT[CFG,ROUND]
run_single()
{
	local cfg=$1 r=$2 rc=0 line
	local burn=(taskset -c "$BCPU" "$BURNER" "$SSECS")
	if [ "$cfg" = none ]; then
		"${burn[@]}" >"$DIR/tmp/burn.out" 2>"$DIR/tmp/burn.err" || rc=$?
	else
		profiler_cmd "$cfg"
		"${PCMD[@]}" -- "${burn[@]}" >"$DIR/tmp/burn.out" 2>"$DIR/tmp/burn.err" || rc=$?
	fi
	line=$(grep '^units=' "$DIR/tmp/burn.out" || true)
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		A_NOTES+=("round $r, single $cfg: exit $rc: $(tail -n 1 "$DIR/tmp/burn.err" | cut -c1-100)")
		return
	fi
	TPUT[$cfg,$r]=$(field per_cpu_s "$line")
	printf '  round %d single %-9s %s\n' "$r" "$cfg" "$line"
}

# overheads CFG ARRAY: per-round overheads in % against the round's baseline
overheads()
{
	local cfg=$1 r
	local -n tp=$2
	for ((r = 0; r < ROUNDS; r++)); do
		[ -n "${tp[$cfg,$r]:-}" ] && [ -n "${tp[none,$r]:-}" ] &&
			calc '%.3f\n' "100 * (1 - ${tp[$cfg,$r]} / ${tp[none,$r]})"
	done
	return 0
}

# below CFG_A CFG_B ARRAY: "N of M": the rounds with both configurations
# where A's throughput ratio was the higher, i.e. A cost less in that round
below()
{
	local r n=0 m=0
	local -n tp=$3
	for ((r = 0; r < ROUNDS; r++)); do
		if [ -z "${tp[$1,$r]:-}" ] || [ -z "${tp[$2,$r]:-}" ]; then
			continue
		fi
		m=$((m + 1))
		awk "BEGIN{exit !(${tp[$1,$r]} > ${tp[$2,$r]})}" && n=$((n + 1))
	done
	echo "$n of $m"
}

if [ "$ROUNDS" -gt 0 ]; then
	echo
	echo "(a) overhead: bench_burner on CPU $BCPU, profilers on CPU 0; $ROUNDS rounds," \
		"order rotated"
	echo "    twin-paired: ${PCONFIGS[*]}, ${SECS} s after ${WARM} s of warm-up"
	[ "$SINGLE" = 1 ] && echo "    separate single-thread runs: ${CONFIGS[*]}, ${SSECS} s"
	n=${#CONFIGS[@]}
	for ((r = 0; r < ROUNDS; r++)); do
		for ((i = 0; i < ${#PCONFIGS[@]}; i++)); do
			run_pair "${PCONFIGS[(i + r) % ${#PCONFIGS[@]}]}" "$r"
		done
		if [ "$SINGLE" = 1 ]; then
			for ((i = 0; i < n; i++)); do
				run_single "${CONFIGS[(i + r) % n]}" "$r"
			done
		fi
	done
fi

# ---- (b) capture end -> SVG ----

# shellcheck disable=SC2034 # read through namerefs
declare -A B_OURS B_OURS_IN B_PSTOP B_PSCRIPT B_RENDER B_STACKVIS B_OSAMP B_PSAMP
B_NOTES=()
PS_USED=()
HAVE_STACKVIS=0
[ -d "$NM/stackvis" ] && command -v node >/dev/null && HAVE_STACKVIS=1

LOAD_PIDS=()
start_load()
{
	LOAD_PIDS=()
	"$WL/demo" $((CAPTURE + 60)) >/dev/null 2>&1 &
	LOAD_PIDS+=($!)
	"$WL/syscalls" $((CAPTURE + 60)) >/dev/null 2>&1 &
	LOAD_PIDS+=($!)
	sleep 0.5
}

stop_load()
{
	[ ${#LOAD_PIDS[@]} -gt 0 ] || return 0
	kill "${LOAD_PIDS[@]}" 2>/dev/null || true
	wait "${LOAD_PIDS[@]}" 2>/dev/null || true
	LOAD_PIDS=()
}
trap 'stop_load' EXIT

# stop_timed PID: SIGINT, wait; STOP_T = seconds from the signal to the exit
# (not in a $(...) subshell: only this shell can wait for PID)
stop_timed()
{
	local t0 t1
	t0=$EPOCHREALTIME
	kill -INT "$1"
	wait "$1" || echo "exit $?" >"$DIR/tmp/stop.rc"
	t1=$EPOCHREALTIME
	STOP_T=$(calc '%.3f' "$t1 - $t0")
}

# timed OUT RESULT CMD...: runs CMD with stdout to OUT; prints the wall
# seconds, or nothing when CMD fails or leaves RESULT empty
timed()
{
	local out=$1 result=$2 t0 t1
	shift 2
	t0=$EPOCHREALTIME
	if "$@" >"$out" 2>"$DIR/tmp/timed.err" && [ -s "$result" ]; then
		t1=$EPOCHREALTIME
		calc '%.3f' "$t1 - $t0"
	fi
}

capture_ours()
{
	local r=$1 pid svg=$DIR/cap-ours.svg
	rm -f "$svg" "$DIR/tmp/stop.rc"
	start_load
	"$PROG" record -v -a -F 99 -d $((CAPTURE + 3600)) -o "$svg" 2>"$DIR/tmp/cap-ours.log" &
	pid=$!
	sleep "$CAPTURE"
	stop_load
	stop_timed "$pid"
	B_OURS[$r]=$STOP_T
	if [ -f "$DIR/tmp/stop.rc" ] || [ ! -s "$svg" ]; then
		B_NOTES+=("round $r, ours: $(cat "$DIR/tmp/stop.rc" 2>/dev/null) $(grep -v debug \
			"$DIR/tmp/cap-ours.log" | tail -n 1 | cut -c1-100)")
		unset 'B_OURS[$r]'
		return
	fi
	B_OURS_IN[$r]=$(sed -n 's/.*post-processing: \([0-9.]*\) s.*/\1/p' "$DIR/tmp/cap-ours.log")
	B_OSAMP[$r]=$(sed -n 's/.* for [0-9.]* s: \([0-9]*\) samples.*/\1/p' "$DIR/tmp/cap-ours.log")
	printf '  round %d ours  SIGINT -> SVG %s s; %s\n' "$r" "${B_OURS[$r]}" \
		"$(grep -o 'post-processing:.*' "$DIR/tmp/cap-ours.log")"
}

# perf script with the first flag set that works; sets PS_T and PS_HOW
perf_script()
{
	local data=$1 out=$2 t how
	local -a pre args
	PS_T='' PS_HOW=''
	mkdir -p "$DIR/tmp/empty-buildid"
	for how in plain no-inline fields buildid-dir; do
		pre=() args=(-i "$data")
		case $how in
		no-inline) args+=(--no-inline) ;;
		fields) args+=(--no-inline --no-demangle -F 'comm,pid,tid,time,event,ip,sym,dso') ;;
		buildid-dir) pre=(--buildid-dir "$DIR/tmp/empty-buildid") args+=(--no-inline) ;;
		esac
		t=$(timed "$out" "$out" perf "${pre[@]}" script "${args[@]}")
		if [ -n "$t" ]; then
			PS_T=$t PS_HOW="perf ${pre[*]}${pre:+ }script${args[2]:+ }${args[*]:2}"
			return
		fi
		B_NOTES+=("perf script ($how) failed: $(grep -v '^$' "$DIR/tmp/timed.err" | tail -n 1 | cut -c1-120)")
	done
}

capture_perf()
{
	local r=$1 pid data=$DIR/cap-perf.data text=$DIR/cap-perf.txt
	rm -f "$data" "$text" "$DIR/tmp/stop.rc"
	start_load
	perf record -q -a -g -e cpu-clock -F 99 -B -N -o "$data" 2>"$DIR/tmp/cap-perf.log" &
	pid=$!
	sleep "$CAPTURE"
	stop_load
	stop_timed "$pid"
	B_PSTOP[$r]=$STOP_T
	# perf record exits 130 after SIGINT
	if [ ! -s "$data" ] || { [ -f "$DIR/tmp/stop.rc" ] &&
		[ "$(cat "$DIR/tmp/stop.rc")" != "exit 130" ]; }; then
		B_NOTES+=("round $r, perf record: $(cat "$DIR/tmp/stop.rc" 2>/dev/null) $(tail -n 1 \
			"$DIR/tmp/cap-perf.log" | cut -c1-100)")
		[ -s "$data" ] || {
			unset 'B_PSTOP[$r]'
			return
		}
	fi
	perf_script "$data" "$text"
	if [ -z "$PS_T" ]; then
		cp "$data" "$DIR/perf-script-failed-$r.data" # kept for a bug report
		printf '  round %d perf  SIGINT -> exit %s s; perf script failed with every flag set' \
			"$r" "${B_PSTOP[$r]}"
		printf ' (%s kept)\n' "$DIR/perf-script-failed-$r.data"
		return
	fi
	B_PSCRIPT[$r]=$PS_T
	PS_USED+=("$PS_HOW")
	B_PSAMP[$r]=$(grep -c '^[^[:space:]#].* cpu-clock:' "$text" || true)
	rm -f "$DIR/cap-perf.svg"
	B_RENDER[$r]=$(timed "$DIR/tmp/render.out" "$DIR/cap-perf.svg" \
		"$PROG" render -q "$text" -o "$DIR/cap-perf.svg")
	if [ "$HAVE_STACKVIS" = 1 ]; then
		B_STACKVIS[$r]=$(timed "$DIR/cap-stackvis.svg" "$DIR/cap-stackvis.svg" \
			node "$NM/stackvis/cmd/stackvis" \
			perf flamegraph-svg <"$text")
	fi
	printf '  round %d perf  SIGINT -> exit %s s; %s %s s (%s MB, %s samples);' \
		"$r" "${B_PSTOP[$r]}" "$PS_HOW" "$PS_T" \
		"$(calc '%.1f' "$(stat -c %s "$text") / 1e6")" "${B_PSAMP[$r]}"
	printf ' resq-flame render %s s%s\n' "${B_RENDER[$r]:-failed}" \
		"${B_STACKVIS[$r]:+; stackvis ${B_STACKVIS[$r]} s}"
}

if [ "$CROUNDS" -gt 0 ]; then
	echo
	echo "(b) capture end -> SVG: ${CAPTURE} s system-wide at 99 Hz with demo + syscalls busy;" \
		"$CROUNDS rounds:"
	for ((r = 0; r < CROUNDS; r++)); do
		if ((r % 2)) && [ "$HAVE_PERF" = 1 ]; then
			capture_perf "$r"
			capture_ours "$r"
		else
			capture_ours "$r"
			[ "$HAVE_PERF" = 1 ] && capture_perf "$r"
		fi
	done
fi

# ---- the table ----

echo
echo "== record results (medians over the rounds)"
row "metric" "resq-flame" "perf" "ratio" "target"
row "------" "----------" "----" "-----" "------"

# noise ARRAY: median absolute deviation of the unprofiled runs, in %
noise()
{
	local -n tp=$1
	local r b=() m
	for ((r = 0; r < ROUNDS; r++)); do
		[ -n "${tp[none,$r]:-}" ] && b+=("${tp[none,$r]}")
	done
	m=$(median "${b[@]}")
	[ -n "$m" ] || return 0
	median "$(printf '%s\n' "${b[@]}" | awk -v m="$m" '{d = $1 - m; if (d < 0) d = -d;
		printf "%.3f\n", 100 * d / m}')"
}

if [ "$ROUNDS" -gt 0 ]; then
	fo='' fp=''
	if [ "$FLOOR" = 1 ]; then
		mapfile -t o < <(overheads ours@1 PAIR)
		mapfile -t p < <(overheads perf@1 PAIR)
		fo=$(median "${o[@]}") fp=$(median "${p[@]}")
	fi
	for f in $FREQS; do
		case $f in
		99) lim=0.5 ;;
		999) lim=2 ;;
		*) lim='' ;;
		esac
		mapfile -t o < <(overheads "ours@$f" PAIR)
		mapfile -t p < <(overheads "perf@$f" PAIR)
		om=$(median "${o[@]}") pm=$(median "${p[@]}")
		if [ -z "$om" ]; then
			row "overhead @ $f Hz (%)" "failed" "" "" ""
			continue
		fi
		ratio=-
		[ -n "$pm" ] && awk "BEGIN{exit !($om > 0.01 && $pm > 0)}" &&
			ratio=$(calc '%.2fx' "$pm / $om")
		target=""
		if [ -n "$lim" ]; then
			target="<= $lim%"
			[ -n "$pm" ] && target+=" and < perf"
			target+=": $(verdict "$om <= $lim${pm:+ && $om < $pm}")"
			# within the limit, not below perf, but the rounds overlap: say so
			[ -n "$pm" ] && awk "BEGIN{exit !($om <= $lim && $om >= $pm)}" &&
				awk -v a="$(printf '%s\n' "${o[@]}" | sort -g | head -n 1)" \
					-v b="$(printf '%s\n' "${p[@]}" | sort -g | tail -n 1)" \
					'BEGIN{exit !(a <= b)}' && target+=" (tie with perf: rounds overlap)"
		fi
		row "overhead @ $f Hz, twin-paired (%)" "$(calc %.2f "$om")" \
			"${pm:+$(calc %.2f "$pm")}" "$ratio" "$target"
		row "  per-round range (%)" "$(range "${o[@]}")" "${pm:+$(range "${p[@]}")}" "" ""
		[ -n "$pm" ] && row "  rounds where ours cost less" "$(below "ours@$f" "perf@$f" PAIR)" \
			"" "" "(paired: same round, same machine state)"
		[ -n "$fo" ] && row "  net of the 1 Hz floor (%)" "$(calc %.2f "$om - $fo")" \
			"${pm:+${fp:+$(calc %.2f "$pm - $fp")}}" "" "(sampling alone)"
		if [ "$SINGLE" = 1 ]; then
			mapfile -t o < <(overheads "ours@$f" TPUT)
			mapfile -t p < <(overheads "perf@$f" TPUT)
			om=$(median "${o[@]}") pm=$(median "${p[@]}")
			[ -n "$om" ] && row "  separate runs (%)" "$(calc %.2f "$om")" \
				"${pm:+$(calc %.2f "$pm")}" "" "(context: noisier)"
			[ -n "$om" ] && row "    per-round range (%)" "$(range "${o[@]}")" \
				"${pm:+$(range "${p[@]}")}" "" ""
		fi
	done
	[ -n "$fo" ] && row "1 Hz floor, twin-paired (%)" "$(calc %.2f "$fo")" \
		"${fp:+$(calc %.2f "$fp")}" "" "(cost at context switches)"
	mapfile -t b < <(for ((r = 0; r < ROUNDS; r++)); do
		[ -n "${PAIR[none,$r]:-}" ] && echo "${PAIR[none,$r]}"; done)
	[ ${#b[@]} -gt 0 ] && row "  unprofiled twin ratio" "$(printf '%s\n' "${b[@]}" | sort -g |
		sed -n '1p;$p' | paste -sd' ' | awk '{printf "%.4f..%.4f", $1, ($2 == "" ? $1 : $2)}')" "" "" \
		"(1.00 = twins equal)"
	row "  noise: MAD of unprofiled runs (%)" "$(noise PAIR)" "" "" \
		"${TPUT[none,0]:+separate runs: $(noise TPUT)}"
fi

if [ "$CROUNDS" -gt 0 ]; then
	mapfile -t v < <(printf '%s\n' "${B_OURS[@]}")
	ours=$(median "${v[@]}")
	perf_total=() stackvis_total=()
	for ((r = 0; r < CROUNDS; r++)); do
		[ -n "${B_PSTOP[$r]:-}" ] && [ -n "${B_PSCRIPT[$r]:-}" ] && [ -n "${B_RENDER[$r]:-}" ] &&
			perf_total+=("$(calc '%.3f' "${B_PSTOP[$r]} + ${B_PSCRIPT[$r]} + ${B_RENDER[$r]}")")
		[ -n "${B_PSTOP[$r]:-}" ] && [ -n "${B_PSCRIPT[$r]:-}" ] && [ -n "${B_STACKVIS[$r]:-}" ] &&
			stackvis_total+=("$(calc '%.3f' "${B_PSTOP[$r]} + ${B_PSCRIPT[$r]} + ${B_STACKVIS[$r]}")")
	done
	pt=$(median "${perf_total[@]}")
	m()
	{
		local -n a=$1
		median "${a[@]}"
	}
	label="capture end -> SVG (s), ${CAPTURE} s -a"
	if [ -z "$ours" ]; then
		row "$label" "failed" "" "" ""
	elif [ -n "$pt" ]; then
		ratio=$(calc '%.1f' "$pt / ($ours < 0.001 ? 0.001 : $ours)")
		row "$label" "$(calc %.3f "$ours")" "$(calc %.3f "$pt")" "${ratio}x" ">= 10x: $(verdict "$ratio >= 10")"
	else
		pstop=$(m B_PSTOP)
		row "$label" "$ours" "${pstop:+record stop only: $pstop}" "" \
			"perf script failed: see the notes"
	fi
	[ -n "$ours" ] && row "  ours: post-processing line (-v)" "$(m B_OURS_IN)" "" "" \
		"(symbolize + build + write)"
	[ "$HAVE_PERF" = 1 ] && row "  perf record: SIGINT -> exit" "" "$(m B_PSTOP)" "" "(-B -N: no build-ids)"
	[ -n "$pt" ] && row "  perf script" "" "$(m B_PSCRIPT)" "" "${PS_USED[0]}"
	[ -n "$pt" ] && row "  collapse + render (resq-flame)" "" "$(m B_RENDER)" "" ""
	if [ ${#stackvis_total[@]} -gt 0 ]; then
		st=$(median "${stackvis_total[@]}")
		row "  ... with stackvis as collapse + render" "$ours" "$st" \
			"$(calc '%.1fx' "$st / ($ours < 0.001 ? 0.001 : $ours)")" "(context)"
	fi
	row "  samples" "$(m B_OSAMP)" "$(m B_PSAMP)" "" "(same load, different runs)"
fi

for n in "${A_NOTES[@]}" "${B_NOTES[@]}"; do
	echo "note: $n"
done
if [ ${#PS_USED[@]} -gt 0 ]; then
	echo "perf script ran as: $(printf '%s\n' "${PS_USED[@]}" | sort | uniq -c | sed 's/^ *//' |
		paste -sd ';' -)"
fi
echo "outputs are in $DIR; timings on a shared machine vary by about 30%"
