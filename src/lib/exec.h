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
#include "capture.h"
#include "graph.h"
#include "store.h"
#include "sys.h"

#include <stdbool.h>
#include <stdio.h>

/* Sets every task's state from the store (s may be NULL: nothing is done).
 * Adds the number of stored results that no task of g has to *orphans (may
 * be NULL). */
int ctask_exec_states(ctask_graph *g, ctask_store *s, size_t *orphans);
/* As ctask_exec_states, and keeps small done results in their tasks
 * (ctask_task.small) for an execute, so that a task with many small inputs
 * need not read them back (ctask_store_scan_small). */
int ctask_exec_states_small(ctask_graph *g, ctask_store *s, size_t *orphans);
/* Sets the states of the marked tasks only (done, failed, running under a
 * live lease; else as they were), as ctask_exec_states would: a lookup
 * each, or one scan for all tasks when many are marked. For a command that
 * needs a few tasks' states of a large graph (invalidate NAME). */
int ctask_exec_states_of(ctask_graph *g, ctask_store *s, const uint8_t *marks);

/* Counts tasks per function name and state: counts[name_id * CTASK_S_COUNT
 * + state]. The caller frees the returned array. */
size_t *ctask_exec_count(const ctask_graph *g);

/* The encoded results of a task's task arguments, in argument order (list
 * elements in place). Borrowed for the duration of a runner's start(). */
typedef struct {
	const uint8_t *p;
	size_t n;
	/* Not 0: the input is the result of task `from - 1`, started just
	 * before this one on the same worker (a chain sent in one batch);
	 * p and n are unused. Only runners that can_chain get these. */
	uint32_t from;
} ctask_slice;

/* A finished task. The scheduler owns result, message and output
 * (malloc'd). */
typedef struct {
	ctask_task *task;
	int state;	  /* CTASK_REC_DONE or CTASK_REC_FAILED */
	ctask_buf result; /* encoded value, when done */
	char *message;	  /* failure message, when failed */
	double started;	  /* unix time */
	double duration;  /* seconds */
	ctask_buf output; /* what it printed, bounded (capture.h) */
} ctask_outcome;

/* What a runner reports back to whoever started the tasks. */
typedef struct {
	void *ud;
	/* A task ran to the end (done or failed); the callee takes over the
	 * outcome's result and message. */
	void (*finished)(void *ud, ctask_outcome *oc);
	/* A started task was not run to the end through no fault of its own
	 * (its worker was stopped, or died in another task): run it again. */
	void (*returned)(void *ud, ctask_task *t);
} ctask_runner_events;

typedef struct ctask_runner ctask_runner;
struct ctask_runner {
	/* How many more tasks could start now. */
	size_t (*can_start)(ctask_runner *r);
	/* Starts (or queues) t on inputs in[0..nin), which it copies.
	 * Returns 0 or a CTASK_E* code. */
	int (*start)(ctask_runner *r, ctask_task *t, const ctask_slice *in,
		     size_t nin);
	/* Whether start() accepts inputs that come from the task started just
	 * before (ctask_slice.from): a chain of tasks in one batch. */
	bool can_chain;
	/* Sends what start() queued. */
	void (*flush)(ctask_runner *r);
	/* Tasks started and not yet finished or returned. */
	size_t (*running)(ctask_runner *r);
	/* Whether the runner can never start a task again (its workers keep
	 * dying before they run one); NULL: never. can_start() may be 0 for
	 * a while without this (a dead worker not yet replaced). */
	bool (*broken)(ctask_runner *r);
	/* Lets the current tasks finish and returns the rest (now: kills the
	 * workers at once and returns every task they had). */
	void (*stop)(ctask_runner *r, bool now);
	/* Waits for the workers to exit and frees the runner. */
	void (*free)(ctask_runner *r);
	ctask_runner_events ev;
};

/* A runner that runs each task in this process, at once, inside start().
 * For embedding and tests: a crash in a task crashes the caller. */
ctask_runner *ctask_runner_inproc(const ctask_graph *g, ctask_runner_events ev);

/* Hooks run once in each worker process, before its first task and after
 * its last (CTASK_WORKER_INIT / CTASK_WORKER_FINI); may be NULL. */
typedef struct {
	int jobs;	     /* worker processes */
	double task_timeout; /* seconds; 0: none */
	/* Without -k: after a task fails, workers start no task until the
	 * scheduler either stops the runner or tries the task again. */
	bool stop_on_failure;
	/* Per task id, its failed attempts in this run so far (the
	 * scheduler's table, read when a task starts; NULL: none): a task
	 * with fewer than retries has attempts left, and its failure does
	 * not stop the workers, since the scheduler will try it again. */
	const uint8_t *tries;
	int retries;
	void (*worker_init)(void);
	void (*worker_fini)(void);
	ctask_capture_opts capture; /* what tasks print (capture.h) */
} ctask_pool_opts;

