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

static const struct option render_options[] = {
	{ "notes", required_argument, NULL, OPT_NOTES },
	{ "nametype", required_argument, NULL, OPT_NAMETYPE },
	{ "fonttype", required_argument, NULL, OPT_FONTTYPE },
	{ "fontsize", required_argument, NULL, OPT_FONTSIZE },
	{ "fontwidth", required_argument, NULL, OPT_FONTWIDTH },
	{ "height", required_argument, NULL, OPT_HEIGHT },
	{ "bgcolors", required_argument, NULL, OPT_BGCOLORS },
	{ "hash", no_argument, NULL, OPT_HASH },
	{ "deterministic", no_argument, NULL, OPT_DETERMINISTIC },
	{ "palfile", required_argument, NULL, OPT_PALFILE },
	{ "cp", no_argument, NULL, OPT_CP },
	{ "flamechart", no_argument, NULL, OPT_FLAMECHART },
	{ "negate", no_argument, NULL, OPT_NEGATE },
	{ "factor", required_argument, NULL, OPT_FACTOR },
	{ "base", required_argument, NULL, OPT_BASE },
	{ "truncate-text-right", no_argument, NULL, OPT_TRUNCATE_RIGHT },
	{ "search-color", required_argument, NULL, OPT_SEARCH_COLOR },
	{ "stroke-color", required_argument, NULL, OPT_STROKE_COLOR },
	{ "uicolor", required_argument, NULL, OPT_UICOLOR },
	{ "no-sort", no_argument, NULL, OPT_NO_SORT },
	{ "pid", no_argument, NULL, OPT_PID },
	{ "tid", no_argument, NULL, OPT_TID },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "jit", no_argument, NULL, OPT_JIT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "addrs", no_argument, NULL, OPT_ADDRS },
	{ "no-file-frames", no_argument, NULL, OPT_NO_FILE_FRAMES },
	{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
	{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
	{ "event-filter", required_argument, NULL, OPT_EVENT_FILTER },
	{ "input-format", required_argument, NULL, OPT_INPUT_FORMAT },
	{ "time-weights", no_argument, NULL, OPT_TIME_WEIGHTS },
	{ "sample-type", required_argument, NULL, OPT_SAMPLE_TYPE },
	{ "max-input", required_argument, NULL, OPT_MAX_INPUT },
	{ NULL, 0, NULL, 0 },
};

static void render_usage(FILE *f)
{
	fputs("usage: resq-flame render [OPTIONS] FILE... [-o OUT]\n"
	      "\n"
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
	      "  collapsed bpftrace histogram lines ('a, b, c: N', root first)\n"
	      "\n"
	      "output (global options):\n"
	      "  -o, --output PATH      default flamegraph.svg; '-' is stdout\n"
	      "  -f, --format FMT       svg, folded, pprof, speedscope or cpuprofile (default from\n"
	      "                         the extension: .folded .txt .pb.gz .pprof\n"
	      "                         .speedscope.json .cpuprofile)\n"
	      "\n"
	      "input options:\n"
	      "      --no-file-frames   several inputs: no per-file root frame\n"
	      "      --input-format F   folded, perf-script, cpuprofile, speedscope, pprof or\n"
	      "                         bpftrace: read every input as F, not by its content\n"
	      "      --sample-type NAME pprof: the sample type to draw (e.g. alloc_space); default\n"
	      "                         the profile's default_sample_type, else its last type\n"
	      "      --time-weights     V8 .cpuprofile: weigh by sampled time (us), not samples\n"
	      "      --max-input SIZE   largest input, decompressed (k, M, G suffixes); default\n"
	      "                         1G, or 32 times the size of a gzip input if larger\n"
	      "perf script options (stackcollapse-perf.pl names):\n"
	      "      --pid              root frames comm-PID\n"
	      "      --tid              root frames comm-PID/TID\n"
	      "      --kernel           _[k] on kernel frames\n"
	      "      --jit              _[j] on JIT frames\n"
	      "      --all              --kernel and --jit\n"
	      "      --addrs            [dso <addr>] for unknown symbols\n"
	      "      --event-filter EV  count only event EV (default: the first seen)\n"
	      "      --no-inline        keep perf's a->b inline chains as one frame\n"
	      "      --no-demangle      keep Rust symbols as perf printed them\n"
	      "\n"
	      "flame graph options (flamegraph.pl / inferno names):\n"
	      "      --title TEXT       default \"Flame Graph\"\n"
	      "      --subtitle TEXT    second title line\n"
	      "      --notes TEXT       notes embedded in the SVG\n"
	      "      --countname NAME   unit in tooltips (default samples)\n"
	      "      --nametype TEXT    label before names (default \"Function:\")\n"
	      "      --width PX         image width (default 1200)\n"
	      "      --height PX        frame height (default 16)\n"
	      "      --minwidth PX|P%   merge away narrower frames (default 0.1 px)\n"
	      "      --fonttype FONT, --fontsize N, --fontwidth F\n"
	      "      --colors PALETTE   hot (default), mem, io, wakeup, chain, java, js, perl,\n"
	      "                         red, green, blue, aqua, yellow, purple, orange, kind\n"
	      "      --bgcolors COLOR   yellow, blue, green, grey or #rrggbb\n"
	      "      --hash, --deterministic  accepted: colours always come from a name hash\n"
	      "      --palfile FILE     consistent palette: read and update FILE\n"
	      "      --cp               same as --palfile palette.map\n"
	      "      --inverted         icicle graph (roots at the top)\n"
	      "      --reverse          reverse each stack before merging\n"
	      "      --flamechart       flame chart: input order, merge only adjacent stacks\n"
	      "      --negate           differential: swap red and blue\n"
	      "      --factor F         multiply every count by F\n"
	      "      --base SYMBOL      keep only stacks through SYMBOL, rooted at it (repeatable)\n"
	      "      --truncate-text-right  cut long names on the right\n"
	      "      --search-color C, --stroke-color C, --uicolor C\n"
	      "      --no-sort          accepted; merging does not need sorted input\n"
	      "\n"
	      "examples:\n"
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
	      "  resq-flame render out.perf -o out.pb.gz && go tool pprof -top out.pb.gz\n",
	      f);
}

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

static int parse_render_option(int c, const char *arg, struct cli_global *g,
			       struct import_opts *io, bool *file_frames)
{
	switch (c) {
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
	case OPT_NO_FILE_FRAMES: *file_frames = false; break;
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
		if (!strcmp(arg, "folded"))
			io->format = PROFILE_FMT_FOLDED;
		else if (!strcmp(arg, "perf-script") || !strcmp(arg, "perf"))
			io->format = PROFILE_FMT_PERF_SCRIPT;
		else if (!strcmp(arg, "cpuprofile") || !strcmp(arg, "v8"))
			io->format = PROFILE_FMT_V8_CPUPROFILE;
		else if (!strcmp(arg, "speedscope"))
			io->format = PROFILE_FMT_SPEEDSCOPE;
		else if (!strcmp(arg, "pprof"))
			io->format = PROFILE_FMT_PPROF;
		else if (!strcmp(arg, "bpftrace"))
			io->format = PROFILE_FMT_BPFTRACE;
		else {
			fprintf(stderr, "resq-flame: unknown input format '%s' (expected folded, perf-script, cpuprofile, speedscope, pprof or bpftrace)\n",
				arg);
			return -1;
		}
		break;
	default:
		return 1;
	}
	return 0;
}

int cmd_render(int argc, char **argv, struct cli_global *g)
{
	struct option *opts = cli_options_merge(render_options);
	struct import_opts io = { 0 };
	struct profile *p = NULL, *t;
	const char *stdin_only[] = { "-" };
	const char **inputs;
	bool file_frames = true;
	int ninputs, c, i, ret = EXIT_FAIL;

	opterr = 0;
	while ((c = getopt_long(argc, argv, CLI_GLOBAL_SHORTOPTS, opts, NULL)) != -1) {
		int r;

		if (c == 'h') {
			render_usage(stdout);
			ret = EXIT_OK;
			goto out;
		}
		if (c == 'V') {
			cli_print_version();
			ret = EXIT_OK;
			goto out;
		}
		if (c == '?') {
			ret = cli_usage_error("render", "unknown or incomplete option '%s'",
					      argv[optind - 1]);
			goto out;
		}
		r = cli_global_option(g, c, optarg);
		if (r == 0)
			r = parse_render_option(c, optarg, g, &io, &file_frames) ? -1 : 1;
		if (r < 0) {
			ret = EXIT_USAGE;
			goto out;
		}
	}
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
	free(opts);
	free(g->base);
	g->base = NULL;
	return ret;
}
