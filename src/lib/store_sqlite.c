/*
 * store_sqlite.c - the embedded store: a directory holding
 *
 *   ctask.db             SQLite (WAL): meta, results, leases, executors,
 *                        attempts
 *   objects/ab/cdef...   results larger than CTASK_INLINE_MAX, named by the
 *                        XXH3-128 of their bytes (2 hex digits, then 30)
 *   plugins/             the compiled-plugin cache (owned by plugin.c)
 *   tmp/                 files being written (objects), or taken away (by
 *                        a delete, until it commits), each named by its
 *                        owner's tag (sys.h): a writer that opens the store
 *                        removes those of owners proven gone (killed), and
 *                        puts back the objects a killed delete took away
 *
 * Durability. An object file is written to a temporary name, fsynced,
 * renamed and its directory fsynced before the row naming it is committed,
 * so a row that survives a crash always finds its bytes. The database runs
 * with synchronous=NORMAL: in WAL mode that keeps every commit atomic and
 * the database uncorrupted across process kills and power loss; what power
 * loss (not a process kill) can cost is the last few commits, i.e. a few
 * finished tasks are computed again. Tasks are deterministic, so that is
 * only time, and FULL would add an fsync of the WAL to every put, which the
 * executor calls once per finished batch of tasks.
 *
 * Concurrency. Several processes share a store: every write is a single
 * statement or a BEGIN IMMEDIATE transaction, and waits up to
 * BUSY_TIMEOUT_MS for the lock. An
 * object is never unlinked while another process may be about to commit a
 * row naming it: delete renames unreferenced objects away inside its
 * transaction (and back on rollback), and put re-checks under the lock that
 * the objects its rows name still exist.
 *
 * Leases. A lease row (id, owner, leased, hashes) says who runs a batch of
 * tasks: the hashes one ctask_store_lease call took, sorted and distinct;
 * owner is the rowid of the owner's executors row. A lease has no expiry of
 * its own: it lives while its owner's row is not finished and its expires
 * (now + ttl, set by every heartbeat and lease) has not passed, so a
 * heartbeat is one UPDATE however many tasks run; and while its owner is
 * not proven gone (an owner of this host and pid namespace whose process
 * has ended: its row's boot_id, pid_ns, pid and proc_start say so). Taking
 * leases reads the other owners' rows, checks each hash against its result and
 * the live rows, takes the hashes it takes over out of the dead rows (only
 * those: a dead owner may come back), and inserts one row of the hashes taken,
 * all under the write lock, so two executors can never both take the same
 * task: the second sees the first's row. Put takes the hashes it writes out
 * of the putter's rows. A row left empty is deleted.
 * results.recorded (the time a row was put) tells a failure of this run
 * from an older one. Expiry times are wall-clock times of the writing host
 * (see "Time" in store.h).
 *
 * Why a row per batch, not per task. Task hashes are random: a row per
 * task cost two B-tree changes (take, release) at random places per task,
 * which was 5.7 of the 15.7 s of a first run of 10^6 tasks; a row per batch
 * of up to 4096 is two small writes per batch. Nor are leases rows of
 * results (a RUNNING state): every write to results dirties a page of its
 * own, and every dirty page is a WAL frame. The leases table holds only
 * tasks in flight: a few pages, so it needs no index on owner either.
 *
 * Put writes a row with INSERT ... DO NOTHING, and only when the hash
 * already has a row reads the object it names (it may be the last
 * reference) and replaces it: in a run, a result is new, and that costs one
 * B-tree insert. (A trigger collecting the objects of replaced rows cost
 * more per row than the read it saves.)
 */
#include "store_impl.h"

#include "arena.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define APP_ID 0x6374736bu /* "ctsk": PRAGMA application_id */
#define BUSY_TIMEOUT_MS 10000

/* The cached statements, prepared once at open. */
enum {
	ST_GET,
	ST_FROM,
	ST_PUT_NEW,
	ST_PUT,
	ST_PUT_MANY,
	ST_SCAN,
	ST_SCAN_SMALL,
	ST_OBJ_OF,
	ST_DEL,
	ST_OBJ_REF,
	ST_DEL_ATTEMPTS,
	ST_STATE_OF,
	ST_LEASE_NEW,
	ST_LEASE_ROWS,
	ST_LEASE_MINE,
	ST_LEASE_OTHERS,
	ST_LEASE_SET,
	ST_LEASE_DEL,
	ST_LEASE_DROP_ALL,
	ST_EXEC_ID,
	ST_EXEC_BEGIN,
	ST_EXEC_CLAIM,
	ST_EXEC_BEAT,
	ST_EXEC_COUNT,
	ST_EXEC_END,
	ST_EXECUTORS,
	ST_ATTEMPT,
	ST_ATTEMPTS,
	ST_DATA_VERSION,
	ST_DELETIONS,
	ST_DELETIONS_BUMP,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_COUNT
};

/* A lease's expiry: its owner's, or when the owner ended; 0 if the owner's
 * row is missing. x is the owner's executors row (LEFT JOINed). */
#define LEASE_EXPIRES                                                          \
	"CASE WHEN x.finished IS NULL THEN coalesce(x.expires, 0)"             \
	" ELSE min(x.finished, x.expires) END"

/* Lease rows, with their owners' expiry, name, host, pid and identity
 * (load_rows). */
#define LEASE_ROWS                                                             \
	"SELECT l.id, l.leased, " LEASE_EXPIRES ", l.hashes,"                  \
	" coalesce(x.owner, ''), coalesce(x.host, ''), x.pid, x.boot_id,"      \
	" x.pid_ns, x.proc_start"                                              \
	" FROM leases l LEFT JOIN executors x ON x.id = l.owner"

/* The columns of put's rows, ?1..?17 (PUT_COLS of them). */
#define PUT_INTO                                                               \
	" INTO results (hash, name, state, size, checksum, inline, object,"    \
	" message, started, duration, host, recorded, fingerprint,"            \
	" git_commit, git_dirty, task_file, output) VALUES "
#define PUT_ROW                                                                \
	PUT_INTO "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "   \
		 "?14, ?15, ?16, ?17)"
#define PUT_COLS 17
/* Rows put by one statement (ST_PUT_MANY): at 10^6 puts a statement per
 * 16 rows measured 30% faster than one per row. */
#define PUT_MANY 16

static const char *const stmt_sql[ST_COUNT] = {
	[ST_GET] =
		"SELECT name, state, size, checksum, inline, object, message,"
		" started, duration, host, fingerprint, git_commit, git_dirty,"
		" task_file, output FROM results WHERE hash = ?1",
	[ST_FROM] = "SELECT hash, state, size, checksum, inline, object"
		    " FROM results WHERE hash >= ?1 ORDER BY hash",
	/* The common case: no row yet, so none can name an object. */
	[ST_PUT_NEW] = "INSERT" PUT_ROW " ON CONFLICT (hash) DO NOTHING",
	[ST_PUT] = "INSERT OR REPLACE" PUT_ROW,
	[ST_PUT_MANY] = NULL, /* made by put_many_sql */
	/* Only what states are made of: at 10^6 rows every column costs. */
	[ST_SCAN] = "SELECT hash, state, size, object IS NOT NULL, fingerprint"
		    " FROM results ORDER BY hash",
	[ST_SCAN_SMALL] =
		"SELECT hash, state, size, object IS NOT NULL, fingerprint,"
		" checksum, CASE WHEN state = 1 AND size <= 12 THEN inline END"
		" FROM results ORDER BY hash",
	[ST_OBJ_OF] = "SELECT object FROM results WHERE hash = ?1",
	[ST_DEL] = "DELETE FROM results WHERE hash = ?1",
	[ST_OBJ_REF] = "SELECT 1 FROM results WHERE object = ?1 LIMIT 1",
	[ST_DEL_ATTEMPTS] = "DELETE FROM attempts WHERE hash = ?1",
	[ST_STATE_OF] = "SELECT state, recorded FROM results WHERE hash = ?1",
	/* ?1: the taker's executor id, ?2: now, ?3: the hashes. */
	[ST_LEASE_NEW] = "INSERT INTO leases (owner, leased, hashes)"
			 " VALUES (?1, ?2, ?3)",
	[ST_LEASE_ROWS] = LEASE_ROWS,
	[ST_LEASE_MINE] = LEASE_ROWS " WHERE l.owner = ?1",
	[ST_LEASE_OTHERS] = LEASE_ROWS " WHERE l.owner != ?1",
	[ST_LEASE_SET] = "UPDATE leases SET hashes = ?2 WHERE id = ?1",
	[ST_LEASE_DEL] = "DELETE FROM leases WHERE id = ?1",
	[ST_LEASE_DROP_ALL] = "DELETE FROM leases WHERE owner = ?1",
	[ST_EXEC_ID] = "SELECT id FROM executors WHERE owner = ?1",
	/* An upsert, not a REPLACE: the row keeps its id, so a record begun
	 * again keeps its leases. */
	[ST_EXEC_BEGIN] =
		"INSERT INTO executors (owner, host, pid, started, heartbeat,"
		" expires, finished, done, failed, boot_id, pid_ns, proc_start)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, 0, ?7, ?8, ?9)"
		" ON CONFLICT (owner) DO UPDATE SET host = excluded.host,"
		" pid = excluded.pid, started = excluded.started,"
		" heartbeat = excluded.heartbeat, expires = excluded.expires,"
		" finished = NULL, done = 0, failed = 0,"
		" boot_id = excluded.boot_id, pid_ns = excluded.pid_ns,"
		" proc_start = excluded.proc_start",
	/* The leaser's row (made if missing, live again if ended), with its
	 * expiry renewed: ?5 is now, ?6 now + ttl. */
	[ST_EXEC_CLAIM] =
		"INSERT INTO executors (owner, host, pid, started, heartbeat,"
		" expires, finished, done, failed, boot_id, pid_ns, proc_start)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, NULL, 0, 0, ?7, ?8, ?9)"
		" ON CONFLICT (owner) DO UPDATE SET expires = excluded.expires,"
		" finished = NULL, boot_id = excluded.boot_id,"
		" pid_ns = excluded.pid_ns, proc_start = excluded.proc_start"
		" RETURNING id",
	[ST_EXEC_BEAT] = "UPDATE executors SET heartbeat = ?2, expires = ?3"
			 " WHERE owner = ?1",
	/* What put adds to the putter's counts (id ?1). */
	[ST_EXEC_COUNT] = "UPDATE executors SET done = coalesce(done, 0) + ?2,"
			  " failed = coalesce(failed, 0) + ?3 WHERE id = ?1",
	[ST_EXEC_END] = "UPDATE executors SET heartbeat = ?2, finished = ?2,"
			" done = ?3, failed = ?4 WHERE owner = ?1",
	[ST_EXECUTORS] = "SELECT owner, host, pid, started, heartbeat,"
			 " finished, done, failed, expires, boot_id, pid_ns,"
			 " proc_start FROM executors ORDER BY started, owner",
	[ST_ATTEMPT] = "INSERT OR REPLACE INTO attempts (hash, attempt, name,"
		       " message, started, duration, host, owner)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[ST_ATTEMPTS] = "SELECT count(*) FROM attempts WHERE hash = ?1",
	[ST_DATA_VERSION] = "PRAGMA data_version",
	/* How many deletes have removed results, ever (see sq_put). */
	[ST_DELETIONS] = "SELECT coalesce((SELECT value FROM meta WHERE key ="
			 " 'deletions'), 0)",
	[ST_DELETIONS_BUMP] = "INSERT INTO meta VALUES ('deletions', 1)"
			      " ON CONFLICT (key) DO UPDATE SET"
			      " value = value + 1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

/* A row per ctask_store_lease call: the hashes it took, sorted and
 * distinct, 16 bytes each (see "Leases" at the top). */
#define LEASES_TABLE                                                           \
	"CREATE TABLE IF NOT EXISTS leases (id INTEGER PRIMARY KEY,"           \
	" owner INTEGER NOT NULL, leased REAL NOT NULL, hashes BLOB NOT "      \
	"NULL);"

/* Schema 3's columns of executors: what proves that an owner runs on this
 * host (the boot id, /proc/sys/kernel/random/boot_id, and the pid
 * namespace, the target of /proc/self/ns/pid) and which process it is (its
 * start time in clock ticks since boot, /proc/PID/stat field 22, so that a
 * reused pid is not taken for it). NULL when unknown. */
#define EXECUTORS_3 ", boot_id TEXT, pid_ns TEXT, proc_start INTEGER"

/* Everything in one transaction, and idempotent (IF NOT EXISTS, OR IGNORE)
 * so that two processes creating the same store at once both succeed.
 * leases.owner is the id of the owner's executors row; leased, when it
 * took the lease (see "Leases" at the top). */
static const char schema_sql[] =
	"BEGIN IMMEDIATE;"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value);"
	"CREATE TABLE IF NOT EXISTS results (hash BLOB PRIMARY KEY,"
	" name TEXT NOT NULL, state INTEGER NOT NULL, size INTEGER NOT NULL,"
	" checksum INTEGER NOT NULL, inline BLOB, object TEXT, message TEXT,"
	" started REAL, duration REAL, host TEXT, recorded REAL,"
	" fingerprint BLOB, git_commit TEXT, git_dirty INTEGER,"
	" task_file TEXT, output BLOB)"
	" WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS results_object ON results (object)"
	" WHERE object IS NOT NULL;" LEASES_TABLE
	"CREATE TABLE IF NOT EXISTS executors (id INTEGER PRIMARY KEY,"
	" owner TEXT NOT NULL UNIQUE, host TEXT, pid INTEGER, started REAL,"
	" heartbeat REAL, expires REAL, finished REAL, done INTEGER,"
	" failed INTEGER" EXECUTORS_3 ");"
	"CREATE TABLE IF NOT EXISTS attempts (hash BLOB, attempt INTEGER,"
	" name TEXT, message TEXT, started REAL, duration REAL, host TEXT,"
	" owner TEXT, PRIMARY KEY (hash, attempt)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO meta VALUES ('format', 'ctask-store'),"
	" ('schema_version', '3');"
	"PRAGMA application_id = 1668576107;" /* APP_ID */
	"PRAGMA user_version = 3;"	      /* CTASK_STORE_SCHEMA */
	"COMMIT;";

_Static_assert(CTASK_STORE_SCHEMA == 3, "update schema_sql and migrate");

/* Schema 1 had a row per leased task; migrate() replaces its leases table
 * (leases only live while their executors run, so none are worth keeping). */
static const char migrate_1_sql[] =
	"DROP TABLE IF EXISTS leases;" LEASES_TABLE
	"UPDATE meta SET value = '2' WHERE key = 'schema_version';"
	"PRAGMA user_version = 2;";
