// SPDX-License-Identifier: Apache-2.0
/*
 * C++ names: a class template in a nested namespace, so that a profile
 * shows demangled names such as app::engine::Worker<int>::crunch(int).
 *
 * usage: cxx [SECONDS]   (default 1)
 */
#include <chrono>
#include <cstdint>
#include <cstdlib>

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

int main(int argc, char **argv)
{
	double secs = argc > 1 ? std::atof(argv[1]) : 1;
	auto t0 = std::chrono::steady_clock::now();
	int v = 0;

	while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < secs)
		v += app::engine::run_once(v);
	app::engine::sink = static_cast<std::uint64_t>(v);
	return 0;
}
