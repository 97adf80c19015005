/*
 * value.c - ctask values: constructors, accessors, task arguments, and the
 * deterministic CBOR and JSON forms (DESIGN.md §2, value.h).
 *
 * Values are immutable once made and live in an arena (a task's context or
 * the graph). Nothing here frees a value; the arena does.
 *
 * Errors in user code (a wrong-type accessor, bad input to a constructor)
 * fail the task through ctask_ctx_failf, which does not return; messages
 * start with the task's function name so a user can find the line. Errors in
 * stored bytes are reported by ctask_value_decode as CTASK_ECORRUPT.
 */
#include "value.h"

#include "ctx.h"
#include "error.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Largest bytes value whose hex digits ctask_value_json prints. */
#define JSON_MAX_HEX 64

/* ---- Names --------------------------------------------------------------- */

static const char *const type_names[] = {
	[CTASK_T_NULL] = "null",     [CTASK_T_BOOL] = "bool",
	[CTASK_T_INT] = "int",	     [CTASK_T_DOUBLE] = "double",
	[CTASK_T_STRING] = "string", [CTASK_T_BYTES] = "bytes",
	[CTASK_T_ARRAY] = "array",   [CTASK_T_LIST] = "list",
	[CTASK_T_MAP] = "map",
};

/* Per dtype: name, element size and RFC 8746 little-endian typed-array tag. */
static const struct {
	const char *name;
	uint8_t size;
	uint8_t tag;
} dtypes[] = {
	[CTASK_INT8] = {"int8", 1, 72},
	[CTASK_UINT8] = {"uint8", 1, 64},
	[CTASK_INT16] = {"int16", 2, 77},
	[CTASK_UINT16] = {"uint16", 2, 69},
	[CTASK_INT32] = {"int32", 4, 78},
	[CTASK_UINT32] = {"uint32", 4, 70},
	[CTASK_INT64] = {"int64", 8, 79},
	[CTASK_UINT64] = {"uint64", 8, 71},
	[CTASK_FLOAT32] = {"float32", 4, 85},
	[CTASK_FLOAT64] = {"float64", 8, 86},
};

#define NTYPES (sizeof type_names / sizeof type_names[0])
#define NDTYPES (sizeof dtypes / sizeof dtypes[0])

const char *ctask_type_name(ctask_type t)
{
	return (unsigned)t < NTYPES ? type_names[t] : "unknown";
}

const char *ctask_dtype_name(ctask_dtype d)
{
	return (unsigned)d < NDTYPES ? dtypes[d].name : "unknown";
}

/* Element size in bytes; 0 for a value that is not a dtype. */
size_t ctask_dtype_size(ctask_dtype d)
{
	return (unsigned)d < NDTYPES ? dtypes[d].size : 0;
}

/* ---- UTF-8 and JSON strings ---------------------------------------------- */

/* Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequences. */
bool ctask_utf8_valid(const char *s, size_t n)
{
	if (n == 0)
		return true;
	if (!s)
		return false;
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	while (p < end) {
		unsigned c = *p, cp, min;
		size_t len;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if ((c & 0xf0) == 0xe0)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return false;
		if ((size_t)(end - p) < len)
			return false;
		for (size_t i = 1; i < len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += len;
	}
	return true;
}

void ctask_json_string(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

/* ---- CBOR heads and map-key order ---------------------------------------- */

/* Writes the shortest head for (major, v) to h (9 bytes of room); returns
 * its length. */
static size_t head_put(uint8_t *h, int major, uint64_t v)
{
	uint8_t m = (uint8_t)(major << 5);
	if (v < 24) {
		h[0] = (uint8_t)(m | v);
		return 1;
	}
	int n = v <= 0xff ? 1 : v <= 0xffff ? 2 : v <= 0xffffffff ? 4 : 8;
	h[0] = (uint8_t)(m | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27));
	for (int i = 0; i < n; i++)
		h[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return 1 + (size_t)n;
}

static void put_head(ctask_buf *b, int major, uint64_t v)
{
	uint8_t h[9];
	ctask_buf_append(b, h, head_put(h, major, v));
}

/* Compares two byte spans as RFC 8949 §4.2.1 orders map keys: bytewise,
 * a proper prefix first. */
static int span_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* Compares two text-string keys by their CBOR encodings. The heads are
 * compared first; equal heads mean equal lengths, so then the text decides.
 * (In effect shorter keys come first, then bytewise order.) */
static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	uint8_t ha[9], hb[9];
	size_t hna = head_put(ha, 3, an), hnb = head_put(hb, 3, bn);
	int c = span_cmp(ha, hna, hb, hnb);
	return c ? c : memcmp(a, b, an);
}

/* ---- Failing the task ---------------------------------------------------- */

/* The name a message starts with: the running task's function, or, outside
 * any task, the API function that was misused. */
static const char *who(const char *api)
{
	ctask_ctx *cx = ctask_ctx_current();
	return cx && cx->name ? cx->name : api;
}

static const char *cx_name(const ctask_ctx *cx, const char *api)
{
	return cx && cx->name ? cx->name : api;
}

static const char *vtype(const ctask_value *v)
{
	return v ? ctask_type_name((ctask_type)v->type) : "NULL";
}

/* Fails the current task: "FN: value is GOT, expected WANT". */
static _Noreturn void wrong_type(const char *api, const ctask_value *v,
				 const char *want)
{
	ctask_ctx_failf(ctask_ctx_current(), "%s: value is %s, expected %s",
			who(api), vtype(v), want);
}

static const ctask_value *expect(const ctask_value *v, ctask_type t,
				 const char *api)
{
	if (!v || v->type != t)
		wrong_type(api, v, ctask_type_name(t));
	return v;
}

/* A constructor without a usable context cannot fail "the task": print and
 * abort, as ctask_ctx_failf does with no context. */
static void check_cx(ctask_ctx *cx, const char *api)
{
	if (!cx || !cx->arena)
		ctask_ctx_failf(NULL, "%s: no context", api);
}

/* ---- Constructors -------------------------------------------------------- */

static ctask_value *value_new(ctask_arena *a, ctask_type t)
{
	ctask_value *v = ctask_arena_zalloc(a, sizeof *v);
	v->type = (uint8_t)t;
	return v;
}

/* A string or bytes value holding a NUL-terminated copy of s[0..n). */
static ctask_value *str_new(ctask_arena *a, ctask_type t, const void *s,
			    size_t n)
{
	ctask_value *v = value_new(a, t);
	v->len = n;
	v->u.s = ctask_arena_strndup(a, s, n);
	return v;
}

ctask_value *ctask_make_null(ctask_ctx *cx)
{
	check_cx(cx, "ctask_make_null");
	return value_new(cx->arena, CTASK_T_NULL);
}

ctask_value *ctask_make_bool(ctask_ctx *cx, bool b)
{
	check_cx(cx, "ctask_make_bool");
	ctask_value *v = value_new(cx->arena, CTASK_T_BOOL);
	v->u.b = b;
	return v;
}

ctask_value *ctask_make_int(ctask_ctx *cx, int64_t i)
{
	check_cx(cx, "ctask_make_int");
	ctask_value *v = value_new(cx->arena, CTASK_T_INT);
	v->u.i = i;
	return v;
}

ctask_value *ctask_make_double(ctask_ctx *cx, double d)
{
	check_cx(cx, "ctask_make_double");
	ctask_value *v = value_new(cx->arena, CTASK_T_DOUBLE);
	v->u.d = d;
	return v;
}

/* Fails the task if s is NULL or not valid UTF-8. */
ctask_value *ctask_make_string(ctask_ctx *cx, const char *s)
{
	const char *api = "ctask_make_string";
	check_cx(cx, api);
	if (!s)
		ctask_ctx_failf(cx, "%s: string is NULL", cx_name(cx, api));
	size_t n = strlen(s);
	if (!ctask_utf8_valid(s, n))
		ctask_ctx_failf(cx, "%s: string is not valid UTF-8",
				cx_name(cx, api));
	return str_new(cx->arena, CTASK_T_STRING, s, n);
}

/* Fails the task if p is NULL while n > 0. */
ctask_value *ctask_make_bytes(ctask_ctx *cx, const void *p, size_t n)
{
	check_cx(cx, "ctask_make_bytes");
	if (!p && n)
		ctask_ctx_failf(cx, "%s: bytes pointer is NULL",
				cx_name(cx, "ctask_make_bytes"));
	return str_new(cx->arena, CTASK_T_BYTES, n ? p : "", n);
}

/* Element count of a shape (1 for ndim 0); false if count * size overflows.
 * A zero dimension makes the count 0 whatever the others are. */
static bool shape_count(const size_t *shape, int ndim, size_t size,
			size_t *count)
{
	size_t c = 1;
	for (int i = 0; i < ndim; i++)
		if (shape[i] == 0) {
			*count = 0;
			return true;
		}
	for (int i = 0; i < ndim; i++) {
		if (c > SIZE_MAX / shape[i])
			return false;
		c *= shape[i];
	}
	if (size && c > SIZE_MAX / size)
		return false;
	*count = c;
	return true;
}

/* An array value with a copy of shape and uninitialised, 16-byte aligned
 * room for count elements (the arena aligns every allocation). */
static ctask_value *array_new(ctask_arena *a, ctask_dtype dt, int ndim,
			      const size_t *shape, size_t count)
{
	ctask_value *v = value_new(a, CTASK_T_ARRAY);
	v->dtype = (uint8_t)dt;
	v->ndim = (uint8_t)ndim;
	v->depth = 1;
	v->len = count;
	v->shape = ctask_arena_zalloc(a, sizeof(size_t) *
						 (size_t)(ndim ? ndim : 1));
	if (ndim)
		memcpy(v->shape, shape, sizeof(size_t) * (size_t)ndim);
	v->u.data = ctask_arena_alloc(a, count * dtypes[dt].size);
	return v;
}

/* Fails the task on an unknown dtype, ndim outside 0..8, a NULL shape or a
 * size that does not fit in memory. */
ctask_value *ctask_make_array(ctask_ctx *cx, ctask_dtype dt, int ndim,
			      const size_t *shape, void **data)
{
	const char *api = "ctask_make_array";
	size_t count;
	check_cx(cx, api);
	if ((unsigned)dt >= NDTYPES)
		ctask_ctx_failf(cx, "%s: unknown array dtype %d",
				cx_name(cx, api), (int)dt);
	if (ndim < 0 || ndim > CTASK_MAX_DIMS)
		ctask_ctx_failf(cx,
				"%s: array has %d dimensions (0 to %d "
				"allowed)",
				cx_name(cx, api), ndim, CTASK_MAX_DIMS);
	if (ndim > 0 && !shape)
		ctask_ctx_failf(cx, "%s: array shape is NULL",
				cx_name(cx, api));
	if (!shape_count(shape, ndim, dtypes[dt].size, &count))
		ctask_ctx_failf(cx, "%s: array is too large", cx_name(cx, api));
	ctask_value *v = array_new(cx->arena, dt, ndim, shape, count);
	memset(v->u.data, 0, count * dtypes[dt].size);
	if (data)
		*data = v->u.data;
	return v;
}

/* The depth of a list or map whose deepest item has depth deepest (value.h);
 * fails the task past CTASK_MAX_DEPTH, naming the limit. */
static uint16_t container_depth(ctask_ctx *cx, const char *api, int deepest)
{
	if (deepest >= CTASK_MAX_DEPTH)
		ctask_ctx_failf(cx,
				"%s: %s would be nested %d levels deep; values "
				"have at most %d (CTASK_MAX_DEPTH)",
				cx_name(cx, api),
				strcmp(api, "ctask_make_map") ? "list" : "map",
				deepest + 1, CTASK_MAX_DEPTH);
	return (uint16_t)(deepest + 1);
}

/* Fails the task if items (or any item) is NULL, or if the list would be
 * nested deeper than CTASK_MAX_DEPTH. The items are shared, not copied:
 * values are immutable. */
ctask_value *ctask_make_list(ctask_ctx *cx, size_t n, ctask_value *const *items)
{
	const char *api = "ctask_make_list";
	int deepest = 0;
	check_cx(cx, api);
	if (n && !items)
		ctask_ctx_failf(cx, "%s: list items are NULL",
				cx_name(cx, api));
	for (size_t i = 0; i < n; i++) {
		if (!items[i])
			ctask_ctx_failf(cx, "%s: list item %zu is NULL",
					cx_name(cx, api), i);
		if (items[i]->depth > deepest)
			deepest = items[i]->depth;
	}
	if (n > SIZE_MAX / sizeof *items)
		ctask_ctx_failf(cx, "%s: list is too long", cx_name(cx, api));
	uint16_t depth = container_depth(cx, api, deepest);
	ctask_value *v = value_new(cx->arena, CTASK_T_LIST);
	v->depth = depth;
	v->len = n;
	v->u.items = ctask_arena_alloc(cx->arena, n * sizeof *items);
	if (n)
		memcpy(v->u.items, items, n * sizeof *items);
	return v;
}

struct pair {
	ctask_value *k, *v;
};

static int pair_cmp(const void *x, const void *y)
{
	const ctask_value *a = ((const struct pair *)x)->k;
	const ctask_value *b = ((const struct pair *)y)->k;
	return key_cmp(a->u.s, a->len, b->u.s, b->len);
}

/* Checks the n keys and values and returns them as pairs in arena memory;
 * fails the task on a NULL or non-UTF-8 key or a NULL value. */
static struct pair *map_pairs(ctask_ctx *cx, size_t n, const char *const *keys,
			      ctask_value *const *vals)
{
	const char *name = cx_name(cx, "ctask_make_map");
	if (n && (!keys || !vals))
		ctask_ctx_failf(cx, "%s: map keys or values are NULL", name);
	if (n > SIZE_MAX / (2 * sizeof(struct pair)))
		ctask_ctx_failf(cx, "%s: map is too large", name);
	struct pair *ps = ctask_arena_alloc(cx->arena, n * sizeof *ps);
	for (size_t i = 0; i < n; i++) {
		if (!keys[i])
			ctask_ctx_failf(cx, "%s: map key %zu is NULL", name, i);
		size_t len = strlen(keys[i]);
		if (!ctask_utf8_valid(keys[i], len))
			ctask_ctx_failf(cx,
					"%s: map key %zu is not valid "
					"UTF-8",
					name, i);
		if (!vals[i])
			ctask_ctx_failf(cx,
					"%s: map value for key \"%s\" is "
					"NULL",
					name, keys[i]);
		ps[i].k = str_new(cx->arena, CTASK_T_STRING, keys[i], len);
		ps[i].v = vals[i];
	}
	return ps;
}

/* A map with its keys sorted as the CBOR encoding needs them, so that
 * encoding and ctask_map_get need not sort. Fails the task on a duplicate
 * key, past CTASK_MAX_DEPTH (and see map_pairs). */
ctask_value *ctask_make_map(ctask_ctx *cx, size_t n, const char *const *keys,
			    ctask_value *const *vals)
{
	int deepest = 0;
	check_cx(cx, "ctask_make_map");
	struct pair *ps = map_pairs(cx, n, keys, vals);
	for (size_t i = 0; i < n; i++)
		if (ps[i].v->depth > deepest)
			deepest = ps[i].v->depth;
	uint16_t depth = container_depth(cx, "ctask_make_map", deepest);
	if (n > 1)
		qsort(ps, n, sizeof *ps, pair_cmp);
	for (size_t i = 1; i < n; i++)
		if (pair_cmp(&ps[i - 1], &ps[i]) == 0)
			ctask_ctx_failf(cx, "%s: duplicate map key \"%s\"",
					cx_name(cx, "ctask_make_map"),
					ps[i].k->u.s);
	ctask_value *v = value_new(cx->arena, CTASK_T_MAP);
	v->depth = depth;
	v->len = n;
	v->u.items = ctask_arena_alloc(cx->arena, 2 * n * sizeof *v->u.items);
	for (size_t i = 0; i < n; i++) {
		v->u.items[i] = ps[i].k;
		v->u.items[n + i] = ps[i].v;
	}
	return v;
}

/* ---- Accessors ----------------------------------------------------------- */

ctask_type ctask_value_type(const ctask_value *v)
{
	if (!v)
		wrong_type("ctask_value_type", v, "a value");
	return (ctask_type)v->type;
}

bool ctask_value_bool(const ctask_value *v)
{
	return expect(v, CTASK_T_BOOL, "ctask_value_bool")->u.b;
}

int64_t ctask_value_int(const ctask_value *v)
{
	return expect(v, CTASK_T_INT, "ctask_value_int")->u.i;
}

double ctask_value_double(const ctask_value *v)
{
	return expect(v, CTASK_T_DOUBLE, "ctask_value_double")->u.d;
}

const char *ctask_value_string(const ctask_value *v)
{
	return expect(v, CTASK_T_STRING, "ctask_value_string")->u.s;
}

/* The bytes and, if n is not NULL, their count. The memory is followed by a
 * NUL byte, which is not counted. */
const void *ctask_value_bytes(const ctask_value *v, size_t *n)
{
	expect(v, CTASK_T_BYTES, "ctask_value_bytes");
	if (n)
		*n = v->len;
	return v->u.s;
}

ctask_dtype ctask_array_dtype(const ctask_value *v)
{
	return (ctask_dtype)expect(v, CTASK_T_ARRAY, "ctask_array_dtype")
		->dtype;
}

int ctask_array_ndim(const ctask_value *v)
{
	return expect(v, CTASK_T_ARRAY, "ctask_array_ndim")->ndim;
}

/* ndim sizes; for a 0-d array, a valid pointer to nothing meaningful. */
const size_t *ctask_array_shape(const ctask_value *v)
{
	return expect(v, CTASK_T_ARRAY, "ctask_array_shape")->shape;
}

size_t ctask_array_count(const ctask_value *v)
{
	return expect(v, CTASK_T_ARRAY, "ctask_array_count")->len;
}

const void *ctask_array_data(const ctask_value *v)
{
	return expect(v, CTASK_T_ARRAY, "ctask_array_data")->u.data;
}

/* Bytes of a string or bytes value, items of a list or map, elements of an
 * array; any other type fails the task. */
size_t ctask_value_len(const ctask_value *v)
{
	switch (v ? v->type : CTASK_T_NULL) {
	case CTASK_T_STRING:
	case CTASK_T_BYTES:
	case CTASK_T_ARRAY:
	case CTASK_T_LIST:
	case CTASK_T_MAP:
		if (v)
			return v->len;
	}
	wrong_type("ctask_value_len", v, "string, bytes, array, list or map");
}

/* Fails the task unless i indexes a list or map v (what names the kind). */
static void check_index(const ctask_value *v, size_t i, const char *what,
			const char *api)
{
	if (i >= v->len)
		ctask_ctx_failf(ctask_ctx_current(),
				"%s: %s index %zu out of range (length %zu)",
				who(api), what, i, v->len);
}

ctask_value *ctask_list_get(const ctask_value *v, size_t i)
{
	expect(v, CTASK_T_LIST, "ctask_list_get");
	check_index(v, i, "list", "ctask_list_get");
	return v->u.items[i];
}

const char *ctask_map_key(const ctask_value *v, size_t i)
{
	expect(v, CTASK_T_MAP, "ctask_map_key");
	check_index(v, i, "map", "ctask_map_key");
	return v->u.items[i]->u.s;
}

ctask_value *ctask_map_value(const ctask_value *v, size_t i)
{
	expect(v, CTASK_T_MAP, "ctask_map_value");
	check_index(v, i, "map", "ctask_map_value");
	return v->u.items[v->len + i];
}

/* Binary search over the sorted keys; NULL if absent (or key is NULL). */
ctask_value *ctask_map_get(const ctask_value *v, const char *key)
{
	expect(v, CTASK_T_MAP, "ctask_map_get");
	if (!key)
		return NULL;
	size_t lo = 0, hi = v->len, n = strlen(key);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const ctask_value *k = v->u.items[mid];
		int c = key_cmp(key, n, k->u.s, k->len);
		if (c == 0)
			return v->u.items[v->len + mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- Task arguments ------------------------------------------------------ */

size_t ctask_arg_count(const ctask_args *a)
{
	return a ? a->n : 0;
}

static const char *arg_fn(const ctask_args *a)
{
	return a && a->fn_name ? a->fn_name : who("ctask_arg");
}

/* Argument i (counted from 0, as the index the task passed); fails the task
 * if there is no such argument. */
ctask_value *ctask_arg(const ctask_args *a, size_t i)
{
	size_t n = ctask_arg_count(a);
	if (i >= n || !a->v || !a->v[i])
		ctask_ctx_failf(ctask_ctx_current(),
				"%s: argument %zu is missing (the task has %zu "
				"argument%s)",
				arg_fn(a), i, n, n == 1 ? "" : "s");
	return a->v[i];
}

static ctask_value *arg_typed(const ctask_args *a, size_t i, ctask_type t)
{
	ctask_value *v = ctask_arg(a, i);
	if (v->type != t)
		ctask_ctx_failf(ctask_ctx_current(),
				"%s: argument %zu is %s, expected %s",
				arg_fn(a), i, vtype(v), ctask_type_name(t));
	return v;
}

bool ctask_arg_bool(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_BOOL)->u.b;
}

int64_t ctask_arg_int(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_INT)->u.i;
}

double ctask_arg_double(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_DOUBLE)->u.d;
}

