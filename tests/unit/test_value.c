/*
 * test_value.c - values: CBOR bytes, round trips, strict decoding, accessor
 * failures, JSON; plus the arena and buffer they are built on.
 */
#include "test.h"

#include "arena.h"
#include "buf.h"
#include "ctx.h"
#include "error.h"
#include "value.h"

#include <math.h>
#include <signal.h>

/* ---- Helpers ------------------------------------------------------------- */

/* A context for building values outside any task; leaked on purpose (each
 * test runs in its own process). */
static ctask_ctx *mkcx(const char *name)
{
	ctask_ctx *cx = calloc(1, sizeof *cx);
	cx->arena = ctask_arena_new();
	cx->name = name;
	return cx;
}

/* The encoding of v as lowercase hex (malloc'd). */
static char *hex_of(const ctask_value *v)
{
	ctask_buf b = {0};
	ctask_value_encode(v, &b);
	char *s = malloc(2 * b.len + 1);
	for (size_t i = 0; i < b.len; i++)
		sprintf(s + 2 * i, "%02x", b.p[i]);
	s[2 * b.len] = '\0';
	ctask_buf_free(&b);
	return s;
}

/* hex -> bytes in a malloc'd buffer; spaces are ignored. */
static uint8_t *unhex(const char *h, size_t *n)
{
	uint8_t *p = malloc(strlen(h) / 2 + 1);
	size_t k = 0;
	unsigned x;
	while (*h) {
		if (*h == ' ') {
			h++;
			continue;
		}
		ASSERT(sscanf(h, "%2x", &x) == 1);
		p[k++] = (uint8_t)x;
		h += 2;
	}
	*n = k;
	return p;
}

static int decode_hex(ctask_arena *a, const char *h, ctask_value **out)
{
	size_t n;
	uint8_t *p = unhex(h, &n);
	int rc = ctask_value_decode(a, p, n, out);
	free(p);
	return rc;
}

#define ASSERT_HEX(v, h)                                                       \
	do {                                                                   \
		char *s_ = hex_of(v);                                          \
		ASSERT_STR(s_, h);                                             \
		free(s_);                                                      \
	} while (0)

/* Encodes v, decodes it, and checks the result encodes to the same bytes.
 * Returns the decoded value. */
static ctask_value *roundtrip(ctask_ctx *cx, const ctask_value *v)
{
	ctask_buf b = {0}, b2 = {0};
	ctask_value *out = NULL;
	ctask_value_encode(v, &b);
	int rc = ctask_value_decode(cx->arena, b.p, b.len, &out);
	if (rc)
		TFAIL("decode failed: %s", ctask_error_last());
	ctask_value_encode(out, &b2);
	ASSERT_EQ(b.len, b2.len);
	ASSERT_MEM(b.p, b2.p, b.len);
	ctask_buf_free(&b);
	ctask_buf_free(&b2);
	return out;
}

static char *json_of(const ctask_value *v, size_t max_items)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	ctask_value_json(v, f, max_items);
	fclose(f);
	return s;
}

#define ASSERT_JSON(v, max, want)                                              \
	do {                                                                   \
		char *s_ = json_of(v, max);                                    \
		ASSERT_STR(s_, want);                                          \
		free(s_);                                                      \
	} while (0)

/* A 2x3 float64 array 1, 2.5, 3, 4, 5, 6. */
static ctask_value *array_2x3(ctask_ctx *cx)
{
	size_t shape[] = {2, 3};
	double *d;
	ctask_value *v =
		ctask_make_array(cx, CTASK_FLOAT64, 2, shape, (void **)&d);
	for (int i = 0; i < 6; i++)
		d[i] = i == 1 ? 2.5 : i + 1;
	return v;
}

/* A 0-d int32 array holding 7. */
static ctask_value *array_0d(ctask_ctx *cx)
{
	int32_t *d;
	ctask_value *v =
		ctask_make_array(cx, CTASK_INT32, 0, NULL, (void **)&d);
	*d = 7;
	return v;
}

static ctask_value *map2(ctask_ctx *cx, const char *k1, ctask_value *v1,
			 const char *k2, ctask_value *v2)
{
	const char *keys[] = {k1, k2};
	ctask_value *vals[] = {v1, v2};
	return ctask_make_map(cx, 2, keys, vals);
}

/* ---- Encoding ------------------------------------------------------------ */

TEST(encode_ints)
{
	ctask_ctx *cx = mkcx("test");
	ASSERT_HEX(ctask_make_int(cx, 0), "00");
	ASSERT_HEX(ctask_make_int(cx, 23), "17");
	ASSERT_HEX(ctask_make_int(cx, 24), "1818");
	ASSERT_HEX(ctask_make_int(cx, 255), "18ff");
	ASSERT_HEX(ctask_make_int(cx, 256), "190100");
	ASSERT_HEX(ctask_make_int(cx, 65536), "1a00010000");
	ASSERT_HEX(ctask_make_int(cx, 1000000), "1a000f4240");
	ASSERT_HEX(ctask_make_int(cx, 4294967296), "1b0000000100000000");
	ASSERT_HEX(ctask_make_int(cx, -1), "20");
	ASSERT_HEX(ctask_make_int(cx, -24), "37");
	ASSERT_HEX(ctask_make_int(cx, -25), "3818");
	ASSERT_HEX(ctask_make_int(cx, INT64_MAX), "1b7fffffffffffffff");
	ASSERT_HEX(ctask_make_int(cx, INT64_MIN), "3b7fffffffffffffff");
}

