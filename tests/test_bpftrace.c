// SPDX-License-Identifier: Apache-2.0
/*
 * The bpftrace importer: real captures of tests/data/bpftrace/workload.c
 * (@[ustack, kstack], @[kstack, ustack, comm], @[ustack(perf)]) checked
 * against counts taken straight from bpftrace's text and against golden
 * folded files, then the rules one by one: offsets, unresolved addresses,
 * which stack is the kernel's, comm roots, one-line entries, collapsed
 * histogram lines, bad lines and detection.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "import.h"
#include "profile.h"

#define DATA RESQ_SRCDIR "/tests/data/bpftrace"

TestSuite(bpftrace, .timeout = 60);

static struct profile *import_text(const char *text, int *err)
{
	struct profile *p = profile__new();

	*err = import__buffer(p, "test.bt", text, strlen(text), NULL);
	return p;
}

static char *folded_of(const char *text)
{
	int err;
	struct profile *p = import_text(text, &err);
	char *out;

	cr_assert_eq(err, 0, "import failed: %d", err);
	out = th_folded(p);
	profile__free(p);
	return out;
}

/* Inclusive share (percent) of the frames named @name. */
static double share(const struct profile *p, const char *name)
{
	struct profile_index *ix = profile_index__new(p);
	double c = 0, total;
	uint32_t n;

	cr_assert_not_null(ix);
	total = ix->total[PROFILE_ROOT];
	for (n = 1; n < ix->nnodes; n++)
		if (!strcmp(profile__frame_name(p, profile__node_frame(p, n)), name))
			c += ix->total[n];
	profile_index__free(ix);
	return 100 * c / total;
}

/*
 * Counts straight from bpftrace's text, without the importer: the sum of
 * every "]: N" and of those whose entry mentions "@fn+".
 */
static double raw_share(const char *text, const char *fn)
{
	char needle[128];
	double total = 0, hit = 0;
	bool in_entry_hit = false;
	const char *line = text;

	snprintf(needle, sizeof(needle), " %s+", fn);
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		char buf[1024];
		const char *close;

		if (len >= sizeof(buf))
			len = sizeof(buf) - 1;
		memcpy(buf + 1, line, len);
		buf[0] = ' ';
		buf[len + 1] = '\0';
		if (!strncmp(line, "@[", 2))
			in_entry_hit = false;
		/* Frames are indented by spaces or a tab (perf format). */
		for (char *t = buf; *t; t++)
			if (*t == '\t')
				*t = ' ';
		if (strstr(buf, needle))
			in_entry_hit = true;
		close = strstr(buf, "]: ");
		if (close) {
			double n = strtod(close + 3, NULL);

			total += n;
			if (in_entry_hit)
				hit += n;
		}
		line = nl ? nl + 1 : NULL;
	}
	cr_assert_gt(total, 1000, "too few samples in the capture");
	return 100 * hit / total;
}

/* Compares with tests/data/bpftrace/@name.expected.folded (RESQ_BLESS=1 rewrites it). */
static void golden(const char *name, const char *got)
{
	char path[4096];
	const char *bless = getenv("RESQ_BLESS");
	char *want;

	snprintf(path, sizeof(path), DATA "/%s.expected.folded", name);
	if (bless && !strcmp(bless, "1")) {
		th_write_file(path, got, strlen(got));
		return;
	}
	want = th_read_file(path, NULL);
	cr_assert_not_null(want, "missing %s (run with BLESS=1 after review)", path);
	cr_assert_str_eq(got, want, "differs from %s", path);
	free(want);
}

/* Kernel frames sit at the leaf end: below a kernel frame only kernel frames. */
static void check_kernel_at_leaf_end(const struct profile *p)
{
	uint32_t n, kernel_nodes = 0;

	for (n = 1; n < profile__nnodes(p); n++) {
		uint32_t parent = profile__node_parent(p, n);
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, n));

		if (f->kind == FRAME_KIND_KERNEL)
			kernel_nodes++;
		if (parent == PROFILE_ROOT)
			continue;
		if (profile__frame_get(p, profile__node_frame(p, parent))->kind ==
		    FRAME_KIND_KERNEL)
			cr_assert_eq(f->kind, FRAME_KIND_KERNEL, "%s under a kernel frame",
				     profile__str(p, f->name));
	}
	cr_assert_gt(kernel_nodes, 0, "the capture has kernel frames");
}

