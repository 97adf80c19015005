/*
 * fuzz_object.c - the store's object-file reader (store_sqlite.c), driven
 * through the store's API: a store with one result kept in objects/ is
 * made once; each input is a list of edits (4 bytes each: op, offset high
 * and low byte, value) applied to a copy of that object's bytes, written
 * over the object file (or the file removed). Reading the result back, one
 * at a time (ctask_store_get) and in a sorted pass (get_sorted), must give
 * the original bytes if the file holds them, and CTASK_ECORRUPT otherwise:
 * never other bytes, never a crash.
 */
#include "fuzz.h"

#include "error.h"
#include "hash.h"
#include "store.h"

#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <unistd.h>

#define ORIG_N (CTASK_INLINE_MAX + 4000) /* past inline: an object file */

static char dir[PATH_MAX]; /* $TMPDIR/ctask-fuzz-object.XXXXXX */
static ctask_store *store;
static ctask_hash key;		/* the task hash of the one result */
static uint8_t orig[ORIG_N];	/* its bytes: a CBOR bytes value */
static char obj_path[PATH_MAX]; /* its object file */

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

static void cleanup(void)
{
	ctask_store_close(store);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/ctask-fuzz-object.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	atexit(cleanup);
	char path[PATH_MAX], hex[CTASK_HASH_HEX];
	snprintf(path, sizeof path, "%s/s", dir);
	CHECK(ctask_store_open(path, CTASK_STORE_CREATE, &store) == 0);
	orig[0] = 0x59; /* bytes, 2-byte length */
	orig[1] = (uint8_t)((ORIG_N - 3) >> 8);
	orig[2] = (uint8_t)(ORIG_N - 3);
	for (size_t i = 3; i < ORIG_N; i++)
		orig[i] = (uint8_t)(i * 7);
	ctask_hash_bytes("fuzz", 4, &key);
	ctask_record r = {.hash = key,
			  .name = "f",
			  .state = CTASK_REC_DONE,
			  .data = orig,
			  .size = ORIG_N,
			  .host = "fuzz",
			  .dirty = -1};
	CHECK(ctask_store_put(store, 1, &r, NULL) == 0);
	ctask_hash h;
	ctask_hash_bytes(orig, ORIG_N, &h);
	ctask_hash_hex(&h, hex);
	snprintf(obj_path, sizeof obj_path, "%s/objects/%.2s/%s", path, hex,
		 hex + 2);
	CHECK(access(obj_path, R_OK) == 0);
}

/* Applies the edits to a copy of orig in buf (room for ORIG_N + 64 per
 * edit); returns its length, or -1 if an edit removes the file. */
static long edit(const uint8_t *data, size_t size, uint8_t *buf)
{
	size_t n = ORIG_N;
	bool removed = false;
	memcpy(buf, orig, ORIG_N);
	for (size_t i = 0; i + 4 <= size; i += 4) {
		const uint8_t *e = data + i;
		size_t off = ((size_t)e[1] << 8 | e[2]) % (ORIG_N + 1);
		switch (e[0] % 5) {
		case 0:
			if (off < n)
				buf[off] = e[3];
			break;
		case 1:
			if (off < n)
				buf[off] ^= e[3] | 1;
			break;
		case 2:
			if (off < n)
				n = off;
			break;
		case 3:
			memset(buf + n, e[3], e[1] % 64 + 1);
			n += e[1] % 64 + 1;
			break;
		default:
			removed = true;
		}
	}
	return removed ? -1 : (long)n;
}

static void write_object(const uint8_t *p, long n)
{
	unlink(obj_path);
	if (n < 0)
		return;
	int fd = open(obj_path, O_WRONLY | O_CREAT | O_EXCL, 0444);
	CHECK(fd >= 0);
	CHECK(write(fd, p, (size_t)n) == n);
	close(fd);
}

typedef struct {
	int rc;
	bool same;
} sorted_out;

static int on_sorted(void *ud, size_t i, int rc, const uint8_t *data,
		     size_t size)
{
	sorted_out *o = ud;
	(void)i;
	o->rc = rc;
	o->same = rc == 0 && size == ORIG_N && memcmp(data, orig, size) == 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[ORIG_N + 64 * 4096];
	if (!store)
		setup();
	if (size > 4 * 4096)
		return 0;
	long n = edit(data, size, buf);
	bool intact = n == ORIG_N && memcmp(buf, orig, ORIG_N) == 0;
	write_object(buf, n);

	ctask_record rec;
	ctask_buf got = {0};
	int rc = ctask_store_get(store, &key, &rec, &got);
	CHECK(rc == 0 || rc == CTASK_ECORRUPT);
	CHECK((rc == 0) == intact);
	if (rc == 0)
		CHECK(got.len == ORIG_N && memcmp(got.p, orig, ORIG_N) == 0);
	ctask_buf_free(&got);

	sorted_out o = {1, false};
	CHECK(ctask_store_get_sorted(store, 1, &key, on_sorted, &o) == 0);
	CHECK(o.rc == 0 || o.rc == CTASK_ECORRUPT);
	CHECK((o.rc == 0) == intact && o.same == intact);
	return 0;
}
