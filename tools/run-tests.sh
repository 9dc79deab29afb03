#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the Criterion test runner, then lists the skipped tests with their
# reasons (Criterion's own summary leaves them out) and ends with one line
# that counts passed, failed and skipped tests. Fails when no test ran.
# usage: tools/run-tests.sh RUNNER [CRITERION ARGS...]
set -uo pipefail
runner=$1
shift
report=$(mktemp "${TMPDIR:-/tmp}/resq-tests.XXXXXX.tap")
trap 'rm -f "$report"' EXIT

"$runner" --tap="$report" "$@"
rc=$?

# Criterion's TAP: "ok - suite::name  (0.01s)", "not ok - suite::name ...",
# "ok - suite::name  # SKIP reason"; a line may run on without its newline.
tap=$(sed -E 's/((not )?ok - )/\n\1/g' "$report")
# Tests left out by --filter are reported as skipped "test was skipped".
skip_re='^ok - [^ ]+ +# SKIP'
filtered_re='^ok - [^ ]+ +# SKIP test was skipped'
skips=$(printf '%s\n' "$tap" | grep -E "$skip_re" | grep -vE "$filtered_re" |
	sed -E 's/^ok - ([^ ]+) +# SKIP ?/\1: /; s/\[====\].*//')
nskip=$(printf '%s\n' "$tap" | grep -E "$skip_re" | grep -cvE "$filtered_re" || true)
npass=$(printf '%s\n' "$tap" | grep -E '^ok - ' | grep -cvE "$skip_re" || true)
nfail=$(printf '%s\n' "$tap" | grep -cE '^not ok - ' || true)

if [ "$nskip" -gt 0 ]; then
	echo "skipped tests and why:"
	printf '%s\n' "$skips" | sed 's/^/  /'
fi
echo "tests: $npass passed, $nfail failed, $nskip skipped"
if [ "$rc" -eq 0 ] && [ $((npass + nfail)) -eq 0 ]; then
	echo "run-tests: no test ran" >&2
	exit 1
fi
exit "$rc"
