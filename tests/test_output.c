// SPDX-License-Identifier: Apache-2.0
/*
 * Writing the output file (src/cli/output.c), through the real binary: a
 * device, FIFO or symlink is never replaced, a replaced file keeps its mode
 * and owner, hard links stay linked, a failed run leaves the old file and no
 * temporary file behind. Devices are made with mknod in the scratch
 * directory, never taken from the real /dev.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/helpers.h"
#include "helpers/proc.h"

TestSuite(output, .init = th_dir_setup, .fini = th_dir_teardown, .timeout = 60);

static const char folded[] = "main;work 3\nmain;idle 2\n";

/* Writes the fixture and renders it as folded text to @out; returns the result. */
static struct th_result render_to(const char *out)
{
	char *in = th_path(th_dir, "in.folded");
	const char *argv[] = { th_bin(), "render", in, "-f", "folded", "-o", out, NULL };
	struct th_result r;

	th_write_file(in, folded, sizeof(folded) - 1);
	r = th_run(argv, NULL, 0, 30);
	free(in);
	return r;
}

Test(output, character_device_is_written_not_replaced)
{
	char *dev = th_path(th_dir, "fakenull");
	struct th_result r;
	struct stat st;

	/* A char device 1:3 is the kernel's null device, under our own name. */
	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)))
		cr_skip_test("mknod: %s (needs root or CAP_MKNOD)", strerror(errno));
	r = render_to(dev);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(lstat(dev, &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "the device was replaced: mode %o", st.st_mode);
	cr_expect_eq(major(st.st_rdev), 1);
	cr_expect_eq(minor(st.st_rdev), 3);
	th_expect_no_temp(th_dir);
	th_result_free(&r);
	free(dev);
}

Test(output, fifo_is_written_not_replaced)
{
	char *fifo = th_path(th_dir, "fifo");
	struct th_result r;
	struct stat st;
	char buf[256];
	ssize_t n, got = 0;
	pid_t pid;
	int fd;

	cr_assert_eq(mkfifo(fifo, 0600), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int st;

		r = render_to(fifo);
		st = r.status;
		th_result_free(&r);
		free(fifo);
		_exit(st);
	}
	fd = open(fifo, O_RDONLY);
	cr_assert_geq(fd, 0);
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fd);
	{
		int status;

		cr_assert_eq(waitpid(pid, &status, 0), pid);
		cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status 0x%x", status);
	}
	cr_expect_not_null(strstr(buf, "main;work 3"), "read from the FIFO: %s", buf);
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_assert(S_ISFIFO(st.st_mode), "the FIFO was replaced: mode %o", st.st_mode);
	free(fifo);
}

Test(output, symlink_is_followed_and_kept)
{
	char *link = th_path(th_dir, "latest.folded"), *target = th_path(th_dir, "target.folded");
	struct th_result r;
	struct stat st;
	char *text;

	th_write_file(target, "old\n", 4);
	cr_assert_eq(symlink("target.folded", link), 0);
	r = render_to(link);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode), "the symlink was replaced by a file");
	text = th_read_file(target, NULL);
	cr_assert_not_null(strstr(text, "main;work 3"), "target: %s", text);
	free(text);
	th_result_free(&r);
	/* A dangling symlink: its target is created. */
	cr_assert_eq(unlink(target), 0);
	r = render_to(link);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(lstat(link, &st), 0);
	cr_assert(S_ISLNK(st.st_mode));
	cr_assert(th_exists(target), "the dangling symlink's target was not created");
	th_expect_no_temp(th_dir);
	th_result_free(&r);
	free(link);
	free(target);
}

Test(output, hard_links_stay_linked)
{
	char *a = th_path(th_dir, "a.folded"), *b = th_path(th_dir, "b.folded");
	struct th_result r;
	struct stat sa, sb;
	char *text;

	th_write_file(a, "old\n", 4);
	cr_assert_eq(link(a, b), 0);
	r = render_to(a);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(stat(a, &sa), 0);
	cr_assert_eq(stat(b, &sb), 0);
	cr_expect_eq(sa.st_ino, sb.st_ino, "the hard link was broken");
	cr_expect_eq(sa.st_nlink, 2);
	text = th_read_file(b, NULL);
	cr_expect_not_null(strstr(text, "main;work 3"), "b: %s", text);
	free(text);
	th_expect_no_temp(th_dir);
	th_result_free(&r);
	free(a);
	free(b);
}