static void check_capture(const char *file, const char *golden_name, const char *root)
{
	char path[4096];
	static const char *const fns[] = {"hot_spin", "warm_spin", "cool_spin", "run_batch"};
	struct profile *p = profile__new();
	char *text, *folded;
	size_t i;

	snprintf(path, sizeof(path), DATA "/%s", file);
	text = th_read_file(path, NULL);
	cr_assert_not_null(text);
	cr_assert_eq(import__detect(text, strlen(text)), PROFILE_FMT_BPFTRACE);
	cr_assert_eq(import__path(p, path, NULL), 0);
	for (i = 0; i < sizeof(fns) / sizeof(fns[0]); i++) {
		double want = raw_share(text, fns[i]), got = share(p, fns[i]);

		cr_assert(fabs(got - want) <= 3, "%s: %s is %.2f%%, bpftrace printed %.2f%%", file,
			  fns[i], got, want);
	}
	/* The workload's design: about 60% in hot_spin. */
	cr_assert(share(p, "hot_spin") > 50 && share(p, "hot_spin") < 70);
	if (root) {
		uint32_t n;

		for (n = 1; n < profile__nnodes(p); n++)
			if (profile__node_parent(p, n) == PROFILE_ROOT)
				cr_assert_str_eq(profile__frame_name(p, profile__node_frame(p, n)),
						 root);
	}
	folded = th_folded(p);
	golden(golden_name, folded);
	free(folded);
	free(text);
	profile__free(p);
}

Test(bpftrace, real_ustack_kstack_capture)
{
	struct profile *p = profile__new();

	check_capture("ustack_kstack.txt", "ustack_kstack", NULL);
	cr_assert_eq(import__path(p, DATA "/ustack_kstack.txt", NULL), 0);
	check_kernel_at_leaf_end(p);
	profile__free(p);
}

Test(bpftrace, real_kstack_ustack_comm_capture)
{
	struct profile *p = profile__new();

	check_capture("kstack_ustack_comm.txt", "kstack_ustack_comm", "bt_workload");
	cr_assert_eq(import__path(p, DATA "/kstack_ustack_comm.txt", NULL), 0);
	check_kernel_at_leaf_end(p);
	profile__free(p);
}

Test(bpftrace, real_ustack_perf_capture_keeps_modules)
{
	struct profile *p = profile__new();
	uint32_t n;
	bool libc = false;

	check_capture("ustack_perf.txt", "ustack_perf", NULL);
	cr_assert_eq(import__path(p, DATA "/ustack_perf.txt", NULL), 0);
	for (n = 1; n < profile__nnodes(p); n++) {
		const struct frame *f = profile__frame_get(p, profile__node_frame(p, n));
		const char *name = profile__str(p, f->name), *mod = profile__str(p, f->module);

		if (!strcmp(name, "hot_spin"))
			cr_assert(strlen(mod) > 12 &&
					  !strcmp(mod + strlen(mod) - 12, "/bt_workload"),
				  "module %s", mod);
		if (!strcmp(name, "__libc_start_call_main")) {
			cr_assert_not_null(strstr(mod, "libc.so.6"), "module %s", mod);
			libc = true;
		}
	}
	cr_assert(libc);
	profile__free(p);
}

Test(bpftrace, offsets_stripped_and_unresolved_addresses_unknown)
{
	char *f = folded_of("Attaching 1 probe...\n\n\n"
			    "@[\n"
			    "    leaf+12\n"
			    "    0x7f1234567890\n"
			    "    main+0x1f\n"
			    "    finish_task_switch.isra.0+147\n"
			    "]: 5\n");

	cr_assert_str_eq(f, "finish_task_switch.isra.0;main;[unknown];leaf 5\n");
	free(f);
}