/* Schema 3 adds, to results, the task file whose graph made the result
 * (task_file) and the task's captured output (output); to executors, the
 * identity of the owner's host and process (EXECUTORS_3). Older rows have
 * NULL there: unknown. ALTER TABLE ADD COLUMN changes no row, so it is
 * quick at any size, and an older executor still running on the store
 * (its statements name their columns) goes on unharmed. */
static const char *const columns_3[][3] = {
	{"results", "task_file", "TEXT"},	{"results", "output", "BLOB"},
	{"executors", "boot_id", "TEXT"},	{"executors", "pid_ns", "TEXT"},
	{"executors", "proc_start", "INTEGER"},
};
static const char migrate_2_sql[] =
	"UPDATE meta SET value = '3' WHERE key = 'schema_version';"
	"PRAGMA user_version = 3;";
/* Schema 1's leases whose owner still runs (?1: now). */
static const char live_1_sql[] =
	"SELECT count(*) FROM leases l JOIN executors x ON x.id = l.owner"
	" WHERE x.finished IS NULL AND x.expires > ?1";

typedef struct {
	ctask_store base;
	sqlite3 *db;		    /* owned; closed by sq_close */
	sqlite3_stmt *st[ST_COUNT]; /* owned; finalized by sq_close */
	ctask_buf strs;		    /* owned; the strings of the last get */
	ctask_buf output;	    /* owned; the output of the last get */
	ctask_hash fp;		    /* the fingerprint of the last get */
	uint64_t walking;  /* bit 1 << ST_x: x is stepping for a callback */
	double busy_since; /* when the current wait for the lock began */
	/* PRAGMA data_version when the last scan began: while it is the
	 * same, no other connection has written since (see sq_lease). */
	sqlite3_int64 scan_version;
	bool scanned;
	/* meta's deletions at the last scan (or the opening): while it is
	 * the same, no result was deleted since, and every result the
	 * caller read since is still there (see sq_put). */
	sqlite3_int64 deletions_seen;
} sq_store;

_Static_assert(ST_COUNT <= 64, "walking has a bit per statement");
_Static_assert(CTASK_SCAN_SMALL == 12, "update ST_SCAN");

/* Objects taken out of objects/ inside a transaction: renamed into tmp/
 * (del_path) so a rollback can put them back; unlinked after the commit. */
typedef struct {
	char hex[CTASK_HASH_HEX];
} dropped;
typedef struct {
	dropped *v; /* owned by the list (malloc); drops_finish frees it */
	size_t n, cap;
	uint64_t bytes;
} drop_list;

static void sq_close(ctask_store *base);
static void sweep_temporaries(sq_store *s);
static int deletions(sq_store *s, sqlite3_int64 *v);

/* ---- errors and small helpers ------------------------------------------ */

/* Turns an SQLite failure into a CTASK_E* code and a message. */
static int sq_fail(sq_store *s, int rc, const char *what)
{
	int code = CTASK_EIO;
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = CTASK_EBUSY;
		break;
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return ctask_error_set(CTASK_EREADONLY,
				       "store %s is not writable",
				       s->base.path);
	case SQLITE_NOMEM:
		code = CTASK_ENOMEM;
		break;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		code = CTASK_ECORRUPT;
		break;
	}
	return ctask_error_set(code, "store %s: %s: %s", s->base.path, what,
			       sqlite3_errmsg(s->db));
}

/* Turns a failed system call on path (errno) into a code and a message. */
static int sys_fail(const sq_store *s, const char *what, const char *path)
{
	int e = errno;
	if (e == EACCES || e == EPERM || e == EROFS)
		return ctask_error_set(CTASK_EREADONLY,
				       "store %s is not writable",
				       s->base.path);
	return ctask_error_set(CTASK_EIO, "store %s: cannot %s %s: %s",
			       s->base.path, what, path, strerror(e));
}

/* Steps a statement that returns no rows, then resets it. */
static int step_done(sq_store *s, int which, const char *what)
{
	int rc = sqlite3_step(s->st[which]);
	sqlite3_reset(s->st[which]);
	return rc == SQLITE_DONE ? 0 : sq_fail(s, rc, what);
}

static void rollback(sq_store *s)
{
	/* Fails only if no transaction is open, which is what we want. */
	sqlite3_step(s->st[ST_ROLLBACK]);
	sqlite3_reset(s->st[ST_ROLLBACK]);
}

/* Ends the transaction begun by ST_BEGIN: commits it if rc is 0, else (or
 * if the commit fails) rolls it back. Returns rc or the commit's error. */
static int tx_end(sq_store *s, int rc)
{
	if (!rc)
		rc = step_done(s, ST_COMMIT, "cannot commit");
	if (rc)
		rollback(s);
	return rc;
}

/* Waits for another connection's write lock, up to BUSY_TIMEOUT_MS.
 * SQLite's own busy handler backs off to sleeps of 100 ms: with two
 * executors writing often (leases, commits), each slept through most of
 * the time the lock was free, and a run of 0.4 s took 8. A steady 1 ms
 * sleep costs a few wake-ups instead. */
static int busy_wait(void *ud, int count)
{
	sq_store *s = ud;
	double now = ctask_monotonic();
	if (count == 0)
		s->busy_since = now;
	if (now - s->busy_since >= BUSY_TIMEOUT_MS / 1000.0)
		return 0;
	struct timespec ts = {0, 1000000};
	nanosleep(&ts, NULL);
	return 1;
}

/* Whether the inline blob in column col of q's row has the row's size and
 * checksum; sets *p and *n to it (valid until q moves). */
static bool inline_ok(sqlite3_stmt *q, int col, uint64_t size, uint64_t sum,
		      const uint8_t **p, size_t *n)
{
	*p = sqlite3_column_blob(q, col);
	*n = (size_t)sqlite3_column_bytes(q, col);
	return *n == size && ctask_checksum(*p, *n) == sum;
}

/* Binds a hash; the caller keeps h alive until the statement is reset. */
static void bind_hash(sqlite3_stmt *q, int i, const ctask_hash *h)
{
	sqlite3_bind_blob(q, i, h->b, sizeof h->b, SQLITE_STATIC);
}

/* Binds a string, or NULL; the caller keeps t alive as for bind_hash. */
static void bind_str(sqlite3_stmt *q, int i, const char *t)
{
	if (t)
		sqlite3_bind_text(q, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Marks statement which as stepping for a callback; a callback calling back
 * into the same walk (which would reset it under its caller) is
 * CTASK_EUSAGE. walk_end resets it and clears the mark. */
static int walk_begin(sq_store *s, int which, const char *what)
{
	if (s->walking & (uint64_t)1 << which)
		return ctask_error_set(CTASK_EUSAGE,
				       "store %s called from its own callback",
				       what);
	s->walking |= (uint64_t)1 << which;
	return 0;
}

static void walk_end(sq_store *s, int which)
{
	sqlite3_reset(s->st[which]);
	s->walking &= ~((uint64_t)1 << which);
}

/* Copies column i (a hash) into h; CTASK_ECORRUPT if it is not one. */
static int column_hash(sq_store *s, sqlite3_stmt *q, int i, ctask_hash *h,
		       const char *table)
{
	if (sqlite3_column_bytes(q, i) != (int)sizeof h->b)
		return ctask_error_set(CTASK_ECORRUPT,
				       "store %s: a row of %s has a bad hash",
				       s->base.path, table);
	memcpy(h->b, sqlite3_column_blob(q, i), sizeof h->b);
	return 0;
}

/* 16 random hex digits for temporary names. */
static void rand_hex(char out[17])
{
	static unsigned counter;
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		r = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15u ^
		    (uint64_t)ts.tv_sec ^ ++counter;
	}
	snprintf(out, 17, "%016" PRIx64, r);
}

/* fsync a directory so a rename or create in it is durable. */
static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* Some file systems cannot fsync directories; nothing more to do. */
	int rc = fsync(fd) != 0 && errno != EINVAL ? -1 : 0;
	close(fd);
	return rc;
}

/* "DIR/objects/ab/cdef...". */
static void object_path(const sq_store *s, ctask_buf *b, const char *hex)
{
	b->len = 0;
	ctask_buf_printf(b, "%s/objects/%.2s/%s", s->base.path, hex, hex + 2);
}

/* "DIR/tmp/KIND-TAG-EXTRA": a temporary file of this process (KIND obj:
 * an object being written, probe: check_writable's), named so that
 * sweep_temporaries can tell when its owner is gone. */
static void tmp_path(const sq_store *s, ctask_buf *b, const char *kind,
		     const char *extra)
{
	char tag[CTASK_PROC_TAG_MAX];
	ctask_proc_tag(tag);
	b->len = 0;
	ctask_buf_printf(b, "%s/tmp/%s-%s-%s", s->base.path, kind, tag, extra);
}

/* Where a delete puts object hex until it commits: "DIR/tmp/del-TAG-HEX"
 * (the object's name in it, so that it can be put back). */
static void del_path(const sq_store *s, ctask_buf *b, const char *hex)
{
	tmp_path(s, b, "del", hex);
}

static int is_hex32(const char *p, size_t n)
{
	if (n != 32)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') ||
		      (p[i] >= 'a' && p[i] <= 'f')))
			return 0;
	return 1;
}

/* One entry of hash_order's sort: a hash and where it came from. */
typedef struct {
	ctask_hash h;
	size_t i;
} hash_at;

static int by_hash(const void *a, const void *b)
{
	return ctask_hash_cmp(&((const hash_at *)a)->h,
			      &((const hash_at *)b)->h);
}

/* The order in which to visit n hashes (the first at first, each stride
 * bytes after the last): ascending, so that a batch's B-tree operations
 * walk the tree in key order and find the pages the previous one used in
 * the CPU's caches (random order measured 20% slower at 10^6 tasks).
 * Returns the indices in that order; the caller frees them. */
static size_t *hash_order(const void *first, size_t stride, size_t n)
{
	hash_at *v = ctask_xmalloc((n ? n : 1) * sizeof *v); /* owned here */
	size_t *idx = ctask_xmalloc((n ? n : 1) * sizeof *idx);
	for (size_t i = 0; i < n; i++) {
		memcpy(&v[i].h, (const uint8_t *)first + i * stride,
		       sizeof v[i].h);
		v[i].i = i;
	}
	qsort(v, n, sizeof *v, by_hash);
	for (size_t i = 0; i < n; i++)
		idx[i] = v[i].i;
	free(v);
	return idx;
}

/* ---- open --------------------------------------------------------------- */

/* The prefix of a database being made (create_db), and of SQLite's files
 * beside it: "ctask.db.tmp-TAG-RANDOM", TAG naming its maker (sys.h). */
#define DB_TMP "ctask.db.tmp-"

/* Returns 1 if dir has no entries but databases being made (another
 * process is creating a store there), 0 if it has, -1 (errno) on failure. */
static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0 &&
		    strncmp(e->d_name, DB_TMP, strlen(DB_TMP)) != 0) {
			empty = 0;
			break;
		}
	closedir(d);
	return empty;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* What check_dir finds: a store, or none yet: then ctask.db is to be made
 * (create_db), or an empty one initialised in place (made by an older
 * ctask, or in place by create_db, and interrupted or under way). */
enum { FRESH_NOT = 0, FRESH_NEW, FRESH_IN_PLACE };

/* Checks DIR/ctask.db from its header alone, before SQLite ever opens it:
 * opening a foreign WAL database would create files beside it, and a
 * directory that is not a store is never to be touched. Sets *fresh to
 * FRESH_IN_PLACE when ctask.db is empty and CREATE is given; without
 * CREATE, an empty ctask.db is a store that does not exist yet. */
static int check_header(sq_store *s, int flags, int *fresh)
{
	const char *dir = s->base.path;
	ctask_buf path = {0}; /* owned here */
	uint8_t h[100];
	ssize_t n = 0;
	int rc = 0, fd = -1;
	struct stat st;

	ctask_buf_printf(&path, "%s/ctask.db", dir);
	fd = open((char *)path.p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		rc = ctask_error_set(CTASK_ESTORE,
				     "%s is not a ctask store (no ctask.db)",
				     dir);
		goto done;
	}
	if (fd < 0 || fstat(fd, &st) != 0 ||
	    (S_ISREG(st.st_mode) && (n = pread(fd, h, sizeof h, 0)) < 0)) {
		rc = ctask_error_set(CTASK_EIO, "store %s: cannot read %s: %s",
				     dir, (char *)path.p, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode))
		rc = ctask_error_set(
			CTASK_ESTORE,
			"%s is not a ctask store (ctask.db is not a"
			" file)",
			dir);
	else if (n == 0 && (flags & CTASK_STORE_CREATE))
		*fresh = FRESH_IN_PLACE;
	else if (n == 0)
		rc = ctask_error_set(CTASK_ENOTFOUND,
				     "store %s does not exist yet (its ctask.db"
				     " is empty)",
				     dir);
	else if (n < (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16))
		rc = ctask_error_set(
			CTASK_ESTORE,
			"%s is not a ctask store (ctask.db is not an"
			" SQLite database)",
			dir);
	else if (be32(h + 68) != APP_ID)
		rc = ctask_error_set(
			CTASK_ESTORE,
			"%s is not a ctask store (ctask.db is not a"
			" ctask database)",
			dir);
	else if (be32(h + 60) < 1 || be32(h + 60) > CTASK_STORE_SCHEMA)
		rc = ctask_error_set(CTASK_ESTORE,
				     "%s has store schema version %" PRIu32
				     "; this ctask reads version %d",
				     dir, be32(h + 60), CTASK_STORE_SCHEMA);
done:
	if (fd >= 0)
		close(fd);
	ctask_buf_free(&path);
	return rc;
}

/* Cuts path (in place) to its parent directory: "a/b/" to "a", "x" to
 * ".", "/x" to "/". Returns false if path is "." or "/" already. */
static bool cut_to_parent(char *p)
{
	if (strcmp(p, ".") == 0 || strcmp(p, "/") == 0)
		return false;
	char *slash = strrchr(p, '/');
	while (slash && slash > p && slash[1] == '\0') { /* "a/b/" */
		*slash = '\0';
		slash = strrchr(p, '/');
	}
	if (!slash)
		strcpy(p, "."); /* room: p was not empty */
	else
		slash[slash == p] = '\0';
	return true;
}

/* Why path cannot be reached or made, when stat or mkdir said ENOENT or
 * ENOTDIR: an ancestor that is not a directory, or a parent that does not
 * exist. Returns the CTASK_E* code with a message that starts with what
 * (e.g. "cannot create store x"), or 0 if the parent is a directory.
 * parent (if not NULL) receives the parent's path. */
