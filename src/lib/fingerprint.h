/*
 * fingerprint.h - code fingerprints of task functions (README.md, "Code
 * changes: fingerprints and staleness").
 *
 * A task file's source is cut into C tokens (comments, whitespace and line
 * continuations do not count) and into its top-level definitions: functions,
 * #define macros and file-level declarations (variables, types, enum
 * constants, prototypes). Files it includes with quotes ("x.h", resolved
 * relative to the including file) are read as part of the same source.
 *
 * A function's fingerprint is XXH3-128 over the token hashes of its own
 * definition and of every definition it refers to by name, transitively
 * (the set, so the order of definitions in the file does not matter).
 * Code outside the source (libraries, <headers>) is not seen.
 */
#ifndef CTASK_FINGERPRINT_H
#define CTASK_FINGERPRINT_H

#include "buf.h"
#include "graph.h"
#include "hash.h"

#include <stdbool.h>

typedef struct ctask_fp_source ctask_fp_source;

/* Reads the file named path (as ctask_fp_parse names it) into out (which
 * is empty on entry). Returns 0, or CTASK_ENOTFOUND if there is no such
 * file, or another CTASK_E* code (with a message) for a read error. */
typedef int (*ctask_fp_read_fn)(void *ud, const char *path, ctask_buf *out);

/* Reads path with rd (and the files it includes with quotes: their names
 * are made by joining the including file's directory and the name, with
 * "." and ".." resolved lexically) and finds its definitions. A quoted
 * include that rd cannot find is skipped: the compiler found it elsewhere
 * (-I), so it is code the fingerprint cannot see. The caller frees *out
 * with ctask_fp_free. Returns 0, or rd's error for path itself. */
int ctask_fp_parse(const char *path, ctask_fp_read_fn rd, void *ud,
		   ctask_fp_source **out);
/* ctask_fp_parse with a reader for files on disk. */
int ctask_fp_parse_file(const char *path, ctask_fp_source **out);
void ctask_fp_free(ctask_fp_source *s); /* accepts NULL */

/* The fingerprint of the function (or macro, or variable) called name in
 * *out; false if s defines nothing of that name. */
bool ctask_fp_of(const ctask_fp_source *s, const char *name, ctask_hash *out);

/* Sets the fingerprint of every function of g from the source at path
 * (NULL, unreadable, or a function it does not define: unknown). The
 * chunk tasks of ctask_map and ctask_mapreduce ("map:FN", "reduce:R",
 * "mapreduce:R:M") get a hash of the fingerprints of the functions they
 * run. */
void ctask_fp_graph(ctask_graph *g, const char *path);

#endif
