// SPDX-License-Identifier: Apache-2.0
/*
 * The SVG flame graph: well-formed XML (checked by xmllint), titles whose
 * counts add up, untrusted names escaped and read back intact, the empty
 * profile, determinism, inverted graphs and flame charts, merging of
 * narrow frames, palettes, differential colours, the palette file,
 * options, write errors, and size and speed on a big profile.
 */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"
#include "helpers/helpers.h"
#include "profile.h"


TestSuite(flamegraph, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

/*
 * Adds "a;b;c" with weight @w to column @col. A frame may end in "#k"
 * (kernel), "#j" (JIT), "#s" (JS), "#p" (Python) or "#i" (inline).
 */
static void add_col(struct profile *p, const char *stack, enum profile_col col, double w)
{
	uint32_t frames[128];
	size_t n = 0;
	char *copy = strdup(stack), *save = NULL, *tok;

	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		size_t len = strlen(tok);
		enum frame_kind kind = FRAME_KIND_NATIVE;

		if (len > 2 && tok[len - 2] == '#') {
			switch (tok[len - 1]) {
			case 'k': kind = FRAME_KIND_KERNEL; break;
			case 'j': kind = FRAME_KIND_JIT; break;
			case 's': kind = FRAME_KIND_JS; break;
			case 'p': kind = FRAME_KIND_PYTHON; break;
			case 'i': kind = FRAME_KIND_INLINE; break;
			}
			len -= 2;
		}
		frames[n++] = profile__frame_named(p, tok, len, kind);
	}
	profile__add_stack(p, frames, n, col, w);
	free(copy);
}

static void add(struct profile *p, const char *stack, double w)
{
	add_col(p, stack, PROFILE_COL_MAIN, w);
}

#define EVIL "<script>alert(1)</script> & \"x\" 'y' ]]> --"

static struct profile *sample_profile(void)
{
	struct profile *p = profile__new();

	add(p, "main;run;compute;sqrt", 300);
	add(p, "main;run;compute;" EVIL, 150);
	add(p, "main;run;io;read;sys_read#k", 200);
	add(p, "main;run;io;write", 100);
	add(p, "main;init;parse_config", 40);
	add(p, "main;idle", 200);
	add(p, "main", 10);
	add(p, "other;compute;sqrt", 60);
	return p;
}

/* Renders @p into a malloc'd string; *@err gets the return value. */
static char *render(const struct profile *p, const struct fg_opts *o, int *err, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	cr_assert_not_null(f);
	*err = flamegraph__write(p, o, f);
	cr_assert_eq(fclose(f), 0);
	if (len)
		*len = n;
	return buf;
}

static char *render_ok(const struct profile *p, const struct fg_opts *o)
{
	int err;
	char *svg = render(p, o, &err, NULL);

	cr_assert_eq(err, 0, "flamegraph__write: %d", err);
	return svg;
}

/* Runs xmllint on @svg; returns its exit status (0 = well-formed). */
static int xmllint(const char *svg, const char *xpath, char **out)
{
	char *path = th_path(th_dir, "check.svg");
	const char *plain[] = {"xmllint", "--noout", "--nonet", path, NULL};
	const char *xp[] = {"xmllint", "--nonet", "--xpath", xpath, path, NULL};
	struct th_result r;
	int status;

	th_write_file(path, svg, strlen(svg));
	r = th_run(xpath ? xp : plain, NULL, 0, 30);
	cr_assert_neq(r.status, 127, "xmllint not found: install libxml2-utils");
	if (r.status)
		cr_log_error("xmllint: %s", r.err);
	status = r.status;
	if (out) {
		*out = r.out;
		r.out = NULL;
	}
	th_result_free(&r);
	free(path);
	return status;
}

/* ---- a small reader for the frames of our own SVG ---- */

struct pframe {
	char *title; /* unescaped */
	char *name;
	char *label; /* unescaped <text> */
	double count, pct;
	double x, y, w, sx, sw;
	char fill[16];
	char gattrs[128]; /* attributes of the frame's <g> */
	int depth;
	int parent;
};

struct pgraph {
	struct pframe *f;
	size_t n;
	double total;
};

static char *unescape(const char *s, size_t len)
{
	char *out = malloc(len + 1), *o = out;
	size_t i = 0;

	while (i < len) {
		static const struct {
			const char *ent;
			char c;
		} ents[] = {{"&lt;", '<'},
			    {"&gt;", '>'},
			    {"&amp;", '&'},
			    {"&quot;", '"'},
			    {"&apos;", '\''}};
		size_t k;
		bool done = false;

		if (s[i] == '&') {
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].ent);

				if (!strncmp(s + i, ents[k].ent, el)) {
					*o++ = ents[k].c;
					i += el;
					done = true;
					break;
				}
			}
			if (!done && s[i + 1] == '#') {
				char *end;
				long v = strtol(s + i + 2, &end, 10);

				cr_assert(*end == ';' && v > 0 && v < 128, "entity at %.10s",
					  s + i);
				*o++ = (char)v;
				i = end + 1 - s;
				done = true;
			}
			cr_assert(done, "unknown entity at %.10s", s + i);
			continue;
		}
		*o++ = s[i++];
	}
	*o = '\0';
	return out;
}

