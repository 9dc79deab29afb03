// SPDX-License-Identifier: Apache-2.0
/*
 * The perf script importer: FlameGraph's stackcollapse-perf.pl test corpus
 * (13 inputs x 6 options, compared as sorted lines without double quotes, as
 * FlameGraph's own test does), then the individual rules: offsets, [unknown]
 * frames, --addrs, inline chains, event filtering, frames on the event line,
 * the last stack without a blank line, Rust demangling, CRLF, bad lines and
 * detection.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "import.h"
#include "profile.h"

#define CORPUS RESQ_SRCDIR "/tests/data/flamegraph-corpus"

static const char *const corpus_inputs[] = {
	"perf-cycles-instructions-01", "perf-dd-stacks-01",	      "perf-funcab-cmd-01",
	"perf-funcab-pid-01",	       "perf-iperf-stacks-pidtid-01", "perf-java-faults-01",
	"perf-java-stacks-01",	       "perf-java-stacks-02",	      "perf-js-stacks-01",
	"perf-mirageos-stacks-01",     "perf-numa-stacks-01",	      "perf-rust-Yamakaky-dcpu",
	"perf-vertx-stacks-01",
};

static const char *const corpus_opts[] = {"pid", "tid", "kernel", "jit", "all", "addrs"};

#define NINPUTS (sizeof(corpus_inputs) / sizeof(corpus_inputs[0]))
#define NOPTS	(sizeof(corpus_opts) / sizeof(corpus_opts[0]))

struct golden_case {
	int input;
	int opt;
};

/* Imports @in as perf script text (detection included) and returns its folded text. */
static char *collapse_opts(const char *in, size_t len, const struct import_opts *o, int *err)
{
	struct profile *p = profile__new();
	char *out;

	*err = import__buffer(p, "test.perf", in, len, o);
	out = th_folded(p);
	profile__free(p);
	return out;
}

static char *collapse(const char *in, const struct import_opts *o)
{
	int err;
	char *out = collapse_opts(in, strlen(in), o, &err);

	cr_assert_eq(err, 0, "import failed: %d", err);
	return out;
}

static void assert_collapses_to(const char *in, const struct import_opts *o, const char *want)
{
	char *out = collapse(in, o);

	cr_assert_str_eq(out, want);
	free(out);
}

/* Finds the frame named @name in @p; PROFILE_NONE if none. */
static uint32_t find_frame(const struct profile *p, const char *name)
{
	uint32_t i;

	for (i = 0; i < profile__nframes(p); i++)
		if (!strcmp(profile__frame_name(p, i), name))
			return i;
	return PROFILE_NONE;
}

ParameterizedTestParameters(perf_script, matches_stackcollapse_perf_corpus)
{
	static struct golden_case cases[NINPUTS * NOPTS];
	size_t i, j;

	for (i = 0; i < NINPUTS; i++)
		for (j = 0; j < NOPTS; j++)
			cases[i * NOPTS + j] = (struct golden_case){.input = i, .opt = j};
	return cr_make_param_array(struct golden_case, cases, NINPUTS * NOPTS);
}

