/*
 * test_store.c - the SQLite store: open rules, put/get/scan/delete, object
 * files, checksums, refusing what is not (or not quite) a store, and the
 * executors' leases (scan's RUNNING records), heartbeats and attempts.
 */
#include "test.h"

#include "error.h"
#include "store.h"
#include "store_impl.h" /* ctask_store__db_print */
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>

static char root[64]; /* the mkdtemp directory of this test */
static char sdir[96]; /* root/s: the store directory */
static char db[128];  /* sdir/ctask.db */

/* A fresh temporary directory; the store goes to root/s (not created). */
static void fresh(void)
{
	strcpy(root, "/tmp/ctask-test-store-XXXXXX");
	ASSERT(mkdtemp(root) != NULL);
	snprintf(sdir, sizeof sdir, "%s/s", root);
	snprintf(db, sizeof db, "%s/ctask.db", sdir);
}

static void cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	ASSERT_EQ(system(cmd), 0);
}

static ctask_store *open_new(void)
{
	ctask_store *s = NULL;
	int rc = ctask_store_open(sdir, CTASK_STORE_CREATE, &s);
	if (rc)
		TFAIL("open %s: %d %s", sdir, rc, ctask_error_last());
	return s;
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

/* The names in dir, sorted, joined by '/'. */
static void listing(const char *dir, char *out, size_t cap)
{
	struct dirent **v;
	int n = scandir(dir, &v, NULL, alphasort);
	ASSERT(n >= 0);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		strncat(out, v[i]->d_name, cap - strlen(out) - 2);
		strcat(out, "/");
		free(v[i]);
	}
	free(v);
}

static void sql(const char *db, const char *q)
{
	sqlite3 *h;
	ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
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

TEST(create_reopen)
{
	fresh();
	ctask_store *s = open_new();
	ASSERT_STR(ctask_store_path(s), sdir);
	ctask_store_close(s);
	ASSERT(exists("%s/ctask.db", sdir));
	ASSERT(exists("%s/objects", sdir));
	ASSERT(exists("%s/plugins", sdir));
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), 0);
	ctask_store_close(s);
	ctask_store_close(NULL);

	sqlite3 *h;
	sqlite3_stmt *q;
	ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
	ASSERT_EQ(sqlite3_prepare_v2(h,
				     "SELECT (SELECT value FROM meta WHERE key="
				     "'format'), (SELECT value FROM meta WHERE"
				     " key='schema_version'),"
				     " (SELECT application_id FROM"
				     " pragma_application_id),"
				     " (SELECT user_version FROM"
				     " pragma_user_version),"
				     " (SELECT journal_mode FROM"
				     " pragma_journal_mode)",
				     -1, &q, NULL),
		  SQLITE_OK);
	ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
	ASSERT_STR((const char *)sqlite3_column_text(q, 0), "ctask-store");
	ASSERT_STR((const char *)sqlite3_column_text(q, 1), "3");
	ASSERT_EQ(sqlite3_column_int64(q, 2), 0x6374736b);
	ASSERT_EQ(sqlite3_column_int(q, 3), 3);
	ASSERT_STR((const char *)sqlite3_column_text(q, 4), "wal");
	sqlite3_finalize(q);
	sqlite3_close(h);
	cleanup();
}

struct scan_ud {
	int n, stop_at;
	ctask_hash last;
	uint64_t sizes;
};

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

