// SPDX-License-Identifier: Apache-2.0
/*
 * A byte hash and an open-addressing (linear probing) u64 -> u64 map.
 */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

static inline uint64_t read64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mix(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;

	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xa0761d6478bd642fULL);
	size_t i = 0;

	for (; i + 16 <= len; i += 16)
		h = mix(read64(p + i) ^ 0xe7037ed1a0b428dbULL, read64(p + i + 8) ^ h);
	if (i + 8 <= len) {
		h = mix(read64(p + i) ^ 0x8ebc6af09c88c6e3ULL, h ^ 0x589965cc75374cc3ULL);
		i += 8;
	}
	if (i < len) {
		uint64_t t = 0;

		memcpy(&t, p + i, len - i);
		h = mix(t ^ 0x1d8e4e27c47d124fULL, h ^ 0xa0761d6478bd642fULL);
	}
	return mix(h, 0x9e3779b97f4a7c15ULL) ^ h;
}

struct slot {
	uint64_t key;
	uint64_t val;
	int used;
};

struct hashmap {
	struct slot *slots;
	size_t mask;
	size_t count;
};

struct hashmap *hashmap__new(void)
{
	struct hashmap *h = xcalloc(1, sizeof(*h));

	h->mask = 15;
	h->slots = xcalloc(h->mask + 1, sizeof(*h->slots));
	return h;
}

void hashmap__free(struct hashmap *h)
{
	if (!h)
		return;
	free(h->slots);
	free(h);
}

static struct slot *find(const struct hashmap *h, uint64_t key)
{
	size_t i = hash_u64(key) & h->mask;

	while (h->slots[i].used && h->slots[i].key != key)
		i = (i + 1) & h->mask;
	return &h->slots[i];
}

bool hashmap__get(const struct hashmap *h, uint64_t key, uint64_t *val)
{
	struct slot *s = find(h, key);

	if (!s->used)
		return false;
	if (val)
		*val = s->val;
	return true;
}

void hashmap__put(struct hashmap *h, uint64_t key, uint64_t val)
{
	struct slot *s;

	if ((h->count + 1) * 4 > (h->mask + 1) * 3) {
		struct slot *old = h->slots;
		size_t i, n = h->mask + 1;

		h->mask = n * 2 - 1;
		h->slots = xcalloc(n * 2, sizeof(*h->slots));
		for (i = 0; i < n; i++)
			if (old[i].used)
				*find(h, old[i].key) = old[i];
		free(old);
	}
	s = find(h, key);
	if (!s->used) {
		s->used = 1;
		s->key = key;
		h->count++;
	}
	s->val = val;
}

size_t hashmap__count(const struct hashmap *h)
{
	return h->count;
}
