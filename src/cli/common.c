#include "cli.h"

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "exec.h"
#include "fingerprint.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const cli_state_names[CTASK_S_COUNT] = {
	"waiting", "ready", "running", "done", "failed"};

int cli_lib_error(const char *cmd, int err)
{
	return cli_error(cmd, cli_exit_code(err), "%s", ctask_error_last());
}

int cli_error(const char *cmd, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "ctask%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

int cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return EXIT_OK;
	case CTASK_EUSAGE:
		return EXIT_USAGE;
	case CTASK_ETASKFILE:
	case CTASK_ENOTFOUND:
		return EXIT_TASKFILE;
	case CTASK_ESTORE:
	case CTASK_EREADONLY:
	case CTASK_EBUSY:
		return EXIT_STORE;
	default:
		return EXIT_IO;
	}
}

void cli_print_help(const cli_command *cmd, FILE *f)
{
	fputs(cmd->help, f);
}

static bool is_task_file(const char *s)
{
	size_t n = strlen(s);
	return (n > 2 && strcmp(s + n - 2, ".c") == 0) ||
	       (n > 3 && strcmp(s + n - 3, ".so") == 0);
}

enum { OPT_STORE = 1000, OPT_CFLAGS, OPT_LDFLAGS };

int cli_parse(const cli_command *cmd, int argc, char **argv,
	      const struct option *extra, const char *extra_short,
	      cli_opt_fn fn, void *ud, cli_common *c)
{
	static const struct option common[] = {
		{"store", required_argument, NULL, OPT_STORE},
		{"cflags", required_argument, NULL, OPT_CFLAGS},
		{"ldflags", required_argument, NULL, OPT_LDFLAGS},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
	};
	size_t ne = 0, nc = sizeof common / sizeof common[0];
	while (extra && extra[ne].name)
		ne++;
	struct option opts[64] = {{0}};
	memcpy(opts, common, sizeof common);
	if (ne)
		memcpy(opts + nc, extra, ne * sizeof *extra);
	char shorts[64];
	snprintf(shorts, sizeof shorts, ":vh%s",
		 extra_short ? extra_short : "");
	memset(c, 0, sizeof *c);
	c->cmd = cmd->name;
	/* Everything after `--` belongs to the task file (ctask_argv). */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			c->targv = argv + i + 1;
			c->targc = argc - i - 1;
			argc = i;
			break;
		}
	opterr = 0;
	optind = 1;
	int opt;
	while ((opt = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		int rc = 0;
		switch (opt) {
		case 'h':
			cli_print_help(cmd, stdout);
			return -1;
		case 'v':
			c->verbose = true;
			break;
		case OPT_STORE:
			if (!*optarg)
				return cli_error(cmd->name, EXIT_USAGE,
						 "--store needs a directory, "
						 "not an empty string");
			c->store = optarg;
			break;
		case OPT_CFLAGS:
			c->cflags = optarg;
			break;
		case OPT_LDFLAGS:
			c->ldflags = optarg;
			break;
		case '?':
			if (optopt)
				return cli_error(cmd->name, EXIT_USAGE,
						 "unknown option '-%c' (see "
						 "ctask help %s)",
						 optopt, cmd->name);
			return cli_error(cmd->name, EXIT_USAGE,
					 "unknown option '%s' (see ctask help "
					 "%s)",
					 argv[optind - 1], cmd->name);
		case ':':
			return cli_error(cmd->name, EXIT_USAGE,
					 "option '%s' needs an argument",
					 argv[optind - 1]);
		default:
			rc = fn ? fn(ud, opt, optarg) : EXIT_USAGE;
		}
		if (rc)
			return rc;
	}
	c->args = argv + optind;
	c->nargs = argc - optind;
	if (c->nargs > 0 && is_task_file(c->args[0])) {
		c->file = c->args[0];
		c->args++, c->nargs--;
	}
	return 0;
}

/* The default task file: ctaskfile.c, else ctaskfile.so. */
static const char *default_file(void)
{
	if (access("ctaskfile.c", F_OK) == 0)
		return "ctaskfile.c";
	if (access("ctaskfile.so", F_OK) == 0)
		return "ctaskfile.so";
	return NULL;
}

