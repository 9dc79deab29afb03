// SPDX-License-Identifier: Apache-2.0
/*
 * A byte hash and an open-addressing (linear probing) map of 64-bit keys
 * and values, plain or content-keyed through hash and equality callbacks.
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

uint64_t hashmap_str_hash(uint64_t key, void *ctx)
{
	const char *s = (const char *)(uintptr_t)key;

	(void)ctx;
	return hash_bytes(s, strlen(s));
}

bool hashmap_str_equal(uint64_t a, uint64_t b, void *ctx)
{
	(void)ctx;
	return !strcmp((const char *)(uintptr_t)a, (const char *)(uintptr_t)b);
}

struct slot {
	uint64_t key;
	uint64_t val;
	uint32_t hash; /* low bits of the key's hash: the home slot, cheap rejects */
	uint32_t used;
};

struct hashmap {
	struct slot *slots;
	size_t mask; /* slots - 1, a power of 2 minus 1, below 2^32 */
	size_t count;
	hashmap_hash_fn hash; /* NULL: plain keys */
	hashmap_equal_fn equal;
	void *ctx;
};

struct hashmap *hashmap__new_keyed(hashmap_hash_fn hash, hashmap_equal_fn equal, void *ctx)
{
	struct hashmap *h = xcalloc(1, sizeof(*h));

	h->mask = 15;
	h->slots = xcalloc(h->mask + 1, sizeof(*h->slots));
	h->hash = hash;
	h->equal = equal;
	h->ctx = ctx;
	return h;
}

struct hashmap *hashmap__new(void)
{
	return hashmap__new_keyed(NULL, NULL, NULL);
}

void hashmap__free(struct hashmap *h)
{
	if (!h)
		return;
	free(h->slots);
	free(h);
}

static inline uint32_t key_hash(const struct hashmap *h, uint64_t key)
{
	return (uint32_t)(h->hash ? h->hash(key, h->ctx) : hash_u64(key));
}

/* The slot of the key equal to @key (hash @hash), or the empty slot where it would go. */
static struct slot *find(const struct hashmap *h, uint64_t key, uint32_t hash)
{
	size_t i = hash & h->mask;
	struct slot *s;

	for (;; i = (i + 1) & h->mask) {
		s = &h->slots[i];
		if (!s->used)
			return s;
		if (s->hash != hash)
			continue;
		if (h->equal ? h->equal(s->key, key, h->ctx) : s->key == key)
			return s;
	}
}

/* Doubles the table when it is three quarters full; keys are rehomed from their kept hash. */
static void maybe_grow(struct hashmap *h)
{
	struct slot *old = h->slots;
	size_t i, j, n = h->mask + 1;

	if ((h->count + 1) * 4 <= n * 3)
		return;
	h->mask = n * 2 - 1;
	h->slots = xcalloc(n * 2, sizeof(*h->slots));
	for (i = 0; i < n; i++) {
		if (!old[i].used)
			continue;
		for (j = old[i].hash & h->mask; h->slots[j].used; j = (j + 1) & h->mask)
			;
		h->slots[j] = old[i];
	}
	free(old);
}

bool hashmap__get(const struct hashmap *h, uint64_t key, uint64_t *val)
{
	struct slot *s = find(h, key, key_hash(h, key));

	if (!s->used)
		return false;
	if (val)
		*val = s->val;
	return true;
}

bool hashmap__add(struct hashmap *h, uint64_t key, uint64_t val, uint64_t *old_key,
		  uint64_t *old_val)
{
	uint32_t hash = key_hash(h, key);
	struct slot *s;

	maybe_grow(h);
	s = find(h, key, hash);
	if (s->used) {
		if (old_key)
			*old_key = s->key;
		if (old_val)
			*old_val = s->val;
		return false;
	}
	*s = (struct slot){.key = key, .val = val, .hash = hash, .used = 1};
	h->count++;
	return true;
}

void hashmap__put(struct hashmap *h, uint64_t key, uint64_t val)
{
	uint32_t hash = key_hash(h, key);
	struct slot *s;

	maybe_grow(h);
	s = find(h, key, hash);
	if (!s->used) {
		*s = (struct slot){.key = key, .hash = hash, .used = 1};
		h->count++;
	}
	s->val = val;
}

size_t hashmap__count(const struct hashmap *h)
{
	return h->count;
}
