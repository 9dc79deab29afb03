// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: format detection, gzip and whichever parser it picks. */
#include "fuzz_common.h"

int fuzz_detect(const uint8_t *data, size_t size)
{
	return fuzz_import(PROFILE_FMT_UNKNOWN, data, size);
}

FUZZ_MAIN(fuzz_detect)
