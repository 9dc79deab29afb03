/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hashing helpers and an open-addressing map from 64-bit keys to 64-bit
 * values. Keys are any uint64_t; the map owns nothing but its table.
 */
#ifndef RESQ_HASHMAP_H
#define RESQ_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A fast, non-cryptographic 64-bit hash of @len bytes. */
uint64_t hash_bytes(const void *data, size_t len);
/* Mixes a 64-bit integer into a well-distributed hash. */
static inline uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

struct hashmap;

struct hashmap *hashmap__new(void);
void hashmap__free(struct hashmap *h);
/* Returns true and sets *@val when @key is present. */
bool hashmap__get(const struct hashmap *h, uint64_t key, uint64_t *val);
/* Inserts or replaces. */
void hashmap__put(struct hashmap *h, uint64_t key, uint64_t val);
size_t hashmap__count(const struct hashmap *h);

#endif
