/*
 * provenance.h - where a task file's code stands in git (libgit2): the
 * commit a result was computed with, whether there were uncommitted changes,
 * and the task file's fingerprints at an older revision.
 */
#ifndef CTASK_PROVENANCE_H
#define CTASK_PROVENANCE_H

#include "graph.h"

#include <stdbool.h>
#include <stdint.h>

#define CTASK_GIT_HEX 41 /* 40 hex digits and a NUL */

typedef struct {
	bool repo;		    /* the file is in a git work tree */
	char commit[CTASK_GIT_HEX]; /* HEAD; 40 zeros before the first commit */
	int dirty; /* 1: uncommitted changes, 0: none, -1: unknown */
} ctask_git_state;

/* Starts libgit2's initialisation (slow: it loads the CA certificates) on
 * a thread, to overlap other work; the functions below wait for it.
 * ctask_git_settle waits for it too: call it before fork(). The caller
 * ends it with ctask_git_cool_down before exiting. */
void ctask_git_warm_up(void);
void ctask_git_settle(void);
void ctask_git_cool_down(void);

/* Fills *st for the git repository holding file (found as git does, from
 * the file's directory upwards, stopping at $GIT_CEILING_DIRECTORIES).
 * dirty is 1 when a tracked file differs from HEAD (in the work tree or the
 * index), as `git describe --dirty` says, or when file itself is not
 * tracked (HEAD does not hold the code); untracked files (such as the store
 * next to the task file) do not count. Not being in a repository, or one
 * that cannot be read, is not an error: st->repo is false. */
void ctask_git_state_of(const char *file, ctask_git_state *st);

/* Sets changed[name_id] = 1 for each function of g whose fingerprint in
 * source (the task file, .c) at git revision rev differs from its current
 * one in g, or which source did not define at rev. Functions whose current
 * fingerprint is unknown are left alone. Quoted includes are read at rev
 * too. Errors (CTASK_EUSAGE, message names what): source is not in a
 * repository, rev is not a revision of it, or source did not exist at rev;
 * CTASK_EIO for a repository that cannot be read. */
int ctask_git_changed_since(const ctask_graph *g, const char *source,
			    const char *rev, uint8_t *changed);

#endif