int cli_check_args(const cli_common *c, int max_names)
{
	if (c->nargs == 0)
		return 0;
	const char *a = c->args[0];
	struct stat st;
	bool on_disk = !c->file && stat(a, &st) == 0;
	/* Taken for a FILE: in FILE's place, on disk, and not a NAME (a name
	 * has no '/', and without a task file there is nothing to name). */
	bool as_file = on_disk &&
		       (max_names == 0 || strchr(a, '/') || !default_file() ||
			(max_names > 0 && c->nargs > max_names));
	if (as_file && S_ISDIR(st.st_mode))
		return cli_error(c->cmd, EXIT_TASKFILE,
				 "%s: is a directory, not a task file (.c or "
				 ".so)",
				 a);
	if (as_file)
		return cli_error(c->cmd, EXIT_TASKFILE,
				 "%s: not a task file (.c or .so)", a);
	if (max_names == 0)
		return cli_error(c->cmd, EXIT_USAGE, "unexpected argument '%s'",
				 a);
	return 0;
}

/* FILE's stem: "primes" for dir/primes.c (malloc'd). */
char *cli_file_stem(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	const char *dot = strrchr(base, '.');
	size_t stem = dot ? (size_t)(dot - base) : strlen(base);
	ctask_buf b = {0};
	ctask_buf_printf(&b, "%.*s", (int)stem, base);
	return (char *)b.p;
}

/* FILE's directory + stem + ".ctaskdata" (malloc'd). */
static char *default_store(const char *file)
{
	const char *slash = strrchr(file, '/');
	const char *base = slash ? slash + 1 : file;
	char *stem = cli_file_stem(file); /* owned here */
	ctask_buf b = {0};
	ctask_buf_printf(&b, "%.*s%s.ctaskdata", (int)(base - file), file,
			 stem);
	free(stem);
	return (char *)b.p;
}

/* Whether command cmd writes to the store. The others (status, show,
 * check, graph, ...) read a store the user may not write, such as another
 * user's results or a read-only mount; these refuse one (exit 4). */
static bool writes_store(const char *cmd)
{
	return strcmp(cmd, "execute") == 0 || strcmp(cmd, "invalidate") == 0 ||
	       strcmp(cmd, "cleanup") == 0;
}

bool cli_store_is_url(const char *where)
{
	return strncmp(where, "redis://", 8) == 0;
}

/* Makes every missing directory of path (mkdir -p); errors are left to
 * whoever then uses it. */
static void make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0777);
			*p = '/';
		}
	mkdir(path, 0777);
}

/* Where compiled plugins are kept: STORE/plugins for a store directory;
 * for a store on a server (no directory), a local cache (README, "Many
 * hosts"): $CTASK_PLUGIN_CACHE, else $XDG_CACHE_HOME/ctask/plugins, else
 * ~/.cache/ctask/plugins, made if missing. */
void cli_plugin_dir(const cli_session *ss, ctask_buf *dir)
{
	const char *env = getenv("CTASK_PLUGIN_CACHE");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	if (!cli_store_is_url(ss->store_dir))
		ctask_buf_printf(dir, "%s/plugins", ss->store_dir);
	else if (env && *env)
		ctask_buf_printf(dir, "%s", env);
	else if (xdg && *xdg)
		ctask_buf_printf(dir, "%s/ctask/plugins", xdg);
	else
		ctask_buf_printf(dir, "%s/.cache/ctask/plugins",
				 home && *home ? home : "/tmp");
	if (cli_store_is_url(ss->store_dir))
		make_dirs((char *)dir->p);
}

/* Opens the store if it exists (or create): --store, else $CTASK_STORE,
 * else FILE.ctaskdata beside the task file. */
static int open_store(cli_session *ss, bool create)
{
	const char *env = getenv("CTASK_STORE");
	if (!ss->store_dir)
		ss->store_dir = ss->c->store  ? ctask_xstrdup(ss->c->store)
				: env && *env ? ctask_xstrdup(env)
					      : default_store(ss->c->file);
	int flags = create		       ? CTASK_STORE_CREATE
		    : writes_store(ss->c->cmd) ? 0
					       : CTASK_STORE_READONLY_OK;
	int rc = ctask_store_open(ss->store_dir, flags, &ss->store);
	if (rc == CTASK_ENOTFOUND && !create)
		return 0;
	/* Whatever stops a store from opening is a store problem (exit 4),
	 * not a missing task file, unless the data is bad (exit 5). */
	if (rc < 0)
		return cli_error(ss->c->cmd,
				 rc == CTASK_EIO || rc == CTASK_ECORRUPT
					 ? cli_exit_code(rc)
					 : EXIT_STORE,
				 "%s", ctask_error_last());
	return cli_task_identity(ss);
}