/* Value of attribute @name inside [@s, @end). */
static double attr_num(const char *s, const char *end, const char *name)
{
	char key[32];
	const char *a;

	snprintf(key, sizeof(key), " %s=\"", name);
	a = memmem(s, end - s, key, strlen(key));
	cr_assert_not_null(a, "no %s in %.80s", name, s);
	return strtod(a + strlen(key), NULL);
}

static void attr_str(const char *s, const char *end, const char *name, char *out, size_t cap)
{
	char key[32];
	const char *a, *q;

	snprintf(key, sizeof(key), " %s=\"", name);
	a = memmem(s, end - s, key, strlen(key));
	cr_assert_not_null(a, "no %s", name);
	a += strlen(key);
	q = strchr(a, '"');
	snprintf(out, cap, "%.*s", (int)(q - a), a);
}

static void parse_title(struct pframe *f)
{
	const char *t = f->title, *open = NULL, *p;
	char num[64];
	size_t j = 0;

	/* The name ends at the last " (" that a count follows. */
	for (p = t; (p = strstr(p, " (")); p++)
		if ((p[2] >= '0' && p[2] <= '9') || p[2] == '-')
			open = p;
	cr_assert_not_null(open, "title without count: %s", t);
	f->name = strndup(t, open - t);
	for (p = open + 2; *p && *p != ' ' && j < sizeof(num) - 1; p++)
		if (*p != ',')
			num[j++] = *p;
	num[j] = '\0';
	f->count = strtod(num, NULL);
	p = strstr(p, ", ");
	cr_assert_not_null(p, "no percentage in %s", t);
	f->pct = strtod(p + 2, NULL);
}

static struct pgraph parse(const char *svg)
{
	struct pgraph g = {0};
	const char *p = strstr(svg, "<g id=\"frames\""), *end;
	size_t alloc = 0;

	cr_assert_not_null(p, "no frames group");
	g.total = attr_num(svg, p, "fg:total");
	p = strchr(p, '\n') + 1;
	while (!strncmp(p, "<g", 2) && strncmp(p, "</g>", 4)) {
		struct pframe *f;
		const char *t, *te, *r, *x, *xe, *eol = strchr(p, '\n');

		if (g.n == alloc) {
			alloc = alloc ? alloc * 2 : 64;
			g.f = realloc(g.f, alloc * sizeof(*g.f));
		}
		f = &g.f[g.n];
		memset(f, 0, sizeof(*f));
		t = strstr(p, "<title>");
		snprintf(f->gattrs, sizeof(f->gattrs), "%.*s", (int)(t - p), p);
		t += 7;
		te = strstr(t, "</title>");
		cr_assert(te && te < eol);
		f->title = unescape(t, te - t);
		parse_title(f);
		r = strstr(te, "<rect");
		f->x = attr_num(r, eol, "x");
		f->y = attr_num(r, eol, "y");
		f->w = attr_num(r, eol, "width");
		f->sx = attr_num(r, eol, "fg:x");
		f->sw = attr_num(r, eol, "fg:w");
		attr_str(r, eol, "fill", f->fill, sizeof(f->fill));
		x = strchr(strstr(r, "<text"), '>') + 1;
		xe = strstr(x, "</text>");
		f->label = unescape(x, xe - x);
		g.n++;
		p = eol + 1;
	}
	end = p;
	cr_assert(!strncmp(end, "</g>", 4), "frames group not closed: %.40s", end);
	/*
	 * Depth from the row, rows one frame height apart; in preorder the
	 * parent is the nearest earlier frame one row closer to the root.
	 */
	if (g.n) {
		double fh = attr_num(svg, strstr(svg, "<g id=\"frames\""), "fg:fh");
		size_t i;

		for (i = 0; i < g.n; i++) {
			int d = (int)lround(fabs(g.f[i].y - g.f[0].y) / fh);
			long j;

			g.f[i].depth = d;
			g.f[i].parent = -1;
			for (j = (long)i - 1; j >= 0 && d > 0; j--) {
				if (g.f[j].depth == d - 1) {
					g.f[i].parent = (int)j;
					break;
				}
			}
		}
	}
	return g;
}

static void pgraph_free(struct pgraph *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->f[i].title);
		free(g->f[i].name);
		free(g->f[i].label);
	}
	free(g->f);
}

/* The first frame named @name, or NULL. */
static struct pframe *find(struct pgraph *g, const char *name)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (!strcmp(g->f[i].name, name))
			return &g->f[i];
	return NULL;
}

static void write_str(const char *path, const char *s)
{
	th_write_file(path, s, strlen(s));
}

static void rgb_of(const struct pframe *f, int *r, int *g, int *b)
{
	cr_assert_eq(strlen(f->fill), 7, "fill %s", f->fill);
	cr_assert_eq(sscanf(f->fill, "#%2x%2x%2x", (unsigned *)r, (unsigned *)g, (unsigned *)b), 3);
}

/* ---- tests ---- */

