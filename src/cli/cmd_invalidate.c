/*
 * ctask invalidate - forget the results of some functions and of
 * everything downstream of them.
 */
#include "cli.h"

#include "arena.h"
#include "stale.h"
#include "error.h"
#include "exec.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: ctask invalidate [FILE] NAME... [OPTIONS] [-- ARGS]\n"
	"       ctask invalidate [FILE] [NAME...] --stale | --changed-since "
	"REV\n\n"
	"Removes the stored results of the tasks of function NAME, and of "
	"every task\ndownstream of them, so that the next execute recomputes "
	"them. Names match\nexactly (unlike jug, where a substring "
	"matched).\n\n"
	"Options:\n"
	"  --regex          NAMEs are POSIX extended regular expressions, "
	"matched\n                   against whole function names\n"
	"  -n, --dry-run    only report what would be removed\n"
	"  --stale          the stale results: computed with code that has "
	"changed\n                   since (see status); with NAMEs, only "
	"theirs\n"
	"  --changed-since REV\n                   the results of the "
	"functions whose code differs from\n                   their code at "
	"git revision REV (e.g. HEAD~1); with\n                   NAMEs, "
	"only theirs\n" CLI_COMMON_HELP
	"\nExit status: 0, 2 usage (e.g. a NAME that matches no function), "
	"3 task\nfile, 4 store, 5 I/O error.\n";

typedef struct {
	bool regex, dry_run;
	bool stale;	   /* --stale */
	const char *since; /* --changed-since REV */
} inv_args;

enum { OPT_REGEX = 2200, OPT_STALE, OPT_CHANGED_SINCE };

static int on_opt(void *ud, int opt, const char *arg)
{
	(void)arg;
	inv_args *ia = ud;
	if (opt == OPT_REGEX)
		ia->regex = true;
	else if (opt == 'n')
		ia->dry_run = true;
	else if (opt == OPT_STALE)
		ia->stale = true;
	else if (opt == OPT_CHANGED_SINCE)
		ia->since = arg;
	else
		return EXIT_USAGE;
	return 0;
}

/* Sets hit[name_id] for the names matched by pattern; returns how many
 * matched, or -EXIT_USAGE for a bad pattern. */
static int match_names(const ctask_graph *g, const char *pat, bool regex,
		       uint8_t *hit)
{
	int matched = 0;
	regex_t re;
	if (regex) {
		char *anchored = ctask_xmalloc(strlen(pat) + 8);
		sprintf(anchored, "^(%s)$", pat);
		int err = regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB);
		free(anchored);
		if (err) {
			cli_error(
				"invalidate", EXIT_USAGE,
				"--regex '%s': not a valid regular expression",
				pat);
			return -EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		const char *name = ctask_graph_name(g, i);
		bool m = regex ? regexec(&re, name, 0, NULL, 0) == 0
			       : strcmp(name, pat) == 0;
		if (m)
			hit[i] = 1, matched++;
	}
	if (regex)
		regfree(&re);
	return matched;
}

/* Narrows marks (the named functions' tasks; all tasks if no NAME) to the
 * tasks --stale and --changed-since select (code.c). */
static int mark_code(cli_session *ss, const inv_args *ia, uint8_t *marks)
{
	size_t n = ctask_graph_size(ss->g);
	uint8_t *code = ctask_xcalloc(n + 1, 1);
	int rc = 0;
	if (ia->stale)
		ctask_stale_count(ss->g, code, NULL);
	if (rc == 0 && ia->since)
		rc = cli_mark_changed_since(ss, ia->since, code);
	for (size_t t = 0; rc == 0 && t < n; t++)
		marks[t] = (ss->c->nargs == 0 || marks[t]) && code[t];
	free(code);
	return rc;
}

/* Marks the tasks to invalidate: those of the named functions and all their
 * downstream tasks. */
static int mark(cli_session *ss, const inv_args *ia, uint8_t *marks)
{
	const ctask_graph *g = ss->g;
	uint8_t *hit = ctask_xcalloc(ctask_graph_nnames(g) + 1, 1);
	int rc = 0;
	for (int i = 0; i < ss->c->nargs && rc == 0; i++) {
		int m = match_names(g, ss->c->args[i], ia->regex, hit);
		if (m < 0) {
			rc = -m;
		} else if (m == 0) {
			char *names = cli_name_list(g);
			rc = cli_error("invalidate", EXIT_USAGE,
				       "%s: no function %s '%s' in %s (it "
				       "has: %s)",
				       ss->c->args[i],
				       ia->regex ? "matches" : "is named",
				       ss->c->args[i], ss->c->file, names);
			free(names);
		}
	}
	for (size_t t = 0; rc == 0 && t < ctask_graph_size(g); t++)
		marks[t] = hit[ctask_graph_task(g, t)->name_id];
	free(hit);
	if (rc == 0 && (ia->stale || ia->since))
		rc = mark_code(ss, ia, marks);
	if (rc == 0)
		ctask_graph_mark_downstream(g, marks);
	return rc;
}

static int run(int argc, char **argv)
{
	inv_args ia = {0};
	static const struct option opts[] = {
		{"regex", no_argument, NULL, OPT_REGEX},
		{"dry-run", no_argument, NULL, 'n'},
		{"stale", no_argument, NULL, OPT_STALE},
		{"changed-since", required_argument, NULL, OPT_CHANGED_SINCE},
		{0},
	};
	cli_common c;
	int rc = cli_parse(&cmd_invalidate, argc, argv, opts, "n", on_opt, &ia,
			   &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, -1)) != 0)
		return rc;
	if (c.nargs == 0 && !ia.stale && !ia.since)
		return cli_error("invalidate", EXIT_USAGE,
				 "no function NAME given (see ctask help "
				 "invalidate)");
	/* Stale results are known from a scan of the store; named functions
	 * need only their own tasks' states, looked up after marking. */
	bool code = ia.stale || ia.since;
	cli_session ss;
	if ((rc = code ? cli_open(&ss, &c, false) : cli_open_graph(&ss, &c)))
		return rc;
	const ctask_graph *g = ss.g;
	size_t n = ctask_graph_size(g), nn = ctask_graph_nnames(g);
	uint8_t *marks = ctask_xcalloc(n + 1, 1);
	size_t *per = ctask_xcalloc(nn + 1, sizeof *per);
	long nh = 0;
	if ((rc = mark(&ss, &ia, marks)) != 0 ||
	    (!code && (rc = cli_states_of(&ss, marks)) != 0))
		goto done;
	if ((nh = cli_remove_marked(&ss, marks, ia.dry_run, per)) < 0) {
		rc = (int)-nh;
		goto done;
	}
	const char *verb = ia.dry_run ? "would remove" : "removed";
	for (size_t i = 0; i < nn; i++)
		if (per[i])
			printf("%s: %s %zu result%s\n", ctask_graph_name(g, i),
			       verb, per[i], per[i] == 1 ? "" : "s");
	printf(CLI_TOTAL ": %s %ld result%s\n", verb, nh, nh == 1 ? "" : "s");
	cli_barrier_note(&ss);
done:
	free(marks);
	free(per);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_invalidate = {
	"invalidate", "remove results of functions and everything downstream",
	help, run};
