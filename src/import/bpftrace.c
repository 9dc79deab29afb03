// SPDX-License-Identifier: Apache-2.0
/*
 * bpftrace output: the maps printed at exit by scripts such as
 *   profile:hz:99 { @[ustack, kstack] = count(); }
 * and the one-line "collapsed bpftrace histogram" form.
 *
 * A map entry is "@name[KEY]: N". bpftrace prints a key's elements joined
 * by ", "; a stack element is a newline, one indented line per frame (leaf
 * first) and a newline, so an empty stack prints as nothing. Frames are
 * "sym+off" (default), or "ADDR sym+off (module)" with ustack(perf).
 *
 * Stacks are built root first: every element that is not a stack (comm,
 * pid, ...) becomes a root frame in key order, then the user stack, then
 * the kernel stack at the leaf end. Which stack of a map is the kernel one
 * is decided once per map, by voting over all its entries (kernel entry
 * points and addresses versus user-space starts such as main or _start),
 * so both @[ustack, kstack] and @[kstack, ustack, comm] come out right.
 * "+off" is removed; an unresolved address becomes "[unknown]".
 *
 * Collapsed lines "a, b, c: N" hold frames root first separated by ", "
 * (not inside (), <> or [], so C++ argument lists survive) and a count;
 * an "@[a, b, c]: N" entry whose elements are all strings reads the same.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bad_lines.h"
#include "count.h"
#include "import_internal.h"
#include "log.h"
#include "xalloc.h"

#define DETECT_BYTES (64 * 1024)
/* Key elements of one map entry that are looked at. */
#define MAX_ELEMS 16

/* A piece of the input buffer. */
struct span {
	const char *s;
	size_t len;
};

struct elem {
	struct span text; /* raw text: a stack holds newlines */
	bool stack;
};

struct entry {
	struct span map; /* "@name" */
	struct elem el[MAX_ELEMS];
	size_t n;
	struct count count;
	int count_err; /* 0, or -EOVERFLOW: the count is too large */
	struct span count_text;
	size_t lineno;	     /* first line */
	size_t count_lineno; /* the line holding the count */
};

/* Kernel-versus-user evidence per stack position of one map. */
struct map_votes {
	struct span name;
	long score[MAX_ELEMS]; /* > 0: kernel */
	bool is_stack[MAX_ELEMS];
	bool kernel[MAX_ELEMS];
};

struct votes {
	struct map_votes *v;
	size_t n, alloc;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool starts(const char *s, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && !memcmp(s, prefix, n);
}

static bool span_eq(struct span a, const char *s, size_t len)
{
	return a.len == len && !memcmp(a.s, s, len);
}

/* Trims blanks and a trailing '\r' on both ends. */
static struct span trim(const char *s, const char *e)
{
	while (s < e && is_blank(*s))
		s++;
	while (e > s && is_blank(e[-1]))
		e--;
	return (struct span){s, (size_t)(e - s)};
}

/* The count of a value: "N" (digits, optional fraction); see count__parse(). */
struct tail {
	struct count count;
	int err; /* 0 or -EOVERFLOW */
	struct span text;
};

/* Parses "N" filling [s, e); false when it is no count (a too large one is one). */
static bool parse_count(const char *s, const char *e, struct tail *t)
{
	t->err = count__parse(s, e, &t->count);
	t->text = (struct span){s, (size_t)(e - s)};
	return t->err != -EINVAL;
}

/*
 * A line ending an entry: "...]: N". Sets *@key_end to the ']' and the
 * count. False for other lines.
 */
static bool entry_tail(const char *line, const char *le, const char **key_end, struct tail *tl)
{
	struct span t = trim(line, le);
	const char *e = t.s + t.len, *p = e;

	while (p > t.s && is_digit(p[-1]))
		p--;
	if (p == e)
		return false;
	if (p > t.s && p[-1] == '.') { /* fractional values from avg() */
		const char *q = p - 1;

		while (q > t.s && is_digit(q[-1]))
			q--;
		if (q < p - 1)
			p = q;
	}
	if (p - t.s < 3 || p[-1] != ' ' || p[-2] != ':' || p[-3] != ']')
		return false;
	if (!parse_count(p, e, tl))
		return false;
	*key_end = p - 3;
	return true;
}

/* "@name[" at the start of a line: returns the '[' or NULL. */
static const char *entry_head(const char *line, const char *le)
{
	const char *p = line;

	if (p == le || *p != '@')
		return NULL;
	for (p++; p < le && (*p == '_' || is_digit(*p) || (*p >= 'a' && *p <= 'z') ||
			     (*p >= 'A' && *p <= 'Z'));
	     p++)
		;
	return p < le && *p == '[' ? p : NULL;
}

/*
 * Splits the key text [s, e) into elements at ", " outside frame lines
 * (lines that start with a blank).
 */
static void split_key(const char *s, const char *e, struct entry *en)
{
	const char *start = s, *p = s;
	bool stack = false, line_start = false;

	en->n = 0;
	while (p < e) {
		if (line_start && is_blank(*p)) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));

