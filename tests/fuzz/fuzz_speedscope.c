// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the speedscope importer (and every output after it). */
#include "fuzz_json_profile.h"

int fuzz_speedscope(const uint8_t *data, size_t size)
{
	return fuzz_json_profile(PROFILE_FMT_SPEEDSCOPE, data, size);
}

FUZZ_MAIN(fuzz_speedscope)
