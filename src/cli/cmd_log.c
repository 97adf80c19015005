/*
 * ctask log - print what a task printed when it ran.
 */
#include "cli.h"

#include "arena.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: ctask log [FILE] NAME[#I] | HASH [OPTIONS]\n\n"
	"Prints what a task wrote to stdout and stderr when it last ran (done "
	"or\nfailed), byte for byte, as execute captured it: both in the order "
	"they\nwere written, at most the first and the last 32 KiB, with a "
	"line\n\"[... N bytes cut ...]\" between. A task that printed nothing "
	"prints\nnothing. NAME#I is the I-th task (from 0, in the order the "
	"graph made\nthem) of function NAME; NAME alone, its only task; a "
	"32-digit hash names\none task.\n" CLI_COMMON_HELP
	"\nExit status: 0, 1 when the task has no result yet, 2 usage, 3 task "
	"file,\n4 store, 5 I/O error.\n";

/* Resolves spec (as cli_select does: NAME, NAME#I, a hash or a unique
 * prefix) into one task. Returns 0 or an exit code, after printing why. */
static int find_task(const cli_session *ss, const char *spec,
		     const ctask_task **out)
{
	const ctask_task **ts = NULL; /* owned here */
	size_t n = 0;
	int rc = cli_select(ss, NULL, spec, &ts, &n);
	if (rc == 0 && n > 1)
		rc = cli_error("log", EXIT_USAGE,
			       "%s has %zu tasks: name one, %s#0 to %s#%zu",
			       spec, n, spec, spec, n - 1);
	if (rc == 0)
		*out = ts[0];
	free((void *)ts);
	return rc;
}

/* Prints the stored output of t. */
static int print_output(cli_session *ss, const ctask_task *t, const char *spec)
{
	ctask_record rec;
	int err = ss->store ? ctask_store_get(ss->store, &t->hash, &rec, NULL)
			    : CTASK_ENOTFOUND;
	if (err == CTASK_ENOTFOUND)
		return cli_error("log", EXIT_TASKS, "%s has no result yet",
				 spec);
	if (err < 0)
		return cli_lib_error("log", err);
	if (rec.output_len)
		fwrite(rec.output, 1, rec.output_len, stdout);
	if (fflush(stdout) != 0)
		return cli_error("log", EXIT_IO, "cannot write the output");
	return 0;
}

static int run(int argc, char **argv)
{
	cli_common c;
	int rc = cli_parse(&cmd_log, argc, argv, NULL, "", NULL, NULL, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (c.nargs != 1)
		return cli_error("log", EXIT_USAGE,
				 "expected one NAME[#I] or HASH (see ctask "
				 "help log)");
	/* One lookup: the states of the graph's tasks are not needed. */
	cli_session ss;
	if ((rc = cli_open_graph(&ss, &c)) != 0)
		return rc;
	const ctask_task *t;
	if ((rc = find_task(&ss, c.args[0], &t)) == 0)
		rc = print_output(&ss, t, c.args[0]);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_log = {"log", "print what a task printed", help, run};
