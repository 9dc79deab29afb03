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
