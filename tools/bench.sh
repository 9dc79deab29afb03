#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# make bench: times resq-flame against the peer tools that can be installed
# here, on the same inputs in the same run, and prints a table of our
# numbers, the peers', the ratios and the targets of the performance issue.
# A benchmark, not a test: nothing here fails on a slow number.
#
#   tools/bench.sh PROG [GEN_BENCH]
#
# Inputs, generated into $BENCH_DIR (default build/bench) and reused while
# their recipe is unchanged:
#   big.folded  $STACKS (200,000) unique folded stacks from tools/gen_bench.c
#   big.perf    >= $BENCH_PERF_MB (100) MB of real `perf script` text: the
#               FlameGraph corpus captures and tests/data/demo/demo.perf.gz,
#               concatenated round after round. Event names are rewritten to
#               one ("cpu-clock") because stackcollapse-perf semantics count
#               only the first event type seen and every sample should count.
# Peers (npm, pinned by tools/bench/package-lock.json, installed with npm ci):
#   stackvis 0.5.0 (Joyent): perf -> collapsed, collapsed -> SVG, perf -> SVG
#   flamegraph 1.3.0 (thlorenz, a JS port of flamegraph.pl): perf -> SVG,
#               through tools/bench/flamegraph-perf.js (its CLI drops -t perf)
# A peer run is capped at $BENCH_PEER_TIMEOUT (300) s; a peer that times out
# or fails on the full input is run on a ~10 MB slice and compared in MB/s.
# Our runs: best of $BENCH_RUNS (3) wall times, all runs listed; peers repeat
# only while a run takes under $BENCH_PEER_REPEAT_MAX (60) s.
# Units: MB = 10^6 bytes everywhere, peak RSS included (GNU time %M KiB x 1024).
set -euo pipefail

