// SPDX-License-Identifier: Apache-2.0
/*
 * Writing the profile in the chosen format to the output path. How the file
 * is put in place, so that a device is never replaced and a failed run
 * never leaves a half-written file, is util/outfile.c's job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "log.h"
#include "outfile.h"

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

int cli_write_profile(const struct profile *p, struct cli_global *g)
{
	const char *path = g->output ? g->output : "flamegraph.svg";
	enum out_format fmt = g->format ? g->format : format_from_path(path);
	struct outfile *of = outfile__open(path);
	int err;

	if (!of)
		return -errno;
	if (outfile__is_stdout(of) && g->format == OUT_FMT_AUTO)
		fmt = OUT_FMT_SVG;
	err = write_format(p, g, fmt, outfile__stream(of));
	if (err) {
		outfile__abort(of);
		return err;
	}
	err = outfile__commit(of);
	if (!err && g->open)
		open_file(path);
	return err;
}

int cli_output_check(const struct cli_global *g)
{
	return outfile__check(g->output ? g->output : "flamegraph.svg");
}
