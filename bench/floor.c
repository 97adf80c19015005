/*
 * floor.c - the least work a "hash, compute, store" run of N trivial tasks
 * can do with the same libraries as ctask: the floor its timings are
 * compared with.
 *
 *   floor N DBFILE
 *   floor --hash I      prints the hash of twice(I), as `ctask show` does
 *   floor --version     prints the SQLite library version
 *
 * Pass 1 (a first execute): for i in 0..N-1, hash the call twice(i) with
 * XXH3-128 over ctask's key encoding (README, "Task hashes": "ctask" 0x01,
 * name, version 0, one plain argument as CBOR), compute 2 * i, encode it as
 * CBOR, and insert (hash, result) into a fresh SQLite database in WAL mode,
 * synchronous=NORMAL, one WITHOUT ROWID table keyed by the hash, committing
 * every 100,000 rows.
 *
 * Pass 2 (a no-op execute / status): hash every call again and look it up
 * with one prepared SELECT, reading the result bytes, in one read
 * transaction.
 *
 * Pass 3 (information only): the same answer from one ordered scan: hash
 * every call, sort the hashes, merge them with SELECT ... ORDER BY hash.
 * Pass 2's random lookups miss SQLite's page cache on a large table; a
 * scan reads every page once.
 *
 * Prints "pass1 SECONDS", "pass2 SECONDS" and "pass3 SECONDS"
 * (CLOCK_MONOTONIC; each from opening the database to its last step). No
 * scheduler, no processes, no leases, no checksums: what is left is hashing,
 * B-tree inserts and lookups, and the WAL.
 */
#define XXH_INLINE_ALL
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define TX_ROWS 100000

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(sqlite3 *db, const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, db ? sqlite3_errmsg(db) : "");
	exit(1);
}

static void exec(sqlite3 *db, const char *sql)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		die(db, sql);
}

/* Deterministic CBOR of an int64 (shortest head); returns its length. */
static size_t cbor_int(uint8_t *p, int64_t v)
{
	uint8_t major = 0;
	uint64_t u = (uint64_t)v;
	if (v < 0)
		major = 0x20, u = ~(uint64_t)v;
	if (u < 24) {
		p[0] = major | (uint8_t)u;
		return 1;
	}
	int n = u <= 0xff ? 1 : u <= 0xffff ? 2 : u <= 0xffffffffu ? 4 : 8;
	p[0] = major | (n == 1 ? 24 : n == 2 ? 25 : n == 4 ? 26 : 27);
	for (int k = 0; k < n; k++)
		p[1 + k] = (uint8_t)(u >> (8 * (n - 1 - k)));
	return 1 + (size_t)n;
}

/* XXH3-128 of the key of twice(i), in canonical (big-endian) bytes. */
__attribute__((noinline)) static void task_hash(int64_t i, uint8_t out[16])
{
	static const char name[] = "twice";
	uint8_t key[64], *p = key;
	memcpy(p, "ctask\x01", 6), p += 6;
	*p++ = (uint8_t)(sizeof name - 1);
	memcpy(p, name, sizeof name - 1), p += sizeof name - 1;
	*p++ = 0; /* version */
	*p++ = 1; /* nargs */
	*p++ = 0x01;
	uint8_t cb[9];
	size_t n = cbor_int(cb, i);
	*p++ = (uint8_t)n;
	memcpy(p, cb, n), p += n;
	XXH128_hash_t h = XXH3_128bits(key, (size_t)(p - key));
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	memcpy(out, c.digest, 16);
}

static sqlite3 *open_db(const char *path)
{
	sqlite3 *db = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		die(db, "open");
	exec(db, "PRAGMA journal_mode=WAL");
	exec(db, "PRAGMA synchronous=NORMAL");
	return db;
}

