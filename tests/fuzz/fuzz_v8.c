// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the V8 .cpuprofile importer (and every output after it). */
#include "fuzz_json_profile.h"

int fuzz_v8(const uint8_t *data, size_t size)
{
	return fuzz_json_profile(PROFILE_FMT_V8_CPUPROFILE, data, size);
}

FUZZ_MAIN(fuzz_v8)