TEST(encode_floats)
{
	ctask_ctx *cx = mkcx("test");
	ASSERT_HEX(ctask_make_double(cx, 1.5), "f93e00");
	ASSERT_HEX(ctask_make_double(cx, 1.0), "f93c00");
	ASSERT_HEX(ctask_make_double(cx, 0.0), "f90000");
	ASSERT_HEX(ctask_make_double(cx, -0.0), "f98000");
	ASSERT_HEX(ctask_make_double(cx, 65504.0), "f97bff");
	ASSERT_HEX(ctask_make_double(cx, ldexp(1, -24)), "f90001");
	ASSERT_HEX(ctask_make_double(cx, ldexp(1, -14)), "f90400");
	ASSERT_HEX(ctask_make_double(cx, -4.0), "f9c400");
	ASSERT_HEX(ctask_make_double(cx, NAN), "f97e00");
	ASSERT_HEX(ctask_make_double(cx, -NAN), "f97e00");
	ASSERT_HEX(ctask_make_double(cx, INFINITY), "f97c00");
	ASSERT_HEX(ctask_make_double(cx, -INFINITY), "f9fc00");
	ASSERT_HEX(ctask_make_double(cx, 100000.0), "fa47c35000");
	ASSERT_HEX(ctask_make_double(cx, 65536.0), "fa47800000");
	ASSERT_HEX(ctask_make_double(cx, ldexp(1, -25)), "fa33000000");
	ASSERT_HEX(ctask_make_double(cx, ldexp(1, -149)), "fa00000001");
	ASSERT_HEX(ctask_make_double(cx, 3.4028234663852886e+38), "fa7f7fffff");
	ASSERT_HEX(ctask_make_double(cx, 0.1), "fb3fb999999999999a");
	ASSERT_HEX(ctask_make_double(cx, ldexp(1, -150)), "fb3690000000000000");
	ASSERT_HEX(ctask_make_double(cx, 1e300), "fb7e37e43c8800759c");
}

TEST(encode_others)
{
	ctask_ctx *cx = mkcx("test");
	ASSERT_HEX(ctask_make_null(cx), "f6");
	ASSERT_HEX(ctask_make_bool(cx, true), "f5");
	ASSERT_HEX(ctask_make_bool(cx, false), "f4");
	ASSERT_HEX(ctask_make_string(cx, "a"), "6161");
	ASSERT_HEX(ctask_make_string(cx, ""), "60");
	ASSERT_HEX(ctask_make_string(cx, "\xc3\xbc"), "62c3bc");
	ASSERT_HEX(ctask_make_bytes(cx, "\x01\x02", 2), "420102");
	ASSERT_HEX(ctask_make_bytes(cx, NULL, 0), "40");
	ASSERT_HEX(ctask_make_list(cx, 0, NULL), "80");
	ctask_value *items[] = {ctask_make_int(cx, 1),
				ctask_make_string(cx, "a")};
	ASSERT_HEX(ctask_make_list(cx, 2, items), "82016161");
	ASSERT_HEX(ctask_make_map(cx, 0, NULL, NULL), "a0");
}

TEST(encode_map_order)
{
	ctask_ctx *cx = mkcx("test");
	/* "b" encodes shorter than "aa", so it sorts first */
	ctask_value *m = map2(cx, "aa", ctask_make_int(cx, 2), "b",
			      ctask_make_int(cx, 1));
	ASSERT_HEX(m, "a261620162616102");
	ASSERT_STR(ctask_map_key(m, 0), "b");
	ASSERT_STR(ctask_map_key(m, 1), "aa");
	ASSERT_EQ(ctask_value_int(ctask_map_value(m, 1)), 2);
	ASSERT_EQ(ctask_value_int(ctask_map_get(m, "b")), 1);
	ASSERT_EQ(ctask_value_int(ctask_map_get(m, "aa")), 2);
	ASSERT(ctask_map_get(m, "a") == NULL);
	ASSERT(ctask_map_get(m, "ab") == NULL);
	ASSERT(ctask_map_get(m, NULL) == NULL);
	/* 24-byte keys have a two-byte head and sort after all shorter keys */
	const char *k24 = "aaaaaaaaaaaaaaaaaaaaaaaa";
	ctask_value *m2 =
		map2(cx, k24, ctask_make_null(cx), "zz", ctask_make_null(cx));
	ASSERT_STR(ctask_map_key(m2, 0), "zz");
	ASSERT(ctask_map_get(m2, k24) != NULL);
}

TEST(encode_arrays)
{
	ctask_ctx *cx = mkcx("test");
	ASSERT_HEX(array_2x3(cx), "d828828202"
				  "03d8565830"
				  "000000000000f03f"
				  "0000000000000440"
				  "0000000000000840"
				  "0000000000001040"
				  "0000000000001440"
				  "0000000000001840");
	ASSERT_HEX(array_0d(cx), "d8288280d84e4407000000");
	size_t shape[] = {0};
	ASSERT_HEX(ctask_make_array(cx, CTASK_UINT8, 1, shape, NULL),
		   "d8288281"
		   "00d84040");
}

/* ---- Round trips --------------------------------------------------------- */

TEST(roundtrip_scalars)
{
	ctask_ctx *cx = mkcx("test");
	int64_t ints[] = {0,	     1,	       23,    24,	  255,
			  256,	     65535,    65536, -1,	  -24,
			  -25,	     -256,     -257,  4294967295, 4294967296,
			  INT64_MAX, INT64_MIN};
	for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
		ctask_value *v = roundtrip(cx, ctask_make_int(cx, ints[i]));
		ASSERT_EQ(ctask_value_int(v), ints[i]);
	}
	double ds[] = {0.0,
		       1.5,
		       0.1,
		       100000.0,
		       65504.0,
		       1e300,
		       -1e-300,
		       ldexp(1, -24),
		       ldexp(1, -149),
		       ldexp(1, -1074),
		       INFINITY,
		       -INFINITY,
		       3.4028234663852886e+38};
	for (size_t i = 0; i < sizeof ds / sizeof ds[0]; i++) {
		ctask_value *v = roundtrip(cx, ctask_make_double(cx, ds[i]));
		ASSERT(ctask_value_double(v) == ds[i]);
	}
	ASSERT(isnan(
		ctask_value_double(roundtrip(cx, ctask_make_double(cx, NAN)))));
	ASSERT(signbit(ctask_value_double(
		roundtrip(cx, ctask_make_double(cx, -0.0)))));
	ASSERT_EQ(ctask_value_type(roundtrip(cx, ctask_make_null(cx))),
		  CTASK_T_NULL);
	ASSERT(ctask_value_bool(roundtrip(cx, ctask_make_bool(cx, true))));
	ASSERT(!ctask_value_bool(roundtrip(cx, ctask_make_bool(cx, false))));
}

