// SPDX-License-Identifier: Apache-2.0
/*
 * The stack aggregator. During capture, samples are merged by (pid, tid,
 * name epoch, kind, stack) in a content-keyed hashmap whose keys index the
 * unique stacks; frames live back to back in two pools (addresses and
 * flags). A build symbolizes each (pid, mapping, address, return) once,
 * keeps the symbols in a cache that outlives the build, interns them into
 * the profile being built once per build, and adds each unique stack with
 * its process's name as the root frame.
 */
#include "stackagg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "xalloc.h"

/* Canonical lower bound of the x86_64 kernel half (also arm64 with 48-bit VA). */
#define KERNEL_ADDR_MIN 0xffff800000000000ULL
/* The hashmap key that stands for the probe (the sample being added or resolved). */
#define PROBE UINT64_MAX
#define UNSET UINT32_MAX

/* One unique (pid, tid, name epoch, kind, stack) and its weight. */
struct agg_stack {
	uint32_t pid, tid, epoch, kind; /* kind: enum stackagg_kind */
	uint32_t nr;			/* frames, at off in the pools */
	bool truncated;
	size_t off;
	uint64_t count;
	uint64_t period; /* sum of the samples' periods (ns) */
	uint64_t time;	 /* first sample, for map and name lookups */
};

/* The symbols of one (pid, mapping, address, return) in sa->sinfo, outer first. */
struct sym_entry {
	uint32_t pid; /* 0 for kernel addresses */
	bool is_return, kernel;
	const struct mapping *m;
	uint64_t addr;
	uint32_t off, n;
	uint32_t unresolved; /* frames with "[...]" names */
	uint32_t gen;	     /* build that resolved it */
};

struct stackagg {
	const struct sym_source_ops *ops;
	void *ctx;

	struct hashmap *stack_index; /* content key: index in agg */
	struct agg_stack *agg;
	size_t nagg, agg_alloc;
	uint64_t *addrs; /* frame pools */
	uint8_t *flags;
	size_t npool, addrs_alloc, flags_alloc;
	struct hashmap *procs; /* pids with a stack */
	/* What stack_index's PROBE key stands for while adding. */
	struct {
		const struct raw_sample *s;
		const struct addr_stack *st;
		uint32_t epoch, kind;
	} probe;

	struct hashmap *sym_index; /* content key: index in syms */
	struct sym_entry *syms;
	size_t nsyms, syms_alloc;
	struct sym_info *sinfo;
	size_t nsinfo, sinfo_alloc;
	struct sym_entry sym_probe;
	uint32_t gen; /* builds so far */

	/* Per build: each entry's frame ids in the profile being built. */
	uint32_t *bframe; /* entry -> offset in bpool, or UNSET */
	size_t bframe_alloc;
	uint32_t *bpool;
	size_t nbpool, bpool_alloc;

	size_t nprepared;	  /* stacks whose modules stackagg__prepare() saw */
	struct hashmap *prepared; /* mapping pointer -> 1 */
};

/* --- the symbol source of a symtab over procmaps ------------------------ */

static const struct mapping *ss_find(void *ctx, pid_t pid, uint64_t addr, uint64_t time)
{
	return procmaps__find(((struct symtab_source *)ctx)->pm, pid, addr, time);
}

static int ss_resolve_user(void *ctx, pid_t pid, const struct mapping *m, uint64_t addr,
			   bool is_return, struct sym_info out[SYMTAB_MAX_INLINE])
{
	return symtab__resolve_user(((struct symtab_source *)ctx)->st, pid, m, addr, is_return,
				    out);
}

static int ss_resolve_kernel(void *ctx, uint64_t addr, bool is_return, struct sym_info *out)
{
	return symtab__resolve_kernel(((struct symtab_source *)ctx)->st, addr, is_return, out);
}

static void ss_prepare(void *ctx, pid_t pid, const struct mapping *m)
{
	symtab__prepare(((struct symtab_source *)ctx)->st, pid, m);
}

static const char *ss_name(void *ctx, pid_t pid, pid_t tid, uint64_t time)
{
	return procmaps__name(((struct symtab_source *)ctx)->pm, pid, tid, time);
}

const struct sym_source_ops symtab_source_ops = {
	.find = ss_find,
	.resolve_user = ss_resolve_user,
	.resolve_kernel = ss_resolve_kernel,
	.prepare = ss_prepare,
	.name = ss_name,
};

/* --- adding samples -------------------------------------------------------- */

