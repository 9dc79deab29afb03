// SPDX-License-Identifier: Apache-2.0
/*
 * Off-CPU capture: owns the BPF skeleton of bpf/offcpu.bpf.c from open to
 * destroy (the only file that includes it), sets its knobs and map sizes,
 * loads tp_btf programs or falls back to raw_tp, and drains the maps into
 * raw_samples weighted by blocked nanoseconds.
 *
 * Draining: "totals" keys carry the generation ("slot") that was current
 * when the program created them. A periodic drain switches generations,
 * waits a grace period (a program run takes microseconds, with preemption
 * disabled), then reads and deletes the entries of the old generation,
 * which no program touches any more. An entry a late program run still
 * creates in the old generation is taken by a later drain. Stack ids are
 * never deleted during a run (other entries may still refer to them), so
 * each one is read once and cached.
 */
#include "offcpu.h"

#ifdef HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>
#include <linux/types.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bpf/offcpu_shared.h"
#include "bpf/offcpu.skel.h"
#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

#define DEFAULT_THREADS 16384
#define DEFAULT_STACKS	16384
#define DEFAULT_ENTRIES 16384
#define FORK_HEADROOM	4096 /* "allowed" entries for followed children */
#define BTF_PATH	"/sys/kernel/btf/vmlinux"
#define LOG_TAIL	4096 /* bytes of libbpf's log kept for a failure report */
#define GRACE_US	2000 /* after a generation switch, before reading the old one */

/* Capability numbers (linux/capability.h). */
#define CAP_SYS_ADMIN 21
#define CAP_PERFMON   38
#define CAP_BPF	      39

struct offcpu {
	struct offcpu_opts o;
	pid_t *ids;
	struct offcpu_bpf *skel;
	bool raw; /* raw_tp programs loaded */
	bool attached;
	__u32 slot;	    /* the generation the program writes */
	uint64_t last_time; /* of the last emitted sample: each gets its own */

	struct hashmap *stack_cache; /* stack id -> (offset << 8 | depth) + 1 in spool */
	uint64_t *spool;
	size_t nspool, spool_alloc;
	struct hashmap *procs; /* tgid -> hash of the name it was snapshotted with */
	struct hashmap *names; /* tid -> hash of the thread's last name fed to procmaps */
	uint64_t *chain;       /* callchain being built */
	size_t chain_alloc;
	struct offcpu_stats st;
};

/* libbpf's messages: debug output, plus the tail kept for a failure report. */
static char log_tail[LOG_TAIL];
static size_t log_len;

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	size_t n;
	int len = vsnprintf(line, sizeof(line), fmt, ap);

	if (len <= 0)
		return 0;
	n = strlen(line);
	if (level == LIBBPF_DEBUG && log__level() < LOG_DEBUG)
		return 0; /* libbpf's debug output is very long; -v shows it */
	if (log__level() >= LOG_DEBUG)
		fprintf(stderr, "libbpf: %s", line);
	if (n >= sizeof(log_tail))
		n = sizeof(log_tail) - 1;
	if (log_len + n >= sizeof(log_tail)) {
		size_t drop = log_len + n - (sizeof(log_tail) - 1);

		memmove(log_tail, log_tail + drop, log_len - drop);
		log_len -= drop;
	}
	memcpy(log_tail + log_len, line, n);
	log_len += n;
	log_tail[log_len] = '\0';
	return 0;
}

/* Warns with the last lines libbpf printed (the verifier's verdict is there). */
static void report_log_tail(void)
{
	const char *p = log_tail + log_len;
	int lines = 0;

	while (p > log_tail && lines < 6)
		if (*--p == '\n' && p + 1 < log_tail + log_len)
			lines++;
	if (log_len)
		pr_warn("libbpf's last messages:\n%s", p == log_tail ? p : p + 1);
}

/* True when the effective capabilities allow loading tracing programs. */
static bool may_load_bpf(void)
{
	unsigned long long caps = 0;
	char line[256];
	bool found = false;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return true; /* cannot tell: let the kernel decide */
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			caps = strtoull(line + 7, NULL, 16);
			found = true;
			break;
		}
	fclose(f);
	if (!found)
		return true;
	return (caps >> CAP_SYS_ADMIN & 1) || ((caps >> CAP_BPF & 1) && (caps >> CAP_PERFMON & 1));
}

