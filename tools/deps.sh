#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs what resq-flame's build and tests use, by Debian package name, in
# two groups. Idempotent: a package that is already installed is not
# touched, and nothing is removed except what libunwind-dev replaces (below).
# Must run as root on Debian 12 (it prints the apt-get command otherwise).
#
#   tools/deps.sh          both groups (what `make deps` and `make test` run)
#   tools/deps.sh build    only what `make` needs
#   tools/deps.sh test     only what the tests need on top of the build
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
group=${1:-all}
case $group in
all | build | test) ;;
*)
	echo "usage: tools/deps.sh [all|build|test]" >&2
	exit 2
	;;
esac

# build: the compiler, and the libraries and generators resq-flame is made of.
build_pkgs=(
	build-essential pkg-config
	zlib1g-dev libdw-dev libelf-dev libiberty-dev
	clang libbpf-dev bpftool
	libprotobuf-c-dev protobuf-c-compiler
)
# record --unwinder libunwind. libunwind-dev Conflicts with LLVM's
# libunwind-14-dev, which libc++-dev pulls in, so installing it removes
# libc++-dev, libc++abi-dev and libunwind-14-dev: nothing here uses libc++
# (the C++ workloads build with clang++ against libstdc++). NO_LIBUNWIND=1
# (also from `make test NO_LIBUNWIND=1`) keeps them and builds with libdw only.
if [ "${NO_LIBUNWIND:-0}" != 1 ]; then
	build_pkgs+=(libunwind-dev)
fi

# test: the Criterion runner; xmllint (well-formed SVG); Go (`go tool pprof`
# reads our pprof output); Chromium and Node (the SVG's script runs in a real
# browser; the speedscope and .cpuprofile outputs are checked against those
# projects' own schemas); groff, bash and zsh (the man page renders cleanly,
# the completions complete); valgrind (`make valgrind`).
test_pkgs=(
	libcriterion-dev
	libxml2-utils
	golang-go
	chromium
	groff-base bash-completion zsh
	valgrind
)
# The image ships Node 20 with its own npm (nodesource), which conflicts with
# Debian's npm package: only a machine without node gets Debian's pair.
command -v node >/dev/null 2>&1 || test_pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || test_pkgs+=(npm)

pkgs=()
case $group in
all) pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
build) pkgs=("${build_pkgs[@]}") ;;
test) pkgs=("${test_pkgs[@]}") ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
		echo "deps.sh: run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "deps.sh: installing ($group): ${missing[*]}"
	if [[ " ${missing[*]} " == *" libunwind-dev "* ]] &&
		dpkg-query -W -f='${Status}' libunwind-14-dev 2>/dev/null | grep -q 'install ok installed'; then
		echo "deps.sh: libunwind-dev replaces LLVM's libunwind-14-dev: libc++-dev and" \
			"libc++abi-dev are removed with it (NO_LIBUNWIND=1 avoids this)"
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$group" = build ] && exit 0

# npm packages of the tests, each from its package-lock.json: playwright-core
# drives the system Chromium (it never downloads a browser); ajv, speedscope
# (its file-format schema) and devtools-protocol (the .cpuprofile types)
# check the JSON outputs in tests/formats.
npm_ci() {
	local dir=$1
	shift
	local need=0 m
	for m in "$@"; do
		[ -d "$here/$dir/node_modules/$m" ] || need=1
	done
	if [ "$need" = 1 ]; then
		echo "deps.sh: installing npm packages for $dir ($*)"
		(cd "$here/$dir" && npm ci --no-audit --no-fund --loglevel=error)
	fi
}
npm_ci tests/browser playwright-core
npm_ci tests/formats ajv speedscope devtools-protocol