die()
{
	echo "bench: $*" >&2
	exit 1
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	die "usage: tools/bench.sh PROG [GEN_BENCH]"
fi
[ -x "$1" ] || die "$1: not built (run make)"
PROG=$(realpath "$1")
GEN=$(realpath "${2:-$(dirname "$1")/tools/gen_bench}")
[ -x "$GEN" ] || die "$GEN: not built (make bench builds it)"
cd "$(dirname "$0")/.."
SRC=$PWD

DIR=${BENCH_DIR:-build/bench}
RUNS=${BENCH_RUNS:-3}
PEER_TIMEOUT=${BENCH_PEER_TIMEOUT:-300}
PEER_REPEAT_MAX=${BENCH_PEER_REPEAT_MAX:-60}
PERF_MB=${BENCH_PERF_MB:-100}
SLICE_MB=${BENCH_SLICE_MB:-10}
STACKS=200000
SLICE_STACKS=20000
CORPUS=${BENCH_CORPUS:-$SRC/tests/data/flamegraph-corpus}
DEMO=$SRC/tests/data/demo/demo.perf.gz
TIME=/usr/bin/time

[ -x "$TIME" ] || die "$TIME not found: install Debian package time"
command -v node >/dev/null || die "node not found: install Debian packages nodejs npm"
mkdir -p "$DIR/out" "$DIR/tmp"
DIR=$(realpath "$DIR")

# ---- inputs ----

stamp_get()
{
	sed -n "s/^$1=//p" "$DIR/inputs.stamp" 2>/dev/null || true
}

stamp_set()
{
	touch "$DIR/inputs.stamp"
	sed -i "/^$1=/d" "$DIR/inputs.stamp"
	echo "$1=$2" >>"$DIR/inputs.stamp"
}

size_of()
{
	stat -c %s "$1"
}

# Generated with the same generator source and stack count: reuse.
folded_key="$(sha256sum <tools/gen_bench.c | cut -c1-16)-$STACKS"
if [ "$(stamp_get folded_key)" != "$folded_key" ] || [ ! -f "$DIR/slice.folded" ] ||
	[ ! -f "$DIR/big.folded" ] ||
	[ "$(size_of "$DIR/big.folded")" != "$(stamp_get folded_bytes)" ]; then
	echo "generating $DIR/big.folded ($STACKS stacks) ..."
	line=$("$GEN" "$DIR/big.folded.tmp" "$STACKS")
	mv "$DIR/big.folded.tmp" "$DIR/big.folded"
	stamp_set folded_bytes "$(size_of "$DIR/big.folded")"
	stamp_set folded_fnv "$(sed -n 's/.*fnv1a64=//p' <<<"$line")"
	stamp_set folded_key "$folded_key"
	head -n "$SLICE_STACKS" "$DIR/big.folded" >"$DIR/slice.folded"
fi

# The perf captures, in a fixed order; the demo capture is unpacked once.
perf_parts=()
if [ -d "$CORPUS" ]; then
	perf_parts=("$CORPUS"/perf-*.txt)
else
	echo "note: $CORPUS not found: big.perf is made of the demo capture alone" >&2
fi
perf_key=$( (echo recipe-1 "$PERF_MB" "$SLICE_MB"; cat "${perf_parts[@]}" /dev/null; zcat "$DEMO") |
	sha256sum | cut -c1-16)

# One round: every capture once, each ending in a blank line so that the last
# sample of one file does not run into the next file's first header.
perf_round()
{
	local f
	for f in "${perf_parts[@]}" "$DIR/tmp/demo.perf"; do
		cat "$f"
		[ "$(tail -c 2 "$f" | od -An -tx1 | tr -d ' \n')" = 0a0a ] || echo
	done
}

# Every sample header line (not indented, not a comment) gets one event name.
one_event()
{
	sed -E '/^[^[:space:]#]/s/ [[:alnum:]_:.-]+:[[:space:]]*$/ cpu-clock:/'
}

if [ "$(stamp_get perf_key)" != "$perf_key" ] || [ ! -f "$DIR/slice.perf" ] ||
	[ ! -f "$DIR/big.perf" ] ||
	[ "$(size_of "$DIR/big.perf")" != "$(stamp_get perf_bytes)" ]; then
	zcat "$DEMO" >"$DIR/tmp/demo.perf"
	perf_round | one_event >"$DIR/tmp/round.perf"
	round=$(size_of "$DIR/tmp/round.perf")
	rounds=$(((PERF_MB * 1000000 + round - 1) / round))
	slice_rounds=$(((SLICE_MB * 1000000 + round - 1) / round))
	echo "generating $DIR/big.perf ($rounds rounds of $round bytes) ..."
	for ((i = 0; i < rounds; i++)); do
		cat "$DIR/tmp/round.perf"
	done >"$DIR/big.perf.tmp"
	for ((i = 0; i < slice_rounds; i++)); do
		cat "$DIR/tmp/round.perf"
	done >"$DIR/slice.perf"
	mv "$DIR/big.perf.tmp" "$DIR/big.perf"
	stamp_set perf_bytes "$(size_of "$DIR/big.perf")"
	stamp_set perf_sha256 "$(sha256sum <"$DIR/big.perf" | cut -c1-16)"
	stamp_set perf_key "$perf_key"
fi

FOLDED=$DIR/big.folded
PERF=$DIR/big.perf
FOLDED_BYTES=$(size_of "$FOLDED")
PERF_BYTES=$(size_of "$PERF")
echo "inputs:"
printf '  %-40s %11d bytes  fnv1a64 %s (gen_bench)\n' "$FOLDED" "$FOLDED_BYTES" \
	"$(stamp_get folded_fnv)"
printf '  %-40s %11d bytes  sha256 %s... (%d perf captures + demo)\n' "$PERF" "$PERF_BYTES" \
	"$(stamp_get perf_sha256)" "${#perf_parts[@]}"

# ---- peers ----

NM=$DIR/node_modules
lock_sum=$(cat tools/bench/package.json tools/bench/package-lock.json | sha256sum | cut -c1-16)
if [ "$(cat "$DIR/npm.stamp" 2>/dev/null)" != "$lock_sum" ] || [ ! -d "$NM/stackvis" ]; then
	echo "installing the peer tools with npm ci into $NM ..."
	cp tools/bench/package.json tools/bench/package-lock.json "$DIR/"
	# --ignore-scripts: only dtrace-provider (an optional bunyan dependency) has one
	if npm ci --prefix "$DIR" --ignore-scripts --no-audit --no-fund --loglevel=error \
		>"$DIR/tmp/npm.log" 2>&1; then
		echo "$lock_sum" >"$DIR/npm.stamp"
	else
		echo "note: npm ci failed, peers are skipped (see $DIR/tmp/npm.log)" >&2
	fi
fi
peer_version()
{
	node -p "require('$NM/$1/package.json').version" 2>/dev/null || echo '?'
}
HAVE_PEERS=0
[ -f "$DIR/npm.stamp" ] && [ -d "$NM/stackvis" ] && [ -d "$NM/flamegraph" ] && HAVE_PEERS=1
STACKVIS=(node "$NM/stackvis/cmd/stackvis")
THLORENZ=(node "$SRC/tools/bench/flamegraph-perf.js" "$NM")

# ---- measuring ----

declare -A BEST RSS ALL STATUS OUTSZ INBYTES USER SYS

# run_once LIMIT IN OUT CMD...: one timed run; sets T_WALL T_USER T_SYS T_RSS T_RC.
# GNU time gives CPU times and peak RSS; bash's `time` the wall time, in ms
# rather than GNU time's 10 ms steps (it includes GNU time's own ~1 ms).
run_once()
{
	local limit=$1 in=$2 out=$3 TIMEFORMAT=%3R
	local cmd=("$TIME" -o "$DIR/tmp/time" -f '%U %S %M')
	shift 3
	[ "$limit" = 0 ] || cmd+=(timeout -k 10 "$limit")
	T_RC=0
	{ time "${cmd[@]}" "$@" <"$in" >"$out" 2>"$DIR/tmp/stderr" || T_RC=$?; } 2>"$DIR/tmp/wall"
	read -r T_USER T_SYS T_RSS < <(tail -n 1 "$DIR/tmp/time")
	T_WALL=$(tail -n 1 "$DIR/tmp/wall")
}

# measure KEY KIND INPUT OUT CMD...: KIND "ours" (the command names its input
# and output itself) or "peer" (stdin INPUT, stdout OUT). Keeps the best wall
# time, the largest peak RSS and every run's time.
measure()
{
	local key=$1 kind=$2 input=$3 out=$4 runs=$RUNS limit=0 in=/dev/null stdout i
	shift 4
	stdout=$DIR/tmp/stdout
	if [ "$kind" = peer ]; then
		limit=$PEER_TIMEOUT
		in=$input
		stdout=$out
	fi
	cat "$input" >/dev/null # from the page cache for everyone
	BEST[$key]='' RSS[$key]=0 ALL[$key]='' STATUS[$key]=ok
	INBYTES[$key]=$(size_of "$input")
	for ((i = 0; i < runs; i++)); do
		run_once "$limit" "$in" "$stdout" "$@"
		if [ "$T_RC" = 124 ] || [ "$T_RC" = 137 ]; then
			STATUS[$key]="timed out after ${limit} s"
			break
		elif [ "$T_RC" != 0 ]; then
			STATUS[$key]="failed (exit $T_RC): $(grep -v '^{' "$DIR/tmp/stderr" |
				tail -n 1 | cut -c1-100)"
			break
		fi
		ALL[$key]+="${ALL[$key]:+ }$T_WALL"
		if [ -z "${BEST[$key]}" ] || awk "BEGIN{exit !($T_WALL < ${BEST[$key]})}"; then
			BEST[$key]=$T_WALL USER[$key]=$T_USER SYS[$key]=$T_SYS
		fi
		[ "$T_RSS" -gt "${RSS[$key]}" ] && RSS[$key]=$T_RSS
		if [ "$kind" = peer ] && awk "BEGIN{exit !($T_WALL >= $PEER_REPEAT_MAX)}"; then
			break
		fi
	done
	OUTSZ[$key]=0
	[ -f "$out" ] && OUTSZ[$key]=$(size_of "$out")
	if [ "${STATUS[$key]}" = ok ]; then
		printf '  %-34s best %7.3f s of [%s]  user %.2f s  sys %.2f s  peak RSS %5.0f MB  in %.1f MB  out %.2f MB\n' \
			"$key" "${BEST[$key]}" "${ALL[$key]}" "${USER[$key]}" "${SYS[$key]}" \
			"$(mb_rss "$key")" \
			"$(awk "BEGIN{print ${INBYTES[$key]}/1e6}")" \
			"$(awk "BEGIN{print ${OUTSZ[$key]}/1e6}")"
	else
		printf '  %-34s %s\n' "$key" "${STATUS[$key]}"
	fi
}

