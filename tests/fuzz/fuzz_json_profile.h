/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared body of the JSON-format fuzzers: import as one format (options by
 * the first byte), then write every output, JSON ones included.
 */
#ifndef RESQ_FUZZ_JSON_PROFILE_H
#define RESQ_FUZZ_JSON_PROFILE_H

#include "fuzz_common.h"

static inline void fuzz_json_set(struct import_opts *o, uint8_t sel)
{
	o->time_weights = sel & 1;
}

static inline void fuzz_json_write(const struct profile *p, uint8_t sel, FILE *out)
{
	struct fg_opts fg = {.inverted = sel & 2};

	export__folded(p, out);
	export__speedscope(p, NULL, out);
	export__cpuprofile(p, out);
	flamegraph__write(p, &fg, out);
}

static inline int fuzz_json_profile(enum profile_format fmt, const uint8_t *data, size_t size)
{
	return fuzz_run(fmt, data, size, fuzz_json_set, fuzz_json_write);
}

#endif
