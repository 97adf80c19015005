/*
 * test_store_contract.c - what every store backend promises (store.h):
 * put/get/scan/delete, checksums, leases and takeover after expiry,
 * release with put, heartbeats, executors, attempts and notes.
 *
 * It runs against the SQLite store (a temporary directory) and, when
 * CTASK_TEST_REDIS names a server (tests/with_redis.sh starts one), against
 * the Redis store, each test under a prefix of its own. SQLite-only
 * behaviour (object files, migrations, read-only directories) is tested in
 * test_store.c.
 */
#include "test.h"

#include "error.h"
#include "store.h"
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hiredis.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

/* Zeroes the first byte of the small bytes kept in the scan index entry
 * of a result (store_redis.c: they begin at byte 43 of the entry). */
#define REDIS_CORRUPT_SMALL                                                    \
	"local k = ARGV[1] .. ':idx' local v = redis.call('HGET', k, ARGV[2])" \
	" redis.call('HSET', k, ARGV[2], v:sub(1, 42) .. '\\0' .. v:sub(44))"

static char root[64];	      /* the mkdtemp directory of this test (SQLite) */
static char sdir[96];	      /* root/s: the store directory (SQLite) */
static char db[128];	      /* sdir/ctask.db (SQLite) */
static char where[512];	      /* what the test opens: sdir, or a redis:// URL */
static const char *redis_url; /* CTASK_TEST_REDIS, or NULL: SQLite */
static char prefix[64];	      /* the Redis test's key prefix */

/* A fresh store location (not created): root/s, or on Redis a prefix no
 * other test uses (each test runs in a process of its own). */
static void fresh(void)
{
	if (redis_url) {
		static unsigned n;
		snprintf(prefix, sizeof prefix, "t%d-%u", (int)getpid(), n++);
		snprintf(where, sizeof where, "%s?prefix=%s", redis_url,
			 prefix);
		return;
	}
	strcpy(root, "/tmp/ctask-test-store-XXXXXX");
	ASSERT(mkdtemp(root) != NULL);
	snprintf(sdir, sizeof sdir, "%s/s", root);
	snprintf(db, sizeof db, "%s/ctask.db", sdir);
	snprintf(where, sizeof where, "%s", sdir);
}

static void cleanup(void)
{
	if (redis_url)
		return; /* the server goes with its directory */
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ASSERT_EQ(system(cmd), 0);
}

static ctask_store *open_new(void)
{
	ctask_store *s = NULL;
	int rc = ctask_store_open(where, CTASK_STORE_CREATE, &s);
	if (rc)
		TFAIL("open %s: %d %s", where, rc, ctask_error_last());
	return s;
}

/* Runs one command on the test's Redis server (the store's own layout:
 * store_redis.c) and returns its reply; the caller frees it. */
static redisReply *redis(const char *fmt, ...)
{
	int port = 0;
	ASSERT(redis_url && sscanf(redis_url, "redis://127.0.0.1:%d", &port));
	redisContext *c = redisConnect("127.0.0.1", port);
	ASSERT(c && !c->err);
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = redisvCommand(c, fmt, ap);
	va_end(ap);
	ASSERT(r && r->type != REDIS_REPLY_ERROR);
	redisFree(c);
	return r;
}

/* Changes the first byte of h's stored bytes (a small result's). */
static void corrupt_small(const ctask_hash *h)
{
	char hex[CTASK_HASH_HEX], q[200];
	ctask_hash_hex(h, hex);
	if (redis_url) {
		freeReplyObject(redis("EVAL %s 0 %s %b", REDIS_CORRUPT_SMALL,
				      prefix, h->b, sizeof h->b));
		return;
	}
	snprintf(q, sizeof q,
		 "UPDATE results SET inline = x'00' || substr(inline, 2)"
		 " WHERE hex(hash) = upper('%s')",
		 hex);
	sqlite3 *d;
	ASSERT_EQ(sqlite3_open(db, &d), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(d, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(d);
}

/* Adds one to the stored checksum of h's result. */
static void corrupt_checksum(const ctask_hash *h)
{
	char hex[CTASK_HASH_HEX], q[200];
	ctask_hash_hex(h, hex);
	if (redis_url) {
		freeReplyObject(
			redis("HINCRBY %s:r:%s checksum 1", prefix, hex));
		return;
	}
	snprintf(q, sizeof q,
		 "UPDATE results SET checksum = checksum + 1"
		 " WHERE hex(hash) = upper('%s')",
		 hex);
	sqlite3 *d;
	ASSERT_EQ(sqlite3_open(db, &d), SQLITE_OK);
	ASSERT_EQ(sqlite3_exec(d, q, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(d);
}

static void task_hash(int i, ctask_hash *h)
{
	char b[32];
	snprintf(b, sizeof b, "task-%d", i);
	ctask_hash_bytes(b, strlen(b), h);
}

/* n bytes of a pattern chosen by seed. Caller frees. */
static uint8_t *bytes(size_t n, unsigned seed)
{
	uint8_t *p = malloc(n ? n : 1);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 8));
	return p;
}

static ctask_record done_rec(int i, const uint8_t *data, size_t n)
{
	ctask_record r = {0};
	task_hash(i, &r.hash);
	r.name = "f";
	r.state = CTASK_REC_DONE;
	r.data = data;
	r.size = n;
	r.started = 1700000000.5;
	r.duration = 0.25;
	r.host = "hostA";
	return r;
}

static void put1(ctask_store *s, ctask_record r)
{
	int rc = ctask_store_put(s, 1, &r, NULL);
	if (rc)
		TFAIL("put: %d %s", rc, ctask_error_last());
}

/* Files under objects/ab/ that are objects (not .tmp-*). */
static int count_objects(void)
{
	char p[160];
	snprintf(p, sizeof p, "%s/objects", sdir);
	DIR *d = opendir(p);
	ASSERT(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char sub[512];
		snprintf(sub, sizeof sub, "%s/%s", p, e->d_name);
		DIR *d2 = opendir(sub);
		ASSERT(d2);
		struct dirent *e2;
		while ((e2 = readdir(d2)))
			n += e2->d_name[0] != '.';
		closedir(d2);
	}
	closedir(d);
	return n;
}

/* objects/ab/cd... path of data's content address. */
static void object_file(const uint8_t *data, size_t n, char *out, size_t cap)
{
	ctask_hash h;
	char hex[CTASK_HASH_HEX];
	ctask_hash_bytes(data, n, &h);
	ctask_hash_hex(&h, hex);
	snprintf(out, cap, "%s/objects/%.2s/%s", sdir, hex, hex + 2);
}

/* On SQLite, asserts that objects/ holds n objects (Redis has none). */
static void objects_are(int n)
{
	if (!redis_url)
		ASSERT_EQ(count_objects(), n);
}

static void sql(const char *path, const char *q)
{
	sqlite3 *h;
	ASSERT_EQ(sqlite3_open(path, &h), SQLITE_OK);
	char *err = NULL;
	if (sqlite3_exec(h, q, NULL, NULL, &err) != SQLITE_OK)
		TFAIL("%s: %s", q, err);
	ASSERT_EQ(sqlite3_close(h), SQLITE_OK);
}

static int exists(const char *fmt, const char *a)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, fmt, a);
	return stat(p, &st) == 0;
}

TEST(put_get)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *small = bytes(100, 1), *big = bytes(100000, 2);
	ctask_record recs[3] = {done_rec(1, small, 100),
				done_rec(2, big, 100000),
				done_rec(3, small, 0)};
	recs[1].name = "g";
	ASSERT_EQ(ctask_store_put(s, 3, recs, NULL), 0);
	objects_are(1);
	if (!redis_url) {
		char of[256];
		object_file(big, 100000, of, sizeof of);
		ASSERT(exists("%s", of));
	}

	for (int pass = 0; pass < 2; pass++) {
		ctask_record r;
		ctask_buf b = {0};
		ASSERT_EQ(ctask_store_get(s, &recs[0].hash, &r, &b), 0);
		ASSERT_EQ(b.len, 100);
		ASSERT_MEM(b.p, small, 100);
		ASSERT(!r.in_object);
		ASSERT_STR(r.name, "f");
		ASSERT_STR(r.host, "hostA");
		ASSERT(r.message == NULL);
		ASSERT_EQ(r.state, CTASK_REC_DONE);
		ASSERT(r.started == 1700000000.5 && r.duration == 0.25);

		ASSERT_EQ(ctask_store_get(s, &recs[1].hash, &r, &b), 0);
		ASSERT_EQ(b.len, 100000);
		ASSERT_EQ(r.size, 100000);
		ASSERT_MEM(b.p, big, 100000);
		ASSERT(r.in_object);
		ASSERT_STR(r.name, "g");

		ASSERT_EQ(ctask_store_get(s, &recs[2].hash, &r, &b), 0);
		ASSERT_EQ(b.len, 0);
		ASSERT_EQ(r.size, 0);

		ctask_hash nope;
		task_hash(99, &nope);
		ASSERT_EQ(ctask_store_get(s, &nope, &r, &b), CTASK_ENOTFOUND);
		ctask_buf_free(&b);
		ctask_store_close(s);
		ASSERT_EQ(ctask_store_open(where, 0, &s), 0);
	}
	ctask_store_close(s);
	free(small);
	free(big);
	cleanup();
}