# A peer on the full input; if it times out or fails, again on the slice.
measure_peer()
{
	local key=$1 input=$2 slice=$3 out=$4
	shift 4
	measure "$key" peer "$input" "$out" "$@"
	if [ "${STATUS[$key]}" != ok ]; then
		measure "$key@slice" peer "$slice" "$out" "$@"
	fi
}

# user + system CPU seconds of the best run: steadier than wall time when
# other jobs share the two CPUs
cpu_s()
{
	awk "BEGIN{printf \"%.2f\", ${USER[$1]} + ${SYS[$1]}}"
}

ok()
{
	[ "${STATUS[$1]:-}" = ok ]
}

mbps()
{
	awk "BEGIN{t = ${BEST[$1]}; if (t < 0.001) t = 0.001; printf \"%.1f\", ${INBYTES[$1]} / 1e6 / t}"
}

mb_rss()
{
	awk "BEGIN{printf \"%.0f\", ${RSS[$1]} * 1024 / 1e6}"
}

# The peer's result for a metric: the full run if it finished, else the slice.
peer_key()
{
	if ok "$1"; then
		echo "$1"
	elif ok "$1@slice"; then
		echo "$1@slice"
	fi
}

echo
echo "resq-flame: $PROG ($("$PROG" --version 2>/dev/null | head -n 1))"
measure "ours perf->folded" ours "$PERF" "$DIR/out/ours-perf.folded" \
	"$PROG" render "$PERF" -f folded -o "$DIR/out/ours-perf.folded"
