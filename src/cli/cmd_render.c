// SPDX-License-Identifier: Apache-2.0
/*
 * resq-flame render: read profile files in any supported format, merge
 * them, and write an SVG flame graph or folded stacks. Accepts
 * stackcollapse-perf.pl's and flamegraph.pl's options under their names so
 * that it can replace them in existing scripts.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "log.h"
#include "xalloc.h"

enum {
	OPT_NOTES = OPT_GLOBAL_LAST,
	OPT_NAMETYPE,
	OPT_FONTTYPE,
	OPT_FONTSIZE,
	OPT_FONTWIDTH,
	OPT_HEIGHT,
	OPT_BGCOLORS,
	OPT_HASH,
	OPT_DETERMINISTIC,
	OPT_PALFILE,
	OPT_CP,
	OPT_FLAMECHART,
	OPT_NEGATE,
	OPT_FACTOR,
	OPT_BASE,
	OPT_TRUNCATE_RIGHT,
	OPT_SEARCH_COLOR,
	OPT_STROKE_COLOR,
	OPT_UICOLOR,
	OPT_NO_SORT,
	OPT_PID,
	OPT_TID,
	OPT_KERNEL,
	OPT_JIT,
	OPT_ALL,
	OPT_ADDRS,
	OPT_NO_FILE_FRAMES,
	OPT_NO_DEMANGLE,
	OPT_NO_INLINE,
	OPT_EVENT_FILTER,
	OPT_INPUT_FORMAT,
	OPT_TIME_WEIGHTS,
	OPT_SAMPLE_TYPE,
	OPT_MAX_INPUT,
};

/* Keeps only stacks holding one of @names, each cut to start at the first. */
static struct profile *rebase(const struct profile *p, const char **names, size_t n);

struct rebase_ctx {
	struct profile *dst;
	const char **names;
	size_t n;
};

static int rebase_one(const struct profile *src, const uint32_t *frames, size_t depth,
		      uint32_t node, void *arg)
{
	struct rebase_ctx *c = arg;
	uint32_t dnode = PROFILE_ROOT;
	size_t i, j, start = depth;

	for (i = 0; i < depth && start == depth; i++)
		for (j = 0; j < c->n; j++)
			if (!strcmp(profile__frame_name(src, frames[i]), c->names[j])) {
				start = i;
				break;
			}
	if (start == depth)
		return 0;
	for (i = start; i < depth; i++) {
		const struct frame *f = profile__frame_get(src, frames[i]);
		const char *name = profile__str(src, f->name);

		dnode = profile__child(c->dst, dnode,
				       profile__frame_named(c->dst, name, strlen(name), f->kind));
	}
	/* A part of @src: its weights fit. */
	profile__add_node_weights(c->dst, dnode, src, node);
	return 0;
}

static struct profile *rebase(const struct profile *p, const char **names, size_t n)
{
	struct rebase_ctx c = { .dst = profile__new(), .names = names, .n = n };

	profile__set_countname(c.dst, profile__countname(p));
	profile__walk_stacks(p, rebase_one, &c);
	return c.dst;
}

/* What render's own options set. */
struct render_opts {
	struct cli_global *g;
	struct import_opts io;
	bool file_frames;
};