static int parent_problem(const char *what, const char *path, ctask_buf *parent)
{
	ctask_buf up = {
		0}; /* owned here: path, cut back a component at a time */
	ctask_buf_printf(&up, "%s", path);
	char *p = (char *)up.p, *first = NULL; /* malloc'd */
	int rc = 0;
	struct stat st;
	while (cut_to_parent(p)) {
		if (!first)
			first = ctask_xstrdup(p);
		if (stat(p, &st) == 0)
			break;
	}
	if (parent && first)
		ctask_buf_printf(parent, "%s", first);
	if (stat(p, &st) != 0)
		; /* "." or "/" unreadable: say nothing more */
	else if (!S_ISDIR(st.st_mode))
		rc = ctask_error_set(CTASK_ESTORE, "%s: %s is not a directory",
				     what, p);
	else if (first && strcmp(first, p) != 0)
		rc = ctask_error_set(CTASK_ESTORE, "%s: %s does not exist",
				     what, first);
	free(first);
	ctask_buf_free(&up);
	return rc;
}

/* Says why mkdir(dir) failed with err: what is really wrong. */
static int create_failed(const char *dir, int err)
{
	ctask_buf what = {0}, parent = {0}; /* owned here */
	ctask_buf_printf(&what, "cannot create store %s", dir);
	const char *w = (const char *)what.p;
	int rc = parent_problem(w, dir, &parent);
	const char *up = parent.p ? (const char *)parent.p : ".";
	if (rc != 0)
		;
	else if (err == EACCES || err == EPERM || err == EROFS)
		rc = ctask_error_set(CTASK_EREADONLY,
				     "%s: %s is not writable"
				     " (%s)",
				     w, up, strerror(err));
	else
		rc = ctask_error_set(CTASK_ESTORE,
				     "%s: cannot make a directory in %s (%s)",
				     w, up, strerror(err));
	ctask_buf_free(&what);
	ctask_buf_free(&parent);
	return rc;
}

/* Decides what DIR is: missing or empty (then *fresh: create a store in it,
 * if CREATE), or an existing store (checked by check_header). A directory
 * holding only a database another process is making counts as empty:
 * create_db makes the store whole in one step. */
static int check_dir(sq_store *s, int flags, int *fresh)
{
	const char *dir = s->base.path;
	struct stat st;

	if (stat(dir, &st) != 0) {
		int e = errno;
		if (e == ENOTDIR) {
			ctask_buf w = {0}; /* owned here */
			ctask_buf_printf(&w, "store %s", dir);
			int rc = parent_problem((char *)w.p, dir, NULL);
			ctask_buf_free(&w);
			if (rc != 0)
				return rc;
		}
		if (e != ENOENT)
			return ctask_error_set(
				e == EIO ? CTASK_EIO : CTASK_ESTORE,
				"store %s: %s", dir, strerror(e));
		if (!(flags & CTASK_STORE_CREATE))
			return ctask_error_set(CTASK_ENOTFOUND,
					       "store %s does not exist", dir);
		if (mkdir(dir, 0777) == 0) {
			*fresh = FRESH_NEW;
			return 0;
		}
		/* EEXIST: another process created it just now; look again. */
		if (errno != EEXIST)
			return create_failed(dir, errno);
		if (stat(dir, &st) != 0)
			return sys_fail(s, "create", dir);
	}
	if (!S_ISDIR(st.st_mode))
		return ctask_error_set(
			CTASK_ESTORE,
			"%s is not a ctask store (not a directory)", dir);
	int empty = dir_is_empty(dir);
	if (empty < 0)
		return ctask_error_set(CTASK_EIO,
				       "store %s: cannot read it: %s", dir,
				       strerror(errno));
	if (empty && !(flags & CTASK_STORE_CREATE))
		return ctask_error_set(
			CTASK_ENOTFOUND,
			"store %s does not exist (the directory is"
			" empty)",
			dir);
	if (empty) {
		*fresh = FRESH_NEW;
		return 0;
	}
	return check_header(s, flags, fresh);
}

/* Whether link(2) failed because the file system has no hard links. */
static bool no_links(int e)
{
	return e == EPERM || e == EOPNOTSUPP || e == ENOTSUP || e == ENOSYS;
}

/* Makes DIR/ctask.db appear whole, in one step: a database is made and
 * initialised (schema, WAL mode) under a temporary name of its own
 * (DB_TMP), then linked into place. link, unlike rename, fails if
 * ctask.db exists: executors started together on a new store (a job
 * array) each make one, the first link wins and the others open that.
 * So no process ever opens a ctask.db being made: one seen empty, or in
 * rollback mode while another switched it to WAL, failed half of such
 * executors. On a file system without hard links, sets *fresh to
 * FRESH_IN_PLACE (ctask.db is then made in place, as by older ctasks:
 * openers that find it empty wait for its initialisation). */
static int create_db(sq_store *s, int *fresh)
{
	ctask_buf tmp = {0}, path = {0}; /* owned here */
	char tag[CTASK_PROC_TAG_MAX], r[17];
	int rc;

	ctask_proc_tag(tag);
	rand_hex(r);
	ctask_buf_printf(&tmp, "%s/" DB_TMP "%s-%s", s->base.path, tag, r);
	ctask_buf_printf(&path, "%s/ctask.db", s->base.path);
	/* s->db for sq_fail's messages; closed (and reset) below. */
	rc = sqlite3_open_v2((char *)tmp.p, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				     SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL,
				  NULL, NULL);
	rc = rc == SQLITE_OK ? 0 : sq_fail(s, rc, "cannot create the store");
	/* The only connection: closing it checkpoints and removes the WAL. */
	if (sqlite3_close(s->db) != SQLITE_OK && !rc)
		rc = sq_fail(s, SQLITE_IOERR, "cannot create the store");
	s->db = NULL;
	*fresh = FRESH_NOT;
	if (!rc && link((char *)tmp.p, (char *)path.p) == 0) {
		if (fsync_dir(s->base.path) != 0)
			rc = sys_fail(s, "sync", s->base.path);
	} else if (!rc && no_links(errno)) {
		*fresh = FRESH_IN_PLACE;
	} else if (!rc && errno != EEXIST) { /* EEXIST: another was first */
		rc = sys_fail(s, "create", (char *)path.p);
	}
	unlink((char *)tmp.p);
	ctask_buf_free(&tmp);
	ctask_buf_free(&path);
	return rc;
}

/* Opens ctask.db read-write (creating and initialising it when fresh). */
static int open_db(sq_store *s, int fresh)
{
	ctask_buf path = {0}; /* owned here */
	int rc;

	ctask_buf_printf(&path, "%s/ctask.db", s->base.path);
	/* NOMUTEX: a store handle is used by one thread at a time, so
	 * SQLite's per-call locking is pure cost. */
	int oflags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
		     (fresh ? SQLITE_OPEN_CREATE : 0);
	/* s->db is set even on failure; sq_close closes it. */
	rc = sqlite3_open_v2((char *)path.p, &s->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(s, rc, "cannot open ctask.db");
		goto done;
	}
	sqlite3_busy_handler(s->db, busy_wait, s);
	if (fresh) {
		rc = sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = sq_fail(s, rc, "cannot create the store");
			sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		}
	}
done:
	ctask_buf_free(&path);
	return rc;
}

/* Reads meta: the authority on what the database is, beyond the header. */
static int check_meta(sq_store *s)
{
	const char *dir = s->base.path;
	sqlite3_stmt *q = NULL; /* owned here */
	int rc = sqlite3_prepare_v2(
		s->db,
		"SELECT (SELECT value FROM meta WHERE key = 'format'),"
		" (SELECT value FROM meta WHERE key = 'schema_version')",
		-1, &q, NULL);
	if (rc == SQLITE_ERROR) { /* no such table: meta */
		rc = ctask_error_set(CTASK_ESTORE,
				     "%s is not a ctask store (ctask.db has no"
				     " meta table)",
				     dir);
		goto done;
	}
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK) {
		rc = sq_fail(s, rc, "cannot read ctask.db");
		goto done;
	}
	const char *format = (const char *)sqlite3_column_text(q, 0);
	const char *version = (const char *)sqlite3_column_text(q, 1);
	if (!format || strcmp(format, "ctask-store") != 0)
		rc = ctask_error_set(
			CTASK_ESTORE,
			"%s is not a ctask store (ctask.db is not a"
			" ctask database)",
			dir);
	else if (!version ||
		 (strcmp(version, "1") != 0 && strcmp(version, "2") != 0 &&
		  strcmp(version, "3") != 0))
		rc = ctask_error_set(
			CTASK_ESTORE,
			"%s has store schema version %s; this ctask"
			" reads version %d",
			dir, version ? version : "(none)", CTASK_STORE_SCHEMA);
done:
	sqlite3_finalize(q);
	return rc;
}

static int make_dir(sq_store *s, const char *name)
{
	ctask_buf path = {0}; /* owned here */
	ctask_buf_printf(&path, "%s/%s", s->base.path, name);
	int rc = 0;
	if (mkdir((char *)path.p, 0777) != 0 && errno != EEXIST)
		rc = sys_fail(s, "create", (char *)path.p);
	ctask_buf_free(&path);
	return rc;
}

/* Sets WAL mode (a no-op once the database is in it). SQLite does not
 * call the busy handler here while another connection holds the write lock
 * (it already holds a read lock then), so this waits as busy_wait would,
 * up to BUSY_TIMEOUT_MS. Returns an SQLite result code. */
static int set_wal(sq_store *s)
{
	double t0 = ctask_monotonic();
	for (;;) {
		int rc = sqlite3_exec(s->db, "PRAGMA journal_mode = WAL", NULL,
				      NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY ||
		    ctask_monotonic() - t0 >= BUSY_TIMEOUT_MS / 1000.0)
			return rc;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

/* Proves the store writable by writing: access(W_OK) says yes to root
 * whatever the modes (and root is who runs in containers), and says nothing
 * about the WAL and lock files SQLite needs. Takes the write lock (database
 * and WAL files) and creates and removes a file in tmp/. */
static int check_writable(sq_store *s)
{
	ctask_buf path = {0}; /* owned here */
	char r[17];
	int rc = 0, fd;

	if (sqlite3_db_readonly(s->db, "main") == 1) {
		rc = ctask_error_set(CTASK_EREADONLY,
				     "store %s is not writable", s->base.path);
		goto done;
	}
	rc = set_wal(s);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db,
				  "PRAGMA synchronous = NORMAL;"
				  " BEGIN IMMEDIATE; COMMIT;",
				  NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = sq_fail(s, rc, "cannot write ctask.db");
		goto done;
	}
	if ((rc = make_dir(s, "objects")) || (rc = make_dir(s, "plugins")) ||
	    (rc = make_dir(s, "tmp")))
		goto done;
	rand_hex(r);
	tmp_path(s, &path, "probe", r);
	fd = open((char *)path.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		rc = sys_fail(s, "create", (char *)path.p);
		goto done;
	}
	close(fd);
	unlink((char *)path.p);
done:
	ctask_buf_free(&path);
	return rc;
}

/* This connection's settings. The cache holds the B-tree pages a run of
 * 10^5..10^6 tasks keeps touching (with the default 2 MiB every insert at
 * a random hash reads, and spills, pages); mmap lets reads of the database
 * file skip a copy. Both grow only as pages are used. A put of a batch of
 * results at random hashes dirties about a page per result, so with the
 * default checkpoint at 1000 pages (4 MiB) every put also checkpointed;
 * at 10000 (40 MiB of WAL) a page put several times is copied back once.
 * (Measured, 10^6 tasks: 37 s of store time with the defaults, 25 s with
 * these; a 256 MiB cache did no better than 64.) */
static int setup_connection(sq_store *s)
{
	int rc = sqlite3_exec(s->db,
			      "PRAGMA cache_size = -65536;"
			      " PRAGMA mmap_size = 268435456;"
			      " PRAGMA wal_autocheckpoint = 10000;",
			      NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(s, rc, "cannot set up ctask.db");
}

/* The journal mode must really be WAL: several processes read while one
 * writes, and the durability argument at the top depends on it. */
static int check_wal(sq_store *s)
{
	sqlite3_stmt *q = NULL; /* owned here */
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &q, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *m = (const char *)sqlite3_column_text(q, 0);
		rc = m && strcmp(m, "wal") == 0
			     ? 0
			     : ctask_error_set(CTASK_EIO,
					       "store %s: cannot use WAL mode"
					       " (journal mode is %s)",
					       s->base.path, m ? m : "?");
	} else {
		rc = sq_fail(s, rc, "cannot read the journal mode");
	}
	sqlite3_finalize(q);
	return rc;
}

/* Sets *v to what the one-row, one-column query sql returns (with ?1, if
 * it has one, bound to now). Returns an SQLite result code. */
static int query_int(sq_store *s, const char *sql, double now, sqlite3_int64 *v)
{
	sqlite3_stmt *q = NULL; /* owned here */
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &q, NULL);
	if (rc == SQLITE_OK && sqlite3_bind_parameter_count(q) > 0)
		sqlite3_bind_double(q, 1, now);
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		*v = sqlite3_column_int64(q, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc;
}

/* Adds schema 3's columns (columns_3) that the store lacks (a schema 1
 * store made by tests from a newer one may have them). Returns an SQLite
 * result code. */
static int add_columns_3(sq_store *s)
{
	int rc = SQLITE_OK;
	ctask_buf sql = {0}; /* owned here */
	size_t n = sizeof columns_3 / sizeof columns_3[0];
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_int64 has = 0;
		sql.len = 0;
		ctask_buf_printf(&sql,
				 "SELECT count(*) FROM pragma_table_info('%s')"
				 " WHERE name = '%s'",
				 columns_3[i][0], columns_3[i][1]);
		ctask_buf_byte(&sql, 0);
		rc = query_int(s, (char *)sql.p, 0, &has);
		if (rc != SQLITE_OK || has)
			continue;
		sql.len = 0;
		ctask_buf_printf(&sql, "ALTER TABLE %s ADD COLUMN %s %s",
				 columns_3[i][0], columns_3[i][1],
				 columns_3[i][2]);
		ctask_buf_byte(&sql, 0);
		rc = sqlite3_exec(s->db, (char *)sql.p, NULL, NULL, NULL);
	}
	ctask_buf_free(&sql);
	return rc;
}

/* Brings a schema 1 or 2 store to 3 (checked again under the write lock:
 * another process may have just done it). Not a schema 1 store that an
 * older ctask still runs on: dropping its leases would let its tasks run
 * twice. */
