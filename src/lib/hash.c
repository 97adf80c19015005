#include "hash.h"

#include <string.h>
#include <xxhash.h>

void ctask_hash_bytes(const void *p, size_t n, ctask_hash *out)
{
	XXH128_hash_t h = XXH3_128bits(p, n);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	memcpy(out->b, c.digest, sizeof out->b);
}

uint64_t ctask_checksum(const void *p, size_t n)
{
	return XXH3_64bits(p, n);
}

void ctask_hash_hex(const ctask_hash *h, char out[CTASK_HASH_HEX])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		out[2 * i] = digits[h->b[i] >> 4];
		out[2 * i + 1] = digits[h->b[i] & 15];
	}
	out[32] = '\0';
}

int ctask_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ctask_hash_parse(const char *s, ctask_hash *out)
{
	if (strlen(s) != 32)
		return -1;
	for (int i = 0; i < 16; i++) {
		int hi = ctask_hex_digit(s[2 * i]),
		    lo = ctask_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

uint64_t ctask_hash_prefix(const ctask_hash *h)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = k << 8 | h->b[i];
	return k;
}

int ctask_hash_cmp(const ctask_hash *a, const ctask_hash *b)
{
	return memcmp(a->b, b->b, sizeof a->b);
}

/* Argument tags of the key encoding. */
enum { KEY_VALUE = 1, KEY_TASK = 2, KEY_LIST = 3, KEY_NOHASH = 4 };

void ctask_key_begin(ctask_buf *k, const char *name, uint64_t version,
		     size_t nargs)
{
	k->len = 0;
	ctask_buf_append(k, CTASK_KEY_MAGIC, sizeof CTASK_KEY_MAGIC - 1);
	size_t n = strlen(name);
	ctask_buf_uvarint(k, n);
	ctask_buf_append(k, name, n);
	ctask_buf_uvarint(k, version);
	ctask_buf_uvarint(k, nargs);
}

void ctask_key_value(ctask_buf *k, const uint8_t *cbor, size_t n)
{
	ctask_buf_byte(k, KEY_VALUE);
	ctask_buf_uvarint(k, n);
	ctask_buf_append(k, cbor, n);
}

void ctask_key_task(ctask_buf *k, const ctask_hash *dep)
{
	ctask_buf_byte(k, KEY_TASK);
	ctask_buf_append(k, dep->b, sizeof dep->b);
}

void ctask_key_list(ctask_buf *k, size_t n)
{
	ctask_buf_byte(k, KEY_LIST);
	ctask_buf_uvarint(k, n);
}

void ctask_key_list_item(ctask_buf *k, const ctask_hash *dep)
{
	ctask_buf_append(k, dep->b, sizeof dep->b);
}

void ctask_key_nohash(ctask_buf *k)
{
	ctask_buf_byte(k, KEY_NOHASH);
}
