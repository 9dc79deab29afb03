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
 */
#include "unwind_internal.h"

#ifdef HAVE_LIBDW

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

struct dw_proc {
	Dwfl *dwfl;
	struct uw_ctx *cur; /* the sample being unwound */
	bool read_failed;   /* a memory read of this walk failed */
};

struct dw_walk {
	struct uw_ctx *c;
	bool capped;
};

static const Dwfl_Callbacks dwfl_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo, /* .debug_frame when .eh_frame lacks a pc */
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

static void dw_release(struct uw_proc *p)
{
	struct dw_proc *d = p->priv;

	if (!d)
		return;
	if (d->dwfl)
		dwfl_end(d->dwfl);
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

static enum uw_end dw_unwind(struct uw_ctx *c)
{
	struct dw_proc *d = c->proc->priv;
	struct dw_walk w = {.c = c};
	uint32_t n0 = c->out->n;
	int ret;

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
