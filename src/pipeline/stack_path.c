// SPDX-License-Identifier: Apache-2.0
/*
 * The stack path: each sample through unwinder__unwind() into the
 * aggregator; the retry queue for --call-graph dwarf samples whose mapping
 * was not known yet; the --unwinder-check comparison of both DWARF
 * unwinders.
 */
#include "pipeline_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* --call-graph dwarf samples kept for another try, and for how many drains. */
#define PENDING_MAX    256
#define PENDING_ROUNDS 2

/*
 * A --call-graph dwarf sample kept for another try: its unwind stopped at
 * an address no known mapping holds, whose MMAP2 record may still be in
 * another CPU's ring.
 */
struct pending {
	struct raw_sample s; /* regs, stack and callchain point into data */
	void *data;
	uint32_t epoch;
	uint32_t rounds; /* drains since it was kept */
};

static bool start_unwinder(struct stack_path *sp, enum unwinder_kind kind,
			   const struct procmaps *pm, struct unwinder **out)
{
	if (!unwinder__available(kind)) {
		pr_err("--unwinder %s: this resq-flame was built without %s; install Debian "
		       "package %s and rebuild%s",
		       unwinder__name(kind), unwinder__name(kind),
		       kind == UNWINDER_LIBUNWIND ? "libunwind-dev" : "libdw-dev libelf-dev",
		       kind == UNWINDER_LIBUNWIND ? ", or use --unwinder libdw" : "");
		errno = EOPNOTSUPP;
		return false;
	}
	*out = unwinder__new(&(struct unwinder_opts){.kind = kind}, pm);
	if (!*out) {
		pr_err("cannot set up the %s unwinder: %s", unwinder__name(kind), strerror(errno));
		return false;
	}
	return true;
}

int stack_path__init(struct stack_path *sp, const struct capture_opts *o, const struct procmaps *pm)
{
	enum unwinder_kind kind = o->unwinder_set ? o->unwinder : UNWINDER_LIBDW;

	memset(sp, 0, sizeof(*sp));
	if (!o->dwarf) {
		sp->kind = UNWINDER_FP;
		return start_unwinder(sp, UNWINDER_FP, pm, &sp->uw) ? 0 : -errno;
	}
	if (!unwinder__perf_regs_mask()) {
		pr_err("--call-graph dwarf is not supported on this architecture yet; use "
		       "--call-graph fp");
		return -EOPNOTSUPP;
	}
	/* A build without libdw still unwinds by default, with libunwind. */
	if (!o->unwinder_set && !unwinder__available(UNWINDER_LIBDW) &&
	    unwinder__available(UNWINDER_LIBUNWIND))
		kind = UNWINDER_LIBUNWIND;
	sp->kind = kind;
	sp->stack_size = o->stack_size ? o->stack_size : UNWIND_DEFAULT_STACK_USER;
	if (!start_unwinder(sp, kind, pm, &sp->uw))
		return -errno;
	if (o->unwinder_check &&
	    !start_unwinder(sp, kind == UNWINDER_LIBDW ? UNWINDER_LIBUNWIND : UNWINDER_LIBDW, pm,
			    &sp->uw_check))
		return -errno;
	return 0;
}

void stack_path__release(struct stack_path *sp)
{
	size_t i;

	unwinder__free(sp->uw);
	unwinder__free(sp->uw_check);
	addr_stack__release(&sp->stk);
	addr_stack__release(&sp->stk_check);
	for (i = 0; i < sp->npending; i++)
		free(sp->pending[i].data);
	free(sp->pending);
	memset(sp, 0, sizeof(*sp));
}

/* --unwinder-check: both stacks of a sample they disagree on, with -v. */
static void log_differ(const struct stack_path *sp, const struct raw_sample *s)
{
	const struct addr_stack *st[2] = {&sp->stk, &sp->stk_check};
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int k;

	if (log__level() < LOG_DEBUG || !(f = open_memstream(&text, &len)))
		return;
	for (k = 0; k < 2; k++) {
		fprintf(f, "\n  %u frames%s:", st[k]->n, st[k]->truncated ? ", truncated" : "");
		for (uint32_t i = 0; i < st[k]->n; i++)
			fprintf(f, " %llx%s", (unsigned long long)st[k]->frames[i].addr,
				st[k]->frames[i].flags & FRAME_ADDR_RETURN ? "" : "!");
	}
	fclose(f);
	pr_debug("unwinders differ on a sample of tid %u (ip %llx, %llu stack bytes):%s", s->tid,
		 (unsigned long long)s->ip, (unsigned long long)s->stack_size, text);
	free(text);
}

/* Aggregates @s, whose final unwind is in sp->stk. */
static void add_unwound(struct stack_path *sp, const struct raw_sample *s, uint32_t epoch,
			enum stackagg_kind kind)
{
	if (sp->uw_check && s->abi) {
		unwinder__unwind(sp->uw_check, s, &sp->stk_check, UNWIND_F_FINAL);
		sp->check_samples++;
		if (!addr_stack__equal(&sp->stk, &sp->stk_check) && sp->check_differ++ < 5)
			log_differ(sp, s);
	}
	stackagg__add(sp->sa, s, &sp->stk, epoch, kind);
}

/* Copies what unwinding @s needs, to try again after the next drain. */
static void keep_pending(struct stack_path *sp, const struct raw_sample *s, uint32_t epoch)
{
	size_t regs = s->nr_regs * sizeof(*s->regs), chain = s->nr_callchain * sizeof(uint64_t);
	struct pending *pd;
	uint8_t *d;

	ALLOC_GROW(sp->pending, sp->npending + 1, sp->pending_alloc);
	pd = &sp->pending[sp->npending++];
	pd->s = *s;
	pd->epoch = epoch;
	pd->rounds = 0;
	pd->data = d = xmalloc(regs + chain + s->stack_size + 1);
	if (s->regs)
		pd->s.regs = memcpy(d, s->regs, regs);
	if (s->callchain)
		pd->s.callchain = memcpy(d + regs, s->callchain, chain);
	if (s->stack)
		pd->s.stack = memcpy(d + regs + chain, s->stack, s->stack_size);
}

void stack_path__flush(struct stack_path *sp, bool last)
{
	size_t i, j = 0;

	for (i = 0; i < sp->npending; i++) {
		struct pending *pd = &sp->pending[i];
		bool final = last || ++pd->rounds >= PENDING_ROUNDS;

		if (unwinder__unwind(sp->uw, &pd->s, &sp->stk, final ? UNWIND_F_FINAL : 0) ==
		    -EAGAIN) {
			sp->pending[j++] = *pd;
			continue;
		}
		add_unwound(sp, &pd->s, pd->epoch, STACKAGG_ONCPU);
		free(pd->data);
	}
	sp->npending = j;
}

void stack_path__add(struct stack_path *sp, const struct raw_sample *s, uint32_t epoch,
		     enum stackagg_kind kind)
{
	/* A copied stack is only valid now: unwind at once, keep a copy if it must wait. */
	if (unwinder__unwind(sp->uw, s, &sp->stk,
			     sp->npending < PENDING_MAX ? 0 : UNWIND_F_FINAL) == -EAGAIN) {
		keep_pending(sp, s, epoch);
		return;
	}
	add_unwound(sp, s, epoch, kind);
}
