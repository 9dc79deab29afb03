#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Formats the C sources with clang-format (kernel style, .clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
exec clang-format -i include/*.h src/*/*.[ch] tests/*.c tests/helpers/*.[ch] "$@"