TEST(delete_objects)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *shared = bytes(30000, 5), *other = bytes(40000, 6);
	ctask_record recs[4] = {
		done_rec(1, shared, 30000), done_rec(2, shared, 30000),
		done_rec(3, other, 40000), done_rec(4, other, 10)};
	ASSERT_EQ(ctask_store_put(s, 4, recs, NULL), 0);
	ASSERT_EQ(count_objects(), 2);
	/* someone else's temporary file: never touched */
	char of[256], tmp[300];
	object_file(shared, 30000, of, sizeof of);
	snprintf(tmp, sizeof tmp, "%.*s/.tmp-1-x", (int)(strrchr(of, '/') - of),
		 of);
	int fd = open(tmp, O_CREAT | O_WRONLY, 0644);
	ASSERT(fd >= 0);
	close(fd);

	uint64_t count = 0, freed = 0;
	ASSERT_EQ(ctask_store_delete(s, 1, &recs[0].hash, &count, &freed), 0);
	ASSERT_EQ(count, 1);
	ASSERT_EQ(freed, 0); /* task 2 still names the object */
	ASSERT_EQ(count_objects(), 2);
	ctask_record r;
	ctask_buf b = {0};
	ASSERT_EQ(ctask_store_get(s, &recs[0].hash, &r, &b), CTASK_ENOTFOUND);
	ASSERT_EQ(ctask_store_get(s, &recs[1].hash, &r, &b), 0);
	ASSERT_MEM(b.p, shared, 30000);

	ctask_hash hs[4] = {recs[1].hash, recs[2].hash, recs[3].hash};
	task_hash(77, &hs[3]); /* not in the store */
	count = freed = 0;
	ASSERT_EQ(ctask_store_delete(s, 4, hs, &count, &freed), 0);
	ASSERT_EQ(count, 3);
	ASSERT_EQ(freed, 30000 + 40000);
	ASSERT_EQ(count_objects(), 0);
	ASSERT(exists("%s", tmp));
	ASSERT_EQ(ctask_store_delete(s, 4, hs, NULL, NULL), 0);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(shared);
	free(other);
	cleanup();
}

TEST(corrupt_object)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *big = bytes(20000, 7);
	put1(s, done_rec(1, big, 20000));
	char of[256];
	object_file(big, 20000, of, sizeof of);
	ASSERT_EQ(chmod(of, 0644), 0);
	int fd = open(of, O_RDWR);
	ASSERT(fd >= 0);
	uint8_t c = big[1234] ^ 0x10;
	ASSERT_EQ(pwrite(fd, &c, 1, 1234), 1);
	close(fd);

	ctask_record r;
	ctask_buf b = {0};
	ASSERT_EQ(ctask_store_get(s, &(ctask_hash){{0}}, &r, &b),
		  CTASK_ENOTFOUND);
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), CTASK_ECORRUPT);
	ASSERT(strstr(ctask_error_last(), "checksum mismatch"));
	ASSERT(strstr(ctask_error_last(), "object objects/"));
	ASSERT(strstr(ctask_error_last(), "(f)"));
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(big);
	cleanup();
}

TEST(missing_object)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *big = bytes(20000, 8);
	put1(s, done_rec(1, big, 20000));
	char of[256];
	object_file(big, 20000, of, sizeof of);
	ASSERT_EQ(unlink(of), 0);
	ctask_record r;
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), CTASK_ECORRUPT);
	ASSERT(strstr(ctask_error_last(), "missing"));
	/* putting it again repairs it */
	put1(s, done_rec(1, big, 20000));
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(big);
	cleanup();
}

TEST(corrupt_inline)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(64, 9);
	put1(s, done_rec(1, d, 64));
	ctask_store_close(s);
	sql(db, "UPDATE results SET inline = zeroblob(64)");
	s = open_new();
	ctask_record r;
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), CTASK_ECORRUPT);
	ASSERT(strstr(ctask_error_last(), "checksum mismatch"));
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(d);
	cleanup();
}

/* Opening dir must fail with code and leave it exactly as it was. */
static void refused(int code, const char *what)
{
	char before[512], after[512];
	listing(sdir, before, sizeof before);
	ctask_store *s = (ctask_store *)1;
	ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_CREATE, &s), code);
	ASSERT(s == NULL);
	if (!strstr(ctask_error_last(), what) ||
	    !strstr(ctask_error_last(), sdir))
		TFAIL("message \"%s\" lacks \"%s\"", ctask_error_last(), what);
	listing(sdir, after, sizeof after);
	ASSERT_STR(after, before);
}

