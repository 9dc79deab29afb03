// SPDX-License-Identifier: Apache-2.0
/*
 * Flame graph colours. A frame's colour is a pure function of the palette,
 * its name bytes and its kind: a fixed 64-bit FNV-1a hash of the name picks
 * a shade inside the palette's range, so a function keeps its colour from
 * run to run and machine to machine. Also: differential colours, the
 * background gradients, and the consistent palette file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "log.h"
#include "outfile.h"
#include "render_internal.h"
#include "xalloc.h"

static const struct {
	const char *name;
	enum fg_palette pal;
} palettes[] = {
	{"hot", FG_PAL_HOT},	   {"mem", FG_PAL_MEM},	      {"io", FG_PAL_IO},
	{"wakeup", FG_PAL_WAKEUP}, {"chain", FG_PAL_CHAIN},   {"java", FG_PAL_JAVA},
	{"js", FG_PAL_JS},	   {"perl", FG_PAL_PERL},     {"red", FG_PAL_RED},
	{"green", FG_PAL_GREEN},   {"blue", FG_PAL_BLUE},     {"aqua", FG_PAL_AQUA},
	{"yellow", FG_PAL_YELLOW}, {"purple", FG_PAL_PURPLE}, {"orange", FG_PAL_ORANGE},
	{"kind", FG_PAL_KIND},
};

int fg_palette__parse(const char *name, enum fg_palette *pal)
{
	size_t i;

	if (!name || !*name) {
		*pal = FG_PAL_HOT;
		return 0;
	}
	for (i = 0; i < sizeof(palettes) / sizeof(palettes[0]); i++) {
		if (!strcmp(name, palettes[i].name)) {
			*pal = palettes[i].pal;
			return 0;
		}
	}
	return -EINVAL;
}

/* Three shades in [0, 1) from independent bits of the name's hash. */
struct shade {
	double a, b, c;
};

static struct shade name_shade(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	struct shade sh;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	/* FNV's low bits mix poorly for short names: fold the high half in. */
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 32;
	sh.a = (double)((h >> 0) & 0xffff) / 65536.0;
	sh.b = (double)((h >> 16) & 0xffff) / 65536.0;
	sh.c = (double)((h >> 32) & 0xffff) / 65536.0;
	return sh;
}

static uint8_t ramp(int lo, int hi, double v)
{
	return (uint8_t)(lo + (int)((hi - lo) * v));
}

static struct fg_rgb mk(uint8_t r, uint8_t g, uint8_t b)
{
	return (struct fg_rgb){.r = r, .g = g, .b = b};
}

/* The basic hues every other palette is built from. */
enum hue {
	H_HOT,
	H_MEM,
	H_IO,
	H_RED,
	H_GREEN,
	H_BLUE,
	H_AQUA,
	H_YELLOW,
	H_PURPLE,
	H_ORANGE,
	H_GREY
};

static struct fg_rgb hue_color(enum hue hue, struct shade s)
{
	switch (hue) {
	case H_HOT: return mk(ramp(205, 255, s.a), ramp(35, 195, s.b), ramp(0, 55, s.c));
	case H_MEM: return mk(ramp(40, 100, s.a), ramp(170, 230, s.b), ramp(40, 90, s.c));
	case H_IO: return mk(ramp(70, 130, s.a), ramp(100, 160, s.a), ramp(200, 250, s.b));
	case H_RED: return mk(ramp(200, 255, s.a), ramp(50, 115, s.b), ramp(50, 115, s.b));
	case H_GREEN: return mk(ramp(50, 115, s.b), ramp(185, 245, s.a), ramp(50, 115, s.b));
	case H_BLUE: return mk(ramp(80, 140, s.b), ramp(80, 140, s.b), ramp(200, 255, s.a));
	case H_AQUA: return mk(ramp(50, 110, s.b), ramp(165, 220, s.a), ramp(165, 220, s.a));
	case H_YELLOW: return mk(ramp(175, 235, s.a), ramp(175, 235, s.a), ramp(50, 110, s.b));
	case H_PURPLE: return mk(ramp(185, 245, s.a), ramp(80, 140, s.b), ramp(185, 245, s.a));
	case H_ORANGE: return mk(ramp(195, 250, s.a), ramp(95, 155, s.a), ramp(0, 55, s.b));
	case H_GREY:
	default: return mk(ramp(170, 210, s.a), ramp(170, 210, s.a), ramp(170, 210, s.a));
	}
}

