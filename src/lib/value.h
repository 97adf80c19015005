/*
 * value.h - ctask values in memory and their deterministic CBOR form.
 *
 * Byte form (DESIGN.md §2, RFC 8949 §4.2.1 core deterministic encoding):
 *   null/bool   simple values f6 / f4 / f5
 *   int         major type 0 or 1, shortest head
 *   double      shortest of float16/32/64 that holds the value exactly;
 *               NaN is always f9 7e00
 *   string      major type 3 (UTF-8), bytes major type 2
 *   list        major type 4, definite length
 *   map         major type 5, keys are text strings, sorted by the bytewise
 *               order of their encodings, no duplicates
 *   array       tag 40 (RFC 8746 multi-dimensional, row-major) over
 *               [shape as a list of ints, typed array], the typed array being
 *               an RFC 8746 little-endian typed-array tag (64 uint8,
 *               69 uint16, 70 uint32, 71 uint64, 72 int8, 77 int16,
 *               78 int32, 79 int64, 85 float32, 86 float64) over a byte
 *               string of the elements.
 * The decoder accepts exactly this form and rejects anything else with
 * CTASK_ECORRUPT, so a value read back re-encodes to the same bytes.
 *
 * Depth (one definition for every reader and writer): a list, a map and an
 * array are each one level; null, bools, numbers, strings and bytes are
 * none. A value's depth is the most levels met going inward from it: 0 for
 * 42, 1 for [42] and for an array, 2 for [[42]], [array] and {"k": [42]}.
 * No value is deeper than CTASK_MAX_DEPTH (512, ctask.h): the constructors
 * fail the task that tries to build one, the encoder fails the task if one
 * reaches it anyway, and ctask_value_decode and ctask_cbor_list_item reject
 * the bytes of one with CTASK_ECORRUPT ("nested deeper than 512 levels").
 * They all count levels alike (an array's inner CBOR lists and tags are not
 * levels of their own), so whatever is stored is read back by every reader.
 */
#ifndef CTASK_VALUE_H
#define CTASK_VALUE_H

#include "arena.h"
#include "buf.h"
#include "ctask.h"

#include <stdio.h>

struct ctask_value {
	uint8_t type;	/* ctask_type */
	uint8_t dtype;	/* ctask_dtype, arrays only */
	uint8_t ndim;	/* arrays only */
	uint16_t depth; /* levels (see above): 0 scalar, 1 array, 1 + the
			   deepest item for a list or map */
	size_t len;	/* string/bytes bytes, list/map items, array elements */
	union {
		bool b;
		int64_t i;
		double d;
		const char *s; /* string (NUL-terminated) or bytes */
		ctask_value *
			*items; /* list items, or map keys then values:
				   for a map, items[k] is a string value and
				   items[len + k] its value, keys sorted */
		void *data;	/* array elements, 16-byte aligned */
	} u;
	size_t *shape; /* arrays only: ndim sizes */
};

/* Arguments as a task function sees them. Owned by the running context. */
struct ctask_args {
	const char *fn_name;
	size_t n;
	ctask_value **v;
};

/* Appends the deterministic CBOR encoding of v to out. A value deeper than
 * CTASK_MAX_DEPTH fails the current task (see ctask_ctx_failf). */
void ctask_value_encode(const ctask_value *v, ctask_buf *out);

/* Decodes one value occupying exactly n bytes at p into arena a.
 * Returns 0, or CTASK_ECORRUPT (message says what was wrong). */
int ctask_value_decode(ctask_arena *a, const uint8_t *p, size_t n,
		       ctask_value **out);

/* Finds item i of the encoded list p[0..n) without building values. Items
 * before i are passed over by their structure alone (heads, lengths and
 * levels, read as the decoder reads them), item i is checked as
 * ctask_value_decode checks it, and later items are not read: so an item
 * it returns decodes, and a list that decodes has every item found. Returns 0,
 * CTASK_EINVALID if p is not a list or has no item i (the message says which),
 * or CTASK_ECORRUPT (message as the decoder's). */
int ctask_cbor_list_item(const uint8_t *p, size_t n, size_t i,
			 const uint8_t **item, size_t *item_n);

/* Writes v as JSON (arrays as {"dtype","shape","data"}, data omitted beyond
 * max_array_items elements; bytes as {"bytes": n, "hex": ...}). */
void ctask_value_json(const ctask_value *v, FILE *f, size_t max_array_items);

/* Writes s as a JSON string literal (quotes and escapes included). */
void ctask_json_string(FILE *f, const char *s, size_t n);

/* True if s[0..n) is valid UTF-8. */
bool ctask_utf8_valid(const char *s, size_t n);

#endif
