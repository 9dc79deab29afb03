/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helpers for driving a long-running resq-flame from outside: start it
 * with stderr in a file, wait for its workload's CPU time, a message or its
 * end. Every wait polls up to TH_WAIT_S and fails the test after it, so
 * that a loaded machine only makes a test slower, never wrong.
 */
#ifndef RESQ_TEST_PROC_H
#define RESQ_TEST_PROC_H

#include <stdbool.h>
#include <sys/types.h>

#define TH_WAIT_S 120 /* suites using these waits have timeouts above it */

/* Starts @argv with stderr into @err_path, stdout to /dev/null, in a process group of its own. */
pid_t th_spawn_err(const char *const argv[], const char *err_path);

/* The first child of @pid, or 0 when it has none. */
pid_t th_child_of(pid_t pid);

/* User + system CPU seconds used by @pid, or -1 when it is gone. */
double th_cpu_seconds(pid_t pid);

/*
 * Waits until @pid (resq-flame) has launched its workload and the workload
 * has used @secs of CPU time; fails the test if @pid ends first. Returns the
 * workload's pid.
 */
pid_t th_wait_workload_cpu(pid_t pid, double secs);

/* Waits until @pid's CPU time grew by @secs (or it is gone). */
void th_wait_cpu_more(pid_t pid, double secs);

/* Waits for @pid to end; returns its wait status (kills it at the deadline and fails). */
int th_wait_end(pid_t pid);

/* Waits until the file @path contains @text; false at the deadline. */
bool th_wait_text(const char *path, const char *text);

/* Fails the test (cr_expect) for each .resq-flame-* temporary file left in @dir. */
void th_expect_no_temp(const char *dir);

#endif