/* Barriers ask the store whether a task is done, and for its value. */
static int oracle_done(void *ud, const ctask_hash *h)
{
	cli_session *ss = ud;
	ctask_record rec;
	if (!ss->store)
		return 0;
	int rc = ctask_store_get(ss->store, h, &rec, NULL);
	if (rc == CTASK_ENOTFOUND)
		return 0;
	return rc < 0 ? rc : rec.state == CTASK_REC_DONE;
}

static int oracle_value(void *ud, const ctask_hash *h, ctask_buf *out)
{
	cli_session *ss = ud;
	ctask_record rec;
	int rc = ss->store ? ctask_store_get(ss->store, h, &rec, out)
			   : CTASK_ENOTFOUND;
	if (rc == 0 && rec.state != CTASK_REC_DONE)
		rc = ctask_error_set(CTASK_ENOTFOUND, "the task failed");
	return rc;
}

static int build_graph(cli_session *ss)
{
	ss->oracle = (ctask_graph_oracle){ss, oracle_done, oracle_value};
	int rc = ctask_graph_build(ctask_plugin_entry_of(ss->plugin)->graph,
				   &ss->oracle, ss->c->targc, ss->c->targv,
				   &ss->g);
	if (rc == CTASK_ETASKFAIL) {
		/* The graph function crashed. The heap may be damaged (freeing
		 * could hang on a lock the crash left held), so leave at once:
		 * nothing of the store is in flight while a graph is built. */
		cli_error(ss->c->cmd, EXIT_TASKFILE, "%s: %s", ss->c->file,
			  ctask_error_last());
		ctask_plugin_abandon(ss->plugin);
		fflush(stdout);
		_exit(EXIT_TASKFILE);
	}
	if (rc < 0)
		return cli_error(ss->c->cmd, EXIT_TASKFILE,
				 "%s: building the graph failed: %s",
				 ss->c->file, ctask_error_last());
	/* Code fingerprints, for staleness and provenance (fingerprint.h). */
	ctask_fp_graph(ss->g, ctask_plugin_source(ss->plugin));
	return 0;
}

int cli_set_states(cli_session *ss)
{
	int err = ss->c->small ? ctask_exec_states_small(ss->g, ss->store, NULL)
			       : ctask_exec_states(ss->g, ss->store, NULL);
	if (err < 0)
		return cli_lib_error(ss->c->cmd, err);
	return 0;
}

int cli_rebuild(cli_session *ss)
{
	/* The old graph stays if the new one fails: the caller's summary
	 * still names its functions. */
	ctask_graph *old = ss->g;
	ss->g = NULL;
	int rc = build_graph(ss);
	if (rc != 0) {
		ss->g = old;
		return rc;
	}
	ctask_graph_free(old);
	return cli_set_states(ss);
}

/* Keeps a freshly compiled plugin in the store for the next run (not in
 * one opened read-only). */
static int cache_plugin(cli_session *ss)
{
	if (ctask_store_readonly(ss->store))
		return 0;
	ctask_buf dir = {0};
	cli_plugin_dir(ss, &dir);
	int rc = ctask_plugin_cache(ss->plugin, (char *)dir.p);
	ctask_buf_free(&dir);
	if (rc < 0)
		return cli_lib_error(ss->c->cmd, rc);
	return 0;
}

static int load_graph(cli_session *ss)
{
	ctask_buf cache = {0};
	ctask_plugin_opts po = {.cflags = ss->c->cflags,
				.ldflags = ss->c->ldflags,
				.verbose = ss->c->verbose};
	if (ss->store) {
		cli_plugin_dir(ss, &cache);
		po.cache_dir = (char *)cache.p;
	}
	int rc = ctask_plugin_open(ss->c->file, &po, &ss->plugin);
	ctask_buf_free(&cache);
	if (rc < 0)
		return cli_lib_error(ss->c->cmd, rc);
	if (ss->store && (rc = cache_plugin(ss)) != 0)
		return rc;
	return build_graph(ss);
}

static int open_session(cli_session *ss, cli_common *c, bool create,
			bool states)
{
	memset(ss, 0, sizeof *ss);
	ss->c = c;
	if (!c->file)
		c->file = default_file();
	if (!c->file)
		return cli_error(c->cmd, EXIT_TASKFILE,
				 "no task file given, and no ctaskfile.c or "
				 "ctaskfile.so in the current directory");
	if (access(c->file, R_OK) != 0)
		return cli_error(c->cmd, EXIT_TASKFILE, "%s: %s", c->file,
				 strerror(errno));
	/* The store is checked before anything is compiled, and created only
	 * after the task file has compiled and built its graph, so bad input
	 * never leaves a new or changed store behind. */
	int rc = open_store(ss, false);
	if (rc == 0)
		rc = cli_use_recorded(ss);
	if (rc == 0)
		rc = load_graph(ss);
	if (rc == 0 && create)
		rc = cli_create_store(ss);
	if (rc == 0 && states)
		rc = cli_set_states(ss);
	if (rc != 0)
		cli_close(ss);
	return rc;
}

