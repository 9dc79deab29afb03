#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in build/fuzz/ for FUZZ_SECONDS each, seeded
# from tests/data (FlameGraph's corpus included), and prints execs and crashes.
# usage: tools/fuzz.sh FUZZ_DIR SECONDS
set -uo pipefail
cd "$(dirname "$0")/.."
dir=$1
secs=${2:-60}
status=0
printf '%-22s %10s %8s %s\n' target execs crashes result
for t in "$dir"/fuzz_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	work="$dir/work/$name"
	seeds="$work/seeds"
	rm -rf "$work/crashes"
	mkdir -p "$seeds" "$work/crashes" "$work/corpus"
	# Seeds: every text, gzip and JSON fixture, FlameGraph's captures and results among them.
	find tests/data -type f \( -name '*.txt' -o -name '*.folded' -o -name '*.gz' \
		-o -name '*.perf' -o -name '*.json' -o -name '*.cpuprofile' \) -size -2M \
		-exec cp -t "$seeds" {} + 2>/dev/null
	log="$work/log"
	"$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$work/crashes/" "$work/corpus" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
	[ -n "$execs" ] || execs=$(grep -oE '#[0-9]+' "$log" | tail -1 | tr -d '#')
	crashes=$(find "$work/crashes" -type f | wc -l)
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		result="FAIL (see $log)"
		status=1
	else
		result=ok
	fi
	printf '%-22s %10s %8s %s\n' "$name" "${execs:-?}" "$crashes" "$result"
done
exit $status
