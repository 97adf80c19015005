/*
 * stale.c - which stored results were computed with other code.
 */
#include "stale.h"

#include <stdbool.h>
#include <string.h>

size_t ctask_stale_count(const ctask_graph *g, uint8_t *stale, size_t *per_name)
{
	size_t total = 0;
	for (size_t i = 0; i < ctask_graph_size(g); i++) {
		const ctask_task *t = ctask_graph_task(g, i);
		if (!t->stale || t->state != CTASK_S_DONE)
			continue;
		if (stale)
			stale[t->id] = 1;
		if (per_name)
			per_name[t->name_id]++;
		total++;
	}
	return total;
}