static bool has_suffix(const char *s, size_t len, const char *suf)
{
	size_t n = strlen(suf);

	return len >= n && !memcmp(s + len - n, suf, n);
}

static bool contains(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}

/* The kind, refined by the annotations stackcollapse adds to names. */
static enum frame_kind effective_kind(const char *s, size_t len, enum frame_kind kind)
{
	if (kind != FRAME_KIND_UNKNOWN && kind != FRAME_KIND_NATIVE)
		return kind;
	if (has_suffix(s, len, "_[k]"))
		return FRAME_KIND_KERNEL;
	if (has_suffix(s, len, "_[j]"))
		return FRAME_KIND_JIT;
	if (has_suffix(s, len, "_[i]"))
		return FRAME_KIND_INLINE;
	return kind;
}

static enum hue kind_hue(enum frame_kind kind)
{
	switch (kind) {
	case FRAME_KIND_NATIVE: return H_RED;
	case FRAME_KIND_KERNEL: return H_ORANGE;
	case FRAME_KIND_JIT: return H_GREEN;
	case FRAME_KIND_JS: return H_YELLOW;
	case FRAME_KIND_PYTHON: return H_BLUE;
	case FRAME_KIND_INLINE: return H_AQUA;
	case FRAME_KIND_ROOT: return H_GREY;
	case FRAME_KIND_OFFCPU: return H_IO;
	default: return H_PURPLE;
	}
}

static bool java_like(const char *s, size_t len)
{
	static const char *const pkgs[] = {"java/", "javax/", "jdk/",	"sun/",	   "com/",  "org/",
					   "net/",  "io/",    "Ljava/", "Ljavax/", "Ljdk/", "Lsun/",
					   "Lcom/", "Lorg/",  "Lnet/",	"Lio/"};
	size_t i;

	for (i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		size_t n = strlen(pkgs[i]);

		if (len >= n && !memcmp(s, pkgs[i], n))
			return true;
	}
	return false;
}

static enum hue pick_hue(enum fg_palette pal, const char *s, size_t len, enum frame_kind kind)
{
	enum frame_kind k = effective_kind(s, len, kind);

	/* Blocked time stands out in every palette of a wall-clock graph. */
	if (k == FRAME_KIND_OFFCPU)
		return pal == FG_PAL_IO ? H_PURPLE : H_IO;
	switch (pal) {
	case FG_PAL_HOT: return H_HOT;
	case FG_PAL_MEM: return H_MEM;
	case FG_PAL_IO: return H_IO;
	case FG_PAL_WAKEUP: return H_AQUA;
	case FG_PAL_CHAIN:
		if (has_suffix(s, len, "_[w]"))
			return H_AQUA;
		if (len == 2 && !memcmp(s, "--", 2))
			return H_GREY;
		return H_IO;
	case FG_PAL_JAVA:
		if (k == FRAME_KIND_KERNEL)
			return H_ORANGE;
		if (k == FRAME_KIND_INLINE)
			return H_AQUA;
		if (k == FRAME_KIND_JIT || java_like(s, len))
			return H_GREEN;
		if (contains(s, len, "::"))
			return H_YELLOW;
		return H_RED;
	case FG_PAL_JS:
		if (k == FRAME_KIND_KERNEL)
			return H_ORANGE;
		if (k == FRAME_KIND_INLINE)
			return H_AQUA;
		if (k == FRAME_KIND_JIT || k == FRAME_KIND_JS || contains(s, len, ".js") ||
		    memchr(s, '/', len))
			return H_GREEN;
		if (contains(s, len, "::"))
			return H_YELLOW;
		return H_RED;
	case FG_PAL_PERL:
		if (k == FRAME_KIND_KERNEL)
			return H_ORANGE;
		if (contains(s, len, "::"))
			return H_YELLOW;
		if (contains(s, len, "Perl") || contains(s, len, ".pl"))
			return H_GREEN;
		return H_RED;
	case FG_PAL_RED: return H_RED;
	case FG_PAL_GREEN: return H_GREEN;
	case FG_PAL_BLUE: return H_BLUE;
	case FG_PAL_AQUA: return H_AQUA;
	case FG_PAL_YELLOW: return H_YELLOW;
	case FG_PAL_PURPLE: return H_PURPLE;
	case FG_PAL_ORANGE: return H_ORANGE;
	case FG_PAL_KIND: return kind_hue(k);
	}
	return H_HOT;
}

