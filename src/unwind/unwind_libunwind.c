// SPDX-License-Identifier: Apache-2.0
/*
 * DWARF unwinding with libunwind's remote API: one unw_addr_space_t per
 * process with UNW_CACHE_GLOBAL, whose accessors serve the sample being
 * unwound. The cache (register rules per IP) is flushed only when the
 * process's modules change.
 *
 * find_proc_info looks the IP's module up, reads the module's
 * .eh_frame_hdr (PT_GNU_EH_FRAME) from its file and hands libunwind a
 * UNW_INFO_FORMAT_REMOTE_TABLE descriptor of the binary-search table;
 * _Ux86_64_dwarf_search_unwind_table() then reads the table, FDEs and CIEs
 * through access_mem at process addresses, which uw_read_word() maps back
 * to the file. That function is exported by libunwind-x86_64.so but
 * declared in no header (docs/PLATFORM.md §2). Debian's build exports no
 * .debug_frame search, so code without .eh_frame is not unwound here.
 */
#include "unwind_internal.h"

#ifdef HAVE_LIBUNWIND

#include <errno.h>
#include <libunwind.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

extern int UNW_OBJ(dwarf_search_unwind_table)(unw_addr_space_t as, unw_word_t ip,
					      unw_dyn_info_t *di, unw_proc_info_t *pi,
					      int need_unwind_info, void *arg);

/* DW_EH_PE_* pointer encodings used by .eh_frame_hdr. */
#define EH_PE_OMIT	     0xff
#define EH_PE_UDATA4	     0x03
#define EH_PE_SDATA4	     0x0b
#define EH_PE_UDATA8	     0x04
#define EH_PE_SDATA8	     0x0c
#define EH_PE_DATAREL_SDATA4 0x3b

struct lu_proc {
	unw_addr_space_t as;
};

static size_t enc_size(uint8_t enc)
{
	switch (enc & 0x0f) {
	case EH_PE_UDATA4:
	case EH_PE_SDATA4: return 4;
	case EH_PE_UDATA8:
	case EH_PE_SDATA8: return 8;
	default: return 0;
	}
}

/*
 * The search table of @m's .eh_frame_hdr: version 1, any 4- or 8-byte
 * eh_frame_ptr, a udata4 FDE count, datarel|sdata4 entries (what GNU ld and
 * lld write). Returns false for anything else.
 */
static bool eh_table(const struct uw_module *m, unw_word_t *segbase, unw_word_t *table,
		     unw_word_t *count)
{
	const struct uw_elf *e = m->elf;
	const uint8_t *hdr = NULL;
	uint64_t avail = 0;
	uint32_t n;
	size_t i, ptr;

	if (!e->eh_hdr || e->eh_hdr_size < 12)
		return false;
	for (i = 0; i < e->nsegs; i++) {
		const struct uw_seg *s = &e->segs[i];

		/* Differences, not sums: the addresses come from the file and may wrap. */
		if (e->eh_hdr >= s->vaddr && e->eh_hdr - s->vaddr < s->filesz &&
		    s->filesz - (e->eh_hdr - s->vaddr) >= 12) {
			hdr = e->data + s->offset + (e->eh_hdr - s->vaddr);
			avail = s->filesz - (e->eh_hdr - s->vaddr);
			break;
		}
	}
	if (!hdr || hdr[0] != 1 || hdr[2] != EH_PE_UDATA4 || hdr[3] != EH_PE_DATAREL_SDATA4)
		return false;
	ptr = enc_size(hdr[1]);
	if (!ptr || 4 + ptr + 4 > e->eh_hdr_size || 4 + ptr + 4 > avail)
		return false;
	memcpy(&n, hdr + 4 + ptr, 4);
	*segbase = m->bias + e->eh_hdr;
	*table = *segbase + 4 + ptr + 4;
	*count = n;
	return true;
}

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
			  int need_unwind_info, void *arg)
{
	struct uw_ctx *c = arg;
	const struct uw_module *m = uw_find_module(c->proc, ip);
	unw_dyn_info_t di;
	unw_word_t segbase, table, count;

	int ret;

	if (!m || !eh_table(m, &segbase, &table, &count)) {
		c->no_info = true;
		return -UNW_ENOINFO;
	}
	memset(&di, 0, sizeof(di));
	di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
	di.start_ip = m->lo;
	di.end_ip = m->hi;
	di.u.rti.segbase = segbase;
	di.u.rti.table_data = table;
	/* In words: one (initial location, FDE address) pair of sdata4 per word. */
	di.u.rti.table_len = count * 8 / sizeof(unw_word_t);
	ret = UNW_OBJ(dwarf_search_unwind_table)(as, ip, &di, pi, need_unwind_info, arg);
	if (ret < 0)
		c->no_info = true;
	return ret;
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
	/* libunwind frees the unwind info of table lookups itself. */
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
	return -UNW_ENOINFO;
}

