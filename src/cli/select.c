/*
 * select.c - which tasks a command-line spec names: NAME, NAME#I, a hash or
 * a unique prefix of one (show, execute --target). See README.md, "ctask
 * show".
 */
#include "cli.h"

#include "arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True if s is 1 to 32 hex digits: a hash, or maybe a prefix of one. */
static bool all_hex(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 2 * sizeof(ctask_hash))
		return false;
	for (size_t i = 0; i < n; i++)
		if (ctask_hex_digit(s[i]) < 0)
			return false;
	return true;
}

/* True if h's hex spelling starts with the hex digits of p. */
static bool has_prefix(const ctask_hash *h, const char *p)
{
	for (size_t i = 0; p[i]; i++) {
		int nib = i % 2 ? h->b[i / 2] & 0xf : h->b[i / 2] >> 4;
		if (nib != ctask_hex_digit(p[i]))
			return false;
	}
	return true;
}

/* What a message calls the spec: "X" or "--target X". */
typedef struct {
	const cli_session *ss;
	const char *opt;
	const char *spec;
} spec_ctx;

#define SPEC_FMT "%s%s%s"
#define SPEC_ARGS(sc)                                                          \
	(sc)->opt ? (sc)->opt : "", (sc)->opt ? " " : "", (sc)->spec

/* A hash, or a prefix of at least CLI_HASH_PREFIX_MIN digits. */
static int by_hash(const spec_ctx *sc, const ctask_task **out, size_t *n)
{
	const ctask_graph *g = sc->ss->g;
	const char *file = sc->ss->c->file, *cmd = sc->ss->c->cmd;
	size_t nt = ctask_graph_size(g), len = strlen(sc->spec), found = 0;
	for (size_t t = 0; t < nt; t++) {
		const ctask_task *task = ctask_graph_task(g, t);
		if (has_prefix(&task->hash, sc->spec) && found++ == 0)
			out[0] = task;
	}
	if (found == 1) {
		*n = 1;
		return 0;
	}
	if (found > 1)
		return cli_error(cmd, EXIT_USAGE,
				 SPEC_FMT ": ambiguous hash prefix: the hashes "
					  "of %zu tasks start with it (give "
					  "more digits)",
				 SPEC_ARGS(sc), found);
	if (len == 2 * sizeof(ctask_hash))
		return cli_error(cmd, EXIT_USAGE,
				 SPEC_FMT ": no task of %s has this hash",
				 SPEC_ARGS(sc), file);
	return cli_error(cmd, EXIT_USAGE,
			 SPEC_FMT ": no task of %s has a hash that starts "
				  "with these digits",
			 SPEC_ARGS(sc), file);
}

/* "no function of that name", with the names there are. */
static int no_name(const spec_ctx *sc, const char *name)
{
	if (!*name) /* "#3" */
		name = sc->spec;
	char *names = cli_name_list(sc->ss->g);
	bool short_hex = all_hex(name) && strlen(name) < CLI_HASH_PREFIX_MIN;
	int rc = cli_error(sc->ss->c->cmd, EXIT_USAGE,
			   "%s%s%s: no function of that name in %s (it has: "
			   "%s)%s",
			   sc->opt ? sc->opt : "", sc->opt ? " " : "", name,
			   sc->ss->c->file, names,
			   short_hex ? "; as a hash prefix it is too short "
				       "(at least 4 digits)"
				     : "");
	free(names);
	return rc;
}

/* NAME (want < 0: all its tasks) or NAME#want. */
static int by_name(const spec_ctx *sc, const char *name, long want,
		   const ctask_task **out, size_t *n)
{
	const ctask_graph *g = sc->ss->g;
	long id = cli_find_name(g, name);
	if (id < 0)
		return no_name(sc, name);
	size_t count = 0;
	for (size_t t = 0; t < ctask_graph_size(g); t++) {
		const ctask_task *task = ctask_graph_task(g, t);
		if (task->name_id != (uint32_t)id)
			continue;
		/* NAME#I: I is the task's index (graph.h), one definition */
		if (want < 0 || ctask_task_index(task) == (uint64_t)want)
			out[(*n)++] = task;
		count++;
	}
	if (*n == 0)
		return cli_error(sc->ss->c->cmd, EXIT_USAGE,
				 SPEC_FMT ": %s has only %zu task%s (#0 to "
					  "#%zu)",
				 SPEC_ARGS(sc), name, count,
				 count == 1 ? "" : "s", count - 1);
	return 0;
}

int cli_select(const cli_session *ss, const char *opt, const char *spec,
	       const ctask_task ***out, size_t *n)
{
	spec_ctx sc = {ss, opt, spec};
	size_t nt = ctask_graph_size(ss->g);
	*out = ctask_xmalloc((nt + 1) * sizeof **out);
	*n = 0;
	const char *hash_sign = strchr(spec, '#');
	int rc;
	if (hash_sign) {
		char *name = ctask_xstrdup(spec); /* freed below */
		name[hash_sign - spec] = '\0';
		char *end;
		long want = strtol(hash_sign + 1, &end, 10);
		if (*end || end == hash_sign + 1 || want < 0 ||
		    hash_sign[1] == '-' || hash_sign[1] == '+')
			rc = cli_error(ss->c->cmd, EXIT_USAGE,
				       SPEC_FMT ": expected NAME#INDEX, e.g. "
						"sum#0",
				       SPEC_ARGS(&sc));
		else
			rc = by_name(&sc, name, want, *out, n);
		free(name);
	} else if (cli_find_name(ss->g, spec) >= 0 || !all_hex(spec) ||
		   strlen(spec) < CLI_HASH_PREFIX_MIN) {
		rc = by_name(&sc, spec, -1, *out, n);
	} else {
		rc = by_hash(&sc, *out, n);
	}
	if (rc != 0) {
		free(*out);
		*out = NULL, *n = 0;
	}
	return rc;
}