ParameterizedTest(struct golden_case *c, perf_script, matches_stackcollapse_perf_corpus,
		  .init = cr_redirect_stderr)
{
	const char *name = corpus_inputs[c->input], *opt = corpus_opts[c->opt];
	char in_path[4096], exp_path[4096];
	struct import_opts o = {.format = PROFILE_FMT_UNKNOWN};
	char *in, *exp, *out, *got_sorted, *exp_sorted;
	size_t len;
	int err;

	snprintf(in_path, sizeof(in_path), "%s/%s.txt", CORPUS, name);
	snprintf(exp_path, sizeof(exp_path), "%s/results/%s-collapsed-%s.txt", CORPUS, name, opt);
	in = th_read_file(in_path, &len);
	exp = th_read_file(exp_path, NULL);
	cr_assert_not_null(in, "corpus input missing: %s", in_path);
	cr_assert_not_null(exp, "corpus result missing: %s", exp_path);

	o.pid = !strcmp(opt, "pid");
	o.tid = !strcmp(opt, "tid");
	o.kernel = !strcmp(opt, "kernel") || !strcmp(opt, "all");
	o.jit = !strcmp(opt, "jit") || !strcmp(opt, "all");
	o.addrs = !strcmp(opt, "addrs");
	/* FlameGraph's Rust results keep perf's half-demangled names. */
	o.no_demangle = strstr(name, "rust") != NULL;

	cr_assert_eq(import__detect(in, len), PROFILE_FMT_PERF_SCRIPT, "%s not detected", name);
	out = collapse_opts(in, len, &o, &err);
	cr_assert_eq(err, 0, "%s --%s: import failed: %d", name, opt, err);
	got_sorted = th_sorted_lines(out, true);
	exp_sorted = th_sorted_lines(exp, true);
	cr_assert_str_eq(got_sorted, exp_sorted, "%s --%s differs from stackcollapse-perf.pl", name,
			 opt);
	free(got_sorted);
	free(exp_sorted);
	free(out);
	free(exp);
	free(in);
}

Test(perf_script, corpus_rust_demangled_by_default)
{
	char *in = th_read_file(CORPUS "/perf-rust-Yamakaky-dcpu.txt", NULL);
	struct profile *p = profile__new();
	const char *want = "<usize as core::iter::range::Step>::add_one";
	uint32_t f, node;
	double w = 0;

	cr_assert_not_null(in, "corpus missing: " CORPUS);
	cr_assert_eq(import__buffer(p, "rust.perf", in, strlen(in), NULL), 0);
	f = find_frame(p, want);
	cr_assert_neq(f, PROFILE_NONE, "no frame %s", want);
	for (node = 1; node < profile__nnodes(p); node++)
		if (profile__node_frame(p, node) == f)
			w += profile__node_self(p, node, PROFILE_COL_MAIN);
	cr_assert_eq(w, 128577, "weight of %s: %g", want, w);
	/* the ::h<hash> suffix goes, as in inferno */
	cr_assert_neq(find_frame(p, "emulator::main"), PROFILE_NONE);
	cr_assert_eq(find_frame(p, "emulator::main::hc2aaa9b4591a10c7"), PROFILE_NONE);
	cr_assert_neq(find_frame(p, "<std::collections::hash::map::HashMap<K, V, S> as "
				    "core::iter::traits::Extend<(K, V)>>::extend"),
		      PROFILE_NONE);
	cr_assert_eq(profile__frame_get(p, f)->kind, FRAME_KIND_NATIVE);
	profile__free(p);
	free(in);
}

Test(perf_script, no_demangle_keeps_perf_text)
{
	struct import_opts o = {.no_demangle = true};
	const char *in = "emulator 4152 1.0: 7 cycles:\n"
			 "\t1 _$LT$usize$u20$as$u20$core..iter..range..Step$GT$::add_one::"
			 "h0701a52b56dc0bbb+0x1f (/bin/emulator)\n\n";

	assert_collapses_to(in, &o,
			    "emulator;_$LT$usize$u20$as$u20$core..iter..range..Step$GT$::add_one::"
			    "h0701a52b56dc0bbb 7\n");
	assert_collapses_to(in, NULL, "emulator;<usize as core::iter::range::Step>::add_one 7\n");
}

