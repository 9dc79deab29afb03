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

#endif