TEST(not_a_store)
{
	fresh();
	ASSERT_EQ(mkdir(sdir, 0755), 0);
	char p[160];
	snprintf(p, sizeof p, "%s/notes.txt", sdir);
	FILE *f = fopen(p, "w");
	fputs("hello\n", f);
	fclose(f);
	refused(CTASK_ESTORE, "is not a ctask store (no ctask.db)");
	ASSERT(!exists("%s/ctask.db", sdir));

	/* a ctask.db that is not SQLite */
	snprintf(p, sizeof p, "%s/ctask.db", sdir);
	f = fopen(p, "w");
	for (int i = 0; i < 300; i++)
		fputs("not sqlite ", f);
	fclose(f);
	refused(CTASK_ESTORE, "is not a ctask store");

	/* an SQLite database of something else (in WAL mode, which a careless
	 * open would litter with -wal and -shm files) */
	unlink(p);
	sql(p, "PRAGMA journal_mode=WAL; CREATE TABLE t (x);");
	refused(CTASK_ESTORE, "is not a ctask store");

	/* a file where the directory should be */
	cleanup();
	fresh();
	f = fopen(sdir, "w");
	fclose(f);
	ctask_store *s;
	ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_CREATE, &s), CTASK_ESTORE);
	cleanup();
}

/* A store being created: a directory holding only the database another
 * process is making (ctask.db.tmp-*) is no store yet, not a foreign
 * directory; an empty ctask.db (an older ctask making it in place) is no
 * store yet without CREATE, and is initialised with it. */
TEST(store_being_created)
{
	fresh();
	ASSERT_EQ(mkdir(sdir, 0755), 0);
	char p[192];
	snprintf(p, sizeof p, "%s/ctask.db.tmp-0123456789abcdef-1-2-x", sdir);
	FILE *f = fopen(p, "w");
	fclose(f);
	ctask_store *s = (ctask_store *)1;
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_ENOTFOUND);
	ASSERT(s == NULL);
	ctask_store_close(open_new());
	ASSERT(exists("%s/ctask.db", sdir));

	cleanup();
	fresh();
	ASSERT_EQ(mkdir(sdir, 0755), 0);
	f = fopen(db, "w");
	fclose(f);
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_ENOTFOUND);
	ASSERT(strstr(ctask_error_last(), "does not exist yet"));
	s = open_new();
	uint8_t d[3] = {1, 2, 3};
	put1(s, done_rec(1, d, 3));
	ctask_store_close(s);
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), 0);
	ctask_store_close(s);
	cleanup();
}

TEST(no_meta_format)
{
	fresh();
	ctask_store_close(open_new());
	sql(db, "UPDATE meta SET value = 'other' WHERE key = 'format'");
	refused(CTASK_ESTORE, "is not a ctask store");
	cleanup();
}

TEST(schema_version_4)
{
	fresh();
	ctask_store_close(open_new());
	sql(db, "UPDATE meta SET value = '4' WHERE key = 'schema_version'");
	refused(CTASK_ESTORE, "has store schema version 4; this ctask reads"
			      " version 3");
	/* and by the header, as a later ctask would also set user_version */
	sql(db, "PRAGMA user_version = 5");
	refused(CTASK_ESTORE, "schema version 5");
	sql(db, "SELECT 1"); /* still a readable database, unmodified */
	cleanup();
}

/* Opening sdir must be EREADONLY and leave it as it was. */
static void read_only_checks(void)
{
	char before[512], after[512], want[160];
	ctask_store *s;
	listing(sdir, before, sizeof before);
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_EREADONLY);
	snprintf(want, sizeof want, "store %s is not writable", sdir);
	ASSERT_STR(ctask_error_last(), want);
	ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_CREATE, &s),
		  CTASK_EREADONLY);
	listing(sdir, after, sizeof after);
	ASSERT_STR(after, before);
}

/* As a user who cannot write the store, opening it is EREADONLY. Root can
 * write anywhere (access(W_OK) always says yes), so as root a child drops
 * to nobody, like setpriv --reuid=65534; otherwise mode 0555 does it. */