measure "ours folded->svg" ours "$FOLDED" "$DIR/out/ours-folded.svg" \
	"$PROG" render "$FOLDED" -o "$DIR/out/ours-folded.svg"
measure "ours perf->svg" ours "$PERF" "$DIR/out/ours-perf.svg" \
	"$PROG" render "$PERF" -o "$DIR/out/ours-perf.svg"

if [ "$HAVE_PEERS" = 1 ]; then
	echo
	echo "peers (node $(node --version); stackvis $(peer_version stackvis)," \
		"flamegraph $(peer_version flamegraph)); cap ${PEER_TIMEOUT} s per run:"
	measure_peer "stackvis perf->folded" "$PERF" "$DIR/slice.perf" \
		"$DIR/out/stackvis-perf.folded" "${STACKVIS[@]}" perf collapsed
	measure_peer "stackvis folded->svg" "$FOLDED" "$DIR/slice.folded" \
		"$DIR/out/stackvis-folded.svg" "${STACKVIS[@]}" collapsed flamegraph-svg
	measure_peer "stackvis perf->svg" "$PERF" "$DIR/slice.perf" \
		"$DIR/out/stackvis-perf.svg" "${STACKVIS[@]}" perf flamegraph-svg
	measure_peer "flamegraph perf->svg" "$PERF" "$DIR/slice.perf" \
		"$DIR/out/flamegraph-perf.svg" "${THLORENZ[@]}"
fi

# Context, not a peer: how fast `perf script` itself writes the text that we
# read, on a perf.data recorded now (resq-flame rendering big.folded three
# times at 20 kHz: about 20 MB of text). -B -N: Debian's perf 6.1 often
# aborts in its build-id pass at the end ("assertion failed at
# util/build-id.c:1010") on this kernel.
PS_KEY=
# shellcheck disable=SC2016 # $0..$2 below are the inner sh's arguments
if [ "${BENCH_PERF_SCRIPT:-1}" != 1 ]; then
	:
