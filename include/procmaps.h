/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-process mapping and name history: snapshots of /proc/PID/maps and
 * /proc/PID/comm taken at start (the kernel reports no records for what
 * already exists), updated from MMAP2, COMM, FORK and EXIT records.
 * Every change carries its time, so lookups after capture see the mappings
 * and names that were valid when a sample was taken, whatever the order in
 * which the per-CPU rings delivered the records.
 * Written by capture, read by unwind and symbolize.
 */
#ifndef RESQ_PROCMAPS_H
#define RESQ_PROCMAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define BUILD_ID_MAX 20

struct mapping {
	uint64_t start, end; /* [start, end) in the process */
	uint64_t pgoff;      /* file offset of start */
	const char *path;    /* borrowed from the procmaps; "[vdso]", "//anon", ... */
	uint32_t prot;       /* PROT_* */
	uint32_t maj, min;
	uint64_t ino;
	uint8_t build_id[BUILD_ID_MAX];
	uint8_t build_id_size; /* 0 = unknown */
};

struct procmaps;

struct procmaps *procmaps__new(void);
void procmaps__free(struct procmaps *pm);

/*
 * Reads /proc/@pid/maps (executable mappings) and comm of @pid and its
 * threads, valid from @time. Returns 0, or -ENOENT when the process is gone.
 */
int procmaps__snapshot(struct procmaps *pm, pid_t pid, uint64_t time);

/*
 * Adds the executable mappings of @len bytes of @buf, text in the format of
 * /proc/PID/maps (need not end in a NUL or a newline), to @pid as
 * procmaps__snapshot() adds those of the file: valid from @time and, as
 * mappings that already existed, before it too. Lines that do not parse are
 * skipped. Returns the number of mappings added.
 */
int procmaps__parse_maps(struct procmaps *pm, pid_t pid, uint64_t time, const char *buf,
			 size_t len);

/* Record handlers; @m->path is copied. */
void procmaps__mmap(struct procmaps *pm, pid_t pid, uint64_t time, const struct mapping *m);
void procmaps__comm(struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time, const char *comm,
		    bool exec);
void procmaps__fork(struct procmaps *pm, pid_t pid, pid_t ppid, pid_t tid, uint64_t time);
void procmaps__exit(struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time);

/*
 * The mapping of @pid holding @addr at @time. Borrowed, valid until
 * procmaps__free(); NULL when no mapping holds @addr.
 */
const struct mapping *procmaps__find(const struct procmaps *pm, pid_t pid, uint64_t addr,
				     uint64_t time);
/*
 * Calls @fn for every mapping of @pid valid at @time (UINT64_MAX: the
 * latest known), including those a forked child inherited: each mapping
 * that procmaps__find() returns for some address. Where mappings overlap,
 * only the one procmaps__find() prefers is listed. The mappings are
 * borrowed as in procmaps__find(). A non-zero return of @fn stops the walk
 * and is returned; otherwise returns 0.
 */
int procmaps__for_each(const struct procmaps *pm, pid_t pid, uint64_t time,
		       int (*fn)(const struct mapping *m, void *ctx), void *ctx);

/*
 * A number that changes whenever a record changes @pid's mappings (MMAP2,
 * exec, fork, snapshot); 0 for an unknown process. Lets readers keep caches
 * per process and rebuild them only when this changes.
 */
uint32_t procmaps__generation(const struct procmaps *pm, pid_t pid);

/* True when @pid's main thread is known to have exited. */
bool procmaps__exited(const struct procmaps *pm, pid_t pid);

/* The name of @tid (else of its process @pid) at @time; NULL if unknown. */
const char *procmaps__name(const struct procmaps *pm, pid_t pid, pid_t tid, uint64_t time);

#endif
