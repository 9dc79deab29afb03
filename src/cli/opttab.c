// SPDX-License-Identifier: Apache-2.0
/*
 * Option tables: each command describes its options once, in groups of
 * struct cli_opt (names, argument, help), and this file makes both the
 * getopt_long() parser and the --help text from them (the table of bcc's
 * libbpf-tools, without its strtol blocks). The help layout is the one
 * tools/help-records.sh reads to make the man page and the completions:
 * paragraphs at column 0, "heading:" lines, option entries indented 2 with
 * their description from column 25, continuation lines indented 25.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xalloc.h"

#define HELP_WIDTH 80 /* lines stay below it */
#define DESC_COL   25 /* where option descriptions start */

/* --- help -------------------------------------------------------------------- */

/*
 * Writes @text from column @col (the first line continuing at @at, after
 * what is already on it), wrapped at HELP_WIDTH at spaces.
 */
static void wrap(FILE *f, const char *text, size_t at, size_t col)
{
	const char *p = text;

	while (*p) {
		size_t room = HELP_WIDTH - 1 - at, len = strlen(p), cut;

		if (len <= room) {
			fputs(p, f);
			break;
		}
		for (cut = room; cut > 0 && p[cut] != ' '; cut--)
			;
		if (!cut) /* one word longer than a line */
			cut = strcspn(p, " ");
		fprintf(f, "%.*s\n%*s", (int)cut, p, (int)col, "");
		p += cut;
		p += strspn(p, " ");
		at = col;
	}
	fputc('\n', f);
}

/* One entry: "  -x, --long ARG" padded to DESC_COL, then @help. */
static void entry(FILE *f, const struct cli_opt *o, const char *arg, const char *help)
{
	char term[96];
	int n;

	if (o->key == CLI_OPT_OPERAND)
		n = snprintf(term, sizeof(term), "  %s", arg);
	else if (o->key < 256)
		n = snprintf(term, sizeof(term), "  -%c%s%s%s%s", o->key, o->name ? ", --" : "",
			     o->name ? o->name : "", arg ? " " : "", arg ? arg : "");
	else
		n = snprintf(term, sizeof(term), "      --%s%s%s", o->name, arg ? " " : "",
			     arg ? arg : "");
	fputs(term, f);
	if (!help || !*help) {
		fputc('\n', f);
		return;
	}
	if (n + 2 > DESC_COL) { /* a long term: the description on the next line */
		fprintf(f, "\n%*s", DESC_COL, "");
		n = DESC_COL;
	}
	fprintf(f, "%*s", DESC_COL - n, "");
	wrap(f, help, DESC_COL, DESC_COL);
}

static bool without(const struct cli_group_ref *r, int key)
{
	return r->without && key > 0 && key < 256 && strchr(r->without, key);
}

void cli_opts_help(FILE *f, const struct cli_group_ref *groups, size_t ngroups)
{
	const char *heading = NULL;
	size_t i;

	for (i = 0; i < ngroups; i++) {
		const struct cli_opt_group *g = groups[i].group;
		const struct cli_opt *o;

		if (g->heading && (!heading || strcmp(heading, g->heading))) {
			fprintf(f, "%s%s:\n", heading ? "\n" : "", g->heading);
			heading = g->heading;
		}
		for (o = g->opts; o->key || o->arg; o++) {
			const struct cli_opt_form *fm;

			if ((o->flags & CLI_OPT_HIDDEN) || without(&groups[i], o->key))
				continue;
			if (!o->forms) {
				entry(f, o, o->arg, o->help);
				continue;
			}
			for (fm = o->forms; fm->arg; fm++)
				entry(f, o, fm->arg, fm->help);
		}
	}
}

/* Appends the synopsis forms of @groups to "usage: resq-flame NAME", wrapped. */
static void synopsis(FILE *f, const struct cli_spec *s)
{
	size_t col, indent, i;
	const struct cli_opt *o;
	char lead[64];

	snprintf(lead, sizeof(lead), "usage: resq-flame %s", s->name);
	fputs(lead, f);
	col = indent = strlen(lead) + 1;
	for (i = 0; i < s->ngroups; i++) {
		for (o = s->groups[i].group->opts; o->key || o->arg; o++) {
			size_t len;

			if (!o->usage || without(&s->groups[i], o->key))
				continue;
			len = strlen(o->usage);
			if (col + len + 1 >= HELP_WIDTH) {
				fprintf(f, "\n%*s", (int)indent - 1, "");
				col = indent;
			}
			fprintf(f, " %s", o->usage);
			col += len + 1;
		}
	}
	if (s->usage_tail) {
		if (col + strlen(s->usage_tail) + 1 >= HELP_WIDTH)
			fprintf(f, "\n%*s", (int)indent - 1, "");
		fprintf(f, " %s", s->usage_tail);
	}
	fputc('\n', f);
}