static int render_parse(void *ctx, int key, const char *arg)
{
	struct render_opts *r = ctx;
	struct cli_global *g = r->g;
	struct import_opts *io = &r->io;

	switch (key) {
	case OPT_NOTES: g->fg.notes = arg; break;
	case OPT_NAMETYPE: g->fg.nametype = arg; break;
	case OPT_FONTTYPE: g->fg.fonttype = arg; break;
	case OPT_FONTSIZE:
		return cli_parse_double("--fontsize", arg, 1, 1000, &g->fg.fontsize) ? 0 : -1;
	case OPT_FONTWIDTH:
		return cli_parse_double("--fontwidth", arg, 0.01, 10, &g->fg.fontwidth) ? 0 : -1;
	case OPT_HEIGHT:
		return cli_parse_double("--height", arg, 1, 1000, &g->fg.height) ? 0 : -1;
	case OPT_BGCOLORS: g->fg.bgcolors = arg; break;
	case OPT_HASH: g->fg.hash = true; break;
	case OPT_DETERMINISTIC: break;
	case OPT_PALFILE: g->fg.palfile = arg; break;
	case OPT_CP: g->fg.palfile = "palette.map"; break;
	case OPT_FLAMECHART: g->fg.flamechart = true; break;
	case OPT_NEGATE: g->fg.negate = true; break;
	case OPT_FACTOR:
		return cli_parse_double("--factor", arg, 1e-300, 1e300, &g->fg.factor) ? 0 : -1;
	case OPT_BASE:
		g->base = xreallocarray(g->base, g->nbase + 1, sizeof(*g->base));
		g->base[g->nbase++] = arg;
		break;
	case OPT_TRUNCATE_RIGHT: g->fg.truncate_text_right = true; break;
	case OPT_SEARCH_COLOR: g->fg.search_color = arg; break;
	case OPT_STROKE_COLOR: g->fg.stroke_color = arg; break;
	case OPT_UICOLOR: g->fg.uicolor = arg; break;
	case OPT_NO_SORT: break;
	case OPT_PID: io->pid = true; break;
	case OPT_TID: io->tid = true; break;
	case OPT_KERNEL: io->kernel = true; break;
	case OPT_JIT: io->jit = true; break;
	case OPT_ALL: io->kernel = io->jit = true; break;
	case OPT_ADDRS: io->addrs = true; break;
	case OPT_NO_FILE_FRAMES: r->file_frames = false; break;
	case OPT_NO_DEMANGLE: io->no_demangle = true; break;
	case OPT_NO_INLINE: io->no_inline = true; break;
	case OPT_EVENT_FILTER: io->event_filter = arg; break;
	case OPT_TIME_WEIGHTS: io->time_weights = true; break;
	case OPT_SAMPLE_TYPE: io->sample_type = arg; break;
	case OPT_MAX_INPUT:
		if (import__parse_size(arg, &io->max_input)) {
			fprintf(stderr,
				"resq-flame: --max-input: expected a size such as 512M or 4G, "
				"found '%s'\n",
				arg);
			return -1;
		}
		break;
	case OPT_INPUT_FORMAT:
		if (import__parse_format(arg, &io->format)) {
			fprintf(stderr, "resq-flame: unknown input format '%s' (expected folded, perf-script, cpuprofile, speedscope, pprof or bpftrace)\n",
				arg);
			return -1;
		}
		break;
	default: return -1;
	}
	return 0;
}

static const struct cli_opt input_opts[] = {
	{.key = OPT_NO_FILE_FRAMES,
	 .name = "no-file-frames",
	 .help = "several inputs: no per-file root frame"},
	{.key = OPT_INPUT_FORMAT,
	 .name = "input-format",
	 .arg = "F",
	 .help = "folded, perf-script, cpuprofile, speedscope, pprof or bpftrace: read every input "
		 "as F, not by its content"},
	{.key = OPT_SAMPLE_TYPE,
	 .name = "sample-type",
	 .arg = "NAME",
	 .help = "pprof: the sample type to draw (e.g. alloc_space); default the profile's "
		 "default_sample_type, else its last type"},
	{.key = OPT_TIME_WEIGHTS,
	 .name = "time-weights",
	 .help = "V8 .cpuprofile: weigh by sampled time (us), not samples"},
	{.key = OPT_MAX_INPUT,
	 .name = "max-input",
	 .arg = "SIZE",
	 .help = "largest input, decompressed (k, M, G suffixes); default 1G, or 32 times the "
		 "size of a gzip input if larger"},
	{0},
};

static const struct cli_opt perf_script_opts[] = {
	{.key = OPT_PID, .name = "pid", .help = "root frames comm-PID"},
	{.key = OPT_TID, .name = "tid", .help = "root frames comm-PID/TID"},
	{.key = OPT_KERNEL, .name = "kernel", .help = "_[k] on kernel frames"},
	{.key = OPT_JIT, .name = "jit", .help = "_[j] on JIT frames"},
	{.key = OPT_ALL, .name = "all", .help = "--kernel and --jit"},
	{.key = OPT_ADDRS, .name = "addrs", .help = "[dso <addr>] for unknown symbols"},
	{.key = OPT_EVENT_FILTER,
	 .name = "event-filter",
	 .arg = "EV",
	 .help = "count only event EV (default: the first seen)"},
	{.key = OPT_NO_INLINE,
	 .name = "no-inline",
	 .help = "keep perf's a->b inline chains as one frame"},
	{.key = OPT_NO_DEMANGLE,
	 .name = "no-demangle",
	 .help = "keep Rust symbols as perf printed them"},
	{0},
};

