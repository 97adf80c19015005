/*
 * fuzz.h - what the libFuzzer harnesses share: a check that aborts (so the
 * fuzzer reports the input), value equality, and encoding into a buffer.
 */
#ifndef CTASK_FUZZ_H
#define CTASK_FUZZ_H

#include "buf.h"
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Aborts with the condition's text: libFuzzer then saves the input. */
#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c)) {                                                    \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #c);                                 \
			abort();                                               \
		}                                                              \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Whether a and b are the same value: same type and contents, doubles by
 * their bits except that all NaNs are equal (the encoding keeps one NaN),
 * and the same depth. */
static inline bool fuzz_equal(const ctask_value *a, const ctask_value *b)
{
	if (a->type != b->type || a->depth != b->depth)
		return false;
	switch (a->type) {
	case CTASK_T_NULL:
		return true;
	case CTASK_T_BOOL:
		return a->u.b == b->u.b;
	case CTASK_T_INT:
		return a->u.i == b->u.i;
	case CTASK_T_DOUBLE:
		return (isnan(a->u.d) && isnan(b->u.d)) ||
		       memcmp(&a->u.d, &b->u.d, sizeof a->u.d) == 0;
	case CTASK_T_STRING:
	case CTASK_T_BYTES:
		return a->len == b->len && memcmp(a->u.s, b->u.s, a->len) == 0;
	case CTASK_T_ARRAY:
		if (a->dtype != b->dtype || a->ndim != b->ndim ||
		    a->len != b->len ||
		    memcmp(a->shape, b->shape, a->ndim * sizeof *a->shape))
			return false;
		return memcmp(a->u.data, b->u.data,
			      a->len * ctask_dtype_size(a->dtype)) == 0;
	default: /* lists, and maps: keys then values */
		if (a->len != b->len)
			return false;
		for (size_t i = 0;
		     i < (a->type == CTASK_T_MAP ? 2 : 1) * a->len; i++)
			if (!fuzz_equal(a->u.items[i], b->u.items[i]))
				return false;
		return true;
	}
}

/* Whether v encodes to exactly p[0..n). */
static inline bool fuzz_encodes_to(const ctask_value *v, const uint8_t *p,
				   size_t n)
{
	ctask_buf b = {0};
	ctask_value_encode(v, &b);
	bool same = b.len == n && (n == 0 || memcmp(b.p, p, n) == 0);
	ctask_buf_free(&b);
	return same;
}

#endif
