/*
 * ctask cleanup - delete stored results that no task of the graph has.
 */
#include "cli.h"

#include "arena.h"
#include "buf.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>

static const char help[] =
	"usage: ctask cleanup [FILE] [OPTIONS]\n\n"
	"Removes the results (and their object files) that belong to no task "
	"of\nFILE's current graph, e.g. after a parameter changed. Leases and "
	"work in\nprogress are never touched. If the graph stops at a barrier "
	"that "
	"cannot be\npassed yet, nothing is removed: results of tasks beyond it "
	"cannot be told\nfrom orphans. It also removes FILE's compiled "
	"plugins that no run would load\nagain (built from an older FILE or "
	"header, or by an older ctask).\n\n"
	"Options:\n"
	"  -n, --dry-run    only report what would be removed\n" CLI_COMMON_HELP
	"\nExit status: 0, 2 usage, 3 task file, 4 store, 5 I/O error.\n";

typedef struct {
	const ctask_graph *g;
	ctask_hash *hs; /* malloc'd */
	size_t n, cap;
	uint64_t bytes;
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
	}
	o->hs[o->n++] = r->hash;
	o->bytes += r->size;
	return 0;
}

/* Removes the task file's compiled plugins that no run would load again
 * (ctask_plugin_prune), and says so if there were any. */
static void prune_plugins(const cli_session *ss, bool dry_run)
{
	const char *src = ctask_plugin_source(ss->plugin);
	if (!ss->store || !src)
		return;
	ctask_buf dir = {0};
	ctask_buf_printf(&dir, "%s/plugins", ss->store_dir);
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
	(void)arg;
	if (opt != 'n')
		return EXIT_USAGE;
	*(bool *)ud = true;
	return 0;
}

static int run(int argc, char **argv)
{
	bool dry_run = false;
	static const struct option opts[] = {
		{"dry-run", no_argument, NULL, 'n'},
		{0},
	};
	cli_common c;
	int rc = cli_parse(&cmd_cleanup, argc, argv, opts, "n", on_opt,
			   &dry_run, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if (c.nargs > 0)
		return cli_error("cleanup", EXIT_USAGE,
				 "unexpected argument '%s'", c.args[0]);
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
	if (err == 0 && !dry_run && o.n)
		err = ctask_store_delete(ss.store, o.n, o.hs, NULL, NULL);
	if (err < 0) {
		rc = cli_lib_error("cleanup", err);
	} else {
		char b[32];
		printf("ctask: %s %zu result%s (%s)\n",
		       dry_run ? "would remove" : "removed", o.n,
		       o.n == 1 ? "" : "s", cli_bytes(o.bytes, b));
		prune_plugins(&ss, dry_run);
	}
	free(o.hs);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_cleanup = {"cleanup",
				 "delete results no task of the "
				 "graph has",
				 help, run};
