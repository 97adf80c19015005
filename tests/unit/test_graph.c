/* Graph building and task hashes. The pinned hashes below are part of the
 * store format: if one of them changes, stored results are lost to every
 * user. Change them only together with CTASK_HASH_ENCODING. */
#include "test.h"

#include "error.h"
#include "graph.h"
#include "value.h"

#include <xxhash.h>

static ctask_value *f(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_null(cx);
}

static ctask_value *g2(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_null(cx);
}

static ctask_task *last;

static void hex_of(const ctask_task *t, char out[CTASK_HASH_HEX])
{
	ctask_hash_hex(&t->hash, out);
}

static void build_f1(ctask_graph *g)
{
	last = ctask_call(g, f, 1);
}

/* The definition, spelled out byte by byte for f(1). */
TEST(hash_definition)
{
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_f1, NULL, 0, NULL, &g), 0);
	const uint8_t key[] = {'c', 't', 'a', 's', 'k', 1, /* magic, v1 */
			       1,   'f',		   /* name */
			       0,			   /* version */
			       1,			   /* nargs */
			       1,   1,	 0x01};		   /* value: CBOR 1 */
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, XXH3_128bits(key, sizeof key));
	ASSERT_MEM(last->hash.b, c.digest, 16);
	ctask_graph_free(g);
}

static ctask_task *pinned[6];

static void build_pinned(ctask_graph *g)
{
	pinned[0] = ctask_call(g, f);
	pinned[1] = ctask_call(g, f, 1);
	pinned[2] = ctask_call(g, f, 2.5, "text", true);
	pinned[3] = ctask_call(g, g2, pinned[1], -7);
	pinned[4] = ctask_call(g, g2, ctask_list(g, pinned, 2));
	int64_t big = INT64_MIN;
	pinned[5] = ctask_call(g, f, big, 0.1, "");
}

TEST(hash_pinned)
{
	static const char *want[] = {
		"276cde358eba8c2d72d0d22bbe57ad71",
		"ecc96b3b78bee0ae995384fedb071c38",
		"d2dd582cad0b3bd2bfcefa6b5c0a0afd",
		"d4375755eef90ab9cd881a6359bd9ee6",
		"5a8f8ea7d7dd63c97df2623f5212b9f6",
		"aa1e94202648542cb01f3e9dcfff44b1",
	};
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_pinned, NULL, 0, NULL, &g), 0);
	char hex[6][CTASK_HASH_HEX];
	for (int i = 0; i < 6; i++)
		hex_of(pinned[i], hex[i]);
	for (int i = 0; i < 6; i++)
		ASSERT_STR(hex[i], want[i]);
	ctask_graph_free(g);
}

static ctask_task *dups[4];

static void build_dups(ctask_graph *g)
{
	dups[0] = ctask_call(g, f, 1, "a");
	dups[1] = ctask_call(g, f, 1, "a");
	dups[2] = ctask_call(g, f, 1.0, "a");
	dups[3] = ctask_call(g, f, "1", "a");
}

/* Identical calls are one task; int 1, double 1.0 and "1" are not equal. */
TEST(identical_calls_are_one_task)
{
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_dups, NULL, 0, NULL, &g), 0);
	ASSERT_EQ(ctask_graph_size(g), 3);
	ASSERT(dups[0] == dups[1]);
	ASSERT(dups[0] != dups[2] && dups[2] != dups[3] && dups[0] != dups[3]);
	ctask_graph_free(g);
}

static int chain_input;
static ctask_task *chain[3], *side;

static void build_chain(ctask_graph *g)
{
	chain[0] = ctask_call(g, f, chain_input);
	chain[1] = ctask_call(g, g2, chain[0]);
	chain[2] = ctask_call(g, g2, chain[1], "x");
	side = ctask_call(g, f, 100);
}

/* A hash covers the whole upstream tree: changing one input changes exactly
 * its downstream hashes. */
TEST(hash_is_a_merkle_tree)
{
	ctask_graph *g = NULL;
	ctask_hash before[4], after[4];
	chain_input = 1;
	ASSERT_EQ(ctask_graph_build(build_chain, NULL, 0, NULL, &g), 0);
	for (int i = 0; i < 3; i++)
		before[i] = chain[i]->hash;
	before[3] = side->hash;
	ctask_graph_free(g);
	chain_input = 2;
	ASSERT_EQ(ctask_graph_build(build_chain, NULL, 0, NULL, &g), 0);
	for (int i = 0; i < 3; i++)
		after[i] = chain[i]->hash;
	after[3] = side->hash;
	for (int i = 0; i < 3; i++)
		ASSERT(ctask_hash_cmp(&before[i], &after[i]) != 0);
	ASSERT(ctask_hash_cmp(&before[3], &after[3]) == 0);
	ctask_graph_free(g);
}

