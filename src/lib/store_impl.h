/*
 * store_impl.h - what a store backend provides (internal).
 *
 * A backend is a table of operations. Its handle is a struct that begins
 * with a struct ctask_store, so store.c can dispatch through s->ops without
 * knowing the backend's fields; the backend casts back to its own type.
 * store.c holds the public ctask_store_* wrappers; store_sqlite.c is the
 * embedded backend; store_redis.c the Redis one (a URL redis://...).
 */
#ifndef CTASK_STORE_IMPL_H
#define CTASK_STORE_IMPL_H

#include "store.h"
#include "sys.h" /* ctask_now: "now" for leases (see "Time" in store.h) */

struct ctask_store_ops {
	/* Opens the store at where (a directory for sqlite, a URL for
	 * others); same contract as ctask_store_open. */
	int (*open)(const char *where, int flags, ctask_store **out);
	/* Frees everything the handle owns, including itself. */
	void (*close)(ctask_store *s);
	int (*scan)(ctask_store *s, bool small, ctask_scan_cb cb, void *ud);
	int (*get)(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		   ctask_buf *data);
	int (*get_sorted)(ctask_store *s, size_t n, const ctask_hash *hs,
			  ctask_get_cb cb, void *ud);
	int (*done)(ctask_store *s, size_t n, const ctask_hash *hs,
		    uint8_t *done);
	int (*changed)(ctask_store *s);
	int (*put)(ctask_store *s, size_t n, const ctask_record *recs,
		   uint8_t *refused);
	int (*delete)(ctask_store *s, size_t n, const ctask_hash *hs,
		      uint64_t *count, uint64_t *freed);
	/* Executors and leases: same contracts as the ctask_store_*
	 * functions of the same names; store.c has checked e (it has an
	 * owner), ttl (> 0; e->ttl is >= 0 for executor_begin) and n
	 * (> 0 for lease; 0 means "all" for release). put and attempt read
	 * the executor from the head. */
	int (*executor_begin)(ctask_store *s, const ctask_executor *e);
	int (*executor_end)(ctask_store *s, const ctask_executor *e,
			    uint64_t done, uint64_t failed);
	int (*lease)(ctask_store *s, const ctask_executor *e, double ttl,
		     size_t n, const ctask_hash *hs, uint8_t *out,
		     double *expires);
	int (*heartbeat)(ctask_store *s, const ctask_executor *e, double ttl);
	int (*release)(ctask_store *s, const ctask_executor *e, size_t n,
		       const ctask_hash *hs);
	int (*leases)(ctask_store *s, int (*cb)(void *ud, const ctask_lease *l),
		      void *ud);
	int (*executors)(ctask_store *s,
			 int (*cb)(void *ud, const ctask_executor_rec *r),
			 void *ud);
	int (*attempt)(ctask_store *s, const ctask_hash *h, const char *name,
		       int attempt, const char *message, double started,
		       double duration);
	int (*attempts)(ctask_store *s, const ctask_hash *h, int *count);
	int (*note_get)(ctask_store *s, const char *key, ctask_buf *value);
	int (*note_set)(ctask_store *s, const char *key, const void *p,
			size_t n);
};

/* The common head of every backend's handle. */
struct ctask_store {
	const struct ctask_store_ops *ops;
	char *path;    /* where it was opened; owned by the handle (malloc) */
	bool readonly; /* opened read-only (CTASK_STORE_READONLY_OK) */
	/* The executor put and attempt act for (ctask_store_set_executor),
	 * or NULL. Owned by the handle (malloc); store.c sets and frees
	 * them, the backend only reads them. */
	char *owner, *host;
};

extern const struct ctask_store_ops ctask_store__sqlite_ops;
extern const struct ctask_store_ops ctask_store__redis_ops; /* redis:// */

/* What tells that DIR/ctask.db was written (for a handle that reads it as
 * immutable, store_sqlite.c): its device, inode, size and mtime (ns), and
 * whether a ctask.db-wal exists. Internal; tested by test_store. */
typedef struct {
	uint64_t dev, ino;
	int64_t size, mtime_ns;
	bool wal;
} ctask_db_print;
void ctask_store__db_print(const char *dir, ctask_db_print *p);
/* Whether a and b are the same ctask.db, neither with a -wal. */
bool ctask_store__db_same(const ctask_db_print *a, const ctask_db_print *b);

#endif