TEST(read_only)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(10, 1);
	put1(s, done_rec(1, d, 10));
	ctask_store_close(s);
	free(d);
	char objs[160];
	snprintf(objs, sizeof objs, "%s/objects", sdir);
	if (geteuid() == 0) {
		ASSERT_EQ(chmod(root, 0755), 0);
		pid_t pid = fork();
		if (pid == 0) {
			ASSERT_EQ(setgroups(0, NULL), 0);
			ASSERT_EQ(setresgid(65534, 65534, 65534), 0);
			ASSERT_EQ(setresuid(65534, 65534, 65534), 0);
			read_only_checks();
			_exit(0);
		}
		int st;
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	} else {
		ASSERT_EQ(chmod(objs, 0555), 0);
		ASSERT_EQ(chmod(sdir, 0555), 0);
		read_only_checks();
		ASSERT_EQ(chmod(sdir, 0755), 0);
		ASSERT_EQ(chmod(objs, 0755), 0);
	}
	/* writable again, it opens */
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), 0);
	ctask_store_close(s);
	cleanup();
}

/* What tells a reader of ctask.db as immutable that it was written
 * meanwhile: a writer's opening (its -wal), its commits checkpointed
 * (size, mtime), a ctask.db replaced (inode). */
TEST(immutable_changed_underneath)
{
	ctask_db_print a, b;
	fresh();
	ctask_store *s = open_new();
	ctask_store__db_print(sdir, &a);
	ASSERT(a.wal); /* a writer has it open */
	ASSERT(!ctask_store__db_same(&a, &a));
	uint8_t *d = bytes(10, 1);
	put1(s, done_rec(1, d, 10));
	ctask_store_close(s);
	ctask_store__db_print(sdir, &a);
	ASSERT(!a.wal && a.ino != 0);
	ctask_store__db_print(sdir, &b);
	ASSERT(ctask_store__db_same(&a, &b)); /* nothing happened */
	s = open_new();
	ctask_store__db_print(sdir, &b);
	ASSERT(!ctask_store__db_same(&a, &b)); /* a writer opened it */
	put1(s, done_rec(2, d, 10));
	ctask_store_close(s);
	ctask_store__db_print(sdir, &b);
	ASSERT(!b.wal);
	ASSERT(!ctask_store__db_same(&a, &b)); /* its commits are in it */
	ASSERT(b.mtime_ns != a.mtime_ns || b.size != a.size);
	/* the same bytes, another file */
	char cmd[600];
	snprintf(cmd, sizeof cmd, "cp -p '%s' '%s.x' && mv '%s.x' '%s'", db, db,
		 db, db);
	ASSERT_EQ(system(cmd), 0);
	ctask_store__db_print(sdir, &a);
	ASSERT(a.ino != b.ino && !ctask_store__db_same(&a, &b));
	free(d);
	cleanup();
}

/* A reader of a store it cannot write, its last writer gone (so read as
 * immutable), whose owner writes while it reads: its next read fails,
 * CTASK_EBUSY, rather than read pages being changed. As root only (the
 * reader is nobody; otherwise the writer could not write either). */
TEST(immutable_reader_sees_a_writer)
{
	if (geteuid() != 0)
		return;
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(10, 1);
	put1(s, done_rec(1, d, 10));
	ctask_store_close(s);
	ASSERT_EQ(chmod(root, 0755), 0);
	int opened[2], written[2];
	ASSERT_EQ(pipe(opened), 0);
	ASSERT_EQ(pipe(written), 0);
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		ctask_store *r = NULL;
		ctask_record rec;
		ctask_hash h;
		char c = 0;
		ASSERT_EQ(setgroups(0, NULL), 0);
		ASSERT_EQ(setresgid(65534, 65534, 65534), 0);
		ASSERT_EQ(setresuid(65534, 65534, 65534), 0);
		ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_READONLY_OK, &r),
			  0);
		task_hash(1, &h);
		ASSERT_EQ(ctask_store_get(r, &h, &rec, NULL), 0);
		ASSERT_EQ(write(opened[1], "o", 1), 1);
		ASSERT_EQ(read(written[0], &c, 1), 1);
		ASSERT_EQ(ctask_store_get(r, &h, &rec, NULL), CTASK_EBUSY);
		ASSERT(strstr(ctask_error_last(), "run the command again"));
		ctask_store_close(r);
		_exit(0);
	}
	char c = 0;
	ASSERT_EQ(read(opened[0], &c, 1), 1);
	s = open_new();
	put1(s, done_rec(2, d, 10));
	ctask_store_close(s); /* checkpoints into ctask.db */
	ASSERT_EQ(write(written[1], "w", 1), 1);
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(opened[0]), close(opened[1]), close(written[0]),
		close(written[1]);
	free(d);
	cleanup();
}

