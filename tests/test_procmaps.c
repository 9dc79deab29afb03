// SPDX-License-Identifier: Apache-2.0
/*
 * procmaps history: lookups at a time see the mappings and names valid
 * then (mmap, exec, fork, pid reuse), whatever order the records came in,
 * and /proc snapshots of a live process.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "procmaps.h"

static struct mapping map(uint64_t start, uint64_t end, const char *path)
{
	return (struct mapping){.start = start,
				.end = end,
				.pgoff = 0x1000,
				.path = path,
				.prot = PROT_READ | PROT_EXEC};
}

static const char *path_at(const struct procmaps *pm, pid_t pid, uint64_t addr, uint64_t t)
{
	const struct mapping *m = procmaps__find(pm, pid, addr, t);

	return m ? m->path : NULL;
}

#define assert_path(pm, pid, addr, t, want)                                                        \
	do {                                                                                       \
		const char *got_ = path_at(pm, pid, addr, t);                                      \
		cr_assert(got_ && !strcmp(got_, want),                                             \
			  "pid %d addr %#llx t %llu: got %s, want %s", (int)(pid),                 \
			  (unsigned long long)(addr), (unsigned long long)(t),                     \
			  got_ ? got_ : "NULL", want);                                             \
	} while (0)

#define assert_none(pm, pid, addr, t)                                                              \
	do {                                                                                       \
		const char *got_ = path_at(pm, pid, addr, t);                                      \
		cr_assert_null(got_, "pid %d addr %#llx t %llu: got %s, want none", (int)(pid),    \
			       (unsigned long long)(addr), (unsigned long long)(t), got_);         \
	} while (0)

Test(procmaps, mapping_valid_from_its_time)
{
	struct procmaps *pm = procmaps__new();
	struct mapping m = map(0x400000, 0x500000, "/bin/a");
	const struct mapping *f;

	procmaps__mmap(pm, 10, 100, &m);
	assert_path(pm, 10, 0x400000, 100, "/bin/a");
	assert_path(pm, 10, 0x4fffff, 500, "/bin/a");
	assert_none(pm, 10, 0x500000, 500);
	assert_none(pm, 10, 0x400000, 99);
	assert_none(pm, 11, 0x400000, 500);
	f = procmaps__find(pm, 10, 0x410000, 200);
	cr_assert_eq(f->pgoff, 0x1000);
	cr_assert_eq(f->start, 0x400000);
	cr_assert_neq((const void *)f->path, (const void *)m.path, "the path is copied");
	procmaps__free(pm);
	procmaps__free(NULL);
}

Test(procmaps, newer_mapping_replaces_older_at_same_address)
{
	struct procmaps *pm = procmaps__new();
	struct mapping a = map(0x1000, 0x9000, "/lib/old.so"),
		       b = map(0x4000, 0x6000, "/lib/new.so");

	procmaps__mmap(pm, 5, 300, &b);
	procmaps__mmap(pm, 5, 100, &a);
	assert_path(pm, 5, 0x5000, 200, "/lib/old.so");
	assert_path(pm, 5, 0x5000, 300, "/lib/new.so");
	assert_path(pm, 5, 0x2000, 400, "/lib/old.so");
	procmaps__free(pm);
}

/* The same history fed in two orders must answer the same. */
static void exec_history(struct procmaps *pm, bool reversed)
{
	struct mapping a = map(0x400000, 0x500000, "/bin/sh"),
		       b = map(0x400000, 0x480000, "/bin/burner");
	struct mapping l = map(0x7f0000000000, 0x7f0000100000, "/lib/libc.so.6");

	if (!reversed) {
		procmaps__mmap(pm, 42, 10, &a);
		procmaps__mmap(pm, 42, 11, &l);
		procmaps__comm(pm, 42, 42, 10, "sh", false);
		procmaps__comm(pm, 42, 42, 50, "burner", true);
		procmaps__mmap(pm, 42, 51, &b);
	} else {
		procmaps__mmap(pm, 42, 51, &b);
		procmaps__comm(pm, 42, 42, 50, "burner", true);
		procmaps__comm(pm, 42, 42, 10, "sh", false);
		procmaps__mmap(pm, 42, 11, &l);
		procmaps__mmap(pm, 42, 10, &a);
	}
}

