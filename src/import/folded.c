// SPDX-License-Identifier: Apache-2.0
/*
 * Folded stacks: "frame;frame;frame COUNT" per line, root first, as written
 * by FlameGraph's stackcollapse-*, inferno, py-spy --format raw and bcc -f.
 * Frames may hold spaces, parentheses and any UTF-8; the count is the last
 * space-separated token. A file whose first stack line ends in two numbers
 * is differential ("stack BEFORE AFTER", difffolded.pl's format).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bad_lines.h"
#include "import_internal.h"
#include "log.h"
#include "xalloc.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Parses a count "\d+(\.\d*)?" occupying all of [s, e). Returns false when
 * it is not one.
 */
static bool parse_count(const char *s, const char *e, double *out)
{
	const char *p = s;
	uint64_t v = 0;

	if (p == e || *p < '0' || *p > '9')
		return false;
	while (p < e && *p >= '0' && *p <= '9') {
		if (v < (UINT64_MAX - 9) / 10)
			v = v * 10 + (*p - '0');
		p++;
	}
	if (p == e && v < (1ULL << 53)) {
		*out = (double)v;
		return true;
	}
	if (p < e && *p == '.') {
		p++;
		while (p < e && *p >= '0' && *p <= '9')
			p++;
	}
	if (p != e)
		return false;
	{
		char tmp[64];
		size_t n = e - s;

		if (n >= sizeof(tmp))
			return false;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		*out = strtod(tmp, NULL);
	}
	return true;
}

/*
 * Splits off the last blank-separated token of [s, *e): on success *e is
 * moved to the end of the text before it (blanks trimmed) and *count set.
 */
static bool split_count(const char *s, const char **e, double *count)
{
	const char *end = *e, *tok;

	while (end > s && is_blank(end[-1]))
		end--;
	tok = end;
	while (tok > s && !is_blank(tok[-1]))
		tok--;
	if (!parse_count(tok, end, count))
		return false;
	while (tok > s && is_blank(tok[-1]))
		tok--;
	*e = tok;
	return true;
}

static enum frame_kind kind_of(const char *s, size_t len)
{
	if (len >= 4 && s[len - 4] == '_' && s[len - 3] == '[' && s[len - 1] == ']') {
		switch (s[len - 2]) {
		case 'k': return FRAME_KIND_KERNEL;
		case 'j': return FRAME_KIND_JIT;
		case 'i': return FRAME_KIND_INLINE;
		}
	}
	return FRAME_KIND_UNKNOWN;
}

static bool line_is_folded(const char *s, const char *e)
{
	double c;

	if (s < e && (*s == '\t' || *s == '#'))
		return false;
	return split_count(s, &e, &c) && e > s;
}

bool folded__detect(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int seen = 0, good = 0;

	while (p < end && seen < 20) {
		const char *nl = memchr(p, '\n', end - p);
		const char *le = nl ? nl : end;
		const char *q = p;

		while (q < le && is_blank(*q))
			q++;
		if (q < le && *q != '#') {
			seen++;
			good += line_is_folded(p, le);
		}
		p = le + 1;
	}
	return good >= 1 && good * 2 >= seen;
}

int folded__import(struct profile *p, const char *name, const char *buf, size_t len,
		   const struct import_opts *o)
{
	const char *s = buf, *end = buf + len;
	struct bad_lines bad = { 0 };
	/* The previous line's frames and nodes: sorted input shares prefixes. */
	const char **prev_ptr = NULL;
	uint32_t *prev_len = NULL, *prev_node = NULL;
	size_t prev_depth = 0, prev_alloc = 0;
	size_t lineno = 0, skipped = 0;
	int diff = -1; /* unknown until the first stack line */

	while (s < end) {
		const char *nl = memchr(s, '\n', end - s);
		const char *le = nl ? nl : end, *line = s, *fe;
		double count, before = 0;
		uint32_t node = PROFILE_ROOT;
		size_t depth = 0;
		bool same = true;

		s = le + 1;
		lineno++;
		while (line < le && is_blank(*line))
			line++;
		if (line == le)
			continue;
		if (*line == '#') {
			skipped++;
			continue;
		}
		fe = le;
		if (!split_count(line, &fe, &count) || fe == line) {
			bad_lines__note(&bad, lineno);
			continue;
		}
		if (diff < 0) {
			const char *fe2 = fe;
			double c2;

			diff = split_count(line, &fe2, &c2) && fe2 > line;
		}
		if (diff) {
			if (!split_count(line, &fe, &before) || fe == line) {
				bad_lines__note(&bad, lineno);
				continue;
			}
		}

		/* Walk the frames, reusing the previous line's nodes while equal. */
		while (line <= fe) {
			const char *semi = memchr(line, ';', fe - line);
			const char *fend = semi ? semi : fe;
			size_t flen = fend - line;

			if (same && depth < prev_depth && prev_len[depth] == flen &&
			    !memcmp(prev_ptr[depth], line, flen)) {
				node = prev_node[depth];
			} else {
				uint32_t fid = profile__frame_named(p, line, flen, kind_of(line, flen));

				same = false;
				node = profile__child(p, node, fid);
				if (depth >= prev_alloc) {
					prev_alloc = prev_alloc ? prev_alloc * 2 : 64;
					prev_ptr = xreallocarray(prev_ptr, prev_alloc, sizeof(*prev_ptr));
					prev_len = xreallocarray(prev_len, prev_alloc, sizeof(*prev_len));
					prev_node = xreallocarray(prev_node, prev_alloc, sizeof(*prev_node));
				}
				prev_ptr[depth] = line;
				prev_len[depth] = flen;
				prev_node[depth] = node;
			}
			depth++;
			if (!semi)
				break;
			line = semi + 1;
		}
		/* In chart mode the previous line's nodes are the last children, so
		 * reusing them is exactly "merge only with the stack before". */
		prev_depth = depth;
		if (diff) {
			profile__add_weight(p, node, PROFILE_COL_BEFORE, before);
			profile__add_weight(p, node, PROFILE_COL_MAIN, count);
		} else {
			profile__add_weight(p, node, PROFILE_COL_MAIN, count);
		}
	}
	free(prev_ptr);
	free(prev_len);
	free(prev_node);
	if (skipped)
		pr_debug("%s: skipped %zu comment line%s", name, skipped, skipped == 1 ? "" : "s");
	bad_lines__report(&bad, name);
	return 0;
}
