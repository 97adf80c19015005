/*
 * stale.c - which stored results were computed with other code.
 */
#include "stale.h"

#include <stdbool.h>
#include <string.h>

typedef struct {
	const ctask_graph *g;
	uint8_t *stale;
	size_t *per_name, total;
} stale_walk;

/* Whether the fingerprint fp recorded for a result of function name is
 * today's (or today's is unknown, or no function has that name). Compares
 * by name first: finding the task of every row costs more than the scan. */
static bool current(const stale_walk *w, const char *name, const ctask_hash *fp)
{
	for (size_t i = 0; name && i < ctask_graph_nnames(w->g); i++)
		if (strcmp(ctask_graph_name(w->g, i), name) == 0) {
			const ctask_hash *now =
				ctask_graph_fingerprint(w->g, i);
			return !now || ctask_hash_cmp(now, fp) == 0;
		}
	return true;
}

/* Checks one stored record against its task's function, if it has one. */
static int check_one(void *ud, const ctask_record *r)
{
	stale_walk *w = ud;
	if (r->state != CTASK_REC_DONE || !r->fingerprint ||
	    current(w, r->name, r->fingerprint))
		return 0;
	const ctask_task *t = ctask_graph_find(w->g, &r->hash);
	if (!t)
		return 0; /* an orphan: cleanup's business */
	if (w->stale)
		w->stale[t->id] = 1;
	if (w->per_name)
		w->per_name[t->name_id]++;
	w->total++;
	return 0;
}

int ctask_stale_scan(const ctask_graph *g, ctask_store *s, uint8_t *stale,
		     size_t *per_name, size_t *total)
{
	stale_walk w = {g, stale, per_name, 0};
	bool any = false;
	for (size_t i = 0; i < ctask_graph_nnames(g) && !any; i++)
		any = ctask_graph_fingerprint(g, i) != NULL;
	int rc = s && any ? ctask_store_scan(s, check_one, &w) : 0;
	*total = w.total;
	return rc;
}