Test(flamegraph, well_formed_and_counts_add_up)
{
	struct profile *p = sample_profile();
	char *svg = render_ok(p, NULL);
	struct pgraph g = parse(svg);
	double *kids;
	size_t i;

	cr_assert_eq(xmllint(svg, NULL, NULL), 0, "not well-formed XML");
	cr_assert(!strncmp(svg, "<?xml", 5));
	cr_assert_not_null(strstr(svg, "xmlns=\"http://www.w3.org/2000/svg\""));
	/* Self-contained: nothing fetched from elsewhere. */
	cr_assert_null(strstr(svg, "href="));
	cr_assert_null(strstr(svg, "@import"));
	for (const char *h = svg; (h = strstr(h, "http")); h++)
		cr_assert(!strncmp(h, "http://www.w3.org/2000/svg\"", 27), "%.40s", h);

	cr_assert_eq(g.n, 16, "frames: %zu", g.n);
	cr_assert_str_eq(g.f[0].name, "all");
	cr_assert_eq(g.f[0].count, 1060);
	cr_assert_eq(g.f[0].count, profile__total(p, PROFILE_COL_MAIN));
	cr_assert_eq(g.f[0].pct, 100);
	kids = calloc(g.n, sizeof(*kids));
	for (i = 1; i < g.n; i++) {
		struct pframe *f = &g.f[i];

		cr_assert_geq(f->parent, 0, "%s has no parent", f->name);
		kids[f->parent] += f->count;
		cr_assert(fabs(f->pct - round(10000 * f->count / g.f[0].count) / 100) < 0.006,
			  "%s: %.2f%% for %g of %g", f->name, f->pct, f->count, g.f[0].count);
		/* The frame lies inside its parent, both on screen and in weight units. */
		cr_assert_geq(f->sx, g.f[f->parent].sx);
		cr_assert_leq(f->sx + f->sw, g.f[f->parent].sx + g.f[f->parent].sw);
		cr_assert_eq(f->sw, f->count);
		cr_assert(f->x >= g.f[f->parent].x - 0.1 &&
				  f->x + f->w <= g.f[f->parent].x + g.f[f->parent].w + 0.2,
			  "%s outside its parent", f->name);
	}
	for (i = 0; i < g.n; i++)
		cr_assert_leq(kids[i], g.f[i].count, "children of %s sum to %g > %g", g.f[i].name,
			      kids[i], g.f[i].count);
	/* main has 10 self samples: its children sum to less. */
	cr_assert_eq(kids[1], 990);
	cr_assert_eq(find(&g, "main")->count, 1000);
	cr_assert_eq(find(&g, "sys_read")->count, 200);
	/* Roots at the bottom: the root row is the lowest on screen. */
	for (i = 1; i < g.n; i++)
		cr_assert_lt(g.f[i].y, g.f[0].y);
	/* Width is the share of samples: run (750 of 1060) on a 1180 px graph. */
	cr_assert(fabs(find(&g, "run")->w - 1180.0 * 750 / 1060) <= 0.05);
	/* Thousands separators. */
	cr_assert_not_null(strstr(svg, "<title>all (1,060 samples, 100.00%)</title>"));
	cr_assert_not_null(strstr(svg, "Flame Graph</text>"));
	cr_assert_not_null(strstr(svg, "Reset Zoom"));
	cr_assert_not_null(strstr(svg, ">Search<"));
	free(kids);
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, untrusted_names_escaped_and_read_back)
{
	struct profile *p = sample_profile();
	/* Bytes that are not UTF-8, XML-forbidden controls, and a valid "é". */
	const char bad[] = "bad\xff\xfe name\x01\x1b\xc3\xa9\xed\xa0\x80";
	struct fg_opts o = {.title = "T <b>&amp;",
			    .subtitle = "</text><script>x()</script>",
			    .notes = "-- ]]> <!-- note & stuff -->",
			    .countname = "<cn>",
			    .nametype = "\"Fn\":",
			    .fonttype = "Verdana\" onload=\"x()"};
	char *svg, *out = NULL;
	struct pgraph g;
	struct pframe *f;

	add(p, "main;run;compute;" EVIL ";deeper", 5);
	profile__add_stack(
		p, (uint32_t[]){profile__frame_named(p, bad, sizeof(bad) - 1, FRAME_KIND_NATIVE)},
		1, PROFILE_COL_MAIN, 100);
	svg = render_ok(p, &o);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0, "not well-formed XML");
	/* No markup from names or options outside of escaping. */
	cr_assert_null(strstr(svg, "<script>alert"));
	cr_assert_null(strstr(svg, "<b>"));
	cr_assert_null(strstr(svg, "<cn>"));
	cr_assert_null(strstr(svg, "onload=\"x()"));
	cr_assert_null(strstr(svg, "<!-- note"));
	cr_assert_eq(strstr(svg, "<script"), strstr(svg, "<script type=\"text/ecmascript\">"));
	cr_assert_null(strstr(strstr(svg, "<script type") + 1, "<script"));

	/* An independent parser reads the name back intact. */
	cr_assert_eq(xmllint(svg,
			     "string(//*[local-name()='g'][*[local-name()='rect']"
			     "/@*[local-name()='w']='155']/*[local-name()='title'])",
			     &out),
		     0);
	cr_assert_str_eq(out, EVIL " (155 <cn>, 13.30%)\n", "xmllint read: %s", out);
	free(out);
	cr_assert_eq(xmllint(svg, "string(//*[local-name()='desc'])", &out), 0);
	cr_assert_str_eq(out, "-- ]]> <!-- note & stuff -->\n");
	free(out);

	g = parse(svg);
	f = find(&g, EVIL);
	cr_assert_not_null(f, "evil frame not found");
	cr_assert_eq(f->count, 155);
	cr_assert_not_null(find(&g, "deeper"));
	/* Invalid bytes and controls become U+FFFD; valid UTF-8 stays. */
	f = find(&g, "bad\xef\xbf\xbd\xef\xbf\xbd "
		     "name\xef\xbf\xbd\xef\xbf\xbd\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cr_assert_not_null(f, "sanitised name not found");
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, empty_profile_is_enodata_and_valid_svg)
{
	struct profile *p = profile__new();
	struct fg_opts o = {.title = "nothing <here>"};
	size_t len;
	int err;
	char *svg = render(p, &o, &err, &len);

	cr_assert_eq(err, -ENODATA);
	cr_assert_gt(len, 100);
	cr_assert_lt(len, 4096);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	cr_assert_not_null(strstr(svg, "No samples"));
	cr_assert_not_null(strstr(svg, "nothing &lt;here&gt;"));
	free(svg);
	/* Stacks with no weight are no samples either. */
	add(p, "a;b", 0);
	svg = render(p, NULL, &err, NULL);
	cr_assert_eq(err, -ENODATA);
	free(svg);
	profile__free(p);
}