TEST(roundtrip_strings)
{
	ctask_ctx *cx = mkcx("test");
	const char *s = "h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80";
	ctask_value *v = roundtrip(cx, ctask_make_string(cx, s));
	ASSERT_STR(ctask_value_string(v), s);
	ASSERT_EQ(ctask_value_len(v), strlen(s));
	ASSERT_EQ(v->u.s[v->len], '\0');
	char big[300];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	v = roundtrip(cx, ctask_make_string(cx, big));
	ASSERT_STR(ctask_value_string(v), big);
	size_t n;
	v = roundtrip(cx, ctask_make_bytes(cx, "\x00\xff\x00", 3));
	ASSERT_MEM(ctask_value_bytes(v, &n), "\x00\xff\x00", 3);
	ASSERT_EQ(n, 3);
	ASSERT_EQ(ctask_value_len(v), 3);
}

TEST(roundtrip_arrays)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *v = roundtrip(cx, array_2x3(cx));
	ASSERT_EQ(ctask_array_dtype(v), CTASK_FLOAT64);
	ASSERT_EQ(ctask_array_ndim(v), 2);
	ASSERT_EQ(ctask_array_shape(v)[0], 2);
	ASSERT_EQ(ctask_array_shape(v)[1], 3);
	ASSERT_EQ(ctask_array_count(v), 6);
	ASSERT_EQ(ctask_value_len(v), 6);
	const double *d = ctask_array_data(v);
	ASSERT_EQ((uintptr_t)d % 16, 0);
	ASSERT(d[0] == 1.0 && d[1] == 2.5 && d[5] == 6.0);

	v = roundtrip(cx, array_0d(cx));
	ASSERT_EQ(ctask_array_ndim(v), 0);
	ASSERT_EQ(ctask_array_count(v), 1);
	ASSERT_EQ(*(const int32_t *)ctask_array_data(v), 7);

	/* every dtype, and one with a byte at an odd offset in the input */
	for (int dt = CTASK_INT8; dt <= CTASK_FLOAT64; dt++) {
		size_t shape[] = {3};
		uint8_t *p;
		ctask_value *a = ctask_make_array(cx, (ctask_dtype)dt, 1, shape,
						  (void **)&p);
		for (size_t i = 0; i < 3 * ctask_dtype_size(dt); i++)
			p[i] = (uint8_t)(i * 7 + 1);
		v = roundtrip(cx, a);
		ASSERT_EQ(ctask_array_dtype(v), dt);
		ASSERT_EQ((uintptr_t)ctask_array_data(v) % 16, 0);
		ASSERT_MEM(ctask_array_data(v), p, 3 * ctask_dtype_size(dt));
	}
}

TEST(roundtrip_nested)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *inner[] = {ctask_make_double(cx, 2.5), ctask_make_null(cx),
				array_0d(cx)};
	ctask_value *list = ctask_make_list(cx, 3, inner);
	ctask_value *m = map2(cx, "list", list, "arr", array_2x3(cx));
	ctask_value *outer[] = {m, ctask_make_list(cx, 0, NULL),
				ctask_make_map(cx, 0, NULL, NULL),
				ctask_make_string(cx, ""),
				ctask_make_bytes(cx, "", 0)};
	ctask_value *v = roundtrip(cx, ctask_make_list(cx, 5, outer));
	ASSERT_EQ(ctask_value_len(v), 5);
	ctask_value *m2 = ctask_list_get(v, 0);
	ASSERT_EQ(ctask_value_len(m2), 2);
	ASSERT_STR(ctask_map_key(m2, 0), "arr");
	ctask_value *l2 = ctask_map_get(m2, "list");
	ASSERT(ctask_value_double(ctask_list_get(l2, 0)) == 2.5);
	ASSERT_EQ(ctask_array_count(ctask_list_get(l2, 2)), 1);
	ASSERT_EQ(ctask_value_len(ctask_list_get(v, 1)), 0);
	ASSERT_EQ(ctask_value_len(ctask_list_get(v, 2)), 0);
}

/* ---- Strict decoding ----------------------------------------------------- */

TEST(decode_rejects)
{
	static const char *bad[] = {
		"",		      /* empty */
		"1800",		      /* 0 in a two-byte head */
		"190017",	      /* 23 in a three-byte head */
		"1a0000ffff",	      /* 65535 in a five-byte head */
		"1b00000000ffffffff", /* 2^32-1 in a nine-byte head */
		"3800",		      /* -1 in a two-byte head */
		"0000",		      /* trailing byte */
		"1901",		      /* truncated head */
		"6261",		      /* truncated string */
		"8201",		      /* truncated list */
		"61ff",		      /* bad UTF-8 */
		"62c0af",	      /* overlong UTF-8 */
		"63eda080",	      /* surrogate */
		"a2616201616102",     /* keys out of order {"b","a"} */
		"a2626161016162 02",  /* {"aa","b"}: longer key first */
		"a2616101616102",     /* duplicate key */
		"a10101",	      /* integer key */
		"9fff",		      /* indefinite list */
		"5f40ff",	      /* indefinite bytes */
		"1c",		      /* reserved additional information */
		"1b8000000000000000", /* above INT64_MAX */
		"3b8000000000000000", /* below INT64_MIN */
		"c100",		      /* unknown tag */
		"d8ff00",	      /* unknown tag */
		"f7",		      /* undefined */
		"e0",		      /* simple value 0 */
		"f818",		      /* two-byte simple value */
		"fa3fc00000",	      /* 1.5 as float32 */
		"fb3ff8000000000000", /* 1.5 as float64 */
		"fa47c35000 00",      /* trailing after a float */
		"fb40f86a0000000000", /* 100000.0 as float64 */
		"f97e01",	      /* NaN with a payload */
		"fa7fc00000",	      /* NaN as float32 */
		"f93c",		      /* truncated float */
		"d8288281 03d84e4400000000", /* 4 bytes for 3 int32 */
		"d8288281 01d84e43000000",   /* not a multiple of 4 */
		"d8288281 01d84f4400000000", /* int64 with 4 bytes */
		"d8288281 01d8574100",	     /* unknown typed-array tag */
		"d8288381 01d840410000",     /* tag 40 over 3 items */
		"d828828101 4100",	     /* no typed-array tag */
		("d82882 89010101010101010101 d84049"
		 "000000000000000000"),	 /* 9 dimensions */
		"d8288281 1801d8404101", /* non-shortest dimension */
		"d8288281 01d84041",	 /* truncated elements */
		"d82801",		 /* tag 40 over an int */
	};
	ctask_arena *a = ctask_arena_new();
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ctask_value *v = NULL;
		int rc = decode_hex(a, bad[i], &v);
		if (rc != CTASK_ECORRUPT)
			TFAIL("accepted %s (rc %d)", bad[i], rc);
		ASSERT(v == NULL);
		ASSERT(strncmp(ctask_error_last(), "corrupt value: ", 15) == 0);
	}
	ctask_value *v = NULL;
	ASSERT_EQ(ctask_value_decode(a, NULL, 0, &v), CTASK_ECORRUPT);
	ASSERT_STR(ctask_error_last(), "corrupt value: truncated at byte 0");
	ASSERT_EQ(decode_hex(a, "0000", &v), CTASK_ECORRUPT);
	ASSERT_STR(ctask_error_last(),
		   "corrupt value: trailing bytes at byte 1");
	ctask_arena_free(a);
}

