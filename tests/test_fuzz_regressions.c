// SPDX-License-Identifier: Apache-2.0
/*
 * Inputs that once crashed a fuzz target, kept under
 * tests/data/fuzz-regressions/<target>/, replayed through the target's own
 * entry function (tests/fuzz/fuzz_<target>.c, compiled here without its
 * libFuzzer main), together with the committed seeds under
 * tests/data/fuzz-seeds/<target>/. A regression crashes the test's process
 * (or, with make test SANITIZE=1, makes ASan or UBSan report it).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz_targets.h"
#include "helpers/helpers.h"

struct target {
	const char *name;
	int (*run)(const uint8_t *data, size_t size);
};

static const struct target targets[] = {
	{"fuzz_bpftrace", fuzz_bpftrace},
	{"fuzz_detect", fuzz_detect},
	{"fuzz_diff", fuzz_diff},
	{"fuzz_elf", fuzz_elf},
	{"fuzz_folded", fuzz_folded},
	{"fuzz_json", fuzz_json},
	{"fuzz_ksyms", fuzz_ksyms},
	{"fuzz_perf_ring", fuzz_perf_ring},
	{"fuzz_perf_script", fuzz_perf_script},
	{"fuzz_perfmap", fuzz_perfmap},
	{"fuzz_pprof", fuzz_pprof},
	{"fuzz_procmaps", fuzz_procmaps},
	{"fuzz_speedscope", fuzz_speedscope},
	{"fuzz_unwind", fuzz_unwind},
	{"fuzz_v8", fuzz_v8},
};

#define NTARGETS (sizeof(targets) / sizeof(targets[0]))

TestSuite(fuzz_regressions, .timeout = 60);

static const struct target *target_named(const char *name)
{
	size_t i;

	for (i = 0; i < NTARGETS; i++)
		if (!strcmp(targets[i].name, name))
			return &targets[i];
	return NULL;
}

/* Runs every regular file of @dir through @t; returns how many. */
static size_t replay_dir(const struct target *t, const char *dir)
{
	struct dirent **ents;
	size_t done = 0;
	int n, i;

	n = scandir(dir, &ents, NULL, alphasort);
	if (n < 0)
		return 0;
	for (i = 0; i < n; i++) {
		char *path = th_path(dir, ents[i]->d_name);
		struct stat sb;
		size_t len;
		char *buf;

		if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			buf = th_read_file(path, &len);
			cr_assert_not_null(buf, "%s", path);
			/* cr_log: the last one named before a crash is the culprit. */
			cr_log_info("%s: %s", t->name, path);
			t->run((const uint8_t *)buf, len);
			free(buf);
			done++;
		}
		free(path);
		free(ents[i]);
	}
	free(ents);
	return done;
}

/* Replays the regressions and seeds of target @name; returns how many inputs ran. */
static size_t replay(const char *name)
{
	const struct target *t = target_named(name);
	char dir[4096];
	size_t n;

	cr_assert_not_null(t, "%s: no such fuzz target", name);
	snprintf(dir, sizeof(dir), "%s/tests/data/fuzz-regressions/%s", th_srcdir(), name);
	n = replay_dir(t, dir);
	snprintf(dir, sizeof(dir), "%s/tests/data/fuzz-seeds/%s", th_srcdir(), name);
	n += replay_dir(t, dir);
	/* The empty input, which libFuzzer always tries first. */
	t->run((const uint8_t *)"", 0);
	return n;
}

Test(fuzz_regressions, every_target_is_listed)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	size_t seen = 0;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz", th_srcdir());
	d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];

		if (strncmp(de->d_name, "fuzz_", 5) || len < 3 ||
		    strcmp(de->d_name + len - 2, ".c"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2), de->d_name);
		cr_expect_not_null(target_named(name), "tests/fuzz/%s is not in the table here",
				   de->d_name);
		seen++;
	}
	closedir(d);
	cr_assert_eq(seen, NTARGETS, "%zu fuzz targets in tests/fuzz, %zu listed here", seen,
		     NTARGETS);
	/* And every directory of inputs belongs to a target. */
	snprintf(dir, sizeof(dir), "%s/tests/data/fuzz-regressions", th_srcdir());
	d = opendir(dir);
	cr_assert_not_null(d, "%s", dir);
	while ((de = readdir(d))) {
		char *path = th_path(dir, de->d_name);
		struct stat sb;

		if (de->d_name[0] != '.' && stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
			cr_expect_not_null(target_named(de->d_name),
					   "tests/data/fuzz-regressions/%s: no such fuzz target",
					   de->d_name);
		free(path);
	}
	closedir(d);
}

#define REPLAY_TEST(name)                                                                          \
	Test(fuzz_regressions, name)                                                               \
	{                                                                                          \
		replay(#name);                                                                     \
	}

REPLAY_TEST(fuzz_bpftrace)
REPLAY_TEST(fuzz_detect)
REPLAY_TEST(fuzz_diff)
REPLAY_TEST(fuzz_folded)
REPLAY_TEST(fuzz_json)
REPLAY_TEST(fuzz_perf_script)
REPLAY_TEST(fuzz_pprof)
REPLAY_TEST(fuzz_speedscope)
REPLAY_TEST(fuzz_v8)

/* The seeds of these are committed: each must have some. */
#define REPLAY_SEEDED_TEST(name)                                                                   \
	Test(fuzz_regressions, name)                                                               \
	{                                                                                          \
		cr_assert_gt(replay(#name), 0, "no inputs for " #name);                            \
	}

REPLAY_SEEDED_TEST(fuzz_ksyms)
REPLAY_SEEDED_TEST(fuzz_perf_ring)
REPLAY_SEEDED_TEST(fuzz_perfmap)
REPLAY_SEEDED_TEST(fuzz_procmaps)

/* The ELF targets also get the workloads, as tools/fuzz.sh seeds them. */
static void replay_with_workloads(const char *name, size_t header)
{
	static const char *const elfs[] = {"symfix", "symfix_cpp", "inline", "qsort_cb_nofp"};
	const struct target *t = target_named(name);
	size_t i, len;

	replay(name);
	for (i = 0; i < sizeof(elfs) / sizeof(elfs[0]); i++) {
		char *path = th_workload(elfs[i]), *elf = th_read_file(path, &len);
		/* fuzz_unwind: an all-zero header (libdw, IP at the text's start, no stack). */
		char *buf = calloc(1, header + len);

		cr_assert_not_null(elf, "%s", path);
		memcpy(buf + header, elf, len);
		t->run((const uint8_t *)buf, header + len);
		free(buf);
		free(elf);
		free(path);
	}
}

Test(fuzz_regressions, fuzz_elf)
{
	replay_with_workloads("fuzz_elf", 0);
}

Test(fuzz_regressions, fuzz_unwind)
{
	/* sel, nregs, stack_len, ip_off, then 20 registers (x86_64's mask). */
	replay_with_workloads("fuzz_unwind", 8 + 20 * 8);
}