static const struct cli_opt flamegraph_opts[] = {
	{.key = OPT_NOTES, .name = "notes", .arg = "TEXT", .help = "notes embedded in the SVG"},
	{.key = OPT_NAMETYPE,
	 .name = "nametype",
	 .arg = "TEXT",
	 .help = "label before names (default \"Function:\")"},
	{.key = OPT_HEIGHT, .name = "height", .arg = "PX", .help = "frame height (default 16)"},
	{.key = OPT_FONTTYPE,
	 .name = "fonttype",
	 .arg = "FONT",
	 .help = "font family (default Verdana)"},
	{.key = OPT_FONTSIZE, .name = "fontsize", .arg = "N", .help = "font size (default 12)"},
	{.key = OPT_FONTWIDTH,
	 .name = "fontwidth",
	 .arg = "F",
	 .help = "average glyph width as a share of the font size (default 0.59)"},
	{.key = OPT_BGCOLORS,
	 .name = "bgcolors",
	 .arg = "COLOR",
	 .help = "yellow, blue, green, grey or #rrggbb"},
	{.key = OPT_HASH, .name = "hash", .help = "accepted: colours always come from a name hash"},
	{.key = OPT_DETERMINISTIC, .name = "deterministic", .help = "accepted, as --hash is"},
	{.key = OPT_PALFILE,
	 .name = "palfile",
	 .arg = "FILE",
	 .help = "consistent palette: read and update FILE"},
	{.key = OPT_CP, .name = "cp", .help = "same as --palfile palette.map"},
	{.key = OPT_FLAMECHART,
	 .name = "flamechart",
	 .help = "flame chart: input order, merge only adjacent stacks"},
	{.key = OPT_NEGATE, .name = "negate", .help = "differential: swap red and blue"},
	{.key = OPT_FACTOR, .name = "factor", .arg = "F", .help = "multiply every count by F"},
	{.key = OPT_BASE,
	 .name = "base",
	 .arg = "SYMBOL",
	 .help = "keep only stacks through SYMBOL, rooted at it (repeatable)"},
	{.key = OPT_TRUNCATE_RIGHT,
	 .name = "truncate-text-right",
	 .help = "cut long names on the right"},
	{.key = OPT_SEARCH_COLOR,
	 .name = "search-color",
	 .arg = "C",
	 .help = "the colour of search matches"},
	{.key = OPT_STROKE_COLOR,
	 .name = "stroke-color",
	 .arg = "C",
	 .help = "the frames' outline colour"},
	{.key = OPT_UICOLOR, .name = "uicolor", .arg = "C", .help = "the colour of the controls"},
	{.key = OPT_NO_SORT,
	 .name = "no-sort",
	 .help = "accepted; merging does not need sorted input"},
	{0},
};

static const struct cli_opt_group input_group = {
	.heading = "input options",
	.opts = input_opts,
	.parse = render_parse,
};

static const struct cli_opt_group perf_script_group = {
	.heading = "perf script options (stackcollapse-perf.pl names)",
	.opts = perf_script_opts,
	.parse = render_parse,
};

static const struct cli_opt_group flamegraph_group = {
	.heading = "flame graph options (flamegraph.pl / inferno names)",
	.opts = flamegraph_opts,
	.parse = render_parse,
};

static const char render_about[] =
	"Reads profile files in any supported format (detected from the content;\n"
	"gzip is undone first), merges them and writes an SVG flame graph or\n"
	"folded stacks. '-' reads stdin; with no FILE and stdin not a terminal,\n"
	"stdin is read. With several files each one's stacks sit under a root\n"
	"frame named after the file.\n"
	"\n"
	"input formats: folded stacks (stackcollapse-*, inferno, py-spy --format raw,\n"
	"  bcc -f; 'stack BEFORE AFTER' lines draw a differential graph),\n"
	"  perf script text (collapsed exactly as stackcollapse-perf.pl does),\n"
	"  V8 .cpuprofile (node --cpu-prof, Chrome DevTools; frames 'fn (file:line:col)'),\n"
	"  speedscope JSON (sampled and evented; py-spy --format speedscope),\n"
	"  pprof protobuf, gzipped or not (Go net/http/pprof, pprof-rs, @datadog/pprof),\n"
	"  bpftrace map output ('@[ustack, kstack] = count()'; ustack(perf) too) and\n"
	"  collapsed bpftrace histogram lines ('a, b, c: N', root first)\n";

