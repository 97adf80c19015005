/*
 * store_impl.h - what a store backend provides (internal).
 *
 * A backend is a table of operations. Its handle is a struct that begins
 * with a struct ctask_store, so store.c can dispatch through s->ops without
 * knowing the backend's fields; the backend casts back to its own type.
 * store.c holds the public ctask_store_* wrappers; store_sqlite.c is the
 * embedded backend; a Redis backend will be a second table.
 */
#ifndef CTASK_STORE_IMPL_H
#define CTASK_STORE_IMPL_H

#include "store.h"

struct ctask_store_ops {
	const char *name; /* "sqlite", for messages */
	/* Opens the store at where (a directory for sqlite, a URL for
	 * others); same contract as ctask_store_open. */
	int (*open)(const char *where, int flags, ctask_store **out);
	/* Frees everything the handle owns, including itself. */
	void (*close)(ctask_store *s);
	int (*scan)(ctask_store *s, ctask_scan_cb cb, void *ud);
	int (*get)(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		   ctask_buf *data);
	int (*put)(ctask_store *s, size_t n, const ctask_record *recs);
	int (*delete)(ctask_store *s, size_t n, const ctask_hash *hs,
		      uint64_t *count, uint64_t *freed);
};

/* The common head of every backend's handle. */
struct ctask_store {
	const struct ctask_store_ops *ops;
	char *path; /* where it was opened; owned by the handle (malloc) */
};

extern const struct ctask_store_ops ctask_store__sqlite_ops;

#endif
