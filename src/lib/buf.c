/*
 * buf.c - a growable byte buffer. Capacity doubles, so appending n bytes one
 * at a time costs O(n) in total.
 */
#include "buf.h"

#include "arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctask_buf_free(ctask_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Room for n more bytes plus one, so that printf can always NUL-terminate. */
uint8_t *ctask_buf_reserve(ctask_buf *b, size_t n)
{
	if (n >= SIZE_MAX - b->len) {
		fputs("ctask: out of memory\n", stderr);
		abort();
	}
	size_t need = b->len + n + 1;
	if (need > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		b->p = ctask_xrealloc(b->p, cap);
		b->cap = cap;
	}
	return b->p + b->len;
}

void ctask_buf_append(ctask_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	memcpy(ctask_buf_reserve(b, n), p, n);
	b->len += n;
}

void ctask_buf_byte(ctask_buf *b, uint8_t c)
{
	*ctask_buf_reserve(b, 1) = c;
	b->len++;
}

void ctask_buf_uvarint(ctask_buf *b, uint64_t v)
{
	uint8_t *p = ctask_buf_reserve(b, 10);
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	b->len += n;
}

void ctask_buf_str(ctask_buf *b, const char *s)
{
	ctask_buf_append(b, s, strlen(s));
}

/* Formats into the spare capacity; if it did not fit, grows to the exact
 * size vsnprintf reported and formats again. */
void ctask_buf_printf(ctask_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *dst = (char *)ctask_buf_reserve(b, 0);
	size_t room = b->cap - b->len;
	va_start(ap, fmt);
	int n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n < 0) { /* only on an invalid format: keep the buffer as is */
		*dst = '\0';
		return;
	}
	if ((size_t)n >= room) {
		dst = (char *)ctask_buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(dst, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}