static const char render_examples[] =
	"  perf record -F 99 -a -g -- sleep 30 && perf script > out.perf\n"
	"  resq-flame render out.perf -o cpu.svg\n"
	"  perf script | resq-flame render --kernel - -o - > cpu.svg\n"
	"  resq-flame render out.perf -f folded -o out.folded\n"
	"  resq-flame render a.folded b.folded --title 'two hosts'\n"
	"  resq-flame render diff.folded --negate -o diff.svg\n"
	"  node --cpu-prof app.js && resq-flame render CPU.*.cpuprofile -o app.svg\n"
	"  resq-flame render py-spy.speedscope.json -o out.cpuprofile\n"
	"  curl -o cpu.pb.gz 'localhost:6060/debug/pprof/profile?seconds=10'\n"
	"  resq-flame render cpu.pb.gz -o cpu.svg\n"
	"  resq-flame render --sample-type alloc_space heap.pb.gz -o heap.svg\n"
	"  bpftrace -e 'profile:hz:99 { @[ustack, kstack] = count(); }' > bt.txt\n"
	"  resq-flame render bt.txt -o bt.svg\n"
	"  resq-flame render out.perf -o out.pb.gz && go tool pprof -top out.pb.gz\n";

int cmd_render(int argc, char **argv, struct cli_global *g)
{
	struct render_opts ro = {.g = g, .file_frames = true};
	const struct cli_spec spec = {
		.name = "render",
		.usage_tail = "[OPTIONS] FILE... [-o OUT]",
		.about = render_about,
		.examples = render_examples,
		.groups = {{&input_group, &ro},
			   {&perf_script_group, &ro},
			   {&flamegraph_group, &ro},
			   {&cli_global_group, g}},
		.ngroups = 4,
	};
	struct import_opts io;
	struct profile *p = NULL, *t;
	const char *stdin_only[] = {"-"};
	const char **inputs;
	bool file_frames;
	int ninputs, i, ret;

	ret = cli_spec__parse(&spec, g, argc, argv);
	if (ret) {
		ret = ret > 0 ? EXIT_OK : EXIT_USAGE;
		goto out;
	}
	ret = EXIT_FAIL;
	io = ro.io;
	file_frames = ro.file_frames;
	inputs = (const char **)argv + optind;
	ninputs = argc - optind;
	if (!ninputs) {
		if (isatty(STDIN_FILENO)) {
			ret = cli_usage_error("render", "no input files (give FILE..., or '-' for stdin)");
			goto out;
		}
		inputs = stdin_only;
		ninputs = 1;
	}

	p = profile__new();
	profile__set_chart_mode(p, g->fg.flamechart);
	for (i = 0; i < ninputs; i++) {
		if (ninputs == 1 || !file_frames) {
			if (import__path(p, inputs[i], &io))
				goto out;
			continue;
		}
		t = profile__new();
		profile__set_chart_mode(t, g->fg.flamechart);
		if (import__path(t, inputs[i], &io)) {
			profile__free(t);
			goto out;
		}
		if (profile__merge(p, t, strcmp(inputs[i], "-") ? inputs[i] : "stdin")) {
			pr_err("%s: its counts and those of the inputs before add up to more than "
			       "2^63 - 1, the most a 64-bit count holds",
			       inputs[i]);
			profile__free(t);
			goto out;
		}
		profile__free(t);
	}
	if (g->nbase) {
		t = rebase(p, g->base, g->nbase);
		profile__free(p);
		p = t;
		if (profile__total(p, PROFILE_COL_MAIN) == 0 &&
		    profile__total(p, PROFILE_COL_BEFORE) == 0) {
			pr_err("no stack passes through --base %s%s", g->base[0],
			       g->nbase > 1 ? " (or the other --base symbols)" : "");
			goto out;
		}
	}
	if (g->reverse) {
		t = profile__reversed(p);
		profile__free(p);
		p = t;
	}
	if (g->countname_set)
		profile__set_countname(p, g->fg.countname);
	if (cli_write_profile(p, g))
		goto out;
	if (g->output && strcmp(g->output, "-"))
		pr_info("wrote %s (%" PRId64 " %s, %u frames)", g->output,
			profile__total_int(p, PROFILE_COL_MAIN), profile__countname(p),
			profile__nnodes(p) - 1);
	else if (!g->output)
		pr_info("wrote flamegraph.svg (%" PRId64 " %s, %u frames)",
			profile__total_int(p, PROFILE_COL_MAIN), profile__countname(p),
			profile__nnodes(p) - 1);
	ret = EXIT_OK;
out:
	profile__free(p);
	free(g->base);
	g->base = NULL;
	return ret;
}
