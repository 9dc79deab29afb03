// SPDX-License-Identifier: Apache-2.0
/*
 * The SVG flame graph: resolves the options, lays the profile out
 * (fg_layout.c), colours each frame (fg_color.c) and writes one <g> per
 * frame with its <title>, <rect> and <text>, then the script that makes
 * the graph interactive (fg_script.c). Frames carry their exact start and
 * width in weight units (fg:x, fg:w) so that zoom and search need no
 * rounding-prone arithmetic on pixels; settings the script needs are
 * attributes of the root element, so no user-supplied string ever ends up
 * inside the script's source.
 */
#include "flamegraph.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "render_internal.h"
#include "xalloc.h"

#define XPAD	 10.0
#define FRAME_NS "urn:resq-flame:fg"

/* Options with every default filled in and every string validated. */
struct opts {
	const char *title, *subtitle, *notes, *countname, *nametype, *fonttype;
	const char *search_color, *stroke_color, *uicolor;
	double fontsize, fontwidth, width, height, minwidth, factor;
	bool minwidth_percent, inverted, negate, right, chart;
	enum fg_palette pal;
	char bg_top[8], bg_bottom[8];
};

static double pos_or(double v, double dflt)
{
	return v > 0 && isfinite(v) ? v : dflt;
}

static const char *str_or(const char *s, const char *dflt)
{
	return s && *s ? s : dflt;
}

static int resolve(struct opts *r, const struct profile *p, const struct fg_opts *o)
{
	static const struct fg_opts zero;

	if (!o)
		o = &zero;
	memset(r, 0, sizeof(*r));
	r->chart = o->flamechart || profile__chart_mode(p);
	r->inverted = o->inverted;
	r->negate = o->negate;
	r->right = o->truncate_text_right;
	r->minwidth_percent = o->minwidth_percent;
	r->title = str_or(o->title, r->chart	  ? "Flame Chart"
				    : r->inverted ? "Icicle Graph"
						  : "Flame Graph");
	r->subtitle = o->subtitle && *o->subtitle ? o->subtitle : NULL;
	r->notes = o->notes && *o->notes ? o->notes : NULL;
	r->countname = str_or(o->countname, profile__countname(p));
	r->nametype = str_or(o->nametype, "Function:");
	r->fonttype = str_or(o->fonttype, "Verdana");
	r->search_color = str_or(o->search_color, "rgb(230,0,230)");
	r->stroke_color = o->stroke_color && *o->stroke_color && strcmp(o->stroke_color, "none")
				  ? o->stroke_color
				  : NULL;
	r->uicolor = str_or(o->uicolor, "#000000");
	r->fontsize = pos_or(o->fontsize, 12);
	r->fontwidth = pos_or(o->fontwidth, 0.59);
	r->width = pos_or(o->width, 1200);
	r->height = pos_or(o->height, 16);
	/* Zero means the default; a negative minimum draws every frame. */
	r->minwidth = o->minwidth < 0 ? 0 : pos_or(o->minwidth, 0.1);
	if (o->factor != 0 && !(o->factor > 0 && isfinite(o->factor))) {
		pr_err("flame graph: factor must be a positive number");
		return -EINVAL;
	}
	r->factor = o->factor ? o->factor : 1;
	if (r->width <= 2 * XPAD) {
		pr_err("flame graph: width %g is too small", r->width);
		return -EINVAL;
	}
	if (fg_palette__parse(o->colors, &r->pal)) {
		pr_err("flame graph: unknown palette '%s'; known: hot, mem, io, wakeup, chain, "
		       "java, js, perl, red, green, blue, aqua, yellow, purple, orange, kind",
		       o->colors);
		return -EINVAL;
	}
	if (fg_bgcolors__parse(o->bgcolors, r->bg_top, r->bg_bottom)) {
		pr_err("flame graph: unknown background '%s'; use yellow, blue, green, grey or "
		       "#rrggbb",
		       o->bgcolors);
		return -EINVAL;
	}
	if (!fg_color__css_ok(r->search_color) || !fg_color__css_ok(r->uicolor) ||
	    (r->stroke_color && !fg_color__css_ok(r->stroke_color))) {
		pr_err("flame graph: colours must be #rrggbb, a colour name or rgb(R,G,B)");
		return -EINVAL;
	}
	return 0;
}

