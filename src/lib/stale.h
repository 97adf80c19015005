/*
 * stale.h - stored results computed with other code than today's: their
 * function's code fingerprint then differs from its fingerprint now.
 */
#ifndef CTASK_STALE_H
#define CTASK_STALE_H

#include "graph.h"
#include "store.h"

/* Finds the stale results of g's tasks, as ctask_exec_states marked them
 * when it read s: done results whose recorded fingerprint is known and
 * differs from their function's current one (also known; see
 * ctask_graph_fingerprint). Task states must be set. Sets stale[id] = 1
 * for each (stale has ctask_graph_size(g) entries, zeroed by the caller;
 * may be NULL) and counts them in per_name[name_id] (may be NULL) and
 * *total. s is unused (kept for a store that cannot be scanned up front).
 * Returns 0. */
int ctask_stale_scan(const ctask_graph *g, ctask_store *s, uint8_t *stale,
		     size_t *per_name, size_t *total);

#endif
