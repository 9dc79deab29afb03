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
 * writes "stack before after" (difffolded.pl's format). Weights are plain
 * digits, never an exponent: an integer profile's exactly, a fractional
 * one's with the fewest digits that read back the same (profile.h).
 * Control characters in names (C0 but tab, DEL, C1) are written as \xNN,
 * which the folded importer reads back as text. Memory stays linear in the
 * profile however deep its stacks (the text does not). Returns 0, or -EIO
 * on a write error.
 */
int export__folded(const struct profile *p, FILE *out);

/*
 * speedscope file-format JSON: one "sampled" profile named @name (NULL:
 * "resq-flame"), one sample per stack, the unit from the count name. Frames
 * named "FUNCTION (FILE:LINE:COL)" with frame.file set are written with
 * their name, file, line and col. Weights are exact (as in folded output);
 * strings are valid UTF-8, invalid bytes written as U+FFFD. Returns 0, or
 * -EIO on a write error.
 */
int export__speedscope(const struct profile *p, const char *name, FILE *out);

/*
 * V8 .cpuprofile JSON (nodes, samples, timeDeltas), as node --cpu-prof
 * writes it. With a time count name (ns, us, ms, s) each stack is one
 * sample lasting its weight, in whole microseconds exactly when the
 * profile's weights are integers of us, ms or s; otherwise each stack is
 * repeated as many times as its weight, 1 ms apart (scaled, with a warning,
 * past 2 million samples or for fractional weights). Strings are valid
 * UTF-8 (U+FFFD for invalid bytes). Returns 0, -EIO on a write error, or
 * -EOVERFLOW (after a message, nothing written) when the time in us does
 * not fit in 64 bits.
 */
int export__cpuprofile(const struct profile *p, FILE *out);

/*
 * pprof: a gzipped protobuf (raw without zlib) with functions, locations
 * (inlined frames folded into their physical frame's Line list), mappings
 * and one sample type named after the count name, plus "<countname>_before"
 * for a differential profile. An integer profile's weights are written
 * exactly, a fractional one's rounded to integers; strings are valid UTF-8
 * (U+FFFD for invalid bytes). Samples are written as they are made, so
 * memory stays linear in the profile. Returns 0, -EIO on a write error, or
 * -EOPNOTSUPP (after a message) when built without libprotobuf-c.
 */
int export__pprof(const struct profile *p, FILE *out);

#endif