/* Every float16 is its own shortest form, except NaNs other than 7e00. */
TEST(decode_all_float16)
{
	ctask_arena *a = ctask_arena_new();
	for (unsigned h = 0; h < 0x10000; h++) {
		uint8_t in[3] = {0xf9, (uint8_t)(h >> 8), (uint8_t)h};
		bool nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff);
		ctask_value *v;
		int rc = ctask_value_decode(a, in, 3, &v);
		if (nan && h != 0x7e00) {
			ASSERT_EQ(rc, CTASK_ECORRUPT);
			continue;
		}
		ASSERT_EQ(rc, 0);
		ctask_buf b = {0};
		ctask_value_encode(v, &b);
		ASSERT_EQ(b.len, 3);
		ASSERT_MEM(b.p, in, 3);
		ctask_buf_free(&b);
	}
	ctask_arena_free(a);
}

/* Nested lists: 512 levels are accepted, 513 are not. */
TEST(decode_depth)
{
	ctask_arena *a = ctask_arena_new();
	uint8_t buf[600];
	ctask_value *v;
	memset(buf, 0x81, sizeof buf);
	buf[512] = 0x00;
	ASSERT_EQ(ctask_value_decode(a, buf, 513, &v), 0);
	buf[512] = 0x81;
	buf[513] = 0x00;
	ASSERT_EQ(ctask_value_decode(a, buf, 514, &v), CTASK_ECORRUPT);
	ASSERT(strstr(ctask_error_last(), "nested deeper than 512") != NULL);
	ctask_arena_free(a);
}

/* Decoding never reads past the input: every prefix of a valid encoding is
 * rejected (ASan checks the reads). */
TEST(decode_prefixes)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *m =
		map2(cx, "a", array_2x3(cx), "b", ctask_make_double(cx, 0.1));
	ctask_buf b = {0};
	ctask_value_encode(m, &b);
	for (size_t n = 0; n < b.len; n++) {
		uint8_t *p = malloc(n ? n : 1);
		memcpy(p, b.p, n);
		ctask_value *v = NULL;
		ASSERT_EQ(ctask_value_decode(cx->arena, p, n, &v),
			  CTASK_ECORRUPT);
		free(p);
	}
	ctask_buf_free(&b);
}

/* ---- Failures ------------------------------------------------------------ */

static ctask_value *input; /* what the failing tasks below work on */

/* Runs fn as task name with args a and checks it fails with message msg. */
static void expect_fail(const char *name, ctask_fn fn, const ctask_args *a,
			const char *msg)
{
	ctask_ctx cx = {.arena = ctask_arena_new(), .name = name};
	ctask_value *out = NULL;
	ASSERT_EQ(ctask_ctx_run(&cx, fn, a, &out), CTASK_ETASKFAIL);
	ASSERT_STR(cx.message, msg);
	ASSERT(ctask_ctx_current() == NULL);
	ctask_arena_free(cx.arena);
}

static ctask_value *t_int(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_int(cx, ctask_value_int(input));
}

static ctask_value *t_len(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_int(cx, (int64_t)ctask_value_len(input));
}

static ctask_value *t_get5(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx;
	(void)a;
	return ctask_list_get(input, 5);
}

static ctask_value *t_map_key(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_string(cx, ctask_map_key(input, 2));
}

static ctask_value *t_shape(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_int(cx, (int64_t)ctask_array_shape(input)[0]);
}

TEST(accessor_failures)
{
	ctask_ctx *cx = mkcx("test");
	input = ctask_make_string(cx, "x");
	expect_fail("count_primes", t_int, NULL,
		    "count_primes: value is string, expected int");
	expect_fail("count_primes", t_shape, NULL,
		    "count_primes: value is string, expected array");
	input = NULL;
	expect_fail("f", t_int, NULL, "f: value is NULL, expected int");
	input = ctask_make_double(cx, 1.0);
	expect_fail("f", t_len, NULL,
		    "f: value is double, expected string, bytes, array, "
		    "list or map");
	ctask_value *items[] = {input, input, input};
	input = ctask_make_list(cx, 3, items);
	expect_fail("sum", t_get5, NULL,
		    "sum: list index 5 out of range (length 3)");
	expect_fail("sum", t_map_key, NULL, "sum: value is list, expected map");
	input = map2(cx, "a", input, "b", input);
	expect_fail("g", t_map_key, NULL,
		    "g: map index 2 out of range (length 2)");
}

static ctask_value *t_arg1_int(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_make_int(cx, ctask_arg_int(a, 1));
}

static ctask_value *t_arg3_int(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_make_int(cx, ctask_arg_int(a, 3));
}

static ctask_value *t_args_ok(ctask_ctx *cx, const ctask_args *a)
{
	size_t n;
	if (ctask_arg_count(a) != 2 || ctask_arg_int(a, 0) != 5 ||
	    strcmp(ctask_arg_string(a, 1), "x") != 0 ||
	    ctask_arg_bytes(a, 1, &n) != NULL)
		return ctask_make_null(cx);
	return ctask_make_bool(cx, true);
}

