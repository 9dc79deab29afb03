// SPDX-License-Identifier: Apache-2.0
/*
 * The one warning about the lines a text importer skipped.
 */
#include "bad_lines.h"

#include "log.h"

void bad_lines__report(const struct bad_lines *bl, const char *name)
{
	if (!bl->count)
		return;
	pr_warn("ignored %zu line%s with invalid format in %s, first at line %zu", bl->count,
		bl->count == 1 ? "" : "s", name, bl->first);
}
