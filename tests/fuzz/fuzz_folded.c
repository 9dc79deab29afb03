// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the folded-stack importer (and the outputs after it). */
#include "fuzz_common.h"

int fuzz_folded(const uint8_t *data, size_t size)
{
	return fuzz_import(PROFILE_FMT_FOLDED, data, size);
}

FUZZ_MAIN(fuzz_folded)
