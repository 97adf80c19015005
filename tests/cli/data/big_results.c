/* tests/cli/test_disk_full.sh: 40 tasks of 1 MiB results each (object
 * files), and a sum over their first bytes. */
#include <ctask.h>
#include <string.h>

#define MIB (1024 * 1024)

/* blob(i): 1 MiB of bytes, all i. */
static ctask_value *blob(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	uint8_t *p = ctask_alloc(cx, MIB);
	memset(p, (int)(i & 0xff), MIB);
	return ctask_bytes(cx, p, MIB);
}

/* first(blobs): the sum of each blob's first byte. */
static ctask_value *first(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	int64_t sum = 0;
	for (size_t i = 0; i < ctask_value_len(l); i++) {
		size_t n;
		const uint8_t *p = ctask_value_bytes(ctask_list_get(l, i), &n);
		sum += n ? p[0] : 0;
	}
	return ctask_int(cx, sum);
}

CTASK_GRAPH(g)
{
	ctask_task *b[40];
	for (int i = 0; i < 40; i++)
		b[i] = ctask_call(g, blob, i);
	ctask_call(g, first, ctask_list(g, b, 40));
}
