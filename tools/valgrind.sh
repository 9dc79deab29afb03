#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the tests that need no privileges under valgrind's memcheck: the
# test runner and every resq-flame it starts (--trace-children), skipping
# other programs the tests start (node, xmllint, go, make, shells). Any
# memcheck error, or a definite leak, fails the run.
# usage: tools/valgrind.sh RUNNER RESQ_BIN
set -uo pipefail
cd "$(dirname "$0")/.."
runner=$1
bin=$2

command -v valgrind >/dev/null || {
	echo "valgrind.sh: valgrind not found: apt-get install valgrind (tools/deps.sh test)" >&2
	exit 1
}
# Suites of the test files that never ask for perf events or BPF; the
# browser test drives Chromium, which memcheck would only slow down.
# Criterion's parameterized tests crash under valgrind (their parameters
# live at a fixed address in a shared arena), so the suites that have them
# run natively and only each resq-flame they start runs under memcheck.
vg=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite)
wrap=$(mktemp "${TMPDIR:-/tmp}/resq-valgrind.XXXXXX")
trap 'rm -f "$wrap"' EXIT
printf '#!/bin/sh\nexec %s "%s" "$@"\n' "${vg[*]}" "$bin" >"$wrap"
chmod +x "$wrap"

status=0
nsuites=0
for f in tests/test_*.c; do
	grep -q 'th_privileged\|th_require_perf\|th_require_bpf' "$f" && continue
	[ "$f" = tests/test_browser.c ] && continue
	param=0
	grep -q '^ParameterizedTest(' "$f" && param=1
	for s in $(grep -oE '^(Parameterized)?Test\((struct [a-z_]+ \*[a-z_]+, |[a-z_]+ \*[a-z_]+, )?[a-z_0-9]+' "$f" |
		sed -E 's/.*[(, ]//' | sort -u); do
		nsuites=$((nsuites + 1))
		if [ "$param" = 1 ]; then
			printf '== %s (resq-flame under memcheck)\n' "$s"
			RESQ_BIN=$wrap "$runner" --filter "$s/*" || status=1
		else
			printf '== %s (runner and resq-flame under memcheck)\n' "$s"
			RESQ_BIN=$bin "${vg[@]}" --trace-children=yes \
				--trace-children-skip='*/node,*/xmllint,*/go,*/make,*/env,*/bash,*/sh,*/zsh,*/groff,*/man' \
				"$runner" --filter "$s/*" || status=1
		fi
	done
done
if [ "$status" = 0 ]; then
	echo "valgrind: $nsuites suites clean"
else
	echo "valgrind: memcheck errors or failures above" >&2
fi
exit "$status"