static uint64_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Opens the skeleton with the knobs set and one program flavour enabled. */
static int open_skel(struct offcpu *oc, bool raw)
{
	const struct offcpu_opts *o = &oc->o;
	struct offcpu_bpf *s;
	bool forks = o->target == OFFCPU_TARGET_PIDS && o->follow_forks;
	uint32_t nallowed = (uint32_t)oc->o.nids + (forks ? FORK_HEADROOM : 0);
	int err;

	s = offcpu_bpf__open();
	if (!s) {
		err = -errno;
		pr_warn("opening the off-CPU BPF object: %s", strerror(-err));
		return err;
	}
	s->rodata->filter_mode = o->target == OFFCPU_TARGET_PIDS   ? OFFCPU_BPF_FILTER_TGID
				 : o->target == OFFCPU_TARGET_TIDS ? OFFCPU_BPF_FILTER_TID
								   : OFFCPU_BPF_FILTER_NONE;
	s->rodata->follow_forks = forks;
	s->rodata->state_filter = o->state == OFFCPU_STATE_SLEEP  ? OFFCPU_BPF_STATE_SLEEP
				  : o->state == OFFCPU_STATE_DISK ? OFFCPU_BPF_STATE_DISK
								  : OFFCPU_BPF_STATE_ANY;
	s->rodata->user_stacks = !o->no_user;
	s->rodata->kernel_stacks = !o->no_kernel;
	s->rodata->min_block_ns = o->min_block_ns;
	s->rodata->max_block_ns = o->max_block_ns ? o->max_block_ns : ~0ULL;

	err = bpf_map__set_max_entries(s->maps.start,
				       o->max_threads ? o->max_threads : DEFAULT_THREADS);
	if (!err)
		err = bpf_map__set_max_entries(s->maps.stacks,
					       o->max_stacks ? o->max_stacks : DEFAULT_STACKS);
	/* Two generations live in "totals" at once. */
	if (!err)
		err = bpf_map__set_max_entries(
			s->maps.totals, 2 * (o->max_entries ? o->max_entries : DEFAULT_ENTRIES));
	if (!err)
		err = bpf_map__set_max_entries(s->maps.allowed, nallowed ? nallowed : 1);
	if (!err)
		err = bpf_program__set_autoload(
			raw ? s->progs.on_switch_btf : s->progs.on_switch_raw, false);
	if (!err)
		err = bpf_program__set_autoload(raw ? s->progs.on_fork_btf : s->progs.on_fork_raw,
						false);
	if (!err && !forks)
		err = bpf_program__set_autoload(raw ? s->progs.on_fork_raw : s->progs.on_fork_btf,
						false);
	if (err) {
		pr_warn("setting up the off-CPU BPF object: %s", strerror(-err));
		offcpu_bpf__destroy(s);
		return err;
	}
	oc->skel = s;
	oc->raw = raw;
	return 0;
}

struct offcpu *offcpu__open(const struct offcpu_opts *o)
{
	struct offcpu *oc;
	int err;

	if (o->target != OFFCPU_TARGET_ALL && !o->nids) {
		errno = EINVAL;
		return NULL;
	}
	if (o->max_block_ns && o->max_block_ns < o->min_block_ns) {
		errno = EINVAL;
		return NULL;
	}
	if (!may_load_bpf()) {
		pr_debug("CapEff lacks CAP_BPF and CAP_PERFMON, and CAP_SYS_ADMIN");
		errno = EPERM;
		return NULL;
	}
	/* CO-RE relocates against the kernel's BTF, raw_tp as much as tp_btf. */
	if (access(BTF_PATH, R_OK)) {
		pr_debug("%s: %s", BTF_PATH, strerror(errno));
		errno = ENOENT;
		return NULL;
	}
	libbpf_set_print(libbpf_log);
	log_len = 0;
	log_tail[0] = '\0';

	oc = xcalloc(1, sizeof(*oc));
	oc->o = *o;
	if (o->nids) {
		oc->ids = xmalloc(o->nids * sizeof(*oc->ids));
		memcpy(oc->ids, o->ids, o->nids * sizeof(*oc->ids));
	}
	oc->o.ids = oc->ids;
	oc->stack_cache = hashmap__new();
	oc->procs = hashmap__new();
	oc->names = hashmap__new();
	err = open_skel(oc, o->attach == OFFCPU_ATTACH_RAW_TP);
	if (err) {
		offcpu__destroy(oc);
		errno = -err;
		return NULL;
	}
	return oc;
}

