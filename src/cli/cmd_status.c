/*
 * ctask status - how far the work has got, per function.
 */
#include "cli.h"

#include "exec.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: ctask status [FILE] [OPTIONS]\n\n"
	"Prints one row per function: how many of its tasks are waiting (an "
	"input\nis not done), ready, running, done and failed, and a total "
	"row.\n\n"
	"Options:\n"
	"  --short          one line with the totals\n"
	"  --json           the table as JSON, for scripts\n" CLI_COMMON_HELP
	"\nExit status: 0 (whatever the state of the tasks; see `ctask "
	"check`),\n2 usage, 3 task file, 4 store, 5 I/O error.\n";

static const char *const state_names[CTASK_S_COUNT] = {
	"waiting", "ready", "running", "done", "failed"};

enum { OPT_SHORT = 2100, OPT_JSON };

static int on_opt(void *ud, int opt, const char *arg)
{
	(void)arg;
	*(int *)ud = opt;
	return 0;
}

static void print_table(const ctask_graph *g, const size_t *c,
			const size_t *total)
{
	int w = 8;
	for (size_t i = 0; i < ctask_graph_nnames(g); i++)
		if ((int)strlen(ctask_graph_name(g, i)) > w)
			w = (int)strlen(ctask_graph_name(g, i));
	printf("%-*s", w, "function");
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf(" %9s", state_names[s]);
	printf("\n");
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		printf("%-*s", w, ctask_graph_name(g, i));
		for (int s = 0; s < CTASK_S_COUNT; s++)
			printf(" %9zu", c[i * CTASK_S_COUNT + s]);
		printf("\n");
	}
	printf("%-*s", w, "total");
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf(" %9zu", total[s]);
	printf("\n");
}

static void print_counts_json(const size_t *c)
{
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf("%s\"%s\": %zu", s ? ", " : "", state_names[s], c[s]);
}

static void print_json(const ctask_graph *g, const size_t *c,
		       const size_t *total, size_t ntasks)
{
	printf("{\"tasks\": %zu, \"functions\": [", ntasks);
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		const char *name = ctask_graph_name(g, i);
		printf("%s\n  {\"name\": ", i ? "," : "");
		ctask_json_string(stdout, name, strlen(name));
		printf(", ");
		print_counts_json(c + i * CTASK_S_COUNT);
		printf("}");
	}
	printf("],\n \"total\": {");
	print_counts_json(total);
	printf("}}\n");
}

static int run(int argc, char **argv)
{
	int mode = 0;
	static const struct option opts[] = {
		{"short", no_argument, NULL, OPT_SHORT},
		{"json", no_argument, NULL, OPT_JSON},
		{0},
	};
	cli_common c;
	int rc =
		cli_parse(&cmd_status, argc, argv, opts, "", on_opt, &mode, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (c.nargs > 0)
		return cli_error("status", EXIT_USAGE,
				 "unexpected argument '%s'", c.args[0]);
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	size_t *counts = ctask_exec_count(ss.g);
	size_t total[CTASK_S_COUNT] = {0}, n = ctask_graph_size(ss.g);
	for (size_t i = 0; i < ctask_graph_nnames(ss.g); i++)
		for (int s = 0; s < CTASK_S_COUNT; s++)
			total[s] += counts[i * CTASK_S_COUNT + s];
	if (mode == OPT_SHORT)
		printf("%zu tasks: %zu done, %zu ready, %zu waiting, %zu "
		       "running, %zu failed\n",
		       n, total[CTASK_S_DONE], total[CTASK_S_READY],
		       total[CTASK_S_WAITING], total[CTASK_S_RUNNING],
		       total[CTASK_S_FAILED]);
	else if (mode == OPT_JSON)
		print_json(ss.g, counts, total, n);
	else
		print_table(ss.g, counts, total);
	free(counts);
	cli_close(&ss);
	return EXIT_OK;
}

const cli_command cmd_status = {"status",
				"show how many tasks are done, per "
				"function",
				help, run};