struct scan_ud {
	int n, stop_at;
	ctask_hash last;
	uint64_t sizes;
};

static int scan_cb(void *ud, const ctask_record *r)
{
	struct scan_ud *u = ud;
	if (u->n > 0 && ctask_hash_cmp(&u->last, &r->hash) >= 0)
		TFAIL("scan not ordered by hash");
	ASSERT(r->data == NULL); /* only ctask_store_scan_small gives bytes */
	ASSERT_EQ(r->in_object, r->size > CTASK_INLINE_MAX);
	u->last = r->hash;
	u->sizes += r->size;
	return ++u->n == u->stop_at ? 42 : 0;
}

TEST(scan_all)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(20000, 3);
	ctask_record recs[5];
	for (int i = 0; i < 5; i++)
		recs[i] = done_rec(i, d, (size_t)(i + 1) * 4000);
	ASSERT_EQ(ctask_store_put(s, 5, recs, NULL), 0);
	struct scan_ud u = {0};
	ASSERT_EQ(ctask_store_scan(s, scan_cb, &u), 0);
	ASSERT_EQ(u.n, 5);
	ASSERT_EQ(u.sizes, 4000 * 15);
	struct scan_ud u2 = {.stop_at = 2};
	ASSERT_EQ(ctask_store_scan(s, scan_cb, &u2), 42);
	ASSERT_EQ(u2.n, 2);
	ctask_store_close(s);
	free(d);
	cleanup();
}

static ctask_record failed_rec(int i, const char *msg)
{
	ctask_record r = {0};
	task_hash(i, &r.hash);
	r.name = "f";
	r.state = CTASK_REC_FAILED;
	r.message = msg;
	r.host = "hostB";
	return r;
}

TEST(failed_roundtrip)
{
	fresh();
	ctask_store *s = open_new();
	put1(s, failed_rec(1, "division by zero at line 3"));
	ctask_record r;
	ctask_buf b = {0};
	ctask_buf_append(&b, "junk", 4);
	ASSERT_EQ(ctask_store_get(s, &(ctask_hash){{0}}, &r, &b),
		  CTASK_ENOTFOUND);
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_EQ(r.state, CTASK_REC_FAILED);
	ASSERT_STR(r.message, "division by zero at line 3");
	ASSERT_STR(r.host, "hostB");
	ASSERT_EQ(r.size, 0);
	ASSERT_EQ(b.len, 0);
	ctask_buf_free(&b);
	ctask_store_close(s);
	cleanup();
}

TEST(replace_failed_by_done)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *big = bytes(50000, 4);
	ctask_hash h;
	task_hash(1, &h);
	ctask_record r;
	ctask_buf b = {0};

	put1(s, failed_rec(1, "boom"));
	put1(s, done_rec(1, big, 50000));
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_EQ(r.state, CTASK_REC_DONE);
	ASSERT(r.message == NULL);
	ASSERT_EQ(b.len, 50000);
	objects_are(1);

	/* but never back: a failure from an executor that lost its lease
	 * must not undo another's result */
	put1(s, failed_rec(1, "boom again"));
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_EQ(r.state, CTASK_REC_DONE);
	ASSERT(r.in_object);
	ASSERT_EQ(b.len, 50000);
	objects_are(1);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(big);
	cleanup();
}

/* Four processes put overlapping records (sharing one object) into one
 * store at once: every put succeeds and every record reads back. */
TEST(concurrent_writers)
{
	fresh();
	ctask_store_close(open_new());
	uint8_t *big = bytes(30000, 11);
	pid_t kids[4];
	for (int k = 0; k < 4; k++) {
		if ((kids[k] = fork()) == 0) {
			ctask_store *s;
			if (ctask_store_open(where, 0, &s) != 0)
				_exit(2);
			for (int i = 0; i < 40; i++) {
				ctask_record r = done_rec(k * 100 + i, big,
							  i % 2 ? 30000 : 50);
				if (ctask_store_put(s, 1, &r, NULL) != 0)
					_exit(3);
				if (i % 10 == 9) {
					ctask_hash h;
					task_hash(k * 100 + i - 2, &h);
					if (ctask_store_delete(s, 1, &h, NULL,
							       NULL))
						_exit(4);
				}
			}
			ctask_store_close(s);
			_exit(0);
		}
	}
	for (int k = 0; k < 4; k++) {
		int st;
		ASSERT_EQ(waitpid(kids[k], &st, 0), kids[k]);
		ASSERT(WIFEXITED(st));
		ASSERT_EQ(WEXITSTATUS(st), 0);
	}
	ctask_store *s = open_new();
	struct scan_ud u = {0};
	ASSERT_EQ(ctask_store_scan(s, scan_cb, &u), 0);
	ASSERT_EQ(u.n, 4 * 36);
	ctask_buf b = {0};
	ctask_record r;
	for (int k = 0; k < 4; k++)
		for (int i = 1; i < 40; i += 2) {
			ctask_hash h;
			task_hash(k * 100 + i, &h);
			int rc = ctask_store_get(s, &h, &r, &b);
			if (i % 10 == 7) {
				ASSERT_EQ(rc, CTASK_ENOTFOUND);
				continue;
			}
			ASSERT_EQ(rc, 0);
			ASSERT_MEM(b.p, big, 30000);
		}
	objects_are(1);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(big);
	cleanup();
}

/* ---- executors and leases ---------------------------------------------- */

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static ctask_executor executor(const char *owner)
{
	ctask_executor e = {.owner = owner,
			    .host = "hostA",
			    .pid = (int)getpid(),
			    .started = wall()};
	return e;
}

/* Leases n hashes task_hash(first..) for e; fails the test on error. */
static void lease(ctask_store *s, const ctask_executor *e, double ttl,
		  int first, int n, uint8_t *out, double *exp)
{
	ctask_hash hs[16];
	ASSERT(n <= 16);
	for (int i = 0; i < n; i++)
		task_hash(first + i, &hs[i]);
	int rc = ctask_store_lease(s, e, ttl, (size_t)n, hs, out, exp);
	if (rc)
		TFAIL("lease: %d %s", rc, ctask_error_last());
}

/* The leases of a store, as ctask_store_leases shows them. */
struct leases {
	int n;
	ctask_hash hash[16];
	char owner[16][32];
	double started[16], expires[16];
};

static int lease_cb(void *ud, const ctask_lease *l)
{
	struct leases *u = ud;
	ASSERT(u->n < 16);
	ASSERT_STR(l->host, "hostA");
	ASSERT_EQ(l->pid, getpid());
	u->hash[u->n] = l->hash;
	snprintf(u->owner[u->n], sizeof u->owner[0], "%s", l->owner);
	u->started[u->n] = l->started;
	u->expires[u->n] = l->expires;
	u->n++;
	return 0;
}

static struct leases leases_of(ctask_store *s)
{
	struct leases u = {0};
	ASSERT_EQ(ctask_store_leases(s, lease_cb, &u), 0);
	return u;
}

/* The owner of task i's lease in u, or NULL. */
static const char *owner_of(const struct leases *u, int i)
{
	ctask_hash h;
	task_hash(i, &h);
	for (int k = 0; k < u->n; k++)
		if (ctask_hash_cmp(&u->hash[k], &h) == 0)
			return u->owner[k];
	return NULL;
}

TEST(lease_held_then_expired)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), e2 = executor("h:2:2");
	uint8_t out[3];
	double x1[3], x2[3];

	lease(s, &e1, 0.05, 1, 3, out, x1);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(out[i], CTASK_LEASE_TAKEN);
		ASSERT(x1[i] > e1.started);
	}
	lease(s, &e2, 30, 1, 3, out, x2);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(out[i], CTASK_LEASE_HELD);
		ASSERT(x2[i] == x1[i]); /* e1's expiry, exactly */
	}
	/* e1 again: its own lease, renewed (and still taken when e1 took it) */
	struct leases before = leases_of(s);
	lease(s, &e1, 0.05, 1, 3, out, NULL);
	struct leases after = leases_of(s);
	ASSERT_EQ(after.n, 3);
	for (int i = 0; i < 3; i++) {
		ASSERT_EQ(out[i], CTASK_LEASE_TAKEN);
		ASSERT_STR(after.owner[i], "h:1:1");
		ASSERT(after.started[i] == before.started[i]);
		ASSERT(after.expires[i] >= before.expires[i]);
	}

	usleep(100000); /* past e1's ttl */
	lease(s, &e2, 30, 1, 3, out, x2);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(out[i], CTASK_LEASE_TAKEN);
	after = leases_of(s);
	for (int i = 1; i <= 3; i++)
		ASSERT_STR(owner_of(&after, i), "h:2:2");
	lease(s, &e1, 0.05, 1, 1, out, x1);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD);
	ASSERT(x1[0] == x2[0]);
	ctask_store_close(s);
	cleanup();
}

