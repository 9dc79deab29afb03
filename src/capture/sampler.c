// SPDX-License-Identifier: Apache-2.0
/*
 * On-CPU sampler: opens one frequency-mode sampling event per CPU (per
 * thread and CPU when attached to processes), merges the events of a CPU
 * into one ring with PERF_EVENT_IOC_SET_OUTPUT, and decodes samples and
 * side-band records from the rings.
 *
 * Kernel facts this relies on (docs/PLATFORM.md §1):
 * - inherit=1 events cannot be mmapped with cpu=-1, so inherited events are
 *   always per CPU;
 * - SET_OUTPUT needs the target already mmapped and on the same CPU;
 * - pid=P watches thread P only: attaching to a process opens every thread;
 * - machines without a PMU answer ENOENT for hardware cycles.
 */
#include "sampler.h"

#include <dirent.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_FREQ   99
#define MAX_RING_PAGES 1024
#define MIN_RING_PAGES 8
/* Stack copies make samples ~16-64 KiB: rings of 2 to 8 MiB (PLATFORM.md §2). */
#define MIN_STACK_RING_PAGES 512
#define MAX_STACK_RING_PAGES 2048
#define MAX_STACK_USER	     65528
/* Bytes of records drained from one ring per poll before moving on. */
#define DRAIN_BUDGET_RINGS 4

struct sampler_ev {
	int fd;
	int ring; /* index into rings */
	pid_t tid;
};

struct sampler {
	struct sampler_opts o;
	pid_t *pids;
	int *cpus;
	int ncpus;

	struct perf_ring *rings; /* one per CPU */
	int *ring_fd;		 /* the event each ring was mmapped from; -1 before */
	bool *ring_hup;
	struct pollfd *pfds;

	struct sampler_ev *evs;
	size_t nevs, evs_alloc;

	uint32_t ring_pages;
	bool cycles;
	bool build_id;
	bool ksymbol;
	bool clockid;
	bool exclude_kernel;

	struct sampler_stats st;
};

static int sys_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu, int group,
			       unsigned long flags)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, group, flags);
}

/* Parses /sys/devices/system/cpu/online ("0-3,5"); falls back to 0..n-1. */
static int online_cpus(int **out)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	int *cpus = NULL, n = 0;
	size_t alloc = 0;
	char buf[4096];

	if (f && fgets(buf, sizeof(buf), f)) {
		char *p = buf;

		while (*p && *p != '\n') {
			char *end;
			long a = strtol(p, &end, 10), b;

			if (end == p)
				break;
			b = a;
			p = end;
			if (*p == '-') {
				b = strtol(p + 1, &end, 10);
				p = end;
			}
			for (; a <= b; a++) {
				ALLOC_GROW(cpus, (size_t)n + 1, alloc);
				cpus[n++] = (int)a;
			}
			if (*p == ',')
				p++;
		}
	}
	if (f)
		fclose(f);
	if (!n) {
		long i, c = sysconf(_SC_NPROCESSORS_ONLN);

		for (i = 0; i < (c > 0 ? c : 1); i++) {
			ALLOC_GROW(cpus, (size_t)n + 1, alloc);
			cpus[n++] = (int)i;
		}
	}
	*out = cpus;
	return n;
}

