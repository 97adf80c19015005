/*
 * fuzz_value.c - the CBOR value decoder (value.h), with round trips.
 *
 * The input is read twice. First as stored bytes: the decoder must not
 * crash or read outside them, and if it accepts them they are canonical,
 * so the value re-encodes to the same bytes and decodes again to an equal
 * value; show's JSON writer must take it. Then as a program for a small
 * builder that makes a value with the constructors (whatever they accept):
 * its encoding must decode to an equal value that re-encodes identically,
 * so what the encoder writes, the decoder reads back.
 */
#include "fuzz.h"

#include "arena.h"
#include "ctx.h"

static FILE *devnull;

static void check_decoded(const uint8_t *data, size_t size)
{
	ctask_arena *a = ctask_arena_new();
	ctask_value *v, *again;
	if (ctask_value_decode(a, data, size, &v) == 0) {
		CHECK(v->depth <= CTASK_MAX_DEPTH);
		CHECK(fuzz_encodes_to(v, data, size));
		CHECK(ctask_value_decode(a, data, size, &again) == 0);
		CHECK(fuzz_equal(v, again));
		ctask_value_json(v, devnull, 16);
	}
	ctask_arena_free(a);
}

/* ---- The builder --------------------------------------------------------- */

typedef struct {
	const uint8_t *p, *end;
	ctask_value *stack[64];
	size_t n;
} prog;

static uint64_t take(prog *g, size_t bytes)
{
	uint64_t v = 0;
	for (size_t i = 0; i < bytes && g->p < g->end; i++)
		v = v << 8 | *g->p++;
	return v;
}

/* A NUL-terminated string of up to 255 bytes of the input (cx's arena). */
static char *take_str(ctask_ctx *cx, prog *g, size_t *n)
{
	*n = (size_t)take(g, 1);
	if (*n > (size_t)(g->end - g->p))
		*n = (size_t)(g->end - g->p);
	char *s = ctask_alloc(cx, *n + 1);
	memcpy(s, g->p, *n);
	s[*n] = '\0';
	g->p += *n;
	return s;
}

static void push(prog *g, ctask_value *v)
{
	if (g->n == sizeof g->stack / sizeof g->stack[0])
		g->n--; /* drop the newest: the stack stays bounded */
	g->stack[g->n++] = v;
}

/* Up to k values off the top of the stack, oldest first, into out. */
static size_t pop(prog *g, size_t k, ctask_value **out)
{
	if (k > g->n)
		k = g->n;
	g->n -= k;
	memcpy(out, g->stack + g->n, k * sizeof *out);
	return k;
}

static ctask_value *make_array(ctask_ctx *cx, prog *g)
{
	ctask_dtype dt = (ctask_dtype)(take(g, 1) % 10);
	int ndim = (int)(take(g, 1) % 4);
	size_t shape[3], sz = ctask_dtype_size(dt);
	for (int i = 0; i < ndim; i++)
		shape[i] = (size_t)(take(g, 1) % 4);
	uint8_t *d;
	ctask_value *v = ctask_make_array(cx, dt, ndim, shape, (void **)&d);
	for (size_t i = 0; i < ctask_array_count(v) * sz; i++)
		d[i] = (uint8_t)take(g, 1);
	return v;
}

static ctask_value *make_map(ctask_ctx *cx, prog *g)
{
	ctask_value *vals[8];
	const char *keys[8];
	size_t k = pop(g, take(g, 1) % 8, vals), n;
	for (size_t i = 0; i < k; i++)
		keys[i] = take_str(cx, g, &n);
	return ctask_make_map(cx, k, keys, vals);
}

static void step(ctask_ctx *cx, prog *g)
{
	ctask_value *items[8], *v;
	size_t n;
	uint64_t u;
	double d;
	switch (take(g, 1) % 10) {
	case 0:
		v = ctask_make_null(cx);
		break;
	case 1:
		v = ctask_make_bool(cx, take(g, 1) & 1);
		break;
	case 2:
		v = ctask_make_int(cx, (int64_t)take(g, 8));
		break;
	case 3:
		u = take(g, 8);
		memcpy(&d, &u, sizeof d);
		v = ctask_make_double(cx, d);
		break;
	case 4:
		v = ctask_make_string(cx, take_str(cx, g, &n));
		break;
	case 5: {
		const char *s = take_str(cx, g, &n);
		v = ctask_make_bytes(cx, s, n);
		break;
	}
	case 6:
		v = make_array(cx, g);
		break;
	case 7:
		v = ctask_make_list(cx, pop(g, take(g, 1) % 8, items), items);
		break;
	case 8:
		v = make_map(cx, g);
		break;
	default: /* wrap the top in up to 1023 lists: reach the depth limit */
		v = g->n ? g->stack[--g->n] : ctask_make_null(cx);
		for (u = take(g, 2) % 1024; u > 0; u--)
			v = ctask_make_list(cx, 1, &v);
		break;
	}
	push(g, v);
}

static const uint8_t *build_in, *build_end;

/* Runs the program; the result is a list of what is left on the stack. */
static ctask_value *build(ctask_ctx *cx, const ctask_args *unused)
{
	(void)unused;
	prog g = {build_in, build_end, {0}, 0};
	while (g.p < g.end)
		step(cx, &g);
	return ctask_make_list(cx, g.n, g.stack);
}

static void check_built(const uint8_t *data, size_t size)
{
	ctask_ctx cx = {.arena = ctask_arena_new(), .name = "fuzz"};
	ctask_value *v, *back;
	build_in = data, build_end = data + size;
	if (ctask_ctx_run(&cx, build, NULL, &v) == 0) {
		/* Outside any task: an encoder failure aborts, and it must
		 * not fail on a value the constructors made. */
		ctask_buf b = {0};
		ctask_value_encode(v, &b);
		CHECK(ctask_value_decode(cx.arena, b.p, b.len, &back) == 0);
		CHECK(fuzz_equal(v, back));
		CHECK(fuzz_encodes_to(back, b.p, b.len));
		ctask_buf_free(&b);
	}
	ctask_arena_free(cx.arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	check_decoded(data, size);
	check_built(data, size);
	return 0;
}
