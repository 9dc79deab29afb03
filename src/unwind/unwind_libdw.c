// SPDX-License-Identifier: Apache-2.0
/*
 * DWARF unwinding with elfutils' libdwfl: one Dwfl per process, holding
 * one module per mapped ELF file at its load bias (dwfl_report_elf with
 * add_p_vaddr, not dwfl_linux_proc_report, which makes one module per file
 * spanning all of its mappings), attached once with dwfl_attach_state() to
 * callbacks that serve the sample being unwound: its registers, its copied
 * stack, and the files' read-only segments. Each sample then costs one
 * dwfl_getthread_frames(); libdw keeps the parsed CFI of every module.
 *
 * libdw re-reports a module it already has only with the same descriptor
 * (another one makes it an overlap and drops the module), so modules are
 * reported once: new ones are added with dwfl_report_begin_add(), and the
 * Dwfl is rebuilt only when a module went away or moved.
 *
 * The rule cache: libdw interprets the CFI anew for every frame (the FDE's
 * instructions, an expression per register, an allocation per frame), about
 * 0.7 us a frame here. But most frames' CFI says no more than "CFA = SP or
 * FP + offset; the return address and the FP saved at CFA + offsets, or
 * the FP unchanged", so the first time a pc is unwound its CFI is read
 * once, through the same libdw calls as libdw's own unwinder
 * (dwfl_addrmodule, dwfl_module_eh_cfi, dwarf_cfi_addrframe), and reduced
 * to such a rule; later samples at that pc cost a hash lookup and two
 * loads. Anything else sends the whole sample to dwfl_getthread_frames():
 * a signal frame, a CFA in another register or an expression, a register
 * rule other than undefined, same value, offset or value offset, a pc
 * without an .eh_frame entry, a saved register outside the copied stack,
 * an FP that is needed but unknown. The stacks are therefore the ones libdw
 * gives by itself, frame for frame and in whether they are complete (a test
 * compares the two on real samples). The cache is per process and emptied
 * when its modules change.
 */
#include "unwind_internal.h"

#ifdef HAVE_LIBDW

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debuginfo.h"
#include "hashmap.h"
#include "log.h"
#include "xalloc.h"

enum rule_kind {
	RULE_SIMPLE = 1, /* the rule below */
	RULE_ROOT,	 /* the return address is undefined: the outermost frame */
	RULE_COMPLEX,	 /* anything else: libdw unwinds the sample */
};

enum fp_rule { FP_SAME, FP_OFFSET, FP_UNDEFINED };

/* One pc's CFI reduced to what a plain frame needs. */
struct dw_rule {
	int64_t cfa_off;	  /* CFA = SP or FP + cfa_off */
	int64_t ra_off, fp_off;	  /* saved at CFA + offset */
	int64_t save_lo, save_hi; /* lowest and highest CFA offset libdw reads */
	uint8_t kind, fp_rule;
	bool cfa_fp;
};

struct dw_proc {
	Dwfl *dwfl;
	struct uw_ctx *cur; /* the sample being unwound */
	bool read_failed;   /* a memory read of this walk failed */
	struct hashmap *rule_index; /* lookup pc -> index + 1 in rules */
	struct dw_rule *rules;
	size_t nrules, rules_alloc;
};

struct dw_walk {
	struct uw_ctx *c;
	bool capped;
};

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = debuginfo__find, /* .debug_frame when .eh_frame lacks a pc */
	.section_address = dwfl_offline_section_address,
};

static pid_t next_thread(Dwfl *dwfl, void *dwfl_arg, void **thread_argp)
{
	struct dw_proc *d = dwfl_arg;

	if (*thread_argp || !d->cur)
		return 0;
	*thread_argp = d;
	return (pid_t)d->cur->s->tid;
}

static bool get_thread(Dwfl *dwfl, pid_t tid, void *dwfl_arg, void **thread_argp)
{
	*thread_argp = dwfl_arg;
	return true;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *dwfl_arg)
{
	struct dw_proc *d = dwfl_arg;
	uint64_t v;

	if (!d->cur || !uw_read_word(d->cur, addr, &v)) {
		d->read_failed = true;
		return false;
	}
	*result = v;
	return true;
}

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
	struct dw_proc *d = thread_arg;
	Dwarf_Word regs[ARCH_DWARF_NREGS];
	int i;

	for (i = 0; i < ARCH_DWARF_NREGS; i++)
		regs[i] = d->cur->regs[i];
	if (!dwfl_thread_state_registers(thread, 0, ARCH_DWARF_NREGS, regs))
		return false;
	dwfl_thread_state_register_pc(thread, regs[ARCH_DWARF_IP]);
	return true;
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
	.next_thread = next_thread,
	.get_thread = get_thread,
	.memory_read = memory_read,
	.set_initial_registers = set_initial_registers,
};

