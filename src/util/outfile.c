// SPDX-License-Identifier: Apache-2.0
/*
 * Output files that can never hurt the machine (see include/outfile.h for
 * the rules): atomic replacement of regular files, in-place writes through
 * hard links and into devices and FIFOs, symlinks followed.
 */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "xalloc.h"

enum out_kind {
	OUT_STDOUT,  /* "-", /dev/stdout */
	OUT_NEW,     /* no such file yet: temporary file, then rename */
	OUT_REPLACE, /* a regular file: temporary file with its mode and owner, then rename */
	OUT_THROUGH, /* a regular file with hard links: temporary file, then copied in */
	OUT_DIRECT,  /* a device or FIFO, or a file reached through /proc: open and write */
};

/*
 * Temporary files being written, for outfile__abort_all_from_signal(): a
 * fixed table, since a signal handler may not allocate or take locks.
 */
#define MAX_LIVE 8
static char live_path[MAX_LIVE][PATH_MAX];
static volatile sig_atomic_t live_used[MAX_LIVE];

struct outfile {
	enum out_kind kind;
	char *path;	  /* the file to write, symlinks resolved */
	const char *shown; /* the path as the user gave it, for messages */
	char *shown_copy;
	struct stat st;	  /* of the existing file (REPLACE, THROUGH) */
	int slot;	  /* live_path index of the temporary file, or -1 */
	FILE *f;
};

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static bool is_stdout_alias(const char *path)
{
	return !strcmp(path, "-") || !strcmp(path, "/dev/stdout") || !strcmp(path, "/dev/fd/1") ||
	       !strcmp(path, "/proc/self/fd/1");
}

/* Classifies @of->shown into @of, following symlinks (40 at most, as the kernel does). */
static int resolve(struct outfile *of)
{
	const char *path = of->shown;
	char *cur;
	int hops = 0;

	if (is_stdout_alias(path)) {
		of->kind = OUT_STDOUT;
		return 0;
	}
	cur = xstrdup(path);
	for (;;) {
		char link[PATH_MAX];
		ssize_t n;

		if (lstat(cur, &of->st)) {
			int err = errno;

			if (err == ENOENT) {
				of->kind = OUT_NEW;
				of->path = cur;
				return 0;
			}
			pr_err("cannot write %s: %s", cur, strerror(err));
			free(cur);
			return -err;
		}
		if (!S_ISLNK(of->st.st_mode))
			break;
		if (++hops > 40) {
			pr_err("cannot write %s: too many levels of symbolic links", path);
			free(cur);
			return -ELOOP;
		}
		n = readlink(cur, link, sizeof(link) - 1);
		if (n < 0) {
			int err = errno;

			pr_err("cannot read the symbolic link %s: %s", cur, strerror(err));
			free(cur);
			return -err;
		}
		link[n] = '\0';
		/* /proc/PID/fd links name open files, not paths to rename over. */
		if (!strncmp(link, "/proc/", 6) || !strncmp(link, "/dev/fd/", 8) ||
		    !strncmp(cur, "/proc/", 6) || !strncmp(cur, "/dev/fd/", 8)) {
			free(cur);
			if (stat(path, &of->st)) {
				int err = errno;

				pr_err("cannot write %s: %s", path, strerror(err));
				return -err;
			}
			if (S_ISDIR(of->st.st_mode)) {
				pr_err("cannot write %s: it is a directory", path);
				return -EISDIR;
			}
			of->kind = OUT_DIRECT;
			of->path = xstrdup(path);
			return 0;
		}
		if (link[0] == '/') {
			free(cur);
			cur = xstrdup(link);
		} else {
			char *dir = dir_of(cur);

			free(cur);
			cur = xmalloc(strlen(dir) + strlen(link) + 2);
			sprintf(cur, "%s/%s", dir, link);
			free(dir);
		}
	}
	if (S_ISREG(of->st.st_mode)) {
		of->kind = of->st.st_nlink > 1 ? OUT_THROUGH : OUT_REPLACE;
		of->path = cur;
		return 0;
	}
	if (S_ISCHR(of->st.st_mode) || S_ISBLK(of->st.st_mode) || S_ISFIFO(of->st.st_mode)) {
		of->kind = OUT_DIRECT;
		of->path = cur;
		return 0;
	}
	free(cur);
	if (S_ISDIR(of->st.st_mode)) {
		pr_err("cannot write %s: it is a directory", path);
		return -EISDIR;
	}
	pr_err("cannot write %s: %s", path,
	       S_ISSOCK(of->st.st_mode) ? "it is a socket" : "not a file, device or FIFO");
	return -ENXIO;
}

/* Creates a temporary file next to @target (O_EXCL, mode 0600); returns its fd. */
static int make_tmp(const char *target, int *slot)
{
	char *dir = dir_of(target);
	int i, fd;

	for (i = 0; i < MAX_LIVE && live_used[i]; i++)
		;
	if (i == MAX_LIVE || strlen(dir) + 32 > sizeof(live_path[0])) {
		free(dir);
		return i == MAX_LIVE ? -EMFILE : -ENAMETOOLONG;
	}
	snprintf(live_path[i], sizeof(live_path[i]), "%s/.resq-flame-XXXXXX", dir);
	free(dir);
	fd = mkostemp(live_path[i], O_CLOEXEC);
	if (fd < 0)
		return -errno;
	live_used[i] = 1;
	*slot = i;
	return fd;
}

