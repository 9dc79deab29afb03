// SPDX-License-Identifier: Apache-2.0
/*
 * Writing the output file, so that it can never hurt: a regular file (or a
 * new path) is replaced atomically through a temporary file in the same
 * directory, keeping the old file's mode, owner and group; a file with hard
 * links is written through in place (after the whole output was written to
 * a temporary file, so a failed run still leaves it untouched); a symlink is
 * followed and its target handled by these rules; a device, FIFO or socket
 * is written to directly and never replaced; "-" and /dev/stdout are
 * stdout. As root, renaming over /dev/null would break the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "log.h"
#include "xalloc.h"

enum out_kind {
	OUT_STDOUT,  /* "-", /dev/stdout */
	OUT_NEW,     /* no such file yet: temporary file, then rename */
	OUT_REPLACE, /* a regular file: temporary file with its mode and owner, then rename */
	OUT_THROUGH, /* a regular file with hard links: temporary file, then copied in */
	OUT_DIRECT,  /* a device or FIFO, or a file reached through /proc: open and write */
};

struct out_target {
	enum out_kind kind;
	char *path; /* the file to write, symlinks resolved; malloc'd */
	struct stat st;
};

/* The temporary file being written, for cli_output_abort() in a signal handler. */
static char tmp_path[PATH_MAX];
static volatile sig_atomic_t tmp_live;

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

/*
 * Classifies @path, following symlinks (at most 40, as the kernel does).
 * Returns 0, or a negative errno after printing why it cannot be written.
 */
static int resolve(const char *path, struct out_target *t)
{
	char *cur = xstrdup(path);
	int hops = 0;

	memset(t, 0, sizeof(*t));
	if (is_stdout_alias(path)) {
		t->kind = OUT_STDOUT;
		free(cur);
		return 0;
	}
	for (;;) {
		char link[PATH_MAX];
		ssize_t n;

		if (lstat(cur, &t->st)) {
			int err = errno;

			if (err == ENOENT) {
				t->kind = OUT_NEW;
				t->path = cur;
				return 0;
			}
			pr_err("cannot write %s: %s", cur, strerror(err));
			free(cur);
			return -err;
		}
		if (!S_ISLNK(t->st.st_mode))
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
			if (stat(path, &t->st) || S_ISDIR(t->st.st_mode)) {
				pr_err("cannot write %s: %s", path,
				       S_ISDIR(t->st.st_mode) ? "is a directory" : strerror(errno));
				return S_ISDIR(t->st.st_mode) ? -EISDIR : -errno;
			}
			t->kind = OUT_DIRECT;
			t->path = xstrdup(path);
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
	t->path = cur;
	if (S_ISREG(t->st.st_mode)) {
		t->kind = t->st.st_nlink > 1 ? OUT_THROUGH : OUT_REPLACE;
		return 0;
	}
	if (S_ISCHR(t->st.st_mode) || S_ISBLK(t->st.st_mode) || S_ISFIFO(t->st.st_mode)) {
		t->kind = OUT_DIRECT;
		return 0;
	}
	pr_err("cannot write %s: %s", path,
	       S_ISDIR(t->st.st_mode)	 ? "it is a directory"
	       : S_ISSOCK(t->st.st_mode) ? "it is a socket"
					 : "not a file, device or FIFO");
	free(cur);
	t->path = NULL;
	return S_ISDIR(t->st.st_mode) ? -EISDIR : -ENXIO;
}

/* Creates the temporary file next to @target (O_EXCL, mode 0600 until chmod). */
static int make_tmp(const char *target)
{
	char *dir = dir_of(target);
	int fd;

	if (strlen(dir) + 32 > sizeof(tmp_path)) {
		free(dir);
		return -ENAMETOOLONG;
	}
	snprintf(tmp_path, sizeof(tmp_path), "%s/.resq-flame-XXXXXX", dir);
	free(dir);
	fd = mkostemp(tmp_path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	tmp_live = 1;
	return fd;
}

static void drop_tmp(void)
{
	if (tmp_live) {
		unlink(tmp_path);
		tmp_live = 0;
	}
}

void cli_output_abort(void)
{
	/* Async-signal-safe: called from signal handlers. */
	if (tmp_live)
		unlink(tmp_path);
}

int cli_output_check(const struct cli_global *g)
{
	const char *path = g->output ? g->output : "flamegraph.svg";
	struct out_target t;
	int err, fd;

	err = resolve(path, &t);
	if (err)
		return err;
	if (t.kind == OUT_STDOUT || t.kind == OUT_DIRECT) {
		if (t.kind == OUT_DIRECT && access(t.path, W_OK)) {
			err = -errno;
			pr_err("cannot write %s: %s", path, strerror(errno));
		}
		free(t.path);
		return err;
	}
	if (t.kind == OUT_THROUGH && access(t.path, W_OK)) {
		err = -errno;
		pr_err("cannot write %s: %s", path, strerror(errno));
		free(t.path);
		return err;
	}
	/* The temporary file goes next to the target: probe that directory. */
	fd = make_tmp(t.path);
	if (fd < 0) {
		char *dir = dir_of(t.path);

		err = fd;
		pr_err("cannot write %s: cannot create a file in %s: %s", path, dir, strerror(-err));
		free(dir);
	} else {
		close(fd);
		drop_tmp();
	}
	free(t.path);
	return err;
}

static enum out_format format_from_path(const char *path)
{
	size_t n = strlen(path);
	static const struct {
		const char *ext;
		enum out_format fmt;
	} exts[] = {
		{ ".svg", OUT_FMT_SVG },	 { ".folded", OUT_FMT_FOLDED },
		{ ".collapsed", OUT_FMT_FOLDED }, { ".txt", OUT_FMT_FOLDED },
		{ ".speedscope.json", OUT_FMT_SPEEDSCOPE }, { ".cpuprofile", OUT_FMT_CPUPROFILE },
		{ ".pb.gz", OUT_FMT_PPROF }, { ".pprof", OUT_FMT_PPROF },
	};
	size_t i;

	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t e = strlen(exts[i].ext);

		if (n > e && !strcasecmp(path + n - e, exts[i].ext))
			return exts[i].fmt;
	}
	return OUT_FMT_SVG;
}

static int write_format(const struct profile *p, struct cli_global *g, enum out_format fmt,
			FILE *f)
{
	if (fmt == OUT_FMT_FOLDED)
		return export__folded(p, f);
	if (fmt == OUT_FMT_SPEEDSCOPE)
		return export__speedscope(p, g->title_set ? g->fg.title : NULL, f);
	if (fmt == OUT_FMT_CPUPROFILE)
		return export__cpuprofile(p, f);
	if (fmt == OUT_FMT_PPROF)
		return export__pprof(p, f);
	return flamegraph__write(p, &g->fg, f);
}

/* Opens the written file with xdg-open, without a shell. */
static void open_file(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("xdg-open", "xdg-open", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0) {
		pr_warn("cannot start xdg-open: %s", strerror(errno));
		return;
	}
	{
		int status;

		if (waitpid(pid, &status, 0) == pid && (!WIFEXITED(status) || WEXITSTATUS(status)))
			pr_warn("xdg-open %s failed; open the file yourself", path);
	}
}

/*
 * Writes the profile to @fd and closes it. @sync: fsync before closing.
 * Returns 0 or a negative errno after printing why (naming @shown).
 */
static int write_fd(const struct profile *p, struct cli_global *g, enum out_format fmt, int fd,
		    const char *shown, bool sync)
{
	FILE *f = fdopen(fd, "w");
	int err;

	if (!f) {
		err = -errno;
		close(fd);
		pr_err("cannot write %s: %s", shown, strerror(-err));
		return err;
	}
	err = write_format(p, g, fmt, f);
	if (fflush(f) || ferror(f) || (sync && fsync(fileno(f)))) {
		if (errno != EPIPE)
			pr_err("cannot write %s: %s", shown, strerror(errno));
		err = errno == EPIPE ? -EPIPE : -EIO;
	}
	if (fclose(f) && !err) {
		pr_err("cannot write %s: %s", shown, strerror(errno));
		err = -EIO;
	}
	return err;
}

/* Copies the finished temporary file into the hard-linked @t->path in place. */
static int copy_through(const struct out_target *t, const char *shown)
{
	char buf[65536];
	int in = open(tmp_path, O_RDONLY | O_CLOEXEC), out = -1, err = 0;
	ssize_t n;

	if (in >= 0)
		out = open(t->path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOCTTY);
	if (in < 0 || out < 0) {
		err = -errno;
		pr_err("cannot write %s: %s", shown, strerror(-err));
		goto out;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				err = -errno;
				pr_err("cannot write %s: %s (the file is now incomplete)", shown,
				       strerror(-err));
				goto out;
			}
			off += w;
		}
	}
	if (n < 0 || fsync(out)) {
		err = -errno;
		pr_err("cannot write %s: %s", shown, strerror(-err));
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) && !err)
		err = -errno;
	return err;
}

