// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame diff BEFORE AFTER: a differential profile. AFTER's weights
 * are the main column (they size the frames), BEFORE's the "before"
 * column; stacks are matched by their text (frame names joined), whatever
 * formats the two files are in. The renderer colours the change: red grew,
 * blue shrank (swapped by --negate, as flamegraph.pl's option does).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hashmap.h"
#include "import.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

enum {
	OPT_NORMALIZE = OPT_GLOBAL_LAST,
	OPT_NEGATE,
	OPT_STRIP_HEX,
	OPT_SAMPLE_TYPE,
	OPT_MAX_INPUT,
};

/* What diff's own options set. */
struct diff_opts {
	struct cli_global *g;
	struct import_opts io;
	bool normalize, strip_hex;
};

static int diff_parse(void *ctx, int key, const char *arg)
{
	struct diff_opts *d = ctx;

	switch (key) {
	case OPT_NORMALIZE: d->normalize = true; return 0;
	case OPT_NEGATE: d->g->fg.negate = true; return 0;
	case OPT_STRIP_HEX: d->strip_hex = true; return 0;
	case OPT_SAMPLE_TYPE: d->io.sample_type = arg; return 0;
	case OPT_MAX_INPUT:
		if (!import__parse_size(arg, &d->io.max_input))
			return 0;
		cli_usage_error("diff",
				"--max-input: expected a size such as 512M or 4G, found '%s'", arg);
		return -1;
	}
	return -1;
}

static const struct cli_opt diff_opts[] = {
	{.key = OPT_NORMALIZE,
	 .name = "normalize",
	 .usage = "[--normalize]",
	 .help = "scale BEFORE to AFTER's total first (compare shares, not absolute counts)"},
	{.key = OPT_NEGATE,
	 .name = "negate",
	 .usage = "[--negate]",
	 .help = "swap the colours (red shrank, blue grew); to size frames by BEFORE, swap the "
		 "inputs and add --negate"},
	{.key = OPT_STRIP_HEX,
	 .name = "strip-hex",
	 .usage = "[--strip-hex]",
	 .help = "remove hex addresses (0x7f3a..., +0x1f offsets, bare 8+ digit hex words) from "
		 "frame names before matching"},
	{.key = OPT_SAMPLE_TYPE,
	 .name = "sample-type",
	 .arg = "NAME",
	 .usage = "[--sample-type NAME]",
	 .help = "pprof inputs: the sample type to compare"},
	{.key = OPT_MAX_INPUT,
	 .name = "max-input",
	 .arg = "SIZE",
	 .usage = "[--max-input SIZE]",
	 .help = "largest input, decompressed (k, M, G suffixes); default 1G, or 32 times the "
		 "size of a gzip input if larger"},
	{0},
};

static const struct cli_opt_group diff_group = {
	.heading = "options",
	.opts = diff_opts,
	.parse = diff_parse,
};

static const char diff_about[] =
	"Compares two profiles of any supported formats (each detected from its\n"
	"content) and writes a differential flame graph: frame widths come from\n"
	"AFTER; red frames grew and blue ones shrank since BEFORE, more saturated\n"
	"for bigger changes; frames only in AFTER are marked new, and the share of\n"
	"frames only in BEFORE is reported as gone. Stacks are matched by their\n"
	"text (frame names), so a perf capture can be compared with a pprof one.\n";

static const char diff_notes[] =
	"-f folded writes 'stack BEFORE AFTER' lines, as difffolded.pl does; render\n"
	"draws them as the same differential graph.\n";

static const char diff_examples[] =
	"  resq-flame diff before.folded after.folded -o diff.svg\n"
	"  resq-flame diff --normalize old.pb.gz new.pb.gz -o diff.svg\n"
	"  resq-flame diff --strip-hex a.perf b.perf -f folded -o diff.folded\n"
	"  resq-flame render diff.folded --negate -o diff.svg\n"
	"  resq-flame diff --negate after.folded before.folded -o shrank.svg\n";

/* Builds the differential profile, one input at a time. */
struct differ {
	struct profile *d;
	bool strip_hex;
	struct hashmap *by_name; /* name string id in d -> frame id in d */
	uint32_t *fmap;		 /* source frame id -> frame id in d, or PROFILE_NONE */
	uint32_t *buf;
	size_t alloc;
	enum profile_col col;
	double scale;
	struct strbuf sb;
};

static bool is_word(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/*
 * Copies @s without hex addresses: "0x" numbers (with a '+' before them,
 * as in "func+0x1f"), and whole words of 8 or more hex digits that hold a
 * digit. Surrounding blanks are trimmed; a name that was only an address
 * becomes "[unknown]".
 */
static void strip_hex(const char *s, size_t len, struct strbuf *out)
{
	size_t i = 0, j, start;

	strbuf__reset(out);
	while (i < len) {
		bool boundary = i == 0 || !is_word(s[i - 1]);

		if (boundary && i + 2 < len && s[i] == '0' &&
		    (s[i + 1] == 'x' || s[i + 1] == 'X') && is_hex(s[i + 2])) {
			for (j = i + 2; j < len && is_hex(s[j]); j++)
				;
			if (out->len && out->buf[out->len - 1] == '+')
				out->buf[--out->len] = '\0';
			i = j;
			continue;
		}
		if (boundary && is_hex(s[i])) {
			bool digit = false;

			for (j = i; j < len && is_hex(s[j]); j++)
				digit |= s[j] >= '0' && s[j] <= '9';
			if (j - i >= 8 && digit && (j == len || !is_word(s[j]))) {
				i = j;
				continue;
			}
		}
		strbuf__addch(out, s[i++]);
	}
	for (start = 0; start < out->len && (out->buf[start] == ' ' || out->buf[start] == '\t');
	     start++)
		;
	while (out->len > start &&
	       (out->buf[out->len - 1] == ' ' || out->buf[out->len - 1] == '\t'))
		out->buf[--out->len] = '\0';
	if (start) {
		memmove(out->buf, out->buf + start, out->len - start + 1);
		out->len -= start;
	}
	if (!out->len)
		strbuf__adds(out, "[unknown]");
}

static uint32_t map_frame(struct differ *df, const struct profile *src, uint32_t fid)
{
	const struct frame *sf = profile__frame_get(src, fid);
	const char *name = profile__str(src, sf->name);
	size_t len = profile__str_len(src, sf->name);
	struct frame f = {.kind = sf->kind};
	uint32_t sid;
	uint64_t v;

	if (df->fmap[fid] != PROFILE_NONE)
		return df->fmap[fid];
	if (df->strip_hex) {
		strip_hex(name, len, &df->sb);
		name = df->sb.buf;
		len = df->sb.len;
	}
	/* Matching is by name: the first frame of a name fixes its kind. */
	sid = profile__intern(df->d, name, len);
	if (hashmap__get(df->by_name, sid, &v)) {
		df->fmap[fid] = (uint32_t)v;
		return (uint32_t)v;
	}
	f.name = sid;
	f.module = profile__intern_str(df->d, profile__str(src, sf->module));
	df->fmap[fid] = profile__frame(df->d, &f);
	hashmap__put(df->by_name, sid, df->fmap[fid]);
	return df->fmap[fid];
}

static int add_one(const struct profile *src, const uint32_t *frames, size_t n, uint32_t node,
		   void *ctx)
{
	struct differ *df = ctx;
	double w = profile__node_self(src, node, PROFILE_COL_MAIN) * df->scale;
	uint32_t leaf;
	size_t i;

	if (w == 0)
		return 0;
	ALLOC_GROW(df->buf, n, df->alloc);
	for (i = 0; i < n; i++)
		df->buf[i] = map_frame(df, src, frames[i]);
	leaf = profile__stack_node(df->d, df->buf, n);
	/* Unscaled weights are copied exactly; each column holds one input's, which fit. */
	if (df->scale == 1 && !profile__fractional(src))
		profile__add_weight_int(df->d, leaf, df->col,
					profile__node_self_int(src, node, PROFILE_COL_MAIN));
	else
		profile__add_weight(df->d, leaf, df->col, w);
	return 0;
}

static void add_profile(struct differ *df, const struct profile *src, enum profile_col col,
			double scale)
{
	uint32_t i, n = profile__nframes(src);

	df->fmap = xreallocarray(df->fmap, (size_t)n + 1, sizeof(*df->fmap));
	for (i = 0; i <= n; i++)
		df->fmap[i] = PROFILE_NONE;
	df->col = col;
	df->scale = scale;
	profile__walk_stacks(src, add_one, df);
}

int cmd_diff(int argc, char **argv, struct cli_global *g)
{
	struct diff_opts d = {.g = g};
	const struct cli_spec spec = {
		.name = "diff",
		.usage_tail = "BEFORE AFTER [-o OUT]",
		.about = diff_about,
		.notes = diff_notes,
		.examples = diff_examples,
		.groups = {{&diff_group, &d}},
		.ngroups = 1,
	};
	struct import_opts io;
	struct profile *before = NULL, *after = NULL;
	struct differ df = {.sb = STRBUF_INIT};
	double tb, ta, scale = 1;
	char *subtitle = NULL;
	int ret = EXIT_FAIL;

	ret = cli_spec__parse(&spec, g, argc, argv);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	ret = EXIT_FAIL;
	io = d.io;
	df.strip_hex = d.strip_hex;
	if (argc - optind != 2) {
		ret = cli_usage_error("diff", "expected two profiles, BEFORE and AFTER (got %d)",
				      argc - optind);
		goto out;
	}
	if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-")) {
		ret = cli_usage_error("diff", "only one of BEFORE and AFTER can be '-' (stdin)");
		goto out;
	}

	before = profile__new();
	after = profile__new();
	if (import__path(before, argv[optind], &io) || import__path(after, argv[optind + 1], &io))
		goto out;
	tb = profile__total(before, PROFILE_COL_MAIN);
	ta = profile__total(after, PROFILE_COL_MAIN);
	if (d.normalize && tb > 0)
		scale = ta / tb;

	df.d = profile__new();
	df.by_name = hashmap__new();
	add_profile(&df, after, PROFILE_COL_MAIN, 1);
	add_profile(&df, before, PROFILE_COL_BEFORE, scale);
	profile__set_countname(df.d,
			       g->countname_set ? g->fg.countname : profile__countname(after));
	if (!g->title_set)
		g->fg.title = "Differential Flame Graph";
	if (!g->fg.subtitle) {
		subtitle = xmalloc(strlen(argv[optind]) + strlen(argv[optind + 1]) + 64);
		sprintf(subtitle, "before: %s, after: %s%s", argv[optind], argv[optind + 1],
			d.normalize ? " (before normalized)" : "");
		g->fg.subtitle = subtitle;
	}
	pr_debug("diff: before %g, after %g %s; before scaled by %g", tb, ta,
		 profile__countname(df.d), scale);
	if (cli_write_profile(df.d, g))
		goto out;
	if (!g->output || strcmp(g->output, "-"))
		pr_info("wrote %s (before %g, after %g %s)",
			g->output ? g->output : "flamegraph.svg", tb * scale, ta,
			profile__countname(df.d));
	ret = EXIT_OK;
out:
	profile__free(before);
	profile__free(after);
	profile__free(df.d);
	hashmap__free(df.by_name);
	free(df.fmap);
	free(df.buf);
	strbuf__release(&df.sb);
	free(subtitle);
	return ret;
}
