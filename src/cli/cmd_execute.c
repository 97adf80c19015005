/*
 * ctask execute - run every task that is not done.
 */
#include "cli.h"

#include "arena.h"
#include "error.h"
#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
	"usage: ctask execute [FILE] [OPTIONS] [-- ARGS]\n\n"
	"Runs every task of FILE whose result is not in the store, inputs "
	"first,\nin parallel worker processes. A task that failed before is "
	"retried. A .c\nFILE is compiled first (and cached in the store until "
	"it or the flags\nchange). Several executors may share one store: "
	"each task runs once.\n\n"
	"Options:\n"
	"  -j, --jobs N       worker processes (default: the number of "
	"cores)\n"
	"  --target NAME[#I]  run only the tasks of function NAME (or its "
	"I-th task,\n                     or the task with a hash or hash "
	"prefix) and what\n                     they need (may be repeated)\n"
	"  -k, --keep-going   after a failure, go on with the tasks that do "
	"not need it\n"
	"  --retries N        try a failing task up to N more times "
	"(default 0)\n"
	"  --task-timeout S   kill a task that runs longer than S seconds\n"
	"  --lease-ttl S      seconds before another executor may take over a "
	"task\n                     whose executor stopped renewing it "
	"(default 30)\n"
	"  --grace S          after SIGINT/SIGTERM, seconds running tasks get "
	"to\n                     finish before they are killed (default 5)\n"
	"  -q, --quiet        errors only (failed tasks): no progress, "
	"warnings or\n                     summary\n"
	"  --output MODE      what tasks print: 'capture' (default) keeps it "
	"with the\n                     result (see ctask log); 'live' also "
	"prints each line as\n                     it comes, after the "
	"task's NAME#I\n"
	"  --rerun-stale      recompute the stale results (computed with code "
	"that\n                     has changed since) and everything "
	"downstream; without\n                     it they are reused, with a "
	"warning\n" CLI_COMMON_HELP
	"\nExit status: 0 when every wanted task is done, 1 when a task "
	"failed or\ncould not run, 2 usage, 3 task file, 4 store, 5 I/O "
	"error, 130 after\nSIGINT, 143 after SIGTERM.\n";

typedef struct {
	const char *targets[64];
	int ntargets;
	ctask_exec_opts o;
	bool quiet;
	bool rerun_stale; /* --rerun-stale (code.c) */
} exec_args;

enum {
	OPT_TARGET = 2000,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_TTL,
	OPT_GRACE,
	OPT_RERUN_STALE,
	OPT_OUTPUT,
};

/* Parses a number for option opt into *out; min is the smallest allowed. */
static int number(const char *opt, const char *arg, double min, double *out)
{
	char *end;
	double v = strtod(arg, &end);
	if (!*arg || *end || !(v >= min) || v > 1e9)
		return cli_error("execute", EXIT_USAGE,
				 "%s '%s': expected a number of at least %g",
				 opt, arg, min);
	*out = v;
	return 0;
}

static int on_opt(void *ud, int opt, const char *arg)
{
	exec_args *ea = ud;
	double v = 0;
	int rc = 0;
	switch (opt) {
	case 'k':
		ea->o.keep_going = true;
		return 0;
	case 'q':
		ea->quiet = true;
		return 0;
	case 'j':
		rc = number("--jobs", arg, 1, &v);
		ea->o.jobs = (int)v;
		return rc;
	case OPT_RETRIES:
		rc = number("--retries", arg, 0, &v);
		ea->o.retries = v > 100 ? 100 : (int)v;
		return rc;
	case OPT_TIMEOUT:
		return number("--task-timeout", arg, 0.001,
			      &ea->o.task_timeout);
	case OPT_TTL:
		return number("--lease-ttl", arg, 0.1, &ea->o.lease_ttl);
	case OPT_RERUN_STALE:
		ea->rerun_stale = true;
		return 0;
	case OPT_GRACE:
		return number("--grace", arg, 0, &ea->o.grace);
	case OPT_OUTPUT:
		if (strcmp(arg, "capture") && strcmp(arg, "live"))
			return cli_error("execute", EXIT_USAGE,
					 "--output '%s': expected capture or "
					 "live",
					 arg);
		ea->o.output = strcmp(arg, "live") ? CTASK_OUTPUT_CAPTURE
						   : CTASK_OUTPUT_LIVE;
		return 0;
	}
	if (opt == OPT_TARGET) {
		if (ea->ntargets == 64)
			return cli_error(
				"execute", EXIT_USAGE,
				"too many --target options (64 at most)");
		ea->targets[ea->ntargets++] = arg;
		return 0;
	}
	return EXIT_USAGE;
}

/* want[id] = 1 for the target tasks (cli_select: NAME, NAME#I, a hash or
 * a prefix of one); NULL for all. */