const char *ctask_arg_string(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_STRING)->u.s;
}

const void *ctask_arg_bytes(const ctask_args *a, size_t i, size_t *n)
{
	ctask_value *v = arg_typed(a, i, CTASK_T_BYTES);
	if (n)
		*n = v->len;
	return v->u.s;
}

ctask_value *ctask_arg_array(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_ARRAY);
}

ctask_value *ctask_arg_list(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_LIST);
}

ctask_value *ctask_arg_map(const ctask_args *a, size_t i)
{
	return arg_typed(a, i, CTASK_T_MAP);
}

/* ---- Floats -------------------------------------------------------------- */

/* The float16 bits of d if d (finite) is exactly a float16, else -1. With
 * d = k * 2^(E-10), float16 needs E in [-14, 15] and k a whole number. */
static int32_t to_half(double d)
{
	int32_t sign = signbit(d) ? 0x8000 : 0;
	double m = fabs(d);
	int e;
	if (m == 0)
		return sign;
	frexp(m, &e); /* m = f * 2^e with 0.5 <= f < 1 */
	int E = e - 1 < -14 ? -14 : e - 1;
	if (E > 15)
		return -1;
	double k = ldexp(m, 10 - E); /* exact: scaling by a power of two */
	if (k != (int32_t)k)	     /* k < 2048 here, so the cast is defined */
		return -1;
	if (k >= 1024) /* normal: implicit leading bit */
		return sign | (E + 15) << 10 | ((int32_t)k - 1024);
	return sign | (int32_t)k; /* subnormal, E == -14 */
}