/* Loads the open skeleton and fills the filter. */
static int load_skel(struct offcpu *oc)
{
	__u8 one = 1;
	size_t i;
	int err, fd;

	err = offcpu_bpf__load(oc->skel);
	if (err)
		return err;
	fd = bpf_map__fd(oc->skel->maps.allowed);
	for (i = 0; i < oc->o.nids; i++) {
		__u32 id = (__u32)oc->ids[i];

		if (bpf_map_update_elem(fd, &id, &one, BPF_ANY)) {
			err = -errno;
			pr_warn("filling the BPF process filter: %s", strerror(errno));
			return err;
		}
	}
	return 0;
}

/* Replaces a failed tp_btf skeleton by a raw_tp one and loads it. */
static int fall_back(struct offcpu *oc, int why, const char *step)
{
	int err;

	pr_debug("%s of the tp_btf program failed (%s); trying raw_tp", step, strerror(-why));
	offcpu_bpf__destroy(oc->skel);
	oc->skel = NULL;
	err = open_skel(oc, true);
	if (!err)
		err = load_skel(oc);
	return err;
}

int offcpu__load(struct offcpu *oc)
{
	int err = load_skel(oc);

	if (err && !oc->raw && oc->o.attach == OFFCPU_ATTACH_AUTO)
		err = fall_back(oc, err, "loading");
	if (err) {
		pr_warn("loading the off-CPU BPF program (%s): %s", oc->raw ? "raw_tp" : "tp_btf",
			strerror(-err));
		report_log_tail();
	}
	return err;
}

int offcpu__attach(struct offcpu *oc)
{
	int err;

	if (!oc->skel)
		return -EINVAL;
	err = offcpu_bpf__attach(oc->skel);
	if (err && !oc->raw && oc->o.attach == OFFCPU_ATTACH_AUTO) {
		err = fall_back(oc, err, "attaching");
		if (!err)
			err = offcpu_bpf__attach(oc->skel);
	}
	if (err) {
		pr_warn("attaching the off-CPU BPF program to sched_switch (%s): %s",
			oc->raw ? "raw_tp" : "tp_btf", strerror(-err));
		report_log_tail();
		return err;
	}
	oc->attached = true;
	return 0;
}

void offcpu__detach(struct offcpu *oc)
{
	if (oc && oc->skel && oc->attached) {
		offcpu_bpf__detach(oc->skel);
		oc->attached = false;
	}
}

void offcpu__destroy(struct offcpu *oc)
{
	if (!oc)
		return;
	offcpu_bpf__destroy(oc->skel);
	hashmap__free(oc->stack_cache);
	hashmap__free(oc->procs);
	hashmap__free(oc->names);
	free(oc->spool);
	free(oc->chain);
	free(oc->ids);
	free(oc);
}

const char *offcpu__attach_name(const struct offcpu *oc)
{
	if (!oc || !oc->skel)
		return "none";
	return oc->raw ? "raw_tp" : "tp_btf";
}

/*
 * Appends the frames of stack @id to oc->chain after @marker. Returns false
 * when the stack cannot be read back.
 */
static bool append_stack(struct offcpu *oc, size_t *n, __s32 id, uint64_t marker)
{
	__u64 buf[OFFCPU_MAX_STACK];
	uint64_t v, off;
	uint32_t depth, i;

	if (!hashmap__get(oc->stack_cache, (uint64_t)(uint32_t)id, &v)) {
		memset(buf, 0, sizeof(buf));
		if (bpf_map_lookup_elem(bpf_map__fd(oc->skel->maps.stacks), &id, buf)) {
			oc->st.stacks_missing++;
			pr_debug("stack id %d: %s", id, strerror(errno));
			return false;
		}
		for (depth = 0; depth < OFFCPU_MAX_STACK && buf[depth]; depth++)
			;
		ALLOC_GROW(oc->spool, oc->nspool + depth, oc->spool_alloc);
		memcpy(oc->spool + oc->nspool, buf, depth * sizeof(*buf));
		v = ((uint64_t)oc->nspool << 8 | depth) + 1;
		oc->nspool += depth;
		hashmap__put(oc->stack_cache, (uint64_t)(uint32_t)id, v);
	}
	v--;
	off = v >> 8;
	depth = (uint32_t)(v & 0xff);
	if (!depth)
		return true;
	ALLOC_GROW(oc->chain, *n + depth + 1, oc->chain_alloc);
	oc->chain[(*n)++] = marker;
	for (i = 0; i < depth; i++)
		oc->chain[(*n)++] = oc->spool[off + i];
	return true;
}