TEST(arg_failures)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *v[] = {ctask_make_int(cx, 5), ctask_make_string(cx, "x")};
	ctask_args a = {.fn_name = "count_primes", .n = 2, .v = v};
	expect_fail("count_primes", t_arg1_int, &a,
		    "count_primes: argument 1 is string, expected int");
	expect_fail("count_primes", t_arg3_int, &a,
		    "count_primes: argument 3 is missing (the task has 2 "
		    "arguments)");
	a.n = 1;
	expect_fail("count_primes", t_arg1_int, &a,
		    "count_primes: argument 1 is missing (the task has 1 "
		    "argument)");
	expect_fail("count_primes", t_arg1_int, NULL,
		    "count_primes: argument 1 is missing (the task has 0 "
		    "arguments)");
	a.n = 2;
	/* arg_bytes on a string fails, so t_args_ok must fail there */
	expect_fail("h", t_args_ok, &a,
		    "count_primes: argument 1 is string, expected bytes");
}

static ctask_value *t_bad_utf8(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_string(cx, "ok\xff");
}

static ctask_value *t_dup_key(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return map2(cx, "k", ctask_make_null(cx), "k", ctask_make_null(cx));
}

static ctask_value *t_null_key(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return map2(cx, "k", ctask_make_null(cx), NULL, ctask_make_null(cx));
}

static ctask_value *t_ndim9(ctask_ctx *cx, const ctask_args *a)
{
	size_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
	(void)a;
	return ctask_make_array(cx, CTASK_INT8, 9, shape, NULL);
}

static ctask_value *t_ndim_neg(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_make_array(cx, CTASK_INT8, -1, NULL, NULL);
}

static ctask_value *t_huge(ctask_ctx *cx, const ctask_args *a)
{
	size_t shape[2] = {SIZE_MAX / 2, 3};
	(void)a;
	return ctask_make_array(cx, CTASK_INT8, 2, shape, NULL);
}

static ctask_value *t_null_item(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *items[] = {ctask_make_null(cx), NULL};
	(void)a;
	return ctask_make_list(cx, 2, items);
}

TEST(constructor_failures)
{
	expect_fail("test", t_bad_utf8, NULL,
		    "test: string is not valid UTF-8");
	expect_fail("test", t_dup_key, NULL, "test: duplicate map key \"k\"");
	expect_fail("test", t_null_key, NULL, "test: map key 1 is NULL");
	expect_fail("test", t_ndim9, NULL,
		    "test: array has 9 dimensions (0 to 8 allowed)");
	expect_fail("test", t_ndim_neg, NULL,
		    "test: array has -1 dimensions (0 to 8 allowed)");
	expect_fail("test", t_huge, NULL, "test: array is too large");
	expect_fail("test", t_null_item, NULL, "test: list item 1 is NULL");
}

/* ---- Long failure messages ---------------------------------------------- */

static char *long_msg; /* what t_long_msg fails with */

static ctask_value *t_long_msg(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_fail(cx, "%s", long_msg);
}

/* n bytes of c, then tail (malloc'd). */
static char *repeat(char c, size_t n, const char *tail)
{
	char *s = malloc(n + strlen(tail) + 1);
	memset(s, c, n);
	strcpy(s + n, tail);
	return s;
}

/* Up to CTASK_MESSAGE_MAX bytes are kept whole; past it the message is cut
 * (never inside a UTF-8 character) and says how many bytes went. */
TEST(fail_message_bound)
{
	ASSERT_EQ(CTASK_MESSAGE_MAX, 65536);
	long_msg = repeat('a', CTASK_MESSAGE_MAX, "");
	expect_fail("test", t_long_msg, NULL, long_msg);

	long_msg = repeat('a', 1 << 20, "");
	char *want = repeat('a', CTASK_MESSAGE_MAX, "... [983040 bytes cut]");
	expect_fail("test", t_long_msg, NULL, want);

	/* "\xc3\xa9" straddles the bound: it goes whole */
	long_msg = repeat('a', CTASK_MESSAGE_MAX - 1,
			  "\xc3\xa9"
			  "bcdefghij");
	want = repeat('a', CTASK_MESSAGE_MAX - 1, "... [11 bytes cut]");
	expect_fail("test", t_long_msg, NULL, want);
}

/* ---- Depth (value.h): one limit for every reader and writer -------------- */

/* A 1-d uint8 array holding 7: one level. */
static const char array_hex[] = "d8288281 01d84041 07";

/* The bytes of k one-item lists (or one-key maps) around the value whose
 * hex is inner; malloc'd. */
static uint8_t *nest_bytes(int k, bool map, const char *inner, size_t *n)
{
	size_t in_n, head = map ? 3 : 1;
	uint8_t *in = unhex(inner, &in_n);
	uint8_t *p = malloc((size_t)k * head + in_n);
	for (int i = 0; i < k; i++)
		memcpy(p + (size_t)i * head, map ? "\xa1\x61k" : "\x81", head);
	memcpy(p + (size_t)k * head, in, in_n);
	*n = (size_t)k * head + in_n;
	free(in);
	return p;
}

/* Decodes k containers around inner (levels deep itself): accepted while
 * the total is at most CTASK_MAX_DEPTH. */
static void check_decode_depth(int k, bool map, const char *inner, int levels)
{
	ctask_arena *a = ctask_arena_new();
	size_t n;
	uint8_t *p = nest_bytes(k, map, inner, &n);
	ctask_value *v = NULL;
	int rc = ctask_value_decode(a, p, n, &v);
	if (k + levels <= CTASK_MAX_DEPTH) {
		if (rc)
			TFAIL("%d levels: %s", k + levels, ctask_error_last());
		ASSERT_EQ(v->depth, k + levels);
	} else {
		ASSERT_EQ(rc, CTASK_ECORRUPT);
		ASSERT(strstr(ctask_error_last(),
			      "nested deeper than 512 levels") != NULL);
	}
	free(p);
	ctask_arena_free(a);
}

TEST(depth_decode)
{
	ASSERT_EQ(CTASK_MAX_DEPTH, 512);
	for (int k = 511; k <= 513; k++) {
		check_decode_depth(k, false, "f6", 0);
		check_decode_depth(k, true, "f6", 0);
		check_decode_depth(k, false, array_hex, 1);
		check_decode_depth(k, true, array_hex, 1);
	}
}