TEST(put_releases_lease)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), e2 = executor("h:2:2");
	uint8_t out[2], *d = bytes(10, 1);
	double x[2];

	ctask_store_set_executor(s, &e1);
	lease(s, &e1, 30, 1, 2, out, NULL);
	put1(s, done_rec(1, d, 10));
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 1);
	ASSERT(owner_of(&u, 1) == NULL);
	ASSERT_STR(owner_of(&u, 2), "h:1:1");
	lease(s, &e2, 30, 1, 2, out, x);
	ASSERT_EQ(out[0], CTASK_LEASE_DONE);
	ASSERT(x[0] == 0);
	ASSERT_EQ(out[1], CTASK_LEASE_HELD);

	/* a put by another executor, or by none, leaves e1's lease alone */
	ctask_store_set_executor(s, &e2);
	put1(s, failed_rec(2, "boom"));
	ctask_store_set_executor(s, NULL);
	put1(s, failed_rec(2, "boom"));
	u = leases_of(s);
	ASSERT_EQ(u.n, 1);
	ASSERT_STR(owner_of(&u, 2), "h:1:1");
	ctask_store_close(s);
	free(d);
	cleanup();
}

TEST(failed_during_run)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1");
	ctask_record old = failed_rec(1, "old failure");
	old.started = e1.started - 3600;
	put1(s, old);
	usleep(10000);
	ctask_executor e2 = executor("h:2:2"); /* starts after the old one */
	usleep(10000);
	ctask_record now = failed_rec(2, "new failure");
	now.started = wall();
	ASSERT(now.started > e2.started);
	put1(s, now);

	uint8_t out[2];
	double x[2];
	lease(s, &e2, 30, 1, 2, out, x);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN); /* an old failure is retried */
	ASSERT(x[0] > e2.started);
	ASSERT_EQ(out[1], CTASK_LEASE_FAILED);
	ASSERT(x[1] == 0);
	/* for e1, which started before both, both are failures of its run */
	lease(s, &e1, 30, 1, 2, out, x);
	ASSERT_EQ(out[0], CTASK_LEASE_FAILED);
	ASSERT_EQ(out[1], CTASK_LEASE_FAILED);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 1);
	ASSERT_STR(owner_of(&u, 1), "h:2:2");
	ctask_store_close(s);
	cleanup();
}

struct execs {
	int n;
	char owner[4][32];
	ctask_executor_rec r[4];
};

static int exec_cb(void *ud, const ctask_executor_rec *r)
{
	struct execs *u = ud;
	ASSERT(u->n < 4);
	ASSERT_STR(r->host, "hostA");
	snprintf(u->owner[u->n], sizeof u->owner[0], "%s", r->owner);
	u->r[u->n] = *r;
	u->r[u->n].owner = u->owner[u->n];
	u->r[u->n].host = NULL;
	u->n++;
	return 0;
}

static int count_cb(void *ud, const ctask_record *r)
{
	(void)r;
	++*(int *)ud;
	return 0;
}

/* The inputs of a test record (ctask_record.inputs): tasks task_hash(i). */
typedef struct {
	ctask_hash h[8];
	size_t n;
} test_inputs;

static int input_calls; /* of inputs_of */

static void inputs_of(void *ud, ctask_buf *out)
{
	const test_inputs *t = ud;
	input_calls++;
	ctask_buf_append(out, t->h, t->n * sizeof t->h[0]);
}

static test_inputs inputs(const int *in, size_t n)
{
	test_inputs t = {.n = n};
	ASSERT(n <= 8);
	for (size_t k = 0; k < n; k++)
		task_hash(in[k], &t.h[k]);
	return t;
}

/* Puts one done record of task i (n bytes of d) with inputs in; returns
 * whether it was refused. */
static int put_with_inputs(ctask_store *s, int i, const uint8_t *d, size_t n,
			   const int *in, size_t nin)
{
	test_inputs t = inputs(in, nin);
	ctask_record r = done_rec(i, d, n);
	r.inputs = inputs_of;
	r.inputs_ud = &t;
	uint8_t refused = 9;
	ASSERT_EQ(ctask_store_put(s, 1, &r, &refused), 0);
	ASSERT(refused <= 1);
	return refused;
}

static bool has_result(ctask_store *s, int i)
{
	ctask_record r;
	ctask_hash h;
	task_hash(i, &h);
	return ctask_store_get(s, &h, &r, NULL) == 0;
}

/* A result whose inputs were deleted after they were read (an invalidate
 * during a run, by another process) is refused by put: not written, and
 * reported. Inputs in the same put count (unless refused themselves);
 * while nothing was deleted since the handle's scan, inputs are trusted
 * (not looked up). */
TEST(put_refuses_deleted_inputs)
{
	fresh();
	ctask_store *s = open_new(), *other = open_new();
	uint8_t *d = bytes(30000, 1);
	put1(s, done_rec(1, d, 10));
	put1(s, done_rec(2, d, 10));
	int a[] = {1, 2}, b[] = {2}, ghost[] = {99};
	/* nothing deleted: inputs are trusted, even one never stored */
	ASSERT_EQ(put_with_inputs(s, 10, d, 10, ghost, 1), 0);
	ASSERT(has_result(s, 10));
	/* a delete that removes nothing counts for nothing */
	ctask_hash h;
	task_hash(98, &h);
	ASSERT_EQ(ctask_store_delete(other, 1, &h, NULL, NULL), 0);
	ASSERT_EQ(put_with_inputs(s, 11, d, 10, ghost, 1), 0);
	ASSERT_EQ(input_calls, 0); /* not even listed */

	task_hash(1, &h);
	ASSERT_EQ(ctask_store_delete(other, 1, &h, NULL, NULL), 0);
	int before = redis_url ? 0 : count_objects();
	ASSERT_EQ(put_with_inputs(s, 3, d, 30000, a, 2), 1); /* 1 is gone */
	ASSERT_EQ(input_calls, 1);
	ASSERT(!has_result(s, 3));
	if (!redis_url) /* its object did not stay */
		ASSERT_EQ(count_objects(), before);
	ASSERT_EQ(put_with_inputs(s, 4, d, 10, b, 1), 0);
	ASSERT(has_result(s, 4));

	/* one put: 5 reads 6 (written with it), 7 reads 1 (gone), 8 reads 7
	 * (refused with it), 9 reads 1 too but 1 is in this put */
	int six[] = {6}, one[] = {1}, seven[] = {7};
	test_inputs in5 = inputs(six, 1), in7 = inputs(one, 1),
		    in8 = inputs(seven, 1);
	ctask_record r[4] = {done_rec(5, d, 10), done_rec(6, d, 10),
			     done_rec(7, d, 10), done_rec(8, d, 10)};
	r[0].inputs = r[2].inputs = r[3].inputs = inputs_of;
	r[0].inputs_ud = &in5;
	r[2].inputs_ud = &in7;
	r[3].inputs_ud = &in8;
	uint8_t refused[4];
	ASSERT_EQ(ctask_store_put(s, 4, r, refused), 0);
	ASSERT(!refused[0] && !refused[1] && refused[2] && refused[3]);
	ASSERT(has_result(s, 5) && has_result(s, 6));
	ASSERT(!has_result(s, 7) && !has_result(s, 8));
	ctask_record r2[2] = {done_rec(9, d, 10), done_rec(1, d, 10)};
	r2[0].inputs = inputs_of;
	r2[0].inputs_ud = &in7;
	ASSERT_EQ(ctask_store_put(s, 2, r2, refused), 0);
	ASSERT(!refused[0] && !refused[1]);
	ASSERT(has_result(s, 9));

	/* after a scan, what was deleted before it is known to the caller */
	ASSERT_EQ(ctask_store_delete(other, 1, &in7.h[0], NULL, NULL), 0);
	int n = 0;
	ASSERT_EQ(ctask_store_scan(s, count_cb, &n), 0);
	ASSERT_EQ(put_with_inputs(s, 12, d, 10, a, 2), 0);
	ASSERT(has_result(s, 12));

	/* inputs need somewhere to say what was refused */
	ctask_record bad = done_rec(13, d, 10);
	bad.inputs = inputs_of;
	bad.inputs_ud = &in5;
	ASSERT_EQ(ctask_store_put(s, 1, &bad, NULL), CTASK_EUSAGE);
	ctask_store_close(s);
	ctask_store_close(other);
	free(d);
	cleanup();
}

/* status --workers' "tasks done" is what an executor has committed: each
 * put adds its records to the putter's counts, in its transaction; a
 * heartbeat leaves them. */
