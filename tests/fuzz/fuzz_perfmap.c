// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: JIT perf maps (perfmap.c) as record reads them. The
 * input is written to /tmp/perf-PID.map of this very process (the path
 * perfmap.c reads, owned by us as it must be) and symtab__resolve_user()
 * looks up addresses of anonymous memory there: the start, last byte and
 * end of every "START SIZE" the text seems to have, and a few others. A
 * plain perf map is a seed.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_support.h"
#include "symtab.h"

#define MAX_LOOKUPS 256

static void lookup(struct symtab *st, const struct mapping *m, uint64_t addr, bool is_return,
		   size_t *sum)
{
	struct sym_info si[SYMTAB_MAX_INLINE];
	int n = symtab__resolve_user(st, getpid(), m, addr, is_return, si);

	if (n != 1 || !si[0].name)
		abort(); /* anonymous memory has no inline chains */
	*sum += strlen(si[0].name) + (si[0].module ? strlen(si[0].module) : 0);
}

int fuzz_perfmap(const uint8_t *data, size_t size)
{
	const struct mapping anon = {.start = 0x10000, .end = UINT64_MAX, .path = "//anon"};
	char *text = fuzz_dup(data, size), path[64];
	const char *p = text, *end = text + size;
	struct symtab *st;
	volatile size_t sink;
	size_t sum = 0;
	int fd, k = 0;

	fuzz_quiet();
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", (int)getpid());
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		unlink(path);
		free(text);
		return 0;
	}
	close(fd);

	st = symtab__new(NULL);
	lookup(st, NULL, 0, false, &sum);
	/* Where the text has "START SIZE", look at the edges of that range. */
	while (p < end && k < MAX_LOOKUPS) {
		const char *nl = memchr(p, '\n', end - p);
		char line[64], *e;
		uint64_t start, len;
		size_t n = (nl ? nl : end) - p;

		memcpy(line, p, n < sizeof(line) - 1 ? n : sizeof(line) - 1);
		line[n < sizeof(line) - 1 ? n : sizeof(line) - 1] = '\0';
		start = strtoull(line, &e, 16);
		len = strtoull(e, NULL, 16);
		lookup(st, (k & 1) ? &anon : NULL, start, false, &sum);
		lookup(st, &anon, start + len - 1, false, &sum);
		lookup(st, &anon, start + len, true, &sum);
		k++;
		p = nl ? nl + 1 : end;
	}
	lookup(st, &anon, UINT64_MAX, false, &sum);
	sink = sum;
	(void)sink;
	symtab__free(st);
	unlink(path);
	free(text);
	return 0;
}

FUZZ_MAIN(fuzz_perfmap)