			p = nl ? nl + 1 : e;
			continue;
		}
		line_start = false;
		if (*p == '\n') {
			stack = true;
			line_start = true;
			p++;
			continue;
		}
		if (*p == ',' && p + 1 < e && p[1] == ' ') {
			if (en->n < MAX_ELEMS)
				en->el[en->n++] =
					(struct elem){{start, (size_t)(p - start)}, stack};
			p += 2;
			start = p;
			stack = false;
			continue;
		}
		p++;
	}
	if (en->n < MAX_ELEMS)
		en->el[en->n++] = (struct elem){{start, (size_t)(e - start)}, stack};
}

/*
 * Reads the next map entry from *@pos, skipping (and counting) anything
 * else. Returns false at the end of the input.
 */
static bool next_entry(const char **pos, const char *end, size_t *lineno, struct entry *en,
		       struct bad_lines *bad, size_t *skipped)
{
	const char *s = *pos;

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end, *line = s, *open, *key_end = NULL;
		size_t first = ++*lineno;
		struct span t = trim(line, le);
		struct tail tl;
		bool done;

		s = nl ? nl + 1 : end;
		if (!t.len)
			continue;
		if (starts(t.s, t.len, "Attaching ") || starts(t.s, t.len, "Lost ") ||
		    starts(t.s, t.len, "WARNING:")) {
			++*skipped;
			continue;
		}
		open = entry_head(line, le);
		if (!open) {
			bad_lines__note(bad, first);
			continue;
		}
		/* The key runs until a line ending in "]: N". */
		done = entry_tail(open + 1, le, &key_end, &tl);
		while (!done && s < end) {
			const char *next = s;

			nl = memchr(s, '\n', (size_t)(end - s));
			le = nl ? nl : end;
			if (entry_head(next, le))
				break; /* a new entry: this one never ended */
			s = nl ? nl + 1 : end;
			++*lineno;
			done = entry_tail(next, le, &key_end, &tl);
		}
		if (!done) {
			bad_lines__note(bad, first);
			continue;
		}
		en->map = (struct span){line, (size_t)(open - line)};
		en->lineno = first;
		en->count = tl.count;
		en->count_err = tl.err;
		en->count_text = tl.text;
		en->count_lineno = *lineno;
		split_key(open + 1, key_end, en);
		*pos = s;
		return true;
	}
	*pos = end;
	return false;
}

/* A growable array of spans. */
struct spans {
	struct span *v;
	size_t alloc;
};

/* Fills @out with the frame lines of stack element @el, leaf first. */
static size_t stack_frames(const struct elem *el, struct spans *out)
{
	const char *p = el->text.s, *e = p + el->text.len;
	size_t n = 0;

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		const char *le = nl ? nl : e;
		struct span t = trim(p, le);

		if (t.len) {
			ALLOC_GROW(out->v, n + 1, out->alloc);
			out->v[n++] = t;
		}
		p = nl ? nl + 1 : e;
	}
	return n;
}

struct frame_text {
	struct span name;   /* without +off */
	struct span module; /* perf format only */
	uint64_t addr;
	bool has_addr;
	bool unresolved;
};

static bool parse_hex(const char *s, size_t len, uint64_t *v)
{
	size_t i;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (!len || len > 16)
		return false;
	*v = 0;
	for (i = 0; i < len; i++) {
		if (!is_hex(s[i]))
			return false;
		*v = *v << 4 | (uint64_t)(is_digit(s[i]) ? s[i] - '0' : (s[i] | 0x20) - 'a' + 10);
	}
	return true;
}

