/*
 * stale.h - stored results computed with other code than today's: their
 * function's code fingerprint then differs from its fingerprint now.
 */
#ifndef CTASK_STALE_H
#define CTASK_STALE_H

#include "graph.h"

/* Counts the stale results of g's tasks, as ctask_exec_states marked them
 * when it read the store: done results whose recorded fingerprint is known
 * and differs from their function's current one (also known; see
 * ctask_graph_fingerprint). Sets stale[id] = 1 for each (stale has
 * ctask_graph_size(g) entries, zeroed by the caller; may be NULL), counts
 * them in per_name[name_id] (may be NULL), and returns how many. */
size_t ctask_stale_count(const ctask_graph *g, uint8_t *stale,
			 size_t *per_name);

#endif
