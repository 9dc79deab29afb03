/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hashing helpers and one open-addressing hash map (linear probing) from
 * 64-bit keys to 64-bit values, for every keyed set of the program.
 *
 * Two kinds of keys (libbpf's tools/lib/bpf/hashmap.h is the model):
 *   - plain keys: the key is the value looked up (a pid, an id, a pointer
 *     compared as a number): hashmap__new();
 *   - content keys: the key stands for content elsewhere (an index into the
 *     owner's array, a pointer to a string) that @hash hashes and @equal
 *     compares: hashmap__new_keyed(). To look content up, make a key that
 *     stands for it (e.g. put a candidate at the end of the array and pass
 *     its index); hashmap__add() then inserts it or finds the equal one.
 *
 * Life cycle: hashmap__new*() ... hashmap__free(). The map owns its table
 * only: keys and values are numbers to it, and what they point to stays the
 * caller's. Each entry keeps its hash, so that growing the table never
 * calls @hash again.
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

/* The content of @key's hash, and whether keys @a and @b stand for equal content. */
typedef uint64_t (*hashmap_hash_fn)(uint64_t key, void *ctx);
typedef bool (*hashmap_equal_fn)(uint64_t a, uint64_t b, void *ctx);

/* For keys that are `const char *` pointers to NUL-terminated strings. */
uint64_t hashmap_str_hash(uint64_t key, void *ctx);
bool hashmap_str_equal(uint64_t a, uint64_t b, void *ctx);

struct hashmap;

/* A map of plain keys. */
struct hashmap *hashmap__new(void);
/*
 * A map of content keys: @hash and @equal get @ctx (borrowed; e.g. the
 * array the keys index, which must be readable whenever the map is used).
 */
struct hashmap *hashmap__new_keyed(hashmap_hash_fn hash, hashmap_equal_fn equal, void *ctx);
/* NULL does nothing. */
void hashmap__free(struct hashmap *h);
/* Returns true and sets *@val (when not NULL) when a key equal to @key is present. */
bool hashmap__get(const struct hashmap *h, uint64_t key, uint64_t *val);
/* Inserts, or replaces the value of the equal key present (which stays the stored key). */
void hashmap__put(struct hashmap *h, uint64_t key, uint64_t val);
/*
 * Inserts @key -> @val unless an equal key is present: returns true when it
 * inserted, false after setting *@old_key and *@old_val (either may be
 * NULL) to the entry that is there. One hash and one probe either way.
 */
bool hashmap__add(struct hashmap *h, uint64_t key, uint64_t val, uint64_t *old_key,
		  uint64_t *old_val);
size_t hashmap__count(const struct hashmap *h);

#endif