static uint64_t name_hash(const char *s, size_t max)
{
	return hash_bytes(s, strnlen(s, max)) | 1; /* never 0 */
}

/*
 * A time for the next sample, strictly after the previous one: names fed
 * into @pm at this time belong to this sample alone, even when a thread
 * shows up under two names (an exec) within one drain.
 */
static uint64_t sample_time(struct offcpu *oc, uint64_t now)
{
	oc->last_time = now > oc->last_time ? now : oc->last_time + 1;
	return oc->last_time;
}

/* Feeds a name the program read into @pm, once per change. */
static void feed_name(struct offcpu *oc, struct procmaps *pm, pid_t tgid, pid_t tid,
		      const char *comm, uint64_t now)
{
	char buf[OFFCPU_COMM_LEN + 1];
	uint64_t h, old;

	if (!comm[0])
		return;
	memcpy(buf, comm, OFFCPU_COMM_LEN);
	buf[OFFCPU_COMM_LEN] = '\0';
	h = name_hash(buf, OFFCPU_COMM_LEN);
	if (hashmap__get(oc->names, (uint64_t)(uint32_t)tid, &old) && old == h)
		return;
	hashmap__put(oc->names, (uint64_t)(uint32_t)tid, h);
	procmaps__comm(pm, tgid, tid, now, buf, false);
}

/*
 * Snapshots the mappings of @tgid from /proc the first time it is seen, and
 * again when its name changed (an exec replaced its mappings).
 */
static void see_process(struct offcpu *oc, struct procmaps *pm, pid_t tgid, const char *leader,
			uint64_t now)
{
	uint64_t h = leader ? name_hash(leader, OFFCPU_COMM_LEN) : 1, old;

	if (hashmap__get(oc->procs, (uint64_t)(uint32_t)tgid, &old) && (old == h || !leader))
		return;
	hashmap__put(oc->procs, (uint64_t)(uint32_t)tgid, h);
	if (procmaps__snapshot(pm, tgid, now))
		pr_debug("process %d exited before its mappings could be read", (int)tgid);
}

/* Emits one (thread, stacks) total. */
static int emit(struct offcpu *oc, const struct offcpu_key *k, uint64_t ns, uint64_t now,
		sample_fn fn, void *ctx)
{
	struct raw_sample s = {
		.pid = k->tgid,
		.tid = k->pid,
		.time = now,
		.period = ns,
	};
	size_t n = 0;

	if (k->kstack >= 0)
		append_stack(oc, &n, k->kstack, (uint64_t)PERF_CONTEXT_KERNEL);
	if (k->ustack >= 0)
		append_stack(oc, &n, k->ustack, (uint64_t)PERF_CONTEXT_USER);
	s.callchain = oc->chain;
	s.nr_callchain = (uint32_t)n;
	s.ip = n > 1 ? oc->chain[1] : 0;
	return fn(&s, ctx);
}

/* Reads and deletes the "totals" entries of generation @slot (-1: all). */
static int drain_totals(struct offcpu *oc, int slot, struct procmaps *pm, sample_fn fn, void *ctx,
			uint64_t now)
{
	int fd = bpf_map__fd(oc->skel->maps.totals), ret = 0;
	struct offcpu_key key, next, *keys = NULL;
	size_t nkeys = 0, alloc = 0, i;
	struct offcpu_val *vals = NULL;
	void *prev = NULL;
	uint64_t t;

	/* Collect first: deleting while walking would restart the walk. */
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		if (slot < 0 || next.slot == (__u32)slot) {
			ALLOC_GROW(keys, nkeys + 1, alloc);
			keys[nkeys++] = next;
		}
		key = next;
		prev = &key;
	}
	vals = xcalloc(nkeys ? nkeys : 1, sizeof(*vals));
	for (i = 0; i < nkeys; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &vals[i])) {
			vals[i].count = 0; /* cannot happen: nothing else deletes */
			continue;
		}
		bpf_map_delete_elem(fd, &keys[i]);
	}
	for (i = 0; i < nkeys && !ret; i++) {
		const struct offcpu_val *v = &vals[i];

		if (!v->count)
			continue;
		oc->st.intervals += v->count;
		oc->st.blocked_ns += v->total_ns;
		t = sample_time(oc, now);
		if (pm) {
			see_process(oc, pm, (pid_t)keys[i].tgid, v->leader_comm, t);
			feed_name(oc, pm, (pid_t)keys[i].tgid, (pid_t)keys[i].tgid, v->leader_comm,
				  t);
			feed_name(oc, pm, (pid_t)keys[i].tgid, (pid_t)keys[i].pid, v->comm, t);
		}
		ret = emit(oc, &keys[i], v->total_ns, t, fn, ctx);
	}
	free(keys);
	free(vals);
	return ret;
}