static int targets_mask(cli_session *ss, const exec_args *ea, uint8_t **out)
{
	*out = NULL;
	/* A barrier passes only when everything before it is done, and a
	 * target may lie beyond it: run all. */
	if (ea->ntargets == 0 || !ctask_graph_complete(ss->g))
		return 0;
	uint8_t *want = ctask_xcalloc(ctask_graph_size(ss->g) + 1, 1);
	for (int i = 0; i < ea->ntargets; i++) {
		const ctask_task **ts = NULL;
		size_t n = 0;
		int rc = cli_select(ss, "--target", ea->targets[i], &ts, &n);
		if (rc != 0) {
			free(want);
			return rc;
		}
		for (size_t j = 0; j < n; j++)
			want[ts[j]->id] = 1;
		free(ts);
	}
	*out = want;
	return 0;
}

/* The closing summary: what ran, what was already done, what failed, what
 * is left, the wall time and how busy the workers were. */
static void summary(const cli_session *ss, const ctask_exec_opts *o,
		    const ctask_exec_stats *st, int err)
{
	if (st->ran == 0 && st->failed == 0 && st->not_run == 0 &&
	    !st->signal && st->wanted == st->done_before) {
		printf("ctask: nothing to do: all %zu tasks are done\n",
		       st->wanted);
		return;
	}
	printf("ctask: ran %zu task%s in %.2f s", st->ran,
	       st->ran == 1 ? "" : "s", st->wall);
	if (st->ran) {
		printf(" (");
		cli_print_counts(stdout, ss->g, st->ran_by_name);
		printf(")");
	}
	printf("; %zu already done", st->done_before);
	if (st->by_others)
		printf("; %zu done by other executors", st->by_others);
	if (st->failed) {
		printf("; %zu failed (", st->failed);
		cli_print_counts(stdout, ss->g, st->failed_by_name);
		printf(")");
	}
	if (st->failed_earlier) /* not tried again: the store says failed */
		printf("; %zu failed in an earlier run, not tried again",
		       st->failed_earlier);
	if (st->retried)
		printf("; %zu failed attempts retried", st->retried);
	if (o->jobs > 0 && st->wall > 0)
		printf("; CPU use %.0f%% of %d worker%s",
		       100 * st->cpu / (st->wall * o->jobs), o->jobs,
		       o->jobs == 1 ? "" : "s");
	printf("\n");
	if (st->recomputed)
		printf("ctask: %zu corrupt or missing result%s recomputed\n",
		       st->recomputed, st->recomputed == 1 ? "" : "s");
	if (st->unstored)
		printf("ctask: %zu task%s ran but the store could not keep "
		       "%s results (not counted above; they run again next "
		       "time)\n",
		       st->unstored, st->unstored == 1 ? "" : "s",
		       st->unstored == 1 ? "its" : "their");
	size_t left = st->not_run, blocked = st->blocked;
	if (st->signal && left) {
		printf("ctask: interrupted; %zu task%s not done (", left,
		       left == 1 ? "" : "s");
		cli_print_counts(stdout, ss->g, st->left_by_name);
		printf(")\n");
		return;
	}
	if (blocked)
		printf("ctask: %zu task%s not run because an input failed\n",
		       blocked, blocked == 1 ? "" : "s");
	if (left > blocked && err == 0 && st->failed)
		printf("ctask: %zu task%s not run: the run stopped after a "
		       "failure (use --keep-going to run them)\n",
		       left - blocked, left - blocked == 1 ? "" : "s");
}

static void set_defaults(exec_args *ea, cli_session *ss)
{
	ctask_exec_opts *o = &ea->o;
	if (o->jobs == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		o->jobs = n > 0 ? (int)n : 1;
	}
	if (o->lease_ttl == 0)
		o->lease_ttl = CTASK_LEASE_TTL_DEFAULT;
	if (o->grace < 0)
		o->grace = CTASK_GRACE_DEFAULT;
	o->quiet = ea->quiet; /* errors only: failures, not warnings */
	o->progress = ea->quiet		      ? CTASK_PROGRESS_NONE
		      : isatty(STDERR_FILENO) ? CTASK_PROGRESS_LINE
					      : CTASK_PROGRESS_LINES;
	o->worker_init =
		ctask_plugin_hook(ss->plugin, "ctask_worker_init_hook");
	o->worker_fini =
		ctask_plugin_hook(ss->plugin, "ctask_worker_fini_hook");
}

static int exit_code(const ctask_exec_stats *st)
{
	if (st->signal)
		return 128 + st->signal;
	return st->failed || st->not_run ? EXIT_TASKS : EXIT_OK;
}

/* Adds src[0..n) to *dst, which had old_n entries and grows to n. */
static void add_counts(size_t **dst, size_t old_n, const size_t *src, size_t n)
{
	*dst = ctask_xrealloc(*dst, (n + 1) * sizeof **dst);
	for (size_t i = old_n; i <= n; i++)
		(*dst)[i] = 0;
	for (size_t i = 0; i < n; i++)
		(*dst)[i] += src[i];
}

/* Adds one round's figures to the totals (per-name arrays grow: a later
 * round's graph extends the earlier one's names). */
