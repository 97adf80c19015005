/*
 * graph.h - tasks, their arguments and dependencies, in topological order.
 *
 * Tasks are numbered in creation order. A task can only name tasks that
 * already exist, so creation order is a topological order: upstream
 * closures walk ids downwards and downstream closures walk them upwards,
 * with no reverse edges needed. The graph owns everything in it (one arena).
 */
#ifndef CTASK_GRAPH_H
#define CTASK_GRAPH_H

#include "arena.h"
#include "buf.h"
#include "ctask.h"
#include "ctx.h"
#include "hash.h"

enum { CTASK_GARG_VALUE, CTASK_GARG_TASK, CTASK_GARG_LIST };

/* One argument of a task, as the graph keeps it. */
typedef struct {
	uint32_t kind; /* CTASK_GARG_* */
	uint32_t n;    /* VALUE: bytes of cbor; LIST: number of tasks */
	union {
		const uint8_t *cbor; /* VALUE: canonical encoding */
		ctask_task *task;    /* TASK */
		ctask_task **list;   /* LIST */
	} u;
} ctask_garg;

/* Scheduling state of a task, derived from the store. */
enum {
	CTASK_S_WAITING, /* some input is not done */
	CTASK_S_READY,	 /* inputs done, result missing */
	CTASK_S_RUNNING, /* leased by an executor */
	CTASK_S_DONE,	 /* result stored */
	CTASK_S_FAILED,	 /* last run failed */
	CTASK_S_COUNT
};

struct ctask_task {
	ctask_hash hash;
	uint32_t id;	  /* creation order */
	uint32_t name_id; /* index into the graph's function names */
	uint32_t nargs;
	uint8_t state; /* CTASK_S_*, set by ctask_exec_states */
	ctask_fn fn;
	ctask_garg *args;
};

struct ctask_tasklist {
	size_t n;
	ctask_task **ts;
};

/* Runs the plugin's graph function and returns the graph it built in *out
 * (caller frees with ctask_graph_free). A failure while building (a bad
 * argument, ctask_graph_fail) returns CTASK_ETASKFILE with the message. */
int ctask_graph_build(ctask_graph_fn fn, ctask_graph **out);
void ctask_graph_free(ctask_graph *g); /* accepts NULL */

size_t ctask_graph_size(const ctask_graph *g);
ctask_task *ctask_graph_task(const ctask_graph *g, size_t id);
/* The task with hash h, or NULL. */
ctask_task *ctask_graph_find(const ctask_graph *g, const ctask_hash *h);

/* Distinct function names, in order of first use. */
size_t ctask_graph_nnames(const ctask_graph *g);
const char *ctask_graph_name(const ctask_graph *g, size_t name_id);
const char *ctask_task_name(const ctask_graph *g, const ctask_task *t);

/* The code fingerprint of a function (NULL: unknown), set by whoever
 * computed it from the task file's source; the graph keeps a copy. */
void ctask_graph_set_fingerprint(ctask_graph *g, size_t name_id,
				 const ctask_hash *fp);
const ctask_hash *ctask_graph_fingerprint(const ctask_graph *g, size_t name_id);
/* The declared version of a function (CTASK_VERSION), 0 by default. */
uint64_t ctask_version_of(const char *name);
/* Forgets the declared versions (when a plugin is unloaded). */
void ctask_versions_clear(void);

/* Calls cb(ud, dep) for every task argument of t, list elements included,
 * in argument order (a task named twice is visited twice). */
#define CTASK_FOREACH_INPUT(t, dep, body)                                      \
	for (uint32_t ia_ = 0; ia_ < (t)->nargs; ia_++) {                      \
		const ctask_garg *ga_ = &(t)->args[ia_];                       \
		if (ga_->kind == CTASK_GARG_TASK) {                            \
			ctask_task *dep = ga_->u.task;                         \
			body;                                                  \
		} else if (ga_->kind == CTASK_GARG_LIST) {                     \
			for (uint32_t il_ = 0; il_ < ga_->n; il_++) {          \
				ctask_task *dep = ga_->u.list[il_];            \
				body;                                          \
			}                                                      \
		}                                                              \
	}

/* Marks (mark[id] = 1) everything upstream of the marked tasks. */
void ctask_graph_mark_upstream(const ctask_graph *g, uint8_t *mark);
/* Marks everything downstream of the marked tasks. */
void ctask_graph_mark_downstream(const ctask_graph *g, uint8_t *mark);

/* The task hash encoding, version 1 (see README.md, "Task hashes"). */
#define CTASK_HASH_ENCODING 1

#endif
