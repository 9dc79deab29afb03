// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target: the JSON reader on its own (every value walked, keys
 * looked up, numbers read) and the format sniffer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/import/json_internal.h"
#include "fuzz_targets.h"
#include "log.h"

static double walk(const struct json_doc *d, const struct json_value *v)
{
	const struct json_value *it;
	double acc = 0, x;
	int64_t i64;
	uint32_t i;

	switch (v->type) {
	case JSON_ARRAY:
	case JSON_OBJECT:
		if (v->type == JSON_OBJECT)
			acc += json__get(d, v, "nodes") != NULL;
		json_for_each(d, v, it, i) {
			if (v->type == JSON_OBJECT)
				acc += it->len + walk(d, it + 1);
			else
				acc += walk(d, it);
		}
		break;
	case JSON_STRING: acc += v->len ? (unsigned char)v->u.str[v->len - 1] : 0; break;
	case JSON_NUMBER:
		if (json__int(v, &i64))
			acc += (double)(i64 & 0xff);
		if (json__finite(v, &x))
			acc += x != 0;
		break;
	default: break;
	}
	return acc;
}

int fuzz_json(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	struct json_doc d;
	unsigned int depth = size ? 1 + data[0] % 64 : 0;
	volatile double sink;

	log__set_level(LOG_SILENT);
	memcpy(buf, data, size);
	buf[size] = '\0';
	(void)json__sniff(buf, size);
	/* walk() recurses: the first byte picks a small depth limit. */
	if (!json_doc__parse(&d, "fuzz", buf, size, depth))
		sink = walk(&d, &d.v[0]);
	json_doc__release(&d);
	if (!json_doc__parse(&d, "fuzz", buf, size, 0))
		sink = d.n;
	json_doc__release(&d);
	(void)sink;
	free(buf);
	return 0;
}

FUZZ_MAIN(fuzz_json)
