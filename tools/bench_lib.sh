#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Helpers shared by the record and DWARF benchmarks (sourced, not run).

# median VALUE...: the median of the values
median()
{
	printf '%s\n' "$@" | sort -g |
		awk '{a[NR] = $1} END {if (!NR) print ""; else if (NR % 2) print a[(NR + 1) / 2];
			else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# field KEY LINE: the value of KEY=... in a bench_burner line
field()
{
	sed -n "s/.*\<$1=\([^ ]*\).*/\1/p" <<<"$2"
}

# calc FORMAT EXPR: EXPR evaluated by awk, printed with FORMAT
calc()
{
	awk "BEGIN{printf \"$1\", $2}"
}

# twin_run BURNER CFG: runs `BURNER -2 $SECS $WARM` (two twin threads) on
# CPU $BCPU and, unless CFG is none, the profiler of `profiler_cmd CFG`
# attached to its first thread (-t TID) until that thread has exited. The
# burner's output goes to $DIR/tmp/pair.out and .err, the profiler's stderr
# to $DIR/tmp/prof.err. Returns non-zero when either failed: the
# profiler's exit status when it did, else the burner's.
twin_run()
{
	local bp pp='' tid='' i rc=0
	: >"$DIR/tmp/pair.out"
	taskset -c "$BCPU" "$1" -2 "$SECS" "$WARM" >"$DIR/tmp/pair.out" 2>"$DIR/tmp/pair.err" &
	bp=$!
	for ((i = 0; i < 500 && ${#tid} == 0; i++)); do
		tid=$(sed -n 's/^tid=//p' "$DIR/tmp/pair.out")
		[ -n "$tid" ] || sleep 0.01
	done
	if [ -n "$tid" ] && [ "$2" != none ]; then
		profiler_cmd "$2"
		"${PCMD[@]}" -t "$tid" >/dev/null 2>"$DIR/tmp/prof.err" &
		pp=$!
	fi
	wait "$bp" || rc=$?
	if [ -n "$pp" ]; then # both stop by themselves once the thread has exited
		for ((i = 0; i < 100; i++)); do
			kill -0 "$pp" 2>/dev/null || break
			sleep 0.1
		done
		kill -INT "$pp" 2>/dev/null || true
		wait "$pp" || rc=$?
	fi
	return "$rc"
}