static int migrate(sq_store *s)
{
	sqlite3_int64 version = 0, live = 0;
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = query_int(s, "PRAGMA user_version", 0, &version);
	if (rc == SQLITE_OK && version == 1)
		rc = query_int(s, live_1_sql, ctask_now(), &live);
	if (rc == SQLITE_OK && live > 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return ctask_error_set(
			CTASK_ESTORE,
			"store %s is in use by an older ctask (schema 1: %lld"
			" tasks leased by a running executor); let it finish,"
			" then run again",
			s->base.path, (long long)live);
	}
	if (rc == SQLITE_OK && version == 1)
		rc = sqlite3_exec(s->db, migrate_1_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK && version <= 2)
		rc = add_columns_3(s);
	if (rc == SQLITE_OK && version <= 2)
		rc = sqlite3_exec(s->db, migrate_2_sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return 0;
	rc = sq_fail(s, rc, "cannot migrate the store to schema 3");
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* Opens ctask.db read-write, creating and initialising it when fresh
 * (FRESH_IN_PLACE), and makes sure that it can be written (migrating it to
 * this schema). */
static int open_writable(sq_store *s, int fresh)
{
	int rc;
	if ((rc = open_db(s, fresh == FRESH_IN_PLACE)) ||
	    (rc = check_meta(s)) || (rc = check_writable(s)) ||
	    (rc = check_wal(s)))
		return rc;
	return migrate(s);
}

/* The URI of DIR/ctask.db with query: "file:" and the path with the
 * characters a URI gives meaning to (%, ?, #) escaped; an absolute path
 * as file:///path. */
static void db_uri(const sq_store *s, ctask_buf *b, const char *query)
{
	const char *p = s->base.path;
	ctask_buf_str(b, p[0] == '/' ? "file://" : "file:");
	for (; *p; p++)
		if (*p == '%' || *p == '?' || *p == '#')
			ctask_buf_printf(b, "%%%02x", (unsigned char)*p);
		else
			ctask_buf_byte(b, (uint8_t)*p);
	ctask_buf_printf(b, "/ctask.db?%s", query);
	ctask_buf_byte(b, 0);
}

/* Whether DIR/ctask.db-wal holds commits not yet in ctask.db. */
static bool wal_has_frames(const sq_store *s)
{
	ctask_buf path = {0}; /* owned here */
	struct stat st;
	ctask_buf_printf(&path, "%s/ctask.db-wal", s->base.path);
	bool has = stat((char *)path.p, &st) == 0 && st.st_size > 0;
	ctask_buf_free(&path);
	return has;
}

/* Opens ctask.db for reading only (CTASK_STORE_READONLY_OK), after it
 * proved not writable. SQLite reads a WAL database without writing when
 * its -shm and -wal files exist (a writer has it open, or was killed);
 * else (the last writer closed it, and removed them) every commit is in
 * ctask.db, which is then read as immutable: without the locks it could
 * not make the -shm for. (A writer starting meanwhile, by someone who may
 * write, writes to a new WAL: ctask.db itself only changes when that is
 * checkpointed, after many pages.) A -wal without a -shm cannot be read
 * without writing. A store of an older schema is not migrated, so refused:
 * this ctask reads only its own. */
static int open_readonly(sq_store *s)
{
	ctask_buf path = {0}; /* owned here */
	sqlite3_int64 version = 0;
	int rc, flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;

	sqlite3_close_v2(s->db);
	s->db = NULL;
	ctask_buf_printf(&path, "%s/ctask.db", s->base.path);
	rc = sqlite3_open_v2((char *)path.p, &s->db, flags, NULL);
	rc = rc == SQLITE_OK ? check_meta(s)
			     : sq_fail(s, rc, "cannot open ctask.db");
	if (rc == CTASK_EREADONLY && !wal_has_frames(s)) {
		sqlite3_close_v2(s->db);
		s->db = NULL;
		path.len = 0;
		db_uri(s, &path, "immutable=1");
		rc = sqlite3_open_v2((char *)path.p, &s->db,
				     flags | SQLITE_OPEN_URI, NULL);
		rc = rc == SQLITE_OK ? check_meta(s)
				     : sq_fail(s, rc, "cannot open ctask.db");
	} else if (rc == CTASK_EREADONLY) {
		rc = ctask_error_set(CTASK_EREADONLY,
				     "store %s is not writable, and its"
				     " ctask.db-wal cannot be read without"
				     " writing (it has no ctask.db-shm)",
				     s->base.path);
	}
	if (!rc && (rc = query_int(s, "PRAGMA user_version", 0, &version)))
		rc = sq_fail(s, rc, "cannot read ctask.db");
	else if (!rc && version != CTASK_STORE_SCHEMA)
		rc = ctask_error_set(CTASK_ESTORE,
				     "store %s has schema version %lld and is"
				     " not writable: this ctask reads version"
				     " %d, to which it migrates a store it"
				     " opens with write access",
				     s->base.path, (long long)version,
				     CTASK_STORE_SCHEMA);
	s->base.readonly = rc == 0;
	ctask_buf_free(&path);
	return rc;
}

/* Refuses to write through a handle opened read-only. */
static int read_only(const sq_store *s)
{
	if (!s->base.readonly)
		return 0;
	return ctask_error_set(CTASK_EREADONLY, "store %s is not writable",
			       s->base.path);
}

/* "INSERT INTO results (...) VALUES (?1, ..., ?15), ..., (..., ?240) ON
 * CONFLICT (hash) DO NOTHING": PUT_MANY rows. */
static void put_many_sql(ctask_buf *b)
{
	ctask_buf_str(b, "INSERT" PUT_INTO);
	for (int r = 0; r < PUT_MANY; r++)
		for (int c = 1; c <= PUT_COLS; c++)
			ctask_buf_printf(
				b, "%s?%d%s", c == 1 ? (r ? ", (" : "(") : ", ",
				r * PUT_COLS + c, c == PUT_COLS ? ")" : "");
	ctask_buf_str(b, " ON CONFLICT (hash) DO NOTHING");
	ctask_buf_byte(b, 0);
}

static int sq_open(const char *dir, int flags, ctask_store **out)
{
	/* owned here until returned; sq_close frees it on failure */
	sq_store *s = ctask_xcalloc(1, sizeof *s);
	int rc, fresh = 0;
	ctask_buf many = {0}; /* owned here: ST_PUT_MANY's SQL */

	s->base.ops = &ctask_store__sqlite_ops;
	s->base.path = ctask_xstrdup(dir);
	if ((rc = check_dir(s, flags, &fresh)) ||
	    (fresh == FRESH_NEW && (rc = create_db(s, &fresh))))
		goto done;
	rc = open_writable(s, fresh);
	if (rc == CTASK_EREADONLY && (flags & CTASK_STORE_READONLY_OK) &&
	    fresh == FRESH_NOT)
		rc = open_readonly(s);
	if (rc || (rc = setup_connection(s)))
		goto done;
	put_many_sql(&many);
	for (int i = 0; i < ST_COUNT; i++) {
		const char *sql =
			i == ST_PUT_MANY ? (const char *)many.p : stmt_sql[i];
		rc = sqlite3_prepare_v3(s->db, sql, -1,
					SQLITE_PREPARE_PERSISTENT, &s->st[i],
					NULL);
		if (rc != SQLITE_OK) {
			rc = sq_fail(s, rc, "cannot prepare a statement");
			goto done;
		}
	}
	if (!s->base.readonly)
		sweep_temporaries(s);
	rc = deletions(s, &s->deletions_seen);
done:
	ctask_buf_free(&many);
	if (rc)
		sq_close(&s->base);
	else
		*out = &s->base;
	return rc;
}

static void sq_close(ctask_store *base)
{
	sq_store *s = (sq_store *)base;
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	/* The last connection to close checkpoints and removes the WAL. */
	sqlite3_close_v2(s->db);
	ctask_buf_free(&s->strs);
	ctask_buf_free(&s->output);
	free(s->base.path);
	free(s);
}

/* ---- lease rows ---------------------------------------------------------- */

/* One lease row, decoded: its hashes are hs[off .. off + n) of the set.
 * gone: its owner is proven to have ended (owner_gone), so the row is dead
 * whatever its expiry says. */
typedef struct {
	sqlite3_int64 id;
	double leased, expires;
	int pid;
	bool gone;
	size_t off, n;
	size_t owner_s, host_s; /* offsets into the set's strs */
} lease_row;

/* Lease rows read out of the database, so that callbacks and updates run
 * after the statement is done. Owned by its user; lease_set_free. */
typedef struct {
	lease_row *v; /* malloc'd */
	size_t n, cap;
	ctask_hash *hs; /* malloc'd: every row's hashes, row after row */
	size_t nh, caph;
	ctask_buf strs; /* owners and hosts, NUL-terminated */
} lease_set;

static void lease_set_free(lease_set *ls)
{
	free(ls->v);
	free(ls->hs);
	ctask_buf_free(&ls->strs);
	memset(ls, 0, sizeof *ls);
}

/* Copies column col's text into b (NUL-terminated); returns its offset, or
 * SIZE_MAX for NULL. Offsets, not pointers: b may move as it grows. */
static size_t keep_text(ctask_buf *b, sqlite3_stmt *q, int col)
{
	const unsigned char *t = sqlite3_column_text(q, col);
	if (!t)
		return SIZE_MAX;
	size_t off = b->len;
	ctask_buf_append(b, t, (size_t)sqlite3_column_bytes(q, col));
	ctask_buf_byte(b, 0);
	return off;
}

/* Whether the owner of the row under q (its pid in column pid; its boot
 * id, pid namespace and start in columns id, id + 1 and id + 2) is proven
 * to have ended: only an owner of this host and pid namespace can be
 * (sys.h). */
static bool owner_gone(sqlite3_stmt *q, int pid, int id)
{
	return ctask_proc_gone((const char *)sqlite3_column_text(q, id),
			       (const char *)sqlite3_column_text(q, id + 1),
			       sqlite3_column_int(q, pid),
			       (uint64_t)sqlite3_column_int64(q, id + 2)) == 1;
}

/* Appends the rows of statement which (ST_LEASE_ROWS; ST_LEASE_MINE or
 * ST_LEASE_OTHERS: of owner, or not) to ls. A hashes blob that is not whole
 * hashes is CTASK_ECORRUPT. Rows of other owners that have not expired at
 * now are checked for a gone owner (a read of /proc each: such rows are
 * few, the other executors' batches in flight). */
static int load_rows(sq_store *s, int which, sqlite3_int64 owner, double now,
		     lease_set *ls)
{
	sqlite3_stmt *q = s->st[which];
	int rc = 0, r;
	if (which != ST_LEASE_ROWS)
		sqlite3_bind_int64(q, 1, owner);
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		size_t bytes = (size_t)sqlite3_column_bytes(q, 3);
		size_t n = bytes / sizeof(ctask_hash);
		if (bytes % sizeof(ctask_hash) != 0) {
			rc = ctask_error_set(CTASK_ECORRUPT,
					     "store %s: a row of leases has a"
					     " bad hash list",
					     s->base.path);
			break;
		}
		if (ls->n == ls->cap) {
			ls->cap = ls->cap ? 2 * ls->cap : 8;
			ls->v = ctask_xrealloc(ls->v, ls->cap * sizeof *ls->v);
		}
		if (ls->nh + n > ls->caph) {
			ls->caph = 2 * (ls->nh + n);
			ls->hs = ctask_xrealloc(ls->hs,
						ls->caph * sizeof *ls->hs);
		}
		if (n)
			memcpy(ls->hs + ls->nh, sqlite3_column_blob(q, 3),
			       bytes);
		double expires = sqlite3_column_double(q, 2);
		ls->v[ls->n++] = (lease_row){
			.id = sqlite3_column_int64(q, 0),
			.leased = sqlite3_column_double(q, 1),
			.expires = expires,
			.pid = sqlite3_column_int(q, 6),
			.gone = which != ST_LEASE_MINE && expires > now &&
				owner_gone(q, 6, 7),
			.off = ls->nh,
			.n = n,
			.owner_s = keep_text(&ls->strs, q, 4), /* coalesced: */
			.host_s = keep_text(&ls->strs, q, 5),  /* never NULL */
		};
		ls->nh += n;
	}
	if (!rc && r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot read leases");
	sqlite3_reset(q);
	return rc;
}

static bool row_has(const lease_set *ls, const lease_row *row,
		    const ctask_hash *h)
{
	return bsearch(h, ls->hs + row->off, row->n, sizeof *h,
		       (int (*)(const void *, const void *))ctask_hash_cmp) !=
	       NULL;
}

static int delete_row(sq_store *s, sqlite3_int64 id)
{
	sqlite3_bind_int64(s->st[ST_LEASE_DEL], 1, id);
	return step_done(s, ST_LEASE_DEL, "cannot release leases");
}

/* Writes row's hashes back (n of them, at hs), or deletes the row if none
 * are left. */
static int rewrite_row(sq_store *s, const lease_row *row, const ctask_hash *hs,
		       size_t n)
{
	if (n == 0)
		return delete_row(s, row->id);
	sqlite3_stmt *q = s->st[ST_LEASE_SET];
	sqlite3_bind_int64(q, 1, row->id);
	sqlite3_bind_blob64(q, 2, hs, n * sizeof *hs, SQLITE_STATIC);
	return step_done(s, ST_LEASE_SET, "cannot release leases");
}

/* Takes the n hashes hs (sorted ascending) out of row (its hashes in ls
 * are edited in place), writing it back if that changed it. */
static int strip_row(sq_store *s, lease_set *ls, const lease_row *row, size_t n,
		     const ctask_hash *hs)
{
	ctask_hash *v = ls->hs + row->off;
	size_t kept = 0, j = 0;
	for (size_t i = 0; i < row->n; i++) { /* a merge: both sorted */
		while (j < n && ctask_hash_cmp(&hs[j], &v[i]) < 0)
			j++;
		if (j == n || ctask_hash_cmp(&hs[j], &v[i]) != 0)
			v[kept++] = v[i];
	}
	return kept < row->n ? rewrite_row(s, row, v, kept) : 0;
}

/* Releases owner's leases on the n hashes hs (sorted ascending): takes
 * them out of every row of owner's, inside the caller's transaction. */
static int release_sorted(sq_store *s, sqlite3_int64 owner, size_t n,
			  const ctask_hash *hs)
{
	lease_set ls = {0}; /* owned here */
	int rc = load_rows(s, ST_LEASE_MINE, owner, 0, &ls);
	for (size_t r = 0; r < ls.n && !rc; r++)
		rc = strip_row(s, &ls, &ls.v[r], n, hs);
	lease_set_free(&ls);
	return rc;
}

/* Whether row lives at now: not expired, owner not gone. */
static bool row_live(const lease_row *row, double now)
{
	return row->expires > now && !row->gone;
}

/* One lease as status sees it: a hash of a row. */
typedef struct {
	ctask_hash h;
	const lease_row *row;
} lease_entry;

static int by_entry(const void *a, const void *b)
{
	const lease_entry *x = a, *y = b;
	int c = ctask_hash_cmp(&x->h, &y->h);
	if (c)
		return c;
	/* The same task in two rows (an owner that leased it again, or a
	 * gone owner's and its taker's): a live one, the one that lives
	 * longest, then the one taken first. */
	if (x->row->gone != y->row->gone)
		return x->row->gone ? 1 : -1;
	if (x->row->expires != y->row->expires)
		return x->row->expires > y->row->expires ? -1 : 1;
	return (x->row->leased > y->row->leased) -
	       (x->row->leased < y->row->leased);
}

/* Every leased hash once, ordered by hash; the caller frees *out. */
static size_t lease_entries(const lease_set *ls, lease_entry **out)
{
	lease_entry *e = ctask_xmalloc((ls->nh ? ls->nh : 1) * sizeof *e);
	size_t n = 0;
	for (size_t r = 0; r < ls->n; r++)
		for (size_t i = 0; i < ls->v[r].n; i++)
			e[n++] = (lease_entry){ls->hs[ls->v[r].off + i],
					       &ls->v[r]};
	qsort(e, n, sizeof *e, by_entry);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (m == 0 || ctask_hash_cmp(&e[m - 1].h, &e[i].h) != 0)
			e[m++] = e[i];
	*out = e;
	return m;
}

/* Sets *state (0: no row) and *recorded from h's result row. */
static int state_of(sq_store *s, const ctask_hash *h, int *state,
		    double *recorded)
{
	sqlite3_stmt *q = s->st[ST_STATE_OF];
	bind_hash(q, 1, h);
	int rc = 0, r = sqlite3_step(q);
	*state = 0;
	if (r == SQLITE_ROW) {
		*state = sqlite3_column_int(q, 0);
		*recorded = sqlite3_column_double(q, 1);
	} else if (r != SQLITE_DONE) {
		rc = sq_fail(s, r, "cannot read a result");
	}
	sqlite3_reset(q);
	return rc;
}

/* ---- scan and get ------------------------------------------------------ */

/* Calls cb for every result row, ordered by hash; stops at cb's first
 * non-zero value. */
static int scan_results(sq_store *s, bool small, ctask_scan_cb cb, void *ud)
{
	int which = small ? ST_SCAN_SMALL : ST_SCAN;
	sqlite3_stmt *q = s->st[which];
	int rc, r;

	if ((rc = walk_begin(s, which, "scan")))
		return rc;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		ctask_record rec = {0};
		if ((rc = column_hash(s, q, 0, &rec.hash, "results")))
			goto done;
		rec.state = sqlite3_column_int(q, 1);
		rec.size = (uint64_t)sqlite3_column_int64(q, 2);
		rec.in_object = sqlite3_column_int(q, 3) != 0;
		/* Copied to the stack, not allocated: scan may read 10^6
		 * rows, and the callback only borrows it. */
		ctask_hash fp;
		if (sqlite3_column_bytes(q, 4) == (int)sizeof fp.b) {
			memcpy(fp.b, sqlite3_column_blob(q, 4), sizeof fp.b);
			rec.fingerprint = &fp;
		}
		/* A small result: the row is read anyway (a mismatch is left
		 * for the reader of the result to report). */
		const uint8_t *b;
		size_t n;
		if (small && sqlite3_column_type(q, 6) == SQLITE_BLOB &&
		    inline_ok(q, 6, rec.size,
			      (uint64_t)sqlite3_column_int64(q, 5), &b, &n))
			rec.data = n ? b : (const uint8_t *)"";
		rec.dirty = -1;
		if ((rc = cb(ud, &rec)))
			goto done;
	}
	if (r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot read results");
done:
	walk_end(s, which);
	return rc;
}

/* Calls cb with a RUNNING record for every lease of a task without a done
 * result, ordered by hash; stops at cb's first non-zero value. */
static int scan_leases(sq_store *s, ctask_scan_cb cb, void *ud)
{
	lease_set ls = {0};    /* owned here */
	lease_entry *e = NULL; /* owned here */
	double now = ctask_now(), recorded;
	int rc = load_rows(s, ST_LEASE_ROWS, 0, now, &ls), state;
	size_t n = rc ? 0 : lease_entries(&ls, &e);

	for (size_t i = 0; i < n && !rc; i++) {
		if ((rc = state_of(s, &e[i].h, &state, &recorded)) ||
		    state == CTASK_REC_DONE)
			continue;
		ctask_record rec = {0};
		rec.hash = e[i].h;
		rec.name = "";
		rec.state = CTASK_REC_RUNNING;
		rec.started = e[i].row->leased;
		rec.host = (const char *)ls.strs.p + e[i].row->host_s;
		rec.dirty = -1;
		rec.expires = e[i].row->expires;
		rec.live = row_live(e[i].row, now);
		rc = cb(ud, &rec);
	}
	free(e);
	lease_set_free(&ls);
	return rc;
}

/* Sets *v to the count of deletes that removed results (ST_DELETIONS). */
static int deletions(sq_store *s, sqlite3_int64 *v)
{
	sqlite3_stmt *q = s->st[ST_DELETIONS];
	int r = sqlite3_step(q);
	*v = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return r == SQLITE_ROW ? 0 : sq_fail(s, r, "cannot read ctask.db");
}

/* Sets *v to PRAGMA data_version: it changes when another connection
 * commits, and only then. */
static int data_version(sq_store *s, sqlite3_int64 *v)
{
	sqlite3_stmt *q = s->st[ST_DATA_VERSION];
	int r = sqlite3_step(q);
	*v = sqlite3_column_int64(q, 0);
	sqlite3_reset(q);
	return r == SQLITE_ROW ? 0 : sq_fail(s, r, "cannot read ctask.db");
}

/* The results, then the leases (see ctask_store_scan). */
static int sq_scan(ctask_store *base, bool small, ctask_scan_cb cb, void *ud)
{
	sq_store *s = (sq_store *)base;
	/* Before the results: a delete in between only makes put check. */
	int rc = deletions(s, &s->deletions_seen);
	if (rc == 0)
		rc = data_version(s, &s->scan_version);
	s->scanned = rc == 0;
	if (rc == 0)
		rc = scan_results(s, small, cb, ud);
	return rc ? rc : scan_leases(s, cb, ud);
}

/* Reads objects/ab/cd... into data and checks it is what the row says:
 * its name is the XXH3-128 of the bytes, and the checksum matches. */
static int read_object(sq_store *s, const char *hex, uint64_t size,
		       uint64_t sum, ctask_buf *data, const char *task)
{
	ctask_buf path = {0}; /* owned here */
	const char *why = NULL;
	int rc = 0, fd = -1;
	struct stat st;
	ctask_hash h;
	char got[CTASK_HASH_HEX];

	object_path(s, &path, hex);
	fd = open((char *)path.p, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		why = "missing";
		goto done;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = sys_fail(s, "read", (char *)path.p);
		goto done;
	}
	if ((uint64_t)st.st_size != size || size > SIZE_MAX / 2) {
		why = "checksum mismatch"; /* the size alone says it */
		goto done;
	}
	uint8_t *p = ctask_buf_reserve(data, (size_t)size);
	if (ctask_read_all(fd, p, (size_t)size) != 0) {
		if (errno == 0)
			errno = EIO; /* shrank under us */
		rc = sys_fail(s, "read", (char *)path.p);
		goto done;
	}
	ctask_hash_bytes(p, (size_t)size, &h);
	ctask_hash_hex(&h, got);
	if (strcmp(got, hex) != 0 || ctask_checksum(p, (size_t)size) != sum)
		why = "checksum mismatch";
	else
		data->len = (size_t)size;
done:
	if (why)
		rc = ctask_error_set(CTASK_ECORRUPT,
				     "object objects/%.2s/%s of task %s: %s",
				     hex, hex + 2, task, why);
	if (fd >= 0)
		close(fd);
	ctask_buf_free(&path);
	return rc;
}

static const char *kept(const sq_store *s, size_t off)
{
	return off == SIZE_MAX ? NULL : (const char *)s->strs.p + off;
}

/* The inline blob in column col of q's row, checked against the row's size
 * and checksum. Returns 0 with *p and *n set (valid until q moves), or
 * CTASK_ECORRUPT naming task h (and its function, if name is not NULL;
 * the hex is only made then: a fan-in reads 10^6 of these). */
static int inline_bytes(sqlite3_stmt *q, int col, uint64_t size, uint64_t sum,
			const ctask_hash *h, const char *name,
			const uint8_t **p, size_t *n)
{
	if (inline_ok(q, col, size, sum, p, n))
		return 0;
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(h, hex);
	return ctask_error_set(CTASK_ECORRUPT,
			       "inline result of task %s%s%s%s: checksum"
			       " mismatch",
			       hex, name ? " (" : "", name ? name : "",
			       name ? ")" : "");
}

/* data may be NULL: then only the row is read (no bytes, no checks). */
static int sq_get(ctask_store *base, const ctask_hash *hash, ctask_record *rec,
		  ctask_buf *data)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *q = s->st[ST_GET];
	char hhex[CTASK_HASH_HEX], obj[CTASK_HASH_HEX] = "";
	ctask_buf task = {0}; /* owned here: "HASHHEX (name)", made for the
				 messages that need it */
	int rc = 0, r;

	memset(rec, 0, sizeof *rec);
	rec->hash = *hash;
	if (data)
		data->len = 0;
	ctask_hash_hex(hash, hhex);
	sqlite3_bind_blob(q, 1, hash->b, sizeof hash->b, SQLITE_STATIC);
	if ((r = sqlite3_step(q)) != SQLITE_ROW) {
		rc = r == SQLITE_DONE
			     ? ctask_error_set(
				       CTASK_ENOTFOUND,
				       "no result for task %s in store %s",
				       hhex, s->base.path)
			     : sq_fail(s, r, "cannot read a result");
		goto done;
	}
	s->strs.len = 0;
	size_t name = keep_text(&s->strs, q, 0),
	       msg = keep_text(&s->strs, q, 6),
	       host = keep_text(&s->strs, q, 9),
	       commit = keep_text(&s->strs, q, 11),
	       file = keep_text(&s->strs, q, 13);
	rec->state = sqlite3_column_int(q, 1);
	rec->size = (uint64_t)sqlite3_column_int64(q, 2);
	uint64_t sum = (uint64_t)sqlite3_column_int64(q, 3);
	rec->started = sqlite3_column_double(q, 7);
	rec->duration = sqlite3_column_double(q, 8);
	rec->name = kept(s, name);
	rec->message = kept(s, msg);
	rec->host = kept(s, host);
	rec->commit = kept(s, commit);
	rec->task_file = kept(s, file);
	if (sqlite3_column_type(q, 14) != SQLITE_NULL) {
		s->output.len = 0;
		ctask_buf_append(&s->output, sqlite3_column_blob(q, 14),
				 (size_t)sqlite3_column_bytes(q, 14));
		ctask_buf_byte(&s->output, 0); /* so text can be printed */
		rec->output = s->output.p;
		rec->output_len = s->output.len - 1;
	}
	rec->dirty = sqlite3_column_type(q, 12) == SQLITE_NULL
			     ? -1
			     : sqlite3_column_int(q, 12) != 0;
	if (sqlite3_column_bytes(q, 10) == (int)sizeof s->fp.b) {
		memcpy(s->fp.b, sqlite3_column_blob(q, 10), sizeof s->fp.b);
		rec->fingerprint = &s->fp;
	}
	const char *o = (const char *)sqlite3_column_text(q, 5);
	if (o) {
		ctask_buf_printf(&task, "%s (%s)", hhex,
				 rec->name ? rec->name : "?");
		if (!is_hex32(o, (size_t)sqlite3_column_bytes(q, 5))) {
			rc = ctask_error_set(
				CTASK_ECORRUPT,
				"store %s: task %s has a bad object"
				" name",
				s->base.path, (char *)task.p);
			goto done;
		}
		memcpy(obj, o, sizeof obj);
		rec->in_object = true;
	} else if (data && rec->state == CTASK_REC_DONE) {
		const uint8_t *b;
		size_t n;
		if ((rc = inline_bytes(q, 4, rec->size, sum, hash,
				       rec->name ? rec->name : "?", &b, &n)))
			goto done;
		if (n) /* b is NULL for an empty blob */
			ctask_buf_append(data, b, n);
	}
	sqlite3_reset(q); /* end the read before the (slow) file read */
	if (obj[0] && data && rec->state == CTASK_REC_DONE)
		rc = read_object(s, obj, rec->size, sum, data, (char *)task.p);
done:
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	ctask_buf_free(&task);
	return rc;
}

/* ---- put ---------------------------------------------------------------- */

/* Makes objects/ab/cd... (named hex) hold data, durably, unless it already
 * exists: a temporary file, fsync, rename, fsync of the directory (and of
 * objects/ when ab/ is new, so ab/ itself survives a crash). */
static int write_object(sq_store *s, const char *hex, const uint8_t *data,
			uint64_t size)
{
	ctask_buf path = {0}, tmp = {0}, sub = {0}; /* owned here */
	char r[17];
	int rc = 0, fd = -1, made_sub = 0;
	struct stat st;

	object_path(s, &path, hex);
	if (stat((char *)path.p, &st) == 0)
		goto done; /* content-addressed: same name, same bytes */
	ctask_buf_printf(&sub, "%s/objects/%.2s", s->base.path, hex);
	if (mkdir((char *)sub.p, 0777) == 0)
		made_sub = 1;
	else if (errno != EEXIST) {
		rc = sys_fail(s, "create", (char *)sub.p);
		goto done;
	}
	rand_hex(r);
	tmp_path(s, &tmp, "obj", r);
	/* 0444: an object is never changed after it is written. */
	fd = open((char *)tmp.p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0) {
		rc = sys_fail(s, "create", (char *)tmp.p);
		goto done;
	}
	if (ctask_write_all(fd, data, size) != 0 || fsync(fd) != 0) {
		rc = sys_fail(s, "write", (char *)tmp.p);
		goto done;
	}
	int c = close(fd);
	fd = -1;
	if (c != 0 || rename((char *)tmp.p, (char *)path.p) != 0) {
		rc = sys_fail(s, "write", (char *)path.p);
		goto done;
	}
	tmp.len = 0; /* renamed: nothing left to clean up */
	sub.len = 0;
	ctask_buf_printf(&sub, "%s/objects/%.2s", s->base.path, hex);
	if (fsync_dir((char *)sub.p) != 0)
		rc = sys_fail(s, "sync", (char *)sub.p);
	else if (made_sub) {
		sub.len = 0;
		ctask_buf_printf(&sub, "%s/objects", s->base.path);
		if (fsync_dir((char *)sub.p) != 0)
			rc = sys_fail(s, "sync", (char *)sub.p);
	}
done:
	if (fd >= 0)
		close(fd);
	if (rc && tmp.len)
		unlink((char *)tmp.p);
	ctask_buf_free(&path);
	ctask_buf_free(&tmp);
	ctask_buf_free(&sub);
	return rc;
}

/* Binds r's row (obj: its content address, "" when inline), recorded at
 * time now, to parameters base + 1 .. base + PUT_COLS of q. */
static void bind_row(sqlite3_stmt *q, int base, const ctask_record *r,
		     const char *obj, double now)
{
	int done = r->state == CTASK_REC_DONE;
	uint64_t size = done ? r->size : 0;
	const void *data = done ? r->data : NULL;

	sqlite3_bind_blob(q, base + 1, r->hash.b, sizeof r->hash.b,
			  SQLITE_STATIC);
	sqlite3_bind_text(q, base + 2, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(q, base + 3, r->state);
	sqlite3_bind_int64(q, base + 4, (sqlite3_int64)size);
	/* The checksum's bits, as SQLite's integers are signed. */
	sqlite3_bind_int64(
		q, base + 5,
		(sqlite3_int64)ctask_checksum(data ? data : "", (size_t)size));
	if (done && !obj[0]) /* "" when empty: NULL means "in objects/" */
		sqlite3_bind_blob64(q, base + 6, data ? data : (const void *)"",
				    size, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, base + 6);
	bind_str(q, base + 7, obj[0] ? obj : NULL);
	bind_str(q, base + 8, done ? NULL : r->message);
	sqlite3_bind_double(q, base + 9, r->started);
	sqlite3_bind_double(q, base + 10, r->duration);
	bind_str(q, base + 11, r->host);
	sqlite3_bind_double(q, base + 12, now);
	if (r->fingerprint)
		bind_hash(q, base + 13, r->fingerprint);
	else
		sqlite3_bind_null(q, base + 13);
	bind_str(q, base + 14, r->commit);
	if (r->commit && r->dirty >= 0) /* no repository: nothing to say */
		sqlite3_bind_int(q, base + 15, r->dirty != 0);
	else
		sqlite3_bind_null(q, base + 15);
	bind_str(q, base + 16, r->task_file);
	if (r->output)
		sqlite3_bind_blob64(q, base + 17, r->output, r->output_len,
				    SQLITE_STATIC);
	else
		sqlite3_bind_null(q, base + 17);
}

/* Writes r's row with statement which: ST_PUT_NEW (then sqlite3_changes
 * says whether it was written) or ST_PUT. */
static int insert_row(sq_store *s, int which, const ctask_record *r,
		      const char *obj, double now)
{
	bind_row(s->st[which], 0, r, obj, now);
	int rc = step_done(s, which, "cannot write a result");
	sqlite3_clear_bindings(s->st[which]);
	return rc;
}

/* ---- dropping unreferenced objects (put and delete) --------------------- */

/* Content addresses to check once a transaction's rows are written. */
typedef struct {
	char (*v)[CTASK_HASH_HEX]; /* owned by the list's user (malloc) */
	size_t n, cap;
} obj_list;

static void obj_add(obj_list *c, const char *hex)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->v = ctask_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	memcpy(c->v[c->n++], hex, CTASK_HASH_HEX);
}

/* Adds the object of h's current row, if it has one, to c. */
static int note_object(sq_store *s, const ctask_hash *h, obj_list *c)
{
	sqlite3_stmt *q = s->st[ST_OBJ_OF];
	sqlite3_bind_blob(q, 1, h->b, sizeof h->b, SQLITE_STATIC);
	int rc = 0, r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		const char *o = (const char *)sqlite3_column_text(q, 0);
		if (o && is_hex32(o, (size_t)sqlite3_column_bytes(q, 0)))
			obj_add(c, o);
	} else if (r != SQLITE_DONE) {
		rc = sq_fail(s, r, "cannot read a result");
	}
	sqlite3_reset(q);
	return rc;
}