void cli_global_synopsis(FILE *f)
{
	static const char lead[] = "global options (resq-flame --help):";
	const struct cli_opt *o;
	size_t col = sizeof(lead) - 1;

	fprintf(f, "\n%s", lead);
	for (o = cli_global_group.opts; o->key; o++) {
		char w[64];
		size_t len;

		if (o->key < 256)
			snprintf(w, sizeof(w), "-%c%s%s", o->key, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		else
			snprintf(w, sizeof(w), "--%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		len = strlen(w) + (o[1].key ? 1 : 0); /* and its comma */
		/* Continuation lines at column 0: one paragraph, not option entries. */
		if (col + 1 + len >= HELP_WIDTH) {
			fprintf(f, "\n%s%s", w, o[1].key ? "," : "");
			col = len;
			continue;
		}
		fprintf(f, " %s%s", w, o[1].key ? "," : "");
		col += 1 + len;
	}
	fputc('\n', f);
}

void cli_spec__help(const struct cli_spec *s, FILE *f)
{
	size_t i;

	synopsis(f, s);
	if (s->more_usage)
		fprintf(f, "       %s\n", s->more_usage);
	if (s->about)
		fprintf(f, "\n%s", s->about);
	fputc('\n', f);
	cli_opts_help(f, s->groups, s->ngroups);
	for (i = 0; i < s->ngroups && s->groups[i].group != &cli_global_group; i++)
		;
	if (i == s->ngroups) /* not listed in full */
		cli_global_synopsis(f);
	if (s->notes)
		fprintf(f, "\n%s", s->notes);
	if (s->examples)
		fprintf(f, "\nexamples:\n%s", s->examples);
}

/* --- parsing ------------------------------------------------------------------- */

struct key_owner {
	const struct cli_group_ref *ref; /* NULL: a global option */
};

int cli_spec__parse(const struct cli_spec *s, struct cli_global *g, int argc, char **argv)
{
	size_t nopts = 0, alloc = 0, i, k;
	struct option *lopts = NULL;
	char shorts[128] = "";
	size_t ns = 0;
	int c, ret = 0;

	if (s->stop_at_operand)
		shorts[ns++] = '+';
	shorts[ns++] = ':'; /* a missing argument is ':', told apart from unknown ones */
	for (i = 0; i <= s->ngroups; i++) {
		const struct cli_group_ref *r = i < s->ngroups ? &s->groups[i] : NULL;
		const struct cli_opt *o = r ? r->group->opts : cli_global_group.opts;

		for (; o->key || o->arg; o++) {
			if (o->key == CLI_OPT_OPERAND || (r && without(r, o->key)))
				continue;

			bool takes = o->arg || o->forms; /* forms: each has its argument */

			if (o->key < 256 && ns + 3 < sizeof(shorts)) {
				shorts[ns++] = (char)o->key;
				if (takes)
					shorts[ns++] = ':';
			}
			if (!o->name)
				continue;
			ALLOC_GROW(lopts, nopts + 2, alloc);
			lopts[nopts++] = (struct option){
				o->name, takes ? required_argument : no_argument, NULL, o->key};
		}
	}
	shorts[ns] = '\0';
	ALLOC_GROW(lopts, nopts + 1, alloc);
	lopts[nopts] = (struct option){0};

	opterr = 0;
	while ((c = getopt_long(argc, argv, shorts, lopts, NULL)) != -1) {
		const struct cli_group_ref *owner = NULL;

		if (c == '?' || c == ':') {
			cli_usage_error(s->name, "unknown or incomplete option '%s'",
					argv[optind - 1]);
			ret = -1;
			break;
		}
		if (c == 'h') {
			if (s->help)
				s->help(s, stdout);
			else
				cli_spec__help(s, stdout);
			ret = 1;
			break;
		}
		if (c == 'V') {
			cli_print_version();
			ret = 1;
			break;
		}
		for (i = 0; i < s->ngroups && !owner; i++)
			for (k = 0;
			     s->groups[i].group->opts[k].key || s->groups[i].group->opts[k].arg;
			     k++)
				if (s->groups[i].group->opts[k].key == c &&
				    !without(&s->groups[i], c))
					owner = &s->groups[i];
		if (owner ? owner->group->parse(owner->ctx, c, optarg)
			  : cli_global_option(g, c, optarg) < 0) {
			ret = -1;
			break;
		}
	}
	free(lopts);
	return ret;
}