Test(output, replaced_file_keeps_mode_and_owner)
{
	char *out = th_path(th_dir, "private.folded");
	struct th_result r;
	struct stat st;
	bool root = geteuid() == 0;

	th_write_file(out, "old\n", 4);
	cr_assert_eq(chmod(out, 0600), 0);
	/* As root, give it away, and check that it stays given away. */
	if (root)
		cr_assert_eq(chown(out, 65534, 65534), 0);
	r = render_to(out);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(stat(out, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0600, "mode %o", st.st_mode & 07777);
	if (root) {
		cr_expect_eq(st.st_uid, 65534);
		cr_expect_eq(st.st_gid, 65534);
	}
	th_result_free(&r);
	free(out);
}

Test(output, dev_stdout_and_dash_write_stdout)
{
	const char *paths[] = { "-", "/dev/stdout" };

	for (size_t i = 0; i < 2; i++) {
		struct th_result r = render_to(paths[i]);

		cr_assert_eq(r.status, 0, "%s: %s", paths[i], r.err);
		cr_expect_not_null(strstr(r.out, "main;work 3"), "%s: %s", paths[i], r.out);
		th_result_free(&r);
	}
}

Test(output, directory_or_missing_directory_is_an_error)
{
	char *missing = th_path(th_dir, "no/such/dir/x.svg");
	struct th_result r = render_to(th_dir);

	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "directory"), "%s", r.err);
	th_result_free(&r);
	r = render_to(missing);
	cr_expect_eq(r.status, 1);
	cr_expect_not_null(strstr(r.err, "no/such/dir"), "%s", r.err);
	th_result_free(&r);
	free(missing);
}

/* The reader of -o - goes away: the run ends without an error message. */
Test(output, closed_stdout_pipe_ends_quietly)
{
	char *in = th_path(th_dir, "in.folded"), *err_path = th_path(th_dir, "err");
	const char *argv[] = { th_bin(), "render", in, "-f", "folded", "-o", "-", NULL };
	char *err;
	int fds[2], status;
	pid_t pid;
	/* Big enough to fill the pipe, so that a write fails for sure. */
	size_t n = 200000, len = 0;
	char *big = malloc(n * 24);

	cr_assert_not_null(big);
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(big + len, "main;f%zu 1\n", i);
	th_write_file(in, big, len);
	free(big);
	cr_assert_eq(pipe(fds), 0);
	close(fds[0]); /* nobody reads */
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		signal(SIGPIPE, SIG_DFL);
		dup2(fds[1], 1);
		dup2(fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	err = th_read_file(err_path, NULL);
	cr_expect(!(WIFEXITED(status) && WEXITSTATUS(status) == 0), "status 0x%x", status);
	cr_expect_null(strstr(err, "error"), "not quiet: %s", err);
	free(err);
	free(err_path);
	free(in);
}

/* The palette file (--cp --palfile) is an output too: a device stays a device. */
Test(output, palette_file_on_a_device_is_not_replaced)
{
	char *dev = th_path(th_dir, "fakepal"), *in = th_path(th_dir, "in.folded");
	char *svg = th_path(th_dir, "out.svg");
	const char *argv[] = { th_bin(), "render", in, "--cp", "--palfile", dev, "-o", svg, NULL };
	struct th_result r;
	struct stat st;

	if (mknod(dev, S_IFCHR | 0666, makedev(1, 3)))
		cr_skip_test("mknod: %s (needs root or CAP_MKNOD)", strerror(errno));
	th_write_file(in, folded, sizeof(folded) - 1);
	r = th_run(argv, NULL, 0, 30);
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(lstat(dev, &st), 0);
	cr_assert(S_ISCHR(st.st_mode), "the palette device was replaced: mode %o", st.st_mode);
	th_expect_no_temp(th_dir);
	th_result_free(&r);
	free(svg);
	free(in);
	free(dev);
}