/* Item 0 of k lists around inner: found exactly when the whole decodes
 * (511 lists around an array used to decode but not be found). */
static void check_item_depth(int k, const char *inner, int levels)
{
	size_t n, item_n;
	uint8_t *p = nest_bytes(k, false, inner, &n);
	const uint8_t *item = NULL;
	int rc = ctask_cbor_list_item(p, n, 0, &item, &item_n);
	if (k + levels <= CTASK_MAX_DEPTH) {
		if (rc)
			TFAIL("%d levels: %s", k + levels, ctask_error_last());
		ASSERT(item == p + 1);
		ASSERT_EQ(item_n, n - 1);
	} else {
		ASSERT_EQ(rc, CTASK_ECORRUPT);
		ASSERT(strstr(ctask_error_last(),
			      "nested deeper than 512 levels") != NULL);
	}
	free(p);
}

/* Item 1 of [k lists around inner, 0]: the items passed over on the way
 * are held to the same limit. */
static void check_skip_depth(int k, const char *inner, int levels)
{
	size_t n, item_n;
	uint8_t *d = nest_bytes(k, false, inner, &n);
	uint8_t *p = malloc(n + 2);
	p[0] = 0x82;
	memcpy(p + 1, d, n);
	p[n + 1] = 0x00;
	const uint8_t *item = NULL;
	int rc = ctask_cbor_list_item(p, n + 2, 1, &item, &item_n);
	if (1 + k + levels <= CTASK_MAX_DEPTH) {
		if (rc)
			TFAIL("%d levels: %s", 1 + k + levels,
			      ctask_error_last());
		ASSERT(item == p + n + 1 && item_n == 1);
	} else {
		ASSERT_EQ(rc, CTASK_ECORRUPT);
		ASSERT(strstr(ctask_error_last(),
			      "nested deeper than 512 levels") != NULL);
	}
	free(p);
	free(d);
}

TEST(depth_list_item)
{
	for (int k = 510; k <= 513; k++) {
		check_item_depth(k, "f6", 0);
		check_item_depth(k, array_hex, 1);
		check_skip_depth(k, "f6", 0);
		check_skip_depth(k, array_hex, 1);
	}
	/* a map item deep inside is counted the same way */
	size_t n, item_n;
	uint8_t *m = nest_bytes(511, true, "f6", &n);
	uint8_t *p = malloc(n + 1);
	p[0] = 0x81;
	memcpy(p + 1, m, n);
	const uint8_t *item;
	ASSERT_EQ(ctask_cbor_list_item(p, n + 1, 0, &item, &item_n), 0);
	free(p);
	free(m);
}

static int build_levels; /* what t_build makes: this many levels */
static bool build_map;

/* build_levels - 1 lists (or maps) around an array. */
static ctask_value *t_build(ctask_ctx *cx, const ctask_args *a)
{
	size_t shape[] = {1};
	ctask_value *v = ctask_make_array(cx, CTASK_UINT8, 1, shape, NULL);
	const char *key = "k";
	(void)a;
	for (int i = 1; i < build_levels; i++)
		v = build_map ? ctask_make_map(cx, 1, &key, &v)
			      : ctask_make_list(cx, 1, &v);
	return v;
}

TEST(depth_build)
{
	for (int map = 0; map <= 1; map++) {
		build_map = map;
		build_levels = CTASK_MAX_DEPTH;
		ctask_ctx cx = {.arena = ctask_arena_new(), .name = "test"};
		ctask_value *v = NULL;
		ASSERT_EQ(ctask_ctx_run(&cx, t_build, NULL, &v), 0);
		ASSERT_EQ(v->depth, CTASK_MAX_DEPTH);
		ctask_ctx *rcx = mkcx("test");
		ASSERT_EQ(roundtrip(rcx, v)->depth, CTASK_MAX_DEPTH);
		ctask_arena_free(cx.arena);
		build_levels = CTASK_MAX_DEPTH + 1;
		expect_fail("test", t_build, NULL,
			    map ? "test: map would be nested 513 levels deep; "
				  "values have at most 512 (CTASK_MAX_DEPTH)"
				: "test: list would be nested 513 levels deep; "
				  "values have at most 512 (CTASK_MAX_DEPTH)");
	}
}

/* Encodes input (made by hand, so its depth fields say nothing) in a
 * task. */
static ctask_value *t_encode(ctask_ctx *cx, const ctask_args *a)
{
	ctask_buf b = {0}; /* on failure the task's longjmp leaks it */
	(void)a;
	ctask_value_encode(input, &b);
	ctask_buf_free(&b);
	return ctask_make_null(cx);
}

/* levels - 1 lists around an array, built without the constructors. */
static ctask_value *forged(int levels)
{
	static size_t shape[1] = {1};
	static uint8_t elem[16];
	ctask_value *v = calloc(1, sizeof *v);
	*v = (ctask_value){.type = CTASK_T_ARRAY,
			   .dtype = CTASK_UINT8,
			   .ndim = 1,
			   .len = 1,
			   .shape = shape};
	v->u.data = elem;
	for (int i = 1; i < levels; i++) {
		ctask_value *l = calloc(1, sizeof *l);
		l->type = CTASK_T_LIST;
		l->len = 1;
		l->u.items = malloc(sizeof *l->u.items);
		l->u.items[0] = v;
		v = l;
	}
	return v;
}

/* The encoder counts levels itself: it does not trust the depth fields. */
TEST(depth_encode)
{
	input = forged(CTASK_MAX_DEPTH);
	ctask_ctx cx = {.arena = ctask_arena_new(), .name = "test"};
	ctask_value *out;
	ASSERT_EQ(ctask_ctx_run(&cx, t_encode, NULL, &out), 0);
	input = forged(CTASK_MAX_DEPTH + 1);
	expect_fail("test", t_encode, NULL,
		    "test: value nested deeper than 512 levels "
		    "(CTASK_MAX_DEPTH)");
}

/* Outside any task, a wrong-type access prints and aborts. */
TEST(accessor_outside_task_aborts)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *v = ctask_make_string(cx, "x");
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		ctask_value_int(v);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	ASSERT(WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT);
}

