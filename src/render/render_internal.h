/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the SVG flame graph shared by its files: the layout
 * (fg_layout.c), colours and the palette file (fg_color.c), the SVG
 * writer with its escaping (svg.c) and the interactive script
 * (fg_script.c). flamegraph.c wires them together.
 */
#ifndef RESQ_RENDER_INTERNAL_H
#define RESQ_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "profile.h"
#include "strbuf.h"

/* ---- layout ---- */

/*
 * One drawn frame. Positions and widths are in weight units (unscaled).
 * Kept small: a deep profile draws millions of them.
 */
struct fg_frame {
	uint32_t node;	/* profile node; PROFILE_ROOT is the "all" frame */
	uint32_t depth; /* 0 = the "all" frame */
	double x;	/* start: sum of the weights left of it */
	double w;	/* inclusive weight, PROFILE_COL_MAIN */
};

/* What went from under a frame with narrow or (diff) gone children. */
struct fg_merged {
	size_t frame;	   /* index in fg_layout.frames */
	uint32_t hidden_n; /* frames under it merged away as too narrow */
	uint32_t gone_n;   /* diff: frames under it with no weight after */
	double hidden_w;   /* weight of the direct children merged away */
	double gone_w;	   /* diff: before-weight of the gone direct children */
};

struct fg_layout {
	struct fg_frame *frames; /* preorder: a parent precedes its children */
	size_t n;
	double *before;		  /* diff only: per frame, inclusive PROFILE_COL_BEFORE weight */
	struct fg_merged *merged; /* in frame order, only frames that lost children */
	size_t nmerged;
	uint32_t max_depth; /* deepest drawn frame */
	double total;	    /* root's inclusive weight, PROFILE_COL_MAIN */
	double total_before;
	uint32_t hidden_n; /* frames merged away in the whole graph */
	double hidden_w;   /* their weight (outermost merged frames only) */
	uint32_t gone_n;
	bool diff;
};

/*
 * Lays out @p: every node whose inclusive weight is at least @min_w (and
 * non-zero) is drawn; narrower nodes are merged away with their subtrees
 * and counted in their parent. Children are in profile_index order (by
 * name, or insertion order in chart mode). Returns 0 or -ENODATA when
 * the profile has no weight; @l is valid (release it) in both cases.
 */
int fg_layout__build(struct fg_layout *l, const struct profile *p, double min_w);
void fg_layout__release(struct fg_layout *l);

/* ---- colours ---- */

struct fg_rgb {
	uint8_t r, g, b;
};

enum fg_palette {
	FG_PAL_HOT = 0,
	FG_PAL_MEM,
	FG_PAL_IO,
	FG_PAL_WAKEUP,
	FG_PAL_CHAIN,
	FG_PAL_JAVA,
	FG_PAL_JS,
	FG_PAL_PERL,
	FG_PAL_RED,
	FG_PAL_GREEN,
	FG_PAL_BLUE,
	FG_PAL_AQUA,
	FG_PAL_YELLOW,
	FG_PAL_PURPLE,
	FG_PAL_ORANGE,
	FG_PAL_KIND,
};

/* Returns 0 and sets *@pal, or -EINVAL for an unknown name. NULL or "" is hot. */
int fg_palette__parse(const char *name, enum fg_palette *pal);

/* The colour of a frame: a stable function of palette, name bytes and kind. */
struct fg_rgb fg_color__frame(enum fg_palette pal, const char *name, size_t len,
			      enum frame_kind kind);

/*
 * The colour of a frame of a differential graph: red when it grew, blue
 * when it shrank (swapped by @negate), saturated by |delta| / @max_delta.
 */
struct fg_rgb fg_color__diff(double before, double after, double max_delta, bool negate);

/*
 * Background gradient for @spec (yellow, blue, green, grey, #rrggbb or
 * NULL for yellow): writes "#rrggbb" strings to @top and @bottom.
 * Returns 0 or -EINVAL.
 */
int fg_bgcolors__parse(const char *spec, char top[8], char bottom[8]);

/*
 * True when @s is a plain CSS colour (#hex, a keyword, or rgb()/hsl()
 * with numbers): safe to put into a style sheet or attribute unescaped.
 */
bool fg_color__css_ok(const char *s);

/*
 * A consistent palette file: "NAME->rgb(R,G,B)" per line. Names seen
 * before keep their colour; new names are added and the file is
 * rewritten (temporary file + rename) by fg_palfile__save().
 */
struct fg_palfile;

/* Returns a palette (empty when @path does not exist) or NULL with errno
 * set: EINVAL on a malformed line (logged with its line number). */
struct fg_palfile *fg_palfile__load(const char *path);
void fg_palfile__free(struct fg_palfile *pf);
/* Looks @name up; when absent stores @fallback for it. Returns the colour. */
struct fg_rgb fg_palfile__get(struct fg_palfile *pf, const char *name, size_t len,
			      struct fg_rgb fallback);
/* Writes the file back if names were added. Returns 0 or a negative errno. */
int fg_palfile__save(struct fg_palfile *pf);

/* ---- SVG writer ---- */

/* Buffered output to a FILE; the first write error sticks. */
struct svg {
	FILE *out;
	struct strbuf sb;
	int err;
};

void svg__init(struct svg *s, FILE *out);
/* Flushes and releases. Returns 0 or -EIO if any write failed. */
int svg__finish(struct svg *s);
/* Writes the buffer out once it holds enough. */
void svg__maybe_flush(struct svg *s);
void svg__raw(struct svg *s, const char *str);
void svg__printf(struct svg *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends @len bytes as XML character data / attribute value: escaped,
 * invalid UTF-8 and XML-forbidden characters replaced by U+FFFD. */
void svg__text(struct svg *s, const char *str, size_t len);
/* Appends a coordinate rounded to one decimal, without a trailing ".0". */
void svg__coord(struct svg *s, double v);
/* Appends a count with thousands separators ("1,234,567", "12.5"). */
void svg__count(struct svg *s, double v);

/* Appends to @sb like svg__text(). */
void svg__add_text(struct strbuf *sb, const char *str, size_t len);
/* Appends a count like svg__count(). */
void svg__add_count(struct strbuf *sb, double v);

/*
 * The label that fits in @chars characters: @len bytes when they fit,
 * else truncated with ".." (on the left unless @right), or empty when
 * fewer than 3 characters fit. Counts UTF-8 code points; never splits
 * one. Sets *@off and *@n to the kept byte range; returns whether ".."
 * is to be written (before the range when !@right, after it otherwise).
 */
bool fg_label__fit(const char *name, size_t len, long chars, bool right, size_t *off, size_t *n);

/* ---- the interactive script ---- */

/* The JavaScript embedded in every flame graph (no "]]>" inside). */
extern const char fg_script[];

#endif
