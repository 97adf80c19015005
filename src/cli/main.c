/*
 * main.c - the ctask command: a table of subcommands, each in cmd_*.c.
 */
#include "cli.h"

#include <stdio.h>
#include <string.h>

#define CTASK_VERSION_STRING "0.1.0"

static const cli_command *const commands[] = {
	&cmd_execute,	 &cmd_status,  &cmd_check, &cmd_show,
	&cmd_invalidate, &cmd_cleanup, &cmd_graph, &cmd_log,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f)
{
	fputs("usage: ctask COMMAND [FILE] [OPTIONS] [-- ARGS]\n\n"
	      "ctask runs the tasks of a C task file, caches their results "
	      "and\nreruns only what changed. Commands:\n",
	      f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-11s %s\n", commands[i]->name,
			commands[i]->summary);
	fputs("  help        show the help of a command\n\n"
	      "FILE is a task file (.c or .so; default ctaskfile.c). ARGS, "
	      "after --, go to\nits graph function (ctask_argv). Run `ctask "
	      "help COMMAND` for a command's\noptions.\n",
	      f);
}

static const cli_command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "help") == 0) { /* help's own help: the usage */
		usage(stdout);
		return EXIT_OK;
	}
	const cli_command *c = find(argv[1]);
	if (!c)
		return cli_error("help", EXIT_USAGE,
				 "unknown command '%s' (see ctask help)",
				 argv[1]);
	cli_print_help(c, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "--help") == 0 ||
	    strcmp(name, "-h") == 0)
		return help(argc - 1, argv + 1);
	if (strcmp(name, "--version") == 0) {
		printf("ctask %s (ABI %d)\n", CTASK_VERSION_STRING,
		       CTASK_ABI_VERSION);
		return EXIT_OK;
	}
	const cli_command *c = find(name);
	if (!c)
		return cli_error(NULL, EXIT_USAGE,
				 "unknown command '%s' (see ctask help)", name);
	return c->run(argc - 1, argv + 1);
}