TEST(names)
{
	ASSERT_STR(ctask_type_name(CTASK_T_MAP), "map");
	ASSERT_STR(ctask_type_name((ctask_type)99), "unknown");
	ASSERT_STR(ctask_dtype_name(CTASK_UINT16), "uint16");
	ASSERT_STR(ctask_dtype_name((ctask_dtype)-1), "unknown");
	ASSERT_EQ(ctask_dtype_size(CTASK_FLOAT32), 4);
	ASSERT_EQ(ctask_dtype_size(CTASK_UINT64), 8);
	ASSERT_EQ(ctask_dtype_size((ctask_dtype)42), 0);
}

/* ---- JSON ---------------------------------------------------------------- */

TEST(json_scalars)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *items[] = {
		ctask_make_int(cx, -7),
		ctask_make_double(cx, 2.0),
		ctask_make_double(cx, 0.1),
		ctask_make_double(cx, 1.0 / 3),
		ctask_make_double(cx, -0.0),
		ctask_make_double(cx, 1e300),
		ctask_make_double(cx, NAN),
		ctask_make_double(cx, -INFINITY),
		ctask_make_string(cx, "a\"b\\\n\x01\xc3\xbc"),
		ctask_make_null(cx),
		ctask_make_bool(cx, true),
		ctask_make_bytes(cx, "\x00\xff", 2),
	};
	ASSERT_JSON(ctask_make_list(cx, 12, items), 10,
		    "[-7,2.0,0.1,0.3333333333333333,-0.0,1e+300,\"NaN\","
		    "\"-Infinity\",\"a\\\"b\\\\\\n\\u0001\xc3\xbc\",null,true,"
		    "{\"bytes\":2,\"hex\":\"00ff\"}]");
	char big[65] = {0}, want[200];
	strcpy(want, "{\"bytes\":64,\"hex\":\"");
	for (int i = 0; i < 64; i++)
		strcat(want, "00");
	strcat(want, "\"}");
	ASSERT_JSON(ctask_make_bytes(cx, big, 64), 0, want);
	ASSERT_JSON(ctask_make_bytes(cx, big, 65), 0, "{\"bytes\":65}");
	ASSERT_JSON(ctask_make_double(cx, INFINITY), 0, "\"Infinity\"");
}

TEST(json_containers)
{
	ctask_ctx *cx = mkcx("test");
	ctask_value *m = map2(cx, "aa", ctask_make_list(cx, 0, NULL), "b",
			      ctask_make_map(cx, 0, NULL, NULL));
	ASSERT_JSON(m, 10, "{\"b\":{},\"aa\":[]}");
	ASSERT_JSON(array_2x3(cx), 6,
		    "{\"dtype\":\"float64\",\"shape\":[2,3],"
		    "\"data\":[1.0,2.5,3.0,4.0,5.0,6.0]}");
	ASSERT_JSON(array_2x3(cx), 5,
		    "{\"dtype\":\"float64\",\"shape\":[2,3]}");
	ASSERT_JSON(array_0d(cx), 5,
		    "{\"dtype\":\"int32\",\"shape\":[],\"data\":[7]}");
	size_t shape[] = {3};
	float *f;
	ctask_value *a =
		ctask_make_array(cx, CTASK_FLOAT32, 1, shape, (void **)&f);
	f[0] = 0.1f, f[1] = 1.0f, f[2] = -2.5e-8f;
	ASSERT_JSON(a, 5,
		    "{\"dtype\":\"float32\",\"shape\":[3],"
		    "\"data\":[0.1,1.0,-2.5e-08]}");
	int64_t *i;
	a = ctask_make_array(cx, CTASK_INT64, 1, shape, (void **)&i);
	i[0] = INT64_MIN, i[1] = 0, i[2] = INT64_MAX;
	ASSERT_JSON(a, 5,
		    "{\"dtype\":\"int64\",\"shape\":[3],\"data\":"
		    "[-9223372036854775808,0,9223372036854775807]}");
	uint8_t *u;
	a = ctask_make_array(cx, CTASK_UINT8, 1, shape, (void **)&u);
	u[0] = 255;
	ASSERT_JSON(a, 5,
		    "{\"dtype\":\"uint8\",\"shape\":[3],"
		    "\"data\":[255,0,0]}");
}

/* ---- UTF-8 --------------------------------------------------------------- */

TEST(utf8)
{
	static const char *good[] = {"",
				     "abc",
				     "\xc2\x80",
				     "\xdf\xbf",
				     "\xe0\xa0\x80",
				     "\xed\x9f\xbf",
				     "\xee\x80\x80",
				     "\xef\xbf\xbf",
				     "\xf0\x90\x80\x80",
				     "\xf4\x8f\xbf\xbf"};
	static const char *bad[] = {"\x80",
				    "\xc0\x80",
				    "\xc1\xbf",
				    "\xc2",
				    "\xe0\x80\x80",
				    "\xe0\x9f\xbf",
				    "\xed\xa0\x80",
				    "\xed\xbf\xbf",
				    "\xf0\x80\x80\x80",
				    "\xf0\x8f\xbf\xbf",
				    "\xf4\x90\x80\x80",
				    "\xf5\x80\x80\x80",
				    "\xff",
				    "\xe2\x82",
				    "a\xc3(",
				    "\xfe"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!ctask_utf8_valid(good[i], strlen(good[i])))
			TFAIL("rejected good[%zu]", i);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ctask_utf8_valid(bad[i], strlen(bad[i])))
			TFAIL("accepted bad[%zu]", i);
	ASSERT(ctask_utf8_valid(NULL, 0));
	ASSERT(ctask_utf8_valid("a\0b", 3));
}

/* ---- Arena and buffer ---------------------------------------------------- */

TEST(arena)
{
	ctask_arena *a = ctask_arena_new();
	for (size_t n = 0; n < 3000; n += 7) {
		uint8_t *p = ctask_arena_alloc(a, n);
		ASSERT_EQ((uintptr_t)p % 16, 0);
		memset(p, 0xab, n);
	}
	uint8_t *big = ctask_arena_zalloc(a, 1 << 20);
	ASSERT_EQ((uintptr_t)big % 16, 0);
	ASSERT(big[0] == 0 && big[(1 << 20) - 1] == 0);
	ASSERT(ctask_arena_used(a) >= (1 << 20));
	char *s = ctask_arena_strndup(a, "hello", 3);
	ASSERT_STR(s, "hel");
	ASSERT_STR(ctask_arena_strdup(a, "x"), "x");
	ctask_arena_reset(a);
	ASSERT_EQ(ctask_arena_used(a), 0);
	ASSERT_EQ((uintptr_t)ctask_arena_alloc(a, 1) % 16, 0);
	ctask_arena_free(a);
	ctask_arena_free(NULL);
}