static double from_half(uint16_t h)
{
	int exp = h >> 10 & 0x1f, frac = h & 0x3ff;
	double m;
	if (exp == 0)
		m = ldexp(frac, -24);
	else if (exp == 31)
		m = frac ? NAN : INFINITY;
	else
		m = ldexp(frac + 1024, exp - 25);
	return h & 0x8000 ? -m : m;
}

/* Writes the n low bytes of u big-endian after h[0]. */
static void put_be(uint8_t *h, uint64_t u, int n)
{
	for (int i = 0; i < n; i++)
		h[1 + i] = (uint8_t)(u >> (8 * (n - 1 - i)));
}

/* Writes d in its shortest exact form (f9/fa/fb + big-endian bits) to h
 * (9 bytes of room); returns the length. All NaNs become f9 7e00. */
static size_t double_put(uint8_t *h, double d)
{
	int32_t half = isnan(d)	  ? 0x7e00
		       : isinf(d) ? (signbit(d) ? 0xfc00 : 0x7c00)
				  : to_half(d);
	if (half >= 0) {
		h[0] = 0xf9;
		put_be(h, (uint64_t)half, 2);
		return 3;
	}
	/* The range check comes first: converting an out-of-range double to
	 * float is undefined behaviour. */
	if (fabs(d) <= FLT_MAX && (double)(float)d == d) {
		float f = (float)d;
		uint32_t u;
		memcpy(&u, &f, 4);
		h[0] = 0xfa;
		put_be(h, u, 4);
		return 5;
	}
	uint64_t u;
	memcpy(&u, &d, 8);
	h[0] = 0xfb;
	put_be(h, u, 8);
	return 9;
}