Test(perf_script, mangled_rust_symbols_demangled)
{
	const char *in = "app 1 1.0: 1 cycles:\n"
			 "\t3 _RINvCs1234_7mycrate3fooAhj4_E (/bin/app)\n"
			 "\t2 _ZN4core3fmt5write17h0123456789abcdefE (/bin/app)\n"
			 "\t1 _ZN10JavaThread3runEv (/bin/app)\n\n";

#ifdef HAVE_LIBIBERTY
	/* v0 and legacy Rust demangled (';' in "[u8; 4]" made ':'), C++ untouched */
	assert_collapses_to(
		in, NULL, "app;_ZN10JavaThread3runEv;core::fmt::write;mycrate::foo::<[u8: 4]> 1\n");
#else
	assert_collapses_to(in, NULL,
			    "app;_ZN10JavaThread3runEv;_ZN4core3fmt5write17h0123456789abcdefE;"
			    "_RINvCs1234_7mycrate3fooAhj4_E 1\n");
#endif
}

Test(perf_script, offsets_stripped)
{
	assert_collapses_to("prog 10 1.0: 1 cycles:\n"
			    "\tffffffff8103ce3b native_safe_halt+0x1b ([kernel.kallsyms])\n"
			    "\t7fffb84c9afc cpu_startup_entry+0x800047c022ec ([kernel.kallsyms])\n"
			    "\t400123 main+0xAB (/bin/prog)\n"
			    "\t400100 f+0x (/bin/prog)\n\n",
			    NULL,
			    /* Perl's /\+0x[\da-f]+$/: lower-case hex digits, at least one */
			    "prog;f+0x;main+0xAB;cpu_startup_entry;native_safe_halt 1\n");
}

Test(perf_script, unknown_symbol_named_after_dso)
{
	assert_collapses_to("dd 29776 1.0: 10 cpu-clock:\n"
			    "\t31ef [unknown] (/bin/dd)\n"
			    "\t7f2eb2b31c2c [unknown] ([unknown])\n\n",
			    NULL, "dd;[unknown];[dd] 10\n");
}

Test(perf_script, addrs_names_unknown_frames_with_address)
{
	struct import_opts o = {.addrs = true};

	assert_collapses_to("dd 29776 1.0: 10 cpu-clock:\n"
			    "\t31ef [unknown] (/bin/dd)\n"
			    "\t7f2eb2b31c2c [unknown] ([unknown])\n\n"
			    "dd 29776 1.1: 10 cpu-clock:\n"
			    "\t31f0 [unknown] (/bin/dd)\n"
			    "\t7f2eb2b31c2c [unknown] ([unknown])\n\n",
			    &o,
			    "dd;[unknown <7f2eb2b31c2c>];[dd <31ef>] 10\n"
			    "dd;[unknown <7f2eb2b31c2c>];[dd <31f0>] 10\n");
}

Test(perf_script, inline_chain_split)
{
	const char *in = "prog 1 1.0: 1 cycles:\n"
			 "\t400200 leaf (/bin/prog)\n"
			 "\t400100 outer->inner->innermost+0x10 (/bin/prog)\n"
			 "\t400000 main (/bin/prog)\n\n";
	struct import_opts no_inline = {.no_inline = true};
	struct profile *p = profile__new();

	assert_collapses_to(in, NULL, "prog;main;outer;inner_[i];innermost_[i];leaf 1\n");
	assert_collapses_to(in, &no_inline, "prog;main;outer->inner->innermost;leaf 1\n");

	cr_assert_eq(import__buffer(p, "x", in, strlen(in), NULL), 0);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "inner_[i]"))->kind, FRAME_KIND_INLINE);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "outer"))->kind, FRAME_KIND_NATIVE);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "prog"))->kind, FRAME_KIND_ROOT);
	profile__free(p);
}

Test(perf_script, last_stack_without_blank_line)
{
	assert_collapses_to("prog 1 1.0: 5 cycles:\n"
			    "\t1 a (/bin/prog)\n\n"
			    "prog 1 1.1: 7 cycles:\n"
			    "\t2 b (/bin/prog)",
			    NULL, "prog;a 5\nprog;b 7\n");
}