Test(flamegraph, deterministic)
{
	struct profile *a = sample_profile(), *b = sample_profile();
	struct fg_opts o = {.colors = "java", .inverted = true};
	size_t la, lb;
	int err;
	char *x = render(a, &o, &err, &la), *y = render(b, &o, &err, &lb), *z;

	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(x, y, la), 0, "two renders differ");
	z = render(a, &o, &err, &lb);
	cr_assert_eq(la, lb);
	cr_assert_eq(memcmp(x, z, la), 0, "rendering twice differs");
	free(x);
	free(y);
	free(z);
	profile__free(a);
	profile__free(b);
}

Test(flamegraph, inverted_puts_roots_on_top)
{
	struct profile *p = sample_profile();
	struct fg_opts o = {.inverted = true};
	char *svg = render_ok(p, &o);
	struct pgraph g = parse(svg);
	size_t i;

	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	cr_assert_not_null(strstr(svg, ">Icicle Graph</text>"));
	for (i = 1; i < g.n; i++)
		cr_assert_gt(g.f[i].y, g.f[0].y, "%s above the root", g.f[i].name);
	cr_assert_gt(find(&g, "sqrt")->y, find(&g, "compute")->y);
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, flame_chart_keeps_time_order)
{
	struct profile *p = profile__new();
	struct pgraph g;
	char *svg;

	profile__set_chart_mode(p, true);
	add(p, "main;zeta", 10);
	add(p, "main;alpha", 10);
	add(p, "main;zeta", 10);
	svg = render_ok(p, &(struct fg_opts){.flamechart = true});
	cr_assert_not_null(strstr(svg, ">Flame Chart</text>"));
	g = parse(svg);
	cr_assert_eq(g.n, 5);
	cr_assert_str_eq(g.f[2].name, "zeta");
	cr_assert_str_eq(g.f[3].name, "alpha");
	cr_assert_str_eq(g.f[4].name, "zeta");
	cr_assert_lt(g.f[2].x, g.f[3].x);
	cr_assert_lt(g.f[3].x, g.f[4].x);
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, narrow_frames_merged_and_counted)
{
	struct profile *p = profile__new();
	struct pgraph g;
	struct pframe *f;
	char *svg;

	add(p, "main;big", 100000);
	add(p, "main;tiny;tinier", 3);
	add(p, "main;small", 5);
	/* Default 0.1 px of 1180 px: frames under ~8.5 samples go. */
	svg = render_ok(p, NULL);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	g = parse(svg);
	cr_assert_null(find(&g, "tiny"));
	cr_assert_null(find(&g, "tinier"));
	cr_assert_null(find(&g, "small"));
	f = find(&g, "main");
	cr_assert_str_eq(f->gattrs, "<g fg:h=\"3 8\">", "%s", f->gattrs);
	cr_assert_not_null(
		strstr(svg, "3 frames narrower than 0.1 px merged away (0.01% of samples)"));
	pgraph_free(&g);
	free(svg);

	/* A tiny positive minimum keeps everything. */
	svg = render_ok(p, &(struct fg_opts){.minwidth = 1e-300});
	g = parse(svg);
	cr_assert_not_null(find(&g, "tinier"));
	cr_assert_null(strstr(svg, "fg:h="));
	pgraph_free(&g);
	free(svg);

	/* As a percentage of the total. */
	add(p, "main;mid", 20000);
	svg = render_ok(p, &(struct fg_opts){.minwidth = 20, .minwidth_percent = true});
	g = parse(svg);
	cr_assert_null(find(&g, "mid"), "16.7%% frame kept");
	cr_assert_not_null(find(&g, "big"));
	cr_assert_not_null(strstr(svg, "4 frames narrower than 20% of the total merged away"));
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, labels_fit_and_truncate)
{
	struct profile *p = profile__new();
	struct pgraph g;
	char *svg;

	add(p, "a_rather_long_function_name_that_cannot_fit_in_its_frame", 10);
	add(p, "wide_enough", 90);
	svg = render_ok(p, NULL);
	g = parse(svg);
	/* 118 px - 6 of padding at 12 * 0.59 px a char: 15 characters. */
	cr_assert_str_eq(
		find(&g, "a_rather_long_function_name_that_cannot_fit_in_its_frame")->label,
		".._in_its_frame");
	cr_assert_str_eq(find(&g, "wide_enough")->label, "wide_enough");
	pgraph_free(&g);
	free(svg);
	svg = render_ok(p, &(struct fg_opts){.truncate_text_right = true});
	g = parse(svg);
	cr_assert_str_eq(
		find(&g, "a_rather_long_function_name_that_cannot_fit_in_its_frame")->label,
		"a_rather_long..");
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, palettes)
{
	static const char *const known[] = {"hot",    "mem",	"io",	  "wakeup", "chain", "java",
					    "js",     "perl",	"red",	  "green",  "blue",  "aqua",
					    "yellow", "purple", "orange", "kind"};
	struct profile *p = profile__new();
	struct pgraph g;
	char *svg, *svg2;
	int r, gg, b, err;
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		cr_assert(flamegraph__palette_known(known[i]), "%s", known[i]);
	cr_assert_not(flamegraph__palette_known("rainbow"));
	cr_assert_not(flamegraph__palette_known(""));
	cr_assert_not(flamegraph__palette_known(NULL));

	add(p, "proc;native_fn;kfn#k", 10);
	add(p, "proc;native_fn;jitfn#j", 10);
	add(p, "proc;jsfn#s;inl#i", 10);
	add(p, "proc;pyfn#p", 10);
	add(p, "proc;java/util/HashMap.get;x_[k]", 10);
	add(p, "proc;Foo::bar", 10);

	svg = render_ok(p, NULL);
	g = parse(svg);
	for (i = 0; i < g.n; i++) {
		rgb_of(&g.f[i], &r, &gg, &b);
		cr_assert(r >= 205 && b <= 55 && gg <= 195, "hot %s: %s", g.f[i].name, g.f[i].fill);
	}
	pgraph_free(&g);
	free(svg);

	svg = render_ok(p, &(struct fg_opts){.colors = "mem"});
	g = parse(svg);
	for (i = 0; i < g.n; i++) {
		rgb_of(&g.f[i], &r, &gg, &b);
		cr_assert(gg > r && gg > b, "mem %s: %s", g.f[i].name, g.f[i].fill);
	}
	pgraph_free(&g);
	free(svg);

	svg = render_ok(p, &(struct fg_opts){.colors = "io"});
	g = parse(svg);
	for (i = 0; i < g.n; i++) {
		rgb_of(&g.f[i], &r, &gg, &b);
		cr_assert(b > r && b > gg, "io %s: %s", g.f[i].name, g.f[i].fill);
	}
	pgraph_free(&g);
	free(svg);

	/* kind: kernel orange, native red, JIT green, JS yellow, Python blue, inline aqua. */
	svg = render_ok(p, &(struct fg_opts){.colors = "kind"});
	g = parse(svg);
	rgb_of(find(&g, "kfn"), &r, &gg, &b);
	cr_assert(r > gg && gg > b && gg >= 95, "kernel %s", find(&g, "kfn")->fill);
	rgb_of(find(&g, "native_fn"), &r, &gg, &b);
	cr_assert(r >= 200 && gg <= 115 && b <= 115, "native %s", find(&g, "native_fn")->fill);
	rgb_of(find(&g, "jitfn"), &r, &gg, &b);
	cr_assert(gg > r + 60 && gg > b + 60, "jit %s", find(&g, "jitfn")->fill);
	rgb_of(find(&g, "jsfn"), &r, &gg, &b);
	cr_assert(r > b + 60 && gg > b + 60, "js %s", find(&g, "jsfn")->fill);
	rgb_of(find(&g, "pyfn"), &r, &gg, &b);
	cr_assert(b > r + 60 && b > gg + 40, "python %s", find(&g, "pyfn")->fill);
	rgb_of(find(&g, "inl"), &r, &gg, &b);
	cr_assert(gg > r + 50 && b > r + 50, "inline %s", find(&g, "inl")->fill);
	/* The name suffix counts too when the kind is not known. */
	rgb_of(find(&g, "x_[k]"), &r, &gg, &b);
	cr_assert(r > gg && gg > b && gg >= 95, "x_[k] %s", find(&g, "x_[k]")->fill);
	pgraph_free(&g);
	free(svg);

	/* java: Java packages green, C++ yellow, kernel orange. */
	svg = render_ok(p, &(struct fg_opts){.colors = "java"});
	g = parse(svg);
	rgb_of(find(&g, "java/util/HashMap.get"), &r, &gg, &b);
	cr_assert(gg > r && gg > b, "java frame %s", find(&g, "java/util/HashMap.get")->fill);
	rgb_of(find(&g, "Foo::bar"), &r, &gg, &b);
	cr_assert(r > b + 60 && gg > b + 60, "C++ frame %s", find(&g, "Foo::bar")->fill);
	rgb_of(find(&g, "x_[k]"), &r, &gg, &b);
	cr_assert(r > gg && gg > b, "kernel frame %s", find(&g, "x_[k]")->fill);
	pgraph_free(&g);
	free(svg);

	/* A colour depends on the name only: the same in another profile. */
	svg = render_ok(p, &(struct fg_opts){.colors = "hot"});
	{
		struct profile *q = profile__new();
		struct pgraph g2;

		add(q, "other_root;Foo::bar", 1);
		svg2 = render_ok(q, &(struct fg_opts){.colors = "hot"});
		g = parse(svg);
		g2 = parse(svg2);
		cr_assert_str_eq(find(&g, "Foo::bar")->fill, find(&g2, "Foo::bar")->fill);
		cr_assert_str_neq(find(&g, "Foo::bar")->fill, find(&g, "native_fn")->fill);
		pgraph_free(&g);
		pgraph_free(&g2);
		free(svg2);
		profile__free(q);
	}
	free(svg);

	cr_redirect_stderr();
	svg = render(p, &(struct fg_opts){.colors = "rainbow"}, &err, NULL);
	cr_assert_eq(err, -EINVAL);
	free(svg);
	profile__free(p);
}