static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp, int write, void *arg)
{
	struct uw_ctx *c = arg;
	uint64_t v;

	if (write)
		return -UNW_EINVAL;
	if (uw_read_word(c, addr, &v)) {
		*valp = v;
		return 0;
	}
	/*
	 * A CIE with a personality routine (augmentation "zPLR", as libc's
	 * __pthread_once_slow and exit paths have) points to it indirectly,
	 * through a GOT slot in the module's writable data, which only the
	 * live process holds. libunwind reads that pointer while parsing the
	 * CIE and fails the whole step when the read fails; it would need the
	 * value only to run exception handlers, which never happens here.
	 * Such words of a module's image read as 0. (libdw skips the pointer
	 * without reading it.)
	 */
	if (uw_find_module(c->proc, addr)) {
		*valp = 0;
		return 0;
	}
	return -UNW_EINVAL;
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *valp, int write, void *arg)
{
	struct uw_ctx *c = arg;

	if (write)
		return -UNW_EREADONLYREG;
	/* libunwind's x86_64 numbering is DWARF's for rax..r15 and rip. */
	if (reg < 0 || reg >= ARCH_DWARF_NREGS)
		return -UNW_EBADREG;
	*valp = c->regs[reg];
	return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
			void *arg)
{
	return -UNW_EINVAL;
}

static int resume(unw_addr_space_t as, unw_cursor_t *cu, void *arg)
{
	return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *bufp, size_t buf_len,
			 unw_word_t *offp, void *arg)
{
	return -UNW_EINVAL;
}

static unw_accessors_t accessors = {
	.find_proc_info = find_proc_info,
	.put_unwind_info = put_unwind_info,
	.get_dyn_info_list_addr = get_dyn_info_list_addr,
	.access_mem = access_mem,
	.access_reg = access_reg,
	.access_fpreg = access_fpreg,
	.resume = resume,
	.get_proc_name = get_proc_name,
};

static int lu_init(struct uw_proc *p)
{
	struct lu_proc *l = xcalloc(1, sizeof(*l));

	l->as = unw_create_addr_space(&accessors, 0);
	if (!l->as) {
		pr_debug("unw_create_addr_space failed");
		free(l);
		return -ENOMEM;
	}
	unw_set_caching_policy(l->as, UNW_CACHE_GLOBAL);
	p->priv = l;
	return 0;
}

static int lu_update(struct uw_proc *p, bool replaced)
{
	struct lu_proc *l = p->priv;

	/* Cached rules are per IP: stale only where code moved or went away. */
	if (replaced)
		unw_flush_cache(l->as, 0, 0);
	return 0;
}

static void lu_release(struct uw_proc *p)
{
	struct lu_proc *l = p->priv;

	if (!l)
		return;
	unw_destroy_addr_space(l->as);
	free(l);
	p->priv = NULL;
}

static enum uw_end lu_unwind(struct uw_ctx *c)
{
	struct lu_proc *l = c->proc->priv;
	unw_cursor_t cur;
	bool exact = true; /* the sampled IP, or a frame interrupted by a signal */
	int ret;

	ret = unw_init_remote(&cur, l->as, c);
	if (ret) {
		uw_push(c->out, c->regs[ARCH_DWARF_IP], 0);
		return UW_END_FAILED;
	}
	for (;;) {
		unw_word_t ip;
		bool sig;

		if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || !ip)
			return UW_END_FAILED;
		/*
		 * As libdw's isactivation: a signal trampoline's own pc and
		 * the pc it interrupted are exact, not return addresses.
		 */
		sig = unw_is_signal_frame(&cur) > 0;
		if (!uw_push(c->out, ip, exact || sig ? 0 : FRAME_ADDR_RETURN))
			return UW_END_CAPPED;
		exact = sig;
		c->no_info = false;
		ret = unw_step(&cur);
		if (ret < 0)
			return UW_END_FAILED;
		if (ret == 0)
			break;
	}
	/*
	 * unw_step() also returns 0 when it gave up on a frame without
	 * unwind info (its frame-chain guess found no %rbp); only a frame
	 * whose CFI leaves the return address undefined (_start, clone3) is
	 * a real end. Cached rules mean the lookup succeeded before.
	 */
	return c->no_info ? UW_END_FAILED : UW_END_COMPLETE;
}

const struct unwind_ops unwind_libunwind_ops = {
	.name = "libunwind",
	.proc_init = lu_init,
	.proc_update = lu_update,
	.proc_release = lu_release,
	.unwind = lu_unwind,
};

#endif /* HAVE_LIBUNWIND */