TEST(put_counts_tasks_done)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), e2 = executor("h:2:2");
	uint8_t *d = bytes(10, 1);
	ASSERT_EQ(ctask_store_executor_begin(s, &e1), 0);
	ASSERT_EQ(ctask_store_executor_begin(s, &e2), 0);
	ctask_store_set_executor(s, &e1);
	ctask_record r[3] = {done_rec(1, d, 10), done_rec(2, d, 10),
			     failed_rec(3, "boom")};
	ASSERT_EQ(ctask_store_put(s, 3, r, NULL), 0);
	put1(s, done_rec(4, d, 10));
	ASSERT_EQ(ctask_store_heartbeat(s, &e1, 30), 0);
	ctask_store_set_executor(s, NULL);
	put1(s, done_rec(5, d, 10)); /* no executor's */
	struct execs ex = {0};
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT_EQ(ex.n, 2);
	ASSERT_STR(ex.owner[0], "h:1:1");
	ASSERT_EQ(ex.r[0].done, 3);
	ASSERT_EQ(ex.r[0].failed, 1);
	ASSERT_EQ(ex.r[1].done, 0);
	ASSERT_EQ(ex.r[1].failed, 0);
	ctask_store_close(s);
	free(d);
	cleanup();
}

TEST(heartbeat_extends)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), e2 = executor("h:2:2");
	uint8_t out[2];
	double x[2];

	ASSERT_EQ(ctask_store_executor_begin(s, &e1), 0);
	lease(s, &e1, 0.05, 1, 2, out, x);
	ASSERT_EQ(ctask_store_heartbeat(s, &e1, 30), 0);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 2);
	ASSERT(u.expires[0] > x[0] && u.expires[1] > x[1]);
	usleep(100000); /* past the first ttl, not the renewed one */
	lease(s, &e2, 30, 1, 2, out, x);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD);
	ASSERT_EQ(out[1], CTASK_LEASE_HELD);
	/* e1's record, renewed; e2's, made by its lease */
	struct execs ex = {0};
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT_EQ(ex.n, 2);
	ASSERT_STR(ex.owner[0], "h:1:1");
	ASSERT_EQ(ex.r[0].done, 0);
	ASSERT(ex.r[0].heartbeat >= e1.started);
	ASSERT(ex.r[0].expires == u.expires[0]);
	ASSERT(ex.r[0].expires >= ex.r[0].heartbeat + 30);
	ASSERT(ex.r[0].finished == 0);
	ASSERT_STR(ex.owner[1], "h:2:2");
	ASSERT(ex.r[1].expires > wall() + 29);
	ctask_store_close(s);
	cleanup();
}

TEST(release_own_only)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), e2 = executor("h:2:2");
	uint8_t out[3];
	ctask_hash h1, h4;
	task_hash(1, &h1);
	task_hash(4, &h4);

	lease(s, &e1, 30, 1, 3, out, NULL);
	lease(s, &e2, 30, 4, 2, out, NULL);
	ASSERT_EQ(ctask_store_release(s, &e1, 1, &h1), 0);
	ASSERT_EQ(ctask_store_release(s, &e1, 1, &h4), 0); /* e2's: kept */
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 4);
	ASSERT(owner_of(&u, 1) == NULL);
	ASSERT_STR(owner_of(&u, 4), "h:2:2");

	ASSERT_EQ(ctask_store_release(s, &e1, 0, NULL), 0);
	u = leases_of(s);
	ASSERT_EQ(u.n, 2);
	ASSERT_STR(owner_of(&u, 4), "h:2:2");
	ASSERT_STR(owner_of(&u, 5), "h:2:2");
	lease(s, &e2, 30, 1, 3, out, NULL);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(out[i], CTASK_LEASE_TAKEN);
	ctask_store_close(s);
	cleanup();
}

TEST(executors_begin_end)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1");
	usleep(1000);
	ctask_executor e2 = executor("h:2:2");
	uint8_t out[2];

	ASSERT_EQ(ctask_store_executor_begin(s, &e1), 0);
	ASSERT_EQ(ctask_store_executor_begin(s, &e2), 0);
	lease(s, &e1, 30, 1, 2, out, NULL);
	lease(s, &e2, 30, 3, 1, out, NULL);
	ASSERT_EQ(ctask_store_executor_end(s, &e1, 7, 2), 0);
	struct execs ex = {0};
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT_EQ(ex.n, 2);
	ASSERT_STR(ex.r[0].owner, "h:1:1"); /* oldest first */
	ASSERT(ex.r[0].started == e1.started);
	ASSERT_EQ(ex.r[0].pid, getpid());
	ASSERT(ex.r[0].finished >= e1.started);
	ASSERT(ex.r[0].heartbeat == ex.r[0].finished);
	ASSERT_EQ(ex.r[0].done, 7);
	ASSERT_EQ(ex.r[0].failed, 2);
	ASSERT_STR(ex.r[1].owner, "h:2:2");
	ASSERT(ex.r[1].finished == 0);
	ASSERT_EQ(ex.r[1].done, 0);
	/* ending released e1's leases, not e2's */
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 1);
	ASSERT_STR(owner_of(&u, 3), "h:2:2");
	ctask_store_close(s);
	cleanup();
}

/* On SQLite: the attempts row names the executor that recorded it. */
static void attempt_row_names_owner(void)
{
	sqlite3 *h;
	sqlite3_stmt *q;
	ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
	ASSERT_EQ(sqlite3_prepare_v2(h,
				     "SELECT attempt, name, message, host,"
				     " owner FROM attempts",
				     -1, &q, NULL),
		  SQLITE_OK);
	ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
	ASSERT_EQ(sqlite3_column_int(q, 0), 1);
	ASSERT_STR((const char *)sqlite3_column_text(q, 1), "f");
	ASSERT_STR((const char *)sqlite3_column_text(q, 2), "bang");
	ASSERT_STR((const char *)sqlite3_column_text(q, 3), "hostA");
	ASSERT_STR((const char *)sqlite3_column_text(q, 4), "h:1:1");
	ASSERT_EQ(sqlite3_step(q), SQLITE_DONE);
	sqlite3_finalize(q);
	sqlite3_close(h);
}

TEST(attempts_recorded)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1");
	ctask_hash h1, h2;
	task_hash(1, &h1);
	task_hash(2, &h2);
	int count = -1;

	ctask_store_set_executor(s, &e1);
	ASSERT_EQ(ctask_store_attempt(s, &h1, "f", 1, "boom", 1.0, 0.5), 0);
	ASSERT_EQ(ctask_store_attempt(s, &h1, "f", 2, NULL, 2.0, 0.5), 0);
	ASSERT_EQ(ctask_store_attempt(s, &h2, "f", 1, "bang", 3.0, 0.5), 0);
	ASSERT_EQ(ctask_store_attempts(s, &h1, &count), 0);
	ASSERT_EQ(count, 2);
	ASSERT_EQ(ctask_store_attempt(s, &h1, "f", 2, "again", 4.0, 0.5), 0);
	ASSERT_EQ(ctask_store_attempts(s, &h1, &count), 0);
	ASSERT_EQ(count, 2);
	ctask_hash none;
	task_hash(99, &none);
	ASSERT_EQ(ctask_store_attempts(s, &none, &count), 0);
	ASSERT_EQ(count, 0);

	/* delete takes a task's attempts, and never its lease */
	uint8_t out[1];
	lease(s, &e1, 30, 1, 1, out, NULL);
	ctask_store_set_executor(s, NULL);
	put1(s, failed_rec(1, "boom"));
	uint64_t n = 0;
	ASSERT_EQ(ctask_store_delete(s, 1, &h1, &n, NULL), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(ctask_store_attempts(s, &h1, &count), 0);
	ASSERT_EQ(count, 0);
	ASSERT_EQ(ctask_store_attempts(s, &h2, &count), 0);
	ASSERT_EQ(count, 1);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 1);
	ASSERT_STR(owner_of(&u, 1), "h:1:1");
	ctask_store_close(s);

	if (!redis_url)
		attempt_row_names_owner();
	cleanup();
}

TEST(lease_usage)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1"), anon = executor(NULL);
	ctask_hash h;
	task_hash(1, &h);
	uint8_t out[1];
	ASSERT_EQ(ctask_store_lease(s, &e1, 0, 1, &h, out, NULL), CTASK_EUSAGE);
	ASSERT_EQ(ctask_store_lease(s, &anon, 30, 1, &h, out, NULL),
		  CTASK_EUSAGE);
	ASSERT_EQ(ctask_store_heartbeat(s, NULL, 30), CTASK_EUSAGE);
	ASSERT_EQ(ctask_store_lease(s, &e1, 30, 0, NULL, NULL, NULL), 0);
	ASSERT_EQ(leases_of(s).n, 0);
	ctask_store_close(s);
	cleanup();
}

