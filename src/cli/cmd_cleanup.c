/*
 * ctask cleanup - delete stored results that no task of the graph has.
 */
#include "cli.h"

#include "arena.h"
#include "buf.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
	"usage: ctask cleanup [FILE] [OPTIONS] [-- ARGS]\n\n"
	"Removes the results (and their object files) that belong to no task "
	"of\nFILE's current graph, e.g. after a parameter changed. Leases and "
	"work in\nprogress are never touched. If the graph stops at a barrier "
	"that "
	"cannot be\npassed yet, nothing is removed: results of tasks beyond it "
	"cannot be told\nfrom orphans. It also removes FILE's compiled "
	"plugins that no run would load\nagain (built from an older FILE or "
	"header, or by an older ctask).\n\n"
	"Only results that FILE's graph made are removed: another task file's\n"
	"results in the same store stay, and so do results stored before "
	"ctask\n"
	"recorded their task file (see --all-files). Without --cflags,\n"
	"--ldflags and -- ARGS, the graph is built with what the last execute\n"
	"of FILE was given.\n\n"
	"Options:\n"
	"  -n, --dry-run    only report what would be removed\n"
	"  --all-files      also remove the orphans of other task files, and\n"
	"                   those whose task file is unknown\n" CLI_COMMON_HELP
	"\nExit status: 0, 2 usage, 3 task file, 4 store, 5 I/O error.\n";

typedef struct {
	const ctask_graph *g;
	ctask_hash *hs;	 /* malloc'd */
	uint64_t *sizes; /* malloc'd, hs's sizes */
	size_t n, cap;
	uint64_t bytes;
	size_t others, unknown; /* kept: another task file's, or unknown */
} orphans;

static int collect(void *ud, const ctask_record *r)
{
	orphans *o = ud;
	/* A lease is work in progress, never an orphan. */
	if (r->state == CTASK_REC_RUNNING || ctask_graph_find(o->g, &r->hash))
		return 0;
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 256;
		o->hs = ctask_xrealloc(o->hs, o->cap * sizeof *o->hs);
		o->sizes = ctask_xrealloc(o->sizes, o->cap * sizeof *o->sizes);
	}
	o->sizes[o->n] = r->size;
	o->hs[o->n++] = r->hash;
	return 0;
}

/* Keeps, of the orphans, those whose task file is ident (all with
 * all_files; those of unknown task file too with unknown_mine), and counts
 * the others. One lookup per orphan: the scan
 * reads only what states are made of, and orphans are few. */
static int keep_own(ctask_store *s, orphans *o, const char *ident,
		    bool all_files, bool unknown_mine)
{
	size_t kept = 0;
	for (size_t i = 0; i < o->n; i++) {
		ctask_record rec;
		int err = ctask_store_get(s, &o->hs[i], &rec, NULL);
		if (err == CTASK_ENOTFOUND) /* removed meanwhile */
			continue;
		if (err < 0)
			return err;
		if (!all_files && !rec.task_file && !unknown_mine) {
			o->unknown++;
			continue;
		}
		if (!all_files && rec.task_file &&
		    strcmp(rec.task_file, ident) != 0) {
			o->others++;
			continue;
		}
		o->bytes += o->sizes[i];
		o->hs[kept++] = o->hs[i];
	}
	o->n = kept;
	return 0;
}

/* Says which orphans cleanup left alone, and why. */
static void say_kept(const orphans *o)
{
	if (o->others)
		printf("ctask: kept %zu result%s that other task files' "
		       "graphs made (--all-files removes them)\n",
		       o->others, o->others == 1 ? "" : "s");
	if (o->unknown)
		printf("ctask: kept %zu result%s stored before ctask recorded "
		       "which task file made a result (--all-files removes "
		       "them)\n",
		       o->unknown, o->unknown == 1 ? "" : "s");
}

enum { OPT_ALL_FILES = 1 };

typedef struct {
	bool dry_run, all_files;
} cleanup_args;

/* Removes the task file's compiled plugins that no run would load again
 * (ctask_plugin_prune), and says so if there were any. */
static void prune_plugins(const cli_session *ss, bool dry_run)
{
	const char *src = ctask_plugin_source(ss->plugin);
	if (!ss->store || !src)
		return;
	ctask_buf dir = {0};
	cli_plugin_dir(ss, &dir);
	size_t n;
	uint64_t bytes;
	ctask_plugin_prune((char *)dir.p, src, dry_run, &n, &bytes);
	ctask_buf_free(&dir);
	char b[32];
	if (n)
		printf("ctask: %s %zu old compiled plugin%s (%s)\n",
		       dry_run ? "would remove" : "removed", n,
		       n == 1 ? "" : "s", cli_bytes(bytes, b));
}

static int on_opt(void *ud, int opt, const char *arg)
{
	cleanup_args *a = ud;
	(void)arg;
	if (opt == 'n')
		a->dry_run = true;
	else if (opt == OPT_ALL_FILES)
		a->all_files = true;
	else
		return EXIT_USAGE;
	return 0;
}

static int run(int argc, char **argv)
{
	cleanup_args a = {0};
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{"all-files", no_argument, NULL, OPT_ALL_FILES},
		{0},
	};
	cli_common c;
	int rc = cli_parse(&cmd_cleanup, argc, argv, opts, "n", on_opt, &a, &c);
	bool dry_run = a.dry_run;
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 0)) != 0)
		return rc;
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	if (!ctask_graph_complete(ss.g)) {
		/* jug deletes these, and its users lose work. */
		printf("ctask: %s stops at a barrier that cannot be passed yet "
		       "(tasks before it are not done); results of tasks "
		       "beyond "
		       "it cannot be told from orphans, so cleanup removes "
		       "nothing (run execute first)\n",
		       c.file);
		cli_close(&ss);
		return EXIT_OK;
	}
	orphans o = {.g = ss.g};
	int err = ss.store ? ctask_store_scan(ss.store, collect, &o) : 0;
	bool unknown_mine = false;
	if (ss.store && (rc = cli_unknown_is_mine(&ss, &unknown_mine)) != 0) {
		cli_close(&ss);
		return rc;
	}
	if (err == 0 && o.n)
		err = keep_own(ss.store, &o, ss.ident, a.all_files,
			       unknown_mine);
	if (err == 0 && !dry_run && o.n)
		err = ctask_store_delete(ss.store, o.n, o.hs, NULL, NULL);
	if (err < 0) {
		rc = cli_lib_error("cleanup", err);
	} else {
		char b[32];
		printf("ctask: %s %zu result%s (%s)\n",
		       dry_run ? "would remove" : "removed", o.n,
		       o.n == 1 ? "" : "s", cli_bytes(o.bytes, b));
		say_kept(&o);
		prune_plugins(&ss, dry_run);
	}
	free(o.hs);
	free(o.sizes);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_cleanup = {"cleanup",
				 "delete results no task of the "
				 "graph has",
				 help, run};