static uint64_t ids_hash(uint32_t pid, uint32_t tid, uint32_t epoch, uint32_t kind, bool truncated,
			 uint32_t nr)
{
	return hash_u64(((uint64_t)pid << 32 | tid) ^
			hash_u64((uint64_t)epoch << 34 | (uint64_t)kind << 33 |
				 (uint64_t)truncated << 32 | nr));
}

static inline uint64_t frame_step(uint64_t h, uint64_t addr, uint32_t flags)
{
	return hash_u64(h ^ addr) + flags;
}

static uint64_t stack_hash(uint64_t key, void *ctx)
{
	const struct stackagg *sa = ctx;
	uint64_t h;
	uint32_t i;

	if (key == PROBE) {
		const struct addr_stack *st = sa->probe.st;

		h = ids_hash(sa->probe.s->pid, sa->probe.s->tid, sa->probe.epoch, sa->probe.kind,
			     st->truncated, st->n);
		for (i = 0; i < st->n; i++)
			h = frame_step(h, st->frames[i].addr, st->frames[i].flags);
	} else {
		const struct agg_stack *a = &sa->agg[key];

		h = ids_hash(a->pid, a->tid, a->epoch, a->kind, a->truncated, a->nr);
		for (i = 0; i < a->nr; i++)
			h = frame_step(h, sa->addrs[a->off + i], sa->flags[a->off + i]);
	}
	return h;
}

/* Equal stored stacks are never added twice: one side is always the probe. */
static bool stack_equal(uint64_t a, uint64_t b, void *ctx)
{
	const struct stackagg *sa = ctx;
	const struct agg_stack *x;
	const struct addr_stack *st = sa->probe.st;
	uint32_t i;

	if (a != PROBE && b != PROBE)
		return a == b;
	x = &sa->agg[a == PROBE ? b : a];
	if (x->pid != sa->probe.s->pid || x->tid != sa->probe.s->tid ||
	    x->epoch != sa->probe.epoch || x->kind != sa->probe.kind ||
	    x->truncated != st->truncated || x->nr != st->n)
		return false;
	for (i = 0; i < x->nr; i++)
		if (sa->addrs[x->off + i] != st->frames[i].addr ||
		    sa->flags[x->off + i] != st->frames[i].flags)
			return false;
	return true;
}

static uint64_t sym_hash(uint64_t key, void *ctx)
{
	const struct stackagg *sa = ctx;
	const struct sym_entry *e = key == PROBE ? &sa->sym_probe : &sa->syms[key];

	return hash_u64(e->addr ^ hash_u64((uint64_t)(uintptr_t)e->m) ^
			((uint64_t)e->pid << 2 | (uint64_t)e->kernel << 1 | e->is_return));
}

static bool sym_equal(uint64_t a, uint64_t b, void *ctx)
{
	const struct stackagg *sa = ctx;
	const struct sym_entry *x = a == PROBE ? &sa->sym_probe : &sa->syms[a];
	const struct sym_entry *y = b == PROBE ? &sa->sym_probe : &sa->syms[b];

	return x->addr == y->addr && x->m == y->m && x->pid == y->pid && x->kernel == y->kernel &&
	       x->is_return == y->is_return;
}

struct stackagg *stackagg__new(const struct sym_source_ops *ops, void *ctx)
{
	struct stackagg *sa = xcalloc(1, sizeof(*sa));

	sa->ops = ops;
	sa->ctx = ctx;
	sa->stack_index = hashmap__new_keyed(stack_hash, stack_equal, sa);
	sa->sym_index = hashmap__new_keyed(sym_hash, sym_equal, sa);
	sa->procs = hashmap__new();
	sa->prepared = hashmap__new();
	return sa;
}

void stackagg__free(struct stackagg *sa)
{
	if (!sa)
		return;
	hashmap__free(sa->stack_index);
	hashmap__free(sa->sym_index);
	hashmap__free(sa->procs);
	hashmap__free(sa->prepared);
	free(sa->agg);
	free(sa->addrs);
	free(sa->flags);
	free(sa->syms);
	free(sa->sinfo);
	free(sa->bframe);
	free(sa->bpool);
	free(sa);
}

size_t stackagg__count(const struct stackagg *sa)
{
	return sa->nagg;
}

size_t stackagg__processes(const struct stackagg *sa)
{
	return hashmap__count(sa->procs);
}

