/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a capture watches, as /proc shows it: whether a task lives, the
 * process of a thread, processes found by name, /proc snapshots of the
 * targets' mappings, and a command launched under the profiler.
 *
 * A launched command's life cycle: child__start() forks it and holds it
 * before its exec (so that perf events can be opened on its pid, enabled
 * by the exec); child__release() lets it exec; child__stop() ends it if it
 * still runs. The struct is the caller's; CHILD_INIT is its empty value.
 */
#ifndef RESQ_TARGETS_H
#define RESQ_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "procmaps.h"

/* True while @pid exists and is not a zombie. */
bool targets__alive(pid_t pid);
/* The process of thread @tid (Tgid in /proc/TID/status); @tid when unknown. */
pid_t targets__tgid(pid_t tid);
/*
 * Snapshots /proc into @pm at @time: every process when @n is 0, else the
 * processes @ids (the processes of the threads @ids when @tids).
 */
void targets__snapshot(struct procmaps *pm, const pid_t *ids, size_t n, bool tids, uint64_t time);

/*
 * Appends to *@pids (a malloc'd array the caller frees; *@n its length)
 * every process but this one whose command name (/proc/PID/comm) or
 * executable's basename is one of @names. Returns 0, or -ESRCH after an
 * error naming each name that matched nothing with the similar names that
 * run (case, a part of the name, a letter or two apart).
 */
int targets__by_name(const char *const *names, size_t nnames, pid_t **pids, size_t *n);

/* A command run under the profiler, held before its exec until released. */
struct child {
	pid_t pid;
	int go_fd;  /* write end: releases the child to exec */
	int err_fd; /* read end: errno of a failed exec, EOF on success */
	bool exited;
	int status; /* wait status, once exited */
};
#define CHILD_INIT                                                                                 \
	{                                                                                          \
		.pid = -1, .go_fd = -1, .err_fd = -1                                               \
	}

/* Forks @argv[0] (searched in PATH), held before exec. 0, or -1 after a message. */
int child__start(struct child *c, char *const *argv);
/* Lets the child exec. Returns 0, or the exec's errno after reaping it. */
int child__release(struct child *c);
/* True once the child has exited (reaped, status kept); never blocks. */
bool child__exited(struct child *c);
/* Stops a child that is still running: @sig, then SIGKILL after 2 s. */
void child__stop(struct child *c, int sig);

#endif