elif ! command -v perf >/dev/null; then
	echo "note: perf not found: no perf script context (Debian package linux-perf)"
elif ! perf record -q -B -N -e cpu-clock -F 20000 -g -o "$DIR/tmp/rec.data" -- sh -c \
	'for i in 1 2 3; do "$0" render "$1" -o "$2" || exit; done' \
	"$PROG" "$FOLDED" "$DIR/tmp/rec.svg" </dev/null >/dev/null 2>"$DIR/tmp/record.log"; then
	echo "note: perf record failed, no perf script context: $(tail -n 1 "$DIR/tmp/record.log")"
elif ! perf script -i "$DIR/tmp/rec.data" >"$DIR/tmp/rec.perf" 2>/dev/null; then
	# warm-up run; Debian's perf 6.1 also aborts in perf script on this kernel
	echo "note: perf script failed on the fresh perf.data (Debian perf 6.1 on this kernel); no perf script context"
else
	echo
	echo "context: perf script on a perf.data recorded now:"
	measure "perf script (perf.data->text)" peer "$DIR/tmp/rec.data" "$DIR/tmp/rec.perf" \
		perf script -i "$DIR/tmp/rec.data"
	measure "ours on that text (->folded)" ours "$DIR/tmp/rec.perf" "$DIR/out/rec.folded" \
		"$PROG" render "$DIR/tmp/rec.perf" -f folded -o "$DIR/out/rec.folded"
	# perf script's speed is the text it writes per second
	INBYTES["perf script (perf.data->text)"]=$(size_of "$DIR/tmp/rec.perf")
	ok "perf script (perf.data->text)" && PS_KEY="perf script (perf.data->text)"
fi

# ---- the table ----

row()
{
	printf '%-36s %12s  %-34s %9s  %-26s\n' "$@"
}

# verdict VALUE OP LIMIT: PASS or MISS
verdict()
{
	awk "BEGIN{print ($1 $2 $3) ? \"PASS\" : \"MISS\"}"
}

# ratio A B: A/B as "N.Nx"
ratio()
{
	awk "BEGIN{ if (($2) > 0) printf \"%.1fx\", ($1) / ($2); else print \"-\" }"
}

# row_peer METRIC OURS_VALUE PEER_KEY HOW TARGET: HOW is one of mbps, time,
# cpu, rss, size; the ratio is always "how many times better ours is".
row_peer()
{
	local metric=$1 ours=$2 pk=$3 how=$4 target=$5 pv ratio_s label
	label=${pk%% *}
	if [ -z "$pk" ]; then
		row "$metric" "$ours" "-" "" "$target"
		return
	fi
	case $how in
	mbps) pv=$(mbps "$pk") ratio_s=$(ratio "$ours" "$pv") ;;
	time) pv=${BEST[$pk]} ratio_s=$(ratio "$pv" "$ours") ;;
	rss) pv=$(mb_rss "$pk") ratio_s=$(ratio "$pv" "$ours") ;;
	cpu) pv=$(cpu_s "$pk") ratio_s=$(ratio "$pv" "$ours") ;;
	size) pv=$(awk "BEGIN{printf \"%.2f\", ${OUTSZ[$pk]} / 1e6}") ratio_s=$(ratio "$pv" "$ours") ;;
	esac
	case $pk in
	*@slice) label+=" (${SLICE_MB} MB slice)" ;;
	esac
	if [[ $pk == *@slice ]] && [ "$how" != mbps ]; then
		ratio_s="n/a"
	fi
	row "$metric" "$ours" "$label: $pv" "$ratio_s" "$target"
}

echo
echo "== results (ratio = how many times better resq-flame is; MB = 10^6 bytes)"
row "metric" "resq-flame" "peer" "ratio" "target"
row "------" "----------" "----" "-----" "------"