void stackagg__add(struct stackagg *sa, const struct raw_sample *s, const struct addr_stack *st,
		   uint32_t epoch, enum stackagg_kind kind)
{
	struct agg_stack *a;
	uint64_t v;
	uint32_t i;

	sa->probe.s = s;
	sa->probe.st = st;
	sa->probe.epoch = epoch;
	sa->probe.kind = (uint32_t)kind;
	if (hashmap__get(sa->stack_index, PROBE, &v)) {
		a = &sa->agg[v];
		a->count++;
		a->period += s->period;
		return;
	}
	ALLOC_GROW(sa->addrs, sa->npool + st->n, sa->addrs_alloc);
	ALLOC_GROW(sa->flags, sa->npool + st->n, sa->flags_alloc);
	for (i = 0; i < st->n; i++) {
		sa->addrs[sa->npool + i] = st->frames[i].addr;
		sa->flags[sa->npool + i] = (uint8_t)st->frames[i].flags;
	}
	ALLOC_GROW(sa->agg, sa->nagg + 1, sa->agg_alloc);
	sa->agg[sa->nagg] = (struct agg_stack){
		.pid = s->pid,
		.tid = s->tid,
		.epoch = epoch,
		.kind = (uint32_t)kind,
		.nr = st->n,
		.truncated = st->truncated,
		.off = sa->npool,
		.count = 1,
		.period = s->period,
		.time = s->time,
	};
	sa->npool += st->n;
	hashmap__put(sa->stack_index, sa->nagg, sa->nagg);
	sa->nagg++;
	hashmap__put(sa->procs, s->pid, 1);
}

static bool is_kernel(uint64_t addr, uint8_t flags)
{
	return (flags & FRAME_ADDR_KERNEL) || addr >= KERNEL_ADDR_MIN;
}

void stackagg__prepare(struct stackagg *sa)
{
	if (!sa->ops->prepare) {
		sa->nprepared = sa->nagg;
		return;
	}
	for (; sa->nprepared < sa->nagg; sa->nprepared++) {
		const struct agg_stack *a = &sa->agg[sa->nprepared];
		const struct mapping *m = NULL;
		uint32_t i;

		for (i = 0; i < a->nr; i++) {
			uint64_t addr = sa->addrs[a->off + i];

			if (is_kernel(addr, sa->flags[a->off + i]))
				continue;
			if (m && addr - m->start < m->end - m->start)
				continue; /* the same mapping as the frame before */
			m = sa->ops->find(sa->ctx, (pid_t)a->pid, addr, a->time);
			if (!m ||
			    !hashmap__add(sa->prepared, (uint64_t)(uintptr_t)m, 1, NULL, NULL))
				continue;
			sa->ops->prepare(sa->ctx, (pid_t)a->pid, m);
		}
	}
}

/* --- building a profile ---------------------------------------------------- */

static bool unresolved_name(const char *name)
{
	return !name || name[0] == '[';
}

/*
 * Resolves @addr into a new run of sa->sinfo for entry @e: outer to inner,
 * kinds settled, NULL names made "[unknown]".
 */
static void resolve_into(struct stackagg *sa, struct sym_entry *e)
{
	struct sym_info out[SYMTAB_MAX_INLINE];
	uint32_t i;
	int n;

	if (e->kernel)
		n = sa->ops->resolve_kernel(sa->ctx, e->addr, e->is_return, out);
	else
		n = sa->ops->resolve_user(sa->ctx, (pid_t)e->pid, e->m, e->addr, e->is_return, out);
	if (n < 1) {
		out[0] = (struct sym_info){.name = STACKAGG_UNKNOWN_NAME};
		n = 1;
	}
	if (n > SYMTAB_MAX_INLINE)
		n = SYMTAB_MAX_INLINE;
	ALLOC_GROW(sa->sinfo, sa->nsinfo + n, sa->sinfo_alloc);
	e->off = (uint32_t)sa->nsinfo;
	e->n = (uint32_t)n;
	e->unresolved = 0;
	e->gen = sa->gen;
	/* The source gives the innermost function first; frames go outer to inner. */
	for (i = 0; i < (uint32_t)n; i++) {
		struct sym_info si = out[n - 1 - i];

		if (e->kernel)
			si.kind = FRAME_KIND_KERNEL;
		else if (i > 0)
			si.kind = FRAME_KIND_INLINE;
		else if (si.kind == FRAME_KIND_UNKNOWN || si.kind == FRAME_KIND_INLINE)
			si.kind = FRAME_KIND_NATIVE;
		e->unresolved += unresolved_name(si.name);
		if (!si.name)
			si.name = STACKAGG_UNKNOWN_NAME;
		sa->sinfo[sa->nsinfo++] = si;
	}
}

/*
 * The entry of one address (once per pid, mapping, address and return
 * flag; again in a later build when it was unresolved). Returns its index
 * in sa->syms.
 */