int cli_write_profile(const struct profile *p, struct cli_global *g)
{
	const char *path = g->output ? g->output : "flamegraph.svg";
	enum out_format fmt = g->format ? g->format : format_from_path(path);
	struct out_target t;
	mode_t mask;
	int fd, err;

	err = resolve(path, &t);
	if (err)
		return err;
	if (t.kind == OUT_STDOUT) {
		int out = dup(STDOUT_FILENO);

		if (g->format == OUT_FMT_AUTO)
			fmt = OUT_FMT_SVG;
		if (out < 0) {
			pr_err("cannot write to stdout: %s", strerror(errno));
			return -EBADF;
		}
		return write_fd(p, g, fmt, out, "stdout", false);
	}
	if (t.kind == OUT_DIRECT) {
		fd = open(t.path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			err = -errno;
			pr_err("cannot write %s: %s", path, strerror(-err));
		} else {
			err = write_fd(p, g, fmt, fd, path, false);
		}
		free(t.path);
		return err;
	}

	fd = make_tmp(t.path);
	if (fd < 0) {
		err = fd;
		pr_err("cannot create a temporary file next to %s: %s", path, strerror(-err));
		free(t.path);
		return err;
	}
	if (t.kind == OUT_REPLACE) {
		/* Keep what the old file had; only root may give it away to its owner. */
		if (fchown(fd, t.st.st_uid, t.st.st_gid) && errno != EPERM)
			pr_warn("cannot keep the owner of %s: %s", path, strerror(errno));
		fchmod(fd, t.st.st_mode & 07777);
	} else {
		mask = umask(0);
		umask(mask);
		fchmod(fd, 0666 & ~mask);
	}
	err = write_fd(p, g, fmt, fd, path, true);
	if (!err && t.kind == OUT_THROUGH)
		err = copy_through(&t, path);
	else if (!err && rename(tmp_path, t.path)) {
		err = -errno;
		pr_err("cannot rename the output into place as %s: %s", t.path, strerror(-err));
	} else if (!err) {
		tmp_live = 0;
	}
	drop_tmp();
	free(t.path);
	if (!err && g->open)
		open_file(path);
	return err;
}