/* Two processes lease the same 200 hashes in batches of 10 at once: each
 * hash is TAKEN by exactly one of them (the other sees it HELD). */
TEST(lease_race)
{
	enum { N = 200, BATCH = 10 };
	fresh();
	ctask_store_close(open_new());
	int go[2];
	ASSERT_EQ(pipe(go), 0);
	pid_t kids[2];
	for (int k = 0; k < 2; k++) {
		if ((kids[k] = fork()) == 0) {
			char owner[32], path[160];
			uint8_t out[N];
			ctask_hash hs[N];
			ctask_store *s;
			snprintf(owner, sizeof owner, "h:%d:%d", k, k);
			ctask_executor e = executor(owner);
			for (int i = 0; i < N; i++)
				task_hash(i, &hs[i]);
			if (ctask_store_open(where, 0, &s) != 0)
				_exit(2);
			close(go[1]);
			char c;
			if (read(go[0], &c, 1) != 0) /* wait for the start */
				_exit(3);
			for (int i = 0; i < N; i += BATCH)
				if (ctask_store_lease(s, &e, 30, BATCH, hs + i,
						      out + i, NULL) != 0)
					_exit(4);
			ctask_store_close(s);
			snprintf(path, sizeof path, "%s/out-%d", root, k);
			FILE *f = fopen(path, "w");
			if (!f || fwrite(out, 1, N, f) != N || fclose(f))
				_exit(5);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]); /* both start now */
	uint8_t outs[2][N];
	for (int k = 0; k < 2; k++) {
		int st;
		char path[160];
		ASSERT_EQ(waitpid(kids[k], &st, 0), kids[k]);
		ASSERT(WIFEXITED(st));
		ASSERT_EQ(WEXITSTATUS(st), 0);
		snprintf(path, sizeof path, "%s/out-%d", root, k);
		FILE *f = fopen(path, "r");
		ASSERT(f);
		ASSERT_EQ(fread(outs[k], 1, N, f), N);
		fclose(f);
	}
	int taken[2] = {0, 0};
	for (int i = 0; i < N; i++) {
		int a = outs[0][i], b = outs[1][i];
		if (!((a == CTASK_LEASE_TAKEN && b == CTASK_LEASE_HELD) ||
		      (a == CTASK_LEASE_HELD && b == CTASK_LEASE_TAKEN)))
			TFAIL("hash %d: outcomes %d and %d", i, a, b);
		taken[0] += a == CTASK_LEASE_TAKEN;
		taken[1] += b == CTASK_LEASE_TAKEN;
	}
	ASSERT_EQ(taken[0] + taken[1], N);
	ctask_store *s = open_new();
	ASSERT_EQ(ctask_store_release(s, &(ctask_executor){.owner = "h:0:0"}, 0,
				      NULL),
		  0);
	ASSERT_EQ(ctask_store_release(s, &(ctask_executor){.owner = "h:1:1"}, 0,
				      NULL),
		  0);
	ASSERT_EQ(leases_of(s).n, 0);
	ctask_store_close(s);
	cleanup();
}

/* What scan says about the leases (RUNNING records) and the rest. */
struct run_ud {
	int n, running, live;
	int failed;
	double expires; /* of the last RUNNING record */
};

static int run_cb(void *ud, const ctask_record *r)
{
	struct run_ud *u = ud;
	u->n++;
	if (r->state != CTASK_REC_RUNNING) {
		ASSERT(!r->live);
		u->failed += r->state == CTASK_REC_FAILED;
		return 0;
	}
	ASSERT_STR(r->name, "");
	ASSERT_EQ(r->size, 0);
	ASSERT(r->message == NULL && r->fingerprint == NULL);
	ASSERT_STR(r->host, "hostA");
	u->running++;
	u->live += r->live;
	u->expires = r->expires;
	return 0;
}

static struct run_ud scan_running(ctask_store *s)
{
	struct run_ud u = {0};
	ASSERT_EQ(ctask_store_scan(s, run_cb, &u), 0);
	return u;
}

/* A lease is no result for get, is never deleted, and is reported by scan
 * as a RUNNING record (live until its owner's expiry) until the task has a
 * done result. */
TEST(running_row)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1");
	uint8_t out[2], *d = bytes(10, 1);
	double x[2];
	ctask_hash h1;
	task_hash(1, &h1);
	ctask_record r;
	ctask_buf b = {0};

	lease(s, &e1, 0.2, 1, 2, out, x);
	ASSERT_EQ(ctask_store_get(s, &h1, &r, &b), CTASK_ENOTFOUND);
	struct run_ud u = scan_running(s);
	ASSERT_EQ(u.n, 2);
	ASSERT_EQ(u.running, 2);
	ASSERT_EQ(u.live, 2);
	ASSERT(u.expires == x[1]);
	uint64_t n = 0, freed = 0;
	ASSERT_EQ(ctask_store_delete(s, 1, &h1, &n, &freed), 0);
	ASSERT_EQ(n, 0);
	ASSERT_EQ(leases_of(s).n, 2);

	usleep(250000); /* past e1's expiry: still there, no longer live */
	u = scan_running(s);
	ASSERT_EQ(u.running, 2);
	ASSERT_EQ(u.live, 0);

	put1(s, done_rec(1, d, 10));
	ASSERT_EQ(ctask_store_get(s, &h1, &r, &b), 0);
	ASSERT_EQ(r.state, CTASK_REC_DONE);
	u = scan_running(s);
	ASSERT_EQ(u.n, 2);
	ASSERT_EQ(u.running, 1);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(d);
	cleanup();
}

/* An executor is live until it ends or its expiry (begin: e->ttl, or 30 s;
 * then each heartbeat and lease: now + ttl) passes. */
TEST(executor_expiry)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor e1 = executor("h:1:1");
	usleep(1000);
	ctask_executor e2 = executor("h:2:2"), bad = executor("h:3:3");
	e1.ttl = 5;
	double t0 = wall();

	ASSERT_EQ(ctask_store_executor_begin(s, &e1), 0);
	ASSERT_EQ(ctask_store_executor_begin(s, &e2), 0);
	struct execs ex = {0};
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT_EQ(ex.n, 2);
	ASSERT(ex.r[0].expires == ex.r[0].heartbeat + 5);
	ASSERT(ex.r[0].heartbeat >= t0 && ex.r[0].heartbeat <= wall());
	ASSERT(ex.r[1].expires == ex.r[1].heartbeat + 30);

	ASSERT_EQ(ctask_store_heartbeat(s, &e1, 0.05), 0);
	ASSERT_EQ(ctask_store_executor_end(s, &e2, 0, 0), 0);
	memset(&ex, 0, sizeof ex);
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT(ex.r[0].expires == ex.r[0].heartbeat + 0.05);
	ASSERT_EQ(ex.r[0].done, 0);
	ASSERT(ex.r[0].finished == 0);
	ASSERT(ex.r[1].finished > 0);

	bad.ttl = -1;
	ASSERT_EQ(ctask_store_executor_begin(s, &bad), CTASK_EUSAGE);
	bad.ttl = NAN;
	ASSERT_EQ(ctask_store_executor_begin(s, &bad), CTASK_EUSAGE);
	ctask_store_close(s);
	cleanup();
}

/* Live executors and leases of a store, as listed for status --workers. */
static int live_exec_cb(void *ud, const ctask_executor_rec *r)
{
	*(int *)ud += r->live;
	return 0;
}

static int live_lease_cb(void *ud, const ctask_lease *l)
{
	*(int *)ud += l->live;
	return 0;
}

static int live_executors(ctask_store *s)
{
	int n = 0;
	ASSERT_EQ(ctask_store_executors(s, live_exec_cb, &n), 0);
	return n;
}

static int live_leases(ctask_store *s)
{
	int n = 0;
	ASSERT_EQ(ctask_store_leases(s, live_lease_cb, &n), 0);
	return n;
}

/* An executor of this host (same boot id and pid namespace) whose process
 * has ended is dead at once, with a long ttl ahead: its leases are taken
 * over, scan and the listings say it is not running. Only proof counts:
 * the same row with another boot id (another host, or a container with
 * its own pid namespace) lives until its expiry, pid gone or not. */
