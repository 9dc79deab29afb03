// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the pprof importer (wire checks, protobuf-c, the model)
 * and the outputs, the pprof exporter included. The first byte picks chart
 * mode and the SVG options, as in fuzz_common.h.
 */
#include "fuzz_common.h"

int fuzz_pprof(const uint8_t *data, size_t size)
{
	struct import_opts o = {.format = PROFILE_FMT_PPROF};
	struct profile *p = profile__new();
	FILE *null = fopen("/dev/null", "w");
	uint8_t sel = size ? data[0] : 0;

	log__set_level(LOG_SILENT);
	if (sel & 64)
		o.sample_type = "samples";
	profile__set_chart_mode(p, sel & 128);
	if (!import__buffer(p, "fuzz", (const char *)data, size, &o) && null) {
		struct fg_opts fg = {.inverted = sel & 1, .colors = (sel & 2) ? "kind" : NULL};

		export__folded(p, null);
		export__pprof(p, null);
		flamegraph__write(p, &fg, null);
	}
	if (null)
		fclose(null);
	profile__free(p);
	return 0;
}

FUZZ_MAIN(fuzz_pprof)
