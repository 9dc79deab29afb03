/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the files of the unwind stage: the per-process module
 * tables and ELF file images kept by unwinder.c, the memory reader every
 * DWARF backend uses, the arch file's register mapping, and the ops table
 * each backend (unwind_fp.c, unwind_libdw.c, unwind_libunwind.c) fills.
 * Nothing here is thread-safe.
 */
#ifndef RESQ_UNWIND_INTERNAL_H
#define RESQ_UNWIND_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "unwinder.h"

/* ---- arch/<arch>.c ---- */

/* DWARF register numbers the backends need; the arch file fills them. */
#define ARCH_DWARF_NREGS 17 /* x86_64: rax..r15 (0-15) and the return address (16) */
#define ARCH_DWARF_FP	 6 /* the frame pointer (rbp) */
#define ARCH_DWARF_SP	 7
#define ARCH_DWARF_IP	 16

/* PERF_SAMPLE_REGS_USER mask for DWARF unwinding; 0 when unsupported. */
uint64_t arch__perf_regs_mask(void);

/*
 * Fills @out with the sampled user registers in DWARF numbering (registers
 * the sample lacks read as 0). Returns false when the sample has no 64-bit
 * user registers or lacks the IP or SP.
 */
bool arch__dwarf_regs(const struct raw_sample *s, uint64_t out[ARCH_DWARF_NREGS]);

/* ---- unwinder.c: ELF images ---- */

/* libelf reads the images; the DWARF backends are the only readers. */
#if defined(HAVE_LIBDW) || defined(HAVE_LIBUNWIND)
#define HAVE_LIBELF 1
#endif
struct Elf;

struct uw_seg {
	uint64_t vaddr, memsz, offset, filesz;
	bool exec, writable;
};

/* One ELF file (or the vdso image), shared by every process that maps it. */
struct uw_elf {
	char *key;	     /* build-id or path: the cache key */
	char *path;	     /* the file opened, or "[vdso]" */
	int fd;		     /* -1 when not open */
	const uint8_t *data; /* the whole file, read-only; NULL when it failed to open */
	size_t size;
	struct Elf *elf; /* libelf's view of data */
	bool unmap; /* data is our mmap */
	bool vdso;
	struct uw_seg *segs; /* PT_LOADs */
	size_t nsegs;
	uint64_t lo, hi;	      /* page-aligned lowest and highest PT_LOAD address */
	uint64_t eh_hdr, eh_hdr_size; /* PT_GNU_EH_FRAME vaddr and size; 0 when none */
	uint64_t entry;		      /* e_entry: where the program (or ld.so) starts */
};

/*
 * A file descriptor holding @e's image, for libraries that read files
 * themselves (the vdso: a memfd with a copy of our own image). A new
 * descriptor each call, the caller's; negative errno on failure.
 */
int uw_elf__fd(struct uw_elf *e);

/* ---- unwinder.c: processes and modules ---- */

/* One ELF file mapped into a process at a load bias. */
struct uw_module {
	uint64_t start, end; /* the executable mapping(s) */
	uint64_t lo, hi;     /* the whole image: bias + the file's PT_LOAD range */
	uint64_t bias;	     /* process address = ELF vaddr + bias */
	struct uw_elf *elf;
	void *priv; /* the backend's (libdw: Dwfl_Module); kept while unchanged */
};

struct uw_proc {
	struct unwinder *uw;
	pid_t pid;
	uint32_t gen; /* procmaps__generation() the modules were built at */
	bool built;
	bool init_failed;	/* the backend refused these modules */
	bool used;		/* since the last sweep of exited processes */
	struct uw_module *mods; /* sorted by lo */
	size_t nmods, mods_alloc;
	size_t last; /* index of the module found last */
	void *priv;  /* the backend's per-process state */
};

/* The sample being unwound, handed to the backend. */
struct uw_ctx {
	struct uw_proc *proc;
	const struct raw_sample *s;
	uint64_t regs[ARCH_DWARF_NREGS]; /* DWARF numbering */
	uint64_t sp;
	const uint8_t *stack;
	uint64_t stack_size;
	struct addr_stack *out;
	bool no_rule_cache; /* unwinder_opts.no_rule_cache */
	bool from_rules;    /* backend: unwound from cached rules alone */
	bool no_info;	    /* backend scratch: a lookup of unwind info failed */
};

/* The module of @p whose image holds @addr (an executable mapping first); NULL if none. */
struct uw_module *uw_find_module(struct uw_proc *p, uint64_t addr);

/*
 * Reads the 8 bytes at process address @addr: from the copied stack, else
 * from the file of a module (read-only segments only: written data in the
 * process differs from the file). Returns false when neither holds them.
 */
bool uw_read_word(struct uw_ctx *c, uint64_t addr, uint64_t *val);

/* Appends a frame; false (nothing appended) when UNWIND_MAX_FRAMES are there. */
bool uw_push(struct addr_stack *out, uint64_t addr, uint32_t flags);

/* ---- the backends ---- */

enum uw_end {
	UW_END_COMPLETE = 0, /* reached the outermost frame */
	UW_END_FAILED,	     /* stopped early */
	UW_END_CAPPED,	     /* UNWIND_MAX_FRAMES reached */
};

struct unwind_ops {
	const char *name;
	/* Creates @p->priv once @p has modules. Returns 0 or a negative errno. */
	int (*proc_init)(struct uw_proc *p);
	/*
	 * @p's module table was rebuilt: modules with priv == NULL are new;
	 * @replaced when some module went away or moved. Returns 0 or a
	 * negative errno (the process is then re-initialized on next use).
	 */
	int (*proc_update)(struct uw_proc *p, bool replaced);
	/* Frees @p->priv (and module privs); @p->priv may be NULL. */
	void (*proc_release)(struct uw_proc *p);
	/* Appends the user frames of c->s to c->out, leaf first. */
	enum uw_end (*unwind)(struct uw_ctx *c);
};

extern const struct unwind_ops unwind_fp_ops;
#ifdef HAVE_LIBDW
extern const struct unwind_ops unwind_libdw_ops;
#endif
#ifdef HAVE_LIBUNWIND
extern const struct unwind_ops unwind_libunwind_ops;
#endif

#endif