/* Reports @m to @d's Dwfl (between report_begin and report_end). */
static int report(struct dw_proc *d, struct uw_module *m)
{
	Dwfl_Module *mod;
	int fd = uw_elf__fd(m->elf);

	if (fd < 0)
		return fd;
	mod = dwfl_report_elf(d->dwfl, m->elf->path, m->elf->path, fd, m->bias, true);
	if (!mod) {
		/* The descriptor is ours again when the report fails. */
		pr_debug("dwfl_report_elf %s at bias 0x%llx: %s", m->elf->path,
			 (unsigned long long)m->bias, dwfl_errmsg(-1));
		close(fd);
		return -ENOEXEC;
	}
	m->priv = mod;
	return 0;
}

static void rules_clear(struct dw_proc *d)
{
	hashmap__free(d->rule_index);
	d->rule_index = hashmap__new();
	d->nrules = 0;
}

static void dw_release(struct uw_proc *p)
{
	struct dw_proc *d = p->priv;

	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
	hashmap__free(d->rule_index);
	free(d->rules);
	free(d);
	p->priv = NULL;
}

static int dw_init(struct uw_proc *p)
{
	struct dw_proc *d = xcalloc(1, sizeof(*d));
	size_t i, reported = 0;

	d->dwfl = dwfl_begin(&dwfl_callbacks);
	if (!d->dwfl) {
		pr_debug("dwfl_begin: %s", dwfl_errmsg(-1));
		free(d);
		return -ENOMEM;
	}
	dwfl_report_begin(d->dwfl);
	for (i = 0; i < p->nmods; i++) {
		p->mods[i].priv = NULL;
		reported += !report(d, &p->mods[i]);
	}
	dwfl_report_end(d->dwfl, NULL, NULL);
	/* The architecture comes from a reported module: none, no state. */
	if (!reported || !dwfl_attach_state(d->dwfl, NULL, p->pid, &thread_callbacks, d)) {
		if (reported)
			pr_debug("dwfl_attach_state pid %d: %s", (int)p->pid, dwfl_errmsg(-1));
		dwfl_end(d->dwfl);
		free(d);
		for (i = 0; i < p->nmods; i++)
			p->mods[i].priv = NULL;
		return -ENOEXEC;
	}
	d->rule_index = hashmap__new();
	p->priv = d;
	return 0;
}

static int dw_update(struct uw_proc *p, bool replaced)
{
	struct dw_proc *d = p->priv;
	size_t i;

	if (replaced) {
		dw_release(p);
		return dw_init(p);
	}
	rules_clear(d); /* a pc without a module may have one now */
	dwfl_report_begin_add(d->dwfl);
	for (i = 0; i < p->nmods; i++)
		if (!p->mods[i].priv)
			report(d, &p->mods[i]);
	dwfl_report_end(d->dwfl, NULL, NULL);
	return 0;
}

static int frame_cb(Dwfl_Frame *state, void *arg)
{
	struct dw_walk *w = arg;
	Dwarf_Addr pc;
	bool activation;

	if (!dwfl_frame_pc(state, &pc, &activation))
		return DWARF_CB_ABORT;
	/* Not an activation: a return address, looked up at pc - 1 later. */
	if (!uw_push(w->c->out, pc, activation ? 0 : FRAME_ADDR_RETURN)) {
		w->capped = true;
		return DWARF_CB_ABORT;
	}
	return DWARF_CB_OK;
}