/* Splits one frame line: "sym+off", "0xADDR", or "ADDR sym+off (module)". */
static void parse_frame(struct span t, struct frame_text *ft)
{
	const char *s = t.s, *e = t.s + t.len, *sp, *p;

	memset(ft, 0, sizeof(*ft));
	sp = memchr(s, ' ', t.len);
	/* perf format: a bare hex address, a space, the rest. */
	if (sp && sp - s >= 6 && parse_hex(s, (size_t)(sp - s), &ft->addr) && s[1] != 'x') {
		ft->has_addr = true;
		s = sp + 1;
		while (s < e && *s == ' ')
			s++;
		if (e > s && e[-1] == ')') {
			for (p = e - 1; p > s; p--)
				if (p[-1] == ' ' && *p == '(')
					break;
			if (p > s) {
				ft->module = (struct span){p + 1, (size_t)(e - 1 - (p + 1))};
				if (span_eq(ft->module, "[unknown]", 9))
					ft->module.len = 0;
				e = p - 1;
			}
		}
	}
	/* Strip "+123" or "+0x1f". */
	for (p = e; p > s && (is_hex(p[-1]) || p[-1] == 'x'); p--)
		;
	if (p > s && p < e && p[-1] == '+')
		e = p - 1;
	ft->name = (struct span){s, (size_t)(e - s)};
	if (!ft->name.len || span_eq(ft->name, "[unknown]", 9)) {
		ft->unresolved = true;
	} else if (ft->name.len > 2 && s[0] == '0' && s[1] == 'x' &&
		   parse_hex(s, ft->name.len, &ft->addr)) {
		ft->has_addr = true;
		ft->unresolved = true;
	}
}

/* +1 for a frame that only the kernel has, -1 for a user-space one, else 0. */
static int frame_vote(const struct frame_text *ft)
{
	/* clang-format off */
	static const char *const kernel_prefixes[] = {
		"entry_SYSCALL", "asm_", "ret_from_fork", "do_syscall_64", "__x64_sys_",
		"__arm64_sys_", "__do_sys_", "__se_sys_", "el0t_", "el1h_", "secondary_startup",
		"start_kernel", "x86_64_start", "cpu_startup_entry", "do_idle", "__schedule",
		"irq_exit", "__irq_exit", "handle_softirqs", "__do_softirq", "sysvec_",
		"exc_page_fault", "common_interrupt", "default_idle", "native_safe_halt",
		"kthread", "worker_thread",
	};
	static const char *const user_names[] = {
		"main", "_start", "__libc_start_main", "__libc_start_call_main", "start_thread",
		"clone", "clone3", "__clone", "__clone3", "thread_start", "runtime.goexit",
	};
	/* clang-format on */
	size_t i;

	if (starts(ft->module.s, ft->module.len, "[kernel") ||
	    starts(ft->module.s, ft->module.len, "[vmlinux"))
		return 1;
	if (ft->module.len)
		return ft->module.s[0] == '/' ? -1 : 0;
	if (ft->has_addr)
		return ft->addr >= 0xffff800000000000ull ? 1 : -1;
	for (i = 0; i < sizeof(kernel_prefixes) / sizeof(kernel_prefixes[0]); i++)
		if (starts(ft->name.s, ft->name.len, kernel_prefixes[i]))
			return 1;
	for (i = 0; i < sizeof(user_names) / sizeof(user_names[0]); i++)
		if (span_eq(ft->name, user_names[i], strlen(user_names[i])))
			return -1;
	return 0;
}

static struct map_votes *votes_for(struct votes *vs, struct span name)
{
	struct map_votes *mv;
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (span_eq(vs->v[i].name, name.s, name.len))
			return &vs->v[i];
	ALLOC_GROW(vs->v, vs->n + 1, vs->alloc);
	mv = &vs->v[vs->n++];
	memset(mv, 0, sizeof(*mv));
	mv->name = name;
	return mv;
}

static void vote(struct votes *vs, const struct entry *en, struct spans *fr)
{
	struct map_votes *mv = votes_for(vs, en->map);
	size_t i, k, n;

	for (i = 0; i < en->n; i++) {
		struct frame_text ft;

		if (!en->el[i].stack)
			continue;
		mv->is_stack[i] = true;
		n = stack_frames(&en->el[i], fr);
		for (k = 0; k < n; k++) {
			parse_frame(fr->v[k], &ft);
			mv->score[i] += frame_vote(&ft);
		}
	}
}

/*
 * Decides which stack position of each map holds the kernel stack: the one
 * with the most kernel evidence, if it has more than another; with no
 * evidence either way, the last of two (bpftrace's @[ustack, kstack]).
 */