/* ---- Encoding ------------------------------------------------------------ */

static bool host_little_endian(void)
{
	const uint16_t one = 1;
	return *(const uint8_t *)&one == 1;
}

/* Copies count elements of size bytes, swapping byte order unless the host
 * is little-endian: the typed-array tags are the little-endian ones. The
 * same copy serves both directions. */
static void copy_le(uint8_t *dst, const uint8_t *src, size_t count, size_t size)
{
	if (host_little_endian() || size == 1) {
		if (count)
			memcpy(dst, src, count * size);
		return;
	}
	for (size_t i = 0; i < count; i++)
		for (size_t j = 0; j < size; j++)
			dst[i * size + j] = src[i * size + size - 1 - j];
}

/* Fails the current task if a list, map or array with depth containers
 * around it would be deeper than CTASK_MAX_DEPTH. The constructors keep
 * such values from being made; this guards the bytes all the same, so that
 * nothing unreadable is ever stored. */
static void check_depth(int depth)
{
	if (depth >= CTASK_MAX_DEPTH)
		ctask_ctx_failf(ctask_ctx_current(),
				"%s: value nested deeper than %d levels "
				"(CTASK_MAX_DEPTH)",
				who("ctask_value_encode"), CTASK_MAX_DEPTH);
}

/* tag 40 [[shape...], typed-array tag (bytes)] */
static void encode_array(const ctask_value *v, ctask_buf *b, int depth)
{
	size_t size = dtypes[v->dtype].size, n = v->len * size;
	check_depth(depth);
	put_head(b, 6, 40);
	put_head(b, 4, 2);
	put_head(b, 4, v->ndim);
	for (int i = 0; i < v->ndim; i++)
		put_head(b, 0, v->shape[i]);
	put_head(b, 6, dtypes[v->dtype].tag);
	put_head(b, 2, n);
	copy_le(ctask_buf_reserve(b, n), v->u.data, v->len, size);
	b->len += n;
}

static void encode(const ctask_value *v, ctask_buf *b, int depth);

/* Lists and maps: depth counts the containers around v, as in the decoder. */
static void encode_items(const ctask_value *v, ctask_buf *b, int depth)
{
	bool map = v->type == CTASK_T_MAP;
	check_depth(depth);
	put_head(b, map ? 5 : 4, v->len);
	for (size_t i = 0; i < v->len; i++) {
		encode(v->u.items[i], b, depth + 1);
		if (map) /* keys are stored sorted, then the values */
			encode(v->u.items[v->len + i], b, depth + 1);
	}
}

static void encode(const ctask_value *v, ctask_buf *b, int depth)
{
	uint8_t h[9];
	if (!v || v->type >= NTYPES ||
	    (v->type == CTASK_T_ARRAY && v->dtype >= NDTYPES))
		wrong_type("ctask_value_encode", v, "a value");
	switch (v->type) {
	case CTASK_T_NULL:
		ctask_buf_byte(b, 0xf6);
		break;
	case CTASK_T_BOOL:
		ctask_buf_byte(b, v->u.b ? 0xf5 : 0xf4);
		break;
	case CTASK_T_INT:
		/* major 1 holds -1 - i, which is ~i in two's complement */
		if (v->u.i >= 0)
			put_head(b, 0, (uint64_t)v->u.i);
		else
			put_head(b, 1, ~(uint64_t)v->u.i);
		break;
	case CTASK_T_DOUBLE:
		ctask_buf_append(b, h, double_put(h, v->u.d));
		break;
	case CTASK_T_STRING:
	case CTASK_T_BYTES:
		put_head(b, v->type == CTASK_T_STRING ? 3 : 2, v->len);
		ctask_buf_append(b, v->u.s, v->len);
		break;
	case CTASK_T_ARRAY:
		encode_array(v, b, depth);
		break;
	case CTASK_T_LIST:
	case CTASK_T_MAP:
		encode_items(v, b, depth);
		break;
	}
}

void ctask_value_encode(const ctask_value *v, ctask_buf *out)
{
	encode(v, out, 0);
}

/* ---- Decoding ------------------------------------------------------------ */

/* With a NULL arena the decoder only checks: values are not built, and
 * each one "made" is the sink, which holds just its type and depth until
 * the next is made (ctask_cbor_list_item). */
typedef struct {
	ctask_arena *a;
	const uint8_t *start, *p, *end;
	ctask_value sink;
} dec;

/* A new value of type t in d's arena, or the sink if d only checks. */
static ctask_value *dnew(dec *d, ctask_type t)
{
	if (d->a)
		return value_new(d->a, t);
	d->sink = (ctask_value){.type = (uint8_t)t};
	return &d->sink;
}