k="ours perf->folded"
if ok "$k"; then
	v=$(mbps "$k")
	row_peer "perf->folded throughput (MB/s)" "$v" "$(peer_key "stackvis perf->folded")" mbps \
		">= 200 MB/s: $(verdict "$v" '>=' 200)"
	row_peer "perf->folded wall (s)" "${BEST[$k]}" "$(peer_key "stackvis perf->folded")" time ""
	row_peer "perf->folded CPU user+sys (s)" "$(cpu_s "$k")" \
		"$(peer_key "stackvis perf->folded")" cpu \
		"$(awk "BEGIN{printf \"= %.0f MB per CPU-s\", ${INBYTES[$k]} / 1e6 / ($(cpu_s "$k") + 0.001)}")"
	row_peer "perf->folded peak RSS (MB)" "$(mb_rss "$k")" "$(peer_key "stackvis perf->folded")" rss ""
	row "" "" "stackcollapse-perf.pl: 22-28" \
		"$(ratio "$v" 28)-$(ratio "$v" 22)" "(reported, not measured here)"
	[ -n "$PS_KEY" ] && ok "ours on that text (->folded)" &&
		row "  vs perf script's own output rate" \
			"$(mbps "ours on that text (->folded)")" "perf script: $(mbps "$PS_KEY")" \
			"$(ratio "$(mbps "ours on that text (->folded)")" "$(mbps "$PS_KEY")")" \
			"(context: text of a perf.data)"
else
	row "perf->folded" "${STATUS[$k]}" "" "" ""
fi

k="ours folded->svg"
if ok "$k"; then
	pk=$(peer_key "stackvis folded->svg")
	svg_mb=$(awk "BEGIN{printf \"%.2f\", ${OUTSZ[$k]} / 1e6}")
	row_peer "folded->svg wall (s), 200k stacks" "${BEST[$k]}" "$pk" time \
		"<= 2 s: $(verdict "${BEST[$k]}" '<=' 2)"
	row_peer "folded->svg throughput (MB/s)" "$(mbps "$k")" "$pk" mbps ""
	row_peer "folded->svg CPU user+sys (s)" "$(cpu_s "$k")" "$pk" cpu ""
	row_peer "folded->svg peak RSS (MB)" "$(mb_rss "$k")" "$pk" rss \
		"<= 300 MB: $(verdict "${RSS[$k]} * 1024" '<=' 300e6)"
	row_peer "folded->svg SVG size (MB)" "$svg_mb" "$pk" size \
		"<= 5 MB: $(verdict "${OUTSZ[$k]}" '<=' 5e6)"
	row "" "" "flamegraph.pl: 33.7 s" "$(ratio 33.7 "${BEST[$k]}")" \
		"(reported, not measured here)"
	row "" "" "flamegraph.pl: 1.74 GB" \
		"$(ratio 1740e6 "${RSS[$k]} * 1024")" "(reported, not measured here)"
else
	row "folded->svg" "${STATUS[$k]}" "" "" ""
fi

k="ours perf->svg"
if ok "$k"; then
	for p in "stackvis perf->svg" "flamegraph perf->svg"; do
		pk=$(peer_key "$p")
		row_peer "perf->svg throughput (MB/s)" "$(mbps "$k")" "$pk" mbps ""
		row_peer "perf->svg wall (s)" "${BEST[$k]}" "$pk" time ""
		row_peer "perf->svg CPU user+sys (s)" "$(cpu_s "$k")" "$pk" cpu ""
		row_peer "perf->svg peak RSS (MB)" "$(mb_rss "$k")" "$pk" rss ""
	done
	row "perf->svg SVG size (MB)" \
		"$(awk "BEGIN{printf \"%.2f\", ${OUTSZ[$k]} / 1e6}")" "" "" ""
else
	row "perf->svg" "${STATUS[$k]}" "" "" ""
fi

while read -r key; do
	if [ "${STATUS[$key]}" != ok ]; then
		echo "note: $key: ${STATUS[$key]}"
	fi
done < <(printf '%s\n' "${!STATUS[@]}" | sort)
echo "outputs are in $DIR/out; timings on a shared machine vary by about 30%"