static void decide(struct votes *vs)
{
	size_t m, i;

	for (m = 0; m < vs->n; m++) {
		struct map_votes *mv = &vs->v[m];
		size_t nstacks = 0, last = 0, best = 0;
		long lo = 0, hi = 0;

		for (i = 0; i < MAX_ELEMS; i++) {
			if (!mv->is_stack[i])
				continue;
			if (!nstacks || mv->score[i] > hi) {
				hi = mv->score[i];
				best = i;
			}
			if (!nstacks || mv->score[i] < lo)
				lo = mv->score[i];
			nstacks++;
			last = i;
		}
		if (nstacks == 1)
			mv->kernel[best] = hi > 0;
		else if (nstacks > 1)
			mv->kernel[hi > lo ? best : last] = true;
	}
}

struct builder {
	struct profile *p;
	uint32_t *frames;
	size_t n, alloc;
	struct spans fr;
	uint32_t unknown_user, unknown_kernel;
};

static void push(struct builder *b, uint32_t fid)
{
	ALLOC_GROW(b->frames, b->n + 1, b->alloc);
	b->frames[b->n++] = fid;
}

static void push_stack(struct builder *b, const struct elem *el, bool kernel)
{
	size_t n = stack_frames(el, &b->fr);

	while (n-- > 0) {
		struct frame_text ft;
		struct frame f = {.kind = kernel ? FRAME_KIND_KERNEL : FRAME_KIND_NATIVE};

		parse_frame(b->fr.v[n], &ft);
		if (ft.unresolved) {
			push(b, kernel ? b->unknown_kernel : b->unknown_user);
			continue;
		}
		f.name = profile__intern(b->p, ft.name.s, ft.name.len);
		if (ft.module.len)
			f.module = profile__intern(b->p, ft.module.s, ft.module.len);
		push(b, profile__frame(b->p, &f));
	}
}

/* Pushes the frames of "a, b, c", split at ", " outside brackets. */
static void push_collapsed(struct builder *b, const char *s, const char *e)
{
	const char *start = s, *p;
	int depth = 0;

	for (p = s; p <= e; p++) {
		if (p < e) {
			if (*p == '(' || *p == '<' || *p == '[')
				depth++;
			else if ((*p == ')' || *p == '>' || *p == ']') && depth > 0)
				depth--;
			if (!(depth == 0 && *p == ',' && p + 1 < e && p[1] == ' '))
				continue;
		}
		{
			struct span t = trim(start, p);

			if (t.len)
				push(b, profile__frame_named(b->p, t.s, t.len, FRAME_KIND_UNKNOWN));
		}
		start = p + 2;
		p++;
	}
}

static const struct map_votes *find_votes(const struct votes *vs, struct span name)
{
	size_t i;

	for (i = 0; i < vs->n; i++)
		if (span_eq(vs->v[i].name, name.s, name.len))
			return &vs->v[i];
	return NULL;
}

static int add_entry(struct builder *b, const struct votes *vs, const struct entry *en)
{
	const struct map_votes *mv = find_votes(vs, en->map);
	bool any_stack = false;
	size_t i;

	b->n = 0;
	for (i = 0; i < en->n; i++)
		any_stack |= en->el[i].stack;
	if (!any_stack) {
		/* All strings: the collapsed form inside a map key. */
		for (i = 0; i < en->n; i++) {
			struct span t =
				trim(en->el[i].text.s, en->el[i].text.s + en->el[i].text.len);

			if (t.len)
				push(b, profile__frame_named(b->p, t.s, t.len, FRAME_KIND_UNKNOWN));
		}
	} else {
		for (i = 0; i < en->n; i++) {
			struct span t =
				trim(en->el[i].text.s, en->el[i].text.s + en->el[i].text.len);

			if (!en->el[i].stack && t.len)
				push(b, profile__frame_named(b->p, t.s, t.len, FRAME_KIND_ROOT));
		}
		for (i = 0; i < en->n; i++)
			if (en->el[i].stack && !(mv && mv->kernel[i]))
				push_stack(b, &en->el[i], false);
		for (i = 0; i < en->n; i++)
			if (en->el[i].stack && mv && mv->kernel[i])
				push_stack(b, &en->el[i], true);
	}
	if (!b->n || !(en->count.f > 0))
		return 0;
	return count__add(b->p, profile__stack_node(b->p, b->frames, b->n), PROFILE_COL_MAIN,
			  &en->count);
}

/* "a, b: N" with no '@' and no ';' (folded's separator). */
static bool collapsed_line(const char *line, const char *le, const char **frames_end,
			   struct tail *count)
{
	struct span t = trim(line, le);
	const char *e = t.s + t.len, *p = e;

