#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench (BENCH_ONLY=dwarf runs only this one): `resq-flame record
# --call-graph dwarf` against `perf record --call-graph dwarf` at the same
# frequency and stack size, in the same run, and a table of ours, perf's,
# the ratio and the targets of the DWARF unwinding issue. A benchmark, not
# a test: nothing fails on a slow number.
#
#   tools/bench_dwarf.sh PROG WORKLOAD_DIR
#
# WORKLOAD_DIR holds the built workloads bench_burner_nofp and burner_nofp
# (tests/workloads/*.c without frame pointers). Both profilers sample
# cpu-clock with $BENCH_DW_STACK (32768) bytes of user stack per sample;
# perf runs with -B -N (no build-id pass: Debian's perf 6.1 may abort in
# it on this kernel). Workloads are pinned to the last CPU, profilers to
# CPU 0.
#
# (a) Overhead on the profiled program, twin-paired as in
#     tools/bench_record.sh: `bench_burner_nofp -2` runs two identical
#     threads on one CPU; the profiler attaches to one (`-t TID`) after a
#     $BENCH_DW_WARMUP (1) s warm-up, and the burner measures
#     $BENCH_DW_SECONDS (4) s. Overhead = 1 - (profiled / twin throughput) /
#     (the same ratio unprofiled, same round). At each HZ of
#     $BENCH_DW_FREQS ("99 999"), $BENCH_DW_ROUNDS (5) rounds, order
#     rotated, medians. The profiler's own CPU time (GNU time, user + sys)
#     per second of profiling is listed too: ours unwinds during capture,
#     perf only copies the samples to perf.data and unwinds in perf script.
# (b) Microseconds per unwound sample: our unwinder's own clock (the -v
#     line "unwind: X us per sample") in the runs of (a), and on a
#     $BENCH_DW_CAPTURE s run of burner_nofp (c).
# (c) Capture end -> SVG: burner_nofp for $BENCH_DW_CAPTURE (30) s at 999
#     Hz, launched by each profiler. Ours: its -v "post-processing:" line
#     (end of capture -> SVG written; the stacks were unwound during
#     capture). perf: `perf script` of the perf.data (where perf unwinds)
#     plus `resq-flame render` of its text to SVG (our fastest collapse +
#     render, so that the comparison is about unwinding and symbolizing).
#     perf script is tried plainly, then with --no-inline; a failure is
#     listed. $BENCH_DW_CAPTURE_ROUNDS (3) rounds, medians.
# BENCH_DW_ROUNDS=0 skips (a), BENCH_DW_CAPTURE_ROUNDS=0 skips (c).
set -euo pipefail

die()
{
	echo "bench_dwarf: $*" >&2
	exit 1
}

[ $# = 2 ] || die "usage: tools/bench_dwarf.sh PROG WORKLOAD_DIR"
[ -x "$1" ] || die "$1: not built (run make)"
WL=$(realpath "$2")
for w in bench_burner_nofp burner_nofp; do
	[ -x "$WL/$w" ] || die "$WL/$w: not built (make bench builds it)"
done
cd "$(dirname "$0")/.."

DIR=${BENCH_DIR:-build/bench}/dwarf
ROUNDS=${BENCH_DW_ROUNDS:-5}
SECS=${BENCH_DW_SECONDS:-4}
WARM=${BENCH_DW_WARMUP:-1}
FREQS=${BENCH_DW_FREQS:-99 999}
STACK=${BENCH_DW_STACK:-32768}
CAPTURE=${BENCH_DW_CAPTURE:-30}
CROUNDS=${BENCH_DW_CAPTURE_ROUNDS:-3}
TIME=/usr/bin/time
mkdir -p "$DIR/tmp"
DIR=$(realpath "$DIR")

command -v taskset >/dev/null || die "taskset not found: install Debian package util-linux"
[ -x "$TIME" ] || die "$TIME not found: install Debian package time"
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
NCPU=$(nproc)
BCPU=$((NCPU - 1))
PIN_PROF=()
[ "$NCPU" -gt 1 ] && PIN_PROF=(taskset -c 0)

row()
{
	printf '%-40s %12s  %-30s %8s  %s\n' "$@"
}

verdict()
{
	awk "BEGIN{print ($1) ? \"PASS\" : \"MISS\"}"
}

echo
echo "== DWARF unwinding benchmark: resq-flame record --call-graph dwarf vs perf record --call-graph dwarf"
echo "resq-flame: $1 ($("$PROG" --version 2>/dev/null | head -n 1))"
[ "$HAVE_PERF" = 1 ] && echo "perf: $(perf --version 2>&1 | head -n 1)"
echo "machine: $NCPU CPUs, $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "stack copy: $STACK bytes per sample, both profilers"

# ---- (a) overhead, (b) us per sample ----

# shellcheck disable=SC2034 # read through namerefs
declare -A PAIR PCPU USPS USPA
CONFIGS=(none)
for f in $FREQS; do
	CONFIGS+=("ours@$f")
	[ "$HAVE_PERF" = 1 ] && CONFIGS+=("perf@$f")
done
NOTES=()

# profiler_cmd CFG: the profiler's command line, without its target, in PCMD
profiler_cmd()
{
	local f=${1#*@}
	local t=("$TIME" -f '%U %S' -o "$DIR/tmp/prof.time")
	case $1 in
	ours@*) PCMD=("${PIN_PROF[@]}" "${t[@]}" "$PROG" record -v --call-graph "dwarf,$STACK"
		-F "$f" -d 3600 -o "$DIR/tmp/burn-ours.svg") ;;
	perf@*) PCMD=("${PIN_PROF[@]}" "${t[@]}" perf record -q -e cpu-clock
		--call-graph "dwarf,$STACK" -F "$f" -B -N -o "$DIR/tmp/burn-perf.data") ;;
	esac
}

