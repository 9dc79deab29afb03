// SPDX-License-Identifier: Apache-2.0
/*
 * C++ symbolization fixture: a class template in a namespace whose noinline
 * member function inlines another template, so tests/test_symtab.c can check
 * demangled names (ns::Worker<int>::run(int)) for both the function and
 * its inlined frame. No standard library: only the names matter.
 *
 * usage: symfix_cpp [ITERATIONS]
 */
#include <stdlib.h>

namespace ns {

static volatile unsigned long sink;

template <typename T> static inline __attribute__((always_inline)) T scale(T x, int k)
{
	sink += (unsigned long)x;
	return x * (T)k + (T)(sink & 7);
}

template <typename T> struct Worker {
	T acc;
	__attribute__((noinline)) T run(int n);
};

template <typename T> T Worker<T>::run(int n)
{
	for (int i = 0; i < n; i++)
		acc = scale<T>(acc, i | 1);
	return acc;
}

template struct Worker<int>;

} // namespace ns

int main(int argc, char **argv)
{
	ns::Worker<int> w = { 1 };
	int n = argc > 1 ? atoi(argv[1]) : 1000000;

	return w.run(n) == 42;
}
