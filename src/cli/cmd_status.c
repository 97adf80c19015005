/*
 * ctask status - how far the work has got, per function.
 */
#include "cli.h"

#include "exec.h"
#include "stale.h"
#include "store.h"
#include "value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help[] =
	"usage: ctask status [FILE] [OPTIONS] [-- ARGS]\n\n"
	"Prints one row per function: how many of its tasks are waiting (an "
	"input\nis not done), ready, running, done and failed, and a total "
	"row labelled\n(total). The stale column counts done results computed "
	"with other code\n(the function or what it uses changed since): see "
	"execute --rerun-stale\nand invalidate --stale.\n\n"
	"Options:\n"
	"  --short          one line with the totals\n"
	"  --json           the table as JSON, for scripts\n"
	"  --workers        list the live executors (host, pid, running "
	"since,\n                   tasks done, current tasks) and stale "
	"leases\n" CLI_COMMON_HELP
	"\nExit status: 0 (whatever the state of the tasks; see `ctask "
	"check`),\n2 usage, 3 task file, 4 store, 5 I/O error.\n";

enum { OPT_SHORT = 2100, OPT_JSON, OPT_WORKERS };

#define MAX_RUNNING_LINES 20

typedef struct {
	const ctask_graph *g;
	double now;
	size_t shown, live, stale;
	const char *owner; /* only this owner's leases (NULL: all live) */
	size_t count;	   /* leases of owner */
	bool stale_only;
} lease_walk;

static void clock_of(double t, char buf[16])
{
	time_t s = (time_t)t;
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(buf, 16, "%H:%M:%S", &tm);
}

/* Prints a live lease of a task of the graph as a "running" line. */
static int print_running(void *ud, const ctask_lease *l)
{
	lease_walk *w = ud;
	const ctask_task *t = ctask_graph_find(w->g, &l->hash);
	if (!t || t->state != CTASK_S_RUNNING || !l->live)
		return 0;
	if (w->shown++ < MAX_RUNNING_LINES) {
		char hex[CTASK_HASH_HEX], since[16];
		ctask_hash_hex(&t->hash, hex);
		clock_of(l->started, since);
		printf("running: %s (%.12s) on %s:%d since %s\n",
		       ctask_task_name(w->g, t), hex, l->host, l->pid, since);
	}
	return 0;
}

/* Counts an owner's live leases, or prints stale (expired) leases. */
static int walk_leases(void *ud, const ctask_lease *l)
{
	lease_walk *w = ud;
	const ctask_task *t = ctask_graph_find(w->g, &l->hash);
	if (w->stale_only) {
		if (l->live || (t && t->state == CTASK_S_DONE))
			return 0;
		char hex[CTASK_HASH_HEX];
		ctask_hash_hex(&l->hash, hex);
		printf("stale lease: %s (%.12s) held by %s:%d, ",
		       t ? ctask_task_name(w->g, t) : "?", hex, l->host,
		       l->pid);
		/* Not expired, yet dead: its owner's process has ended. */
		if (l->expires > w->now)
			printf("whose process has ended\n");
		else
			printf("expired %.0f s ago\n", w->now - l->expires);
		w->stale++;
	} else if (l->live && strcmp(l->owner, w->owner) == 0) {
		w->count++;
	}
	return 0;
}

typedef struct {
	ctask_store *s;
	lease_walk *w;
} exec_walk;

/* Prints one executor if it is live: not finished, its expiry (renewed
 * by its heartbeats, and what its leases live by) has not passed, and it
 * is not proven gone (killed on this host). */
static int print_executor(void *ud, const ctask_executor_rec *r)
{
	exec_walk *ew = ud;
	if (!r->live)
		return 0;
	ew->w->owner = r->owner;
	ew->w->count = 0;
	ew->w->stale_only = false;
	ctask_store_leases(ew->s, walk_leases, ew->w);
	char since[16];
	clock_of(r->started, since);
	printf("executor %s:%d  running since %s  tasks done %llu  current "
	       "tasks %zu\n",
	       r->host, r->pid, since, (unsigned long long)r->done,
	       ew->w->count);
	ew->w->live++;
	return 0;
}

static void print_workers(cli_session *ss)
{
	lease_walk w = {.g = ss->g, .now = ctask_now()};
	if (!ss->store) {
		printf("no executors: the store does not exist yet\n");
		return;
	}
	exec_walk ew = {ss->store, &w};
	ctask_store_executors(ss->store, print_executor, &ew);
	if (w.live == 0)
		printf("no live executors\n");
	w.stale_only = true;
	ctask_store_leases(ss->store, walk_leases, &w);
}

