#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Usage: tools/install.sh install|uninstall BUILD
#
# What `make install` and `make uninstall` do (the install tests run it
# too), with what the build made in BUILD:
#   BUILD/resq-flame               -> BINDIR/resq-flame, stripped
#   BUILD/resq-flame.1             -> MANDIR/man1/resq-flame.1
#   BUILD/completion/resq-flame    -> BASHCOMPDIR/resq-flame
#   BUILD/completion/_resq-flame   -> ZSHCOMPDIR/_resq-flame
# Every path is below DESTDIR. Environment (the Makefile passes its
# variables of the same names):
#   DESTDIR      staging directory (default: none)
#   PREFIX       default /usr/local
#   BINDIR       default PREFIX/bin
#   MANDIR       default PREFIX/share/man
#   BASHCOMPDIR  default PREFIX/share/bash-completion/completions
#   ZSHCOMPDIR   default PREFIX/share/zsh/vendor-completions
#   STRIP        the strip command (default strip); set but empty: the binary
#                is installed as built, with its debug info
#   SPLIT_DEBUG  1: before stripping, copy the debug info to
#                DEBUGDIR/BINDIR/resq-flame.debug and point the binary at it
#                (.gnu_debuglink), where gdb looks for it
#   DEBUGDIR     default PREFIX/lib/debug
#   OBJCOPY      default objcopy (SPLIT_DEBUG=1 only)
set -euo pipefail

usage() {
	echo "usage: tools/install.sh install|uninstall BUILD" >&2
	exit 2
}
[[ $# -eq 2 ]] || usage
action=$1
build=$2

destdir=${DESTDIR:-}
prefix=${PREFIX:-/usr/local}
bindir=${BINDIR:-$prefix/bin}
mandir=${MANDIR:-$prefix/share/man}
bashcompdir=${BASHCOMPDIR:-$prefix/share/bash-completion/completions}
zshcompdir=${ZSHCOMPDIR:-$prefix/share/zsh/vendor-completions}
debugdir=${DEBUGDIR:-$prefix/lib/debug}
strip=${STRIP-strip}
objcopy=${OBJCOPY:-objcopy}
split_debug=${SPLIT_DEBUG:-0}

bin=$destdir$bindir/resq-flame
debug=$destdir$debugdir$bindir/resq-flame.debug
# Source and destination of every file but the binary.
files=(
	"$build/resq-flame.1" "$destdir$mandir/man1/resq-flame.1"
	"$build/completion/resq-flame" "$destdir$bashcompdir/resq-flame"
	"$build/completion/_resq-flame" "$destdir$zshcompdir/_resq-flame"
)

say() {
	printf '  %-8s %s\n' "$1" "$2"
}

do_install() {
	local i cmd ocmd

	for i in "$build/resq-flame" "${files[0]}" "${files[2]}" "${files[4]}"; do
		if [[ ! -f $i ]]; then
			echo "install.sh: $i is missing; run make (with the same BUILD) first" >&2
			exit 1
		fi
	done
	say INSTALL "$bin"
	install -D -m 0755 "$build/resq-flame" "$bin"
	if [[ -n $strip ]]; then
		read -ra cmd <<<"$strip"
		if [[ $split_debug == 1 ]]; then
			read -ra ocmd <<<"$objcopy"
			say DEBUG "$debug"
			mkdir -p "$(dirname "$debug")"
			"${ocmd[@]}" --only-keep-debug "$bin" "$debug"
			chmod 0644 "$debug"
		fi
		"${cmd[@]}" "$bin"
		if [[ $split_debug == 1 ]]; then
			"${ocmd[@]}" --add-gnu-debuglink="$debug" "$bin"
		fi
	fi
	for ((i = 0; i < ${#files[@]}; i += 2)); do
		say INSTALL "${files[i + 1]}"
		install -D -m 0644 "${files[i]}" "${files[i + 1]}"
	done
}

do_uninstall() {
	local i

	for i in "$bin" "$debug" "${files[1]}" "${files[3]}" "${files[5]}"; do
		if [[ -e $i || -L $i ]]; then
			say RM "$i"
			rm -f "$i"
		fi
	done
}

case $action in
install) do_install ;;
uninstall) do_uninstall ;;
*) usage ;;
esac
