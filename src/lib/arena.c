/*
 * arena.c - a chunked bump allocator.
 *
 * Small allocations are carved from the current chunk; when it is full a new
 * chunk is started. Allocations larger than a quarter of a chunk get a chunk
 * of their own, so that one big array does not waste the rest of a chunk and
 * a run of them does not strand free space. All chunks are kept in one list
 * and freed together. Chunks grow (twice the last, up to CHUNK_MAX), so a
 * graph of 10^6 tasks lives in a few dozen chunks backed by huge pages
 * (ctask_xbig).
 */
#include "arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define ALIGN 16
#define CHUNK_SIZE (32 * 1024)
#define CHUNK_MAX (4u << 20)
#define LARGE (CHUNK_SIZE / 4)
#define HUGE_PAGE ((size_t)2 << 20)

struct chunk {
	struct chunk *next;
	size_t size; /* usable bytes after the header */
	size_t used;
};

/* The header rounded up so that chunk data starts 16-byte aligned. */
#define HDR ((sizeof(struct chunk) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

struct ctask_arena {
	struct chunk *cur;   /* chunk small allocations come from */
	struct chunk *first; /* the first chunk, kept by reset */
	struct chunk *big;   /* chunks of single large allocations */
	struct chunk *full;  /* earlier small chunks */
	size_t next;	     /* the size of the next small chunk */
	size_t used;
};

static _Noreturn void oom(void)
{
	fputs("ctask: out of memory\n", stderr);
	abort();
}

void *ctask_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *ctask_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom();
	return q;
}

void *ctask_xcalloc(size_t n, size_t m)
{
	void *p = calloc(n ? n : 1, m ? m : 1);
	if (!p)
		oom();
	return p;
}

void *ctask_xbig(size_t n)
{
	if (n < HUGE_PAGE)
		return ctask_xmalloc(n);
	if (n > SIZE_MAX - HUGE_PAGE)
		oom();
	n = (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	void *p = aligned_alloc(HUGE_PAGE, n);
	if (!p)
		oom();
#ifdef MADV_HUGEPAGE
	madvise(p, n, MADV_HUGEPAGE); /* advice: failing is harmless */
#endif
	return p;
}

char *ctask_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(ctask_xmalloc(n), s, n);
}

/* A new chunk with at least size usable bytes; aborts when out of memory.
 * aligned_alloc, not malloc: malloc only promises alignof(max_align_t), which
 * is 8 on some 32-bit targets. */
static struct chunk *chunk_new(size_t size)
{
	size = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (size > SIZE_MAX - HDR)
		oom();
	struct chunk *c = HDR + size >= HUGE_PAGE
				  ? ctask_xbig(HDR + size)
				  : aligned_alloc(ALIGN, HDR + size);
	if (!c)
		oom();
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

static void chunks_free(struct chunk *c)
{
	while (c) {
		struct chunk *next = c->next;
		free(c);
		c = next;
	}
}

ctask_arena *ctask_arena_new(void)
{
	ctask_arena *a = ctask_xcalloc(1, sizeof *a);
	a->first = a->cur = chunk_new(CHUNK_SIZE);
	a->next = 2 * CHUNK_SIZE;
	return a;
}

void ctask_arena_free(ctask_arena *a)
{
	if (!a)
		return;
	ctask_arena_reset(a);
	free(a->first);
	free(a);
}

void ctask_arena_reset(ctask_arena *a)
{
	if (!a)
		return;
	chunks_free(a->big);
	chunks_free(a->full);
	if (a->cur != a->first)
		free(a->cur);
	a->big = a->full = NULL;
	a->cur = a->first;
	a->first->used = 0;
	a->next = 2 * CHUNK_SIZE;
	a->used = 0;
}

/* n bytes, 16-byte aligned. Never returns NULL (aborts instead); n == 0
 * gives a valid pointer that must not be dereferenced. */
void *ctask_arena_alloc(ctask_arena *a, size_t n)
{
	if (n > SIZE_MAX - ALIGN)
		oom();
	size_t need = (n + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	struct chunk *c = a->cur;
	if (need > LARGE) {
		c = chunk_new(need);
		c->next = a->big;
		a->big = c;
	} else if (c->size - c->used < need) {
		if (c != a->first) {
			c->next = a->full;
			a->full = c;
		}
		/* HDR + size a power of two: a 4 MiB chunk is two huge
		 * pages, not three. */
		c = a->cur = chunk_new(a->next - HDR);
		if (a->next < CHUNK_MAX)
			a->next *= 2;
	}
	void *p = (char *)c + HDR + c->used;
	c->used += need;
	a->used += n;
	return p;
}

void *ctask_arena_zalloc(ctask_arena *a, size_t n)
{
	return memset(ctask_arena_alloc(a, n), 0, n);
}

char *ctask_arena_strndup(ctask_arena *a, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		oom();
	char *p = ctask_arena_alloc(a, n + 1);
	if (n)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *ctask_arena_strdup(ctask_arena *a, const char *s)
{
	return ctask_arena_strndup(a, s, strlen(s));
}

size_t ctask_arena_used(const ctask_arena *a)
{
	return a ? a->used : 0;
}
