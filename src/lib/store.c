/*
 * store.c - the public store functions: argument checks, then dispatch
 * through the backend's table of operations (store_impl.h).
 */
#include "store_impl.h"

#include "error.h"

#include <stddef.h>

int ctask_store_open(const char *dir, int flags, ctask_store **out)
{
	*out = NULL;
	if (!dir || !*dir)
		return ctask_error_set(CTASK_EUSAGE,
				       "no store directory given");
	if (flags & ~CTASK_STORE_CREATE)
		return ctask_error_set(CTASK_EUSAGE,
				       "unknown store open flags 0x%x", flags);
	/* Only the embedded backend exists so far; a "redis://" prefix will
	 * choose the Redis table here. */
	return ctask_store__sqlite_ops.open(dir, flags, out);
}

void ctask_store_close(ctask_store *s)
{
	if (s)
		s->ops->close(s);
}

const char *ctask_store_path(const ctask_store *s)
{
	return s->path;
}

int ctask_store_scan(ctask_store *s, ctask_scan_cb cb, void *ud)
{
	return s->ops->scan(s, cb, ud);
}

int ctask_store_get(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		    ctask_buf *data)
{
	return s->ops->get(s, h, rec, data);
}

/* Checks the records before any backend sees them, so every backend gets
 * the same rules: a done record has its bytes, a failed one its message. */
int ctask_store_put(ctask_store *s, size_t n, const ctask_record *recs)
{
	for (size_t i = 0; i < n; i++) {
		const ctask_record *r = &recs[i];
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
	}
	if (n == 0)
		return 0;
	return s->ops->put(s, n, recs);
}

int ctask_store_delete(ctask_store *s, size_t n, const ctask_hash *hs,
		       uint64_t *count, uint64_t *freed)
{
	if (n == 0)
		return 0;
	return s->ops->delete (s, n, hs, count, freed);
}
