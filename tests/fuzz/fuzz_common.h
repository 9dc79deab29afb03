/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared body of the import fuzzers: parse the input as one format with
 * option sets chosen by the first byte, then render the result as folded
 * text and SVG so that the outputs see whatever the parser produced.
 */
#ifndef RESQ_FUZZ_COMMON_H
#define RESQ_FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "export.h"
#include "flamegraph.h"
#include "fuzz_targets.h"
#include "import.h"
#include "log.h"
#include "profile.h"

/*
 * The body every import fuzzer shares: @set picks import options from
 * @sel (the input's first byte), and @write writes the imported profile
 * to /dev/null.
 */
static inline int fuzz_run(enum profile_format fmt, const uint8_t *data, size_t size,
			   void (*set)(struct import_opts *o, uint8_t sel),
			   void (*write)(const struct profile *p, uint8_t sel, FILE *out))
{
	struct import_opts o = {.format = fmt};
	struct profile *p = profile__new();
	FILE *null = fopen("/dev/null", "w");
	uint8_t sel = size ? data[0] : 0;

	log__set_level(LOG_SILENT);
	set(&o, sel);
	profile__set_chart_mode(p, sel & 128);
	if (!import__buffer(p, "fuzz", (const char *)data, size, &o) && null)
		write(p, sel, null);
	if (null)
		fclose(null);
	profile__free(p);
	return 0;
}

static inline void fuzz_import_set(struct import_opts *o, uint8_t sel)
{
	o->pid = sel & 1;
	o->tid = sel & 2;
	o->kernel = sel & 4;
	o->jit = sel & 8;
	o->addrs = sel & 16;
	o->no_demangle = sel & 32;
	o->no_inline = sel & 64;
}

static inline void fuzz_import_write(const struct profile *p, uint8_t sel, FILE *out)
{
	struct fg_opts fg = {.inverted = sel & 1, .colors = (sel & 2) ? "kind" : NULL};

	export__folded(p, out);
	flamegraph__write(p, &fg, out);
}

static inline int fuzz_import(enum profile_format fmt, const uint8_t *data, size_t size)
{
	return fuzz_run(fmt, data, size, fuzz_import_set, fuzz_import_write);
}

#endif