Test(bpftrace, kernel_stack_goes_to_the_leaf_end_in_either_key_order)
{
	const char *ku = "@[\n"
			 "    do_nanosleep+10\n"
			 "    __x64_sys_clock_nanosleep+5\n"
			 "    do_syscall_64+56\n"
			 "    entry_SYSCALL_64_after_hwframe+99\n"
			 ", \n"
			 "    clock_nanosleep+40\n"
			 "    main+20\n"
			 "    __libc_start_call_main+122\n"
			 ", sleeper]: 4\n"
			 "@[, \n"
			 "    busy+3\n"
			 "    main+30\n"
			 "    __libc_start_call_main+122\n"
			 ", sleeper]: 6\n";
	const char *uk = "@[\n"
			 "    clock_nanosleep+40\n"
			 "    main+20\n"
			 "    __libc_start_call_main+122\n"
			 ", \n"
			 "    do_nanosleep+10\n"
			 "    entry_SYSCALL_64_after_hwframe+99\n"
			 "]: 4\n";
	char *f = folded_of(ku);

	cr_assert_str_eq(f,
			 "sleeper;__libc_start_call_main;main;busy 6\n"
			 "sleeper;__libc_start_call_main;main;clock_nanosleep;"
			 "entry_SYSCALL_64_after_hwframe;do_syscall_64;__x64_sys_clock_nanosleep;"
			 "do_nanosleep 4\n");
	free(f);
	f = folded_of(uk);
	cr_assert_str_eq(f, "__libc_start_call_main;main;clock_nanosleep;"
			    "entry_SYSCALL_64_after_hwframe;do_nanosleep 4\n");
	free(f);
}

Test(bpftrace, perf_format_frames)
{
	char *f = folded_of("@[\n"
			    "\t7f00deadbeef [unknown] ([unknown])\n"
			    "\t5608971eb190 std::vector<int, std::allocator<int> >::at(unsigned "
			    "long)+48 (/opt/my app/bin)\n"
			    "\t5608971eb295 main+165 (/opt/my app/bin)\n"
			    "]: 3\n");

	cr_assert_str_eq(f, "main;std::vector<int, std::allocator<int> >::at(unsigned long);"
			    "[unknown] 3\n");
	free(f);
}

Test(bpftrace, named_maps_one_line_entries_and_other_output)
{
	int err;
	struct profile *p = import_text("Attaching 2 probes...\n"
					"some printf output\n"
					"@stacks[\n"
					"    work+1\n"
					"    main+2\n"
					"]: 2\n"
					"@by_fn[main, work]: 3\n"
					"@hist[\n"
					"    x+1\n"
					"]: \n"
					"[0, 1)   1 |@@@@|\n",
					&err);
	char *f = th_folded(p);

	cr_assert_eq(err, 0);
	cr_assert_str_eq(f, "main;work 5\n");
	free(f);
	profile__free(p);
}

Test(bpftrace, collapsed_histogram_lines)
{
	const char *text = "main, parse(char const*, int), lex: 7\n"
			   "main, run: 3\n"
			   "\n"
			   "main: 1\n";
	char *f;

	cr_assert_eq(import__detect(text, strlen(text)), PROFILE_FMT_BPFTRACE);
	f = folded_of(text);
	cr_assert_str_eq(f, "main 1\nmain;parse(char const*, int);lex 7\nmain;run 3\n");
	free(f);
}

Test(bpftrace, empty_and_unterminated_entries)
{
	int err;
	struct profile *p = import_text("Attaching 1 probe...\n\n\n", &err);

	cr_assert_eq(err, -ENODATA);
	profile__free(p);
	p = import_text("@[\n    a+1\n]: 2\n@[\n    b+1\n", &err);
	cr_assert_eq(err, 0);
	cr_assert_eq(profile__total(p, PROFILE_COL_MAIN), 2);
	profile__free(p);
}

Test(bpftrace, detection)
{
	const char *folded = "main;a 3\nmain;b 4\n";
	const char *colon = "main: 3\nfoo: 4\n";
	const char *bt = "Attaching 1 probe...\n@[\n    a+1\n]: 2\n";

	cr_assert_eq(import__detect(folded, strlen(folded)), PROFILE_FMT_FOLDED);
	cr_assert_neq(import__detect(colon, strlen(colon)), PROFILE_FMT_BPFTRACE);
	cr_assert_eq(import__detect(bt, strlen(bt)), PROFILE_FMT_BPFTRACE);
}
