// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: kallsyms text (ksyms.c), read by path from a memfd as
 * symtab reads /proc/kallsyms, then looked up at, just before and just
 * after every address the text seems to have; each symbol found must lie
 * at or below the address asked for. A plain kallsyms file is a seed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "../../src/symbolize/symbolize_internal.h"

#define MAX_LOOKUPS 256

static void lookup(const struct ksyms *ks, uint64_t addr, size_t *sum)
{
	const struct ksym *k = ksyms__find(ks, addr);

	if (!k)
		return;
	if (k->addr > addr || !k->name || !k->name[0])
		abort();
	*sum += strlen(k->name) + (k->module ? strlen(k->module) : 0);
}

int fuzz_ksyms(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size), path[32];
	const char *p = text, *end = text + size;
	struct ksyms *ks;
	volatile size_t sink;
	size_t sum = 0;
	int fd, k = 0;

	fuzz_quiet();
	fd = fuzz_memfd("fuzz-kallsyms", data, size, path);
	if (fd < 0) {
		free(text);
		return 0;
	}
	ks = ksyms__load(path);
	if (ks) {
		sum += ksyms__count(ks);
		lookup(ks, 0, &sum);
		lookup(ks, UINT64_MAX, &sum);
		while (p < end && k++ < MAX_LOOKUPS) {
			const char *nl = memchr(p, '\n', end - p);
			char line[32];
			size_t n = (nl ? nl : end) - p;
			uint64_t a;

			memcpy(line, p, n < sizeof(line) - 1 ? n : sizeof(line) - 1);
			line[n < sizeof(line) - 1 ? n : sizeof(line) - 1] = '\0';
			a = strtoull(line, NULL, 16);
			lookup(ks, a, &sum);
			lookup(ks, a - 1, &sum);
			lookup(ks, a + 1, &sum);
			p = nl ? nl + 1 : end;
		}
	}
	sink = sum;
	(void)sink;
	ksyms__free(ks);
	close(fd);
	free(text);
	return 0;
}

FUZZ_MAIN(fuzz_ksyms)
