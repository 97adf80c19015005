/*
 * exec.h - deciding what to run, running it, and recording the results.
 *
 * The scheduler (ctask_exec_run) keeps the ready queue and the store up to
 * date; a runner (ctask_runner) does the running. The runner is an
 * interface, as in Ninja: the in-process runner below runs one task at a
 * time, and a runner with worker processes can replace it without touching
 * the scheduler. Tests can drive the scheduler with a fake runner.
 */
#ifndef CTASK_EXEC_H
#define CTASK_EXEC_H

#include "buf.h"
#include "graph.h"
#include "store.h"

#include <stdbool.h>
#include <stdio.h>

/* Sets every task's state from the store (s may be NULL: nothing is done).
 * Adds the number of stored results that no task of g has to *orphans (may
 * be NULL). */
int ctask_exec_states(ctask_graph *g, ctask_store *s, size_t *orphans);

/* Counts tasks per function name and state: counts[name_id * CTASK_S_COUNT
 * + state]. The caller frees the returned array. */
size_t *ctask_exec_count(const ctask_graph *g);

/* The encoded results of a task's task arguments, in argument order (list
 * elements in place). Borrowed for the duration of a runner's start(). */
typedef struct {
	const uint8_t *p;
	size_t n;
} ctask_slice;

/* A finished task. The scheduler owns result and message (malloc'd). */
typedef struct {
	ctask_task *task;
	int state;	  /* CTASK_REC_DONE or CTASK_REC_FAILED */
	ctask_buf result; /* encoded value, when done */
	char *message;	  /* failure message, when failed */
	double started;	  /* unix time */
	double duration;  /* seconds */
} ctask_outcome;

typedef struct ctask_runner ctask_runner;
struct ctask_runner {
	/* How many more tasks could start now. */
	size_t (*can_start)(ctask_runner *r);
	/* Starts t on inputs in[0..nin). Returns 0 or a CTASK_E* code. */
	int (*start)(ctask_runner *r, ctask_task *t, const ctask_slice *in,
		     size_t nin);
	/* Waits for a started task to finish and fills *out. Returns 0, or
	 * CTASK_ENOTFOUND when nothing is running. */
	int (*wait)(ctask_runner *r, ctask_outcome *out);
	void (*free)(ctask_runner *r);
};

/* A runner that runs each task in this process, one at a time. */
ctask_runner *ctask_runner_inproc(const ctask_graph *g);

/* Runs task t of g on its inputs in the calling process, catching
 * failures, and fills *out (the caller frees its result and message). */
void ctask_exec_task(const ctask_graph *g, ctask_task *t, const ctask_slice *in,
		     size_t nin, ctask_outcome *out);

typedef struct {
	const uint8_t *want; /* per task id: wanted targets; NULL = all */
	bool keep_going; /* after a failure, run what does not depend on it */
	FILE *log;	 /* failures and warnings; NULL = stderr */
} ctask_exec_opts;

typedef struct {
	size_t wanted;	     /* tasks needed (targets and their inputs) */
	size_t done_before;  /* of those, already done when the run began */
	size_t ran;	     /* tasks run to completion */
	size_t failed;	     /* tasks that failed in this run */
	size_t not_run;	     /* wanted, still not done at the end */
	size_t recomputed;   /* results found corrupt and recomputed */
	size_t *ran_by_name; /* malloc'd, per name_id; free with _stats_free */
	size_t *failed_by_name;
} ctask_exec_stats;

/* Runs every wanted task that is not done, in dependency order, and records
 * each result or failure in s. Task states must have been set with
 * ctask_exec_states. Returns 0 when the run completed (even if tasks
 * failed: see st->failed), or a CTASK_E* code for a store error. */
int ctask_exec_run(ctask_graph *g, ctask_store *s, ctask_runner *r,
		   const ctask_exec_opts *o, ctask_exec_stats *st);
void ctask_exec_stats_free(ctask_exec_stats *st);

/* Seconds since the epoch, and a monotonic clock. */
double ctask_now(void);
double ctask_monotonic(void);
/* This host's name (static storage). */
const char *ctask_hostname(void);

#endif