TEST(buf)
{
	ctask_buf b = {0};
	ctask_buf_printf(&b, "%s", "");
	ASSERT(b.p != NULL && b.len == 0 && b.p[0] == '\0');
	ctask_buf_str(&b, "ab");
	ctask_buf_byte(&b, 'c');
	for (int i = 0; i < 100; i++)
		ctask_buf_printf(&b, "%d-%s;", i, "0123456789");
	ASSERT_EQ(b.len, strlen((char *)b.p));
	ASSERT(strncmp((char *)b.p, "abc0-0123456789;1-", 18) == 0);
	ctask_buf_free(&b);
	ASSERT(b.p == NULL && b.len == 0);
	ctask_buf_uvarint(&b, 0);
	ctask_buf_uvarint(&b, 300);
	ctask_buf_uvarint(&b, UINT64_MAX);
	ASSERT_EQ(b.len, 1 + 2 + 10);
	ASSERT_MEM(b.p, "\x00\xac\x02\xff", 4);
	ASSERT_EQ(b.p[12], 0x01);
	ctask_buf_free(&b);
}

/* ---- cbor2 interop ------------------------------------------------------- */

/* The values cbor_check.py expects, by name, in the same order. */
static void write_interop(FILE *f, ctask_ctx *cx)
{
	struct {
		const char *name;
		ctask_value *v;
	} vs[32];
	size_t n = 0;
#define V(nm, val) (vs[n].name = nm, vs[n++].v = (val))
	V("int0", ctask_make_int(cx, 0));
	V("int24", ctask_make_int(cx, 24));
	V("int1000000", ctask_make_int(cx, 1000000));
	V("intneg1", ctask_make_int(cx, -1));
	V("intmin", ctask_make_int(cx, INT64_MIN));
	V("intmax", ctask_make_int(cx, INT64_MAX));
	V("f1_5", ctask_make_double(cx, 1.5));
	V("f0_1", ctask_make_double(cx, 0.1));
	V("f1e5", ctask_make_double(cx, 100000.0));
	V("f65504", ctask_make_double(cx, 65504.0));
	V("fnegzero", ctask_make_double(cx, -0.0));
	V("fnan", ctask_make_double(cx, NAN));
	V("finf", ctask_make_double(cx, INFINITY));
	V("ftiny", ctask_make_double(cx, ldexp(1, -149)));
	V("null", ctask_make_null(cx));
	V("true", ctask_make_bool(cx, true));
	V("false", ctask_make_bool(cx, false));
	V("str", ctask_make_string(cx, "h\xc3\xa9llo \xf0\x9f\x98\x80"));
	V("strempty", ctask_make_string(cx, ""));
	V("bytes", ctask_make_bytes(cx, "\x00\x01\xff", 3));
	ctask_value *l[] = {ctask_make_int(cx, 1), ctask_make_string(cx, "a"),
			    ctask_make_null(cx)};
	V("list", ctask_make_list(cx, 3, l));
	V("map", map2(cx, "aa", ctask_make_int(cx, 2), "b",
		      map2(cx, "x", ctask_make_list(cx, 0, NULL), "y",
			   ctask_make_double(cx, 2.5))));
	V("arr2x3", array_2x3(cx));
	V("arr0d", array_0d(cx));
	size_t shape[] = {2, 2};
	int16_t *i16;
	V("arri16", ctask_make_array(cx, CTASK_INT16, 2, shape, (void **)&i16));
	i16[0] = -1, i16[1] = 2, i16[2] = -300, i16[3] = 32767;
	uint64_t *u64;
	V("arru64",
	  ctask_make_array(cx, CTASK_UINT64, 1, shape, (void **)&u64));
	u64[0] = UINT64_MAX, u64[1] = 1;
	float *f32;
	V("arrf32",
	  ctask_make_array(cx, CTASK_FLOAT32, 1, shape, (void **)&f32));
	f32[0] = 0.5f, f32[1] = -3.0f;
	V("arru8", ctask_make_array(cx, CTASK_UINT8, 1, shape, NULL));
#undef V
	for (size_t i = 0; i < n; i++) {
		char *h = hex_of(vs[i].v);
		fprintf(f, "%s %s\n", vs[i].name, h);
		free(h);
	}
}

/* Python's cbor2 must read our bytes as the values we meant, and (for
 * everything cbor2 can write canonically) write the same bytes. */
TEST(cbor2_interop)
{
	char path[] = "/tmp/ctask_cbor_XXXXXX";
	int fd = mkstemp(path);
	ASSERT(fd >= 0);
	FILE *f = fdopen(fd, "w");
	write_interop(f, mkcx("test"));
	fclose(f);
	char cmd[512];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3 %s/unit/cbor_check.py %s",
		 CTASK_TEST_DATA, path);
	int st = system(cmd);
	unlink(path);
	ASSERT(WIFEXITED(st));
	if (WEXITSTATUS(st) == 77) {
		fprintf(stderr, "cbor2_interop: skipped (no python3-cbor2)\n");
		return;
	}
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

TEST_MAIN(T(encode_ints), T(encode_floats), T(encode_others),
	  T(encode_map_order), T(encode_arrays), T(roundtrip_scalars),
	  T(roundtrip_strings), T(roundtrip_arrays), T(roundtrip_nested),
	  T(decode_rejects), T(decode_all_float16), T(decode_depth),
	  T(decode_prefixes), T(accessor_failures), T(arg_failures),
	  T(constructor_failures), T(fail_message_bound), T(depth_decode),
	  T(depth_list_item), T(depth_build), T(depth_encode),
	  T(accessor_outside_task_aborts), T(names), T(json_scalars),
	  T(json_containers), T(utf8), T(arena), T(buf), T(cbor2_interop))