static long read_sysctl_long(const char *path, long dflt)
{
	FILE *f = fopen(path, "r");
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

static void fill_attr(const struct sampler *sp, struct perf_event_attr *a, bool inherit)
{
	memset(a, 0, sizeof(*a));
	a->size = sizeof(*a);
	if (sp->cycles) {
		a->type = PERF_TYPE_HARDWARE;
		a->config = PERF_COUNT_HW_CPU_CYCLES;
	} else {
		a->type = PERF_TYPE_SOFTWARE;
		a->config = PERF_COUNT_SW_CPU_CLOCK;
	}
	a->freq = 1;
	a->sample_freq = sp->o.freq;
	a->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CPU |
			 PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	a->disabled = 1;
	a->inherit = inherit;
	a->enable_on_exec = sp->o.target == SAMPLER_CHILD;
	a->mmap = 1;
	a->mmap2 = 1;
	a->comm = 1;
	a->comm_exec = 1;
	a->task = 1;
	a->sample_id_all = 1;
	a->build_id = sp->build_id;
	/* BPF programs loaded during the run: kallsyms was read before it. */
	a->ksymbol = sp->ksymbol;
	a->exclude_kernel = sp->exclude_kernel;
	a->exclude_hv = sp->exclude_kernel;
	a->exclude_callchain_kernel = sp->o.no_kernel;
	if (sp->o.stack_user) {
		/* The user part is unwound from the copy: the kernel's would be FP. */
		a->sample_type |= PERF_SAMPLE_REGS_USER | PERF_SAMPLE_STACK_USER;
		a->sample_regs_user = sp->o.regs_user;
		a->sample_stack_user = sp->o.stack_user;
		a->exclude_callchain_user = 1;
	}
	if (sp->clockid) {
		a->use_clockid = 1;
		a->clockid = CLOCK_MONOTONIC;
	}
	a->watermark = 1;
	a->wakeup_watermark = (uint32_t)(sp->ring_pages * (uint64_t)sysconf(_SC_PAGESIZE) / 4);
}

/*
 * Opens one event, settling the attribute on the first success: cycles →
 * cpu-clock, build_id and use_clockid dropped when refused, user-only
 * sampling when --no-kernel and kernel sampling is not allowed.
 * Returns the fd or a negative errno.
 */
static int open_event(struct sampler *sp, pid_t pid, int cpu, bool inherit)
{
	struct perf_event_attr a;

	for (;;) {
		int fd, err;

		fill_attr(sp, &a, inherit);
		fd = sys_perf_event_open(&a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd >= 0)
			return fd;
		err = errno;
		if (err == ESRCH || err == EMFILE || err == ENFILE)
			return -err;
		if (sp->cycles && sp->o.event == SAMPLER_EVENT_AUTO &&
		    (err == ENOENT || err == EOPNOTSUPP || err == ENODEV)) {
			pr_debug("perf_event_open cycles: %s; using cpu-clock", strerror(err));
			sp->cycles = false;
			continue;
		}
		if (err == EINVAL && sp->build_id) {
			pr_debug("perf_event_open: build_id refused; MMAP2 records carry inodes");
			sp->build_id = false;
			continue;
		}
		if (err == EINVAL && sp->ksymbol) {
			pr_debug("perf_event_open: ksymbol refused; BPF programs loaded later "
				 "stay unnamed");
			sp->ksymbol = false;
			continue;
		}
		if (err == EINVAL && sp->clockid) {
			pr_debug("perf_event_open: use_clockid refused; times use the perf clock");
			sp->clockid = false;
			continue;
		}
		if ((err == EACCES || err == EPERM) && sp->o.no_kernel && !sp->exclude_kernel) {
			pr_debug("perf_event_open: kernel sampling refused; sampling user mode "
				 "only");
			sp->exclude_kernel = true;
			continue;
		}
		pr_debug("perf_event_open pid %d cpu %d: %s", (int)pid, cpu, strerror(err));
		return -err;
	}
}

static uint32_t default_ring_pages(uint32_t freq, uint32_t stack_user)
{
	/* About half a second of samples with deep (1 KiB) callchains and the stack copy. */
	uint64_t want = (uint64_t)freq * (1024 + stack_user) / 2 / (uint64_t)sysconf(_SC_PAGESIZE);
	uint32_t pages = stack_user ? MIN_STACK_RING_PAGES : MIN_RING_PAGES;
	uint32_t max = stack_user ? MAX_STACK_RING_PAGES : MAX_RING_PAGES;

	while (pages < want && pages < max)
		pages <<= 1;
	return pages;
}

/* Maps ring @i from @fd, halving the size when the mlock budget refuses. */
static int map_ring(struct sampler *sp, int i, int fd)
{
	for (;;) {
		int err = perf_ring__map(&sp->rings[i], fd, sp->ring_pages);

		if (!err) {
			sp->ring_fd[i] = fd;
			return 0;
		}
		if (err != -EPERM && err != -ENOMEM)
			return err;
		if (sp->ring_pages <= 1)
			return err;
		pr_debug("mmap of %u ring pages: %s; trying %u", sp->ring_pages, strerror(-err),
			 sp->ring_pages / 2);
		sp->ring_pages /= 2;
	}
}

/* Opens (@pid, CPU i) and attaches it to ring i. Returns 0 or a negative errno. */
static int add_event(struct sampler *sp, pid_t pid, int i, bool inherit)
{
	int fd = open_event(sp, pid, sp->cpus[i], inherit), err;

	if (fd < 0)
		return fd;
	if (sp->ring_fd[i] < 0) {
		err = map_ring(sp, i, fd);
	} else {
		err = ioctl(fd, PERF_EVENT_IOC_SET_OUTPUT, sp->ring_fd[i]) ? -errno : 0;
		if (err)
			pr_debug("PERF_EVENT_IOC_SET_OUTPUT: %s", strerror(-err));
	}
	if (err) {
		close(fd);
		return err;
	}
	ALLOC_GROW(sp->evs, sp->nevs + 1, sp->evs_alloc);
	sp->evs[sp->nevs++] = (struct sampler_ev){.fd = fd, .ring = i, .tid = pid};
	return 0;
}

/* Opens @tid on every CPU. -ESRCH when it is gone before the first open. */
static int add_task(struct sampler *sp, pid_t tid, bool inherit)
{
	int i, err;

	for (i = 0; i < sp->ncpus; i++) {
		err = add_event(sp, tid, i, inherit);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Opens the threads in /proc/@pid/task not in @seen (tid -> 1), adding
 * them there; counts those opened in *@opened.
 */
static int add_new_threads(struct sampler *sp, pid_t pid, struct hashmap *seen, int *opened)
{
	char path[64];
	DIR *d;
	struct dirent *de;
	int err = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return -ESRCH;
	while ((de = readdir(d))) {
		char *end;
		long tid = strtol(de->d_name, &end, 10);

		if (end == de->d_name || *end || hashmap__get(seen, (uint64_t)tid, NULL))
			continue;
		hashmap__put(seen, (uint64_t)tid, 1);
		err = add_task(sp, (pid_t)tid, true);
		if (err == -ESRCH) { /* the thread exited meanwhile */
			err = 0;
			continue;
		}
		if (err)
			break;
		(*opened)++;
	}
	closedir(d);
	return err;
}

/*
 * Opens every thread of @pid. Threads started later by a thread with an
 * event inherit it; one started by a thread before its event was opened
 * is in no listing taken earlier, so the listing is read again until it
 * shows no new thread.
 */
static int add_process(struct sampler *sp, pid_t pid)
{
	struct hashmap *seen = hashmap__new();
	int opened = 0, before, pass, err = 0;

	for (pass = 0; pass < 100 && !err; pass++) {
		before = opened;
		err = add_new_threads(sp, pid, seen, &opened);
		if (opened == before)
			break;
	}
	hashmap__free(seen);
	if (!err && !opened)
		err = -ESRCH;
	return err;
}

static int open_all(struct sampler *sp)
{
	size_t k;
	int i, err = 0;

	switch (sp->o.target) {
	case SAMPLER_SYSTEM:
		for (i = 0; i < sp->ncpus && !err; i++)
			err = add_event(sp, -1, i, false);
		break;
	case SAMPLER_PIDS:
		for (k = 0; k < sp->o.npids && !err; k++)
			err = add_process(sp, sp->pids[k]);
		break;
	case SAMPLER_TIDS: /* one event and ring per thread, on any CPU */
		for (k = 0; k < sp->o.npids && !err; k++)
			err = add_event(sp, sp->pids[k], (int)k, false);
		break;
	case SAMPLER_CHILD:
		err = sp->o.npids == 1 ? add_task(sp, sp->pids[0], true) : -EINVAL;
		break;
	}
	return err;
}

struct sampler *sampler__new(const struct sampler_opts *o)
{
	struct sampler *sp = xcalloc(1, sizeof(*sp));
	long max_rate;
	int i, err;

	sp->o = *o;
	if (!sp->o.freq)
		sp->o.freq = DEFAULT_FREQ;
	if (o->npids) {
		sp->pids = xmemdup(o->pids, o->npids * sizeof(*o->pids));
		sp->o.pids = sp->pids;
	}
	if (sp->o.target != SAMPLER_SYSTEM && !o->npids) {
		err = -EINVAL;
		goto fail;
	}
	max_rate = read_sysctl_long("/proc/sys/kernel/perf_event_max_sample_rate", 100000);
	if (sp->o.freq > (uint64_t)max_rate) {
		pr_warn("sampling frequency %u Hz is above kernel.perf_event_max_sample_rate (%ld)",
			sp->o.freq, max_rate);
		err = -EINVAL;
		goto fail;
	}
	if (o->ring_pages && (o->ring_pages & (o->ring_pages - 1))) {
		err = -EINVAL;
		goto fail;
	}
	if (o->stack_user &&
	    (o->stack_user % 8 || o->stack_user > MAX_STACK_USER || !o->regs_user)) {
		err = -EINVAL;
		goto fail;
	}
	sp->ring_pages =
		o->ring_pages ? o->ring_pages : default_ring_pages(sp->o.freq, o->stack_user);
	sp->cycles = sp->o.event != SAMPLER_EVENT_CPU_CLOCK;
	sp->build_id = true;
	sp->ksymbol = true;
	sp->clockid = true;

	if (sp->o.target == SAMPLER_TIDS) {
		/*
		 * Without inherit an event may follow its thread to any CPU
		 * (cpu -1) and have a ring of its own: one event in the
		 * thread's context, where per-CPU events would put one per
		 * CPU for the kernel to go through at every context switch.
		 */
		sp->ncpus = (int)sp->o.npids;
		sp->cpus = xmalloc(sp->o.npids * sizeof(*sp->cpus));
		for (i = 0; i < sp->ncpus; i++)
			sp->cpus[i] = -1;
	} else {
		sp->ncpus = online_cpus(&sp->cpus);
	}
	sp->rings = xcalloc(sp->ncpus, sizeof(*sp->rings));
	sp->ring_fd = xcalloc(sp->ncpus, sizeof(*sp->ring_fd));
	sp->ring_hup = xcalloc(sp->ncpus, sizeof(*sp->ring_hup));
	sp->pfds = xcalloc(sp->ncpus, sizeof(*sp->pfds));
	for (i = 0; i < sp->ncpus; i++)
		sp->ring_fd[i] = -1;

	err = open_all(sp);
	if (err)
		goto fail;
	sp->st.nevents = (uint32_t)sp->nevs;
	for (i = 0; i < sp->ncpus; i++)
		if (sp->ring_fd[i] >= 0)
			sp->st.nrings++;
	pr_debug("sampler: %s at %u Hz, %u events, %u rings of %u pages%s%s",
		 sampler__event_name(sp), sp->o.freq, sp->st.nevents, sp->st.nrings, sp->ring_pages,
		 sp->build_id ? ", build-ids" : "", sp->exclude_kernel ? ", user mode only" : "");
	return sp;
fail:
	sampler__free(sp);
	errno = -err;
	return NULL;
}

void sampler__free(struct sampler *sp)
{
	size_t k;
	int i;

	if (!sp)
		return;
	/* Rings first: the mmap keeps its event alive. */
	for (i = 0; i < sp->ncpus; i++)
		perf_ring__release(&sp->rings[i]);
	for (k = 0; k < sp->nevs; k++)
		close(sp->evs[k].fd);
	free(sp->evs);
	free(sp->rings);
	free(sp->ring_fd);
	free(sp->ring_hup);
	free(sp->pfds);
	free(sp->cpus);
	free(sp->pids);
	free(sp);
}

static int ioctl_all(struct sampler *sp, unsigned long req)
{
	int err = 0;
	size_t k;

	for (k = 0; k < sp->nevs; k++)
		if (ioctl(sp->evs[k].fd, req, 0) && !err)
			err = -errno;
	return err;
}

int sampler__enable(struct sampler *sp)
{
	/* A child's events are enabled by its exec (enable_on_exec). */
	if (sp->o.target == SAMPLER_CHILD)
		return 0;
	return ioctl_all(sp, PERF_EVENT_IOC_ENABLE);
}

int sampler__disable(struct sampler *sp)
{
	return ioctl_all(sp, PERF_EVENT_IOC_DISABLE);
}

void sampler__stats(const struct sampler *sp, struct sampler_stats *out)
{
	*out = sp->st;
}

const char *sampler__event_name(const struct sampler *sp)
{
	return sp->cycles ? "cycles" : "cpu-clock";
}

/* sample_id_all trailer for TID|TIME|CPU: pid, tid, time, cpu, res. */
struct id_trailer {
	uint32_t pid, tid;
	uint64_t time;
	uint32_t cpu, res;
};

static bool read_trailer(const struct perf_event_header *h, size_t body, struct id_trailer *t)
{
	if (h->size < sizeof(*h) + body + sizeof(*t))
		return false;
	memcpy(t, (const uint8_t *)h + h->size - sizeof(*t), sizeof(*t));
	return true;
}

static int decode_sample(struct sampler *sp, const struct perf_event_header *h,
			 const struct sampler_callbacks *cbs, void *ctx)
{
	const uint8_t *p = (const uint8_t *)(h + 1), *end = (const uint8_t *)h + h->size;
	struct raw_sample s = {0};
	uint32_t u32[2];
	uint64_t nr;

	/* IP, TID, TIME, CPU, PERIOD, CALLCHAIN in this order (perf_event.h). */
	if (end - p < 8 + 8 + 8 + 8 + 8 + 8)
		goto bad;
	memcpy(&s.ip, p, 8);
	memcpy(u32, p + 8, 8);
	s.pid = u32[0];
	s.tid = u32[1];
	memcpy(&s.time, p + 16, 8);
	memcpy(u32, p + 24, 8);
	s.cpu = u32[0];
	memcpy(&s.period, p + 32, 8);
	memcpy(&nr, p + 40, 8);
	p += 48;
	if (nr > (uint64_t)(end - p) / 8)
		goto bad;
	s.callchain = (const uint64_t *)p; /* records are 8-byte aligned */
	s.nr_callchain = (uint32_t)nr;
	p += nr * 8;
	if (sp->o.stack_user) {
		/* REGS_USER: abi, then the masked registers unless abi is NONE. */
		if (end - p < 8)
			goto bad;
		memcpy(&s.abi, p, 8);
		p += 8;
		if (s.abi) {
			uint32_t nregs = (uint32_t)__builtin_popcountll(sp->o.regs_user);

			if ((uint64_t)(end - p) / 8 < nregs)
				goto bad;
			s.regs = (const uint64_t *)p;
			s.nr_regs = nregs;
			s.regs_mask = sp->o.regs_user;
			p += nregs * 8;
		}
		/* STACK_USER: size, data[size], then dyn_size unless size is 0. */
		if (end - p < 8)
			goto bad;
		memcpy(&s.stack_requested, p, 8);
		p += 8;
		if (s.stack_requested) {
			if (s.stack_requested > (uint64_t)(end - p) ||
			    (uint64_t)(end - p) - s.stack_requested < 8)
				goto bad;
			s.stack = p;
			memcpy(&s.stack_size, p + s.stack_requested, 8);
			if (s.stack_size > s.stack_requested)
				goto bad;
		}
	}
	s.user_mode = (h->misc & PERF_RECORD_MISC_CPUMODE_MASK) == PERF_RECORD_MISC_USER;
	sp->st.samples++;
	return cbs->sample ? cbs->sample(&s, ctx) : 0;
bad:
	sp->st.bad++;
	return 0;
}

static int decode_mmap2(struct sampler *sp, const struct perf_event_header *h,
			const struct sampler_callbacks *cbs, void *ctx)
{
	/* pid, tid, addr, len, pgoff, {maj, min, ino, ino_gen | build-id}, prot, flags. */
	struct {
		uint32_t pid, tid;
		uint64_t addr, len, pgoff;
		union {
			struct {
				uint32_t maj, min;
				uint64_t ino, ino_generation;
			};
			struct {
				uint8_t build_id_size, res1;
				uint16_t res2;
				uint8_t build_id[20];
			};
		};
		uint32_t prot, flags;
	} m;
	struct mapping map = {0};
	struct sampler_record r = {.type = SAMPLER_REC_MMAP};
	struct id_trailer t;
	const char *name = (const char *)(h + 1) + sizeof(m);
	size_t maxlen;

	if (!read_trailer(h, sizeof(m), &t))
		goto bad;
	memcpy(&m, h + 1, sizeof(m));
	maxlen = h->size - sizeof(*h) - sizeof(m) - sizeof(t);
	if (strnlen(name, maxlen) == maxlen)
		goto bad;
	map.start = m.addr;
	map.end = m.addr + m.len;
	map.pgoff = m.pgoff;
	map.path = name;
	map.prot = m.prot;
	if (h->misc & PERF_RECORD_MISC_MMAP_BUILD_ID) {
		map.build_id_size = m.build_id_size > BUILD_ID_MAX ? BUILD_ID_MAX : m.build_id_size;
		memcpy(map.build_id, m.build_id, map.build_id_size);
	} else {
		map.maj = m.maj;
		map.min = m.min;
		map.ino = m.ino;
	}
	r.pid = (pid_t)m.pid;
	r.tid = (pid_t)m.tid;
	r.time = t.time;
	r.cpu = t.cpu;
	r.mapping = &map;
	sp->st.records++;
	return cbs->record ? cbs->record(&r, ctx) : 0;
bad:
	sp->st.bad++;
	return 0;
}

static int decode_comm(struct sampler *sp, const struct perf_event_header *h,
		       const struct sampler_callbacks *cbs, void *ctx)
{
	struct sampler_record r = {.type = SAMPLER_REC_COMM};
	struct id_trailer t;
	uint32_t ids[2];
	const char *name = (const char *)(h + 1) + 8;
	size_t maxlen;

	if (!read_trailer(h, 8, &t))
		goto bad;
	maxlen = h->size - sizeof(*h) - 8 - sizeof(t);
	if (strnlen(name, maxlen) == maxlen)
		goto bad;
	memcpy(ids, h + 1, 8);
	r.pid = (pid_t)ids[0];
	r.tid = (pid_t)ids[1];
	r.time = t.time;
	r.cpu = t.cpu;
	r.comm = name;
	r.exec = h->misc & PERF_RECORD_MISC_COMM_EXEC;
	sp->st.records++;
	return cbs->record ? cbs->record(&r, ctx) : 0;
bad:
	sp->st.bad++;
	return 0;
}

static int decode_task(struct sampler *sp, const struct perf_event_header *h,
		       const struct sampler_callbacks *cbs, void *ctx)
{
	struct {
		uint32_t pid, ppid, tid, ptid;
		uint64_t time;
	} b;
	struct sampler_record r = {
		.type = h->type == PERF_RECORD_FORK ? SAMPLER_REC_FORK : SAMPLER_REC_EXIT,
	};
	struct id_trailer t;

	if (!read_trailer(h, sizeof(b), &t)) {
		sp->st.bad++;
		return 0;
	}
	memcpy(&b, h + 1, sizeof(b));
	r.pid = (pid_t)b.pid;
	r.ppid = (pid_t)b.ppid;
	r.tid = (pid_t)b.tid;
	r.ptid = (pid_t)b.ptid;
	r.time = b.time;
	r.cpu = t.cpu;
	sp->st.records++;
	return cbs->record ? cbs->record(&r, ctx) : 0;
}

static int decode_ksymbol(struct sampler *sp, const struct perf_event_header *h,
			  const struct sampler_callbacks *cbs, void *ctx)
{
	struct {
		uint64_t addr;
		uint32_t len;
		uint16_t type, flags;
	} b;
	struct sampler_record r = {.type = SAMPLER_REC_KSYMBOL};
	const char *name = (const char *)(h + 1) + sizeof(b);
	struct id_trailer t;
	size_t maxlen;

	if (!read_trailer(h, sizeof(b), &t))
		goto bad;
	maxlen = h->size - sizeof(*h) - sizeof(b) - sizeof(t);
	if (strnlen(name, maxlen) == maxlen)
		goto bad;
	memcpy(&b, h + 1, sizeof(b));
	r.addr = b.addr;
	r.len = b.len;
	r.bpf = b.type == PERF_RECORD_KSYMBOL_TYPE_BPF;
	r.unregister = b.flags & PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER;
	r.comm = name;
	r.time = t.time;
	r.cpu = t.cpu;
	r.pid = (pid_t)t.pid; /* who loaded it */
	r.tid = (pid_t)t.tid;
	sp->st.records++;
	return cbs->record ? cbs->record(&r, ctx) : 0;
bad:
	sp->st.bad++;
	return 0;
}

static int dispatch(struct sampler *sp, const struct perf_event_header *h,
		    const struct sampler_callbacks *cbs, void *ctx)
{
	switch (h->type) {
	case PERF_RECORD_SAMPLE: return decode_sample(sp, h, cbs, ctx);
	case PERF_RECORD_MMAP2: return decode_mmap2(sp, h, cbs, ctx);
	case PERF_RECORD_COMM: return decode_comm(sp, h, cbs, ctx);
	case PERF_RECORD_FORK:
	case PERF_RECORD_EXIT: return decode_task(sp, h, cbs, ctx);
	case PERF_RECORD_KSYMBOL: return decode_ksymbol(sp, h, cbs, ctx);
	case PERF_RECORD_LOST:
		if (h->size >= sizeof(*h) + 16) {
			uint64_t lost;

			memcpy(&lost, (const uint8_t *)(h + 1) + 8, 8);
			sp->st.lost += lost;
		}
		return 0;
	default: /* THROTTLE, UNTHROTTLE, MMAP without mmap2, ... */ return 0;
	}
}

/* Drains ring @i. Bounded so that a busy ring cannot starve the others. */
static int drain_ring(struct sampler *sp, int i, const struct sampler_callbacks *cbs, void *ctx)
{
	struct perf_ring *r = &sp->rings[i];
	uint64_t budget = r->size * DRAIN_BUDGET_RINGS, start = r->tail;
	int ret = 0;

	while (!ret && r->tail - start < budget && perf_ring__begin(r)) {
		const struct perf_event_header *h;

		while ((h = perf_ring__next(r))) {
			ret = dispatch(sp, h, cbs, ctx);
			if (ret)
				break;
		}
	}
	perf_ring__end(r);
	return ret;
}

int sampler__poll(struct sampler *sp, int timeout_ms, const struct sampler_callbacks *cbs,
		  void *ctx)
{
	int i, n = 0, ret;
	int map[sp->ncpus > 0 ? sp->ncpus : 1];

	for (i = 0; i < sp->ncpus; i++) {
		if (sp->ring_fd[i] < 0 || sp->ring_hup[i])
			continue;
		sp->pfds[n] = (struct pollfd){.fd = sp->ring_fd[i], .events = POLLIN};
		map[n++] = i;
	}
	if (timeout_ms) {
		if (n) {
			ret = poll(sp->pfds, n, timeout_ms);
			if (ret < 0 && errno != EINTR)
				return -errno;
			/*
			 * POLLHUP: the watched task is gone. Poll would report it
			 * forever, so stop polling that fd; its ring is still drained.
			 */
			for (i = 0; ret > 0 && i < n; i++)
				if (sp->pfds[i].revents & (POLLHUP | POLLERR))
					sp->ring_hup[map[i]] = true;
		} else {
			struct timespec ts = {timeout_ms / 1000, (timeout_ms % 1000) * 1000000L};

			nanosleep(&ts, NULL);
		}
	}
	for (i = 0; i < sp->ncpus; i++) {
		if (sp->ring_fd[i] < 0)
			continue;
		ret = drain_ring(sp, i, cbs, ctx);
		if (ret)
			return ret;
	}
	for (i = 0; i < sp->ncpus; i++) {
		sp->st.bad += sp->rings[i].truncated;
		sp->rings[i].truncated = 0;
	}
	return 0;
}

int sampler__decode(const struct sampler_opts *o, struct perf_ring *r,
		    const struct sampler_callbacks *cbs, void *ctx, struct sampler_stats *st)
{
	struct sampler sp = {.o = *o};
	const struct perf_event_header *h;
	int ret = 0;

	/* dispatch() reads only the layout options and counts into sp.st. */
	while (!ret && perf_ring__begin(r)) {
		while ((h = perf_ring__next(r))) {
			ret = dispatch(&sp, h, cbs, ctx);
			if (ret)
				break;
		}
	}
	perf_ring__end(r);
	st->samples += sp.st.samples;
	st->lost += sp.st.lost;
	st->records += sp.st.records;
	st->bad += sp.st.bad + r->truncated;
	r->truncated = 0;
	return ret;
}

void sampler_record__apply(const struct sampler_record *r, struct procmaps *pm)
{
	switch (r->type) {
	case SAMPLER_REC_MMAP: procmaps__mmap(pm, r->pid, r->time, r->mapping); break;
	case SAMPLER_REC_COMM: procmaps__comm(pm, r->pid, r->tid, r->time, r->comm, r->exec); break;
	case SAMPLER_REC_FORK: procmaps__fork(pm, r->pid, r->ppid, r->tid, r->time); break;
	case SAMPLER_REC_EXIT: procmaps__exit(pm, r->pid, r->tid, r->time); break;
	case SAMPLER_REC_KSYMBOL: break; /* symtab__add_kernel_symbol() */
	}
}
