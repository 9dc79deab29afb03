// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the bpftrace importer (map output and collapsed lines) and the outputs. */
#include "fuzz_common.h"

int fuzz_bpftrace(const uint8_t *data, size_t size)
{
	return fuzz_import(PROFILE_FMT_BPFTRACE, data, size);
}

FUZZ_MAIN(fuzz_bpftrace)