static uint32_t resolve(struct stackagg *sa, uint32_t pid, uint64_t addr, bool kernel,
			bool is_return, uint64_t time)
{
	struct sym_entry *e;
	uint64_t v;

	sa->sym_probe = (struct sym_entry){
		.pid = kernel ? 0 : pid,
		.kernel = kernel,
		.is_return = is_return,
		.m = kernel ? NULL : sa->ops->find(sa->ctx, (pid_t)pid, addr, time),
		.addr = addr,
	};
	if (hashmap__get(sa->sym_index, PROBE, &v)) {
		e = &sa->syms[v];
		if (e->unresolved && e->gen != sa->gen) {
			resolve_into(sa, e);
			if (v < sa->bframe_alloc)
				sa->bframe[v] = UNSET;
		}
		return (uint32_t)v;
	}
	ALLOC_GROW(sa->syms, sa->nsyms + 1, sa->syms_alloc);
	e = &sa->syms[sa->nsyms];
	*e = sa->sym_probe;
	resolve_into(sa, e);
	hashmap__put(sa->sym_index, sa->nsyms, sa->nsyms);
	return (uint32_t)sa->nsyms++;
}

/* The frame ids of entry @ei in the profile being built, interned on first use. */
static const uint32_t *entry_frames(struct stackagg *sa, struct profile *p, uint32_t ei)
{
	const struct sym_entry *e = &sa->syms[ei];
	uint32_t i;

	if (ei >= sa->bframe_alloc) {
		size_t old = sa->bframe_alloc;

		ALLOC_GROW(sa->bframe, (size_t)ei + 1, sa->bframe_alloc);
		memset(sa->bframe + old, 0xff, (sa->bframe_alloc - old) * sizeof(*sa->bframe));
	}
	if (sa->bframe[ei] == UNSET) {
		ALLOC_GROW(sa->bpool, sa->nbpool + e->n, sa->bpool_alloc);
		sa->bframe[ei] = (uint32_t)sa->nbpool;
		for (i = 0; i < e->n; i++) {
			const struct sym_info *si = &sa->sinfo[e->off + i];
			struct frame f = {
				.name = profile__intern_str(p, si->name),
				.module = si->module ? profile__intern_str(p, si->module) : 0,
				.kind = si->kind,
			};

			sa->bpool[sa->nbpool++] = profile__frame(p, &f);
		}
	}
	return sa->bpool + sa->bframe[ei];
}

/* The name of the outermost function of entry @ei. */
static const char *entry_name(const struct stackagg *sa, uint32_t ei)
{
	return sa->sinfo[sa->syms[ei].off].name;
}

/*
 * The BPF program's own frames and the tracepoint glue that calls it, at
 * the leaf of an off-CPU kernel stack; __schedule and what called it stay.
 */
static bool bpf_glue_frame(const char *name)
{
	return !strncmp(name, "bpf_prog_", 9) || !strncmp(name, "bpf_trace_run", 13) ||
	       !strncmp(name, "__bpf_trace_", 12) || !strncmp(name, "__traceiter_", 12) ||
	       !strncmp(name, "bpf_get_stack", 13) || !strncmp(name, "__bpf_prog_", 11) ||
	       !strncmp(name, "trace_sched_switch", 18);
}

/* Where a complete user stack starts: a program's or a thread's first functions. */
static bool root_function(const char *name)
{
	static const char *const roots[] = {
		"main",
		"_start",
		"__libc_start_call_main",
		"__libc_start_main",
		"__libc_start_main_impl",
		"start_thread",
		"clone",
		"clone3",
		"__clone",
		"__clone3",
		"thread_start",
	};
	size_t i;

	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++)
		if (!strcmp(name, roots[i]))
			return true;
	return false;
}

static uint32_t named_frame(struct profile *p, const char *name, uint32_t id)
{
	char buf[320];

	snprintf(buf, sizeof(buf), "%s-%u", name, id);
	return profile__frame_named(p, buf, strlen(buf), FRAME_KIND_ROOT);
}

/*
 * The root frame: the process name (the main thread's comm), so that a
 * system-wide graph groups by process; comm-PID with pid_frames.
 */
static uint32_t root_frame(struct stackagg *sa, const struct stackagg_build_opts *o,
			   struct profile *p, const struct agg_stack *a)
{
	const char *comm = sa->ops->name(sa->ctx, (pid_t)a->pid, (pid_t)a->pid, a->time);
	char buf[64];

	if (!comm)
		comm = sa->ops->name(sa->ctx, (pid_t)a->pid, (pid_t)a->tid, a->time);
	if (!comm && a->pid == 0)
		comm = "swapper";
	if (!comm) {
		snprintf(buf, sizeof(buf), ":%u", a->pid);
		comm = buf;
	}
	if (o->pid_frames)
		return named_frame(p, comm, a->pid);
	return profile__frame_named(p, comm, strlen(comm), FRAME_KIND_ROOT);
}

