// SPDX-License-Identifier: Apache-2.0
/*
 * `perf script` text: an event line ("comm PID/TID [CPU] TIME: PERIOD EVENT:")
 * followed by one line per frame ("\tADDR SYM+0xOFF (DSO)"), leaf first, and
 * a blank line. Stacks are folded as FlameGraph's stackcollapse-perf.pl does
 * (the comm is the root, offsets stripped, [unknown] named after the DSO,
 * weight = period, only the first event type counted, "a->b" inline chains
 * split), with inferno-collapse-perf's improvements: Rust symbols demangled,
 * versioned vmlinux and .ko modules count as kernel, jitdump DSOs as JIT,
 * a frame printed on the event line itself (perf script without -g) is
 * read, and the last stack counts without a trailing blank line.
 *
 * Every stack line costs one hash lookup: the frames made from a given
 * (symbol, DSO) pair are computed once and cached.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bad_lines.h"
#include "count.h"
#include "demangle.h"
#include "hashmap.h"
#include "import_internal.h"
#include "log.h"
#include "strbuf.h"
#include "xalloc.h"

/* How far perf_script__detect() looks. */
#define DETECT_BYTES  (64 * 1024)
#define DETECT_EVENTS 4

/* Cached frames of one (symbol, DSO) or root name: keys and frames in arenas. */
struct cache_ent {
	uint64_t hash;
	size_t key_off;
	size_t fr_off;
	uint32_t key_len;
	uint32_t nfr;
};

struct cache {
	struct cache_ent *ents;
	size_t n, alloc;
	uint32_t *table; /* entry index + 1; 0 = empty */
	size_t mask;
	char *keys;
	size_t keys_len, keys_alloc;
	uint32_t *frames;
	size_t frames_len, frames_alloc;
};

/* The parts of an event line ("comm pid/tid ... period event:"). */
struct event_line {
	const char *comm, *comm_end;
	const char *pid, *pid_end; /* NULL: unknown, printed as "?" */
	const char *tid, *tid_end;
	const char *rest;		 /* just after the PID/TID token */
	const char *period, *period_end; /* NULL when absent */
	const char *event, *event_end;	 /* NULL when no "event:" was found */
	const char *frame;		 /* a stack line printed on the event line */
};

/* The parts of a stack line ("addr sym (dso)"). */
struct stack_line {
	const char *pc, *pc_end;
	const char *func, *func_end;
	const char *mod, *mod_end;
};

struct parser {
	struct profile *p;
	const struct import_opts *o;
	struct cache cache;
	struct hashmap *names; /* string id -> frame id: one frame per name */

	/* Event filter: the option's, else the first event seen. */
	char *event;
	size_t event_len;
	bool event_set;
	size_t filtered;

	/* The current sample. */
	bool in_event;	/* an event line was read; indented lines are its frames */
	bool have_comm; /* the event is counted (stackcollapse-perf.pl's $pname) */
	bool java;
	uint32_t root;
	int64_t period;
	size_t event_lineno; /* the current sample's event line */

	const char *input; /* the input's name in messages */
	size_t lineno;
	int err;	 /* the first weight error: import stops */
	uint32_t *stack; /* frame ids, leaf first */
	size_t depth, stack_alloc;
	uint32_t *rootfirst;
	size_t rootfirst_alloc;

	struct strbuf key, name, tmp;
	struct bad_lines bad;
};