TEST(not_found)
{
	fresh();
	ctask_store *s = (ctask_store *)1;
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_ENOTFOUND);
	ASSERT(s == NULL);
	char want[400];
	snprintf(want, sizeof want, "store %s does not exist", sdir);
	ASSERT_STR(ctask_error_last(), want);
	ASSERT(!exists("%s", sdir));
	/* an empty directory is not a store either, until created */
	ASSERT_EQ(mkdir(sdir, 0755), 0);
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_ENOTFOUND);
	ASSERT(!exists("%s/ctask.db", sdir));
	ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_CREATE, &s), 0);
	ctask_store_close(s);
	/* the parent must exist: a store error (exit 4), naming the parent */
	char deep[160];
	snprintf(deep, sizeof deep, "%s/a/b", root);
	ASSERT_EQ(ctask_store_open(deep, CTASK_STORE_CREATE, &s), CTASK_ESTORE);
	snprintf(want, sizeof want,
		 "cannot create store %s: %s/a does not exist", deep, root);
	ASSERT_STR(ctask_error_last(), want);
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

struct execs {
	int n;
	char owner[4][32];
	ctask_executor_rec r[4];
};

static int count_cb(void *ud, const ctask_record *r)
{
	(void)r;
	++*(int *)ud;
	return 0;
}

/* The tag (sys.h) of a process that has ended: a child's, reaped. */
static void dead_tag(char tag[CTASK_PROC_TAG_MAX])
{
	int p[2];
	ASSERT_EQ(pipe(p), 0);
	pid_t kid = fork();
	ASSERT(kid >= 0);
	if (kid == 0) {
		ctask_proc_tag(tag);
		_exit(write(p[1], tag, CTASK_PROC_TAG_MAX) == CTASK_PROC_TAG_MAX
			      ? 0
			      : 1);
	}
	ASSERT_EQ(read(p[0], tag, CTASK_PROC_TAG_MAX), CTASK_PROC_TAG_MAX);
	int st;
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(p[0]);
	close(p[1]);
}

/* Makes an empty file at DIR/rel (rel formatted with a and b). */
static void touch(const char *rel, const char *a, const char *b)
{
	char name[512], p[700];
	snprintf(name, sizeof name, rel, a, b);
	snprintf(p, sizeof p, "%s/%s", sdir, name);
	int fd = open(p, O_CREAT | O_WRONLY, 0644);
	ASSERT(fd >= 0);
	close(fd);
}

/* Opening a store for writing removes the temporaries of writers that were
 * killed (their tags name processes that have ended): objects being
 * written, probe files, databases being made; and puts back in objects/
 * what a killed delete had taken away, if a row still names it. What
 * belongs to a live process or another host stays. */
