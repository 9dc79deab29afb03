/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Growable byte strings, always NUL-terminated. A struct strbuf is embedded by
 * value: strbuf__init()/STRBUF_INIT, then strbuf__release().
 */
#ifndef RESQ_STRBUF_H
#define RESQ_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf; /* never NULL once initialised; "" when empty */
	size_t len;
	size_t alloc;
};

extern char strbuf_empty[];
#define STRBUF_INIT { .buf = strbuf_empty, .len = 0, .alloc = 0 }

void strbuf__init(struct strbuf *sb);
void strbuf__release(struct strbuf *sb);
/* Returns the buffer, now owned by the caller (free() it); @sb is reset. */
char *strbuf__detach(struct strbuf *sb, size_t *len);
void strbuf__reset(struct strbuf *sb);
void strbuf__grow(struct strbuf *sb, size_t extra);
void strbuf__add(struct strbuf *sb, const void *data, size_t len);
void strbuf__adds(struct strbuf *sb, const char *s);
void strbuf__addch(struct strbuf *sb, char c);
void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf__vaddf(struct strbuf *sb, const char *fmt, va_list ap);
/* Appends @s with XML escaping (& < > " ' and control bytes). */
void strbuf__add_xml(struct strbuf *sb, const char *s, size_t len);
/*
 * Appends @s with each byte that is not part of valid UTF-8 (stray
 * continuation bytes, overlong forms, surrogates, truncated sequences)
 * replaced by U+FFFD. Returns how many were replaced.
 */
size_t strbuf__add_utf8(struct strbuf *sb, const char *s, size_t len);
/* Appends @s as the inside of a JSON string literal (no quotes added). */
void strbuf__add_json(struct strbuf *sb, const char *s, size_t len);
/* Appends a weight: an integer when integral, else the shortest exact decimal. */
void strbuf__add_weight(struct strbuf *sb, double w);

#endif
