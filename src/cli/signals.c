// SPDX-License-Identifier: Apache-2.0
/*
 * SIGINT, SIGTERM and SIGHUP during `record` and `offcpu`: the first ends
 * the capture and the profile is still written; a second warns; a third
 * aborts without a partial output file.
 */
#include <signal.h>
#include <unistd.h>

#include "capture_cmd.h"
#include "outfile.h"

volatile sig_atomic_t cli_stop_signal;

static volatile sig_atomic_t stop_signals;

static void on_stop_signal(int sig)
{
	static const char again[] = "\nresq-flame: still writing the profile; press again (or send "
				    "the signal again) to abort\n";

	if (++stop_signals == 1) {
		cli_stop_signal = sig;
		return;
	}
	if (stop_signals == 2) {
		if (write(STDERR_FILENO, again, sizeof(again) - 1) < 0)
			return;
		return;
	}
	/* Third: no partial file, and die by the signal so the caller sees it. */
	outfile__abort_all_from_signal();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void on_child_signal(int sig)
{
	(void)sig; /* only interrupts waits, so that the child's exit is seen at once */
}

static const int stop_sigs[] = {SIGINT, SIGTERM, SIGHUP};

void cli_signals_install(struct sigaction old[CLI_NSIGNALS])
{
	struct sigaction sa = {.sa_handler = on_stop_signal};
	size_t i;

	stop_signals = 0;
	cli_stop_signal = 0;
	sigemptyset(&sa.sa_mask);
	/*
	 * poll() and epoll_wait() are interrupted whatever the flag (signal(7));
	 * SA_RESTART keeps a blocking open() or write() of the output going
	 * when a second signal comes while it is written.
	 */
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < 3; i++)
		sigaction(stop_sigs[i], &sa, &old[i]);
	sa.sa_handler = on_child_signal;
	sa.sa_flags = SA_NOCLDSTOP;
	sigaction(SIGCHLD, &sa, &old[3]);
}

void cli_signals_restore(const struct sigaction old[CLI_NSIGNALS])
{
	size_t i;

	for (i = 0; i < 3; i++)
		sigaction(stop_sigs[i], &old[i], NULL);
	sigaction(SIGCHLD, &old[3], NULL);
}
