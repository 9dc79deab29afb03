/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening the files a profiled program names, without trusting it.
 *
 * The paths come from the profiled machine: a mapping's path in
 * /proc/PID/maps, or the .gnu_debuglink name inside a profiled binary. A
 * hostile program can put a FIFO there (opening it would block forever), a
 * device, or a name with "/" and ".." that points anywhere. Every such file
 * is opened through here: without blocking, and kept only when it is a
 * regular file.
 */
#ifndef RESQ_DEBUGINFO_H
#define RESQ_DEBUGINFO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Opens @path read-only when it is a regular file, and returns the fd: a
 * FIFO, device or socket there is never opened (no blocking, no device
 * side effects), and no other file can be swapped in between the check
 * and the open. -EINVAL when it is no regular file, or -errno of open().
 */
int debuginfo__open_regular(const char *path);

/* The CRC-32 (IEEE 802.3, as .gnu_debuglink uses it) of @len bytes, from @crc. */
uint32_t debuginfo__crc32(uint32_t crc, const void *buf, size_t len);

#ifdef HAVE_LIBDW
#include <elfutils/libdwfl.h>

/*
 * A Dwfl find_debuginfo callback for files of the profiled machine. It
 * finds separate debug info by build-id under /usr/lib/debug (libdw's own
 * lookup, root-owned paths), then by the .gnu_debuglink name: only a plain
 * file name (no "/"), looked up beside the binary, in its .debug folder and
 * under /usr/lib/debug, opened with debuginfo__open_regular(), and kept
 * only when its build-id matches the binary's, or, for a binary without
 * one, its CRC matches the link's. A dwz alternate file is found by
 * build-id only.
 */
int debuginfo__find(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
		    const char *file_name, const char *debuglink, GElf_Word crc, char **out_name);
#endif

#endif
