#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every build and test dependency of resq-flame by Debian package
# name, plus the npm packages of the browser and format tests. Idempotent: a package
# that is already installed is not touched. Must run as root on Debian 12.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)

# Build: compiler toolchain, libraries found through pkg-config.
# Test: Criterion, Chromium for the SVG browser test, xmllint for XML checks,
# go (go tool pprof reads our pprof output), bpftrace (re-creating captures).
pkgs=(
	build-essential pkg-config clang
	zlib1g-dev libncurses-dev
	libdw-dev libelf-dev libbpf-dev bpftool
	libjson-c-dev libcurl4-openssl-dev libprotobuf-c-dev protobuf-c-compiler
	libiberty-dev
	libcriterion-dev
	libxml2-utils
	chromium
	golang-go bpftrace
)
# record --unwinder libunwind. libunwind-dev Conflicts with LLVM's
# libunwind-14-dev, which libc++-dev pulls in, so installing it removes
# libc++-dev, libc++abi-dev and libunwind-14-dev: nothing here uses libc++
# (the C++ workloads build with clang++ against libstdc++). NO_LIBUNWIND=1
# (also from `make test NO_LIBUNWIND=1`) keeps them and builds with libdw only.
if [ "${NO_LIBUNWIND:-0}" != 1 ]; then
	pkgs+=(libunwind-dev)
fi
# The image ships Node 20 with its own npm (nodesource), which conflicts with
# Debian's npm package: only a machine without node gets Debian's pair.
command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
command -v npm >/dev/null 2>&1 || pkgs+=(npm)

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
	echo "deps.sh: installing ${missing[*]}"
	if [[ " ${missing[*]} " == *" libunwind-dev "* ]] &&
		dpkg-query -W -f='${Status}' libunwind-14-dev 2>/dev/null | grep -q 'install ok installed'; then
		echo "deps.sh: libunwind-dev replaces LLVM's libunwind-14-dev: libc++-dev and" \
			"libc++abi-dev are removed with it (NO_LIBUNWIND=1 avoids this)"
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# playwright-core drives the system Chromium; it never downloads a browser.
if [ ! -d "$here/tests/browser/node_modules/playwright-core" ]; then
	echo "deps.sh: installing npm packages for tests/browser"
	(cd "$here/tests/browser" && npm ci --no-audit --no-fund --loglevel=error)
fi

# ajv, speedscope (its file-format schema) and devtools-protocol (the
# .cpuprofile types) check the JSON outputs in tests/formats.
if [ ! -d "$here/tests/formats/node_modules/ajv" ] ||
	[ ! -d "$here/tests/formats/node_modules/speedscope" ] ||
	[ ! -d "$here/tests/formats/node_modules/devtools-protocol" ]; then
	echo "deps.sh: installing npm packages for tests/formats"
	(cd "$here/tests/formats" && npm ci --no-audit --no-fund --loglevel=error)
fi