/* Sets the CTASK_ECORRUPT message, with the offset where decoding stopped,
 * and returns CTASK_ECORRUPT. */
static int bad(const dec *d, const char *fmt, ...) CTASK__PRINTF(2, 3);
static int bad(const dec *d, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ctask_error_set(CTASK_ECORRUPT, "corrupt value: %s at byte %zu",
			       msg, (size_t)(d->p - d->start));
}

static size_t left(const dec *d)
{
	return (size_t)(d->end - d->p);
}

/* Reads the head of an item of major type 0-6. Rejects indefinite lengths,
 * reserved additional information and arguments not in shortest form. */
static int get_head(dec *d, int *major, uint64_t *val)
{
	if (!left(d))
		return bad(d, "truncated");
	uint8_t info = *d->p & 31;
	*major = *d->p >> 5;
	if (info < 24) {
		*val = info;
		d->p++;
		return 0;
	}
	if (info > 27)
		return bad(d, info == 31 ? "indefinite length" : "bad head");
	size_t n = (size_t)1 << (info - 24);
	if (left(d) - 1 < n)
		return bad(d, "truncated");
	uint64_t v = 0;
	for (size_t i = 1; i <= n; i++)
		v = v << 8 | d->p[i];
	if (v < (n == 1 ? 24 : (uint64_t)1 << (4 * n)))
		return bad(d, "integer or length not in shortest form");
	d->p += 1 + n;
	*val = v;
	return 0;
}

/* Like get_head, but the major type must be want. */
static int get_head_of(dec *d, int want, uint64_t *val, const char *what)
{
	int major, rc = get_head(d, &major, val);
	if (rc)
		return rc;
	return major == want ? 0 : bad(d, "%s expected", what);
}

/* f4 f5 f6 and floats; a float must be in its shortest exact form. */
static int dec_simple(dec *d, ctask_value **out)
{
	uint8_t ib = *d->p, h[9];
	size_t n = ib == 0xf9 ? 3 : ib == 0xfa ? 5 : ib == 0xfb ? 9 : 1;
	if (ib >= 0xf4 && ib <= 0xf6) {
		*out = dnew(d, ib == 0xf6 ? CTASK_T_NULL : CTASK_T_BOOL);
		(*out)->u.b = ib == 0xf5;
		d->p++;
		return 0;
	}
	if (n == 1)
		return bad(d, "unsupported simple value 0x%02x", ib);
	if (left(d) < n)
		return bad(d, "truncated");
	uint64_t u = 0;
	for (size_t i = 1; i < n; i++)
		u = u << 8 | d->p[i];
	double x;
	if (n == 3) {
		x = from_half((uint16_t)u);
	} else if (n == 5) {
		uint32_t u32 = (uint32_t)u;
		float f;
		memcpy(&f, &u32, 4);
		x = f;
	} else {
		memcpy(&x, &u, 8);
	}
	if (double_put(h, x) != n || memcmp(h, d->p, n) != 0)
		return bad(d, "float not in shortest form");
	*out = dnew(d, CTASK_T_DOUBLE);
	(*out)->u.d = x;
	d->p += n;
	return 0;
}

static int dec_string(dec *d, int major, uint64_t n, ctask_value **out)
{
	if (n > left(d))
		return bad(d, "truncated");
	if (major == 3 && !ctask_utf8_valid((const char *)d->p, n))
		return bad(d, "string is not valid UTF-8");
	ctask_type t = major == 3 ? CTASK_T_STRING : CTASK_T_BYTES;
	*out = d->a ? str_new(d->a, t, d->p, n) : dnew(d, t);
	d->p += n;
	return 0;
}

/* The dtype whose typed-array tag is tag, or -1. */
static int dtype_of_tag(uint64_t tag)
{
	for (size_t i = 0; i < NDTYPES; i++)
		if (dtypes[i].tag == tag)
			return (int)i;
	return -1;
}

/* The part after tag 40: [[shape...], typed-array tag (bytes)]; the array
 * is one level, with depth containers around it. The elements are copied
 * so that they are aligned (and in host order). */
static int dec_array(dec *d, int depth, ctask_value **out)
{
	uint64_t n, ndim, tag;
	size_t shape[CTASK_MAX_DIMS], count;
	if (depth >= CTASK_MAX_DEPTH)
		return bad(d, "nested deeper than %d levels", CTASK_MAX_DEPTH);
	int rc = get_head_of(d, 4, &n, "array list");
	if (!rc && n != 2)
		rc = bad(d, "tag 40 must hold a list of two items");
	if (!rc)
		rc = get_head_of(d, 4, &ndim, "array shape");
	if (!rc && ndim > CTASK_MAX_DIMS)
		rc = bad(d, "array has more than %d dimensions",
			 CTASK_MAX_DIMS);
	for (size_t i = 0; !rc && i < ndim; i++) {
		rc = get_head_of(d, 0, &n, "array dimension");
		if (!rc && n > SIZE_MAX)
			rc = bad(d, "array dimension too large");
		shape[i] = (size_t)n;
	}
	if (!rc)
		rc = get_head_of(d, 6, &tag, "typed-array tag");
	if (rc)
		return rc;
	int dt = dtype_of_tag(tag);
	if (dt < 0)
		return bad(d, "unknown typed-array tag %" PRIu64, tag);
	size_t size = dtypes[dt].size;
	if ((rc = get_head_of(d, 2, &n, "typed-array bytes")))
		return rc;
	if (n > left(d))
		return bad(d, "truncated");
	if (n % size)
		return bad(d,
			   "typed array of %" PRIu64 " bytes is not a "
			   "multiple of %zu",
			   n, size);
	if (!shape_count(shape, (int)ndim, size, &count) || count * size != n)
		return bad(d,
			   "typed array of %" PRIu64 " bytes does not "
			   "match its shape",
			   n);
	if (d->a) {
		*out = array_new(d->a, (ctask_dtype)dt, (int)ndim, shape,
				 count);
		copy_le((*out)->u.data, d->p, count, size);
	} else {
		*out = dnew(d, CTASK_T_ARRAY);
		(*out)->depth = 1;
	}
	d->p += n;
	return 0;
}

