/*
 * hash.h - task hashes, content addresses and checksums (all xxHash).
 */
#ifndef CTASK_HASH_H
#define CTASK_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* A 128-bit hash in XXH3's canonical (big-endian) byte order, so that
 * comparing bytes compares hashes and hex is the usual spelling. */
typedef struct {
	uint8_t b[16];
} ctask_hash;

#define CTASK_HASH_HEX 33 /* 32 hex digits and a NUL */

/* XXH3-128 of n bytes, canonical order. */
void ctask_hash_bytes(const void *p, size_t n, ctask_hash *out);
/* XXH3-64 of n bytes: the checksum stored beside every blob. */
uint64_t ctask_checksum(const void *p, size_t n);
/* 32 lowercase hex digits. */
void ctask_hash_hex(const ctask_hash *h, char out[CTASK_HASH_HEX]);
/* Parses 32 hex digits; returns 0 or -1. */
int ctask_hash_parse(const char *s, ctask_hash *out);
/* The value of hex digit c (either case), or -1. */
int ctask_hex_digit(char c);
int ctask_hash_cmp(const ctask_hash *a, const ctask_hash *b);
/* The first 8 bytes as a big-endian number: orders hashes as
 * ctask_hash_cmp does, as far as 64 bits go. */
uint64_t ctask_hash_prefix(const ctask_hash *h);

/* The task hash is XXH3-128 of a key built with these, in this order:
 * begin (name, declared version, argument count), then per argument one of
 * value / task / list (+ list_item per element). See README, "Task hashes". */
#define CTASK_KEY_MAGIC "ctask\x01" /* 5 bytes + encoding version 1 */
void ctask_key_begin(ctask_buf *k, const char *name, uint64_t version,
		     size_t nargs);
void ctask_key_value(ctask_buf *k, const uint8_t *cbor, size_t n);
void ctask_key_task(ctask_buf *k, const ctask_hash *dep);
void ctask_key_list(ctask_buf *k, size_t n);
void ctask_key_list_item(ctask_buf *k, const ctask_hash *dep);
void ctask_key_nohash(ctask_buf *k);

#endif
