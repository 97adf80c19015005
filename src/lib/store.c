/*
 * store.c - the public store functions: argument checks, then dispatch
 * through the backend's table of operations (store_impl.h).
 */
#include "store_impl.h"

#include "arena.h"
#include "error.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

int ctask_store_open(const char *dir, int flags, ctask_store **out)
{
	*out = NULL;
	if (!dir || !*dir)
		return ctask_error_set(CTASK_EUSAGE,
				       "no store directory given");
	if (flags & ~(CTASK_STORE_CREATE | CTASK_STORE_READONLY_OK))
		return ctask_error_set(CTASK_EUSAGE,
				       "unknown store open flags 0x%x", flags);
	/* A URL names a server; anything else is a directory. */
	if (strncmp(dir, "redis://", 8) == 0)
		return ctask_store__redis_ops.open(dir, flags, out);
	return ctask_store__sqlite_ops.open(dir, flags, out);
}

/* Frees the executor copies (store.c's), then the backend's handle. */
void ctask_store_close(ctask_store *s)
{
	if (!s)
		return;
	free(s->owner);
	free(s->host);
	s->ops->close(s);
}

const char *ctask_store_path(const ctask_store *s)
{
	return s->path;
}

bool ctask_store_readonly(const ctask_store *s)
{
	return s->readonly;
}

int ctask_store_scan(ctask_store *s, ctask_scan_cb cb, void *ud)
{
	return s->ops->scan(s, false, cb, ud);
}

int ctask_store_scan_small(ctask_store *s, ctask_scan_cb cb, void *ud)
{
	return s->ops->scan(s, true, cb, ud);
}

int ctask_store_get(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		    ctask_buf *data)
{
	return s->ops->get(s, h, rec, data);
}

int ctask_store_get_sorted(ctask_store *s, size_t n, const ctask_hash *hs,
			   ctask_get_cb cb, void *ud)
{
	return s->ops->get_sorted(s, n, hs, cb, ud);
}

/* Checks the records before any backend sees them, so every backend gets
 * the same rules: a done record has its bytes, a failed one its message. */
int ctask_store_put(ctask_store *s, size_t n, const ctask_record *recs,
		    uint8_t *refused)
{
	for (size_t i = 0; i < n; i++) {
		const ctask_record *r = &recs[i];
		if (refused)
			refused[i] = 0;
		if (!r->name)
			return ctask_error_set(
				CTASK_EINVALID,
				"store put: record without a name");
		if (r->state == CTASK_REC_DONE && r->size > 0 && !r->data)
			return ctask_error_set(CTASK_EINVALID,
					       "store put: %s: no data",
					       r->name);
		if (r->state != CTASK_REC_DONE && r->state != CTASK_REC_FAILED)
			return ctask_error_set(CTASK_EINVALID,
					       "store put: %s: bad state %d",
					       r->name, r->state);
		if (r->inputs && !refused)
			return ctask_error_set(
				CTASK_EUSAGE,
				"store put: %s: inputs, and no refused array",
				r->name);
	}
	if (n == 0)
		return 0;
	return s->ops->put(s, n, recs, refused);
}

int ctask_store_delete(ctask_store *s, size_t n, const ctask_hash *hs,
		       uint64_t *count, uint64_t *freed)
{
	if (n == 0)
		return 0;
	return s->ops->delete (s, n, hs, count, freed);
}

/* ---- executors and leases ---------------------------------------------- */

/* Returns 0 if e names an executor, else CTASK_EUSAGE (message names
 * what, the calling function). */
static int check_executor(const ctask_executor *e, const char *what)
{
	if (!e || !e->owner || !*e->owner)
		return ctask_error_set(CTASK_EUSAGE, "store %s: no executor",
				       what);
	return 0;
}

/* Returns 0 if ttl is a usable lease duration (> 0, finite). */
static int check_ttl(double ttl, const char *what)
{
	if (!(ttl > 0) || !isfinite(ttl))
		return ctask_error_set(CTASK_EUSAGE,
				       "store %s: bad lease ttl %g", what, ttl);
	return 0;
}

/* Checks e and its ttl (0 allowed: the default) before the backend. */
int ctask_store_executor_begin(ctask_store *s, const ctask_executor *e)
{
	int rc;
	if ((rc = check_executor(e, "executor begin")) ||
	    (e->ttl != 0 && (rc = check_ttl(e->ttl, "executor begin"))))
		return rc;
	return s->ops->executor_begin(s, e);
}

int ctask_store_executor_end(ctask_store *s, const ctask_executor *e,
			     uint64_t done, uint64_t failed)
{
	int rc = check_executor(e, "executor end");
	return rc ? rc : s->ops->executor_end(s, e, done, failed);
}

int ctask_store_done(ctask_store *s, size_t n, const ctask_hash *hs,
		     uint8_t *done)
{
	return n ? s->ops->done(s, n, hs, done) : 0;
}

int ctask_store_changed(ctask_store *s)
{
	return s->ops->changed(s);
}

int ctask_store_lease(ctask_store *s, const ctask_executor *e, double ttl,
		      size_t n, const ctask_hash *hs, uint8_t *out,
		      double *expires)
{
	int rc;
	if ((rc = check_executor(e, "lease")) || (rc = check_ttl(ttl, "lease")))
		return rc;
	if (n == 0)
		return 0;
	return s->ops->lease(s, e, ttl, n, hs, out, expires);
}

int ctask_store_heartbeat(ctask_store *s, const ctask_executor *e, double ttl)
{
	int rc;
	if ((rc = check_executor(e, "heartbeat")) ||
	    (rc = check_ttl(ttl, "heartbeat")))
		return rc;
	return s->ops->heartbeat(s, e, ttl);
}

int ctask_store_release(ctask_store *s, const ctask_executor *e, size_t n,
			const ctask_hash *hs)
{
	int rc = check_executor(e, "release");
	return rc ? rc : s->ops->release(s, e, n, hs);
}

/* Replaces the copies in the head; the backend reads them in put and
 * attempt. */
void ctask_store_set_executor(ctask_store *s, const ctask_executor *e)
{
	free(s->owner);
	free(s->host);
	s->owner = e && e->owner ? ctask_xstrdup(e->owner) : NULL;
	s->host = e && e->owner && e->host ? ctask_xstrdup(e->host) : NULL;
}

int ctask_store_leases(ctask_store *s,
		       int (*cb)(void *ud, const ctask_lease *l), void *ud)
{
	return s->ops->leases(s, cb, ud);
}

int ctask_store_executors(ctask_store *s,
			  int (*cb)(void *ud, const ctask_executor_rec *r),
			  void *ud)
{
	return s->ops->executors(s, cb, ud);
}

/* ---- attempts ----------------------------------------------------------- */

int ctask_store_attempt(ctask_store *s, const ctask_hash *h, const char *name,
			int attempt, const char *message, double started,
			double duration)
{
	if (!name)
		return ctask_error_set(CTASK_EINVALID,
				       "store attempt: no task name");
	return s->ops->attempt(s, h, name, attempt, message, started, duration);
}

int ctask_store_attempts(ctask_store *s, const ctask_hash *h, int *count)
{
	*count = 0;
	return s->ops->attempts(s, h, count);
}

/* ---- notes -------------------------------------------------------------- */

int ctask_store_note_get(ctask_store *s, const char *key, ctask_buf *value)
{
	return s->ops->note_get(s, key, value);
}

int ctask_store_note_set(ctask_store *s, const char *key, const void *p,
			 size_t n)
{
	return s->ops->note_set(s, key, p, n);
}
