#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Checks STYLE.md §1.1: a stage includes headers of its own stage and of the
# stages to its left, never to its right. Data flows
#   capture -> unwind -> symbolize -> aggregate -> render / export -> tui
#   fetch -> import -> aggregate
# Sources (capture..symbolize, import) may include profile.h, the sink they
# add stacks to. util is below everything; cli wires everything together.
set -euo pipefail
cd "$(dirname "$0")/.."

# Stage that owns each project header in include/.
stage_of() {
	case "$1" in
	log.h | xalloc.h | strbuf.h | vec.h | hashmap.h | outfile.h | debuginfo.h) echo util ;;
	sample.h) echo sample ;;
	sampler.h | offcpu.h | procmaps.h) echo capture ;;
	unwinder.h) echo unwind ;;
	symtab.h | demangle.h) echo symbolize ;;
	profile.h) echo aggregate ;;
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
	render) echo "util sample aggregate render" ;;
	tui) echo "util sample capture unwind symbolize aggregate render import tui" ;;
	cli) echo "util sample capture unwind symbolize aggregate render import fetch tui" ;;
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
for h in include/*.h; do
	[ "$(stage_of "$(basename "$h")")" != unknown ] || { echo "$h: no stage in tools/check-layering.sh" >&2; bad=1; }
done
[ "$bad" = 0 ] && echo "layering: ok"
exit "$bad"