Test(perf_script, only_first_event_type_counted, .init = cr_redirect_stderr)
{
	const char *in = "noploop 1 [001] 1.0: 100 instructions:\n"
			 "\t993 main (/root/noploop)\n\n"
			 "noploop 1 [001] 1.1: 5 cycles:\n"
			 "\t994 other (/root/noploop)\n\n"
			 "noploop 1 [001] 1.2: 100 instructions:\n"
			 "\t995 main (/root/noploop)\n\n";
	struct import_opts cycles = {.event_filter = "cycles"};

	assert_collapses_to(in, NULL, "noploop;main 200\n");
	assert_collapses_to(in, &cycles, "noploop;other 5\n");
}

Test(perf_script, weight_is_period_else_one)
{
	assert_collapses_to("a1 1 [000] 1.0: 10101010 cpu-clock:\n\t1 f (/x)\n\n"
			    "a1 1 [000] 1.1: cpu-clock:\n\t1 f (/x)\n\n"
			    "a1 1 cpu-clock:\n\t1 f (/x)\n\n",
			    NULL, "a1;f 10101012\n");
}

Test(perf_script, frame_on_event_line_read, .init = cr_redirect_stderr)
{
	/* perf script without -g: right-aligned comm, the frame on the same line */
	assert_collapses_to("           false 39654 19115.489713:          3 cycles:u:  "
			    "ffffffff9b201293 [unknown] ([unknown])\n"
			    "           false 39654 19115.489719:          4 cycles:u:      "
			    "7fa68b1f2d84 _dl_start+0x4 (/usr/lib/ld-2.31.so)\n"
			    "           false 39654 19115.489720:          9 instructions:u:  "
			    "7fa68b1f2d84 _dl_start+0x4 (/usr/lib/ld-2.31.so)\n"
			    "           false 39654 19115.489721:          5 cycles:u:  "
			    "7fa68b1f2d84 _dl_start+0x8 (/usr/lib/ld-2.31.so)\n",
			    NULL, "false;[unknown] 3\nfalse;_dl_start 9\n");
}

Test(perf_script, root_is_comm_with_pid_and_tid)
{
	const char *in = "V8 WorkerThread 24636/25607 [000] 94564.109216: 1 cycles:\n"
			 "\t1 f (/x)\n\n"
			 "swapper     0 [001]  1333.768770: 1 cycles:\n"
			 "\t1 g ([kernel.kallsyms])\n\n";
	struct import_opts pid = {.pid = true}, tid = {.tid = true};

	assert_collapses_to(in, NULL, "V8_WorkerThread;f 1\nswapper;g 1\n");
	assert_collapses_to(in, &pid, "V8_WorkerThread-24636;f 1\nswapper-?;g 1\n");
	assert_collapses_to(in, &tid, "V8_WorkerThread-24636/25607;f 1\nswapper-?/0;g 1\n");
}

Test(perf_script, kernel_and_jit_frames_annotated_and_kinded)
{
	const char *in = "java 1 1.0: 1 cycles:\n"
			 "\t1 tcp_sendmsg ([kernel.kallsyms])\n"
			 "\t2 nf_hook (/lib/modules/5.4/nf_conntrack.ko)\n"
			 "\t3 softirq (/usr/lib/debug/boot/vmlinux-5.4.14-cloudflare-2020.1.11)\n"
			 "\t4 Ljava/lang/Thread;::run (/tmp/perf-1234.map)\n"
			 "\t5 jitted_fn (/tmp/jitted-1234-7.so)\n"
			 "\t6 main (/usr/bin/java)\n\n";
	struct import_opts all = {.kernel = true, .jit = true};
	struct import_opts kernel = {.kernel = true};
	struct profile *p = profile__new();

	assert_collapses_to(in, &all,
			    "java;main;jitted_fn_[j];java/lang/Thread:::run_[j];softirq_[k];"
			    "nf_hook_[k];tcp_sendmsg_[k] 1\n");
	assert_collapses_to(in, &kernel,
			    "java;main;jitted_fn;java/lang/Thread:::run;softirq_[k];"
			    "nf_hook_[k];tcp_sendmsg_[k] 1\n");

	/* kinds are set without the annotation options, for colouring */
	cr_assert_eq(import__buffer(p, "x", in, strlen(in), NULL), 0);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "tcp_sendmsg"))->kind, FRAME_KIND_KERNEL);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "nf_hook"))->kind, FRAME_KIND_KERNEL);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "softirq"))->kind, FRAME_KIND_KERNEL);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "jitted_fn"))->kind, FRAME_KIND_JIT);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "java/lang/Thread:::run"))->kind,
		     FRAME_KIND_JIT);
	cr_assert_eq(profile__frame_get(p, find_frame(p, "main"))->kind, FRAME_KIND_NATIVE);
	profile__free(p);
}