Test(flamegraph, backgrounds_and_colour_options)
{
	struct profile *p = sample_profile();
	char *svg;
	int err;

	svg = render_ok(p, &(struct fg_opts){.bgcolors = "blue"});
	cr_assert_not_null(strstr(svg, "stop-color=\"#e0e0ff\""));
	free(svg);
	svg = render_ok(p, &(struct fg_opts){.bgcolors = "#AbCdEf",
					     .uicolor = "#123456",
					     .search_color = "rgb(1, 2, 3)",
					     .stroke_color = "grey"});
	cr_assert_not_null(strstr(svg, "stop-color=\"#abcdef\""));
	cr_assert_not_null(strstr(svg, "fill=\"#123456\""));
	cr_assert_not_null(strstr(svg, "fg:searchcolor=\"rgb(1, 2, 3)\""));
	cr_assert_not_null(strstr(svg, "#frames rect{stroke:grey"));
	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	free(svg);
	cr_redirect_stderr();
	svg = render(p, &(struct fg_opts){.bgcolors = "chartreuse-ish"}, &err, NULL);
	cr_assert_eq(err, -EINVAL);
	free(svg);
	/* Colours go into the style sheet: anything but a plain colour is refused. */
	svg = render(p, &(struct fg_opts){.stroke_color = "red}</style><script>x()</script>"}, &err,
		     NULL);
	cr_assert_eq(err, -EINVAL);
	cr_assert_eq(strlen(svg), 0, "something was written");
	free(svg);
	svg = render(p, &(struct fg_opts){.search_color = "red;x:url(http://e/)"}, &err, NULL);
	cr_assert_eq(err, -EINVAL);
	free(svg);
	profile__free(p);
}

