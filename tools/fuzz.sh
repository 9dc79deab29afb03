#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the libFuzzer targets in FUZZ_DIR (every fuzz_* there, or the TARGETs
# named) one after the other for SECONDS each, each seeded with inputs of its
# kind, and prints execs and crashes per target; exits 1 when any crashed.
#   importers (fuzz_folded, ...)  the text, gzip and JSON fixtures under tests/data
#   fuzz_elf                      the workload binaries built in FUZZ_DIR/workloads
#   fuzz_unwind                   a sample header (registers, a stack of code
#                                 addresses) before each of those binaries
#   fuzz_diff                     pairs of the fixtures, length-prefixed
#   fuzz_procmaps, fuzz_perfmap, fuzz_ksyms, fuzz_perf_ring
#                                 tests/data/fuzz-seeds/<target>/, and this
#                                 machine's own /proc/*/maps for fuzz_procmaps
# Every target also gets tests/data/fuzz-seeds/<target>/ and the inputs that
# once crashed it, tests/data/fuzz-regressions/<target>/. Crashing inputs are
# left in FUZZ_DIR/work/<target>/crashes/: copy each into
# tests/data/fuzz-regressions/<target>/ once fixed.
# usage: tools/fuzz.sh FUZZ_DIR SECONDS [TARGET...]
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
dir=$1
secs=${2:-60}
shift $(($# < 2 ? $# : 2))

# Little-endian binary fields for the seed headers.
le() { # le BYTES VALUE (no subshells: forks are slow)
	local i v=$2 s='' h
	for ((i = 0; i < $1; i++)); do
		printf -v h '\\x%02x' $((v & 255))
		s+=$h
		v=$((v >> 8))
	done
	printf %b "$s"
}

ELF_SEEDS="symfix symfix_cpp inline chain_nofp qsort_cb_nofp"

# fuzz_unwind: sel, nregs, stack_len, ip_off, 20 registers (x86_64's perf
# mask; BP points into the stack), then a stack whose every word is a code
# address of the module (tag 0xf1f1, see tests/fuzz/fuzz_unwind.c).
unwind_seed() { # unwind_seed SEL IP_OFF ELF STACK
	local i
	le 1 "$1"
	le 1 0
	le 2 1024
	le 4 "$2"
	for ((i = 0; i < 20; i++)); do
		if [ $i = 6 ]; then le 8 $((0xf5f5 << 48 | 0x100)); else le 8 0; fi
	done
	cat "$4" "$3"
}

# fuzz_diff: sel, the length of BEFORE, BEFORE, AFTER.
diff_seed() { # diff_seed SEL BEFORE AFTER
	le 1 "$1"
	le 4 "$(stat -c %s "$2")"
	cat "$2" "$3"
}

seed() { # seed TARGET DIR
	local name=$1 seeds=$2 f i prev
	case $name in
	fuzz_elf)
		for f in $ELF_SEEDS; do
			[ -f "$dir/workloads/$f" ] && cp "$dir/workloads/$f" "$seeds/"
		done
		;;
	fuzz_unwind)
		# Code addresses inside the workloads' small .text (0x1000-0x1380).
		for ((i = 0; i < 128; i++)); do
			le 8 $((0xf1f1 << 48 | (0x1000 + i * 0x53 % 0x380)))
		done >"$seeds.stack"
		i=0
		for f in $ELF_SEEDS; do
			[ -f "$dir/workloads/$f" ] || continue
			for sel in 0 1 2 4 128; do
				unwind_seed $sel $((0x180 + i * 0x37 % 0x200)) "$dir/workloads/$f" \
					"$seeds.stack" >"$seeds/$f-$sel"
				i=$((i + 1))
			done
		done
		# No module of its own: libc alone.
		unwind_seed 4 $((0x12345)) /dev/null "$seeds.stack" >"$seeds/libc-only"
		rm -f "$seeds.stack"
		;;
	fuzz_diff)
		prev=tests/data/pprof/cpu.pb.gz
		i=0
		for f in tests/data/bpftrace/*.expected.folded tests/data/speedscope/*.json \
			tests/data/pprof/cpu.pb.gz tests/data/bpftrace/ustack_kstack.txt \
			tests/data/flamegraph-corpus/results/perf-funcab-*-collapsed-all.txt \
			tests/data/flamegraph-corpus/perf-funcab-pid-01.txt; do
			diff_seed $((i % 32)) "$prev" "$f" >"$seeds/pair-$i"
			prev=$f
			i=$((i + 1))
		done
		;;
	fuzz_procmaps | fuzz_perfmap | fuzz_ksyms | fuzz_perf_ring)
		if [ "$name" = fuzz_procmaps ]; then
			cat /proc/self/maps >"$seeds/self.maps"
			cat /proc/1/maps >"$seeds/init.maps" 2>/dev/null
		fi
		;;
	*)
		# Importers: every text, gzip and JSON fixture, FlameGraph's captures
		# and results among them.
		find tests/data -path tests/data/fuzz-seeds -prune -o \
			-path tests/data/fuzz-regressions -prune -o -type f \
			\( -name '*.txt' -o -name '*.folded' -o -name '*.gz' -o -name '*.perf' \
			-o -name '*.json' -o -name '*.cpuprofile' \) -size -2M \
			-exec cp -t "$seeds" {} + 2>/dev/null
		;;
	esac
	for f in tests/data/fuzz-seeds/"$name" tests/data/fuzz-regressions/"$name"; do
		[ -d "$f" ] && cp -r "$f"/. "$seeds/"
	done
}

if [ $# -gt 0 ]; then
	targets=()
	for t in "$@"; do targets+=("$dir/$t"); done
else
	targets=("$dir"/fuzz_*)
fi

status=0
start=$SECONDS
printf '%-22s %10s %8s %s\n' target execs crashes result
for t in "${targets[@]}"; do
	name=$(basename "$t")
	if [ ! -x "$t" ]; then
		printf '%-22s %10s %8s %s\n' "$name" - - "FAIL (not built)"
		status=1
		continue
	fi
	work="$dir/work/$name"
	seeds="$work/seeds"
	rm -rf "$work/crashes" "$seeds"
	mkdir -p "$seeds" "$work/crashes" "$work/corpus"
	seed "$name" "$seeds"
	# Inputs may be as long as the longest seed (ELF files), and at least 64 KiB.
	max_len=$(find "$seeds" -type f -printf '%s\n' | sort -n | tail -1)
	[ "${max_len:-0}" -gt 65536 ] || max_len=65536
	log="$work/log"
	"$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -max_len="$max_len" \
		-print_final_stats=1 -artifact_prefix="$work/crashes/" "$work/corpus" "$seeds" \
		</dev/null >"$log" 2>&1
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
echo "fuzz: ${#targets[@]} targets, $((SECONDS - start)) s"
exit $status