	if (!t.len || *t.s == '@' || *t.s == '#' || memchr(t.s, ';', t.len))
		return false;
	while (p > t.s && (is_digit(p[-1]) || p[-1] == '.'))
		p--;
	if (p == e || p - t.s < 3 || p[-1] != ' ' || p[-2] != ':')
		return false;
	if (!parse_count(p, e, count))
		return false;
	*frames_end = p - 2;
	return *frames_end > t.s;
}

bool bpftrace__detect(const char *buf, size_t len)
{
	const char *s = buf, *end = buf + (len < DETECT_BYTES ? len : DETECT_BYTES);
	int seen = 0, collapsed = 0, heads = 0, tails = 0;
	bool comma = false;

	while (s < end && seen < 200) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end, *ke, *fe;
		struct span t = trim(s, le);
		struct tail c;

		if (!nl && end < buf + len)
			break;
		/* bpftrace's first line, even when the map is empty. */
		if (!seen && !heads && starts(t.s, t.len, "Attaching ") && t.len >= 12 &&
		    !memcmp(t.s + t.len - 3, "...", 3) && memmem(t.s, t.len, " probe", 6))
			return true;
		if (t.len && !starts(t.s, t.len, "Attaching ")) {
			seen++;
			if (entry_head(s, le))
				heads++;
			if (entry_tail(s, le, &ke, &c))
				tails++;
			else if (collapsed_line(s, le, &fe, &c)) {
				collapsed++;
				comma |= memmem(t.s, (size_t)(fe - t.s), ", ", 2) != NULL;
			}
		}
		s = le + 1;
	}
	if (heads && tails)
		return true;
	/* Only collapsed lines, at least one with a ", " frame separator. */
	return seen && collapsed == seen && comma;
}

int bpftrace__import(struct profile *p, const char *name, const char *buf, size_t len,
		     const struct import_opts *o)
{
	const char *s, *end = buf + len;
	struct bad_lines bad = {0}, ignore = {0};
	struct votes vs = {0};
	struct builder b = {.p = p};
	struct entry en;
	size_t lineno, skipped = 0, ignored_skips = 0, k;
	bool maps = false;
	int err = 0;

	b.unknown_user = profile__frame_named(p, "[unknown]", 9, FRAME_KIND_UNKNOWN);
	b.unknown_kernel = profile__frame_named(p, "[unknown]", 9, FRAME_KIND_KERNEL);

	/* Pass 1: which stack of each map is the kernel's. */
	s = buf;
	lineno = 0;
	while (next_entry(&s, end, &lineno, &en, &ignore, &ignored_skips)) {
		maps = true;
		vote(&vs, &en, &b.fr);
	}
	decide(&vs);

	if (maps) {
		s = buf;
		lineno = 0;
		while (!err && next_entry(&s, end, &lineno, &en, &bad, &skipped)) {
			err = en.count_err ? en.count_err : add_entry(&b, &vs, &en);
			if (err)
				err = weight_error(name, "line", en.count_lineno, err,
						   en.count_err ? en.count_text.s : NULL,
						   en.count_text.len);
		}
	} else {
		/* Collapsed histogram lines. */
		for (s = buf, lineno = 1; s < end; lineno++) {
			const char *nl = memchr(s, '\n', (size_t)(end - s));
			const char *le = nl ? nl : end, *fe;
			struct span t = trim(s, le);
			struct tail count;

			if (!t.len) {
				s = le + 1;
				continue;
			}
			if (starts(t.s, t.len, "Attaching ") || *t.s == '#') {
				skipped++;
			} else if (collapsed_line(s, le, &fe, &count)) {
				b.n = 0;
				push_collapsed(&b, t.s, fe);
				err = count.err;
				if (!err && b.n && count.count.f > 0)
					err = count__add(p, profile__stack_node(p, b.frames, b.n),
							 PROFILE_COL_MAIN, &count.count);
				if (err) {
					err = weight_error(name, "line", lineno, err,
							   count.err ? count.text.s : NULL,
							   count.text.len);
					break;
				}
			} else {
				bad_lines__note(&bad, lineno);
			}
			s = le + 1;
		}
	}
	for (k = 0; k < vs.n; k++) {
		size_t i;

		for (i = 0; i < MAX_ELEMS; i++)
			if (vs.v[k].kernel[i])
				pr_debug("%s: map %.*s: key element %zu is the kernel stack", name,
					 (int)vs.v[k].name.len, vs.v[k].name.s, i + 1);
	}
	if (skipped)
		pr_debug("%s: skipped %zu bpftrace status line%s", name, skipped,
			 skipped == 1 ? "" : "s");
	bad_lines__report(&bad, name);
	free(vs.v);
	free(b.frames);
	free(b.fr.v);
	return err;
}
