/*
 * code.c - what the commands share about code changes: stale results
 * (status, execute, invalidate --stale), provenance (execute, show) and
 * --changed-since (invalidate). See README.md, "Code changes: fingerprints
 * and staleness".
 */
#include "cli.h"

#include "arena.h"
#include "error.h"
#include "exec.h"
#include "provenance.h"
#include "stale.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_mark_changed_since(cli_session *ss, const char *rev, uint8_t *marks)
{
	const ctask_graph *g = ss->g;
	const char *src = ctask_plugin_source(ss->plugin);
	if (!src)
		return cli_error(ss->c->cmd, EXIT_USAGE,
				 "--changed-since: the source of %s is not "
				 "known (a .so whose .c is gone)",
				 ss->c->file);
	uint8_t *changed = ctask_xcalloc(ctask_graph_nnames(g) + 1, 1);
	int rc = 0, err = ctask_git_changed_since(g, src, rev, changed);
	if (err < 0)
		rc = cli_error(ss->c->cmd, cli_exit_code(err),
			       "--changed-since: %s", ctask_error_last());
	for (size_t t = 0; rc == 0 && t < ctask_graph_size(g); t++)
		if (changed[ctask_graph_task(g, t)->name_id])
			marks[t] = 1;
	free(changed);
	return rc;
}

/* Removes the results of the marked tasks and of everything downstream,
 * says so, and sets the task states again. */
static int rerun_stale(cli_session *ss, uint8_t *marks, const size_t *per,
		       size_t nstale, bool quiet)
{
	const ctask_graph *g = ss->g;
	size_t *removed =
		ctask_xcalloc(ctask_graph_nnames(g) + 1, sizeof *removed);
	ctask_graph_mark_downstream(g, marks);
	long nh = cli_remove_marked(ss, marks, false, removed);
	free(removed);
	if (nh < 0)
		return (int)-nh;
	int rc = cli_set_states(ss);
	if (rc != 0 || quiet)
		return rc;
	printf("ctask: --rerun-stale: removed %zu stale result%s (", nstale,
	       nstale == 1 ? "" : "s");
	cli_print_counts(stdout, g, per);
	size_t down = (size_t)nh - nstale;
	printf(") and %zu result%s downstream of them\n", down,
	       down == 1 ? "" : "s");
	fflush(stdout);
	return 0;
}

int cli_code_before_run(cli_session *ss, const uint8_t *want, bool rerun,
			ctask_git_state *git, ctask_exec_opts *o)
{
	const ctask_graph *g = ss->g;
	size_t n = ctask_graph_size(g);
	uint8_t *marks = ctask_xcalloc(n + 1, 1), *wanted = NULL;
	size_t *per = ctask_xcalloc(ctask_graph_nnames(g) + 1, sizeof *per);
	int rc = 0;
	size_t total = ctask_stale_count(g, marks, NULL);
	/* Only what this run needs: the targets and their inputs. */
	if (want && total) {
		wanted = ctask_xmalloc(n + 1);
		memcpy(wanted, want, n);
		ctask_graph_mark_upstream(g, wanted);
	}
	total = 0;
	for (size_t t = 0; t < n; t++) {
		if (wanted && !wanted[t])
			marks[t] = 0;
		if (marks[t])
			per[ctask_graph_task(g, t)->name_id]++, total++;
	}
	if (total && rerun) {
		rc = rerun_stale(ss, marks, per, total, o->quiet);
	} else if (total && !o->quiet) { /* a warning: not with -q */
		fprintf(stderr, "ctask: warning: stale results (code changed "
				"since they were computed): ");
		cli_print_counts(stderr, g, per);
		fprintf(stderr, "; reusing them (see --rerun-stale)\n");
	}
	/* Provenance costs a `git status`: only when something will run. */
	bool work = false;
	for (size_t t = 0; t < n && !work; t++)
		work = (!want || want[t]) &&
		       ctask_graph_task(g, t)->state != CTASK_S_DONE;
	if (work || !ctask_graph_complete(g)) {
		const char *src = ctask_plugin_source(ss->plugin);
		ctask_git_state_of(src ? src : ss->c->file, git);
		o->git_commit = git->repo ? git->commit : NULL;
		o->git_dirty = git->dirty;
	}
	free(marks);
	free(wanted);
	free(per);
	return rc;
}

/* Prints a hash as a JSON string, or null. */
static void json_hash(const ctask_hash *h)
{
	char hex[CTASK_HASH_HEX];
	if (!h) {
		printf("null");
		return;
	}
	ctask_hash_hex(h, hex);
	printf("\"%s\"", hex);
}

void cli_show_provenance(const cli_session *ss, const ctask_task *t,
			 const ctask_record *rec)
{
	const ctask_hash *now = ctask_graph_fingerprint(ss->g, t->name_id);
	printf(", \"fingerprint\": ");
	json_hash(rec->fingerprint);
	printf(", \"fingerprint_now\": ");
	json_hash(now);
	if (rec->fingerprint && now)
		printf(", \"stale\": %s",
		       ctask_hash_cmp(rec->fingerprint, now) != 0 ? "true"
								  : "false");
	else
		printf(", \"stale\": null");
	if (!rec->commit) {
		printf(", \"git\": null");
		return;
	}
	printf(", \"git_commit\": ");
	ctask_json_string(stdout, rec->commit, strlen(rec->commit));
	printf(", \"git_dirty\": %s", rec->dirty < 0 ? "null"
				      : rec->dirty   ? "true"
						     : "false");
}