bool flamegraph__palette_known(const char *name)
{
	enum fg_palette pal;

	return name && *name && !fg_palette__parse(name, &pal);
}

/* Vertical metrics shared by the header, the frames and the script. */
struct geom {
	double top;    /* y of the highest frame row */
	double bottom; /* space under the lowest row (status line) */
	double image_h;
	double scale; /* px per weight unit */
};

static void write_attr(struct svg *s, const char *name, const char *val)
{
	svg__printf(s, " %s=\"", name);
	svg__text(s, val, strlen(val));
	svg__raw(s, "\"");
}

static void write_header(struct svg *s, const struct opts *r, const struct geom *g,
			 const struct fg_layout *l)
{
	svg__raw(s, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n");
	svg__raw(s, "<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:fg=\"" FRAME_NS
		    "\" width=\"");
	svg__coord(s, r->width);
	svg__raw(s, "\" height=\"");
	svg__coord(s, g->image_h);
	svg__raw(s, "\" viewBox=\"0 0 ");
	svg__coord(s, r->width);
	svg__raw(s, " ");
	svg__coord(s, g->image_h);
	svg__raw(s, "\"");
	if (l) {
		svg__printf(s,
			    " fg:total=\"%.17g\" fg:xpad=\"%g\" fg:top=\"%.10g\" fg:fh=\"%.10g\""
			    " fg:depth=\"%u\" fg:fs=\"%.10g\" fg:fw=\"%.10g\" fg:inverted=\"%d\""
			    " fg:right=\"%d\"",
			    l->total, XPAD, g->top, r->height, l->max_depth, r->fontsize,
			    r->fontwidth, r->inverted, r->right);
		write_attr(s, "fg:nametype", r->nametype);
		write_attr(s, "fg:countname", r->countname);
		write_attr(s, "fg:searchcolor", r->search_color);
	}
	svg__raw(s, ">\n");
	if (r->notes) {
		svg__raw(s, "<desc id=\"notes\">");
		svg__text(s, r->notes, strlen(r->notes));
		svg__raw(s, "</desc>\n");
	}
	svg__printf(
		s,
		"<defs><linearGradient id=\"bg\" x1=\"0\" y1=\"0\" x2=\"0\" y2=\"1\">"
		"<stop offset=\"5%%\" stop-color=\"%s\"/><stop offset=\"95%%\" stop-color=\"%s\"/>"
		"</linearGradient></defs>\n",
		r->bg_top, r->bg_bottom);
	svg__raw(s, "<style type=\"text/css\">\n"
		    ".ui{cursor:pointer}.ui:hover{opacity:.6}.hide{display:none}.dim{opacity:.45}\n"
		    "#frames g{cursor:pointer}#frames rect{rx:2px;ry:2px}"
		    "#frames text{pointer-events:none}\n"
		    "#frames g:hover rect{stroke:#000;stroke-width:.6}"
		    ".new rect{stroke:#700;stroke-dasharray:3 1}\n");
	if (r->stroke_color)
		svg__printf(s, "#frames rect{stroke:%s;stroke-width:.5}\n", r->stroke_color);
	svg__raw(s, "</style>\n");
	svg__raw(s, "<rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"url(#bg)\"/>\n");
	svg__raw(s, "<g id=\"ui\"");
	write_attr(s, "font-family", r->fonttype);
	svg__raw(s, " font-size=\"");
	svg__coord(s, r->fontsize);
	svg__printf(s, "\" fill=\"%s\">\n", r->uicolor);
	svg__raw(s, "<text id=\"title\" text-anchor=\"middle\" x=\"");
	svg__coord(s, r->width / 2);
	svg__raw(s, "\" y=\"");
	svg__coord(s, r->fontsize * 2);
	svg__raw(s, "\" font-size=\"");
	svg__coord(s, r->fontsize + 5);
	svg__raw(s, "\">");
	svg__text(s, r->title, strlen(r->title));
	svg__raw(s, "</text>\n");
	if (r->subtitle) {
		svg__raw(s, "<text id=\"subtitle\" text-anchor=\"middle\" x=\"");
		svg__coord(s, r->width / 2);
		svg__raw(s, "\" y=\"");
		svg__coord(s, r->fontsize * 4);
		svg__raw(s, "\" fill=\"#a0a0a0\">");
		svg__text(s, r->subtitle, strlen(r->subtitle));
		svg__raw(s, "</text>\n");
	}
}

/* Status line text shown when nothing is hovered: what was merged away. */
static void idle_note(struct strbuf *sb, const struct opts *r, const struct fg_layout *l)
{
	if (l->hidden_n) {
		svg__add_count(sb, l->hidden_n);
		strbuf__addf(sb, " frame%s narrower than ", l->hidden_n == 1 ? "" : "s");
		if (r->minwidth_percent)
			strbuf__addf(sb, "%g%% of the total", r->minwidth);
		else
			strbuf__addf(sb, "%g px", r->minwidth);
		strbuf__addf(sb, " merged away (%.2f%% of ", 100.0 * l->hidden_w / l->total);
		svg__add_text(sb, r->countname, strlen(r->countname));
		strbuf__adds(sb, ")");
	}
	if (l->gone_n) {
		if (l->hidden_n)
			strbuf__adds(sb, "; ");
		svg__add_count(sb, l->gone_n);
		strbuf__addf(sb, " frame%s only in the before profile (gone, not drawn)",
			     l->gone_n == 1 ? "" : "s");
	}
}

static void write_ui(struct svg *s, const struct opts *r, const struct geom *g,
		     const struct fg_layout *l)
{
	struct strbuf note = STRBUF_INIT;
	double status_y = g->image_h - g->bottom / 2 + r->fontsize / 3;

	idle_note(&note, r, l);
	svg__raw(s, "<text id=\"details\" x=\"");
	svg__coord(s, XPAD);
	svg__raw(s, "\" y=\"");
	svg__coord(s, status_y);
	svg__printf(s, "\">%s</text>\n", note.len ? note.buf : " ");
	strbuf__release(&note);
	svg__raw(s, "<text id=\"unzoom\" class=\"ui hide\" x=\"");
	svg__coord(s, XPAD);
	svg__raw(s, "\" y=\"");
	svg__coord(s, r->fontsize * 2);
	svg__raw(s, "\">Reset Zoom</text>\n");
	svg__raw(s, "<text id=\"search\" class=\"ui\" text-anchor=\"end\" x=\"");
	svg__coord(s, r->width - XPAD);
	svg__raw(s, "\" y=\"");
	svg__coord(s, r->fontsize * 2);
	svg__raw(s, "\">Search</text>\n");
	svg__raw(s, "<text id=\"matched\" text-anchor=\"end\" x=\"");
	svg__coord(s, r->width - XPAD);
	svg__raw(s, "\" y=\"");
	svg__coord(s, status_y);
	svg__raw(s, "\"> </text>\n</g>\n");
}

struct colorer {
	enum fg_palette pal;
	struct fg_palfile *pf;
	uint32_t *cache; /* per frame id: 0 = not yet, else 0x1000000 | rgb */
	uint32_t nframes;
	bool diff, negate;
	double max_delta;
};

static struct fg_rgb frame_color(struct colorer *c, const struct profile *p,
				 const struct fg_frame *f, double before)
{
	const struct frame *fr;
	struct fg_rgb rgb;
	uint32_t id;
	const char *name;
	size_t len;

	if (c->diff)
		return fg_color__diff(before, f->w, c->max_delta, c->negate);
	if (f->node == PROFILE_ROOT) {
		rgb = fg_color__frame(c->pal, "all", 3, FRAME_KIND_ROOT);
		return c->pf ? fg_palfile__get(c->pf, "all", 3, rgb) : rgb;
	}
	id = profile__node_frame(p, f->node);
	if (id < c->nframes && c->cache[id]) {
		uint32_t v = c->cache[id];

		return (struct fg_rgb){.r = v >> 16, .g = v >> 8, .b = v};
	}
	fr = profile__frame_get(p, id);
	name = profile__str(p, fr->name);
	len = profile__str_len(p, fr->name);
	rgb = fg_color__frame(c->pal, name, len, (enum frame_kind)fr->kind);
	if (c->pf)
		rgb = fg_palfile__get(c->pf, name, len, rgb);
	if (id < c->nframes)
		c->cache[id] = 0x1000000u | (uint32_t)rgb.r << 16 | (uint32_t)rgb.g << 8 | rgb.b;
	return rgb;
}

static void write_title(struct svg *s, const struct opts *r, const struct fg_layout *l,
			const struct fg_frame *f, double before, const char *name, size_t len)
{
	double delta;

	svg__text(s, name, len);
	svg__raw(s, " (");
	svg__count(s, f->w * r->factor);
	svg__raw(s, " ");
	svg__text(s, r->countname, strlen(r->countname));
	svg__printf(s, ", %.2f%%", 100.0 * f->w / l->total);
	if (l->diff) {
		svg__raw(s, "; before: ");
		svg__count(s, before * r->factor);
		svg__raw(s, " ");
		svg__text(s, r->countname, strlen(r->countname));
		svg__printf(s, ", %.2f%%; delta: ",
			    l->total_before > 0 ? 100.0 * before / l->total_before : 0.0);
		delta = (f->w - before) * r->factor;
		svg__raw(s, delta < 0 ? "-" : "+");
		svg__count(s, fabs(delta));
		if (before <= 0 && f->node != PROFILE_ROOT)
			svg__raw(s, "; new");
	}
	svg__raw(s, ")");
}

static void write_frames(struct svg *s, const struct opts *r, const struct geom *g,
			 const struct fg_layout *l, const struct profile *p, struct colorer *c)
{
	double rect_h = r->height > 1 ? r->height - 1 : r->height;
	double char_w = r->fontsize * r->fontwidth;
	double text_dy = rect_h / 2 + r->fontsize * 0.35;
	size_t i, m = 0;

	svg__raw(s, "<g id=\"frames\"");
	write_attr(s, "font-family", r->fonttype);
	svg__raw(s, " font-size=\"");
	svg__coord(s, r->fontsize);
	svg__raw(s, "\">\n");
	for (i = 0; i < l->n; i++) {
		const struct fg_frame *f = &l->frames[i];
		double x = XPAD + f->x * g->scale, w = f->w * g->scale, y;
		double before = l->diff ? l->before[i] : 0;
		const struct fg_merged *mg = NULL;
		const char *name = "all";
		size_t len = 3, off, n;
		struct fg_rgb rgb = frame_color(c, p, f, before);
		bool dots;

		if (m < l->nmerged && l->merged[m].frame == i)
			mg = &l->merged[m++];

		if (f->node != PROFILE_ROOT) {
			uint32_t sid = profile__frame_get(p, profile__node_frame(p, f->node))->name;

			name = profile__str(p, sid);
			len = profile__str_len(p, sid);
		}
		if (r->inverted)
			y = g->top + f->depth * r->height;
		else
			y = g->top + (double)(l->max_depth - f->depth) * r->height;

		svg__raw(s, "<g");
		if (l->diff && before <= 0 && f->node != PROFILE_ROOT)
			svg__raw(s, " class=\"new\"");
		if (mg && mg->hidden_n) {
			svg__printf(s, " fg:h=\"%u ", mg->hidden_n);
			strbuf__add_weight(&s->sb, mg->hidden_w * r->factor);
			svg__raw(s, "\"");
		}
		if (mg && mg->gone_n) {
			svg__printf(s, " fg:g=\"%u ", mg->gone_n);
			strbuf__add_weight(&s->sb, mg->gone_w * r->factor);
			svg__raw(s, "\"");
		}
		svg__raw(s, "><title>");
		write_title(s, r, l, f, before, name, len);
		svg__raw(s, "</title><rect x=\"");
		svg__coord(s, x);
		svg__raw(s, "\" y=\"");
		svg__coord(s, y);
		svg__raw(s, "\" width=\"");
		svg__coord(s, w);
		svg__raw(s, "\" height=\"");
		svg__coord(s, rect_h);
		svg__printf(s, "\" fill=\"#%02x%02x%02x\" fg:x=\"", rgb.r, rgb.g, rgb.b);
		strbuf__add_weight(&s->sb, f->x);
		svg__raw(s, "\" fg:w=\"");
		strbuf__add_weight(&s->sb, f->w);
		svg__raw(s, "\"/><text x=\"");
		svg__coord(s, x + 3);
		svg__raw(s, "\" y=\"");
		svg__coord(s, y + text_dy);
		svg__raw(s, "\">");
		dots = fg_label__fit(name, len, (long)floor((w - 6) / char_w), r->right, &off, &n);
		if (dots && !r->right)
			svg__raw(s, "..");
		svg__text(s, name + off, n);
		if (dots && r->right)
			svg__raw(s, "..");
		svg__raw(s, "</text></g>\n");
		svg__maybe_flush(s);
	}
	svg__raw(s, "</g>\n");
}

static int write_empty(FILE *out, const struct opts *r)
{
	struct svg s;
	struct geom g = {.image_h = r->fontsize * 6};

	svg__init(&s, out);
	write_header(&s, r, &g, NULL);
	svg__raw(&s, "<text id=\"details\" text-anchor=\"middle\" x=\"");
	svg__coord(&s, r->width / 2);
	svg__raw(&s, "\" y=\"");
	svg__coord(&s, r->fontsize * 4);
	svg__raw(&s, "\">No samples: the profile is empty, nothing to draw</text>\n</g>\n</svg>\n");
	return svg__finish(&s);
}

int flamegraph__write(const struct profile *p, const struct fg_opts *o, FILE *out)
{
	struct colorer c = {0};
	struct fg_layout l;
	struct opts r;
	struct geom g;
	struct svg s;
	double min_w;
	int err;

	err = resolve(&r, p, o);
	if (err)
		return err;
	/* The minimum in weight units needs the total: take it from the profile. */
	{
		double total = profile__total(p, PROFILE_COL_MAIN);

		min_w = r.minwidth_percent ? r.minwidth / 100.0 * total
					   : r.minwidth * total / (r.width - 2 * XPAD);
	}
	err = fg_layout__build(&l, p, min_w);
	if (err == -ENODATA) {
		fg_layout__release(&l);
		err = write_empty(out, &r);
		return err ? err : -ENODATA;
	}
	if (err) {
		fg_layout__release(&l);
		return err;
	}

	if (l.n > 250000)
		pr_warn("flame graph has %zu frames and will be slow to open; raise --minwidth",
			l.n);
	c.pal = r.pal;
	c.diff = l.diff;
	c.negate = r.negate;
	if (l.diff) {
		for (size_t i = 1; i < l.n; i++) {
			double d = fabs(l.frames[i].w - l.before[i]);

			if (d > c.max_delta)
				c.max_delta = d;
		}
	} else {
		c.nframes = profile__nframes(p);
		c.cache = xcalloc((size_t)c.nframes + 1, sizeof(*c.cache));
		if (o && o->palfile && *o->palfile) {
			c.pf = fg_palfile__load(o->palfile);
			if (!c.pf) {
				err = -errno;
				goto out;
			}
		}
	}

	g.top = r.fontsize * 3 + (r.subtitle ? r.fontsize * 2 : 0);
	g.bottom = r.fontsize * 2 + 10;
	g.image_h = g.top + (l.max_depth + 1) * r.height + g.bottom;
	g.scale = (r.width - 2 * XPAD) / l.total;

	svg__init(&s, out);
	write_header(&s, &r, &g, &l);
	write_ui(&s, &r, &g, &l);
	write_frames(&s, &r, &g, &l, p, &c);
	svg__raw(&s, "<script type=\"text/ecmascript\"><![CDATA[\n");
	svg__raw(&s, fg_script);
	svg__raw(&s, "]]></script>\n</svg>\n");
	err = svg__finish(&s);
	if (!err && c.pf)
		err = fg_palfile__save(c.pf);
out:
	fg_palfile__free(c.pf);
	free(c.cache);
	fg_layout__release(&l);
	return err;
}
