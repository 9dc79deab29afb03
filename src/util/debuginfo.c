// SPDX-License-Identifier: Apache-2.0
/* Opening the files a profiled program names, without trusting it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "debuginfo.h"
#include "log.h"
#include "xalloc.h"

int debuginfo__open_regular(const char *path)
{
	char self[64];
	struct stat st;
	int pfd, fd;

	/*
	 * O_PATH opens no file: a device's open handler (a watchdog, a tape)
	 * never runs, and a FIFO cannot block. The regular file found is then
	 * opened through its own fd, so it cannot be swapped in between.
	 */
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (fstat(pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(pfd);
		return -EINVAL;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fd = -errno;
	close(pfd);
	return fd;
}

uint32_t debuginfo__crc32(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int k;

	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1));
	}
	return ~crc;
}

#ifdef HAVE_LIBDW
#include <elfutils/libdwelf.h>
#include <gelf.h>

/* The CRC-32 of the whole file open on @fd; -1 when it cannot be read. */
static int64_t file_crc32(int fd)
{
	unsigned char buf[65536];
	uint32_t crc = 0;
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		crc = debuginfo__crc32(crc, buf, (size_t)n);
		off += n;
	}
	return n < 0 ? -1 : (int64_t)crc;
}

/* True when the debug file open on @fd belongs to @mod's binary. */
static bool matches(Dwfl_Module *mod, int fd, GElf_Word crc)
{
	const unsigned char *bits;
	const void *dbits;
	GElf_Addr vaddr;
	ssize_t dlen;
	Elf *elf;
	int len;
	bool ok;

	len = dwfl_module_build_id(mod, &bits, &vaddr);
	if (len <= 0)
		return crc && file_crc32(fd) == (int64_t)crc;
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		return false;
	dlen = dwelf_elf_gnu_build_id(elf, &dbits);
	ok = dlen == len && !memcmp(dbits, bits, (size_t)len);
	elf_end(elf);
	return ok;
}

/* A .gnu_debuglink name is a file name: nothing that leads elsewhere. */
static bool plain_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strlen(name) < NAME_MAX;
}

/* @dir without a leading /proc/PID/root (the process's own root). */
static const char *outside_root(const char *dir)
{
	const char *p;

	if (strncmp(dir, "/proc/", 6))
		return dir;
	p = dir + 6;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == dir + 6 || strncmp(p, "/root", 5) || (p[5] && p[5] != '/'))
		return dir;
	return p + 5;
}

int debuginfo__find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    const char *file_name, const char *debuglink, GElf_Word crc, char **out_name)
{
	char dir[PATH_MAX], name[NAME_MAX + 8], cand[3][2 * PATH_MAX];
	struct stat main_st, st;
	const char *slash;
	bool have_main;
	int fd, i;

	fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink, crc,
					  out_name);
	if (fd >= 0)
		return fd;
	/* No debuglink CRC with a name: the dwz alternate file, by build-id only. */
	if (debuglink && !crc)
		return -1;
	if (!debuglink) {
		slash = file_name ? strrchr(file_name, '/') : NULL;
		if (!slash ||
		    snprintf(name, sizeof(name), "%s.debug", slash + 1) >= (int)sizeof(name))
			return -1;
		debuglink = name;
	}
	if (!plain_name(debuglink)) {
		pr_debug("%s: ignored the debug link \"%s\": not a plain file name",
			 file_name ? file_name : modname, debuglink);
		return -1;
	}
	slash = file_name ? strrchr(file_name, '/') : NULL;
	if (!slash || (size_t)(slash - file_name) >= sizeof(dir))
		return -1;
	memcpy(dir, file_name, (size_t)(slash - file_name));
	dir[slash - file_name] = '\0';
	snprintf(cand[0], sizeof(cand[0]), "%s/%s", dir, debuglink);
	snprintf(cand[1], sizeof(cand[1]), "%s/.debug/%s", dir, debuglink);
	snprintf(cand[2], sizeof(cand[2]), "/usr/lib/debug%s/%s", outside_root(dir), debuglink);
	have_main = stat(file_name, &main_st) == 0;
	for (i = 0; i < 3; i++) {
		fd = debuginfo__open_regular(cand[i]);
		if (fd < 0) {
			if (fd == -EINVAL)
				pr_debug("%s: not a regular file, ignored as debug info", cand[i]);
			continue;
		}
		if (fstat(fd, &st) == 0 && have_main && st.st_dev == main_st.st_dev &&
		    st.st_ino == main_st.st_ino) {
			close(fd);
			continue;
		}
		if (matches(mod, fd, crc)) {
			*out_name = xstrdup(cand[i]);
			return fd;
		}
		close(fd);
	}
	errno = ENOENT;
	return -1;
}
#endif /* HAVE_LIBDW */
