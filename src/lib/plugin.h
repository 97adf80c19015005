/*
 * plugin.h - turning a task file into a loaded graph function.
 *
 * A .c file is compiled with the system compiler into a shared object and
 * cached under the store's plugins/ directory, keyed by the hash of the
 * source, the flags, the compiler and ctask.h, with a manifest of every file
 * the compiler read (plugin_deps.h); it is rebuilt when the key or one of
 * those files changes. A .so is loaded as it is. Either way the loader checks
 * the exported ctask_plugin_entry's ABI version before calling anything.
 */
#ifndef CTASK_PLUGIN_H
#define CTASK_PLUGIN_H

#include "ctask.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
	const char *cc;	       /* NULL: $CC, else "cc" */
	const char *cflags;    /* extra flags; NULL: $CTASK_CFLAGS */
	const char *ldflags;   /* NULL: $CTASK_LDFLAGS */
	const char *cache_dir; /* where compiled plugins are looked up (read
				  only; NULL: none). A new build goes to a
				  temporary directory; ctask_plugin_cache
				  moves it into a cache once the store is
				  known to be good. */
	bool verbose;	       /* print the compiler command */
} ctask_plugin_opts;

typedef struct ctask_plugin_handle ctask_plugin_handle;

/* Loads the task file at path (.c or .so). Errors, one line naming path:
 *   CTASK_ENOTFOUND  the file does not exist or cannot be read
 *   CTASK_ETASKFILE  it does not compile (the compiler's own errors have gone
 *                    to stderr), cannot be loaded, has no entry point, or
 *                    was built for another ABI version
 * The caller owns *out and closes it with ctask_plugin_close (which unloads
 * the code: close it only after the graph is freed). */
int ctask_plugin_open(const char *path, const ctask_plugin_opts *o,
		      ctask_plugin_handle **out);
void ctask_plugin_close(ctask_plugin_handle *p); /* accepts NULL */
/* Removes p's temporary build, if any, and nothing else: no memory is freed
 * and the code stays loaded. For a process about to _exit after a crash
 * (accepts NULL). */
void ctask_plugin_abandon(ctask_plugin_handle *p);

const ctask_plugin *ctask_plugin_entry_of(const ctask_plugin_handle *p);
/* The task file's source (.c) if it can be found: the file given, or for a
 * .so the __FILE__ recorded when it was built (NULL if that is gone). */
const char *ctask_plugin_source(const ctask_plugin_handle *p);
/* The optional hook exported as name (e.g. "ctask_worker_init_hook"), or
 * NULL. */
ctask_hook_fn ctask_plugin_hook(const ctask_plugin_handle *p, const char *name);
/* Copies a plugin compiled by this call into cache_dir (created if missing)
 * so the next run finds it; no-op for a .so or a plugin already cached. */
int ctask_plugin_cache(ctask_plugin_handle *p, const char *cache_dir);

/* Removes from cache_dir the plugins of the task file source (its absolute
 * path) that no run would load again: built from another version of it or
 * of a file it included (their manifests say so), or cached by a ctask that
 * kept no manifest (known by source's stem: STEM-KEY.so); and the temporary
 * copies of dead runs. Plugins of source that are current, for whatever
 * flags, and every other task file's plugins stay. dry_run only counts.
 * *n gets the number of plugins removed, *bytes their size with their
 * manifests. What cannot be removed stays, silently. */
void ctask_plugin_prune(const char *cache_dir, const char *source, bool dry_run,
			size_t *n, uint64_t *bytes);

#endif
