#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks STYLE.md §1.1: a stage includes headers of its own stage and of the
# stages to its left, never to its right. Data flows
#   capture -> unwind -> symbolize -> aggregate -> render / export -> tui
#   fetch -> import -> aggregate
# Sources (capture..symbolize, import) may include profile.h, the sink they
# add stacks to. pipeline (the capture object) drives capture..symbolize
# into a profile, for cli and tui. util is below everything. cli parses
# options, writes outputs and reports: it reaches capture only through
# pipeline, and defines no pipeline logic (checked below).
set -euo pipefail
cd "$(dirname "$0")/.."

# Stage that owns each project header in include/.
stage_of() {
	case "$1" in
	log.h | xalloc.h | strbuf.h | vec.h | hashmap.h | outfile.h | demangle.h | debuginfo.h) echo util ;;
	sample.h) echo sample ;;
	sampler.h | offcpu.h | procmaps.h | targets.h) echo capture ;;
	unwinder.h) echo unwind ;;
	symtab.h | stackagg.h) echo symbolize ;;
	profile.h) echo aggregate ;;
	capture.h) echo pipeline ;;
	fetch.h | http.h) echo fetch ;;
	import.h) echo import ;;
	flamegraph.h | export.h) echo render ;;
	tui.h) echo tui ;;
	*) echo unknown ;;
	esac
}

# Stages each stage may include.
allowed() {
	case "$1" in
	util) echo "util" ;;
	capture) echo "util sample capture aggregate" ;;
	unwind) echo "util sample capture unwind aggregate" ;;
	symbolize) echo "util sample capture unwind symbolize aggregate" ;;
	fetch) echo "util fetch" ;;
	import) echo "util sample fetch import aggregate" ;;
	aggregate) echo "util sample aggregate" ;;
	pipeline) echo "util sample capture unwind symbolize aggregate pipeline" ;;
	render) echo "util sample aggregate render" ;;
	tui) echo "util sample aggregate pipeline render import tui" ;;
	cli) echo "util sample aggregate pipeline render import fetch tui" ;;
	*) echo "" ;;
	esac
}

bad=0
for f in src/*/*.c src/*/*.h src/*/*/*.c src/*/*/*.h; do
	[ -e "$f" ] || continue
	stage=$(echo "$f" | cut -d/ -f2)
	ok=" $(allowed "$stage") "
	while IFS= read -r hdr; do
		# Headers private to a stage live beside its sources.
		[ -e "$(dirname "$f")/$hdr" ] && continue
		case "$hdr" in ../*) echo "$f: includes $hdr across directories" >&2; bad=1; continue ;; esac
		[ -e "include/$hdr" ] || continue # generated headers (skeletons) live in build/
		hs=$(stage_of "$hdr")
		if [ "$hs" = unknown ]; then
			echo "$f: include/$hdr has no stage in tools/check-layering.sh" >&2
			bad=1
		elif [[ "$ok" != *" $hs "* ]]; then
			echo "$f: stage '$stage' must not include $hdr (stage '$hs', to its right)" >&2
			bad=1
		fi
	done < <(sed -n 's/^#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
done
# cli: no ring buffers, unwinders, symbol tables or aggregation, whatever it
# includes: no calls into the modules that do them.
pipeline_calls='\<(sampler|sampler_record|perf_ring|offcpu|procmaps|targets|child|unwinder|addr_stack|symtab|stackagg|elfmod|ksyms|perfmaps)__[a-z_]+[[:space:]]*\('
if grep -nE "$pipeline_calls" src/cli/*.c src/cli/*.h >&2; then
	echo "src/cli: the calls above are pipeline logic; it belongs in src/pipeline (capture.h)" >&2
	bad=1
fi
for h in include/*.h; do
	[ "$(stage_of "$(basename "$h")")" != unknown ] || { echo "$h: no stage in tools/check-layering.sh" >&2; bad=1; }
done
[ "$bad" = 0 ] && echo "layering: ok"
exit "$bad"