/* Perl's \s, the class stackcollapse-perf.pl's regular expressions use. */
static inline bool is_ws(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static inline bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static inline bool is_hex(char c)
{
	return is_lower_hex(c) || (c >= 'A' && c <= 'F');
}

static bool starts_with(const char *s, const char *e, const char *prefix)
{
	size_t n = strlen(prefix);

	return (size_t)(e - s) >= n && !memcmp(s, prefix, n);
}

static bool ends_with(const char *s, const char *e, const char *suffix)
{
	size_t n = strlen(suffix);

	return (size_t)(e - s) >= n && !memcmp(e - n, suffix, n);
}

static bool contains(const char *s, const char *e, const char *needle)
{
	return memmem(s, e - s, needle, strlen(needle)) != NULL;
}

/* ---- the frame cache ---- */

static void cache_release(struct cache *c)
{
	free(c->ents);
	free(c->table);
	free(c->keys);
	free(c->frames);
	memset(c, 0, sizeof(*c));
}

static void cache_rehash(struct cache *c)
{
	size_t i, j;

	free(c->table);
	c->mask = c->mask ? c->mask * 2 + 1 : 1023;
	c->table = xcalloc(c->mask + 1, sizeof(*c->table));
	for (i = 0; i < c->n; i++) {
		j = c->ents[i].hash & c->mask;
		while (c->table[j])
			j = (j + 1) & c->mask;
		c->table[j] = i + 1;
	}
}

/* Returns the entry for @key, or NULL. */
static const struct cache_ent *cache_get(const struct cache *c, const char *key, size_t len,
					 uint64_t hash)
{
	size_t j;

	if (!c->table)
		return NULL;
	for (j = hash & c->mask; c->table[j]; j = (j + 1) & c->mask) {
		const struct cache_ent *e = &c->ents[c->table[j] - 1];

		if (e->hash == hash && e->key_len == len && !memcmp(c->keys + e->key_off, key, len))
			return e;
	}
	return NULL;
}

static const struct cache_ent *cache_put(struct cache *c, const char *key, size_t len,
					 uint64_t hash, const uint32_t *frames, size_t n)
{
	struct cache_ent *e;
	size_t j;

	if ((c->n + 1) * 2 > c->mask)
		cache_rehash(c);
	ALLOC_GROW(c->ents, c->n + 1, c->alloc);
	ALLOC_GROW(c->keys, c->keys_len + len, c->keys_alloc);
	ALLOC_GROW(c->frames, c->frames_len + n, c->frames_alloc);
	e = &c->ents[c->n];
	e->hash = hash;
	e->key_off = c->keys_len;
	e->key_len = len;
	e->fr_off = c->frames_len;
	e->nfr = n;
	memcpy(c->keys + c->keys_len, key, len);
	c->keys_len += len;
	if (n)
		memcpy(c->frames + c->frames_len, frames, n * sizeof(*frames));
	c->frames_len += n;
	for (j = hash & c->mask; c->table[j]; j = (j + 1) & c->mask)
		;
	c->table[j] = ++c->n;
	return e;
}

/* ---- line grammar (stackcollapse-perf.pl's regular expressions) ---- */

/*
 * The event head, /^(\S.+?)\s+(\d+)[/]*(\d+)*\s+/ on [s, e), s at a non-blank:
 * the comm is the shortest prefix (two bytes at least) followed by blanks, a
 * number, optional "/number" and a blank. A TID of "0" alone counts as absent
 * (Perl truthiness), so "swapper 0/0" has PID "?".
 */
static bool match_event_head(const char *s, const char *e, struct event_line *ev)
{
	const char *k, *q, *d1, *d1e, *d2, *d2e;

	for (k = s + 2; k < e; k++) {
		if (!is_ws(*k) || (k > s + 2 && is_ws(k[-1])))
			continue;
		for (q = k; q < e && is_ws(*q); q++)
			;
		for (d1 = q; q < e && is_digit(*q); q++)
			;
		if (q == d1)
			continue;
		d1e = q;
		while (q < e && *q == '/')
			q++;
		for (d2 = q; q < e && is_digit(*q); q++)
			;
		d2e = q;
		if (q == e || !is_ws(*q))
			continue;
		ev->comm = s;
		ev->comm_end = k;
		if (d2e > d2 && !(d2e - d2 == 1 && *d2 == '0')) {
			ev->pid = d1;
			ev->pid_end = d1e;
			ev->tid = d2;
			ev->tid_end = d2e;
		} else {
			ev->pid = ev->pid_end = NULL;
			ev->tid = d1;
			ev->tid_end = d1e;
		}
		ev->rest = q;
		return true;
	}
	return false;
}

/*
 * The event tail, /:\s*(\d+)*\s+(\S+):\s*$/: the line ends in "EVENT:",
 * preceded by blanks and then by "PERIOD" or by the ':' of the time stamp.
 */
static bool match_event_tail(const char *s, const char *e, struct event_line *ev)
{
	const char *t = e, *tok, *w, *d;

	while (t > s && is_ws(t[-1]))
		t--;
	if (t == s || t[-1] != ':')
		return false;
	for (tok = t - 1; tok > s && !is_ws(tok[-1]); tok--)
		;
	if (tok == t - 1 || tok == s)
		return false;
	for (w = tok; w > s && is_ws(w[-1]); w--)
		;
	if (w == s)
		return false;
	ev->event = tok;
	ev->event_end = t - 1;
	ev->period = ev->period_end = NULL;
	if (w[-1] == ':')
		return true;
	if (!is_digit(w[-1]))
		return false;
	for (d = w; d > s && is_digit(d[-1]); d--)
		;
	ev->period = d;
	ev->period_end = w;
	while (d > s && is_ws(d[-1]))
		d--;
	return d > s && d[-1] == ':';
}

/*
 * A stack line, /^\s*(\w+)\s*(.+) \((\S*)\)/ with Perl's backtracking: the
 * DSO is the last " (...)" whose parenthesis closes before the next blank,
 * the symbol is everything between the address and it. When the address is
 * followed directly by the DSO the symbol is the one byte Perl leaves it.
 */
static bool match_stack(const char *s, const char *e, struct stack_line *sl)
{
	const char *a = s, *b, *c, *lim = e, *paren, *r, *close, *P = NULL;

	while (a < e && is_ws(*a))
		a++;
	for (b = a; b < e && is_word(*b); b++)
		;
	if (b == a)
		return false;
	for (c = b; c < e && is_ws(*c); c++)
		;
	while ((paren = memrchr(a, '(', lim - a))) {
		lim = paren;
		if (paren < a + 3 || paren[-1] != ' ')
			continue;
		close = NULL;
		for (r = paren + 1; r < e && !is_ws(*r); r++)
			if (*r == ')')
				close = r;
		if (close) {
			P = paren - 1;
			sl->mod = paren + 1;
			sl->mod_end = close;
			break;
		}
	}
	if (!P)
		return false;
	sl->pc = a;
	if (P >= c + 1) {
		sl->pc_end = b;
		sl->func = c;
	} else if (P >= b + 1) {
		sl->pc_end = b;
		sl->func = P - 1;
	} else {
		sl->pc_end = P - 1;
		sl->func = P - 1;
	}
	sl->func_end = P;
	return true;
}

/*
 * perf script without -g prints the frame on the event line:
 * "comm PID [CPU] TIME: PERIOD EVENT:  ADDR SYM (DSO)". Finds the event,
 * the period and the frame after the PID/TID token.
 */
static bool match_event_frame(const char *e, struct event_line *ev)
{
	const char *q = ev->rest, *tok, *te;
	const char *period = NULL, *period_end = NULL;
	struct stack_line sl;
	int state = 0; /* 0: cpu, 1: time, 2: period, 3: event */

	for (;;) {
		while (q < e && is_ws(*q))
			q++;
		if (q == e)
			return false;
		for (tok = q; q < e && !is_ws(*q); q++)
			;
		te = q;
		if (state == 0 && *tok == '[' && te[-1] == ']') {
			state = 1;
			continue;
		}
		if (state <= 1 && te - tok >= 2 && te[-1] == ':' && is_digit(*tok)) {
			const char *x = tok;

			while (x < te - 1 && (is_digit(*x) || *x == '.'))
				x++;
			if (x == te - 1) {
				state = 2;
				continue;
			}
		}
		if (state <= 2 && is_digit(*tok)) {
			const char *x = tok;

			while (x < te && is_digit(*x))
				x++;
			if (x == te) {
				period = tok;
				period_end = te;
				state = 3;
				continue;
			}
		}
		if (te - tok >= 2 && te[-1] == ':')
			break;
		return false;
	}
	while (q < e && is_ws(*q))
		q++;
	if (q == e || !match_stack(q, e, &sl))
		return false;
	ev->event = tok;
	ev->event_end = te - 1;
	ev->period = period;
	ev->period_end = period_end;
	ev->frame = q;
	return true;
}

/* True when the last blank-separated token of [s, e) is "EVENT:". */
static bool ends_in_event(const char *s, const char *e)
{
	while (e > s && is_ws(e[-1]))
		e--;
	return e - s >= 2 && e[-1] == ':' && !is_ws(e[-2]);
}

/* Parses an event line starting at the non-blank @s. */
static bool parse_event_line(const char *s, const char *e, struct event_line *ev)
{
	if (!match_event_head(s, e, ev))
		return false;
	ev->frame = NULL;
	if (match_event_tail(s, e, ev))
		return true;
	/* Perl counts such a line with period 1 and no event filtering. */
	ev->event = ev->event_end = NULL;
	ev->period = ev->period_end = NULL;
	match_event_frame(e, ev);
	return true;
}

/* ---- frame names ---- */

/* inferno: the last "vmlinux" followed only by [A-Za-z0-9_.-] ("vmlinux-5.4.14-x"). */
static bool is_vmlinux(const char *m, const char *me)
{
	const char *v = NULL, *x;

	for (x = m; (x = memmem(x, me - x, "vmlinux", 7)); x++)
		v = x;
	if (!v)
		return false;
	for (x = v + 7; x < me; x++)
		if (!is_word(*x) && *x != '-' && *x != '.')
			return false;
	return true;
}

static bool is_kernel_dso(const char *m, const char *me)
{
	/* stackcollapse-perf.pl: /(^\[|vmlinux$)/ and not /unknown/ */
	if (me > m && (*m == '[' || ends_with(m, me, "vmlinux")) && !contains(m, me, "unknown"))
		return true;
	if (me - m == 9 && !memcmp(m, "[unknown]", 9))
		return false;
	/* inferno: kernel modules and versioned vmlinux images too */
	return ends_with(m, me, ".ko") || is_vmlinux(m, me);
}

static bool is_jit_dso(const char *m, const char *me)
{
	const char *x = m;

	/* stackcollapse-perf.pl: m:/tmp/perf-\d+\.map: */
	while ((x = memmem(x, me - x, "/tmp/perf-", 10))) {
		const char *d = x + 10, *y = d;

		while (y < me && is_digit(*y))
			y++;
		if (y > d && starts_with(y, me, ".map"))
			return true;
		x++;
	}
	/* inferno: perf inject --jit DSOs, /tmp/jitted-PID-N.so */
	return contains(m, me, "/jitted-") && ends_with(m, me, ".so");
}

/* stackcollapse-perf.pl's tidy_generic: ';' -> ':', argument lists and quotes. */
static void tidy_generic(struct strbuf *sb)
{
	char *s = sb->buf, *e = sb->buf + sb->len, *x, *go, *w;

	for (x = s; x < e; x++)
		if (*x == ';')
			*x = ':';
	/* Go method names like "net/http.(*Client).Do" keep their parentheses. */
	go = memmem(s, e - s, ".(", 2);
	if (!go || !memmem(go + 2, e - go - 2, ").", 2)) {
		for (x = s; (x = memchr(x, '(', e - x)); x++) {
			if (!starts_with(x + 1, e, "anonymous namespace)")) {
				e = x;
				break;
			}
		}
	}
	for (x = w = s; x < e; x++)
		if (*x != '"' && *x != '\'')
			*w++ = *x;
	sb->len = w - s;
	sb->buf[sb->len] = '\0';
}

static const struct {
	const char *esc;
	char c;
} rust_escapes[] = {
	{"$SP$", '@'},	 {"$BP$", '*'},	 {"$RF$", '&'},	 {"$LT$", '<'},	 {"$GT$", '>'},
	{"$LP$", '('},	 {"$RP$", ')'},	 {"$C$", ','},	 {"$u7e$", '~'}, {"$u20$", ' '},
	{"$u27$", '\''}, {"$u3d$", '='}, {"$u5b$", '['}, {"$u5d$", ']'}, {"$u7b$", '{'},
	{"$u7d$", '}'},	 {"$u3b$", ';'}, {"$u2b$", '+'}, {"$u21$", '!'}, {"$u22$", '"'},
};

/*
 * perf leaves legacy Rust symbols half demangled:
 * "_$LT$usize$u20$as$u20$core..iter..range..Step$GT$::add_one::h0701a52b56dc0bbb".
 * As inferno does: drop the "::h<16 hex>" hash, turn ".." into "::" and
 * decode the $..$ escapes (an unknown escape is copied with the rest).
 * Returns false, writing nothing, for a name without a trailing hash.
 */
static bool rust_fix_partial(const char *s, size_t n, struct strbuf *out)
{
	const char *h, *e;
	size_t i;

	if (n < 17)
		return false;
	h = s + n - 17;
	if (*h != 'h')
		return false;
	for (i = 1; i < 17; i++)
		if (!is_hex(h[i]))
			return false;
	e = h;
	if (e - s >= 2 && e[-1] == ':' && e[-2] == ':')
		e -= 2;
	if (e - s >= 2 && s[0] == '_' && s[1] == '$')
		s++;
	strbuf__reset(out);
	while (s < e) {
		if (*s == '.') {
			if (s + 1 < e && s[1] == '.') {
				strbuf__add(out, "::", 2);
				s += 2;
			} else {
				strbuf__addch(out, '.');
				s++;
			}
		} else if (*s == '$') {
			for (i = 0; i < sizeof(rust_escapes) / sizeof(rust_escapes[0]); i++)
				if (starts_with(s, e, rust_escapes[i].esc))
					break;
			if (i == sizeof(rust_escapes) / sizeof(rust_escapes[0])) {
				strbuf__add(out, s, e - s);
				break;
			}
			strbuf__addch(out, rust_escapes[i].c);
			s += strlen(rust_escapes[i].esc);
		} else {
			const char *x = s;

			while (x < e && *x != '$' && *x != '.')
				x++;
			strbuf__add(out, s, x - s);
			s = x;
		}
	}
	return true;
}

static void demangle_append(const char *s, size_t len, void *opaque)
{
	strbuf__add(opaque, s, len);
}

/*
 * Demangles a Rust symbol in @sb in place: perf's half-demangled legacy
 * names, and with libiberty still-mangled legacy (_ZN...17h<hash>E) and v0
 * (_R...) names. C++ names are left alone, as stackcollapse-perf.pl does.
 */
static void demangle_rust(struct strbuf *sb, struct strbuf *tmp)
{
	char *x;
	bool done = false;

	if (rust_fix_partial(sb->buf, sb->len, tmp)) {
		done = true;
	} else {
		const char *s = sb->buf;

		if (*s == '_' && s[1] == '_')
			s++;
		if (!strncmp(s, "_ZN", 3) || !strncmp(s, "_R", 2)) {
			strbuf__reset(tmp);
			done = demangle__rust(s, demangle_append, tmp) && tmp->len;
		}
	}
	if (!done)
		return;
	strbuf__reset(sb);
	strbuf__add(sb, tmp->buf, tmp->len);
	/* ';' separates frames in folded output ("[u8; 4]" in a type). */
	for (x = sb->buf; (x = memchr(x, ';', sb->buf + sb->len - x)); x++)
		*x = ':';
}

/* One frame per name: the first kind seen wins, so that equal names merge. */
static uint32_t frame_for(struct parser *ps, const char *name, size_t len, enum frame_kind kind)
{
	uint32_t sid = profile__intern(ps->p, name, len), fid;
	uint64_t v;

	if (hashmap__get(ps->names, sid, &v))
		return (uint32_t)v;
	fid = profile__frame_named(ps->p, name, len, kind);
	hashmap__put(ps->names, sid, fid);
	return fid;
}

/* Names part @i of a stack line's symbol [s, e) and interns its frame. */
static uint32_t part_frame(struct parser *ps, const struct stack_line *sl, const char *s,
			   const char *e, size_t i, bool kernel, bool jit)
{
	const struct import_opts *o = ps->o;
	struct strbuf *sb = &ps->name;
	enum frame_kind kind;

	strbuf__reset(sb);
	if (e - s == 9 && !memcmp(s, "[unknown]", 9)) {
		const char *base = "unknown", *be = base + 7;

		if (!(sl->mod_end - sl->mod == 9 && !memcmp(sl->mod, "[unknown]", 9))) {
			const char *slash = memrchr(sl->mod, '/', sl->mod_end - sl->mod);

			base = slash ? slash + 1 : sl->mod;
			be = sl->mod_end;
		}
		strbuf__addch(sb, '[');
		strbuf__add(sb, base, be - base);
		if (o->addrs) {
			strbuf__add(sb, " <", 2);
			strbuf__add(sb, sl->pc, sl->pc_end - sl->pc);
			strbuf__addch(sb, '>');
		}
		strbuf__addch(sb, ']');
	} else {
		strbuf__add(sb, s, e - s);
	}
	tidy_generic(sb);
	/* Java: "Ljava/lang/Thread;::run" -> "java/lang/Thread:::run" */
	if (ps->java && sb->len && sb->buf[0] == 'L' && memchr(sb->buf, '/', sb->len)) {
		memmove(sb->buf, sb->buf + 1, sb->len);
		sb->len--;
	}
	if (!o->no_demangle)
		demangle_rust(sb, &ps->tmp);

	/* Perl's annotation order: inlined, else kernel, else JIT. */
	if (i > 0) {
		if (!strstr(sb->buf, "_[i]"))
			strbuf__adds(sb, "_[i]");
	} else if (o->kernel && kernel) {
		strbuf__adds(sb, "_[k]");
	} else if (o->jit && jit && !strstr(sb->buf, "_[j]")) {
		strbuf__adds(sb, "_[j]");
	}
	if (i > 0)
		kind = FRAME_KIND_INLINE;
	else if (kernel)
		kind = FRAME_KIND_KERNEL;
	else if (jit)
		kind = FRAME_KIND_JIT;
	else
		kind = FRAME_KIND_NATIVE;
	return frame_for(ps, sb->buf, sb->len, kind);
}

/*
 * Names the frames of one stack line (several for an inline chain "a->b"),
 * in stackcollapse-perf.pl's order: caller first, inlined callees after.
 * @out has room for one frame per "->" plus one.
 */
static size_t make_frames(struct parser *ps, const struct stack_line *sl, const char *func,
			  const char *func_end, uint32_t *out)
{
	bool kernel = is_kernel_dso(sl->mod, sl->mod_end);
	bool jit = is_jit_dso(sl->mod, sl->mod_end);
	const char *part, *arrow;
	size_t n = 0;

	if (func == func_end)
		return 0;
	if (ps->o->no_inline) {
		out[n++] = part_frame(ps, sl, func, func_end, 0, kernel, jit);
		return n;
	}
	/* Perl's split /->/ drops trailing empty fields. */
	while (func_end - func >= 2 && func_end[-2] == '-' && func_end[-1] == '>')
		func_end -= 2;
	if (func == func_end)
		return 0;
	for (part = func;; part = arrow + 2) {
		arrow = memmem(part, func_end - part, "->", 2);
		out[n] = part_frame(ps, sl, part, arrow ? arrow : func_end, n, kernel, jit);
		n++;
		if (!arrow)
			return n;
	}
}

/* ---- samples ---- */

static void push_frame(struct parser *ps, uint32_t fid)
{
	ALLOC_GROW(ps->stack, ps->depth + 1, ps->stack_alloc);
	ps->stack[ps->depth++] = fid;
}

/* Ends the current sample: counts it unless it was filtered out. */
static void end_sample(struct parser *ps)
{
	size_t i;

	if (ps->have_comm) {
		ALLOC_GROW(ps->rootfirst, ps->depth + 1, ps->rootfirst_alloc);
		ps->rootfirst[0] = ps->root;
		for (i = 0; i < ps->depth; i++)
			ps->rootfirst[i + 1] = ps->stack[ps->depth - 1 - i];
		int err = profile__add_weight_int(
			ps->p, profile__stack_node(ps->p, ps->rootfirst, ps->depth + 1),
			PROFILE_COL_MAIN, ps->period);

		if (err && !ps->err)
			ps->err = weight_error(ps->input, "line", ps->event_lineno, err, NULL, 0);
	}
	ps->depth = 0;
	ps->in_event = false;
	ps->have_comm = false;
}

/* Adds the frames of stack line [s, e) to the current sample. */
static bool stack_line(struct parser *ps, const char *s, const char *e)
{
	struct stack_line sl;
	const char *fe, *x;
	const struct cache_ent *ce;
	struct strbuf *key = &ps->key;
	uint64_t h;
	size_t i;

	if (!match_stack(s, e, &sl))
		return false;
	if (!ps->have_comm)
		return true;
	/* Linux 4.8+ prints symbol offsets: "cpu_startup_entry+0x800047c022ec". */
	fe = sl.func_end;
	for (x = fe; x > sl.func && is_lower_hex(x[-1]); x--)
		;
	if (x < fe && x - sl.func >= 3 && x[-1] == 'x' && x[-2] == '0' && x[-3] == '+')
		fe = x - 3;
	if (sl.func < fe && *sl.func == '(')
		return true; /* a process name, as Perl skips */

	strbuf__reset(key);
	strbuf__addch(key, ps->java ? 'J' : 'F');
	strbuf__add(key, sl.func, fe - sl.func);
	strbuf__addch(key, '\0');
	strbuf__add(key, sl.mod, sl.mod_end - sl.mod);
	if (ps->o->addrs && memmem(sl.func, fe - sl.func, "[unknown]", 9)) {
		strbuf__addch(key, '\0');
		strbuf__add(key, sl.pc, sl.pc_end - sl.pc);
	}
	h = hash_bytes(key->buf, key->len);
	ce = cache_get(&ps->cache, key->buf, key->len, h);
	if (!ce) {
		size_t max = 1;
		uint32_t *tmp;

		for (x = sl.func; (x = memmem(x, fe - x, "->", 2)); x += 2)
			max++;
		tmp = xmalloc(max * sizeof(*tmp));
		i = make_frames(ps, &sl, sl.func, fe, tmp);
		ce = cache_put(&ps->cache, key->buf, key->len, h, tmp, i);
		free(tmp);
	}
	/* Leaf first: an inline chain's callee goes before its caller. */
	for (i = ce->nfr; i > 0; i--)
		push_frame(ps, ps->cache.frames[ce->fr_off + i - 1]);
	return true;
}

/* The root frame: the comm with spaces as '_', with --pid "-PID", --tid "/TID". */
static uint32_t root_frame(struct parser *ps, const struct event_line *ev)
{
	struct strbuf *key = &ps->key;
	const struct cache_ent *ce;
	size_t i, start;
	uint64_t h;

	strbuf__reset(key);
	strbuf__addch(key, 'R');
	start = key->len;
	strbuf__add(key, ev->comm, ev->comm_end - ev->comm);
	if (ps->o->pid || ps->o->tid) {
		strbuf__addch(key, '-');
		if (ev->pid)
			strbuf__add(key, ev->pid, ev->pid_end - ev->pid);
		else
			strbuf__addch(key, '?');
		if (ps->o->tid) {
			strbuf__addch(key, '/');
			strbuf__add(key, ev->tid, ev->tid_end - ev->tid);
		}
	}
	for (i = start; i < key->len; i++)
		if (key->buf[i] == ' ')
			key->buf[i] = '_';
	h = hash_bytes(key->buf, key->len);
	ce = cache_get(&ps->cache, key->buf, key->len, h);
	if (!ce) {
		uint32_t fid = profile__frame_named(ps->p, key->buf + start, key->len - start,
						    FRAME_KIND_ROOT);

		ce = cache_put(&ps->cache, key->buf, key->len, h, &fid, 1);
	}
	return ps->cache.frames[ce->fr_off];
}

/* The weight of a sample: its period; Perl counts a missing period, or "0", as 1. */
static int parse_period(const char *s, const char *e, int64_t *out)
{
	struct count c;
	int err;

	*out = 1;
	if (!s || s == e || (e - s == 1 && *s == '0'))
		return 0;
	err = count__parse(s, e, &c);
	if (!err)
		*out = c.i;
	return err;
}

/* Starts a sample from an event line, unless its event is filtered out. */
static void event_line(struct parser *ps, const struct event_line *ev, const char *e)
{
	ps->in_event = true;
	ps->have_comm = false;
	if (ev->event) {
		size_t len = ev->event_end - ev->event;

		if (!ps->event_set) {
			ps->event = xmemdup(ev->event, len + 1);
			ps->event[len] = '\0';
			ps->event_len = len;
			ps->event_set = true;
		} else if (len != ps->event_len || memcmp(ev->event, ps->event, len)) {
			ps->filtered++;
			/* A frame on the event line is the whole sample. */
			ps->in_event = !ev->frame;
			return;
		}
	}
	ps->have_comm = true;
	ps->java = ev->comm_end - ev->comm == 4 && !memcmp(ev->comm, "java", 4);
	ps->root = root_frame(ps, ev);
	ps->event_lineno = ps->lineno;
	if (parse_period(ev->period, ev->period_end, &ps->period) && !ps->err) {
		ps->err = weight_error(ps->input, "line", ps->lineno, -EOVERFLOW, ev->period,
				       ev->period_end - ev->period);
		ps->have_comm = false;
		return;
	}
	if (ev->frame) {
		stack_line(ps, ev->frame, e);
		end_sample(ps);
	}
}

/* ---- public ---- */

bool perf_script__detect(const char *buf, size_t len)
{
	const char *s = buf, *end = buf + (len < DETECT_BYTES ? len : DETECT_BYTES);
	struct event_line ev;
	struct stack_line sl;
	int events = 0;
	bool after_event = false;

	while (s < end && events < DETECT_EVENTS) {
		const char *nl = memchr(s, '\n', end - s);
		const char *le = nl ? nl : end, *line = s, *t;

		if (!nl && end < buf + len)
			break; /* a line cut by the window */
		s = le + 1;
		if (le > line && le[-1] == '\r')
			le--;
		for (t = line; t < le && is_ws(*t); t++)
			;
		if (t == le) {
			after_event = false;
			continue;
		}
		if (*line == '#')
			continue;
		/* An event line is followed by its frames, "ADDR SYM (DSO)". */
		if (after_event && is_ws(*line)) {
			if (!match_stack(line, le, &sl))
				return false;
			continue;
		}
		if (after_event && !match_event_head(line, le, &ev)) {
			if (!match_stack(line, le, &sl))
				return false;
			continue;
		}
		/* Else it must be an event line ending in "EVENT:" or in a frame. */
		if (!match_event_head(t, le, &ev))
			return false;
		ev.frame = NULL;
		if (match_event_tail(t, le, &ev) || ends_in_event(t, le))
			after_event = true;
		else if (!match_event_frame(le, &ev))
			return false;
		events++;
	}
	return events > 0;
}

int perf_script__import(struct profile *p, const char *name, const char *buf, size_t len,
			const struct import_opts *o)
{
	struct parser ps = {
		.p = p,
		.o = o,
		.key = STRBUF_INIT,
		.name = STRBUF_INIT,
		.tmp = STRBUF_INIT,
	};
	static const struct import_opts defaults;
	const char *s = buf, *end = buf + len;
	size_t comments = 0;

	ps.input = name;
	if (!o)
		ps.o = o = &defaults;
	ps.names = hashmap__new();
	if (o->event_filter && *o->event_filter) {
		ps.event = xstrdup(o->event_filter);
		ps.event_len = strlen(ps.event);
		ps.event_set = true;
	}
	while (s < end && !ps.err) {
		const char *nl = memchr(s, '\n', end - s);
		const char *le = nl ? nl : end, *line = s, *t;
		struct event_line ev;

		s = le + 1;
		ps.lineno++;
		if (le > line && le[-1] == '\r')
			le--;
		if (line == le) {
			end_sample(&ps);
			continue;
		}
		if (*line == '#') {
			comments++;
			continue;
		}
		if (!is_ws(*line)) {
			/* stackcollapse-perf.pl tries the event pattern first on every line. */
			if (parse_event_line(line, le, &ev)) {
				event_line(&ps, &ev, le);
				continue;
			}
			if (!stack_line(&ps, line, le))
				bad_lines__note(&ps.bad, ps.lineno);
			continue;
		}
		for (t = line; t < le && is_ws(*t); t++)
			;
		if (t == le) {
			end_sample(&ps);
			continue;
		}
		if (ps.in_event) {
			if (!stack_line(&ps, line, le))
				bad_lines__note(&ps.bad, ps.lineno);
			continue;
		}
		/* perf script without -g right-aligns the comm: "    sleep 42 ...". */
		if (parse_event_line(t, le, &ev)) {
			event_line(&ps, &ev, le);
			continue;
		}
		if (!stack_line(&ps, line, le))
			bad_lines__note(&ps.bad, ps.lineno);
	}
	if (!ps.err)
		end_sample(&ps);

	bad_lines__report(&ps.bad, name);
	if (comments)
		pr_debug("%s: skipped %zu comment line%s", name, comments,
			 comments == 1 ? "" : "s");
	if (ps.filtered)
		pr_info("%s: counted only \"%s\" events; skipped %zu samples of other events", name,
			ps.event, ps.filtered);
	cache_release(&ps.cache);
	hashmap__free(ps.names);
	free(ps.event);
	free(ps.stack);
	free(ps.rootfirst);
	strbuf__release(&ps.key);
	strbuf__release(&ps.name);
	strbuf__release(&ps.tmp);
	return ps.err;
}
