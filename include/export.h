/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Exporters: write a profile in a standard format other than SVG.
 */
#ifndef RESQ_EXPORT_H
#define RESQ_EXPORT_H

#include <stdio.h>

#include "profile.h"

/*
 * Folded stacks: one line per unique stack, root first, frames joined by ';',
 * a space and the weight, lines sorted bytewise. A differential profile
 * writes "stack before after" (difffolded.pl's format).
 * Returns 0, or -EIO on a write error.
 */
int export__folded(const struct profile *p, FILE *out);

/*
 * speedscope file-format JSON: one "sampled" profile named @name (NULL:
 * "resq-flame"), one sample per stack, the unit from the count name. Frames
 * named "FUNCTION (FILE:LINE:COL)" with frame.file set are written with
 * their name, file, line and col. Returns 0, or -EIO on a write error.
 */
int export__speedscope(const struct profile *p, const char *name, FILE *out);

/*
 * V8 .cpuprofile JSON (nodes, samples, timeDeltas), as node --cpu-prof
 * writes it. With a time count name (ns, us, ms, s) each stack is one
 * sample lasting its weight; otherwise each stack is repeated as many times
 * as its weight, 1 ms apart (scaled, with a warning, past 2 million samples
 * or for fractional weights). Returns 0, or -EIO on a write error.
 */
int export__cpuprofile(const struct profile *p, FILE *out);

/*
 * pprof: a gzipped protobuf (raw without zlib) with functions, locations
 * (inlined frames folded into their physical frame's Line list), mappings
 * and one sample type named after the count name, plus "<countname>_before"
 * for a differential profile. Weights are rounded to integers. Returns 0,
 * -EIO on a write error, or -EOPNOTSUPP (after a message) when built
 * without libprotobuf-c.
 */
int export__pprof(const struct profile *p, FILE *out);

#endif
