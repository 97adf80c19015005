/*
 * fuzz_list_item.c - the readers that slice stored bytes without decoding
 * the whole: ctask_cbor_list_item, and ctask_value_part for a part of a
 * part (ctask_item(g, ctask_item(g, t, i), j)).
 *
 * The input is i and j (a byte each), then the bytes of a stored result.
 * Whatever the bytes: an item found lies inside them and decodes (value.h
 * promises it). If the whole decodes as a list, every item is found, is
 * the bytes of the decoded item, and there is no item past the last; and
 * part j of part i is found exactly when the decoded value has it, equal
 * to it.
 */
#include "fuzz.h"

#include "arena.h"
#include "error.h"
#include "graph.h"

/* Item k of p[0..n): checks what is promised whatever the bytes; returns
 * list_item's code, with the item in *item. */
static int item_of(ctask_arena *a, const uint8_t *p, size_t n, size_t k,
		   const uint8_t **item, size_t *item_n)
{
	int rc = ctask_cbor_list_item(p, n, k, item, item_n);
	CHECK(rc == 0 || rc == CTASK_EINVALID || rc == CTASK_ECORRUPT);
	if (rc == 0) {
		ctask_value *v;
		CHECK(*item > p && *item + *item_n <= p + n && *item_n > 0);
		CHECK(ctask_value_decode(a, *item, *item_n, &v) == 0);
	}
	return rc;
}

/* The whole decoded as w: list_item agrees with it. */
static void check_items(ctask_arena *a, const uint8_t *p, size_t n,
			const ctask_value *w)
{
	const uint8_t *item;
	size_t item_n, len = w->type == CTASK_T_LIST ? w->len : 0;
	for (size_t k = 0; k < len && k < 64; k++) {
		CHECK(item_of(a, p, n, k, &item, &item_n) == 0);
		CHECK(fuzz_encodes_to(w->u.items[k], item, item_n));
	}
	CHECK(item_of(a, p, n, len, &item, &item_n) == CTASK_EINVALID);
}

/* Part j of part i of a task whose result is p[0..n), through the views
 * the graph makes for ctask_item. */
static void check_parts(ctask_arena *a, const uint8_t *p, size_t n, size_t i,
			size_t j, const ctask_value *w)
{
	ctask_task run = {.kind = CTASK_K_RUN};
	ctask_garg ga = {.kind = CTASK_GARG_TASK, .u.task = &run};
	ctask_task part = {
		.kind = CTASK_K_ITEM, .item = (uint32_t)i, .args = &ga};
	ctask_garg gb = {.kind = CTASK_GARG_TASK, .u.task = &part};
	ctask_task sub = {
		.kind = CTASK_K_ITEM, .item = (uint32_t)j, .args = &gb};
	ctask_value *v = NULL;
	int rc = ctask_value_part(a, p, n, &sub, &v);
	if (!w)
		return;
	const ctask_value *pi =
		w->type == CTASK_T_LIST && i < w->len ? w->u.items[i] : NULL;
	const ctask_value *want = pi && pi->type == CTASK_T_LIST && j < pi->len
					  ? pi->u.items[j]
					  : NULL;
	CHECK((rc == 0) == (want != NULL));
	if (want)
		CHECK(fuzz_equal(v, want));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t i = data[0] % 16, j = data[1] % 16, n = size - 2;
	/* A copy of just the result's bytes, so that ASan sees a read past
	 * them. */
	uint8_t *p = malloc(n ? n : 1);
	memcpy(p, data + 2, n);
	ctask_arena *a = ctask_arena_new();
	ctask_value *w = NULL;
	const uint8_t *item;
	size_t item_n;
	if (ctask_value_decode(a, p, n, &w) == 0)
		check_items(a, p, n, w);
	else
		w = NULL;
	item_of(a, p, n, i, &item, &item_n);
	check_parts(a, p, n, i, j, w);
	ctask_arena_free(a);
	free(p);
	return 0;
}