static void check_exec(const struct procmaps *pm)
{
	assert_path(pm, 42, 0x490000, 40, "/bin/sh");
	assert_path(pm, 42, 0x7f0000000100, 40, "/lib/libc.so.6");
	/* exec ends every older mapping */
	assert_none(pm, 42, 0x490000, 60);
	assert_none(pm, 42, 0x7f0000000100, 60);
	assert_path(pm, 42, 0x410000, 60, "/bin/burner");
	cr_assert_str_eq(procmaps__name(pm, 42, 42, 40), "sh");
	cr_assert_str_eq(procmaps__name(pm, 42, 42, 60), "burner");
}

Test(procmaps, exec_drops_old_mappings_in_any_record_order)
{
	struct procmaps *pm = procmaps__new(), *rev = procmaps__new();

	exec_history(pm, false);
	exec_history(rev, true);
	check_exec(pm);
	check_exec(rev);
	procmaps__free(pm);
	procmaps__free(rev);
}

Test(procmaps, forked_child_inherits_mappings_valid_at_fork)
{
	struct procmaps *pm = procmaps__new();
	struct mapping exe = map(0x400000, 0x500000, "/bin/forker");
	struct mapping later = map(0x7f0000000000, 0x7f0000010000, "/lib/late.so");
	struct mapping own = map(0x7f1000000000, 0x7f1000010000, "/lib/child.so");

	/* Fed out of order: the child's records first, as another CPU's ring could. */
	procmaps__exit(pm, 200, 200, 90);
	procmaps__mmap(pm, 200, 60, &own);
	procmaps__fork(pm, 200, 100, 200, 50);
	procmaps__mmap(pm, 100, 70, &later);
	procmaps__mmap(pm, 100, 10, &exe);
	procmaps__comm(pm, 100, 100, 10, "forker", false);

	assert_path(pm, 200, 0x401000, 55, "/bin/forker");
	assert_path(pm, 200, 0x401000, 1000, "/bin/forker"); /* after it exited */
	assert_path(pm, 200, 0x7f1000000010, 65, "/lib/child.so");
	assert_none(pm, 200, 0x7f0000000010, 80); /* mapped by the parent after the fork */
	assert_path(pm, 100, 0x7f0000000010, 80, "/lib/late.so");
	assert_none(pm, 100, 0x7f1000000010, 80);
	cr_assert_str_eq(procmaps__name(pm, 200, 200, 60), "forker", "the parent's name");

	procmaps__comm(pm, 200, 200, 75, "child-exec", true);
	assert_none(pm, 200, 0x401000, 80);
	assert_path(pm, 200, 0x401000, 70, "/bin/forker");
	cr_assert_str_eq(procmaps__name(pm, 200, 200, 80), "child-exec");
	procmaps__free(pm);
}

Test(procmaps, thread_names_fall_back_to_the_process)
{
	struct procmaps *pm = procmaps__new();

	procmaps__comm(pm, 300, 300, 10, "server", false);
	procmaps__fork(pm, 300, 300, 301, 20); /* a new thread */
	procmaps__comm(pm, 300, 301, 30, "worker", false);
	cr_assert_str_eq(procmaps__name(pm, 300, 301, 25), "server");
	cr_assert_str_eq(procmaps__name(pm, 300, 301, 35), "worker");
	cr_assert_str_eq(procmaps__name(pm, 300, 300, 35), "server");
	cr_assert_null(procmaps__name(pm, 999, 999, 35));
	/* A sample from before any record still gets the earliest name known. */
	cr_assert_str_eq(procmaps__name(pm, 300, 300, 1), "server");
	procmaps__free(pm);
}