__attribute__((noinline)) static double pass1(const char *path, int64_t n)
{
	double t0 = now();
	sqlite3 *db = open_db(path);
	sqlite3_stmt *ins;
	exec(db, "CREATE TABLE results (hash BLOB PRIMARY KEY, result BLOB)"
		 " WITHOUT ROWID");
	if (sqlite3_prepare_v2(db, "INSERT INTO results VALUES (?1, ?2)", -1,
			       &ins, NULL) != SQLITE_OK)
		die(db, "prepare insert");
	exec(db, "BEGIN");
	for (int64_t i = 0; i < n; i++) {
		uint8_t h[16], val[9];
		task_hash(i, h);
		size_t vn = cbor_int(val, i * 2); /* the task's work */
		sqlite3_bind_blob(ins, 1, h, 16, SQLITE_STATIC);
		sqlite3_bind_blob(ins, 2, val, (int)vn, SQLITE_STATIC);
		if (sqlite3_step(ins) != SQLITE_DONE)
			die(db, "insert");
		sqlite3_reset(ins);
		if ((i + 1) % TX_ROWS == 0) {
			exec(db, "COMMIT");
			exec(db, "BEGIN");
		}
	}
	exec(db, "COMMIT");
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return now() - t0;
}

__attribute__((noinline)) static double pass2(const char *path, int64_t n)
{
	double t0 = now();
	sqlite3 *db = open_db(path);
	sqlite3_stmt *sel;
	if (sqlite3_prepare_v2(db, "SELECT result FROM results WHERE hash = ?1",
			       -1, &sel, NULL) != SQLITE_OK)
		die(db, "prepare select");
	exec(db, "BEGIN");
	int64_t found = 0;
	size_t bytes = 0;
	for (int64_t i = 0; i < n; i++) {
		uint8_t h[16];
		task_hash(i, h);
		sqlite3_bind_blob(sel, 1, h, 16, SQLITE_STATIC);
		if (sqlite3_step(sel) == SQLITE_ROW) {
			found++;
			bytes += (size_t)sqlite3_column_bytes(sel, 0);
		}
		sqlite3_reset(sel);
	}
	exec(db, "COMMIT");
	sqlite3_finalize(sel);
	sqlite3_close(db);
	double t = now() - t0;
	if (found != n) {
		fprintf(stderr, "floor: found %lld of %lld rows\n",
			(long long)found, (long long)n);
		exit(1);
	}
	(void)bytes;
	return t;
}

static int cmp16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

/* Pass 3 (what a scan-based no-op can do): hash every call, sort the
 * hashes, and merge them with one ordered scan of the table (SQLite
 * returns a WITHOUT ROWID table in key order, as memcmp orders blobs). */
__attribute__((noinline)) static double pass3(const char *path, int64_t n)
{
	double t0 = now();
	uint8_t(*hs)[16] = malloc((size_t)n * 16 + 16);
	if (!hs)
		die(NULL, "out of memory");
	for (int64_t i = 0; i < n; i++)
		task_hash(i, hs[i]);
	qsort(hs, (size_t)n, 16, cmp16);
	sqlite3 *db = open_db(path);
	sqlite3_stmt *scan;
	if (sqlite3_prepare_v2(db,
			       "SELECT hash, result FROM results"
			       " ORDER BY hash",
			       -1, &scan, NULL) != SQLITE_OK)
		die(db, "prepare scan");
	int64_t k = 0, found = 0;
	while (sqlite3_step(scan) == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(scan, 0);
		while (k < n && memcmp(hs[k], h, 16) < 0)
			k++;
		if (k < n && memcmp(hs[k], h, 16) == 0)
			found++, k++;
	}
	sqlite3_finalize(scan);
	sqlite3_close(db);
	free(hs);
	double t = now() - t0;
	if (found != n) {
		fprintf(stderr, "floor: pass 3 found %lld of %lld rows\n",
			(long long)found, (long long)n);
		exit(1);
	}
	return t;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--version") == 0) {
		printf("%s\n", sqlite3_libversion());
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "--hash") == 0) {
		/* The hash of twice(I), to check against `ctask show`. */
		uint8_t h[16];
		task_hash(atoll(argv[2]), h);
		for (int k = 0; k < 16; k++)
			printf("%02x", h[k]);
		printf("\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr,
			"usage: floor N DBFILE | --hash I | --version\n");
		return 2;
	}
	int64_t n = atoll(argv[1]);
	const char *path = argv[2];
	char side[4096];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
	printf("pass1 %.6f\n", pass1(path, n));
	printf("pass2 %.6f\n", pass2(path, n));
	printf("pass3 %.6f\n", pass3(path, n));
	return 0;
}
