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
suites=()
for f in tests/test_*.c; do
	grep -q 'th_privileged\|th_require_perf\|th_require_bpf' "$f" && continue
	[ "$f" = tests/test_browser.c ] && continue
	while read -r s; do
		[[ " ${suites[*]} " == *" $s "* ]] || suites+=("$s")
	done < <(grep -oE '^(Parameterized)?Test(Suite)?\(([a-z_0-9]+)' "$f" | sed -E 's/.*\(//' |
		sort -u)
done

status=0
for s in "${suites[@]}"; do
	printf '== %s\n' "$s"
	RESQ_BIN=$bin valgrind -q --trace-children=yes \
		--trace-children-skip='*/node,*/xmllint,*/go,*/make,*/env,*/bash,*/sh,*/zsh,*/groff,*/man' \
		--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite "$runner" --filter "$s/*" || status=1
done
if [ "$status" = 0 ]; then
	echo "valgrind: ${#suites[@]} suites clean"
else
	echo "valgrind: memcheck errors or failures above" >&2
fi
exit "$status"
