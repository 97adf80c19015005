/*
 * ctask graph - the task graph as Graphviz DOT, one node per function.
 */
#include "cli.h"

#include "arena.h"
#include "exec.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char help[] =
	"usage: ctask graph [FILE] [OPTIONS] [-- ARGS]\n\n"
	"Prints the task graph as Graphviz DOT: one node per function with its "
	"task\ncounts by state, and an edge from each function to the "
	"functions whose\ntasks take its results, labelled with the number of "
	"such inputs. Nodes\nare green when all done, red with failures, "
	"yellow while running.\n\n"
	"Options:\n"
	"  --svg, --png     render with Graphviz's dot (must be installed)\n"
	"  -o, --output F   write to F instead of standard output (--png "
	"needs it, or\n                   a redirection, on a "
	"terminal)\n" CLI_COMMON_HELP
	"\nExit status: 0, 2 usage, 3 task file, 4 store, 5 I/O error or dot "
	"missing.\n";

enum { OPT_SVG = 2300, OPT_PNG };

typedef struct {
	const char *format; /* NULL: dot source */
	const char *output;
} graph_args;

static int on_opt(void *ud, int opt, const char *arg)
{
	graph_args *ga = ud;
	if (opt == OPT_SVG)
		ga->format = "svg";
	else if (opt == OPT_PNG)
		ga->format = "png";
	else if (opt == 'o')
		ga->output = arg;
	else
		return EXIT_USAGE;
	return 0;
}

static const char *color(const size_t *c)
{
	if (c[CTASK_S_FAILED])
		return "#f4a6a6";
	if (c[CTASK_S_RUNNING])
		return "#f7e39c";
	size_t n = 0;
	for (int s = 0; s < CTASK_S_COUNT; s++)
		n += c[s];
	return c[CTASK_S_DONE] == n ? "#b8e6b8" : "#e0e0e0";
}

/* Writes the DOT text: nodes, then edges counted in an nn x nn matrix. */
static void write_dot(const ctask_graph *g, FILE *f)
{
	size_t nn = ctask_graph_nnames(g);
	size_t *counts = ctask_exec_count(g);
	size_t *edges = ctask_xcalloc(nn * nn + 1, sizeof *edges);
	for (size_t i = 0; i < ctask_graph_size(g); i++) {
		ctask_task *t = ctask_graph_task(g, i);
		CTASK_FOREACH_INPUT(t, d,
				    edges[d->name_id * nn + t->name_id]++);
	}
	fprintf(f, "digraph ctask {\n  rankdir=LR;\n  node [shape=box, "
		   "style=\"rounded,filled\", fontname=\"Helvetica\"];\n");
	for (size_t i = 0; i < nn; i++) {
		const size_t *c = counts + i * CTASK_S_COUNT;
		size_t n = 0;
		for (int s = 0; s < CTASK_S_COUNT; s++)
			n += c[s];
		fprintf(f,
			"  f%zu [label=\"%s\\n%zu tasks: %zu done, %zu ready, "
			"%zu waiting, %zu running, %zu failed\", "
			"fillcolor=\"%s\"];\n",
			i, ctask_graph_name(g, i), n, c[CTASK_S_DONE],
			c[CTASK_S_READY], c[CTASK_S_WAITING],
			c[CTASK_S_RUNNING], c[CTASK_S_FAILED], color(c));
	}
	for (size_t a = 0; a < nn; a++)
		for (size_t b = 0; b < nn; b++)
			if (edges[a * nn + b])
				fprintf(f, "  f%zu -> f%zu [label=\"%zu\"];\n",
					a, b, edges[a * nn + b]);
	if (!ctask_graph_complete(g))
		fprintf(f, "  barrier [shape=plaintext, style=\"\", "
			   "label=\"... stops at a barrier\"];\n");
	fprintf(f, "}\n");
	free(edges);
	free(counts);
}

/* Pipes the DOT text through `dot -T<format>` into out (a path or NULL for
 * standard output). */
static int render(const ctask_graph *g, const char *format, const char *out)
{
	char cmd[64];
	snprintf(cmd, sizeof cmd, "dot -T%s", format);
	if (system("command -v dot >/dev/null 2>&1") != 0)
		return cli_error("graph", EXIT_IO,
				 "--%s needs Graphviz's dot, which is not "
				 "installed (apt-get install graphviz)",
				 format);
	if (out && !freopen(out, "w", stdout))
		return cli_error("graph", EXIT_IO, "%s: %s", out,
				 strerror(errno));
	fflush(stdout);
	FILE *p = popen(cmd, "w");
	if (!p)
		return cli_error("graph", EXIT_IO, "cannot run dot: %s",
				 strerror(errno));
	write_dot(g, p);
	int st = pclose(p);
	if (st != 0)
		return cli_error("graph", EXIT_IO, "dot failed (status %d)",
				 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return EXIT_OK;
}

static int run(int argc, char **argv)
{
	graph_args ga = {0};
	static const struct option opts[] = {
		{"svg", no_argument, NULL, OPT_SVG},
		{"png", no_argument, NULL, OPT_PNG},
		{"output", required_argument, NULL, 'o'},
		{0},
	};
	cli_common c;
	int rc = cli_parse(&cmd_graph, argc, argv, opts, "o:", on_opt, &ga, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 0)) != 0)
		return rc;
	/* PNG is binary: on a terminal it is garbage, and may set modes. */
	if (ga.format && strcmp(ga.format, "png") == 0 && !ga.output &&
	    isatty(STDOUT_FILENO))
		return cli_error("graph", EXIT_USAGE,
				 "--png: will not write binary data to a "
				 "terminal; use -o FILE (or redirect the "
				 "output)");
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	if (ga.format) {
		rc = render(ss.g, ga.format, ga.output);
	} else {
		FILE *f = ga.output ? fopen(ga.output, "w") : stdout;
		if (!f) {
			rc = cli_error("graph", EXIT_IO, "%s: %s", ga.output,
				       strerror(errno));
		} else {
			write_dot(ss.g, f);
			if (f != stdout)
				fclose(f);
		}
	}
	cli_close(&ss);
	return rc;
}

const cli_command cmd_graph = {"graph", "print the task graph as Graphviz DOT",
			       help, run};
