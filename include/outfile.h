/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output files that can never hurt the machine. Every file resq-flame writes
 * (profiles, palette files, and later histories and periodic profiles) goes
 * through this module:
 *
 *  - a regular file, or a path that does not exist yet, is written to a
 *    temporary file in the same directory (created with O_EXCL) and renamed
 *    into place when complete, keeping an existing file's mode, owner and
 *    group;
 *  - a regular file with several hard links is written in place, but only
 *    once the whole output exists in the temporary file;
 *  - a symlink is followed, and its target handled by these rules;
 *  - a character or block device, or a FIFO, is opened and written directly,
 *    never replaced (as root, renaming over /dev/null breaks the machine);
 *  - "-", /dev/stdout, /dev/fd/1 and /proc/self/fd/1 are stdout;
 *  - a directory or socket is an error.
 *
 * Life cycle: outfile__open(), write to outfile__stream(), then
 * outfile__commit() (puts it in place) or outfile__abort() (leaves the old
 * file untouched and no temporary file); both free it.
 */
#ifndef RESQ_OUTFILE_H
#define RESQ_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile;

/*
 * Opens @path for writing by the rules above. Returns NULL with errno set
 * after logging why (pr_err, naming @path).
 */
struct outfile *outfile__open(const char *path);

/* The stream to write to; borrowed, valid until commit or abort. */
FILE *outfile__stream(struct outfile *of);

/* True when the output goes to stdout. */
bool outfile__is_stdout(const struct outfile *of);

/*
 * Flushes (and for files, fsyncs) the stream and puts the file in place.
 * Returns 0 or a negative errno after logging why; -EPIPE without a
 * message (the reader of a pipe went away). Frees @of either way; on
 * failure an existing file is left as it was (except a hard-linked file
 * whose in-place copy failed midway, which is said).
 */
int outfile__commit(struct outfile *of);

/* Drops what was written: no temporary file is left, the old file stays. Frees @of; NULL is fine. */
void outfile__abort(struct outfile *of);

/*
 * Checks, before a long capture, that @path could be written: for a file,
 * that its directory exists and takes a new file (a probe file is created
 * and removed), and for a hard-linked file or a device, that it is
 * writable. Returns 0 or a negative errno after logging why.
 */
int outfile__check(const char *path);

/*
 * Removes every temporary file being written. Async-signal-safe: for a
 * signal handler about to end the process.
 */
void outfile__abort_all_from_signal(void);

#endif