int cli_open(cli_session *ss, cli_common *c, bool create)
{
	return open_session(ss, c, create, true);
}

int cli_open_graph(cli_session *ss, cli_common *c)
{
	return open_session(ss, c, false, false);
}

int cli_states_of(cli_session *ss, const uint8_t *marks)
{
	int err = ctask_exec_states_of(ss->g, ss->store, marks);
	if (err < 0)
		return cli_lib_error(ss->c->cmd, err);
	return 0;
}

int cli_create_store(cli_session *ss)
{
	if (ss->store)
		return 0;
	int rc = open_store(ss, true);
	if (rc == 0)
		rc = cache_plugin(ss);
	if (rc != 0)
		cli_close(ss);
	return rc;
}

void cli_close(cli_session *ss)
{
	ctask_graph_free(ss->g);
	ctask_plugin_close(ss->plugin); /* after the graph: it runs its code */
	ctask_store_close(ss->store);
	free(ss->store_dir);
	free(ss->ident);
	ctask_buf_free(&ss->recorded);
	free(ss->recorded_argv);
	memset(ss, 0, sizeof *ss);
}

long cli_find_name(const ctask_graph *g, const char *name)
{
	for (size_t i = 0; i < ctask_graph_nnames(g); i++)
		if (strcmp(ctask_graph_name(g, i), name) == 0)
			return (long)i;
	return -1;
}

char *cli_name_list(const ctask_graph *g)
{
	ctask_buf b = {0};
	ctask_buf_str(&b, "");
	for (size_t i = 0; i < ctask_graph_nnames(g); i++)
		ctask_buf_printf(&b, "%s%s", i ? ", " : "",
				 ctask_graph_name(g, i));
	return (char *)b.p;
}

const char *cli_bytes(uint64_t n, char buf[32])
{
	static const char *units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double v = (double)n;
	int u = 0;
	while (v >= 1024 && u < 4)
		v /= 1024, u++;
	if (u == 0)
		snprintf(buf, 32, "%llu bytes", (unsigned long long)n);
	else
		snprintf(buf, 32, "%.1f %s", v, units[u]);
	return buf;
}

void cli_barrier_note(const cli_session *ss)
{
	if (!ctask_graph_complete(ss->g))
		printf("ctask: %s stops at a barrier: the tasks after it are "
		       "not "
		       "known until the %zu tasks before it are done\n",
		       ss->c->file, ctask_graph_size(ss->g));
}

void cli_print_counts(FILE *f, const ctask_graph *g, const size_t *counts)
{
	const char *sep = "";
	for (size_t i = 0; i < ctask_graph_nnames(g); i++)
		if (counts[i]) {
			fprintf(f, "%s%s %zu", sep, ctask_graph_name(g, i),
				counts[i]);
			sep = ", ";
		}
}

long cli_remove_marked(cli_session *ss, const uint8_t *marks, bool dry_run,
		       size_t *per)
{
	const ctask_graph *g = ss->g;
	size_t n = ctask_graph_size(g), nh = 0;
	ctask_hash *hs = ctask_xmalloc((n + 1) * sizeof *hs);
	for (size_t t = 0; t < n; t++) {
		const ctask_task *task = ctask_graph_task(g, t);
		if (marks[t] && (task->state == CTASK_S_DONE ||
				 task->state == CTASK_S_FAILED))
			hs[nh++] = task->hash, per[task->name_id]++;
	}
	/* A marked task that was not done when its state was read may have
	 * been stored since, by an executor that had read its inputs: it goes
	 * too, so that no result outlives the inputs it was computed from (a
	 * later put is refused by the store: store.h, ctask_store_put). */
	size_t all = nh;
	for (size_t t = 0; nh > 0 && t < n; t++) {
		const ctask_task *task = ctask_graph_task(g, t);
		if (marks[t] && task->state != CTASK_S_DONE &&
		    task->state != CTASK_S_FAILED)
			hs[all++] = task->hash;
	}
	int err = dry_run || nh == 0
			  ? 0
			  : ctask_store_delete(ss->store, all, hs, NULL, NULL);
	free(hs);
	if (err < 0)
		return -cli_lib_error(ss->c->cmd, err);
	return (long)nh;
}