static void merge(ctask_exec_stats *t, const ctask_exec_stats *st,
		  size_t nnames)
{
	add_counts(&t->ran_by_name, t->nnames, st->ran_by_name, nnames);
	add_counts(&t->failed_by_name, t->nnames, st->failed_by_name, nnames);
	free(t->left_by_name); /* what is left: the last round's */
	t->left_by_name = ctask_xcalloc(nnames + 1, sizeof(size_t));
	add_counts(&t->left_by_name, nnames, st->left_by_name, nnames);
	t->nnames = nnames;
	t->ran += st->ran, t->failed += st->failed;
	t->by_others += st->by_others, t->retried += st->retried;
	t->recomputed += st->recomputed;
	t->unstored += st->unstored;
	t->wall += st->wall, t->cpu += st->cpu;
	/* What is left is what the last round left. */
	t->wanted = st->wanted, t->not_run = st->not_run;
	t->blocked = st->blocked, t->signal = st->signal;
	t->failed_earlier = st->failed_earlier;
	size_t accounted = t->ran + t->by_others + st->failed + st->not_run;
	t->done_before = st->wanted > accounted ? st->wanted - accounted : 0;
}

/* Runs the graph; when it stopped at a barrier and everything before it
 * got done, builds it again past the barrier and goes on. Returns 0, a
 * negative library error, or a positive exit code already reported. */
static int run_rounds(cli_session *ss, exec_args *ea, uint8_t **want,
		      ctask_exec_stats *total)
{
	for (;;) {
		ea->o.want = *want;
		ctask_exec_stats st;
		int err = ctask_exec_run(ss->g, ss->store, &ea->o, &st);
		merge(total, &st, ctask_graph_nnames(ss->g));
		ctask_exec_stats_free(&st);
		if (err < 0 || st.signal || st.failed || st.not_run ||
		    ctask_graph_complete(ss->g))
			return err;
		if (st.ran + st.by_others == 0) { /* cannot happen; be safe */
			cli_barrier_note(ss);
			return EXIT_TASKS;
		}
		free(*want);
		*want = NULL;
		int rc = cli_rebuild(ss);
		if (rc == 0)
			rc = targets_mask(ss, ea, want);
		if (rc != 0)
			return rc;
	}
}

static int run(int argc, char **argv)
{
	exec_args ea = {.o.grace = -1};
	static const struct option opts[] = {
		{"target", required_argument, NULL, OPT_TARGET},
		{"keep-going", no_argument, NULL, 'k'},
		{"jobs", required_argument, NULL, 'j'},
		{"retries", required_argument, NULL, OPT_RETRIES},
		{"task-timeout", required_argument, NULL, OPT_TIMEOUT},
		{"lease-ttl", required_argument, NULL, OPT_TTL},
		{"grace", required_argument, NULL, OPT_GRACE},
		{"quiet", no_argument, NULL, 'q'},
		{"rerun-stale", no_argument, NULL, OPT_RERUN_STALE},
		{"output", required_argument, NULL, OPT_OUTPUT},
		{0},
	};
	cli_common c;
	int rc = cli_parse(&cmd_execute, argc, argv, opts, "kqj:", on_opt, &ea,
			   &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 0)) != 0)
		return rc;
	c.small = true;	     /* see ctask_exec_states_small */
	ctask_git_warm_up(); /* provenance, if anything runs: see code.c */
	/* For the failure excerpts: how to see a task's whole output. */
	ctask_buf log_command = {0};
	ctask_buf_printf(&log_command, "ctask log%s%s%s%s", c.file ? " " : "",
			 c.file ? c.file : "", c.store ? " --store " : "",
			 c.store ? c.store : "");
	ea.o.log_command = (const char *)log_command.p;
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0) {
		ctask_git_cool_down();
		ctask_buf_free(&log_command);
		return rc;
	}
	uint8_t *want = NULL;
	/* Bad targets are refused before a store is created. */
	if ((rc = targets_mask(&ss, &ea, &want)) != 0 ||
	    (rc = cli_create_store(&ss)) != 0 ||
	    (rc = cli_record_args(&ss)) != 0)
		goto done;
	set_defaults(&ea, &ss);
	ea.o.task_file = ss.ident;
	/* Stale results, and the provenance of this run's results (code.c). */
	ctask_git_state git;
	if ((rc = cli_code_before_run(&ss, want, ea.rerun_stale, &git,
				      &ea.o)) != 0)
		goto done;
	ctask_exec_stats total = {0};
	ctask_git_settle(); /* no thread may run while workers are forked */
	int err = run_rounds(&ss, &ea, &want, &total);
	fflush(stderr);
	if (!ea.quiet)
		summary(&ss, &ea.o, &total, err);
	if (err < 0)
		rc = cli_lib_error("execute", err);
	else if (err > 0)
		rc = err; /* rebuilding the graph failed; already reported */
	else
		rc = exit_code(&total);
	ctask_exec_stats_free(&total);
done:
	free(want);
	ctask_buf_free(&log_command);
	cli_close(&ss);
	ctask_git_cool_down();
	return rc;
}

const cli_command cmd_execute = {"execute", "run the tasks that are not done",
				 help, run};
