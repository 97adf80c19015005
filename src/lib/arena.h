/*
 * arena.h - bump allocation for values, graphs and task contexts.
 *
 * Everything allocated from an arena is freed together by ctask_arena_free
 * (or ctask_arena_reset). Allocation failure aborts with a message: ctask has
 * no sensible way to continue without memory, and it keeps the many callers
 * free of error paths that could never be tested.
 */
#ifndef CTASK_ARENA_H
#define CTASK_ARENA_H

#include <stddef.h>

typedef struct ctask_arena ctask_arena;

/* A new empty arena; the caller owns it and frees it with ctask_arena_free. */
ctask_arena *ctask_arena_new(void);
/* Frees the arena and everything allocated from it; accepts NULL. */
void ctask_arena_free(ctask_arena *a);
/* Frees everything allocated from it but keeps the first block for reuse. */
void ctask_arena_reset(ctask_arena *a);
/* n bytes, 16-byte aligned, uninitialised. */
void *ctask_arena_alloc(ctask_arena *a, size_t n);
/* n bytes, zeroed. */
void *ctask_arena_zalloc(ctask_arena *a, size_t n);
/* A copy of n bytes, plus a terminating NUL. */
char *ctask_arena_strndup(ctask_arena *a, const char *s, size_t n);
char *ctask_arena_strdup(ctask_arena *a, const char *s);
/* Bytes handed out so far (for memory measurements). */
size_t ctask_arena_used(const ctask_arena *a);

/* Like malloc/realloc, but abort with a message on failure. */
void *ctask_xmalloc(size_t n);
void *ctask_xrealloc(void *p, size_t n);
void *ctask_xcalloc(size_t n, size_t m);
char *ctask_xstrdup(const char *s);
/* Like ctask_xmalloc, for big tables touched at random (10^6 tasks): from 2
 * MiB up, whole 2 MiB pages, which the kernel is asked to back with huge
 * pages (one TLB entry instead of 512; in a VM a TLB miss costs two page
 * walks). Freed with free(). */
void *ctask_xbig(size_t n);

#endif