/* Renames away every object in c that no row refers to any more, inside the
 * transaction (see "Concurrency" at the top), adding it to d. */
static int drop_unreferenced(sq_store *s, const obj_list *c, drop_list *d)
{
	sqlite3_stmt *q = s->st[ST_OBJ_REF];
	ctask_buf path = {0}, tmp = {0}; /* owned here */
	struct stat st;
	int rc = 0;

	for (size_t i = 0; i < c->n && !rc; i++) {
		sqlite3_bind_text(q, 1, c->v[i], -1, SQLITE_STATIC);
		int r = sqlite3_step(q);
		sqlite3_reset(q);
		if (r != SQLITE_DONE) { /* ROW: still referenced */
			rc = r == SQLITE_ROW ? 0 : sq_fail(s, r, "cannot read");
			continue;
		}
		object_path(s, &path, c->v[i]);
		if (lstat((char *)path.p, &st) != 0)
			continue; /* already dropped (listed twice) or missing
				   */
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 8;
			d->v = ctask_xrealloc(d->v, d->cap * sizeof *d->v);
		}
		dropped *e = &d->v[d->n];
		memcpy(e->hex, c->v[i], CTASK_HASH_HEX);
		del_path(s, &tmp, e->hex);
		if (rename((char *)path.p, (char *)tmp.p) != 0) {
			rc = sys_fail(s, "remove", (char *)path.p);
			continue;
		}
		d->n++;
		d->bytes += (uint64_t)st.st_size;
	}
	ctask_buf_free(&path);
	ctask_buf_free(&tmp);
	return rc;
}

