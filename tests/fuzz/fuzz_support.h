/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the fuzz targets that feed what record reads from the profiled
 * machine: a cursor that takes little-endian fields from the input, copies
 * of input slices sized exactly (so that ASan sees any over-read), files in
 * memory (memfd) that the library opens by path like any file of a
 * profiled process, and the mappings a loader makes of an ELF image.
 */
#ifndef RESQ_FUZZ_SUPPORT_H
#define RESQ_FUZZ_SUPPORT_H

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_targets.h"
#include "log.h"
#include "procmaps.h"

/* The rest of an input, consumed from the front. */
struct fuzz_in {
	const uint8_t *p;
	size_t left;
};

/* Takes an @n-byte (at most 8) little-endian number; missing bytes read as 0. */
static inline uint64_t fuzz_take(struct fuzz_in *in, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n && in->left; i++, in->p++, in->left--)
		v |= (uint64_t)in->p[0] << (8 * i);
	return v;
}

/* Takes up to @n bytes; *@got says how many. Borrowed from the input. */
static inline const uint8_t *fuzz_take_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p;

	*got = n < in->left ? n : in->left;
	in->p += *got;
	in->left -= *got;
	return p;
}

/* A malloc'd copy of @size bytes (at least one byte allocated); the caller frees. */
static inline void *fuzz_dup(const void *data, size_t size)
{
	void *p = malloc(size ? size : 1);

	if (!p)
		abort();
	if (size)
		memcpy(p, data, size);
	return p;
}

/*
 * A memfd holding @size bytes of @data, opened by path as "/proc/self/fd/N"
 * (written to @path). Returns the descriptor (the caller closes it), or -1.
 */
static inline int fuzz_memfd(const char *name, const void *data, size_t size, char path[32])
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -1;
	while (off < size) {
		ssize_t w = write(fd, (const uint8_t *)data + off, size - off);

		if (w <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	snprintf(path, 32, "/proc/self/fd/%d", fd);
	return fd;
}

/* Where fuzz inputs map their images and stack: typical x86_64 user addresses. */
#define FUZZ_PID	4242
#define FUZZ_MOD_BASE	0x555555000000ULL
#define FUZZ_LIBC_BASE	0x7f1234000000ULL
#define FUZZ_STACK_BASE 0x7ffd12340000ULL
#define FUZZ_MAX_MAPS	8

/*
 * The mappings a loader makes of the ELF image @data at load bias @base:
 * one per PT_LOAD (only the executable ones with @exec_only), page-rounded,
 * named @path, as MMAP2 records describe them. An image without a usable
 * PT_LOAD gives one executable mapping of the whole file. Returns how many
 * were written to @out (at most @max).
 */
static inline int fuzz_elf_mappings(const uint8_t *data, size_t size, uint64_t base,
				    const char *path, bool exec_only, struct mapping *out, int max)
{
	Elf64_Ehdr eh;
	int n = 0;
	size_t i;

	if (size >= sizeof(eh)) {
		memcpy(&eh, data, sizeof(eh));
		if (memcmp(eh.e_ident, ELFMAG, SELFMAG) || eh.e_ident[EI_CLASS] != ELFCLASS64)
			eh.e_phnum = 0;
	} else {
		eh.e_phnum = 0;
	}
	for (i = 0; i < eh.e_phnum && n < max; i++) {
		uint64_t at = eh.e_phoff + i * sizeof(Elf64_Phdr), len;
		Elf64_Phdr ph;

		if (eh.e_phoff > size || at > size - sizeof(ph) || size < sizeof(ph))
			break;
		memcpy(&ph, data + at, sizeof(ph));
		if (ph.p_type != PT_LOAD || (exec_only && !(ph.p_flags & PF_X)))
			continue;
		/* Absurd sizes from a damaged header: one page, as no loader would map it. */
		len = ph.p_memsz < (1ULL << 32) ? ph.p_memsz : 0x1000;
		out[n] = (struct mapping){
			.start = base + (ph.p_vaddr & ~0xfffULL),
			.end = base + ((ph.p_vaddr + len + 0xfff) & ~0xfffULL),
			.pgoff = ph.p_offset & ~0xfffULL,
			.path = path,
			.prot = ((ph.p_flags & PF_R) ? PROT_READ : 0) |
				((ph.p_flags & PF_W) ? PROT_WRITE : 0) |
				((ph.p_flags & PF_X) ? PROT_EXEC : 0),
			.ino = 1 + i,
		};
		if (out[n].end <= out[n].start)
			out[n].end = out[n].start + 0x1000;
		n++;
	}
	if (!n && max > 0) {
		out[n++] = (struct mapping){
			.start = base,
			.end = base + ((size + 0xfff) & ~0xfffULL) + 0x1000,
			.path = path,
			.prot = PROT_READ | PROT_EXEC,
		};
	}
	return n;
}

/* Once per process: no log output, no network lookups of debug info. */
static inline void fuzz_quiet(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	log__set_level(LOG_SILENT);
	unsetenv("DEBUGINFOD_URLS");
}

#endif