Test(perf_script, names_tidied_like_stackcollapse_perf)
{
	assert_collapses_to(
		"prog 1 1.0: 1 cycles:\n"
		"\t1 JavaCalls::call_helper(JavaValue, methodHandle) (/x)\n"
		"\t2 net/http.(*Client).Do (/x)\n"
		"\t3 ns::(anonymous namespace)::myBar(int) (/x)\n"
		"\t4 RegExp:[&<>\\\"\\'] (/tmp/perf-7539.map)\n"
		"\t5 a;b (/x)\n"
		"\t6 (prog) (/x)\n\n",
		NULL,
		"prog;a:b;RegExp:[&<>\\\\];ns::(anonymous namespace)::myBar;net/http.(*Client).Do;"
		"JavaCalls::call_helper 1\n");
}

Test(perf_script, crlf_input)
{
	assert_collapses_to("prog 1 1.0: 3 cycles:\r\n"
			    "\t1 leaf+0x1 (/bin/prog)\r\n"
			    "\t2 main (/bin/prog)\r\n"
			    "\r\n"
			    "prog 1 1.1: 4 cycles:\r\n"
			    "\t1 leaf+0x2 (/bin/prog)\r\n"
			    "\t2 main (/bin/prog)\r\n",
			    NULL, "prog;main;leaf 7\n");
}

Test(perf_script, garbage_lines_counted, .init = cr_redirect_stderr)
{
	const char *in = "# header\n"
			 "prog 1 1.0: 3 cycles:\n"
			 "\tthis is not a frame\n"
			 "\t1 main (/bin/prog)\n"
			 "\t???\n"
			 "\n"
			 "garbage\n";
	int err;
	char *out = collapse_opts(in, strlen(in),
				  &(struct import_opts){.format = PROFILE_FMT_PERF_SCRIPT}, &err);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(out, "prog;main 3\n");
	fflush(stderr);
	cr_assert_stderr_eq_str("resq-flame: warning: ignored 3 lines with invalid format in "
				"test.perf, first at line 3\n");
	free(out);
}

Test(perf_script, detection)
{
	static const char *const yes[] = {
		"# ========\n# cmdline : perf record -g\n#\n"
		"sleep 42 [000] 1.5: 1 cycles:\n\tffffffff81 f ([kernel.kallsyms])\n\n",
		"java 19983 cycles:\nffffffff8103d0ca native_write_msr_safe ([kernel.kallsyms])\n",
		"  false 1 2.0:  3 cycles:u:  ffffffff9b201293 [unknown] ([unknown])\n",
	};
	static const char *const no[] = {
		"main;foo;bar 12\nmain;foo 3\n",
		"perl;main 2 x;y 10\nperl;main 2 x;z 3\n",
		"a;b (c) 5\n\t1 f (/x)\n",
		"sleep 42 [000] 1.5: 1 cycles:\nnot a frame\n",
		"",
		"# only a comment\n",
	};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		cr_expect_eq(import__detect(yes[i], strlen(yes[i])), PROFILE_FMT_PERF_SCRIPT,
			     "not detected: %s", yes[i]);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		cr_expect_neq(import__detect(no[i], strlen(no[i])), PROFILE_FMT_PERF_SCRIPT,
			      "detected: %s", no[i]);
}