# run_pair CFG ROUND: one twin-paired run; sets PAIR, PCPU and USPS [CFG,ROUND]
run_pair()
{
	local cfg=$1 r=$2 line rc=0 cpu
	rm -f "$DIR/tmp/prof.time" "$DIR/tmp/prof.err"
	twin_run "$WL/bench_burner_nofp" "$cfg" || rc=$?
	line=$(grep '^units=' "$DIR/tmp/pair.out" || true)
	if [ "$rc" != 0 ] || [ -z "$line" ]; then
		NOTES+=("round $r, $cfg: exit $rc: $(grep -hv debug "$DIR/tmp/pair.err" \
			"$DIR/tmp/prof.err" 2>/dev/null | tail -n 1 | cut -c1-100)")
		return 0
	fi
	PAIR[$cfg,$r]=$(field ratio "$line")
	if [ "$cfg" != none ] && [ -s "$DIR/tmp/prof.time" ]; then
		cpu=$(tail -n 1 "$DIR/tmp/prof.time" | awk '{print $1 + $2}')
		PCPU[$cfg,$r]=$(calc '%.2f' "100 * $cpu / ($SECS + $WARM)")
	fi
	USPS[$cfg,$r]=$(sed -n 's/.* \([0-9.]*\) us per warm sample.*/\1/p' "$DIR/tmp/prof.err" \
		2>/dev/null || true)
	USPA[$cfg,$r]=$(sed -n 's/.*unwind: \([0-9.]*\) us per sample.*/\1/p' "$DIR/tmp/prof.err" \
		2>/dev/null || true)
	printf '  round %d %-9s %s%s%s\n' "$r" "$cfg" "$line" \
		"${PCPU[$cfg,$r]:+  profiler CPU ${PCPU[$cfg,$r]}%}" \
		"${USPS[$cfg,$r]:+  ${USPA[$cfg,$r]} us/sample, ${USPS[$cfg,$r]} warm}"
}

overheads()
{
	local cfg=$1 r
	for ((r = 0; r < ROUNDS; r++)); do
		[ -n "${PAIR[$cfg,$r]:-}" ] && [ -n "${PAIR[none,$r]:-}" ] &&
			calc '%.3f\n' "100 * (1 - ${PAIR[$cfg,$r]} / ${PAIR[none,$r]})"
	done
	return 0
}

values()
{
	local -n arr=$1
	local cfg=$2 r
	for ((r = 0; r < ROUNDS; r++)); do
		[ -n "${arr[$cfg,$r]:-}" ] && echo "${arr[$cfg,$r]}"
	done
	return 0
}

