/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The interactive SVG flame graph. Options keep the names of flamegraph.pl
 * and inferno-flamegraph; an all-zero struct fg_opts means their defaults.
 */
#ifndef RESQ_FLAMEGRAPH_H
#define RESQ_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdio.h>

#include "profile.h"

struct fg_opts {
	const char *title;      /* default "Flame Graph" ("Icicle Graph" inverted, "Flame Chart") */
	const char *subtitle;   /* default none */
	const char *notes;      /* embedded in the SVG as a comment-safe <desc> */
	const char *countname;  /* default profile__countname() */
	const char *nametype;   /* default "Function:" */
	const char *fonttype;   /* default "Verdana" */
	double fontsize;        /* default 12 */
	double fontwidth;       /* default 0.59 */
	double width;           /* image width in px, default 1200 */
	double height;          /* frame height in px, default 16 */
	double minwidth;        /* default 0.1 px; see minwidth_percent */
	bool minwidth_percent;  /* minwidth is a percentage of the total */
	const char *colors;     /* palette: hot (default), mem, io, wakeup, chain, java,
				   js, perl, red, green, blue, aqua, yellow, purple,
				   orange, kind */
	const char *bgcolors;   /* yellow (default), blue, green, grey, or #rrggbb */
	const char *palfile;    /* consistent palette file, read and updated */
	const char *search_color; /* default "rgb(230,0,230)" */
	const char *stroke_color; /* default none */
	const char *uicolor;      /* default "#000000" */
	bool hash;              /* accepted: colours are always keyed by name hash */
	bool inverted;          /* icicle graph: roots at the top */
	bool flamechart;        /* children in insertion (time) order */
	bool negate;            /* differential: swap red and blue */
	bool truncate_text_right; /* cut long names on the right instead of the left */
	double factor;          /* multiply weights, default 1 */
};

/*
 * Writes the SVG of @p to @out. Returns 0; -ENODATA when @p has no samples
 * (a small SVG saying so is still written); -EINVAL, with nothing written,
 * for an unknown palette or background, a bad colour string, a negative
 * factor, a too small width or a malformed palette file; -EIO on a write
 * error; or an errno from reading or updating the palette file.
 */
int flamegraph__write(const struct profile *p, const struct fg_opts *o, FILE *out);

/* Returns true when @name is a palette flamegraph__write() knows. */
bool flamegraph__palette_known(const char *name);

#endif