/* Makes the last commit durable: with synchronous=NORMAL power loss could
 * undo it, and then its rows would name objects we are about to unlink. */
static int sync_wal(sq_store *s)
{
	ctask_buf path = {0}; /* owned here */
	ctask_buf_printf(&path, "%s/ctask.db-wal", s->base.path);
	int rc = 0, fd = open((char *)path.p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	} else if (errno != ENOENT) { /* no WAL: all checkpointed and synced */
		rc = -1;
	}
	ctask_buf_free(&path);
	return rc;
}

/* After the transaction: unlinks the dropped objects if it committed (and
 * the commit is durable), else renames them back; frees d. */
static void drops_finish(sq_store *s, drop_list *d, int committed)
{
	ctask_buf path = {0}, tmp = {0}; /* owned here */
	if (d->n && committed && sync_wal(s) != 0)
		committed = 0; /* keeping unreferenced objects is harmless */
	for (size_t i = 0; i < d->n; i++) {
		del_path(s, &tmp, d->v[i].hex);
		if (committed) {
			unlink((char *)tmp.p);
		} else {
			object_path(s, &path, d->v[i].hex);
			rename((char *)tmp.p, (char *)path.p);
		}
	}
	ctask_buf_free(&path);
	ctask_buf_free(&tmp);
	free(d->v);
	memset(d, 0, sizeof *d);
}

/* Sets *id to the rowid of owner's executors row, or 0 if it has none. */
static int executor_id(sq_store *s, const char *owner, sqlite3_int64 *id)
{
	sqlite3_stmt *q = s->st[ST_EXEC_ID];
	bind_str(q, 1, owner);
	int rc = 0, r = sqlite3_step(q);
	*id = r == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
	if (r != SQLITE_ROW && r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot read executors");
	sqlite3_reset(q);
	return rc;
}

/* Writes one record inside put's transaction: a plain insert when h has no
 * row (the common case), else (the old row may name the last reference to
 * an object) note its object and replace it. */
static int put_row(sq_store *s, const ctask_record *r, const char *obj,
		   double now, obj_list *old)
{
	int rc = insert_row(s, ST_PUT_NEW, r, obj, now);
	if (rc || sqlite3_changes(s->db) > 0)
		return rc;
	/* A failure never replaces a result: an executor that lost its lease
	 * (paused past the TTL) must not undo another's work. */
	if (r->state == CTASK_REC_FAILED) {
		int state;
		double recorded;
		if ((rc = state_of(s, &r->hash, &state, &recorded)) ||
		    state == CTASK_REC_DONE)
			return rc;
	}
	if ((rc = note_object(s, &r->hash, old)))
		return rc;
	return insert_row(s, ST_PUT, r, obj, now);
}

/* Writes the next PUT_MANY records of recs (idx: their indices, m of them
 * left) with one statement, if there are that many and none is in an
 * object file. Returns how many it wrote (0: none, put them one by one),
 * or an error. If any of them already had a row, they all go through
 * put_row (the rows just inserted are rewritten, the same). */
static int put_many(sq_store *s, const ctask_record *recs,
		    char (*obj)[CTASK_HASH_HEX], const size_t *idx, size_t m,
		    double now, obj_list *old)
{
	sqlite3_stmt *q = s->st[ST_PUT_MANY];
	if (m < PUT_MANY)
		return 0;
	for (size_t j = 0; j < PUT_MANY; j++)
		if (obj[idx[j]][0])
			return 0;
	for (size_t j = 0; j < PUT_MANY; j++)
		bind_row(q, (int)j * PUT_COLS, &recs[idx[j]], obj[idx[j]], now);
	int rc = step_done(s, ST_PUT_MANY, "cannot write a result");
	sqlite3_clear_bindings(q);
	if (rc)
		return rc;
	if (sqlite3_changes(s->db) == PUT_MANY)
		return PUT_MANY;
	for (size_t j = 0; j < PUT_MANY && !rc; j++)
		rc = put_row(s, &recs[idx[j]], obj[idx[j]], now, old);
	return rc ? rc : PUT_MANY;
}

/* Adds the n records put to the counts of executor me, so that status
 * --workers shows what it has committed (its heartbeat does not count). */
static int count_put(sq_store *s, sqlite3_int64 me, size_t n,
		     const ctask_record *recs, const uint8_t *refused)
{
	sqlite3_int64 done = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (refused && refused[i])
			continue;
		done += recs[i].state == CTASK_REC_DONE;
		failed += recs[i].state == CTASK_REC_FAILED;
	}
	sqlite3_stmt *q = s->st[ST_EXEC_COUNT];
	sqlite3_bind_int64(q, 1, me);
	sqlite3_bind_int64(q, 2, done);
	sqlite3_bind_int64(q, 3, failed);
	return step_done(s, ST_EXEC_COUNT, "cannot record an executor");
}

/* Whether h is an input that a record of this put can count on: a done
 * result that this put writes (a DONE record of it not refused; order: the
 * records' indices by hash), or else one the store has. */
static int input_present(sq_store *s, size_t n, const ctask_record *recs,
			 const size_t *order, const uint8_t *refused,
			 const ctask_hash *h, bool *ok)
{
	size_t lo = 0, hi = n;
	while (lo < hi) { /* the first record at or after h */
		size_t mid = lo + (hi - lo) / 2;
		if (ctask_hash_cmp(&recs[order[mid]].hash, h) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t j = lo < n ? order[lo] : 0;
	*ok = lo < n && ctask_hash_cmp(&recs[j].hash, h) == 0 &&
	      recs[j].state == CTASK_REC_DONE && !refused[j];
	if (*ok)
		return 0;
	int state;
	double recorded;
	int rc = state_of(s, h, &state, &recorded);
	*ok = state == CTASK_REC_DONE;
	return rc;
}

/* The inputs of the DONE records: those of recs[i] are the hashes in
 * b.p[off[i] .. off[i + 1]). */
typedef struct {
	ctask_buf b;
	size_t *off;
} input_lists;

static void list_inputs(size_t n, const ctask_record *recs, input_lists *in)
{
	in->off = ctask_xmalloc((n + 1) * sizeof *in->off);
	for (size_t i = 0; i < n; i++) {
		in->off[i] = in->b.len;
		if (recs[i].state == CTASK_REC_DONE && recs[i].inputs)
			recs[i].inputs(recs[i].inputs_ud, &in->b);
	}
	in->off[n] = in->b.len;
}

/* Whether every input of recs[i] is present (input_present). */
static int inputs_present(sq_store *s, size_t n, const ctask_record *recs,
			  const size_t *order, const uint8_t *refused,
			  const input_lists *in, size_t i, bool *ok)
{
	const ctask_hash *hs = (const ctask_hash *)(in->b.p + in->off[i]);
	size_t m = (in->off[i + 1] - in->off[i]) / sizeof *hs;
	int rc = 0;
	*ok = true;
	for (size_t k = 0; k < m && *ok && !rc; k++)
		rc = input_present(s, n, recs, order, refused, &hs[k], ok);
	return rc;
}

/* If results were deleted since this handle's last scan (the deletions
 * counter moved), refuses (refused[i] = 1) the DONE records with an input
 * not present (input_present), until none is left: a refused record may be
 * another's input. Their objects go to old, to be dropped if no row names
 * them. Inside put's transaction: the counter is read under the write
 * lock, and no delete can come between the check and the commit. */
static int check_inputs(sq_store *s, size_t n, const ctask_record *recs,
			const size_t *order, char (*obj)[CTASK_HASH_HEX],
			uint8_t *refused, obj_list *old)
{
	sqlite3_int64 now_deleted;
	input_lists in = {{0}, NULL}; /* owned here */
	int rc = deletions(s, &now_deleted);
	bool changed = !rc && now_deleted != s->deletions_seen;
	if (changed)
		list_inputs(n, recs, &in);
	while (changed && !rc) {
		changed = false;
		for (size_t i = 0; i < n && !rc; i++) {
			bool ok = true;
			if (refused[i] || in.off[i] == in.off[i + 1])
				continue;
			rc = inputs_present(s, n, recs, order, refused, &in, i,
					    &ok);
			if (!rc && !ok) {
				refused[i] = 1;
				changed = true;
				if (obj[i][0])
					obj_add(old, obj[i]);
			}
		}
	}
	ctask_buf_free(&in.b);
	free(in.off);
	return rc;
}

/* Writes the rows of the m records recs[order[0..m)], in hash order. */
static int write_rows(sq_store *s, const ctask_record *recs,
		      char (*obj)[CTASK_HASH_HEX], const size_t *order,
		      size_t m, double now, obj_list *old)
{
	for (size_t k = 0; k < m;) {
		size_t i = order[k];
		int rc = put_many(s, recs, obj, order + k, m - k, now, old);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			k += (size_t)rc;
			continue;
		}
		/* Under the lock, an object found a moment ago may have been
		 * dropped by a delete; this stat (or rewrite) settles it. */
		if (obj[i][0] &&
		    (rc = write_object(s, obj[i], recs[i].data, recs[i].size)))
			return rc;
		if ((rc = put_row(s, &recs[i], obj[i], now, old)))
			return rc;
		k++;
	}
	return 0;
}

/* Writes the records (see ctask_store_put): objects first, then every row
 * in one transaction (but those refused by check_inputs), releasing the
 * set executor's leases on them. */
static int sq_put(ctask_store *base, size_t n, const ctask_record *recs,
		  uint8_t *refused)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	/* owned here: each record's content address, "" when inline */
	char(*obj)[CTASK_HASH_HEX] = ctask_xcalloc(n, sizeof *obj);
	obj_list old = {0};    /* owned here: objects of replaced rows */
	drop_list drops = {0}; /* owned here */
	int rc = 0, in_tx = 0;
	sqlite3_int64 me = 0;	     /* the set executor's id; 0: none */
	size_t *order = NULL, m = 0; /* owned here */
	ctask_hash h, *sorted = ctask_xmalloc((n ? n : 1) * sizeof *sorted);
	/* owned here: refused, or all 0 for a caller that has no inputs */
	uint8_t *no = refused ? refused : ctask_xcalloc(n, 1);
	double now = ctask_now();

	/* Objects first, outside the lock: their fsyncs must not hold up the
	 * other writers. */
	for (size_t i = 0; i < n; i++) {
		const ctask_record *r = &recs[i];
		if (r->state != CTASK_REC_DONE || r->size <= CTASK_INLINE_MAX)
			continue;
		ctask_hash_bytes(r->data, (size_t)r->size, &h);
		ctask_hash_hex(&h, obj[i]);
		if ((rc = write_object(s, obj[i], r->data, r->size)))
			goto done;
	}
	if ((rc = step_done(s, ST_BEGIN, "cannot start a transaction")))
		goto done;
	in_tx = 1;
	if (s->base.owner && (rc = executor_id(s, s->base.owner, &me)))
		goto done;
	order = hash_order(&recs[0].hash, sizeof *recs, n);
	if ((rc = check_inputs(s, n, recs, order, obj, no, &old)))
		goto done;
	for (size_t k = 0; k < n; k++) /* the records to write */
		if (!no[order[k]])
			order[m++] = order[k];
	for (size_t k = 0; k < m; k++)
		sorted[k] = recs[order[k]].hash;
	if ((rc = write_rows(s, recs, obj, order, m, now, &old)) ||
	    (me && ((rc = release_sorted(s, me, m, sorted)) ||
		    (rc = count_put(s, me, n, recs, no)))))
		goto done;
	/* A replaced row's object goes when no row names it any more (a task
	 * whose result changed, or a failure replacing a result), and so
	 * does a refused record's. */
	if ((rc = drop_unreferenced(s, &old, &drops)) ||
	    (rc = step_done(s, ST_COMMIT, "cannot commit")))
		goto done;
	in_tx = 0;
done:
	if (in_tx)
		rollback(s);
	drops_finish(s, &drops, rc == 0);
	if (rc && refused)
		memset(refused, 0, n);
	if (no != refused)
		free(no);
	free(old.v);
	free(obj);
	free(order);
	free(sorted);
	return rc;
}

