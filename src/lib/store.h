/*
 * store.h - where results live (DESIGN.md §4).
 *
 * The store interface is a table of operations so that another backend
 * (Redis, for clusters) can sit behind it; store_sqlite.c is the embedded
 * one: a directory holding ctask.db (SQLite, WAL) and objects/ (results
 * larger than CTASK_INLINE_MAX, content-addressed, one file each).
 *
 * Results are keyed by task hash. A record is either done (it has the
 * encoded value) or failed (it has a message). Every blob carries a checksum
 * that is verified on read.
 */
#ifndef CTASK_STORE_H
#define CTASK_STORE_H

#include "buf.h"
#include "hash.h"

#include <stdbool.h>
#include <stdint.h>

#define CTASK_STORE_SCHEMA 1
#define CTASK_INLINE_MAX 16384 /* larger results go to objects/ */

typedef enum { CTASK_REC_DONE = 1, CTASK_REC_FAILED = 2 } ctask_rec_state;

/* One result as written or read. Pointers are borrowed: for put, from the
 * caller; for scan/get, valid until the callback returns / the next call. */
typedef struct {
	ctask_hash hash;
	const char *name;    /* function name */
	int state;	     /* ctask_rec_state */
	const uint8_t *data; /* encoded value (done); NULL for scan */
	uint64_t size;	     /* bytes of the encoded value */
	const char *message; /* failure message (failed), else NULL */
	double started;	     /* unix time the task started */
	double duration;     /* seconds */
	const char *host;    /* host that computed it */
	bool in_object;	     /* stored in objects/ rather than inline */
} ctask_record;

typedef struct ctask_store ctask_store;

enum {
	CTASK_STORE_CREATE = 1, /* create the store if it does not exist */
};

/* Opens the SQLite store in directory dir. Without CTASK_STORE_CREATE, a
 * missing directory is CTASK_ENOTFOUND. Errors (message names dir):
 *   CTASK_ESTORE     dir exists but is not a ctask store, or has another
 *                    schema version
 *   CTASK_EREADONLY  dir or its database cannot be written
 * The caller owns *out and closes it with ctask_store_close. */
int ctask_store_open(const char *dir, int flags, ctask_store **out);
void ctask_store_close(ctask_store *s); /* accepts NULL */
const char *ctask_store_path(const ctask_store *s);

/* Calls cb for every record (data is NULL; size is set). Stops early and
 * returns cb's value if it is non-zero. */
typedef int (*ctask_scan_cb)(void *ud, const ctask_record *r);
int ctask_store_scan(ctask_store *s, ctask_scan_cb cb, void *ud);

/* Reads the record for h. The encoded value (done) is placed in *data
 * (replacing its contents); rec's strings stay valid until the next call on
 * s. Returns 0, CTASK_ENOTFOUND, or CTASK_ECORRUPT when the checksum does not
 * match or the object file is missing (message names the object file). */
int ctask_store_get(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		    ctask_buf *data);

/* Writes n records in one transaction, replacing existing ones. Object files
 * are durable (written to a temporary name, fsynced, renamed, directory
 * fsynced) before the transaction commits. */
int ctask_store_put(ctask_store *s, size_t n, const ctask_record *recs);

/* Deletes the records of n hashes in one transaction, and the object files
 * no remaining record refers to. Adds the bytes freed to *freed (may be NULL)
 * and the number of records deleted to *count (may be NULL). */
int ctask_store_delete(ctask_store *s, size_t n, const ctask_hash *hs,
		       uint64_t *count, uint64_t *freed);

#endif