static int dec_value(dec *d, int depth, ctask_value **out);

/* n items of a list (or 2n of a map: keys, which must be text strings in
 * strictly increasing encoded order, then values); the list or map is one
 * level, with depth containers around it. */
static int dec_items(dec *d, int depth, bool map, uint64_t n, ctask_value **out)
{
	if (depth >= CTASK_MAX_DEPTH)
		return bad(d, "nested deeper than %d levels", CTASK_MAX_DEPTH);
	if (n > left(d) / (map ? 2 : 1)) /* each item takes a byte or more */
		return bad(d, "truncated");
	size_t len = (size_t)n;
	ctask_value **items = NULL, *sink = NULL; /* items: in d's arena */
	if (d->a)
		items = ctask_arena_alloc(d->a,
					  (map ? 2 : 1) * len * sizeof *items);
	const uint8_t *prev = NULL; /* the previous key's encoding */
	size_t prev_n = 0;
	int deepest = 0;
	for (size_t i = 0; i < len; i++) {
		const uint8_t *key = d->p;
		ctask_value **slot = items ? &items[i] : &sink;
		int rc;
		if (map && left(d) && *d->p >> 5 != 3)
			return bad(d, "map key is not a text string");
		if ((rc = dec_value(d, depth + 1, slot)))
			return rc;
		if (map) {
			size_t key_n = (size_t)(d->p - key);
			int c = prev ? span_cmp(prev, prev_n, key, key_n) : -1;
			if (c >= 0)
				return bad(d, c ? "map keys out of order"
						: "duplicate map key");
			prev = key;
			prev_n = key_n;
			slot = items ? &items[len + i] : &sink;
			if ((rc = dec_value(d, depth + 1, slot)))
				return rc;
		}
		if ((*slot)->depth > deepest)
			deepest = (*slot)->depth;
	}
	ctask_value *v = dnew(d, map ? CTASK_T_MAP : CTASK_T_LIST);
	v->len = len;
	v->u.items = items;
	v->depth = (uint16_t)(deepest + 1);
	*out = v;
	return 0;
}

/* One value at d->p; depth counts the lists, maps and arrays around it. */
static int dec_value(dec *d, int depth, ctask_value **out)
{
	int major, rc;
	uint64_t val;
	if (!left(d))
		return bad(d, "truncated");
	if (*d->p >> 5 == 7)
		return dec_simple(d, out);
	if ((rc = get_head(d, &major, &val)))
		return rc;
	switch (major) {
	case 0:
	case 1:
		if (val > INT64_MAX)
			return bad(d, "integer out of the int64 range");
		*out = dnew(d, CTASK_T_INT);
		(*out)->u.i = major == 0 ? (int64_t)val : -1 - (int64_t)val;
		return 0;
	case 2:
	case 3:
		return dec_string(d, major, val, out);
	case 4:
	case 5:
		return dec_items(d, depth, major == 5, val, out);
	default: /* 6: the only tag allowed here is 40, a typed array */
		if (val != 40)
			return bad(d, "unknown tag %" PRIu64, val);
		return dec_array(d, depth, out);
	}
}

/* On error the arena may hold parts of the value; they are freed with it. */
int ctask_value_decode(ctask_arena *a, const uint8_t *p, size_t n,
		       ctask_value **out)
{
	static const uint8_t none[1];
	dec d = {a, p ? p : none, p ? p : none, p ? p + n : none, {0}};
	ctask_value *v;
	int rc = dec_value(&d, 0, &v);
	if (rc)
		return rc;
	if (d.p != d.end)
		return bad(&d, "trailing bytes");
	*out = v;
	return 0;
}

/* ---- JSON ---------------------------------------------------------------- */

/* The shortest of %.{lo..hi}g that reads back as d (a float32 element when
 * single), so 0.1 prints as 0.1; whole numbers get ".0" so they still read
 * as doubles. Non-finite values are strings: JSON has no such numbers. */
static void json_real(FILE *f, double d, bool single)
{
	char s[40];
	if (isnan(d)) {
		fputs("\"NaN\"", f);
		return;
	}
	if (isinf(d)) {
		fputs(d > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
		return;
	}
	for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
		snprintf(s, sizeof s, "%.*g", prec, d);
		if (single ? strtof(s, NULL) == (float)d : strtod(s, NULL) == d)
			break;
	}
	fputs(s, f);
	if (!strpbrk(s, ".e"))
		fputs(".0", f);
}

/* Element i of an array, as a JSON number. */
static void json_elem(FILE *f, const ctask_value *v, size_t i)
{
	const uint8_t *p =
		(const uint8_t *)v->u.data + i * dtypes[v->dtype].size;
	union {
		int8_t i8;
		uint8_t u8;
		int16_t i16;
		uint16_t u16;
		int32_t i32;
		uint32_t u32;
		int64_t i64;
		uint64_t u64;
		float f32;
		double f64;
	} e;
	memcpy(&e, p, dtypes[v->dtype].size);
	switch (v->dtype) {
	case CTASK_INT8:
		fprintf(f, "%d", e.i8);
		break;
	case CTASK_UINT8:
		fprintf(f, "%u", e.u8);
		break;
	case CTASK_INT16:
		fprintf(f, "%d", e.i16);
		break;
	case CTASK_UINT16:
		fprintf(f, "%u", e.u16);
		break;
	case CTASK_INT32:
		fprintf(f, "%" PRId32, e.i32);
		break;
	case CTASK_UINT32:
		fprintf(f, "%" PRIu32, e.u32);
		break;
	case CTASK_INT64:
		fprintf(f, "%" PRId64, e.i64);
		break;
	case CTASK_UINT64:
		fprintf(f, "%" PRIu64, e.u64);
		break;
	case CTASK_FLOAT32:
		json_real(f, e.f32, true);
		break;
	default:
		json_real(f, e.f64, false);
		break;
	}
}