/* True when the CFI of frame @f says its return address is undefined: the stack's root. */
static bool ra_undefined(Dwfl *dwfl, const struct frame_addr *f)
{
	Dwarf_Addr pc = f->addr - !!(f->flags & FRAME_ADDR_RETURN), bias;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, pc);
	Dwarf_CFI *cfis[2];
	int i;

	if (!mod)
		return false;
	cfis[0] = dwfl_module_eh_cfi(mod, &bias);
	cfis[1] = NULL;
	for (i = 0; i < 2; i++) {
		Dwarf_Op mem[3], *ops;
		Dwarf_Frame *frame;
		size_t nops;
		int ra;
		bool undefined;

		if (i == 1)
			cfis[1] = dwfl_module_dwarf_cfi(mod, &bias);
		if (!cfis[i] || dwarf_cfi_addrframe(cfis[i], pc - bias, &frame))
			continue;
		ra = dwarf_frame_info(frame, NULL, NULL, NULL);
		/* Undefined: no operations, and ops pointing at our buffer. */
		undefined = ra >= 0 && !dwarf_frame_register(frame, ra, mem, &ops, &nops) &&
			    nops == 0 && ops == mem;
		free(frame);
		return undefined;
	}
	return false;
}

/* ---- the rule cache ---- */

enum reg_rule { REG_UNDEFINED, REG_SAME, REG_OFFSET, REG_VAL_OFFSET, REG_OTHER };

/* Register @regno's rule in @frame, as dwarf_frame_register() encodes it. */
static enum reg_rule reg_rule(Dwarf_Frame *frame, int regno, int64_t *off)
{
	Dwarf_Op mem[3], *ops;
	size_t nops, i = 1;

	if (dwarf_frame_register(frame, regno, mem, &ops, &nops))
		return REG_OTHER;
	if (!nops)
		return ops == mem ? REG_UNDEFINED : !ops ? REG_SAME : REG_OTHER;
	if (ops != mem || ops[0].atom != DW_OP_call_frame_cfa)
		return REG_OTHER;
	*off = 0;
	if (i < nops && ops[i].atom == DW_OP_plus_uconst)
		*off = (int64_t)ops[i++].number;
	if (i == nops)
		return REG_OFFSET;
	if (i + 1 == nops && ops[i].atom == DW_OP_stack_value)
		return REG_VAL_OFFSET;
	return REG_OTHER;
}

/* Reduces the CFI libdw would use for @pc (a lookup address) to a rule. */
static void make_rule(struct dw_proc *d, uint64_t pc, struct dw_rule *r)
{
	Dwfl_Module *mod = dwfl_addrmodule(d->dwfl, pc);
	Dwarf_Addr bias, start, end;
	Dwarf_Frame *frame = NULL;
	Dwarf_Op *ops;
	Dwarf_CFI *cfi;
	size_t nops;
	bool signal;
	int regno;

	*r = (struct dw_rule){.kind = RULE_COMPLEX, .save_lo = INT64_MAX, .save_hi = INT64_MIN};
	if (!mod || !(cfi = dwfl_module_eh_cfi(mod, &bias)) ||
	    dwarf_cfi_addrframe(cfi, pc - bias, &frame))
		return;
	if (dwarf_frame_info(frame, &start, &end, &signal) != ARCH_DWARF_IP || signal)
		goto out;
	if (dwarf_frame_cfa(frame, &ops, &nops) || nops != 1 || ops[0].atom != DW_OP_bregx ||
	    (ops[0].number != ARCH_DWARF_SP && ops[0].number != ARCH_DWARF_FP))
		goto out;
	r->cfa_fp = ops[0].number == ARCH_DWARF_FP;
	r->cfa_off = (int64_t)ops[0].number2;
	for (regno = 0; regno < ARCH_DWARF_NREGS; regno++) {
		int64_t off = 0;
		enum reg_rule rr = reg_rule(frame, regno, &off);

		if (regno == ARCH_DWARF_IP && rr == REG_UNDEFINED) {
			r->kind = RULE_ROOT;
			goto out;
		}
		if (rr == REG_OTHER || (regno == ARCH_DWARF_IP && rr != REG_OFFSET) ||
		    (regno == ARCH_DWARF_SP && (rr != REG_VAL_OFFSET || off)) ||
		    (regno == ARCH_DWARF_FP && rr == REG_VAL_OFFSET))
			goto out;
		if (regno == ARCH_DWARF_IP)
			r->ra_off = off;
		if (regno == ARCH_DWARF_FP) {
			r->fp_rule = rr == REG_SAME	 ? FP_SAME
				     : rr == REG_OFFSET ? FP_OFFSET
							 : FP_UNDEFINED;
			r->fp_off = off;
		}
		if (rr == REG_OFFSET) { /* libdw reads every one of these */
			r->save_lo = off < r->save_lo ? off : r->save_lo;
			r->save_hi = off > r->save_hi ? off : r->save_hi;
		}
	}
	r->kind = RULE_SIMPLE;
out:
	free(frame);
}