TEST(gone_owner_dead_at_once)
{
	fresh();
	ctask_store *s = open_new();
	const ctask_proc_id *me = ctask_proc_self();
	pid_t kid = fork();
	ASSERT(kid >= 0);
	if (kid == 0) {
		for (;;)
			pause();
	}
	ctask_executor a = executor("h:a:1"), b = executor("h:b:2");
	a.pid = kid;
	a.boot_id = me->boot_id;
	a.pid_ns = me->pid_ns;
	ASSERT_EQ(ctask_proc_start(kid, &a.proc_start), 0);
	a.ttl = 600;
	b.boot_id = me->boot_id;
	b.pid_ns = me->pid_ns;
	b.proc_start = me->start;
	uint8_t out[2];

	ASSERT_EQ(ctask_store_executor_begin(s, &a), 0);
	lease(s, &a, 600, 1, 2, out, NULL);
	ASSERT(out[0] == CTASK_LEASE_TAKEN && out[1] == CTASK_LEASE_TAKEN);
	lease(s, &b, 600, 1, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD); /* a runs */
	ASSERT_EQ(scan_running(s).live, 2);
	ASSERT_EQ(live_executors(s), 2);
	ASSERT_EQ(live_leases(s), 2);

	kill(kid, SIGKILL);
	ASSERT_EQ(waitpid(kid, NULL, 0), kid);
	ASSERT_EQ(scan_running(s).live, 0);
	ASSERT_EQ(live_executors(s), 1); /* b */
	ASSERT_EQ(live_leases(s), 0);
	lease(s, &b, 600, 1, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN);
	struct run_ud u = scan_running(s);
	ASSERT_EQ(u.running, 2);
	ASSERT_EQ(u.live, 1); /* b's; task 2 is still in a's dead row */

	/* the same row, of another host: a's pid proves nothing there */
	if (redis_url)
		freeReplyObject(
			redis("HSET %s:x:h:a:1 boot_id another-boot", prefix));
	else
		sql(db, "UPDATE executors SET boot_id = 'another-boot' WHERE"
			" owner = 'h:a:1'");
	ASSERT_EQ(live_executors(s), 2);
	lease(s, &b, 600, 2, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD);
	ASSERT_EQ(scan_running(s).live, 2);
	/* nor does a row of unknown identity (made before schema 3) */
	if (redis_url)
		freeReplyObject(redis(
			"HDEL %s:x:h:a:1 boot_id pid_ns proc_start", prefix));
	else
		sql(db, "UPDATE executors SET boot_id = NULL, pid_ns = NULL,"
			" proc_start = NULL WHERE owner = 'h:a:1'");
	lease(s, &b, 600, 2, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD);
	ctask_store_close(s);
	cleanup();
}

/* An executor killed while holding leases (no end, no more heartbeats):
 * they stay held until its expiry passes, then are taken over. */
TEST(killed_executor_taken_over)
{
	fresh();
	ctask_store_close(open_new());
	ctask_executor dead = executor("h:9:9"), e2 = executor("h:2:2");
	dead.ttl = 1;
	int ready[2];
	ASSERT_EQ(pipe(ready), 0);
	pid_t kid = fork();
	if (kid == 0) {
		ctask_store *s;
		uint8_t out[3];
		ctask_hash hs[3];
		for (int i = 0; i < 3; i++)
			task_hash(1 + i, &hs[i]);
		if (ctask_store_open(where, 0, &s) != 0 ||
		    ctask_store_executor_begin(s, &dead) != 0 ||
		    ctask_store_lease(s, &dead, 1, 3, hs, out, NULL) != 0 ||
		    write(ready[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c;
	ASSERT_EQ(read(ready[0], &c, 1), 1);
	close(ready[0]);
	kill(kid, SIGKILL);
	int st;
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	ASSERT(WIFSIGNALED(st));

	ctask_store *s = open_new();
	uint8_t out[3];
	double x[3];
	lease(s, &e2, 30, 1, 3, out, x);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(out[i], CTASK_LEASE_HELD);
	struct execs ex = {0};
	ASSERT_EQ(ctask_store_executors(s, exec_cb, &ex), 0);
	ASSERT_STR(ex.owner[0], "h:9:9");
	ASSERT(ex.r[0].finished == 0);	 /* it never ended */
	ASSERT(ex.r[0].expires == x[0]); /* but its leases die then */
	while (wall() <= x[0])
		usleep(20000);
	lease(s, &e2, 30, 1, 3, out, x);
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(out[i], CTASK_LEASE_TAKEN);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 3);
	for (int i = 1; i <= 3; i++)
		ASSERT_STR(owner_of(&u, i), "h:2:2");
	ctask_store_close(s);
	cleanup();
}

/* A lease retrying an old failure: the failure stays a result (get, and
 * scan, which reports the lease too) until the retry's result replaces
 * it; delete takes the failure and leaves the lease. */
TEST(lease_over_failure)
{
	fresh();
	ctask_store *s = open_new();
	put1(s, failed_rec(1, "old failure"));
	usleep(10000);
	ctask_executor e1 = executor("h:1:1");
	ctask_hash h1;
	task_hash(1, &h1);
	ctask_record r;
	uint8_t out[1];

	lease(s, &e1, 30, 1, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN);
	ASSERT_EQ(ctask_store_get(s, &h1, &r, NULL), 0);
	ASSERT_EQ(r.state, CTASK_REC_FAILED);
	ASSERT_STR(r.message, "old failure");
	struct run_ud u = scan_running(s);
	ASSERT_EQ(u.n, 2);
	ASSERT_EQ(u.failed, 1);
	ASSERT_EQ(u.live, 1);

	uint64_t n = 0;
	ASSERT_EQ(ctask_store_delete(s, 1, &h1, &n, NULL), 0);
	ASSERT_EQ(n, 1);
	ASSERT_EQ(ctask_store_get(s, &h1, &r, NULL), CTASK_ENOTFOUND);
	ASSERT_EQ(leases_of(s).n, 1);
	u = scan_running(s);
	ASSERT_EQ(u.n, 1);
	ASSERT_EQ(u.live, 1);
	ASSERT_EQ(ctask_store_release(s, &e1, 0, NULL), 0);
	ASSERT_EQ(leases_of(s).n, 0);
	ASSERT_EQ(scan_running(s).n, 0);
	ctask_store_close(s);
	cleanup();
}

/* Records the fingerprints seen by scan, by hash index (0..2). */
struct prov_ud {
	int fp_known[3];
	ctask_hash fp[3];
};

static int prov_cb(void *ud, const ctask_record *r)
{
	struct prov_ud *u = ud;
	for (int i = 0; i < 3; i++) {
		ctask_hash h;
		task_hash(i, &h);
		if (ctask_hash_cmp(&h, &r->hash) != 0)
			continue;
		u->fp_known[i] = r->fingerprint != NULL;
		if (r->fingerprint)
			u->fp[i] = *r->fingerprint;
		ASSERT(r->commit == NULL); /* scan reads only the fingerprint */
		ASSERT_EQ(r->dirty, -1);
	}
	return 0;
}

TEST(provenance_roundtrip)
{
	fresh();
	ctask_store *s = open_new();
	ctask_hash fp;
	ctask_hash_bytes("code", 4, &fp);
	const char *commit = "0123456789abcdef0123456789abcdef01234567";
	/* 0: everything known; 1: no repository; 2: failed, dirty. */
	ctask_record r0 = done_rec(0, (const uint8_t *)"x", 1);
	r0.fingerprint = &fp, r0.commit = commit, r0.dirty = 0;
	ctask_record r1 = done_rec(1, (const uint8_t *)"y", 1);
	r1.dirty = -1;
	ctask_record r2 = failed_rec(2, "boom");
	r2.fingerprint = &fp, r2.commit = commit, r2.dirty = 1;
	put1(s, r0);
	put1(s, r1);
	put1(s, r2);
	ctask_record r;
	ctask_hash h;
	task_hash(0, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, NULL), 0);
	ASSERT(r.fingerprint && ctask_hash_cmp(r.fingerprint, &fp) == 0);
	ASSERT_STR(r.commit, commit);
	ASSERT_EQ(r.dirty, 0);
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, NULL), 0);
	ASSERT(r.fingerprint == NULL && r.commit == NULL);
	ASSERT_EQ(r.dirty, -1);
	task_hash(2, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, NULL), 0);
	ASSERT(r.fingerprint && ctask_hash_cmp(r.fingerprint, &fp) == 0);
	ASSERT_STR(r.commit, commit);
	ASSERT_EQ(r.dirty, 1);
	struct prov_ud u;
	memset(&u, 0, sizeof u);
	ASSERT_EQ(ctask_store_scan(s, prov_cb, &u), 0);
	ASSERT(u.fp_known[0] && !u.fp_known[1] && u.fp_known[2]);
	ASSERT_EQ(ctask_hash_cmp(&u.fp[0], &fp), 0);
	ctask_store_close(s);
	cleanup();
}

/* What ctask_store_get_sorted delivered, per requested hash. */
struct got {
	int rc[300];
	size_t size[300];
	uint8_t first[300];
	size_t calls;
};

static int got_cb(void *ud, size_t i, int rc, const uint8_t *data, size_t size)
{
	struct got *g = ud;
	if (i != g->calls++)
		TFAIL("callback for %zu out of order", i);
	g->rc[i] = rc;
	g->size[i] = size;
	g->first[i] = data && size ? data[0] : 0;
	return 0;
}

static int by_hash_cmp(const void *a, const void *b)
{
	return ctask_hash_cmp(a, b);
}

/* An ordered bulk read finds every stored result among many (dense and
 * sparse requests, duplicates, an object), reports missing, failed and
 * corrupt ones, and calls back once per request, in order. */