Test(flamegraph, options_titles_counts_factor)
{
	struct profile *p = sample_profile();
	struct fg_opts o = {.title = "My title",
			    .subtitle = "sub",
			    .countname = "us",
			    .nametype = "Frame:",
			    .fontsize = 10,
			    .fontwidth = 0.5,
			    .width = 2000,
			    .height = 20,
			    .factor = 1000};
	char *svg = render_ok(p, &o);
	struct pgraph g = parse(svg);

	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	cr_assert_not_null(strstr(svg, ">My title</text>"));
	cr_assert_not_null(strstr(svg, ">sub</text>"));
	cr_assert_not_null(strstr(svg, "fg:nametype=\"Frame:\""));
	cr_assert_not_null(strstr(svg, "width=\"2000\""));
	cr_assert_not_null(strstr(svg, "<title>all (1,060,000 us, 100.00%)</title>"));
	cr_assert_eq(find(&g, "main")->count, 1000000);
	cr_assert(fabs(find(&g, "main")->w - 1980.0 * 1000 / 1060) <= 0.05, "%g",
		  find(&g, "main")->w);
	cr_assert(fabs(fabs(find(&g, "main")->y - find(&g, "run")->y) - 20) < 1e-9);
	pgraph_free(&g);
	free(svg);

	/* Without a countname option the profile's is used. */
	profile__set_countname(p, "ms");
	svg = render_ok(p, NULL);
	cr_assert_not_null(strstr(svg, "<title>all (1,060 ms, 100.00%)</title>"));
	free(svg);
	profile__free(p);
}

