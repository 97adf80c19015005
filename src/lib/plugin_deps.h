/*
 * plugin_deps.h - what a compiled plugin was built from, so that a cached
 * plugin is rebuilt when a header it includes changes (Ninja's depfiles).
 *
 * The compiler writes a make-style depfile (-MMD -MF); ctask_deps_write turns
 * it into a manifest beside the plugin (NAME-KEY.deps beside NAME-KEY.so): a
 * text file that names the task file, the directory it was compiled in, the
 * XXH3-128 of the plugin itself and of every file the compiler read (system
 * headers excepted: -MMD leaves them out). A cached plugin is used only while
 * ctask_deps_check finds every one of those files as it was.
 *
 * The format (one item a line; paths escape '\' and newline as \\ and \n):
 *   ctask-plugin-deps 1
 *   source PATH        the task file (absolute)
 *   cwd PATH           the directory the compiler ran in
 *   so HASH            the plugin the manifest describes
 *   dep HASH PATH      a file the compiler read (PATH as the compiler named
 *                      it); HASH is "?" when the file changed while the
 *                      compiler ran, so the next load rebuilds
 * A manifest of another version, or with any other line, is never misread:
 * the plugin is rebuilt.
 */
#ifndef CTASK_PLUGIN_DEPS_H
#define CTASK_PLUGIN_DEPS_H

#include "buf.h"

#include <stddef.h>

typedef enum {
	CTASK_DEPS_CURRENT,  /* every file is as it was: reuse the plugin */
	CTASK_DEPS_CHANGED,  /* a file changed or is gone, or the manifest is
				missing, of another version or malformed */
	CTASK_DEPS_ELSEWHERE /* it names files relative to another directory
				than the current one: they may be other files
				from here, so it cannot be reused here, but it
				may still be current there */
} ctask_deps_state;

/* What the files a build is about to read looked like just before it (so a
 * change while the compiler runs is noticed), and when it started. */
typedef struct ctask_deps_before ctask_deps_before;

/* Notes the files given (e.g. the task file and ctask.h) and those the
 * manifest old lists (old may be NULL or missing), then the time. Call it
 * right before starting the compiler. The caller frees the result with
 * ctask_deps_before_free (which accepts NULL). */
ctask_deps_before *ctask_deps_before_build(const char *old,
					   const char *const *files, size_t n);
void ctask_deps_before_free(ctask_deps_before *b);

/* Writes the manifest of the plugin so, compiled from source (absolute)
 * with the depfile the compiler wrote, to manifest. A file the depfile lists
 * that is not as noted in *b (or, when not noted, was modified after the
 * build started) gets the hash "?". Returns 0 or a negative CTASK_E* code
 * with a message (a missing or unreadable depfile is CTASK_EIO). */
int ctask_deps_write(const char *manifest, const char *so, const char *source,
		     const char *depfile, const ctask_deps_before *b);

/* Checks the manifest of the plugin so against the files it lists. If
 * source is not NULL, *source gets the task file the manifest names
 * (malloc'd, the caller frees it; NULL if the manifest names none). Reads
 * the plugin and the files listed, nothing else. */
ctask_deps_state ctask_deps_check(const char *manifest, const char *so,
				  char **source);

/* Parses a make-style depfile (n bytes of text): appends each prerequisite
 * path to paths with its NUL and returns how many, or -1 (appending
 * nothing) if the text has no rule ("target: ...") or holds a NUL byte,
 * which no path can. Handles line continuations and the escapes GCC and
 * Clang write (\ and # after a backslash, $$). */
long ctask_deps_parse(const char *text, size_t n, ctask_buf *paths);

#endif
