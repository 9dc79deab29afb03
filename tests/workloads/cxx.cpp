// SPDX-License-Identifier: Apache-2.0
/*
 * C++ names: a class template in a nested namespace, so that a profile
 * shows demangled names such as app::engine::Worker<int>::crunch(int).
 * Runs until it has used SECONDS of CPU time.
 *
 * usage: cxx [SECONDS]   (default 1)
 */
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace app {
namespace engine {

volatile std::uint64_t sink;

template <typename T> class Worker {
public:
	__attribute__((noinline)) T crunch(T seed)
	{
		std::uint64_t x = static_cast<std::uint64_t>(seed);

		for (int i = 0; i < 1000000; i++)
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		return static_cast<T>(x);
	}
};

__attribute__((noinline)) int run_once(int seed)
{
	Worker<int> w;

	return w.crunch(seed) + 1;
}

} // namespace engine
} // namespace app

static double clock_s(clockid_t id)
{
	timespec t;

	clock_gettime(id, &t);
	return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

/*
 * True once this process has used @secs seconds of CPU time, user and
 * system, since @start (a CLOCK_PROCESS_CPUTIME_ID reading): a budget that
 * does not depend on the machine's load. That clock is a system call, slow
 * in some VMs, where its samples would dilute the workload's: it is read
 * only every 10 ms of wall time (CLOCK_MONOTONIC, from the vDSO).
 */
static bool budget_spent(double start, double secs)
{
	static double next;
	double t = clock_s(CLOCK_MONOTONIC);

	if (t < next)
		return false;
	next = t + 0.01;
	return clock_s(CLOCK_PROCESS_CPUTIME_ID) - start >= secs;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? std::atof(argv[1]) : 1, c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	int v = 0;

	while (!budget_spent(c0, secs))
		v += app::engine::run_once(v);
	app::engine::sink = static_cast<std::uint64_t>(v);
	return 0;
}