Test(flamegraph, differential_colours_and_titles)
{
	struct profile *p = profile__new();
	struct pgraph g;
	struct pframe *f;
	char *svg;
	int r, gg, b, r2, g2, b2;

	add_col(p, "main;grew", PROFILE_COL_BEFORE, 100);
	add_col(p, "main;grew", PROFILE_COL_MAIN, 300);
	add_col(p, "main;shrank", PROFILE_COL_BEFORE, 400);
	add_col(p, "main;shrank", PROFILE_COL_MAIN, 200);
	add_col(p, "main;same", PROFILE_COL_BEFORE, 50);
	add_col(p, "main;same", PROFILE_COL_MAIN, 50);
	add_col(p, "main;fresh", PROFILE_COL_MAIN, 100);
	add_col(p, "main;gone;deep", PROFILE_COL_BEFORE, 70);
	add_col(p, "main;grew_a_bit", PROFILE_COL_BEFORE, 100);
	add_col(p, "main;grew_a_bit", PROFILE_COL_MAIN, 120);
	cr_assert(profile__is_diff(p));

	svg = render_ok(p, NULL);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	g = parse(svg);
	/* Widths from the "after" column: gone frames are not drawn. */
	cr_assert_eq(g.f[0].count, 770);
	cr_assert_null(find(&g, "gone"));
	cr_assert_not_null(strstr(svg, "2 frames only in the before profile"));
	f = find(&g, "grew");
	cr_assert_eq(f->count, 300);
	cr_assert_not_null(strstr(f->title, "; before: 100 samples, 13.89%; delta: +200"), "%s",
			   f->title);
	rgb_of(f, &r, &gg, &b);
	cr_assert(r == 255 && gg == b && gg < 100, "grew: %s", f->fill);
	rgb_of(find(&g, "grew_a_bit"), &r2, &g2, &b2);
	cr_assert(r2 == 255 && g2 == b2 && g2 > gg, "grew a bit: %s (more than %s)",
		  find(&g, "grew_a_bit")->fill, f->fill);
	f = find(&g, "shrank");
	cr_assert_not_null(strstr(f->title, "delta: -200"), "%s", f->title);
	rgb_of(f, &r, &gg, &b);
	cr_assert(b == 255 && r == gg && r < 100, "shrank: %s", f->fill);
	rgb_of(find(&g, "same"), &r, &gg, &b);
	cr_assert(r == gg && gg == b, "unchanged: %s", find(&g, "same")->fill);
	f = find(&g, "fresh");
	cr_assert_not_null(strstr(f->title, "; new)"), "%s", f->title);
	cr_assert_not_null(strstr(f->gattrs, "class=\"new\""));
	rgb_of(f, &r, &gg, &b);
	cr_assert(r == 255 && gg < 160, "new: %s", f->fill);
	f = find(&g, "main");
	cr_assert_not_null(strstr(f->gattrs, "fg:g=\"2 70\""), "%s", f->gattrs);
	pgraph_free(&g);
	free(svg);

	/* --negate swaps the hues. */
	svg = render_ok(p, &(struct fg_opts){.negate = true});
	g = parse(svg);
	rgb_of(find(&g, "grew"), &r, &gg, &b);
	cr_assert(b == 255 && r == gg, "negated grew: %s", find(&g, "grew")->fill);
	rgb_of(find(&g, "shrank"), &r, &gg, &b);
	cr_assert(r == 255 && gg == b, "negated shrank: %s", find(&g, "shrank")->fill);
	pgraph_free(&g);
	free(svg);
	profile__free(p);
}

Test(flamegraph, palette_file_reused_and_updated)
{
	struct profile *p = sample_profile();
	char *pal = th_path(th_dir, "palette.map"), *text, *svg;
	struct pgraph g;
	int err;

	cr_redirect_stderr();
	write_str(pal, "main->rgb(1,2,3)\nstd::vector<int>::operator->->rgb(4,5,6)\n");
	svg = render_ok(p, &(struct fg_opts){.palfile = pal});
	g = parse(svg);
	cr_assert_str_eq(find(&g, "main")->fill, "#010203");
	text = th_read_file(pal, NULL);
	cr_assert_not_null(strstr(text, "main->rgb(1,2,3)\n"));
	cr_assert_not_null(strstr(text, "std::vector<int>::operator->->rgb(4,5,6)\n"));
	cr_assert_not_null(strstr(text, "\nsqrt->rgb("), "%s", text);
	cr_assert_not_null(strstr(text, "all->rgb("));
	/* Sorted by name. */
	cr_assert_lt(strstr(text, "compute->"), strstr(text, "sqrt->"));
	/* A colour stored in the file wins over the palette next time. */
	{
		char *sq = strstr(text, "\nsqrt->rgb(") + 1, *eol = strchr(sq, '\n');
		char *edited = NULL;

		cr_assert_geq(
			asprintf(&edited, "%.*ssqrt->rgb(9,9,9)%s", (int)(sq - text), text, eol),
			0);
		th_write_file(pal, edited, strlen(edited));
		free(edited);
	}
	free(text);
	pgraph_free(&g);
	free(svg);
	svg = render_ok(p, &(struct fg_opts){.palfile = pal, .colors = "blue"});
	g = parse(svg);
	cr_assert_str_eq(find(&g, "sqrt")->fill, "#090909");
	cr_assert_str_eq(find(&g, "main")->fill, "#010203");
	pgraph_free(&g);
	free(svg);
	/* No temporary files left next to it. */
	{
		const char *ls[] = {"ls", "-A", th_dir, NULL};
		struct th_result r = th_run(ls, NULL, 0, 10);

		cr_assert_str_eq(r.out, "palette.map\n", "%s", r.out);
		th_result_free(&r);
	}

	write_str(pal, "main->rgb(1,2,3)\ngarbage line\n");
	svg = render(p, &(struct fg_opts){.palfile = pal}, &err, NULL);
	cr_assert_eq(err, -EINVAL);
	cr_assert_eq(strlen(svg), 0);
	free(svg);
	write_str(pal, "main->rgb(1,2,300)\n");
	svg = render(p, &(struct fg_opts){.palfile = pal}, &err, NULL);
	cr_assert_eq(err, -EINVAL);
	free(svg);
	free(pal);
	profile__free(p);
}