typedef struct uv_loop_s uv_loop_t;

/* A runner with o->jobs worker processes forked from this one (so they
 * share the loaded plugin and the graph copy-on-write), driven by loop.
 * Tasks go to the workers in batches and come back in batches; a crash
 * loses no other task's result (see pool.c, the outbox). A task that
 * crashes or exits its worker, or runs past the timeout, fails with the
 * signal or status, and a new worker takes the dead one's place. Returns
 * NULL with an error set if no worker could be started. */
ctask_runner *ctask_runner_pool(const ctask_graph *g, uv_loop_t *loop,
				const ctask_pool_opts *o,
				ctask_runner_events ev);
/* CPU seconds (user + system) used by the pool's workers that have exited
 * so far, from getrusage(RUSAGE_CHILDREN). */
double ctask_pool_cpu_seconds(void);

/* Runs task t of g on its inputs in the calling process, catching
 * failures, and fills *out (the caller frees its result and message). */
void ctask_exec_task(const ctask_graph *g, ctask_task *t, const ctask_slice *in,
		     size_t nin, ctask_outcome *out);

typedef struct {
	const uint8_t *want; /* per task id: wanted targets; NULL = all */
	bool keep_going; /* after a failure, run what does not depend on it */
	FILE *log;	 /* failures, warnings, progress; NULL = stderr */
	bool quiet;	 /* log failures only: no warnings, no notices */
	int jobs;	 /* worker processes; 0: run in this process */
	int retries;	 /* extra attempts for a failing task */
	double task_timeout; /* seconds; 0: none (needs jobs > 0) */
	double lease_ttl;    /* seconds a lease lives without a heartbeat */
	double grace;	     /* after SIGINT/SIGTERM, seconds to finish */
	int progress;	     /* CTASK_PROGRESS_* */
	void (*worker_init)(void);
	void (*worker_fini)(void);
	const char *git_commit; /* provenance of this run's results; NULL: */
	int git_dirty;		/* no repository; -1: unknown */
	const char *task_file;	/* what the results record as the task file
				   whose graph made them (cli_task_identity);
				   NULL:  unknown */
	int output;		/* CTASK_OUTPUT_*: what tasks print */
	/* How a user sees a task's output, for the failure excerpt: "ctask
	 * log primes.c" (NAME#I follows); NULL: "ctask log". */
	const char *log_command;
} ctask_exec_opts;

/* What tasks print (with jobs > 0) is captured and kept with the result;
 * LIVE also prints each line as it comes, after its task's NAME#I. */
enum {
	CTASK_OUTPUT_CAPTURE,
	CTASK_OUTPUT_LIVE,
};

enum {
	CTASK_PROGRESS_NONE,
	CTASK_PROGRESS_LINE,  /* one live line (a terminal) */
	CTASK_PROGRESS_LINES, /* a line every few seconds (a log) */
};

#define CTASK_LEASE_TTL_DEFAULT 30.0
#define CTASK_GRACE_DEFAULT 5.0

typedef struct {
	size_t wanted;	       /* tasks needed (targets and their inputs) */
	size_t done_before;    /* of those, already done when the run began */
	size_t ran;	       /* tasks run to completion */
	size_t failed;	       /* tasks that failed in this run */
	size_t not_run;	       /* wanted, not done, not failed at the end */
	size_t blocked;	       /* of those, the ones with a failed input */
	size_t failed_earlier; /* of those, failed in an earlier run */
	size_t recomputed;     /* results found corrupt and recomputed */
	size_t unstored;       /* run, but the store failed to write them */
	size_t by_others;      /* finished by other executors meanwhile */
	size_t retried;	       /* failed attempts that were tried again */
	int signal;	     /* SIGINT or SIGTERM that stopped the run, or 0 */
	double wall;	     /* seconds */
	double cpu;	     /* CPU seconds used by the workers */
	size_t *ran_by_name; /* malloc'd, per name_id; free with _stats_free */
	size_t *failed_by_name;
	size_t *left_by_name; /* not_run, per name */
	size_t nnames;	      /* entries in the arrays above */
} ctask_exec_stats;

/* Runs every wanted task that is not done, in dependency order, and records
 * each result or failure in s, under a lease so that other executors on the
 * same store never run the same task. Task states must have been set with
 * ctask_exec_states. Returns 0 when the run ended (even if tasks failed or
 * a signal stopped it: see st), or a CTASK_E* code for a store error. */
int ctask_exec_run(ctask_graph *g, ctask_store *s, const ctask_exec_opts *o,
		   ctask_exec_stats *st);
void ctask_exec_stats_free(ctask_exec_stats *st);

#endif
