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

/* The task of spec, NAME#I: its index among NAME's tasks is I. */
static int find_indexed(const cli_session *ss, const char *spec,
			const char *name, long want, const ctask_task **out)
{
	const ctask_graph *g = ss->g;
	long id = cli_find_name(g, name);
	if (id < 0) {
		char *names = cli_name_list(g); /* owned here */
		int rc = cli_error(
			"log", EXIT_USAGE,
			"%s: no function of that name in %s (it has: %s)", name,
			ss->c->file, names);
		free(names);
		return rc;
	}
	long count = 0;
	for (size_t i = 0; i < ctask_graph_size(g); i++) {
		const ctask_task *t = ctask_graph_task(g, i);
		if (t->name_id != (uint32_t)id)
			continue;
		if (count++ == (want < 0 ? 0 : want))
			*out = t;
	}
	if (want < 0 && count > 1)
		return cli_error("log", EXIT_USAGE,
				 "%s has %ld tasks: name one, %s#0 to %s#%ld",
				 name, count, name, name, count - 1);
	if (!*out)
		return cli_error("log", EXIT_USAGE,
				 "%s: %s has only %ld task%s (#0 to #%ld)",
				 spec, name, count, count == 1 ? "" : "s",
				 count - 1);
	return 0;
}

/* Resolves "NAME", "NAME#I" or a hash into one task. Returns 0 or an exit
 * code, after printing why. */
static int find_task(const cli_session *ss, const char *spec,
		     const ctask_task **out)
{
	*out = NULL;
	ctask_hash h;
	if (ctask_hash_parse(spec, &h) == 0) {
		if (!(*out = ctask_graph_find(ss->g, &h)))
			return cli_error("log", EXIT_USAGE,
					 "%s: no task of %s has this hash",
					 spec, ss->c->file);
		return 0;
	}
	char *name = ctask_xstrdup(spec), *sign = strchr(name, '#');
	long want = -1;
	int rc = 0;
	if (sign) {
		char *end;
		*sign = '\0';
		want = strtol(sign + 1, &end, 10);
		if (*end || end == sign + 1 || want < 0)
			rc = cli_error("log", EXIT_USAGE,
				       "%s: expected NAME#INDEX, e.g. sum#0",
				       spec);
	}
	if (rc == 0)
		rc = find_indexed(ss, spec, name, want, out);
	free(name);
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