static void drop_tmp(int *slot)
{
	if (*slot >= 0) {
		unlink(live_path[*slot]);
		live_used[*slot] = 0;
		*slot = -1;
	}
}

void outfile__abort_all_from_signal(void)
{
	for (int i = 0; i < MAX_LIVE; i++)
		if (live_used[i])
			unlink(live_path[i]);
}

static void outfile__free(struct outfile *of)
{
	drop_tmp(&of->slot);
	free(of->path);
	free(of->shown_copy);
	free(of);
}

struct outfile *outfile__open(const char *path)
{
	struct outfile *of = xcalloc(1, sizeof(*of));
	int fd, err;

	of->shown = of->shown_copy = xstrdup(path);
	of->slot = -1;
	err = resolve(of);
	if (err)
		goto fail;
	if (of->kind == OUT_STDOUT) {
		fd = dup(STDOUT_FILENO);
		if (fd < 0) {
			err = -errno;
			pr_err("cannot write to stdout: %s", strerror(-err));
			goto fail;
		}
	} else if (of->kind == OUT_DIRECT) {
		fd = open(of->path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			err = -errno;
			pr_err("cannot write %s: %s", path, strerror(-err));
			goto fail;
		}
	} else {
		fd = make_tmp(of->path, &of->slot);
		if (fd < 0) {
			err = fd;
			pr_err("cannot create a temporary file next to %s: %s", path,
			       strerror(-err));
			goto fail;
		}
		if (of->kind == OUT_REPLACE) {
			/* Keep what the old file had; only root may give a file away. */
			if (fchown(fd, of->st.st_uid, of->st.st_gid) && errno != EPERM)
				pr_warn("cannot keep the owner of %s: %s", path, strerror(errno));
			fchmod(fd, of->st.st_mode & 07777);
		} else {
			mode_t mask = umask(0);

			umask(mask);
			fchmod(fd, 0666 & ~mask);
		}
	}
	of->f = fdopen(fd, "w");
	if (!of->f) {
		err = -errno;
		close(fd);
		pr_err("cannot write %s: %s", path, strerror(-err));
		goto fail;
	}
	return of;
fail:
	outfile__free(of);
	errno = -err;
	return NULL;
}

FILE *outfile__stream(struct outfile *of)
{
	return of->f;
}

bool outfile__is_stdout(const struct outfile *of)
{
	return of->kind == OUT_STDOUT;
}

/* Copies the finished temporary file into the hard-linked file in place. */
static int copy_through(struct outfile *of)
{
	char buf[65536];
	int in = open(live_path[of->slot], O_RDONLY | O_CLOEXEC), out = -1, err = 0;
	ssize_t n;

	if (in >= 0)
		out = open(of->path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (in < 0 || out < 0) {
		err = -errno;
		pr_err("cannot write %s: %s", of->shown, strerror(-err));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err = -errno;
				pr_err("cannot write %s: %s (the file is now incomplete)", of->shown,
				       strerror(-err));
				goto out;
			}
			off += w;
		}
	}
	if (n < 0 || fsync(out)) {
		err = -errno;
		pr_err("cannot write %s: %s", of->shown, strerror(-err));
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !err)
		err = -errno;
	return err;
}

int outfile__commit(struct outfile *of)
{
	bool file = of->kind != OUT_STDOUT && of->kind != OUT_DIRECT;
	int err = 0;

	if (fflush(of->f) || ferror(of->f) || (file && fsync(fileno(of->f)))) {
		err = errno == EPIPE ? -EPIPE : -(errno ? errno : EIO);
		if (err != -EPIPE)
			pr_err("cannot write %s: %s", of->shown, strerror(-err));
	}
	if (fclose(of->f) && !err) {
		err = errno == EPIPE ? -EPIPE : -(errno ? errno : EIO);
		if (err != -EPIPE)
			pr_err("cannot write %s: %s", of->shown, strerror(-err));
	}
	of->f = NULL;
	if (!err && of->kind == OUT_THROUGH) {
		err = copy_through(of);
	} else if (!err && file) {
		if (rename(live_path[of->slot], of->path)) {
			err = -errno;
			pr_err("cannot rename the output into place as %s: %s", of->path,
			       strerror(-err));
		} else {
			live_used[of->slot] = 0;
			of->slot = -1;
		}
	}
	outfile__free(of);
	return err;
}

void outfile__abort(struct outfile *of)
{
	if (!of)
		return;
	if (of->f)
		fclose(of->f);
	outfile__free(of);
}

int outfile__check(const char *path)
{
	struct outfile probe = {.shown = path, .slot = -1};
	int err, fd;

	err = resolve(&probe);
	if (err)
		return err;
	if (probe.kind == OUT_DIRECT || probe.kind == OUT_THROUGH) {
		if (access(probe.path, W_OK)) {
			err = -errno;
			pr_err("cannot write %s: %s", path, strerror(-err));
		}
	} else if (probe.kind != OUT_STDOUT) {
		/* The temporary file goes next to the target: probe that directory. */
		fd = make_tmp(probe.path, &probe.slot);
		if (fd < 0) {
			char *dir = dir_of(probe.path);

			err = fd;
			pr_err("cannot write %s: cannot create a file in %s: %s", path, dir,
			       strerror(-err));
			free(dir);
		} else {
			close(fd);
			drop_tmp(&probe.slot);
		}
	}
	free(probe.path);
	return err;
}