TEST(get_sorted)
{
	fresh();
	ctask_store *s = open_new();
	static uint8_t small[200][8];
	ctask_record recs[200];
	for (int i = 0; i < 200; i++) {
		small[i][0] = (uint8_t)i;
		recs[i] = done_rec(i, small[i], 8);
	}
	ASSERT_EQ(ctask_store_put(s, 200, recs, NULL), 0);
	uint8_t *big = bytes(30000, 3);
	put1(s, done_rec(500, big, 30000));
	put1(s, failed_rec(501, "no"));
	/* Every 7th result, one twice, three missing, the big and the
	 * failed one; then the inline result of task 3 corrupted. */
	ctask_hash hs[40];
	size_t n = 0;
	for (int i = 0; i < 200; i += 7)
		task_hash(i, &hs[n++]);
	task_hash(14, &hs[n++]);
	for (int i = 900; i < 903; i++)
		task_hash(i, &hs[n++]);
	task_hash(500, &hs[n++]);
	task_hash(501, &hs[n++]);
	qsort(hs, n, sizeof *hs, by_hash_cmp);
	struct got g = {0};
	ASSERT_EQ(ctask_store_get_sorted(s, n, hs, got_cb, &g), 0);
	ASSERT_EQ(g.calls, n);
	size_t found = 0, missing = 0;
	for (size_t i = 0; i < n; i++) {
		ctask_hash want;
		if (g.rc[i] == 0) {
			found++;
			if (g.size[i] == 30000)
				continue;
			ASSERT_EQ(g.size[i], 8);
			task_hash(g.first[i], &want);
			ASSERT_MEM(want.b, hs[i].b, 16);
		} else {
			ASSERT_EQ(g.rc[i], CTASK_ENOTFOUND);
			missing++;
		}
	}
	ASSERT_EQ(found, 29 + 1 + 1);
	ASSERT_EQ(missing, 3 + 1);

	corrupt_checksum(&recs[3].hash);
	struct got g2 = {0};
	ASSERT_EQ(ctask_store_get_sorted(s, 1, &recs[3].hash, got_cb, &g2), 0);
	ASSERT_EQ(g2.rc[0], CTASK_ECORRUPT);
	ASSERT(strstr(ctask_error_last(), "checksum mismatch"));
	ctask_store_close(s);
	free(big);
	cleanup();
}

/* After a scan, a lease skips looking results up only while no other
 * connection has written: a result another executor put since is DONE. */
TEST(lease_after_scan_sees_other_writers)
{
	fresh();
	ctask_store *s1 = open_new(), *s2 = open_new();
	ctask_executor e1 = executor("h:1:1");
	uint8_t out[1], *d = bytes(10, 3);
	struct scan_ud u = {0};

	put1(s1, done_rec(1, d, 10));
	ASSERT_EQ(ctask_store_scan(s1, scan_cb, &u), 0);
	ASSERT_EQ(u.n, 1);
	put1(s2, done_rec(2, d, 10)); /* another connection */
	lease(s1, &e1, 30, 2, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_DONE);
	lease(s1, &e1, 30, 3, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN);
	ctask_store_close(s1);
	ctask_store_close(s2);
	free(d);
	cleanup();
}

/* A task taken over from an owner whose lease expired is taken alone: the
 * rest of that owner's batch is still its own when it comes back (paused
 * past its ttl, then renewed), and others find it HELD. */
TEST(takeover_takes_only_what_it_asks)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor a = executor("h:1:1"), b = executor("h:2:2"),
		       c = executor("h:3:3");
	uint8_t out[3];

	lease(s, &a, 0.05, 1, 3, out, NULL);
	usleep(100000); /* past a's ttl */
	lease(s, &b, 30, 1, 1, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN);
	ASSERT_EQ(ctask_store_heartbeat(s, &a, 30), 0); /* a is back */
	lease(s, &c, 30, 2, 2, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_HELD);
	ASSERT_EQ(out[1], CTASK_LEASE_HELD);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 3);
	ASSERT_STR(owner_of(&u, 1), "h:2:2");
	ASSERT_STR(owner_of(&u, 2), "h:1:1");
	ASSERT_STR(owner_of(&u, 3), "h:1:1");
	ctask_store_close(s);
	cleanup();
}

/* Put releases the putter's leases across several of its rows, and only
 * the hashes put. */
TEST(put_releases_across_rows)
{
	fresh();
	ctask_store *s = open_new();
	ctask_executor a = executor("h:1:1");
	uint8_t out[3], *d = bytes(10, 5);

	ctask_store_set_executor(s, &a);
	lease(s, &a, 30, 1, 3, out, NULL); /* one row: 1 2 3 */
	lease(s, &a, 30, 4, 3, out, NULL); /* another: 4 5 6 */
	ctask_record recs[3] = {done_rec(2, d, 10), done_rec(4, d, 10),
				done_rec(5, d, 10)};
	ASSERT_EQ(ctask_store_put(s, 3, recs, NULL), 0);
	struct leases u = leases_of(s);
	ASSERT_EQ(u.n, 3);
	for (int i = 1; i <= 6; i++) {
		bool kept = i == 1 || i == 3 || i == 6;
		if (kept)
			ASSERT_STR(owner_of(&u, i), "h:1:1");
		else
			ASSERT(owner_of(&u, i) == NULL);
	}
	ctask_store_close(s);
	free(d);
	cleanup();
}

/* Many records in one put (several statements of 16 rows, and the rest
 * one by one): each row reads back with its own fields, and putting them
 * all again with other bytes replaces every one. */
TEST(put_many_rows)
{
	fresh();
	ctask_store *s = open_new();
	enum { N = 40 };
	static char msgs[N][32];
	uint8_t *data[N];
	ctask_record recs[N];
	ctask_hash fp;
	ctask_hash_bytes("fp", 2, &fp);
	for (int pass = 0; pass < 2; pass++) {
		for (int i = 0; i < N; i++) {
			size_t n = (size_t)(i * 7 % 23);
			data[i] = bytes(n, (unsigned)(i + 100 * pass));
			if (i % 5 == 4) {
				snprintf(msgs[i], sizeof msgs[i], "boom %d", i);
				recs[i] = failed_rec(i, msgs[i]);
			} else {
				recs[i] = done_rec(i, data[i], n);
				recs[i].started = i;
				recs[i].duration = i / 4.0;
			}
			recs[i].fingerprint = i % 3 ? &fp : NULL;
			recs[i].commit = i % 2 ? "abc" : NULL;
			recs[i].dirty = i % 2 ? i % 4 == 1 : -1;
		}
		ASSERT_EQ(ctask_store_put(s, N, recs, NULL), 0);
		for (int i = 0; i < N; i++) {
			ctask_record r;
			ctask_buf b = {0};
			ASSERT_EQ(ctask_store_get(s, &recs[i].hash, &r, &b), 0);
			ASSERT_EQ(r.state, recs[i].state);
			ASSERT_STR(r.name, "f");
			ASSERT(r.duration == recs[i].duration);
			if (r.state == CTASK_REC_DONE) {
				ASSERT_EQ(b.len, recs[i].size);
				if (b.len)
					ASSERT_MEM(b.p, data[i], b.len);
				ASSERT(r.started == i);
				ASSERT(r.message == NULL);
			} else {
				ASSERT_STR(r.message, msgs[i]);
			}
			ASSERT_STR(r.host, i % 5 == 4 ? "hostB" : "hostA");
			ASSERT_EQ(r.fingerprint != NULL, i % 3 != 0);
			ASSERT_EQ(r.commit != NULL, i % 2 != 0);
			ASSERT_EQ(r.dirty, i % 2 ? i % 4 == 1 : -1);
			ctask_buf_free(&b);
		}
		for (int i = 0; i < N; i++)
			free(data[i]);
	}
	/* 16 in one statement, half of them new, half failures of tasks
	 * that are done: the new ones go in, the done ones stay done. */
	ctask_record mix[16];
	uint8_t *d = bytes(3, 9);
	for (int j = 0; j < 16; j++)
		mix[j] =
			j < 8 ? failed_rec(j < 4 ? j : j + 1, "late") /* done */
			      : done_rec(100 + j, d, 3);
	ASSERT_EQ(ctask_store_put(s, 16, mix, NULL), 0);
	for (int j = 0; j < 16; j++) {
		ctask_record r;
		ASSERT_EQ(ctask_store_get(s, &mix[j].hash, &r, NULL), 0);
		ASSERT_EQ(r.state, CTASK_REC_DONE);
	}
	free(d);
	ctask_store_close(s);
	cleanup();
}

/* ctask_store_done says which tasks have a done result (not failed ones),
 * and after a scan still sees what another connection put since;
 * ctask_store_changed says whether another connection has written. */
