// SPDX-License-Identifier: Apache-2.0
/*
 * The flame graph's script in a real browser: writes a known profile's SVG
 * through the library and runs tests/browser/svg.test.mjs on it (headless
 * Chromium through playwright-core), which zooms, searches, resets and
 * loads ?s=REGEX, and exits non-zero naming the first check that failed.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flamegraph.h"
#include "helpers/helpers.h"
#include "profile.h"

static void add(struct profile *p, const char *stack, double w)
{
	uint32_t frames[64];
	size_t n = 0;
	char *copy = strdup(stack), *save = NULL, *tok;

	for (tok = strtok_r(copy, ";", &save); tok; tok = strtok_r(NULL, ";", &save))
		frames[n++] = profile__frame_named(p, tok, strlen(tok), FRAME_KIND_NATIVE);
	profile__add_stack(p, frames, n, PROFILE_COL_MAIN, w);
	free(copy);
}

/*
 * The run takes a few seconds; the timeout is generous for a slow CI
 * machine but equal to the other suites': under ASan, Criterion 2.4 leaks
 * 48 bytes of its own when tests with different timeouts run in parallel.
 */
TestSuite(browser, .timeout = 60);

Test(browser, zoom_search_reset)
{
	const char *script = RESQ_SRCDIR "/tests/browser/svg.test.mjs";
	struct profile *p = profile__new();
	char *dir = th_tmpdir(), *svg = th_path(dir, "graph.svg");
	char expect[32];
	struct th_result r;
	FILE *f;
	int err;

	add(p, "main;run;compute;sqrt", 300);
	add(p, "main;run;compute;<b>&amp;\"evil\"</b>", 150);
	add(p, "main;run;compute;compute;sqrt", 40);
	add(p, "main;run;io;read;sys_read", 200);
	add(p, "main;run;io;write", 100);
	add(p, "main;init;parse_config", 40);
	add(p, "main;idle", 200);
	add(p, "other;compute;sqrt", 60);
	f = fopen(svg, "w");
	cr_assert_not_null(f);
	err = flamegraph__write(p, NULL, f);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(err, 0);
	/*
	 * "compute|sqrt" matches compute (490, holding the nested compute and
	 * the sqrts), the other compute (60) and their sqrts: counted once,
	 * 550 of 1090.
	 */
	snprintf(expect, sizeof(expect), "%.4f", 100.0 * 550 / 1090);
	{
		const char *argv[] = {"node",	  script,	  svg,	      "--zoom", "run",
				      "--search", "compute|sqrt", "--expect", expect,	NULL};

		cr_assert(th_exists(RESQ_SRCDIR "/tests/browser/node_modules/playwright-core"),
			  "playwright-core missing: run tools/deps.sh");
		r = th_run(argv, NULL, 0, 55);
	}
	cr_assert_neq(r.status, 127, "node not found: run tools/deps.sh");
	cr_assert_eq(r.status, 0, "svg.test.mjs failed (%d):\n%s%s", r.status, r.out, r.err);
	cr_assert_not_null(strstr(r.out, "svg.test: ok"), "%s", r.out);
	th_result_free(&r);
	th_rmtree(dir);
	free(svg);
	free(dir);
	profile__free(p);
}