/* ---- delete ------------------------------------------------------------- */

/* Deletes the records of hs (see ctask_store_delete), in one transaction;
 * objects no row names any more are unlinked after it commits. */
static int sq_delete(ctask_store *base, size_t n, const ctask_hash *hs,
		     uint64_t *count, uint64_t *freed)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	obj_list objs = {0};   /* owned here: objects of the deleted rows */
	drop_list drops = {0}; /* owned here */
	uint64_t deleted = 0;
	int rc, in_tx = 0;

	if ((rc = step_done(s, ST_BEGIN, "cannot start a transaction")))
		goto done;
	in_tx = 1;
	for (size_t i = 0; i < n; i++) {
		if ((rc = note_object(s, &hs[i], &objs)))
			goto done;
		bind_hash(s->st[ST_DEL], 1, &hs[i]);
		if ((rc = step_done(s, ST_DEL, "cannot delete a result")))
			goto done;
		deleted += (uint64_t)sqlite3_changes(s->db);
		/* Its attempts go too; its lease, never (see store.h). */
		bind_hash(s->st[ST_DEL_ATTEMPTS], 1, &hs[i]);
		if ((rc = step_done(s, ST_DEL_ATTEMPTS,
				    "cannot delete attempts")))
			goto done;
	}
	/* so that a put of results computed from these is refused (sq_put) */
	if (deleted &&
	    (rc = step_done(s, ST_DELETIONS_BUMP, "cannot delete a result")))
		goto done;
	if ((rc = drop_unreferenced(s, &objs, &drops)) ||
	    (rc = step_done(s, ST_COMMIT, "cannot commit")))
		goto done;
	in_tx = 0;
	if (count)
		*count += deleted;
	if (freed)
		*freed += drops.bytes;
done:
	if (in_tx)
		rollback(s);
	drops_finish(s, &drops, rc == 0);
	free(objs.v);
	return rc;
}

/* ---- temporaries of writers that were killed ----------------------------- */

/* Whether name, a temporary of tmp/ ("KIND-TAG-...", prefix "KIND-") or a
 * database being made in DIR (prefix DB_TMP), is an owner's proven gone. */
static bool dead_temp(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	return strncmp(name, prefix, n) == 0 &&
	       ctask_proc_tag_gone(name + n) == 1;
}

/* Puts object hex, which a killed delete had taken away to tmp (see
 * drop_unreferenced), back into objects/ if a row names it (the delete
 * died before committing, and SQLite rolled it back) and it is missing;
 * else removes tmp (the delete had committed, or the object was written
 * again). Under the write lock, so no delete or put is half way. */
static int restore_dropped(sq_store *s, const char *tmp, const char *hex)
{
	ctask_buf path = {0}; /* owned here */
	sqlite3_stmt *q = s->st[ST_OBJ_REF];
	struct stat st;
	int rc = 0;

	object_path(s, &path, hex);
	sqlite3_bind_text(q, 1, hex, -1, SQLITE_STATIC);
	int r = sqlite3_step(q);
	sqlite3_reset(q);
	if (r == SQLITE_ROW && lstat((char *)path.p, &st) != 0 &&
	    errno == ENOENT) {
		char *slash = strrchr((char *)path.p, '/');
		*slash = 0; /* objects/ab: deletes never remove it, but */
		if (mkdir((char *)path.p, 0777) != 0 && errno != EEXIST)
			rc = sys_fail(s, "create", (char *)path.p);
		*slash = '/';
		if (!rc && rename(tmp, (char *)path.p) != 0)
			rc = sys_fail(s, "restore", (char *)path.p);
	} else if (r == SQLITE_ROW || r == SQLITE_DONE) {
		unlink(tmp);
	} else {
		rc = sq_fail(s, r, "cannot read results");
	}
	ctask_buf_free(&path);
	return rc;
}

/* Removes the databases that writers proven gone were making (DB_TMP, in
 * DIR). */
static void sweep_databases(sq_store *s)
{
	ctask_buf path = {0}; /* owned here */
	DIR *d = opendir(s->base.path);
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (dead_temp(e->d_name, DB_TMP)) {
			path.len = 0;
			ctask_buf_printf(&path, "%s/%s", s->base.path,
					 e->d_name);
			unlink((char *)path.p);
		}
	if (d)
		closedir(d);
	ctask_buf_free(&path);
}

/* Removes the temporaries of writers proven gone (killed on this host, see
 * sys.h): the databases they were making, and in tmp/ the objects they were
 * writing and their probe files; what a killed delete had taken away goes
 * back (restore_dropped). A live writer's temporaries, and those of other
 * hosts and containers, stay. Runs when the store is opened for writing
 * (and so by cleanup), and is cheap: DIR holds a few entries, tmp/ only
 * the files being written. Best effort: what cannot be removed now is
 * tried again by the next writer. */
static void sweep_temporaries(sq_store *s)
{
	ctask_buf dir = {0}, path = {0}; /* owned here */
	int rc = 0, in_tx = 0;
	sweep_databases(s);
	ctask_buf_printf(&dir, "%s/tmp", s->base.path);
	DIR *d = opendir((char *)dir.p);
	struct dirent *e;
	while (d && !rc && (e = readdir(d))) {
		const char *name = e->d_name, *hex = strrchr(name, '-');
		path.len = 0;
		ctask_buf_printf(&path, "%s/%s", (char *)dir.p, name);
		if (dead_temp(name, "obj-") || dead_temp(name, "probe-")) {
			unlink((char *)path.p);
		} else if (dead_temp(name, "del-") &&
			   is_hex32(hex + 1, strlen(hex + 1))) {
			if (!in_tx)
				rc = step_done(s, ST_BEGIN,
					       "cannot start a transaction");
			in_tx = !rc;
			if (!rc)
				rc = restore_dropped(s, (char *)path.p,
						     hex + 1);
		}
	}
	if (d)
		closedir(d);
	if (in_tx)
		tx_end(s, rc);
	ctask_buf_free(&dir);
	ctask_buf_free(&path);
}

/* ---- executors and leases ---------------------------------------------- */

/* Binds e's identity (boot id, pid namespace, start) to ?i .. ?i+2. */
static void bind_identity(sqlite3_stmt *q, int i, const ctask_executor *e)
{
	bind_str(q, i, e->boot_id && *e->boot_id ? e->boot_id : NULL);
	bind_str(q, i + 1, e->pid_ns && *e->pid_ns ? e->pid_ns : NULL);
	if (e->proc_start)
		sqlite3_bind_int64(q, i + 2, (sqlite3_int64)e->proc_start);
	else
		sqlite3_bind_null(q, i + 2);
}

/* Records e as live (see ctask_store_executor_begin); one statement. */
static int sq_executor_begin(ctask_store *base, const ctask_executor *e)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	sqlite3_stmt *q = s->st[ST_EXEC_BEGIN];
	double now = ctask_now();
	bind_str(q, 1, e->owner);
	bind_str(q, 2, e->host);
	sqlite3_bind_int(q, 3, e->pid);
	sqlite3_bind_double(q, 4, e->started);
	sqlite3_bind_double(q, 5, now);
	sqlite3_bind_double(q, 6, now + (e->ttl > 0 ? e->ttl : 30));
	bind_identity(q, 7, e);
	return step_done(s, ST_EXEC_BEGIN, "cannot record an executor");
}

/* Releases e's leases: on the n hashes hs, or all of them if n is 0 (see
 * ctask_store_release); inside the caller's transaction. */
static int release_leases(sq_store *s, const ctask_executor *e, size_t n,
			  const ctask_hash *hs)
{
	sqlite3_int64 id;
	int rc = executor_id(s, e->owner, &id);
	if (rc || id == 0) /* no record: no leases */
		return rc;
	if (n == 0) {
		sqlite3_bind_int64(s->st[ST_LEASE_DROP_ALL], 1, id);
		return step_done(s, ST_LEASE_DROP_ALL, "cannot release leases");
	}
	size_t *order = hash_order(hs, sizeof *hs, n);		/* owned here */
	ctask_hash *sorted = ctask_xmalloc(n * sizeof *sorted); /* owned */
	for (size_t k = 0; k < n; k++)
		sorted[k] = hs[order[k]];
	rc = release_sorted(s, id, n, sorted);
	free(sorted);
	free(order);
	return rc;
}

/* Marks e finished and releases all its leases, in one transaction. */
static int sq_executor_end(ctask_store *base, const ctask_executor *e,
			   uint64_t done, uint64_t failed)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	sqlite3_stmt *q = s->st[ST_EXEC_END];
	int rc;

	if ((rc = step_done(s, ST_BEGIN, "cannot start a transaction")))
		return rc;
	bind_str(q, 1, e->owner);
	sqlite3_bind_double(q, 2, ctask_now());
	sqlite3_bind_int64(q, 3, (sqlite3_int64)done);
	sqlite3_bind_int64(q, 4, (sqlite3_int64)failed);
	rc = step_done(s, ST_EXEC_END, "cannot record an executor");
	if (!rc)
		rc = release_leases(s, e, 0, NULL);
	return tx_end(s, rc);
}

/* Makes e's executors row live with expiry until (creating it if missing)
 * and sets *id to its rowid: what e's leases name as their owner. */
