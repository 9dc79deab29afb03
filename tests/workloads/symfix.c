// SPDX-License-Identifier: Apache-2.0
/*
 * Symbolization fixture: a noinline function, sym_work(), into which two
 * always_inline functions are inlined, one inside the other
 * (sym_work -> mix_outer -> mix_inner). tests/test_symtab.c resolves every
 * address of sym_work() and compares with `addr2line -f -i`.
 *
 * usage: symfix [ITERATIONS]     run the loop (default 1000000)
 *        symfix --where          print "PID ADDR START END PGOFF PATH": the
 *                                runtime address of sym_work and the
 *                                mapping that holds it, then exit
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile uint64_t sink;

/*
 * An assembler label without a symbol type (STT_NOTYPE), as hand-written
 * entry code has: the symtab names addresses after it by it. Never run.
 */
__asm__(".text\n"
	".globl symfix_label\n"
	"symfix_label:\n"
	"	nop\n"
	"	nop\n"
	"	ret\n");

static inline __attribute__((always_inline)) uint64_t mix_inner(uint64_t x, uint64_t k)
{
	x ^= x >> 31;
	x *= 0x9e3779b97f4a7c15ULL + k;
	sink += x;
	return x ^ (x >> 29);
}

static inline __attribute__((always_inline)) uint64_t mix_outer(uint64_t x, uint64_t k)
{
	uint64_t y = mix_inner(x, k);

	sink ^= y;
	return mix_inner(y + 1, k * 3) + sink;
}

__attribute__((noinline)) uint64_t sym_work(uint64_t n)
{
	uint64_t x = n, i;

	for (i = 0; i < n; i++) {
		x = mix_outer(x, i);
		if (x == 42)
			sink++;
	}
	return x;
}

static int where(void)
{
	uintptr_t a = (uintptr_t)&sym_work;
	char line[4096], path[4096];
	unsigned long start, end, pgoff;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx %*s %*s %4095s", &start, &end, &pgoff, path) == 4 &&
		    a >= start && a < end) {
			printf("%d %" PRIxPTR " %lx %lx %lx %s\n", (int)getpid(), a, start, end, pgoff,
			       path);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	return 1;
}

int main(int argc, char **argv)
{
	uint64_t n = 1000000;

	if (argc > 1 && !strcmp(argv[1], "--where"))
		return where();
	if (argc > 1)
		n = strtoull(argv[1], NULL, 0);
	printf("%" PRIu64 "\n", sym_work(n));
	return 0;
}