/* With thread_frames, a frame THREADNAME-TID under the process root. */
static uint32_t thread_frame(struct stackagg *sa, struct profile *p, const struct agg_stack *a)
{
	const char *name = sa->ops->name(sa->ctx, (pid_t)a->pid, (pid_t)a->tid, a->time);

	return named_frame(p, name ? name : "thread", a->tid);
}

void stackagg__build(struct stackagg *sa, const struct stackagg_build_opts *o, struct profile *p,
		     struct stackagg_result *res)
{
	uint32_t *ents = NULL; /* entry indices, leaf first */
	uint32_t *frames = NULL;
	size_t ents_alloc = 0, frames_alloc = 0, k;
	struct hashmap *procs = hashmap__new();
	uint32_t leaf = 0;

	*res = (struct stackagg_result){0};
	sa->gen++;
	sa->nbpool = 0;
	if (sa->bframe_alloc)
		memset(sa->bframe, 0xff, sa->bframe_alloc * sizeof(*sa->bframe));
	if (o->offcpu_leaf)
		leaf = profile__frame_named(p, STACKAGG_OFFCPU_NAME, strlen(STACKAGG_OFFCPU_NAME),
					    FRAME_KIND_OFFCPU);
	for (k = 0; k < sa->nagg; k++) {
		const struct agg_stack *a = &sa->agg[k];
		bool offcpu = a->kind == STACKAGG_OFFCPU;
		bool glue = offcpu;		    /* still at the leading BPF frames */
		uint32_t outer[2] = {UNSET, UNSET}; /* outermost user entries */
		size_t nents = 0, nframes = 0, i;
		uint64_t unres = 0, total = 0;
		double w;

		/* Whole microseconds of periods (ns); less than half a one is dropped. */
		w = o->time_weights ? (double)((a->period + 500) / 1000) : (double)a->count;
		if (w <= 0)
			continue;
		if (hashmap__add(procs, a->pid, 1, NULL, NULL))
			res->nprocs++;
		/* Leaf first. */
		for (i = 0; i < a->nr; i++) {
			uint64_t addr = sa->addrs[a->off + i];
			uint8_t fl = sa->flags[a->off + i];
			bool kernel = is_kernel(addr, fl);
			uint32_t e;

			if (kernel && o->no_kernel)
				continue;
			e = resolve(sa, a->pid, addr, kernel, fl & FRAME_ADDR_RETURN, a->time);
			if (!kernel) {
				outer[1] = outer[0];
				outer[0] = e;
			}
			if (glue && kernel && bpf_glue_frame(entry_name(sa, e)))
				continue;
			glue = false;
			ALLOC_GROW(ents, nents + 1, ents_alloc);
			ents[nents++] = e;
		}
		ALLOC_GROW(frames, nents * 2 + 4, frames_alloc);
		frames[nframes++] = root_frame(sa, o, p, a);
		if (o->thread_frames)
			frames[nframes++] = thread_frame(sa, p, a);
		if (a->truncated)
			frames[nframes++] = profile__frame_named(p, STACKAGG_TRUNCATED_NAME,
								 strlen(STACKAGG_TRUNCATED_NAME),
								 FRAME_KIND_UNKNOWN);
		if (!offcpu && outer[0] != UNSET) {
			bool root = false;

			for (i = 0; i < 2 && outer[i] != UNSET && !root; i++)
				root = root_function(entry_name(sa, outer[i]));
			res->user_weight += w;
			res->truncated_weight += a->truncated ? w : 0;
			res->user_cut_weight += root ? 0 : w;
		}
		for (i = nents; i-- > 0;) {
			const struct sym_entry *e = &sa->syms[ents[i]];

			ALLOC_GROW(frames, nframes + e->n + 1, frames_alloc);
			memcpy(frames + nframes, entry_frames(sa, p, ents[i]),
			       e->n * sizeof(*frames));
			nframes += e->n;
			unres += e->unresolved;
			total += e->n;
		}
		if (offcpu && o->offcpu_leaf)
			frames[nframes++] = leaf;
		res->frames_total += total * (uint64_t)(w + 0.5);
		res->frames_unresolved += unres * (uint64_t)(w + 0.5);
		if (offcpu)
			res->offcpu_weight += w;
		else
			res->oncpu_weight += w;
		profile__add_stack(p, frames, nframes, PROFILE_COL_MAIN, w);
	}
	free(ents);
	free(frames);
	hashmap__free(procs);
}