TEST(dead_writers_temporaries)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *big = bytes(30000, 3), *other = bytes(20000, 4);
	put1(s, done_rec(1, big, 30000));
	put1(s, done_rec(2, other, 20000));
	ctask_store_close(s);
	char dead[CTASK_PROC_TAG_MAX], live[CTASK_PROC_TAG_MAX];
	char far[CTASK_PROC_TAG_MAX], of[256], t1[700], t2[700];
	dead_tag(dead);
	ctask_proc_tag(live);
	snprintf(far, sizeof far, "%s", dead);
	far[0] = far[0] == '0' ? '1' : '0'; /* another boot id */

	touch("tmp/obj-%s-%s", dead, "1234");
	touch("tmp/probe-%s-%s", dead, "5678");
	touch("ctask.db.tmp-%s-%s", dead, "9abc");
	touch("ctask.db.tmp-%s-%s-journal", dead, "9abc");
	touch("tmp/obj-%s-%s", live, "1234");
	touch("tmp/obj-%s-%s", far, "1234");
	touch("ctask.db.tmp-%s-%s", far, "9abc");
	/* a delete of task 1's object, killed before it committed */
	object_file(big, 30000, of, sizeof of);
	const char *hex1 = of + strlen(of) - 33; /* "ab/cd..." */
	char h1[CTASK_HASH_HEX];
	snprintf(h1, sizeof h1, "%.2s%s", hex1, hex1 + 3);
	snprintf(t1, sizeof t1, "%s/tmp/del-%s-%s", sdir, dead, h1);
	ASSERT_EQ(rename(of, t1), 0);
	/* one of an object no row names (its delete committed), and one of
	 * an object that is back in objects/ (written again since) */
	touch("tmp/del-%s-%s", dead, "0123456789abcdef0123456789abcdef");
	object_file(other, 20000, of, sizeof of);
	const char *hex2 = of + strlen(of) - 33;
	char h2[CTASK_HASH_HEX];
	snprintf(h2, sizeof h2, "%.2s%s", hex2, hex2 + 3);
	touch("tmp/del-%s-%s", dead, h2);

	s = open_new();
	char lst[4096], want[4096];
	snprintf(t2, sizeof t2, "%s/tmp", sdir);
	listing(t2, lst, sizeof lst);
	snprintf(want, sizeof want, "./../obj-%s-1234/obj-%s-1234/", far, live);
	if (strcmp(far, live) > 0)
		snprintf(want, sizeof want, "./../obj-%s-1234/obj-%s-1234/",
			 live, far);
	ASSERT_STR(lst, want);
	char p[700];
	snprintf(p, sizeof p, "%s/ctask.db.tmp-%s-9abc", sdir, dead);
	ASSERT(!exists("%s", p));
	snprintf(p, sizeof p, "%s/ctask.db.tmp-%s-9abc-journal", sdir, dead);
	ASSERT(!exists("%s", p));
	snprintf(p, sizeof p, "%s/ctask.db.tmp-%s-9abc", sdir, far);
	ASSERT(exists("%s", p));
	ctask_record r;
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_MEM(b.p, big, 30000);
	task_hash(2, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_MEM(b.p, other, 20000);
	ASSERT_EQ(count_objects(), 2);
	ctask_buf_free(&b);
	ctask_store_close(s);
	free(big);
	free(other);
	cleanup();
}

/* Records the fingerprints seen by scan, by hash index (0..2). */
struct prov_ud {
	int fp_known[3];
	ctask_hash fp[3];
};

/* What ctask_store_get_sorted delivered, per requested hash. */
struct got {
	int rc[300];
	size_t size[300];
	uint8_t first[300];
	size_t calls;
};

