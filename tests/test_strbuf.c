// SPDX-License-Identifier: Apache-2.0
/*
 * strbuf: growth, formatting, XML and JSON escaping of untrusted names,
 * weights.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hashmap.h"
#include "strbuf.h"

Test(strbuf, grows_and_formats)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 10000; i++)
		strbuf__addf(&sb, "%d,", i);
	cr_assert_eq(strncmp(sb.buf, "0,1,2,", 6), 0);
	cr_assert_eq(sb.len, strlen(sb.buf));
	strbuf__release(&sb);
	cr_assert_eq(sb.len, 0);
	cr_assert_str_eq(sb.buf, "");
}

Test(strbuf, xml_escapes_markup)
{
	struct strbuf sb = STRBUF_INIT;
	const char *evil = "<script>alert(1)</script> & \"x\" 'y'";

	strbuf__add_xml(&sb, evil, strlen(evil));
	cr_assert_str_eq(sb.buf, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot; &apos;y&apos;");
	strbuf__release(&sb);
}

Test(strbuf, xml_replaces_invalid_utf8_and_controls)
{
	struct strbuf sb = STRBUF_INIT;
	const char in[] = "ok \xc3\xa9 bad \xff\xfe ctl \x01 end \xe2\x82";

	strbuf__add_xml(&sb, in, sizeof(in) - 1);
	cr_assert_str_eq(sb.buf, "ok \xc3\xa9 bad \xef\xbf\xbd\xef\xbf\xbd ctl \xef\xbf\xbd end "
				 "\xef\xbf\xbd\xef\xbf\xbd");
	strbuf__release(&sb);
}

Test(strbuf, json_escapes)
{
	struct strbuf sb = STRBUF_INIT;
	const char in[] = "a\"b\\c\nd\x01 \xc3\xa9 \xff";

	strbuf__add_json(&sb, in, sizeof(in) - 1);
	cr_assert_str_eq(sb.buf, "a\\\"b\\\\c\\nd\\u0001 \xc3\xa9 \\ufffd");
	strbuf__release(&sb);
}

Test(strbuf, weights_print_exactly)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf__add_weight(&sb, 12);
	strbuf__addch(&sb, ' ');
	strbuf__add_weight(&sb, 0.1);
	strbuf__addch(&sb, ' ');
	strbuf__add_weight(&sb, 1.0 / 3);
	strbuf__addch(&sb, ' ');
	strbuf__add_weight(&sb, 123456789012.0);
	cr_assert_str_eq(sb.buf, "12 0.1 0.3333333333333333 123456789012");
	strbuf__release(&sb);
}

Test(hashmap, put_get_grow)
{
	struct hashmap *h = hashmap__new();
	uint64_t v, i;

	for (i = 0; i < 100000; i++)
		hashmap__put(h, i * 7919, i);
	cr_assert_eq(hashmap__count(h), 100000);
	for (i = 0; i < 100000; i++) {
		cr_assert(hashmap__get(h, i * 7919, &v));
		cr_assert_eq(v, i);
	}
	cr_assert_not(hashmap__get(h, 3, &v));
	hashmap__put(h, 0, 42);
	cr_assert(hashmap__get(h, 0, &v));
	cr_assert_eq(v, 42);
	cr_assert_eq(hashmap__count(h), 100000);
	hashmap__free(h);
	hashmap__free(NULL);
}

Test(hashmap, hash_bytes_depends_on_every_byte)
{
	char a[40], b[40];
	size_t i;

	memset(a, 'x', sizeof(a));
	for (i = 0; i < sizeof(a); i++) {
		memcpy(b, a, sizeof(a));
		b[i] = 'y';
		cr_assert_neq(hash_bytes(a, sizeof(a)), hash_bytes(b, sizeof(b)), "byte %zu", i);
	}
	cr_assert_neq(hash_bytes(a, 7), hash_bytes(a, 8));
}

/* Content keys: indices into an array of words, hashed and compared by the words. */
struct words {
	char w[64][8];
	size_t n;
	size_t hashes; /* calls of word_hash */
};

static uint64_t word_hash(uint64_t key, void *ctx)
{
	struct words *ws = ctx;

	ws->hashes++;
	/* Deliberately weak: every word collides with 15 others. */
	return ws->w[key][0] & 3;
}

static bool word_equal(uint64_t a, uint64_t b, void *ctx)
{
	struct words *ws = ctx;

	return !strcmp(ws->w[a], ws->w[b]);
}

Test(hashmap, content_keys_find_equal_content_through_collisions)
{
	static struct words ws;
	struct hashmap *h = hashmap__new_keyed(word_hash, word_equal, &ws);
	uint64_t k, v;
	size_t i, hashes;

	for (i = 0; i < 40; i++) {
		snprintf(ws.w[ws.n], sizeof(ws.w[0]), "w%zu", i);
		cr_assert(hashmap__add(h, ws.n, ws.n * 10, NULL, NULL), "w%zu is new", i);
		ws.n++;
	}
	cr_assert_eq(hashmap__count(h), 40);
	/* A candidate at the end of the array stands for its content. */
	snprintf(ws.w[ws.n], sizeof(ws.w[0]), "w17");
	hashes = ws.hashes;
	cr_assert_not(hashmap__add(h, ws.n, 999, &k, &v));
	cr_assert_eq(ws.hashes, hashes + 1, "one hash per add, none when probing or growing");
	cr_assert_eq(k, 17);
	cr_assert_eq(v, 170);
	cr_assert(hashmap__get(h, ws.n, &v));
	cr_assert_eq(v, 170);
	hashmap__put(h, ws.n, 1);
	cr_assert(hashmap__get(h, 17, &v));
	cr_assert_eq(v, 1, "put replaced the value of the equal key");
	cr_assert_eq(hashmap__count(h), 40);
	snprintf(ws.w[ws.n], sizeof(ws.w[0]), "w40");
	cr_assert_not(hashmap__get(h, ws.n, NULL));
	hashmap__free(h);
}

Test(hashmap, string_keys)
{
	struct hashmap *h = hashmap__new_keyed(hashmap_str_hash, hashmap_str_equal, NULL);
	char probe[16];
	uint64_t k;

	cr_assert(hashmap__add(h, (uintptr_t) "libc.so.6", 1, NULL, NULL));
	cr_assert(hashmap__add(h, (uintptr_t) "ld.so", 2, NULL, NULL));
	strcpy(probe, "libc.so.6");
	cr_assert_not(hashmap__add(h, (uintptr_t)probe, 3, &k, NULL));
	cr_assert_str_eq((const char *)(uintptr_t)k, "libc.so.6");
	cr_assert_neq((const char *)(uintptr_t)k, probe, "the stored key is the first one");
	hashmap__free(h);
}
