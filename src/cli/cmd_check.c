/*
 * ctask check - exit 0 if every task is done, 1 if not (for scripts).
 */
#include "cli.h"

#include "exec.h"

#include <stdio.h>

static const char help[] =
	"usage: ctask check [FILE] [OPTIONS] [-- ARGS]\n\n"
	"Exits 0 if every task of FILE is done and 1 if not, and says how "
	"many\nare not.\n" CLI_COMMON_HELP
	"\nExit status: 0 all done, 1 not all done, 2 usage, 3 task file, "
	"4 store,\n5 I/O error.\n";

static int run(int argc, char **argv)
{
	cli_common c;
	int rc = cli_parse(&cmd_check, argc, argv, NULL, "", NULL, NULL, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 0)) != 0)
		return rc;
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	size_t n = ctask_graph_size(ss.g), done = 0;
	for (size_t i = 0; i < n; i++)
		done += ctask_graph_task(ss.g, i)->state == CTASK_S_DONE;
	if (done == n)
		printf("ctask: all %zu tasks are done\n", n);
	else
		printf("ctask: %zu of %zu tasks are not done\n", n - done, n);
	cli_close(&ss);
	return done == n ? EXIT_OK : EXIT_TASKS;
}

const cli_command cmd_check = {"check",
			       "exit 0 if every task is done, 1 if "
			       "not",
			       help, run};
