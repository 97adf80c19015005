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

/* What a ctask_task is. Only RUN tasks are in the graph's task list; the
 * others are views usable as arguments. */
enum {
	CTASK_K_RUN,	/* a task that runs and stores its result */
	CTASK_K_ITEM,	/* part `item` of args[0].u.task's result */
	CTASK_K_CONST,	/* a constant (args[0] VALUE), hashed once */
	CTASK_K_NOHASH, /* a value (args[0] VALUE) kept out of the hash */
};

#define CTASK_SMALL 12 /* see ctask_task.small */

struct ctask_task {
	ctask_hash hash;
	uint32_t id;	  /* creation order (RUN tasks) */
	uint32_t name_id; /* index into the graph's function names */
	uint32_t nargs;
	uint8_t state; /* CTASK_S_*, set by ctask_exec_states */
	uint8_t kind;  /* CTASK_K_* */
	uint8_t stale; /* done with other code: see ctask_exec_states */
	/* 1 + the size of small, the task's stored result as the scan saw it
	 * (a done result of up to CTASK_SMALL bytes, checksum verified), so a
	 * task that needs it need not read it back; 0: not seen. */
	uint8_t small_n;
	/* CTASK_K_ITEM: the index of the part; CTASK_K_RUN: the index of the
	 * task among its function's tasks, in creation order (NAME#I). */
	uint32_t item;
	uint8_t small[CTASK_SMALL];
	ctask_fn fn;
	ctask_fn inner[2]; /* map/reduce tasks: the user's functions */
	ctask_garg *args;
};

struct ctask_tasklist {
	size_t n;
	ctask_task **ts;
};

/* What a graph being built may ask about results, for barriers and
 * ctask_value_of (NULL: no store, so no barrier can be passed). */
typedef struct {
	void *ud;
	/* 1 if h has a done result, 0 if not, or a negative error. */
	int (*done)(void *ud, const ctask_hash *h);
	/* The encoded result of h into out; 0 or a negative error. */
	int (*value)(void *ud, const ctask_hash *h, ctask_buf *out);
} ctask_graph_oracle;

/* Runs the plugin's graph function and returns the graph it built in *out
 * (caller frees with ctask_graph_free). A failure while building (a bad
 * argument, ctask_graph_fail) returns CTASK_ETASKFILE with the message. A
 * barrier that cannot be passed yet ends the graph there: see
 * ctask_graph_complete. argv/argc are the task file's arguments.
 * If the graph function is killed by a signal (SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGABRT: caught while it runs, on a stack of their own), returns
 * CTASK_ETASKFAIL with "the graph function was killed by signal 11
 * (Segmentation fault)"; the half-built graph is then left unfreed, as the
 * crash may have damaged the heap: the caller should report and exit.
 * Signal handlers are process-wide: build one graph at a time. */
int ctask_graph_build(ctask_graph_fn fn, const ctask_graph_oracle *o, int argc,
		      char **argv, ctask_graph **out);
/* Adds fn(args) as ctask__call does; inner0/inner1 are the user functions
 * an internal function (map, reduce) calls. */
ctask_task *ctask_graph_call(ctask_graph *g, ctask_fn fn, const char *name,
			     size_t nargs, const ctask_argspec *args,
			     ctask_fn inner0, ctask_fn inner1);

/* The bytes of view t's value, given the encoded result of the task that
 * makes it (ctask_task_source; ignored for constants): a part is sliced
 * out of its whole. Returns 0 or a CTASK_E* code with a message. */
int ctask_view_bytes(const ctask_task *t, const uint8_t *p, size_t n,
		     const uint8_t **out, size_t *out_n);
/* The decoded value of view t (as above), in arena a. */
int ctask_value_part(ctask_arena *a, const uint8_t *p, size_t n,
		     const ctask_task *t, ctask_value **out);

/* False if building stopped at a barrier whose tasks are not all done. */
bool ctask_graph_complete(const ctask_graph *g);
void ctask_graph_free(ctask_graph *g); /* accepts NULL */

size_t ctask_graph_size(const ctask_graph *g);
ctask_task *ctask_graph_task(const ctask_graph *g, size_t id);
/* The task with hash h, or NULL. */
ctask_task *ctask_graph_find(const ctask_graph *g, const ctask_hash *h);
/* Writes every task id to ids (room for ctask_graph_size ids), in about
 * the order of their hashes (the store's order: a run that puts results in
 * this order writes a few B-tree pages at a time, not pages all over the
 * table). Returns the count. */
size_t ctask_graph_hash_order(const ctask_graph *g, uint32_t *ids);

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

/* I in NAME#I: a RUN task's index among the tasks of its function, from 0
 * in the order the graph made them. */
static inline uint32_t ctask_task_index(const ctask_task *t)
{
	return t->item;
}

/* The task that runs to make a view's result: itself for a RUN task, the
 * task an ITEM is part of, NULL for constants. */
static inline ctask_task *ctask_task_source(ctask_task *t)
{
	while (t->kind == CTASK_K_ITEM)
		t = t->args[0].u.task;
	return t->kind == CTASK_K_RUN ? t : NULL;
}

/* Runs body with dep set to each task argument of t, list elements
 * included, in argument order, views as they are (a task named twice is
 * visited twice). */
#define CTASK_FOREACH_ARG_TASK(t, dep, body)                                   \
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

/* Runs body with dep set to the task that makes each input of t (a part's
 * whole task; constants skipped): t's dependencies, for scheduling. */
#define CTASK_FOREACH_INPUT(t, dep, body)                                      \
	CTASK_FOREACH_ARG_TASK(t, raw_, {                                      \
		ctask_task *dep = ctask_task_source(raw_);                     \
		if (dep) {                                                     \
			body;                                                  \
		}                                                              \
	})

/* Marks (mark[id] = 1) everything upstream of the marked tasks. */
void ctask_graph_mark_upstream(const ctask_graph *g, uint8_t *mark);
/* Marks everything downstream of the marked tasks. */
void ctask_graph_mark_downstream(const ctask_graph *g, uint8_t *mark);

/* The task hash encoding, version 1 (see README.md, "Task hashes"). */
#define CTASK_HASH_ENCODING 1

#endif