static int claim_executor(sq_store *s, const ctask_executor *e, double now,
			  double until, sqlite3_int64 *id)
{
	sqlite3_stmt *q = s->st[ST_EXEC_CLAIM];
	bind_str(q, 1, e->owner);
	bind_str(q, 2, e->host);
	sqlite3_bind_int(q, 3, e->pid);
	sqlite3_bind_double(q, 4, e->started);
	sqlite3_bind_double(q, 5, now);
	sqlite3_bind_double(q, 6, until);
	bind_identity(q, 7, e);
	int rc = 0, r = sqlite3_step(q);
	if (r == SQLITE_ROW) {
		*id = sqlite3_column_int64(q, 0);
		r = sqlite3_step(q);
	}
	if (r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot record an executor");
	sqlite3_reset(q);
	return rc;
}

/* Sets *out to DONE or FAILED if h's result settles it for e (a done
 * result, or a failure recorded during e's run), else leaves it alone. */
static int lease_result(sq_store *s, const ctask_executor *e,
			const ctask_hash *h, uint8_t *out)
{
	int state;
	double recorded = 0;
	int rc = state_of(s, h, &state, &recorded);
	if (state == CTASK_REC_DONE)
		*out = CTASK_LEASE_DONE;
	else if (state == CTASK_REC_FAILED && recorded >= e->started)
		*out = CTASK_LEASE_FAILED;
	return rc;
}

/* Takes the n hashes e took (sorted) out of the rows of ls whose owners
 * ended, expired or are gone: a task is taken over alone, and the rest of
 * a dead owner's batch stays its own, alive again if it comes back (an
 * executor paused past its ttl renews its expiry when it resumes; one
 * proven gone never does). */
static int take_over(sq_store *s, lease_set *ls, double now, size_t n,
		     const ctask_hash *hs)
{
	int rc = 0;
	for (size_t r = 0; r < ls->n && !rc; r++)
		if (!row_live(&ls->v[r], now))
			rc = strip_row(s, ls, &ls->v[r], n, hs);
	return rc;
}

/* True (with *exp its expiry) if a live row of ls holds h. */
static bool held(const lease_set *ls, double now, const ctask_hash *h,
		 double *exp)
{
	for (size_t r = 0; r < ls->n; r++)
		if (row_live(&ls->v[r], now) && row_has(ls, &ls->v[r], h)) {
			*exp = ls->v[r].expires;
			return true;
		}
	return false;
}

/* See ctask_store_done: one read transaction, in hash order. */
static int sq_done(ctask_store *base, size_t n, const ctask_hash *hs,
		   uint8_t *done)
{
	sq_store *s = (sq_store *)base;
	sqlite3_int64 version = 0;
	double recorded;
	int rc = data_version(s, &version), state;
	memset(done, 0, n);
	if (rc || (s->scanned && version == s->scan_version))
		return rc;
	size_t *order = hash_order(hs, sizeof *hs, n); /* owned here */
	rc = sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	rc = rc == SQLITE_OK ? 0 : sq_fail(s, rc, "cannot read results");
	for (size_t k = 0; k < n && !rc; k++) {
		rc = state_of(s, &hs[order[k]], &state, &recorded);
		done[order[k]] = state == CTASK_REC_DONE;
	}
	/* A read: ending it cannot lose anything, and must not fail. */
	sqlite3_exec(s->db, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	free(order);
	return rc;
}

/* See ctask_store_changed. */
static int sq_changed(ctask_store *base)
{
	sq_store *s = (sq_store *)base;
	sqlite3_int64 version = 0;
	int rc = data_version(s, &version);
	return rc ? rc : !(s->scanned && version == s->scan_version);
}

/* Leases n hashes for e in one transaction (see ctask_store_lease): e's
 * row first (which renews all its leases), then each hash, in hash order:
 * its result, then the other owners' live rows; the hashes taken become
 * one new row of e's. */
static int sq_lease(ctask_store *base, const ctask_executor *e, double ttl,
		    size_t n, const ctask_hash *hs, uint8_t *out,
		    double *expires)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	double now = ctask_now(), until = now + ttl;
	sqlite3_int64 me = 0;
	lease_set others = {0}; /* owned here */
	ctask_hash *take =
		ctask_xmalloc((n ? n : 1) * sizeof *take); /* owned */
	size_t *order = hash_order(hs, sizeof *hs, n);	   /* owned */
	size_t ntake = 0;
	int rc;

	if ((rc = step_done(s, ST_BEGIN, "cannot start a transaction")))
		goto done;
	if (!(rc = claim_executor(s, e, now, until, &me)))
		rc = load_rows(s, ST_LEASE_OTHERS, me, now, &others);
	sqlite3_int64 version = 0;
	if (!rc)
		rc = data_version(s, &version);
	/* Nobody else wrote since the caller's scan: the caller knows every
	 * result (from the scan, or its own puts), so none is looked up. */
	bool known = s->scanned && version == s->scan_version;
	for (size_t k = 0; k < n && !rc; k++) {
		size_t i = order[k];
		double exp = 0;
		out[i] = CTASK_LEASE_TAKEN;
		if (!known)
			rc = lease_result(s, e, &hs[i], &out[i]);
		bool undecided = !rc && out[i] == CTASK_LEASE_TAKEN;
		if (undecided && held(&others, now, &hs[i], &exp)) {
			out[i] = CTASK_LEASE_HELD;
		} else if (undecided) {
			exp = until;
			/* hs may name a task twice: the row names it once */
			if (ntake == 0 ||
			    ctask_hash_cmp(&take[ntake - 1], &hs[i]) != 0)
				take[ntake++] = hs[i];
		}
		if (expires)
			expires[i] = exp;
	}
	if (!rc && ntake)
		rc = take_over(s, &others, now, ntake, take);
	if (!rc && ntake) {
		sqlite3_stmt *q = s->st[ST_LEASE_NEW];
		sqlite3_bind_int64(q, 1, me);
		sqlite3_bind_double(q, 2, now);
		sqlite3_bind_blob64(q, 3, take, ntake * sizeof *take,
				    SQLITE_STATIC);
		rc = step_done(s, ST_LEASE_NEW, "cannot take a lease");
	}
	rc = tx_end(s, rc);
done:
	lease_set_free(&others);
	free(take);
	free(order);
	return rc;
}

/* Renews e's heartbeat and expiry, and so all its leases: one UPDATE. */
static int sq_heartbeat(ctask_store *base, const ctask_executor *e, double ttl)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	sqlite3_stmt *q = s->st[ST_EXEC_BEAT];
	double now = ctask_now();
	bind_str(q, 1, e->owner);
	sqlite3_bind_double(q, 2, now);
	sqlite3_bind_double(q, 3, now + ttl);
	return step_done(s, ST_EXEC_BEAT, "cannot record a heartbeat");
}

/* Releases e's leases on hs (n == 0: all of them), in one transaction; the
 * owner condition in the statements keeps other owners' leases. */
static int sq_release(ctask_store *base, const ctask_executor *e, size_t n,
		      const ctask_hash *hs)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	int rc = step_done(s, ST_BEGIN, "cannot start a transaction");
	return rc ? rc : tx_end(s, release_leases(s, e, n, hs));
}

/* Calls cb for every lease row; stops at cb's first non-zero value. */
static int sq_leases(ctask_store *base,
		     int (*cb)(void *ud, const ctask_lease *l), void *ud)
{
	sq_store *s = (sq_store *)base;
	lease_set ls = {0};    /* owned here */
	lease_entry *e = NULL; /* owned here */
	double now = ctask_now();
	int rc = load_rows(s, ST_LEASE_ROWS, 0, now, &ls);
	size_t n = rc ? 0 : lease_entries(&ls, &e);
	for (size_t i = 0; i < n && !rc; i++) {
		const lease_row *row = e[i].row;
		ctask_lease l = {
			.hash = e[i].h,
			.owner = (const char *)ls.strs.p + row->owner_s,
			.host = (const char *)ls.strs.p + row->host_s,
			.pid = row->pid,
			.started = row->leased,
			.expires = row->expires,
			.live = row_live(row, now),
		};
		rc = cb(ud, &l);
	}
	free(e);
	lease_set_free(&ls);
	return rc;
}

/* Calls cb for every executor row; stops at cb's first non-zero value. */
static int sq_executors(ctask_store *base,
			int (*cb)(void *ud, const ctask_executor_rec *r),
			void *ud)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *q = s->st[ST_EXECUTORS];
	double now = ctask_now();
	int rc, r;

	if ((rc = walk_begin(s, ST_EXECUTORS, "executors")))
		return rc;
	while ((r = sqlite3_step(q)) == SQLITE_ROW) {
		ctask_executor_rec x = {0};
		x.owner = (const char *)sqlite3_column_text(q, 0);
		x.host = (const char *)sqlite3_column_text(q, 1);
		x.pid = sqlite3_column_int(q, 2);
		x.started = sqlite3_column_double(q, 3);
		x.heartbeat = sqlite3_column_double(q, 4);
		x.finished = sqlite3_column_double(q, 5); /* NULL: 0 */
		x.done = (uint64_t)sqlite3_column_int64(q, 6);
		x.failed = (uint64_t)sqlite3_column_int64(q, 7);
		x.expires = sqlite3_column_double(q, 8);
		x.live = sqlite3_column_type(q, 5) == SQLITE_NULL &&
			 x.expires > now && !owner_gone(q, 2, 9);
		if ((rc = cb(ud, &x)))
			goto done;
	}
	if (r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot read executors");
done:
	walk_end(s, ST_EXECUTORS);
	return rc;
}

/* ---- attempts ----------------------------------------------------------- */

/* Records one failed attempt, with the set executor's host and owner. */
static int sq_attempt(ctask_store *base, const ctask_hash *h, const char *name,
		      int attempt, const char *message, double started,
		      double duration)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	sqlite3_stmt *q = s->st[ST_ATTEMPT];
	bind_hash(q, 1, h);
	sqlite3_bind_int(q, 2, attempt);
	bind_str(q, 3, name);
	bind_str(q, 4, message);
	sqlite3_bind_double(q, 5, started);
	sqlite3_bind_double(q, 6, duration);
	bind_str(q, 7, s->base.host);
	bind_str(q, 8, s->base.owner);
	return step_done(s, ST_ATTEMPT, "cannot record an attempt");
}

/* Counts h's recorded attempts into *count. */
static int sq_attempts(ctask_store *base, const ctask_hash *h, int *count)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *q = s->st[ST_ATTEMPTS];
	bind_hash(q, 1, h);
	int rc = 0, r = sqlite3_step(q);
	if (r == SQLITE_ROW)
		*count = sqlite3_column_int(q, 0);
	else
		rc = sq_fail(s, r, "cannot read attempts");
	sqlite3_reset(q);
	return rc;
}

/* ---- notes ----------------------------------------------------------------
 */

/* Notes live in meta under "note:KEY", apart from the store's own keys. */
static int sq_note_get(ctask_store *base, const char *key, ctask_buf *value)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *q = NULL; /* owned here */
	int rc = sqlite3_prepare_v2(s->db,
				    "SELECT value FROM meta WHERE key ="
				    " 'note:' || ?1",
				    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		bind_str(q, 1, key);
		rc = sqlite3_step(q);
	}
	if (rc == SQLITE_ROW) {
		value->len = 0;
		ctask_buf_append(value, sqlite3_column_blob(q, 0),
				 (size_t)sqlite3_column_bytes(q, 0));
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = ctask_error_set(CTASK_ENOTFOUND, "store %s has no note %s",
				     s->base.path, key);
	} else {
		rc = sq_fail(s, rc, "cannot read a note");
	}
	sqlite3_finalize(q);
	return rc;
}

static int sq_note_set(ctask_store *base, const char *key, const void *p,
		       size_t n)
{
	sq_store *s = (sq_store *)base;
	if (s->base.readonly)
		return read_only(s);
	sqlite3_stmt *q = NULL; /* owned here */
	int rc = sqlite3_prepare_v2(s->db,
				    "INSERT OR REPLACE INTO meta VALUES"
				    " ('note:' || ?1, ?2)",
				    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		bind_str(q, 1, key);
		sqlite3_bind_blob64(q, 2, n ? p : "", n, SQLITE_STATIC);
		rc = sqlite3_step(q);
	}
	rc = rc == SQLITE_DONE ? 0 : sq_fail(s, rc, "cannot write a note");
	sqlite3_finalize(q);
	return rc;
}

/* ---- ordered bulk reads ------------------------------------------------ */

/* Delivers the row under q (whose hash is h = hs[i]) to cb, verified. */
static int deliver(sq_store *s, sqlite3_stmt *q, const ctask_hash *h, size_t i,
		   ctask_get_cb cb, void *ud, ctask_buf *obj)
{
	if (sqlite3_column_int(q, 1) != CTASK_REC_DONE)
		return cb(ud, i, CTASK_ENOTFOUND, NULL, 0);
	uint64_t size = (uint64_t)sqlite3_column_int64(q, 2);
	uint64_t sum = (uint64_t)sqlite3_column_int64(q, 3);
	const char *o = (const char *)sqlite3_column_text(q, 5);
	char hhex[CTASK_HASH_HEX], hex[CTASK_HASH_HEX];
	if (!o) {
		const uint8_t *b;
		size_t n;
		int rc = inline_bytes(q, 4, size, sum, h, NULL, &b, &n);
		return rc ? cb(ud, i, rc, NULL, 0) : cb(ud, i, 0, b, n);
	}
	/* Objects are rare and large: read them the careful way. */
	if (!is_hex32(o, (size_t)sqlite3_column_bytes(q, 5)))
		return cb(ud, i,
			  ctask_error_set(CTASK_ECORRUPT,
					  "store %s: a bad object name",
					  s->base.path),
			  NULL, 0);
	memcpy(hex, o, sizeof hex);
	ctask_hash_hex(h, hhex);
	obj->len = 0;
	int rc = read_object(s, hex, size, sum, obj, hhex);
	return rc ? cb(ud, i, rc, NULL, 0) : cb(ud, i, 0, obj->p, obj->len);
}

/* Whether the cursor's row sorts before h. */
static bool row_before(sqlite3_stmt *q, const ctask_hash *h)
{
	return memcmp(sqlite3_column_blob(q, 0), h->b, 16) < 0;
}

/* Walks results from hs[0] onwards, merging with the sorted hs; seeks
 * again after a stretch of rows nobody asked for, so sparse requests stay
 * cheap too. */
static int sq_get_sorted(ctask_store *base, size_t n, const ctask_hash *hs,
			 ctask_get_cb cb, void *ud)
{
	sq_store *s = (sq_store *)base;
	sqlite3_stmt *q = s->st[ST_FROM];
	ctask_buf obj = {0}; /* owned here: an object's bytes */
	int rc = 0, r = SQLITE_DONE;
	bool at_row = false;
	for (size_t i = 0; i < n && rc == 0; i++) {
		int skipped = 0;
		while (at_row && skipped < 32 && row_before(q, &hs[i]))
			at_row = (r = sqlite3_step(q)) == SQLITE_ROW, skipped++;
		if (r != SQLITE_ROW && r != SQLITE_DONE)
			break;
		if (!at_row || row_before(q, &hs[i])) {
			sqlite3_reset(q);
			sqlite3_bind_blob(q, 1, hs[i].b, 16, SQLITE_STATIC);
			at_row = (r = sqlite3_step(q)) == SQLITE_ROW;
		}
		if (at_row &&
		    memcmp(sqlite3_column_blob(q, 0), hs[i].b, 16) == 0)
			rc = deliver(s, q, &hs[i], i, cb, ud, &obj);
		else
			rc = cb(ud, i, CTASK_ENOTFOUND, NULL, 0);
	}
	if (rc == 0 && r != SQLITE_ROW && r != SQLITE_DONE)
		rc = sq_fail(s, r, "cannot read results");
	sqlite3_reset(q);
	ctask_buf_free(&obj);
	return rc;
}

const struct ctask_store_ops ctask_store__sqlite_ops = {
	.open = sq_open,
	.close = sq_close,
	.scan = sq_scan,
	.get = sq_get,
	.get_sorted = sq_get_sorted,
	.done = sq_done,
	.changed = sq_changed,
	.put = sq_put,
	.delete = sq_delete,
	.executor_begin = sq_executor_begin,
	.executor_end = sq_executor_end,
	.lease = sq_lease,
	.heartbeat = sq_heartbeat,
	.release = sq_release,
	.leases = sq_leases,
	.executors = sq_executors,
	.attempt = sq_attempt,
	.attempts = sq_attempts,
	.note_get = sq_note_get,
	.note_set = sq_note_set,
};