TEST(done_lookup)
{
	fresh();
	ctask_store *s1 = open_new(), *s2 = open_new();
	uint8_t *d = bytes(4, 1), done[4];
	ctask_hash hs[4];
	for (int i = 0; i < 4; i++)
		task_hash(i, &hs[i]);
	put1(s1, done_rec(0, d, 4));
	put1(s1, failed_rec(1, "no"));
	ASSERT_EQ(ctask_store_done(s1, 4, hs, done), 0);
	ASSERT(done[0] && !done[1] && !done[2] && !done[3]);
	ASSERT_EQ(ctask_store_changed(s1), 1); /* no scan yet */
	struct scan_ud u = {0};
	ASSERT_EQ(ctask_store_scan(s1, scan_cb, &u), 0);
	ASSERT_EQ(ctask_store_changed(s1), 0);
	put1(s1, done_rec(2, d, 4)); /* its own writes do not count */
	ASSERT_EQ(ctask_store_changed(s1), 0);
	put1(s2, done_rec(3, d, 4));
	ASSERT_EQ(ctask_store_changed(s1), 1);
	ASSERT_EQ(ctask_store_done(s1, 4, hs, done), 0);
	ASSERT(done[0] && !done[1] && done[2] && done[3]);
	ctask_store_close(s1);
	ctask_store_close(s2);
	free(d);
	cleanup();
}

/* What the scan gave for tasks 0..3 (small_cb). */
static struct {
	int seen[4];
	size_t n[4];
	uint8_t bytes[4][CTASK_SCAN_SMALL];
} small;

static int small_cb(void *ud, const ctask_record *r)
{
	(void)ud;
	for (int i = 0; i < 4; i++) {
		ctask_hash h;
		task_hash(i, &h);
		if (ctask_hash_cmp(&h, &r->hash) != 0 || !r->data)
			continue;
		small.seen[i] = 1;
		small.n[i] = (size_t)r->size;
		memcpy(small.bytes[i], r->data, (size_t)r->size);
	}
	return 0;
}

/* The small scan gives the bytes of small done results (checksum
 * verified), and none of larger ones, failures, or a corrupt one: its
 * reader reports it. */
TEST(scan_small_results)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(13, 4);
	ctask_record recs[4] = {done_rec(0, d, 12), done_rec(1, d, 13),
				done_rec(2, d, 0), failed_rec(3, "x")};
	ASSERT_EQ(ctask_store_put(s, 4, recs, NULL), 0);
	ASSERT_EQ(ctask_store_scan_small(s, small_cb, NULL), 0);
	ASSERT(small.seen[0] && !small.seen[1] && small.seen[2] &&
	       !small.seen[3]);
	ASSERT_EQ(small.n[0], 12);
	ASSERT_MEM(small.bytes[0], d, 12);
	ASSERT_EQ(small.n[2], 0);
	ctask_store_close(s);

	corrupt_small(&recs[0].hash);
	memset(&small, 0, sizeof small);
	s = open_new();
	ASSERT_EQ(ctask_store_scan_small(s, small_cb, NULL), 0);
	ASSERT(!small.seen[0] && small.seen[2]);
	ctask_store_close(s);
	free(d);
	cleanup();
}

/* Notes keep a blob per key, replaced by a later set, across opens; a
 * missing key is CTASK_ENOTFOUND. */
TEST(notes)
{
	fresh();
	ctask_store *s = open_new();
	ctask_buf b = {0};
	ASSERT_EQ(ctask_store_note_get(s, "args:primes", &b), CTASK_ENOTFOUND);
	ASSERT_EQ(ctask_store_note_set(s, "args:primes", "a\0b", 3), 0);
	ASSERT_EQ(ctask_store_note_set(s, "args:primes", "x\0yz", 4), 0);
	ASSERT_EQ(ctask_store_note_set(s, "args:other", "", 0), 0);
	ctask_store_close(s);
	s = open_new();
	ASSERT_EQ(ctask_store_note_get(s, "args:primes", &b), 0);
	ASSERT_EQ(b.len, 4);
	ASSERT_MEM(b.p, "x\0yz", 4);
	ASSERT_EQ(ctask_store_note_get(s, "args:other", &b), 0);
	ASSERT_EQ(b.len, 0);
	ASSERT_EQ(ctask_store_note_get(s, "format", &b), CTASK_ENOTFOUND);
	ctask_store_close(s);
	ctask_buf_free(&b);
	cleanup();
}

/* Opening where must fail with code and a message naming where and
 * saying what; nothing is created. */
static void refused_open(const char *at, int code, const char *what)
{
	ctask_store *s = (ctask_store *)1;
	ASSERT_EQ(ctask_store_open(at, CTASK_STORE_CREATE, &s), code);
	ASSERT(s == NULL);
	if (!strstr(ctask_error_last(), what))
		TFAIL("message \"%s\" lacks \"%s\"", ctask_error_last(), what);
}

/* Another schema version is refused, and left as it is; on Redis, so is a
 * prefix holding keys that are not a ctask store, and a server that is not
 * there; the password never shows in a message. */
TEST(version_refused)
{
	fresh();
	ctask_store_close(open_new());
	if (!redis_url) {
		sqlite3 *d;
		ASSERT_EQ(sqlite3_open(db, &d), SQLITE_OK);
		ASSERT_EQ(sqlite3_exec(d,
				       "UPDATE meta SET value = '9' WHERE"
				       " key = 'schema_version'",
				       NULL, NULL, NULL),
			  SQLITE_OK);
		sqlite3_close(d);
		refused_open(where, CTASK_ESTORE, "schema version 9");
		cleanup();
		return;
	}
	freeReplyObject(redis("HSET %s:meta schema_version 9", prefix));
	refused_open(where, CTASK_ESTORE, "has schema version 9");
	redisReply *r = redis("HGET %s:meta schema_version", prefix);
	ASSERT_STR(r->str, "9");
	freeReplyObject(r);

	freeReplyObject(redis("HSET %s:meta format other", prefix));
	refused_open(where, CTASK_ESTORE, "holds something other");

	/* keys of the store's names but no meta: not ours either */
	char other[600];
	snprintf(other, sizeof other, "%s?prefix=%s-x", redis_url, prefix);
	char key[100];
	snprintf(key, sizeof key, "%s-x:idx", prefix);
	freeReplyObject(redis("SET %s hello", key));
	refused_open(other, CTASK_ESTORE, "holds something other");
	r = redis("GET %s", key);
	ASSERT_STR(r->str, "hello");
	freeReplyObject(r);

	/* without CREATE an empty prefix is not a store */
	snprintf(other, sizeof other, "%s?prefix=%s-none", redis_url, prefix);
	ctask_store *s;
	ASSERT_EQ(ctask_store_open(other, 0, &s), CTASK_ENOTFOUND);

	/* nobody listens on port 1; the password is not shown */
	refused_open("redis://:sekrit@127.0.0.1:1/0", CTASK_ESTORE,
		     "store redis://127.0.0.1:1/0: cannot connect");
	ASSERT(!strstr(ctask_error_last(), "sekrit"));
	/* no such database number */
	int port = 0;
	ASSERT(sscanf(redis_url, "redis://127.0.0.1:%d", &port) == 1);
	snprintf(other, sizeof other, "redis://127.0.0.1:%d/99999", port);
	refused_open(other, CTASK_ESTORE, "cannot select the database");
}

static const test_entry contract_tests[] = {
	T(put_get),
	T(scan_all),
	T(failed_roundtrip),
	T(replace_failed_by_done),
	T(notes),
	T(lease_after_scan_sees_other_writers),
	T(takeover_takes_only_what_it_asks),
	T(put_releases_across_rows),
	T(put_many_rows),
	T(done_lookup),
	T(scan_small_results),
	T(concurrent_writers),
	T(lease_held_then_expired),
	T(put_releases_lease),
	T(failed_during_run),
	T(heartbeat_extends),
	T(put_counts_tasks_done),
	T(put_refuses_deleted_inputs),
	T(release_own_only),
	T(executors_begin_end),
	T(attempts_recorded),
	T(lease_usage),
	T(lease_race),
	T(running_row),
	T(executor_expiry),
	T(killed_executor_taken_over),
	T(gone_owner_dead_at_once),
	T(lease_over_failure),
	T(provenance_roundtrip),
	T(get_sorted),
	T(version_refused)};

/* CTASK_TEST_STORE=redis runs the suite on the server CTASK_TEST_REDIS
 * names (tests/with_redis.sh); anything else, on SQLite. */
int main(int argc, char **argv)
{
	const char *which = getenv("CTASK_TEST_STORE");
	if (which && strcmp(which, "redis") == 0) {
		redis_url = getenv("CTASK_TEST_REDIS");
		if (!redis_url || !*redis_url) {
			printf("CTASK_TEST_REDIS is not set: skipped\n");
			return 77;
		}
	}
	return test_main(contract_tests,
			 sizeof contract_tests / sizeof contract_tests[0], argc,
			 argv);
}
