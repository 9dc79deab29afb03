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
#include "count.h"
#include "import_internal.h"
#include "log.h"
#include "xalloc.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Splits off the last blank-separated token of [s, *e) when it is a count:
 * *e is moved to the end of the text before it (blanks trimmed), *@count
 * set and *@tok pointed at the token. Returns 0; -EINVAL when the token is
 * no count; -EOVERFLOW when it is one too large for 64 bits (*e and *@tok
 * still set).
 */
static int split_count(const char *s, const char **e, struct count *count, const char **tok)
{
	const char *end = *e, *t;
	int err;

	while (end > s && is_blank(end[-1]))
		end--;
	t = end;
	while (t > s && !is_blank(t[-1]))
		t--;
	err = count__parse(t, end, count);
	if (err == -EINVAL)
		return err;
	*tok = t;
	while (t > s && is_blank(t[-1]))
		t--;
	*e = t;
	return err;
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
	struct count c;
	const char *tok;

	if (s < e && (*s == '\t' || *s == '#'))
		return false;
	return split_count(s, &e, &c, &tok) != -EINVAL && e > s;
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
	const char *prev = NULL, *prev_end = NULL; /* its frames, still in @buf */
	uint32_t *prev_node = NULL;
	size_t prev_depth = 0, prev_alloc = 0;
	size_t lineno = 0, skipped = 0;
	int diff = -1; /* unknown until the first stack line */
	int err = 0;

	while (s < end) {
		const char *nl = memchr(s, '\n', end - s);
		const char *le = nl ? nl : end, *line = s, *fe;
		struct count count, before;
		const char *tok, *tok2, *pp, *frames;
		uint32_t node = PROFILE_ROOT;
		int r;
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
		r = split_count(line, &fe, &count, &tok);
		if (r == -EINVAL || fe == line) {
			bad_lines__note(&bad, lineno);
			continue;
		}
		if (diff < 0) {
			const char *fe2 = fe;
			struct count c2;

			diff = split_count(line, &fe2, &c2, &tok2) != -EINVAL && fe2 > line;
		}
		if (!r && diff) {
			r = split_count(line, &fe, &before, &tok);
			if (r == -EINVAL || fe == line) {
				bad_lines__note(&bad, lineno);
				continue;
			}
		}
		if (r) {
			for (tok2 = tok; tok2 < le && !is_blank(*tok2); tok2++)
				;
			err = weight_error(name, "line", lineno, r, tok, tok2 - tok);
			break;
		}

		/* Walk the frames, reusing the previous line's nodes while equal. */
		pp = prev;
		frames = line;
		while (line <= fe) {
			const char *semi = memchr(line, ';', fe - line);
			const char *fend = semi ? semi : fe;
			size_t flen = fend - line;

			if (same && depth < prev_depth) {
				const char *pe = memchr(pp, ';', prev_end - pp);

				if (!pe)
					pe = prev_end;
				same = (size_t)(pe - pp) == flen && !memcmp(pp, line, flen);
				pp = pe + 1;
			} else {
				same = false;
			}
			if (same) {
				node = prev_node[depth];
			} else {
				uint32_t fid =
					profile__frame_named(p, line, flen, kind_of(line, flen));

				node = profile__child(p, node, fid);
				ALLOC_GROW(prev_node, depth + 1, prev_alloc);
				prev_node[depth] = node;
			}
			depth++;
			if (!semi)
				break;
			line = semi + 1;
		}
		prev = frames;
		prev_end = fe;
		/* In chart mode the previous line's nodes are the last children, so
		 * reusing them is exactly "merge only with the stack before". */
		prev_depth = depth;
		if (diff)
			err = count__add(p, node, PROFILE_COL_BEFORE, &before);
		if (!err)
			err = count__add(p, node, PROFILE_COL_MAIN, &count);
		if (err) {
			err = weight_error(name, "line", lineno, err, NULL, 0);
			break;
		}
	}
	free(prev_node);
	if (skipped)
		pr_debug("%s: skipped %zu comment line%s", name, skipped, skipped == 1 ? "" : "s");
	bad_lines__report(&bad, name);
	return err;
}