Test(flamegraph, write_error_is_eio)
{
	struct profile *p = sample_profile();
	FILE *f = fopen("/dev/full", "w");

	cr_assert_not_null(f);
	cr_assert_eq(flamegraph__write(p, NULL, f), -EIO);
	fclose(f);
	profile__free(p);
}

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Size, not speed: rendering speed is measured by `make bench`, never by a timed test. */
Test(flamegraph, big_profile_renders_compact)
{
	struct profile *p = profile__new();
	uint32_t names[3000], frames[64];
	size_t unique = 0, len;
	char *svg, name[96];
	int i, err;

	for (i = 0; i < 3000; i++) {
		int n = snprintf(name, sizeof(name), "ns%d::Module%d::function_number_%d", i % 17,
				 i % 97, i);

		names[i] = profile__frame_named(p, name, n, FRAME_KIND_NATIVE);
	}
	/* 200k unique stacks, depth 5 to 60, branching more with depth. */
	while (unique < 200000) {
		int d = 5 + next_rand() % 56;
		uint32_t node = PROFILE_ROOT;

		for (i = 0; i < d; i++) {
			double u = (next_rand() % 10000) / 10000.0;

			frames[i] = names[(i * 131 + (int)(u * u * (2 + i / 2)) * 7) % 3000];
			node = profile__child(p, node, frames[i]);
		}
		if (profile__node_self(p, node, PROFILE_COL_MAIN) == 0)
			unique++;
		profile__add_weight(p, node, PROFILE_COL_MAIN, 1 + next_rand() % 20);
	}
	svg = render(p, NULL, &err, &len);
	cr_assert_eq(err, 0);
	cr_log_info("200k stacks, %u nodes: %zu bytes", profile__nnodes(p), len);
	cr_assert_leq(len, 5 * 1024 * 1024, "SVG is %zu bytes", len);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0);
	free(svg);
	profile__free(p);
}

Test(flamegraph, controls_and_invalid_utf8_never_reach_the_svg_raw)
{
	static const char *const names[] = {
		"clear\x1b[2J", "\xff\xfe",   "lone\x80",	 "over\xc0\xaf",
		"del\x7f",	"c1\xc2\x9b", "nul\x01\x02\x1f",
	};
	struct profile *p = profile__new();
	uint32_t root = profile__frame_named(p, "main", 4, FRAME_KIND_NATIVE);
	const unsigned char *u;
	char *svg, *out = NULL;
	size_t i, len;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint32_t st[2] = {root, profile__frame_named(p, names[i], strlen(names[i]),
							     FRAME_KIND_NATIVE)};

		profile__add_stack_int(p, st, 2, PROFILE_COL_MAIN, 10);
	}
	svg = render_ok(p, NULL);
	len = strlen(svg);
	cr_assert_eq(xmllint(svg, NULL, NULL), 0, "not well-formed XML");
	u = (const unsigned char *)svg;
	for (i = 0; i < len; i++) {
		cr_assert(u[i] >= 0x20 || u[i] == '\n' || u[i] == '\t',
			  "raw control byte 0x%02x at %zu", u[i], i);
		cr_assert(u[i] < 0xf8 && u[i] != 0xc0 && u[i] != 0xc1, "not UTF-8 at %zu", i);
	}
	cr_assert_not_null(strstr(svg, "clear\xef\xbf\xbd[2J ("), "ESC is U+FFFD");
	cr_assert_not_null(strstr(svg, "lone\xef\xbf\xbd ("));
	cr_assert_not_null(strstr(svg, "over\xef\xbf\xbd\xef\xbf\xbd ("));
	/* xmllint reads every title: no frame was lost to bad bytes. */
	cr_assert_eq(xmllint(svg, "count(//*[local-name()='title'])", &out), 0);
	cr_assert_str_eq(out, "9\n", "all + main + 7 frames: %s", out);
	free(out);
	free(svg);
	profile__free(p);
}
