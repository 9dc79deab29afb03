// SPDX-License-Identifier: Apache-2.0
/*
 * strbuf: growth, formatting, XML and JSON escaping of untrusted names,
 * weights.
 */
#include <criterion/criterion.h>
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
