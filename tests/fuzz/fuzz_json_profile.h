/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared body of the JSON-format fuzzers: import as one format (options by
 * the first byte), then write every output, JSON ones included.
 */
#ifndef RESQ_FUZZ_JSON_PROFILE_H
#define RESQ_FUZZ_JSON_PROFILE_H

#include "fuzz_common.h"

static inline int fuzz_json_profile(enum profile_format fmt, const uint8_t *data, size_t size)
{
	struct import_opts o = {.format = fmt};
	struct profile *p = profile__new();
	FILE *null = fopen("/dev/null", "w");
	uint8_t sel = size ? data[0] : 0;

	log__set_level(LOG_SILENT);
	o.time_weights = sel & 1;
	profile__set_chart_mode(p, sel & 128);
	if (!import__buffer(p, "fuzz", (const char *)data, size, &o) && null) {
		struct fg_opts fg = {.inverted = sel & 2};

		export__folded(p, null);
		export__speedscope(p, NULL, null);
		export__cpuprofile(p, null);
		flamegraph__write(p, &fg, null);
	}
	if (null)
		fclose(null);
	profile__free(p);
	return 0;
}

#endif