Test(procmaps, reused_pid_starts_fresh)
{
	struct procmaps *pm = procmaps__new();
	struct mapping a = map(0x400000, 0x500000, "/bin/old");

	procmaps__mmap(pm, 77, 10, &a);
	procmaps__comm(pm, 77, 77, 10, "old", false);
	procmaps__exit(pm, 77, 77, 20);
	procmaps__comm(pm, 1, 1, 5, "init", false);
	procmaps__fork(pm, 77, 1, 77, 30);
	assert_path(pm, 77, 0x400010, 15, "/bin/old");
	assert_none(pm, 77, 0x400010, 40);
	cr_assert_str_eq(procmaps__name(pm, 77, 77, 15), "old");
	cr_assert_str_eq(procmaps__name(pm, 77, 77, 40), "init");
	procmaps__free(pm);
}

static __attribute__((noinline)) int a_function_here(void)
{
	return 42;
}

Test(procmaps, snapshot_of_a_live_process)
{
	struct procmaps *pm = procmaps__new();
	const struct mapping *m;
	char comm[64] = "";
	FILE *f = fopen("/proc/self/comm", "r");

	cr_assert_not_null(f);
	cr_assert_not_null(fgets(comm, sizeof(comm), f));
	fclose(f);
	comm[strcspn(comm, "\n")] = '\0';
	cr_assert_eq(procmaps__snapshot(pm, getpid(), 1000), 0);
	/* Valid before the snapshot's time too: it existed already. */
	m = procmaps__find(pm, getpid(), (uint64_t)(uintptr_t)a_function_here, 10);
	cr_assert_not_null(m);
	cr_assert(m->prot & PROT_EXEC);
	cr_assert_not_null(strstr(m->path, "test-runner"), "%s", m->path);
	cr_assert_not_null(procmaps__find(pm, getpid(), (uint64_t)(uintptr_t)memcpy, 2000));
	cr_assert_str_eq(procmaps__name(pm, getpid(), getpid(), 2000), comm);
	cr_assert_eq(procmaps__snapshot(pm, 0x3ffffff0, 1000), -ENOENT);
	procmaps__free(pm);
	cr_assert_eq(a_function_here(), 42);
}

Test(procmaps, parses_maps_text_like_a_snapshot)
{
	/* Not NUL-terminated: the last line is cut by the length alone. */
	static const char text[] =
		"00400000-00452000 r-xp 00000000 08:02 173521      /usr/bin/dbus-daemon\n"
		"00651000-00652000 r--p 00051000 08:02 173521      /usr/bin/dbus-daemon\n"
		"7f2c5b2b3000-7f2c5b2b5000 r-xp 00002000 fd:01 1234567   /opt/lib with spaces.so\n"
		"7f2c5b2b5000-7f2c5b2b9000 r-xp 00000000 fd:01 7654321   /tmp/gone.so (deleted)\n"
		"not a mapping\n"
		"7f2c5b2bd000-7f2c5b2c1000 r-xp 00000000 00:00 0 \n"
		"7f2c5b2c6000-7f2c5b2c7000 r-xp 00001000 fd:01 3 /last.soXXXX";
	struct procmaps *pm = procmaps__new();
	const struct mapping *m;

	cr_assert_eq(procmaps__parse_maps(pm, 7, 100, text, sizeof(text) - 1 - 4), 5);
	m = procmaps__find(pm, 7, 0x400010, 50);
	cr_assert_not_null(m, "valid before the snapshot's time too");
	cr_assert_str_eq(m->path, "/usr/bin/dbus-daemon");
	cr_assert_eq(m->maj, 8);
	cr_assert_eq(m->ino, 173521);
	assert_none(pm, 7, 0x651000, 100); /* not executable */
	assert_path(pm, 7, 0x7f2c5b2b4000, 100, "/opt/lib with spaces.so");
	cr_assert_eq(procmaps__find(pm, 7, 0x7f2c5b2b4000, 100)->pgoff, 0x2000);
	assert_path(pm, 7, 0x7f2c5b2b6000, 100, "/tmp/gone.so (deleted)");
	assert_path(pm, 7, 0x7f2c5b2be000, 100, "//anon");
	assert_path(pm, 7, 0x7f2c5b2c6000, 100, "/last.so");
	cr_assert_eq(procmaps__parse_maps(pm, 8, 100, "", 0), 0);
	procmaps__free(pm);
}