struct fg_rgb fg_color__frame(enum fg_palette pal, const char *name, size_t len,
			      enum frame_kind kind)
{
	return hue_color(pick_hue(pal, name, len, kind), name_shade(name, len));
}

struct fg_rgb fg_color__diff(double before, double after, double max_delta, bool negate)
{
	double delta = after - before, s;
	uint8_t pale;
	bool red;

	if (delta == 0 || !(max_delta > 0))
		return mk(235, 235, 235);
	s = (delta < 0 ? -delta : delta) / max_delta;
	if (s > 1)
		s = 1;
	/* Even the smallest change is visibly tinted. */
	pale = (uint8_t)(220 - 190 * s);
	red = (delta > 0) != negate;
	return red ? mk(255, pale, pale) : mk(pale, pale, 255);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int fg_bgcolors__parse(const char *spec, char top[8], char bottom[8])
{
	static const struct {
		const char *name, *top, *bottom;
	} bgs[] = {
		{"yellow", "#eeeeee", "#eeeeb0"}, {"blue", "#eeeeee", "#e0e0ff"},
		{"green", "#eef2ee", "#e0ffe0"},  {"grey", "#f8f8f8", "#e8e8e8"},
		{"gray", "#f8f8f8", "#e8e8e8"},
	};
	size_t i, n;

	if (!spec || !*spec)
		spec = "yellow";
	for (i = 0; i < sizeof(bgs) / sizeof(bgs[0]); i++) {
		if (!strcmp(spec, bgs[i].name)) {
			memcpy(top, bgs[i].top, 8);
			memcpy(bottom, bgs[i].bottom, 8);
			return 0;
		}
	}
	n = strlen(spec);
	if (spec[0] != '#' || (n != 4 && n != 7))
		return -EINVAL;
	for (i = 1; i < n; i++)
		if (hexval(spec[i]) < 0)
			return -EINVAL;
	if (n == 7) {
		snprintf(top, 8, "#%.6s", spec + 1);
	} else {
		snprintf(top, 8, "#%c%c%c%c%c%c", spec[1], spec[1], spec[2], spec[2], spec[3],
			 spec[3]);
	}
	for (i = 1; i < 7; i++)
		top[i] = (char)(top[i] >= 'A' && top[i] <= 'F' ? top[i] - 'A' + 'a' : top[i]);
	memcpy(bottom, top, 8);
	return 0;
}

bool fg_color__css_ok(const char *s)
{
	static const char *const fns[] = {"rgb(", "rgba(", "hsl(", "hsla("};
	size_t i, n = strlen(s);

	if (!n || n > 64)
		return false;
	if (s[0] == '#') {
		if (n != 4 && n != 5 && n != 7 && n != 9)
			return false;
		for (i = 1; i < n; i++)
			if (hexval(s[i]) < 0)
				return false;
		return true;
	}
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		size_t fl = strlen(fns[i]), j;

		if (strncmp(s, fns[i], fl) || s[n - 1] != ')')
			continue;
		for (j = fl; j < n - 1; j++)
			if (!strchr("0123456789., %", s[j]))
				return false;
		return true;
	}
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			return false;
	return true;
}

/* ---- consistent palette file ---- */

struct pal_entry {
	char *name;
	size_t len;
	struct fg_rgb rgb;
};

struct fg_palfile {
	char *path;
	struct pal_entry *e;
	size_t n, alloc;
	struct hashmap *map; /* probe key -> entry index */
	bool dirty;
};

/* Finds @name; on a hash collision probes the next key. Returns the index
 * or -1, and leaves in *@key the key where it is or would be stored. */
static long pal_find(const struct fg_palfile *pf, const char *name, size_t len, uint64_t *key)
{
	uint64_t k = hash_bytes(name, len), idx;

	for (;;) {
		if (!hashmap__get(pf->map, k, &idx)) {
			*key = k;
			return -1;
		}
		if (pf->e[idx].len == len && !memcmp(pf->e[idx].name, name, len)) {
			*key = k;
			return (long)idx;
		}
		k = hash_u64(k + 1);
	}
}