static int on_opt(void *ud, int opt, const char *arg)
{
	(void)arg;
	*(int *)ud = opt;
	return 0;
}

/* The table; stale (per name_id) and nstale: results computed with other
 * code (README.md, "Code changes"), a column of their own. */
static void print_table(const ctask_graph *g, const size_t *c,
			const size_t *total, const size_t *stale, size_t nstale)
{
	int w = 8;
	for (size_t i = 0; i < ctask_graph_nnames(g); i++)
		if ((int)strlen(ctask_graph_name(g, i)) > w)
			w = (int)strlen(ctask_graph_name(g, i));
	printf("%-*s", w, "function");
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf(" %9s", cli_state_names[s]);
	printf(" %9s\n", "stale");
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		printf("%-*s", w, ctask_graph_name(g, i));
		for (int s = 0; s < CTASK_S_COUNT; s++)
			printf(" %9zu", c[i * CTASK_S_COUNT + s]);
		printf(" %9zu\n", stale[i]);
	}
	printf("%-*s", w, CLI_TOTAL); /* no function has this name */
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf(" %9zu", total[s]);
	printf(" %9zu\n", nstale);
}

static void print_counts_json(const size_t *c)
{
	for (int s = 0; s < CTASK_S_COUNT; s++)
		printf("%s\"%s\": %zu", s ? ", " : "", cli_state_names[s],
		       c[s]);
}

/* The table as JSON. Stale results are done ones, so "stale" stands beside
 * the state counts, outside "total" (whose states sum to "tasks"). */
static void print_json(const ctask_graph *g, const size_t *c,
		       const size_t *total, size_t ntasks, const size_t *stale,
		       size_t nstale)
{
	printf("{\"tasks\": %zu, \"stale\": %zu, \"functions\": [", ntasks,
	       nstale);
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		const char *name = ctask_graph_name(g, i);
		printf("%s\n  {\"name\": ", i ? "," : "");
		ctask_json_string(stdout, name, strlen(name));
		printf(", ");
		print_counts_json(c + i * CTASK_S_COUNT);
		printf(", \"stale\": %zu}", stale[i]);
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
		{"workers", no_argument, NULL, OPT_WORKERS},
		{0},
	};
	cli_common c;
	int rc =
		cli_parse(&cmd_status, argc, argv, opts, "", on_opt, &mode, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 0)) != 0)
		return rc;
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	size_t *counts = ctask_exec_count(ss.g);
	size_t *stale =
		ctask_xcalloc(ctask_graph_nnames(ss.g) + 1, sizeof *stale);
	size_t nstale = ctask_stale_count(ss.g, NULL, stale);
	size_t total[CTASK_S_COUNT] = {0}, n = ctask_graph_size(ss.g);
	for (size_t i = 0; i < ctask_graph_nnames(ss.g); i++)
		for (int s = 0; s < CTASK_S_COUNT; s++)
			total[s] += counts[i * CTASK_S_COUNT + s];
	if (mode == OPT_SHORT) {
		printf("%zu tasks: %zu done, %zu ready, %zu waiting, %zu "
		       "running, %zu failed",
		       n, total[CTASK_S_DONE], total[CTASK_S_READY],
		       total[CTASK_S_WAITING], total[CTASK_S_RUNNING],
		       total[CTASK_S_FAILED]);
		if (nstale) /* only then: the usual line stays as it was */
			printf(", %zu stale", nstale);
		printf("\n");
	} else if (mode == OPT_JSON)
		print_json(ss.g, counts, total, n, stale, nstale);
	else if (mode == OPT_WORKERS)
		print_workers(&ss);
	else {
		print_table(ss.g, counts, total, stale, nstale);
		cli_barrier_note(&ss);
	}
	if ((mode == 0 || mode == OPT_WORKERS) && ss.store &&
	    total[CTASK_S_RUNNING]) {
		lease_walk w = {.g = ss.g, .now = ctask_now()};
		ctask_store_leases(ss.store, print_running, &w);
		if (w.shown > MAX_RUNNING_LINES)
			printf("running: ... and %zu more\n",
			       w.shown - MAX_RUNNING_LINES);
	}
	free(counts);
	free(stale);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_status = {"status",
				"show how many tasks are done, per "
				"function",
				help, run};