TEST(upstream_and_downstream_marks)
{
	ctask_graph *g = NULL;
	chain_input = 1;
	ASSERT_EQ(ctask_graph_build(build_chain, NULL, 0, NULL, &g), 0);
	uint8_t m[4] = {0};
	m[chain[1]->id] = 1;
	ctask_graph_mark_downstream(g, m);
	ASSERT(!m[chain[0]->id] && m[chain[1]->id] && m[chain[2]->id]);
	ASSERT(!m[side->id]);
	uint8_t u[4] = {0};
	u[chain[1]->id] = 1;
	ctask_graph_mark_upstream(g, u);
	ASSERT(u[chain[0]->id] && u[chain[1]->id] && !u[chain[2]->id]);
	ctask_graph_free(g);
}

static void build_null_task(ctask_graph *g)
{
	ctask_task *none = NULL;
	ctask_call(g, g2, 1, none);
}

static void build_big_uint(ctask_graph *g)
{
	ctask_call(g, f, (unsigned long long)UINT64_MAX);
}

static void build_bad_utf8(ctask_graph *g)
{
	ctask_call(g, f, "\xff\xfe");
}

static void build_graph_fail(ctask_graph *g)
{
	ctask_graph_fail(g, "no input files in %s", "data/");
}

/* Bad arguments stop graph building with a message naming the function and
 * the argument; they never crash. */
TEST(bad_arguments_fail_the_graph)
{
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_null_task, NULL, 0, NULL, &g),
		  CTASK_ETASKFILE);
	ASSERT_STR(ctask_error_last(), "g2: argument 1 is a NULL task");
	ASSERT_EQ(ctask_graph_build(build_big_uint, NULL, 0, NULL, &g),
		  CTASK_ETASKFILE);
	ASSERT_STR(
		ctask_error_last(),
		"f: argument 0 (18446744073709551615) does not fit in int64");
	ASSERT_EQ(ctask_graph_build(build_bad_utf8, NULL, 0, NULL, &g),
		  CTASK_ETASKFILE);
	ASSERT_STR(ctask_error_last(), "f: argument 0 is not valid UTF-8");
	ASSERT_EQ(ctask_graph_build(build_graph_fail, NULL, 0, NULL, &g),
		  CTASK_ETASKFILE);
	ASSERT_STR(ctask_error_last(), "no input files in data/");
}

static void build_values(ctask_graph *g)
{
	ctask_value *items[2] = {ctask_int(g, 1), ctask_string(g, "two")};
	last = ctask_call(g, f, ctask_list_of(g, 2, items));
}

/* A value argument is stored in its canonical encoding. */
TEST(value_arguments_are_encoded)
{
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_values, NULL, 0, NULL, &g), 0);
	ASSERT_EQ(last->nargs, 1);
	ASSERT_EQ(last->args[0].kind, CTASK_GARG_VALUE);
	const uint8_t want[] = {0x82, 0x01, 0x63, 't', 'w', 'o'};
	ASSERT_EQ(last->args[0].n, sizeof want);
	ASSERT_MEM(last->args[0].u.cbor, want, sizeof want);
	ctask_graph_free(g);
}

#define MANY 5000 /* past two growths of the hash table (2048 slots) */

static void build_many(ctask_graph *g)
{
	for (int i = 0; i < MANY; i++)
		ctask_call(g, f, i, "a");
	ctask_call(g, f, 0, "a"); /* a duplicate, found after the growths */
}

/* Every task is found by its hash after the table grew, and the hash
 * order lists each task once, sorted by hash (one descent at most: tasks
 * that wrapped around the table's end to its front). */
TEST(many_tasks_found_and_hash_ordered)
{
	ctask_graph *g = NULL;
	ASSERT_EQ(ctask_graph_build(build_many, NULL, 0, NULL, &g), 0);
	ASSERT_EQ(ctask_graph_size(g), MANY);
	for (size_t i = 0; i < MANY; i++) {
		ctask_task *t = ctask_graph_task(g, i);
		ASSERT(ctask_graph_find(g, &t->hash) == t);
	}
	uint32_t *ids = calloc(MANY, sizeof *ids);
	uint8_t *seen = calloc(MANY, 1);
	ASSERT_EQ(ctask_graph_hash_order(g, ids), MANY);
	size_t descents = 0;
	for (size_t k = 0; k < MANY; k++) {
		ASSERT(ids[k] < MANY && !seen[ids[k]]);
		seen[ids[k]] = 1;
		const ctask_task *t = ctask_graph_task(g, ids[k]);
		if (k > 0) {
			const ctask_task *p = ctask_graph_task(g, ids[k - 1]);
			descents += memcmp(p->hash.b, t->hash.b, 16) > 0;
		}
	}
	ASSERT(descents <= 1);
	free(ids);
	free(seen);
	ctask_graph_free(g);
}

TEST_MAIN(T(hash_definition), T(hash_pinned), T(identical_calls_are_one_task),
	  T(hash_is_a_merkle_tree), T(upstream_and_downstream_marks),
	  T(bad_arguments_fail_the_graph), T(value_arguments_are_encoded),
	  T(many_tasks_found_and_hash_ordered))