static void pal_put(struct fg_palfile *pf, const char *name, size_t len, struct fg_rgb rgb)
{
	uint64_t key;
	long i = pal_find(pf, name, len, &key);

	if (i >= 0) {
		pf->e[i].rgb = rgb;
		return;
	}
	ALLOC_GROW(pf->e, pf->n + 1, pf->alloc);
	pf->e[pf->n] = (struct pal_entry){.name = xstrndup(name, len), .len = len, .rgb = rgb};
	hashmap__put(pf->map, key, pf->n);
	pf->n++;
}

/* Parses "rgb(R,G,B)" exactly (spaces allowed after commas). */
static bool parse_rgb(const char *s, struct fg_rgb *rgb)
{
	unsigned int v[3];
	int end = -1;

	if (sscanf(s, "rgb(%u,%u,%u)%n", &v[0], &v[1], &v[2], &end) != 3 || end < 0 ||
	    s[end] != '\0')
		return false;
	if (v[0] > 255 || v[1] > 255 || v[2] > 255)
		return false;
	*rgb = mk((uint8_t)v[0], (uint8_t)v[1], (uint8_t)v[2]);
	return true;
}

struct fg_palfile *fg_palfile__load(const char *path)
{
	struct fg_palfile *pf = xcalloc(1, sizeof(*pf));
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	FILE *f;

	pf->path = xstrdup(path);
	pf->map = hashmap__new();
	f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return pf;
		pr_err("palette file %s: %s", path, strerror(errno));
		goto fail;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		struct fg_rgb rgb;
		char *arrow = NULL, *q;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		/* Names may hold "->" themselves (C++ operator->): split at the last. */
		for (q = line; (q = strstr(q, "->")); q++)
			arrow = q;
		if (!arrow || !parse_rgb(arrow + 2, &rgb)) {
			pr_err("palette file %s:%zu: expected NAME->rgb(R,G,B) with R, G, B from 0 "
			       "to 255",
			       path, lineno);
			fclose(f);
			free(line);
			errno = EINVAL;
			goto fail;
		}
		pal_put(pf, line, (size_t)(arrow - line), rgb);
	}
	if (ferror(f)) {
		pr_err("palette file %s: read error", path);
		fclose(f);
		free(line);
		errno = EIO;
		goto fail;
	}
	fclose(f);
	free(line);
	return pf;
fail : {
	int e = errno;

	fg_palfile__free(pf);
	errno = e;
	return NULL;
}
}

void fg_palfile__free(struct fg_palfile *pf)
{
	size_t i;

	if (!pf)
		return;
	for (i = 0; i < pf->n; i++)
		free(pf->e[i].name);
	free(pf->e);
	hashmap__free(pf->map);
	free(pf->path);
	free(pf);
}

struct fg_rgb fg_palfile__get(struct fg_palfile *pf, const char *name, size_t len,
			      struct fg_rgb fallback)
{
	uint64_t key;
	long i = pal_find(pf, name, len, &key);

	if (i >= 0)
		return pf->e[i].rgb;
	/* A name with a line break cannot be stored in the file. */
	if (memchr(name, '\n', len) || memchr(name, '\r', len))
		return fallback;
	pal_put(pf, name, len, fallback);
	pf->dirty = true;
	return fallback;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct pal_entry *x = a, *y = b;
	int c = memcmp(x->name, y->name, x->len < y->len ? x->len : y->len);

	if (c)
		return c;
	return x->len < y->len ? -1 : (x->len > y->len);
}

int fg_palfile__save(struct fg_palfile *pf)
{
	struct pal_entry *sorted;
	struct outfile *of;
	size_t i;
	FILE *f;

	if (!pf->dirty)
		return 0;
	/* Replaced atomically with its mode kept; a device or FIFO is written, not replaced. */
	of = outfile__open(pf->path);
	if (!of)
		return -errno;
	f = outfile__stream(of);
	/* Sorted by name, so that the file itself is deterministic. */
	sorted = xmemdup(pf->e, pf->n * sizeof(*pf->e));
	qsort(sorted, pf->n, sizeof(*sorted), cmp_entry);
	for (i = 0; i < pf->n; i++) {
		fwrite(sorted[i].name, 1, sorted[i].len, f);
		fprintf(f, "->rgb(%u,%u,%u)\n", sorted[i].rgb.r, sorted[i].rgb.g, sorted[i].rgb.b);
	}
	free(sorted);
	if (outfile__commit(of))
		return -EIO;
	pf->dirty = false;
	return 0;
}
