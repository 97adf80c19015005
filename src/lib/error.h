/*
 * error.h - ctask's error codes and the per-thread last error message.
 *
 * Functions return 0 or a negative CTASK_E* code and, on error, leave a
 * one-line message for ctask_error_last(). The CLI turns the code into an
 * exit status (see README.md, "Exit codes").
 */
#ifndef CTASK_ERROR_H
#define CTASK_ERROR_H

#include "ctask.h"

/* X(name, value, description) - the one list of error codes. */
#define CTASK_ERRORS(X)                                                        \
	X(OK, 0, "success")                                                    \
	X(NOMEM, -1, "out of memory")                                          \
	X(IO, -2, "I/O error")                                                 \
	X(USAGE, -3, "bad usage")                                              \
	X(TASKFILE, -4, "bad task file")                                       \
	X(STORE, -5, "bad store")                                              \
	X(READONLY, -6, "store not writable")                                  \
	X(CORRUPT, -7, "corrupt data")                                         \
	X(NOTFOUND, -8, "not found")                                           \
	X(TASKFAIL, -9, "task failed")                                         \
	X(INVALID, -10, "invalid value")                                       \
	X(BUSY, -11, "store busy")

enum {
#define CTASK__ERRENUM(name, value, desc) CTASK_E##name = value,
	CTASK_ERRORS(CTASK__ERRENUM)
#undef CTASK__ERRENUM
};

/* Sets the last error message (printf-style) and returns code. */
int ctask_error_set(int code, const char *fmt, ...) CTASK__PRINTF(2, 3);
/* The message of the last error on this thread ("" if none). */
CTASK_EXTERN const char *ctask_error_last(void);
/* The short description of a code ("bad store"). */
CTASK_EXTERN const char *ctask_strerror(int code);

#endif