/* Threads still off CPU: their interval so far, within the duration limits. */
static int drain_tails(struct offcpu *oc, struct procmaps *pm, sample_fn fn, void *ctx,
		       uint64_t now)
{
	int fd = bpf_map__fd(oc->skel->maps.start), ret = 0;
	__u32 tid, next, *prev = NULL;
	struct offcpu_start st;
	uint64_t max = oc->o.max_block_ns ? oc->o.max_block_ns : ~0ULL, t;

	while (!ret && !bpf_map_get_next_key(fd, prev, &next)) {
		tid = next;
		prev = &tid;
		if (bpf_map_lookup_elem(fd, &tid, &st) || !st.ts || st.ts > now)
			continue; /* on CPU at the end */
		if (now - st.ts < oc->o.min_block_ns || now - st.ts > max)
			continue;
		oc->st.tails++;
		oc->st.intervals++;
		oc->st.blocked_ns += now - st.ts;
		t = sample_time(oc, now);
		if (pm)
			see_process(oc, pm, (pid_t)st.tgid, NULL, t);
		ret = emit(oc,
			   &(struct offcpu_key){.tgid = st.tgid,
						.pid = tid,
						.ustack = st.ustack,
						.kstack = st.kstack},
			   now - st.ts, t, fn, ctx);
	}
	return ret;
}

int offcpu__drain(struct offcpu *oc, bool final, struct procmaps *pm, sample_fn fn, void *ctx)
{
	uint64_t now = mono_now();
	int ret;

	if (!oc->skel)
		return -EINVAL;
	oc->st.drains++;
	if (!final) {
		__u32 old = oc->slot;

		oc->slot ^= 1;
		__atomic_store_n(&oc->skel->bss->slot, oc->slot, __ATOMIC_RELEASE);
		if (oc->attached)
			usleep(GRACE_US);
		return drain_totals(oc, (int)old, pm, fn, ctx, now);
	}
	if (oc->attached)
		pr_debug("final off-CPU drain while attached: racing with the program");
	ret = drain_totals(oc, -1, pm, fn, ctx, now);
	if (!ret)
		ret = drain_tails(oc, pm, fn, ctx, now);
	return ret;
}

void offcpu__stats(struct offcpu *oc, struct offcpu_stats *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd;
	__u64 *vals, sums[OFFCPU_DROP__COUNT] = {0};
	__u32 k;
	int c;

	*out = oc->st;
	if (!oc->skel || ncpu <= 0)
		return;
	fd = bpf_map__fd(oc->skel->maps.drops);
	vals = xcalloc((size_t)ncpu, sizeof(*vals));
	for (k = 0; k < OFFCPU_DROP__COUNT; k++) {
		if (bpf_map_lookup_elem(fd, &k, vals))
			continue;
		for (c = 0; c < ncpu; c++)
			sums[k] += vals[c];
	}
	free(vals);
	out->start_full = sums[OFFCPU_DROP_START_FULL];
	out->totals_full = sums[OFFCPU_DROP_TOTALS_FULL];
	out->totals_lost_ns = sums[OFFCPU_DROP_TOTALS_NS];
	out->ustack_errors = sums[OFFCPU_DROP_USTACK];
	out->kstack_errors = sums[OFFCPU_DROP_KSTACK];
	out->forks_lost = sums[OFFCPU_DROP_ALLOWED_FULL];
}

#endif /* HAVE_BPF */