/* A schema 1 store (a row per lease) opens as schema 2 with its results. */
TEST(schema_1_migrated)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(10, 7);
	put1(s, done_rec(1, d, 10));
	ctask_store_close(s);
	sql(db, "DROP TABLE leases; CREATE TABLE leases (hash BLOB PRIMARY KEY,"
		" owner INTEGER NOT NULL, leased REAL) WITHOUT ROWID;"
		" INSERT INTO leases VALUES (x'00', 1, 0);"
		" UPDATE meta SET value = '1' WHERE key = 'schema_version';"
		" PRAGMA user_version = 1;");

	s = open_new();
	ctask_record rec;
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &rec, &b), 0);
	ASSERT_MEM(b.p, d, 10);
	ctask_executor e1 = executor("h:1:1");
	uint8_t out[2];
	lease(s, &e1, 30, 2, 2, out, NULL);
	ASSERT_EQ(out[0], CTASK_LEASE_TAKEN);
	ctask_store_close(s);
	sqlite3 *c;
	sqlite3_stmt *q;
	ASSERT_EQ(sqlite3_open(db, &c), SQLITE_OK);
	ASSERT_EQ(sqlite3_prepare_v2(c,
				     "SELECT (SELECT value FROM meta WHERE"
				     " key = 'schema_version'),"
				     " (SELECT user_version FROM"
				     " pragma_user_version),"
				     " (SELECT count(*) FROM leases)",
				     -1, &q, NULL),
		  SQLITE_OK);
	ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
	ASSERT_STR((const char *)sqlite3_column_text(q, 0), "3");
	ASSERT_EQ(sqlite3_column_int(q, 1), 3);
	ASSERT_EQ(sqlite3_column_int(q, 2), 1); /* e1's, not schema 1's */
	sqlite3_finalize(q);
	sqlite3_close(c);
	ctask_buf_free(&b);
	free(d);
	cleanup();
}

/* A schema 1 store with a lease of a running (older) executor is not
 * migrated: opening it fails and leaves it at schema 1; once that executor
 * has ended, it is migrated. */
TEST(schema_1_in_use_not_migrated)
{
	fresh();
	ctask_store_close(open_new());
	sql(db, "DROP TABLE leases; CREATE TABLE leases (hash BLOB PRIMARY KEY,"
		" owner INTEGER NOT NULL, leased REAL) WITHOUT ROWID;"
		" INSERT INTO executors (id, owner, host, pid, started,"
		" heartbeat, expires, finished, done, failed)"
		" VALUES (7, 'old:1:1', 'h', 1, 0, 0, 1e12, NULL, 0, 0);"
		" INSERT INTO leases VALUES (x'00', 7, 0);"
		" UPDATE meta SET value = '1' WHERE key = 'schema_version';"
		" PRAGMA user_version = 1;");
	ctask_store *s = NULL;
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_ESTORE);
	ASSERT(strstr(ctask_error_last(), "in use by an older ctask"));
	sqlite3 *c;
	sqlite3_stmt *q;
	ASSERT_EQ(sqlite3_open(db, &c), SQLITE_OK);
	ASSERT_EQ(sqlite3_prepare_v2(c, "PRAGMA user_version", -1, &q, NULL),
		  SQLITE_OK);
	ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
	ASSERT_EQ(sqlite3_column_int(q, 0), 1);
	sqlite3_finalize(q);
	sqlite3_close(c);

	sql(db, "UPDATE executors SET finished = 1 WHERE id = 7");
	s = open_new();
	ctask_store_close(s);
	cleanup();
}

/* A schema 2 store (no task_file, output or executor identity columns)
 * opens as schema 3: its results stay, with task file and output unknown,
 * and new results keep both. */
TEST(schema_2_migrated)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *d = bytes(10, 7);
	put1(s, done_rec(1, d, 10));
	ctask_store_close(s);
	sql(db, "ALTER TABLE results DROP COLUMN task_file;"
		" ALTER TABLE results DROP COLUMN output;"
		" ALTER TABLE executors DROP COLUMN boot_id;"
		" ALTER TABLE executors DROP COLUMN pid_ns;"
		" ALTER TABLE executors DROP COLUMN proc_start;"
		" UPDATE meta SET value = '2' WHERE key = 'schema_version';"
		" PRAGMA user_version = 2;");

	s = open_new();
	ctask_record rec;
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &rec, &b), 0);
	ASSERT_MEM(b.p, d, 10);
	ASSERT(rec.task_file == NULL);
	ASSERT(rec.output == NULL);
	ctask_record r = done_rec(2, d, 10);
	r.task_file = "primes";
	r.output = (const uint8_t *)"hello\0world\n";
	r.output_len = 12;
	put1(s, r);
	task_hash(2, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &rec, &b), 0);
	ASSERT_STR(rec.task_file, "primes");
	ASSERT_EQ(rec.output_len, 12);
	ASSERT_MEM(rec.output, "hello\0world\n", 12);
	ctask_store_close(s);
	sql(db, "SELECT task_file, output, boot_id, pid_ns, proc_start FROM"
		" results, executors WHERE 0");
	ctask_buf_free(&b);
	free(d);
	cleanup();
}

