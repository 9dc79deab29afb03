// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the perf script importer (and the outputs after it). */
#include "fuzz_common.h"

int fuzz_perf_script(const uint8_t *data, size_t size)
{
	return fuzz_import(PROFILE_FMT_PERF_SCRIPT, data, size);
}

FUZZ_MAIN(fuzz_perf_script)