static const struct dw_rule *rule_at(struct dw_proc *d, uint64_t pc)
{
	uint64_t v;

	if (hashmap__get(d->rule_index, pc, &v))
		return &d->rules[v - 1];
	ALLOC_GROW(d->rules, d->nrules + 1, d->rules_alloc);
	make_rule(d, pc, &d->rules[d->nrules]);
	hashmap__put(d->rule_index, pc, ++d->nrules);
	return &d->rules[d->nrules - 1];
}

/* Whether the 8 bytes at CFA + [lo, hi] are all in the copied stack. */
static bool in_copy(const struct uw_ctx *c, uint64_t cfa, int64_t lo, int64_t hi)
{
	uint64_t a = cfa + (uint64_t)lo, b = cfa + (uint64_t)hi;

	return a >= c->sp && b >= a && b - c->sp < c->stack_size && c->stack_size - (b - c->sp) >= 8;
}

/*
 * Unwinds @c with cached rules alone. Returns false, with @c->out as it
 * was, when some frame needs libdw itself.
 */
static bool fast_unwind(struct dw_proc *d, struct uw_ctx *c, enum uw_end *end)
{
	uint64_t pc = c->regs[ARCH_DWARF_IP], sp = c->regs[ARCH_DWARF_SP],
		 fp = c->regs[ARCH_DWARF_FP];
	uint32_t n0 = c->out->n, flags = 0;
	bool fp_known = true;

	for (;;) {
		const struct dw_rule *r;
		uint64_t cfa, ra;

		if (!uw_push(c->out, pc, flags)) {
			*end = UW_END_CAPPED;
			return true;
		}
		r = rule_at(d, flags ? pc - 1 : pc);
		if (r->kind == RULE_ROOT) {
			*end = UW_END_COMPLETE;
			return true;
		}
		if (r->kind != RULE_SIMPLE || (r->cfa_fp && !fp_known))
			break;
		cfa = (r->cfa_fp ? fp : sp) + (uint64_t)r->cfa_off;
		if (!in_copy(c, cfa, r->save_lo, r->save_hi))
			break;
		memcpy(&ra, c->stack + (cfa + (uint64_t)r->ra_off - c->sp), 8);
		if (r->fp_rule == FP_OFFSET)
			memcpy(&fp, c->stack + (cfa + (uint64_t)r->fp_off - c->sp), 8);
		fp_known = r->fp_rule == FP_UNDEFINED ? false : fp_known || r->fp_rule == FP_OFFSET;
		sp = cfa;
		if (!ra) { /* libdw: a zero pc ends the stack */
			*end = UW_END_COMPLETE;
			return true;
		}
		pc = ra;
		flags = FRAME_ADDR_RETURN;
	}
	c->out->n = n0;
	return false;
}

static enum uw_end dw_unwind(struct uw_ctx *c)
{
	struct dw_proc *d = c->proc->priv;
	struct dw_walk w = {.c = c};
	uint32_t n0 = c->out->n;
	enum uw_end end;
	int ret;

	if (!c->no_rule_cache && fast_unwind(d, c, &end)) {
		c->from_rules = true;
		return end;
	}

	d->cur = c;
	d->read_failed = false;
	ret = dwfl_getthread_frames(d->dwfl, (pid_t)c->s->tid, frame_cb, &w);
	d->cur = NULL;
	if (c->out->n == n0) /* not even the first frame: keep the sampled IP */
		uw_push(c->out, c->regs[ARCH_DWARF_IP], 0);
	if (w.capped)
		return UW_END_CAPPED;
	/*
	 * libdw also ends "successfully" (0, no error) when it cannot read a
	 * frame's return address, as when the copied stack runs out. It also
	 * reads saved registers it will not need (e.g. below the stack pointer
	 * in an epilogue), so a failed read alone proves nothing: the walk is
	 * complete when nothing failed, or when the outermost frame's CFI
	 * leaves the return address undefined (_start, clone3).
	 */
	if (ret != 0)
		return UW_END_FAILED;
	if (!d->read_failed || ra_undefined(d->dwfl, &c->out->frames[c->out->n - 1]))
		return UW_END_COMPLETE;
	return UW_END_FAILED;
}

const struct unwind_ops unwind_libdw_ops = {
	.name = "libdw",
	.proc_init = dw_init,
	.proc_update = dw_update,
	.proc_release = dw_release,
	.unwind = dw_unwind,
};

#endif /* HAVE_LIBDW */