/* The checks of read_only_ok, in a process that may not write the
 * store: it is refused, except with CTASK_STORE_READONLY_OK: then it
 * reads, and every write says it is not writable, changing nothing. */
static void readonly_ok_checks(const uint8_t *big)
{
	char before[512], after[512];
	listing(sdir, before, sizeof before);
	ctask_store *s;
	ASSERT_EQ(ctask_store_open(sdir, 0, &s), CTASK_EREADONLY);
	ASSERT_EQ(ctask_store_open(sdir, CTASK_STORE_READONLY_OK, &s), 0);
	ASSERT(ctask_store_readonly(s));
	ctask_record r, r3 = done_rec(3, big, 10);
	ctask_buf b = {0};
	ctask_hash h;
	task_hash(1, &h);
	ASSERT_EQ(ctask_store_get(s, &h, &r, &b), 0);
	ASSERT_MEM(b.p, big, 30000);
	int n = 0;
	ASSERT_EQ(ctask_store_scan(s, count_cb, &n), 0);
	ASSERT_EQ(n, 2);
	ASSERT_EQ(ctask_store_put(s, 1, &r3, NULL), CTASK_EREADONLY);
	ASSERT(strstr(ctask_error_last(), "not writable"));
	ASSERT_EQ(ctask_store_delete(s, 1, &h, NULL, NULL), CTASK_EREADONLY);
	ctask_executor e = executor("h:1:1");
	uint8_t out[1];
	ASSERT_EQ(ctask_store_executor_begin(s, &e), CTASK_EREADONLY);
	ASSERT_EQ(ctask_store_lease(s, &e, 30, 1, &h, out, NULL),
		  CTASK_EREADONLY);
	ASSERT_EQ(ctask_store_note_set(s, "k", "v", 1), CTASK_EREADONLY);
	ctask_store_close(s);
	listing(sdir, after, sizeof after);
	ASSERT_STR(after, before);
	ASSERT(!exists("%s/ctask.db-wal", sdir));
	ctask_buf_free(&b);
}

/* A store this process may not write: as root, checked by a child that
 * became user nobody; otherwise after chmod -R a-w. */
TEST(read_only_ok)
{
	fresh();
	ctask_store *s = open_new();
	uint8_t *big = bytes(30000, 2);
	put1(s, done_rec(1, big, 30000));
	put1(s, failed_rec(2, "boom"));
	ctask_store_close(s);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "chmod -R %s '%s'",
		 getuid() == 0 ? "a+rX,go-w" : "a-w", root);
	ASSERT_EQ(system(cmd), 0);
	pid_t kid = fork();
	ASSERT(kid >= 0);
	if (kid == 0) {
		if (getuid() == 0 && (setgroups(0, NULL) != 0 ||
				      setresgid(65534, 65534, 65534) != 0 ||
				      setresuid(65534, 65534, 65534) != 0))
			TFAIL("cannot become nobody");
		readonly_ok_checks(big);
		exit(0);
	}
	int st;
	ASSERT_EQ(waitpid(kid, &st, 0), kid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(cmd, sizeof cmd, "chmod -R u+w '%s'", root);
	ASSERT_EQ(system(cmd), 0);
	free(big);
	cleanup();
}

TEST_MAIN(T(create_reopen), T(delete_objects), T(corrupt_object),
	  T(missing_object), T(corrupt_inline), T(not_a_store),
	  T(no_meta_format), T(store_being_created), T(schema_version_4),
	  T(schema_1_migrated), T(schema_2_migrated), T(read_only_ok),
	  T(schema_1_in_use_not_migrated), T(read_only), T(not_found),
	  T(dead_writers_temporaries), T(immutable_changed_underneath),
	  T(immutable_reader_sees_a_writer))