static void json_array(FILE *f, const ctask_value *v, size_t max_items)
{
	fprintf(f, "{\"dtype\":\"%s\",\"shape\":[", dtypes[v->dtype].name);
	for (int i = 0; i < v->ndim; i++)
		fprintf(f, "%s%zu", i ? "," : "", v->shape[i]);
	fputc(']', f);
	if (v->len <= max_items) {
		fputs(",\"data\":[", f);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				fputc(',', f);
			json_elem(f, v, i);
		}
		fputc(']', f);
	}
	fputc('}', f);
}

static void json_bytes(FILE *f, const ctask_value *v)
{
	fprintf(f, "{\"bytes\":%zu", v->len);
	if (v->len <= JSON_MAX_HEX) {
		fputs(",\"hex\":\"", f);
		for (size_t i = 0; i < v->len; i++)
			fprintf(f, "%02x", (uint8_t)v->u.s[i]);
		fputc('"', f);
	}
	fputc('}', f);
}

static void json_items(FILE *f, const ctask_value *v, size_t max_items)
{
	bool map = v->type == CTASK_T_MAP;
	fputc(map ? '{' : '[', f);
	for (size_t i = 0; i < v->len; i++) {
		if (i)
			fputc(',', f);
		ctask_value_json(v->u.items[i], f, max_items);
		if (map) {
			fputc(':', f);
			ctask_value_json(v->u.items[v->len + i], f, max_items);
		}
	}
	fputc(map ? '}' : ']', f);
}

void ctask_value_json(const ctask_value *v, FILE *f, size_t max_array_items)
{
	if (!v || v->type >= NTYPES ||
	    (v->type == CTASK_T_ARRAY && v->dtype >= NDTYPES)) {
		fputs("null", f); /* not a value: nothing better to show */
		return;
	}
	switch (v->type) {
	case CTASK_T_NULL:
		fputs("null", f);
		break;
	case CTASK_T_BOOL:
		fputs(v->u.b ? "true" : "false", f);
		break;
	case CTASK_T_INT:
		fprintf(f, "%" PRId64, v->u.i);
		break;
	case CTASK_T_DOUBLE:
		json_real(f, v->u.d, false);
		break;
	case CTASK_T_STRING:
		ctask_json_string(f, v->u.s, v->len);
		break;
	case CTASK_T_BYTES:
		json_bytes(f, v);
		break;
	case CTASK_T_ARRAY:
		json_array(f, v, max_array_items);
		break;
	default:
		json_items(f, v, max_array_items);
		break;
	}
}

/* ---- Slicing without decoding -------------------------------------------- */

/* Moves d->p past one value with depth containers around it, reading only
 * its structure: heads and lengths as get_head reads them, and levels
 * counted as dec_value counts them (an array is checked whole: that costs
 * no more than its head), but neither strings' UTF-8, floats' form nor map
 * keys. So whatever dec_value accepts, this passes over, several times
 * faster than dec_value's checks on strings and floats (a part of a long
 * list is found by passing over the items before it). d has no arena. */
static int skip_value(dec *d, int depth)
{
	int major, rc;
	uint64_t val;
	if (!left(d))
		return bad(d, "truncated");
	if (*d->p >> 5 == 7) { /* simple values and floats */
		uint8_t ib = *d->p;
		size_t n = ib == 0xf9 ? 3 : ib == 0xfa ? 5 : ib == 0xfb ? 9 : 1;
		if (left(d) < n)
			return bad(d, "truncated");
		d->p += n;
		return 0;
	}
	if ((rc = get_head(d, &major, &val)))
		return rc;
	switch (major) {
	case 0:
	case 1:
		return 0;
	case 2:
	case 3:
		if (val > left(d))
			return bad(d, "truncated");
		d->p += val;
		return 0;
	case 4:
	case 5:
		if (depth >= CTASK_MAX_DEPTH)
			return bad(d, "nested deeper than %d levels",
				   CTASK_MAX_DEPTH);
		if (val > left(d) / (major == 5 ? 2 : 1))
			return bad(d, "truncated");
		for (uint64_t k = 0; k < (major == 5 ? 2 : 1) * val; k++)
			if ((rc = skip_value(d, depth + 1)))
				return rc;
		return 0;
	default: {
		ctask_value *sink;
		if (val != 40)
			return bad(d, "unknown tag %" PRIu64, val);
		return dec_array(d, depth, &sink);
	}
	}
}

/* Items before i are passed over by their structure (skip_value); item i
 * is checked by the decoder itself, without an arena, so that what counts
 * as a level, and what is corrupt, has one definition. */
int ctask_cbor_list_item(const uint8_t *p, size_t n, size_t i,
			 const uint8_t **item, size_t *item_n)
{
	if (n == 0 || p[0] >> 5 != 4) {
		const char *t = n == 0 ? "empty" : "not a list";
		return ctask_error_set(
			CTASK_EINVALID,
			"the result is %s, so it has no item %zu", t, i);
	}
	dec d = {NULL, p, p, p + n, {0}};
	uint64_t count;
	ctask_value *v;
	int rc = get_head_of(&d, 4, &count, "list");
	if (rc)
		return rc;
	if (i >= count)
		return ctask_error_set(CTASK_EINVALID,
				       "the result is a list of %" PRIu64
				       ", so it has no item %zu",
				       count, i);
	/* The list is a level around its items, as when it is decoded. */
	for (size_t k = 0; k < i; k++)
		if ((rc = skip_value(&d, 1)))
			return rc;
	const uint8_t *start = d.p;
	if ((rc = dec_value(&d, 1, &v)))
		return rc;
	*item = start;
	*item_n = (size_t)(d.p - start);
	return 0;
}
