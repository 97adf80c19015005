/*
 * buf.h - a growable byte buffer. The buffer owns p (malloc'd); free it with
 * ctask_buf_free. A zeroed ctask_buf is an empty buffer.
 */
#ifndef CTASK_BUF_H
#define CTASK_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	uint8_t *p;
	size_t len, cap;
} ctask_buf;

void ctask_buf_free(ctask_buf *b);
/* Makes room for n more bytes and returns where they go (len unchanged). */
uint8_t *ctask_buf_reserve(ctask_buf *b, size_t n);
void ctask_buf_append(ctask_buf *b, const void *p, size_t n);
void ctask_buf_byte(ctask_buf *b, uint8_t c);
/* Appends an unsigned LEB128 varint. */
void ctask_buf_uvarint(ctask_buf *b, uint64_t v);
/* Appends a NUL-terminated string without its NUL. */
void ctask_buf_str(ctask_buf *b, const char *s);
/* Appends printf output (no NUL kept in len; p stays NUL-terminated). */
void ctask_buf_printf(ctask_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