if [ "$ROUNDS" -gt 0 ]; then
	echo
	echo "(a) overhead: bench_burner_nofp -2 on CPU $BCPU, profiler on CPU 0, ${SECS} s after" \
		"${WARM} s of warm-up; $ROUNDS rounds of ${CONFIGS[*]}, order rotated"
	n=${#CONFIGS[@]}
	for ((r = 0; r < ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			run_pair "${CONFIGS[(i + r) % n]}" "$r"
		done
	done
fi

# ---- (c) capture end -> SVG ----

declare -A C_OURS C_OSAMP C_OUSPS C_OUSPA C_PSCRIPT C_RENDER C_PSAMP C_PREC
PS_USED=()

capture_ours()
{
	local r=$1 svg=$DIR/cap-ours.svg log=$DIR/tmp/cap-ours.log
	rm -f "$svg"
	if ! "$PROG" record -v --call-graph "dwarf,$STACK" -F 999 -o "$svg" -- \
		taskset -c "$BCPU" "$WL/burner_nofp" "$CAPTURE" >/dev/null 2>"$log" || [ ! -s "$svg" ]; then
		NOTES+=("capture round $r, ours: $(grep -v debug "$log" | tail -n 1 | cut -c1-100)")
		return 0
	fi
	C_OURS[$r]=$(sed -n 's/.*post-processing: \([0-9.]*\) s.*/\1/p' "$log")
	C_OSAMP[$r]=$(sed -n 's/.* for [0-9.]* s: \([0-9]*\) samples.*/\1/p' "$log")
	C_OUSPS[$r]=$(sed -n 's/.* \([0-9.]*\) us per warm sample.*/\1/p' "$log")
	C_OUSPA[$r]=$(sed -n 's/.*unwind: \([0-9.]*\) us per sample.*/\1/p' "$log")
	printf '  round %d ours  %s samples; capture end -> SVG %s s; %s us per unwound sample (%s warm); %s\n' \
		"$r" "${C_OSAMP[$r]}" "${C_OURS[$r]}" "${C_OUSPA[$r]}" "${C_OUSPS[$r]}" \
		"$(grep -o 'fully unwound;[^;]*' "$log" | head -n 1)"
}

capture_perf()
{
	local r=$1 data=$DIR/cap-perf.data text=$DIR/cap-perf.txt how t0 t1 ok=0
	rm -f "$data" "$text" "$DIR/cap-perf.svg"
	t0=$EPOCHREALTIME
	if ! perf record -q -e cpu-clock --call-graph "dwarf,$STACK" -F 999 -B -N -o "$data" -- \
		taskset -c "$BCPU" "$WL/burner_nofp" "$CAPTURE" >/dev/null 2>"$DIR/tmp/cap-perf.log" ||
		[ ! -s "$data" ]; then
		NOTES+=("capture round $r, perf record: $(tail -n 1 "$DIR/tmp/cap-perf.log" | cut -c1-100)")
		return 0
	fi
	t1=$EPOCHREALTIME
	C_PREC[$r]=$(calc '%.1f' "$t1 - $t0")
	mkdir -p "$DIR/tmp/empty-buildid"
	for how in plain no-inline buildid-dir; do
		local pre=() args=(-i "$data")
		case $how in
		no-inline) args+=(--no-inline) ;;
		buildid-dir) pre=(--buildid-dir "$DIR/tmp/empty-buildid") args+=(--no-inline) ;;
		esac
		t0=$EPOCHREALTIME
		# The subshell reaps perf itself: an abort is reported to /dev/null, not here.
		if (perf "${pre[@]}" script "${args[@]}" >"$text" 2>"$DIR/tmp/script.err"; exit $?) \
			2>/dev/null &&
			[ -s "$text" ]; then
			t1=$EPOCHREALTIME
			C_PSCRIPT[$r]=$(calc '%.3f' "$t1 - $t0")
			PS_USED+=("perf ${pre[*]}${pre:+ }script${args[2]:+ }${args[*]:2}")
			ok=1
			break
		fi
		NOTES+=("capture round $r: perf script ($how) failed: $(grep -v '^$' "$DIR/tmp/script.err" |
			tail -n 1 | cut -c1-100)")
	done
	if [ "$ok" != 1 ]; then
		rm -f "$data"
		return 0
	fi
	C_PSAMP[$r]=$(grep -c '^[^[:space:]#].* cpu-clock:' "$text" || true)
	t0=$EPOCHREALTIME
	if "$PROG" render -q "$text" -o "$DIR/cap-perf.svg" && [ -s "$DIR/cap-perf.svg" ]; then
		t1=$EPOCHREALTIME
		C_RENDER[$r]=$(calc '%.3f' "$t1 - $t0")
	fi
	printf '  round %d perf  %s samples (perf.data %s MB); perf script %s s (%s MB of text),' \
		"$r" "${C_PSAMP[$r]}" "$(calc '%.1f' "$(stat -c %s "$data") / 1e6")" \
		"${C_PSCRIPT[$r]}" "$(calc '%.1f' "$(stat -c %s "$text") / 1e6")"
	printf ' render %s s\n' "${C_RENDER[$r]:-failed}"
	rm -f "$data" # about 1 GB for 30 s
}

if [ "$CROUNDS" -gt 0 ]; then
	echo
	echo "(c) capture end -> SVG: burner_nofp for $CAPTURE s at 999 Hz, $CROUNDS rounds"
	for ((r = 0; r < CROUNDS; r++)); do
		capture_ours "$r"
		if [ "$HAVE_PERF" = 1 ]; then
			capture_perf "$r"
		fi
	done
fi

# ---- the table ----

echo
row "measure" "resq-flame" "perf" "ratio" "target"
if [ "$ROUNDS" -gt 0 ]; then
	for f in $FREQS; do
		# shellcheck disable=SC2046
		o=$(median $(overheads "ours@$f"))
		# shellcheck disable=SC2046
		p=$(median $(overheads "perf@$f"))
		tgt=""
		[ "$f" = 99 ] && [ -n "$o" ] && tgt="<= 2%: $(verdict "$o <= 2")"
		row "overhead on the program @ $f Hz" "${o:+$(calc '%.2f%%' "$o")}" \
			"${p:+$(calc '%.2f%%' "$p")}" "" "$tgt"
		# shellcheck disable=SC2046
		o=$(median $(values PCPU "ours@$f"))
		# shellcheck disable=SC2046
		p=$(median $(values PCPU "perf@$f"))
		row "  profiler's own CPU @ $f Hz" "${o:+$o%}" "${p:+$p%}" \
			"$([ -n "$o" ] && [ -n "$p" ] && calc '%.2fx' "$o / $p")" "(perf unwinds later)"
		# shellcheck disable=SC2046
		o=$(median $(values USPS "ours@$f"))
		# shellcheck disable=SC2046
		a=$(median $(values USPA "ours@$f"))
		row "  us per unwound sample @ $f Hz" "${a:+$a us}" "" "" "(all samples)"
		row "  us per warm sample @ $f Hz" "${o:+$o us}" "" "" \
			"${o:+<= 5 us: $(verdict "$o <= 5")}"
	done
fi
if [ "$CROUNDS" -gt 0 ]; then
	# shellcheck disable=SC2046
	o=$(median "${C_OUSPS[@]:-}")
	a=$(median "${C_OUSPA[@]:-}")
	row "us per unwound sample, burner ${CAPTURE} s" "${a:+$a us}" "" "" \
		"${a:+<= 5 us: $(verdict "$a <= 5")}"
	row "  us per warm sample" "${o:+$o us}" "" "" ""
	# shellcheck disable=SC2046
	o=$(median "${C_OURS[@]:-}")
	ps=()
	for r in "${!C_PSCRIPT[@]}"; do
		[ -n "${C_RENDER[$r]:-}" ] && ps+=("$(calc '%.3f' "${C_PSCRIPT[$r]} + ${C_RENDER[$r]}")")
	done
	p=$(median "${ps[@]:-}")
	ratio=""
	[ -n "$o" ] && [ -n "$p" ] && ratio=$(calc '%.1fx' "$p / $o")
	row "capture end -> SVG" "${o:+$o s}" "${p:+$p s}" "$ratio" \
		"$([ -n "$ratio" ] && echo ">= 20x: $(verdict "$p / $o >= 20")")"
	# shellcheck disable=SC2046
	o=$(median "${C_OSAMP[@]:-}")
	p=$(median "${C_PSAMP[@]:-}")
	row "  samples" "${o:+$(calc '%.0f' "$o")}" "${p:+$(calc '%.0f' "$p")}" "" ""
	# shellcheck disable=SC2046
	row "  of which perf script" "" "$(median "${C_PSCRIPT[@]:-}")${C_PSCRIPT[*]:+ s}" "" ""
	[ ${#PS_USED[@]} -gt 0 ] && echo "perf script runs: $(printf '%s\n' "${PS_USED[@]}" | sort | uniq -c |
		awk '{c = $1; $1 = ""; printf "%s%s x%d", (NR > 1 ? ", " : ""), substr($0, 2), c}')"
fi
if [ ${#NOTES[@]} -gt 0 ]; then
	echo "notes:"
	printf '  %s\n' "${NOTES[@]}"
fi
