/*
 * sys.h - thin wrappers over the operating system that several modules
 * need: whole reads and writes that survive EINTR and short transfers,
 * reading a whole file, the
 * wall and monotonic clocks, and the host name.
 */
#ifndef CTASK_SYS_H
#define CTASK_SYS_H

#include "buf.h"

#include <stddef.h>

/* Reads exactly n bytes. Returns 0, or -1 at end of file or on an error
 * (errno set; 0 at end of file). */
int ctask_read_all(int fd, void *p, size_t n);
/* Writes all n bytes. Returns 0 or -1 (errno set). */
int ctask_write_all(int fd, const void *p, size_t n);
/* Appends the whole file at path to b. Returns 0 or -errno. */
int ctask_read_file(const char *path, ctask_buf *b);

/* Seconds since the epoch, and a monotonic clock for durations. */
double ctask_now(void);
double ctask_monotonic(void);
/* This host's name (static storage). */
const char *ctask_hostname(void);

#endif
