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

static const char help[] =
	"usage: ctask execute [FILE] [OPTIONS]\n\n"
	"Runs every task of FILE whose result is not in the store, inputs "
	"first.\nA task that failed before is retried. A .c FILE is compiled "
	"first (and\ncached in the store until it or the flags change).\n\n"
	"Options:\n"
	"  --target NAME    run only the tasks of function NAME and what they "
	"need\n                   (may be repeated)\n"
	"  -k, --keep-going after a failure, go on with the tasks that do not "
	"need it\n" CLI_COMMON_HELP
	"\nExit status: 0 when every wanted task is done, 1 when a task "
	"failed or\ncould not run, 2 usage, 3 task file, 4 store, 5 I/O "
	"error.\n";

typedef struct {
	const char *targets[64];
	int ntargets;
	bool keep_going;
} exec_args;

enum { OPT_TARGET = 2000 };

static int on_opt(void *ud, int opt, const char *arg)
{
	exec_args *ea = ud;
	if (opt == 'k') {
		ea->keep_going = true;
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

/* want[id] = 1 for the tasks of the target functions; NULL for all. */
static int targets_mask(cli_session *ss, const exec_args *ea, uint8_t **out)
{
	*out = NULL;
	if (ea->ntargets == 0)
		return 0;
	size_t n = ctask_graph_size(ss->g);
	uint8_t *want = ctask_xcalloc(n + 1, 1);
	for (int i = 0; i < ea->ntargets; i++) {
		long id = cli_find_name(ss->g, ea->targets[i]);
		if (id < 0) {
			char *names = cli_name_list(ss->g);
			int rc = cli_error(
				"execute", EXIT_USAGE,
				"--target %s: no function of that name "
				"in %s (it has: %s)",
				ea->targets[i], ss->c->file, names);
			free(names);
			free(want);
			return rc;
		}
		for (size_t t = 0; t < n; t++)
			if (ctask_graph_task(ss->g, t)->name_id == (uint32_t)id)
				want[t] = 1;
	}
	*out = want;
	return 0;
}

/* "count_primes 10, sum_primes 1" for the names with a non-zero count. */
static void print_by_name(const ctask_graph *g, const size_t *counts)
{
	const char *sep = "";
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		if (!counts[i])
			continue;
		printf("%s%s %zu", sep, ctask_graph_name(g, i), counts[i]);
		sep = ", ";
	}
}

static void summary(const cli_session *ss, const ctask_exec_stats *st,
		    double secs)
{
	if (st->ran == 0 && st->failed == 0 && st->not_run == 0) {
		printf("ctask: nothing to do: all %zu tasks are done\n",
		       st->wanted);
		return;
	}
	printf("ctask: ran %zu task%s in %.2f s", st->ran,
	       st->ran == 1 ? "" : "s", secs);
	if (st->ran) {
		printf(" (");
		print_by_name(ss->g, st->ran_by_name);
		printf(")");
	}
	printf("; %zu already done", st->done_before);
	if (st->failed) {
		printf("; %zu failed (", st->failed);
		print_by_name(ss->g, st->failed_by_name);
		printf(")");
	}
	if (st->not_run)
		printf("; %zu not run because an input failed", st->not_run);
	printf("\n");
}

static int run(int argc, char **argv)
{
	exec_args ea = {0};
	static const struct option opts[] = {
		{"target", required_argument, NULL, OPT_TARGET},
		{"keep-going", no_argument, NULL, 'k'},
		{0},
	};
	cli_common c;
	int rc =
		cli_parse(&cmd_execute, argc, argv, opts, "k", on_opt, &ea, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (c.nargs > 0)
		return cli_error("execute", EXIT_USAGE,
				 "unexpected argument '%s'", c.args[0]);
	cli_session ss;
	if ((rc = cli_open(&ss, &c, true)) != 0)
		return rc;
	uint8_t *want = NULL;
	if ((rc = targets_mask(&ss, &ea, &want)) != 0)
		goto done;
	ctask_exec_opts o = {.want = want, .keep_going = ea.keep_going};
	ctask_exec_stats st;
	ctask_runner *r = ctask_runner_inproc(ss.g);
	double t0 = ctask_monotonic();
	int err = ctask_exec_run(ss.g, ss.store, r, &o, &st);
	r->free(r);
	fflush(stderr);
	summary(&ss, &st, ctask_monotonic() - t0);
	if (err < 0)
		rc = cli_error("execute", cli_exit_code(err), "%s",
			       ctask_error_last());
	else
		rc = st.failed || st.not_run ? EXIT_TASKS : EXIT_OK;
	ctask_exec_stats_free(&st);
done:
	free(want);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_execute = {"execute", "run the tasks that are not done",
				 help, run};
