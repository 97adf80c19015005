/*
 * capture.h - what tasks print: captured in the worker, per task, and sent
 * with the result; and the channel on which workers send lines for the
 * executor to print.
 *
 * In each worker, fds 1 and 2 point at one memfd (one open file, so stdout
 * and stderr keep the order they were written in). The executor makes the
 * memfd before it forks the worker and keeps it open, so that after a crash
 * or a timeout it can still read what the dead task printed. The file is
 * opened O_APPEND, so that a write always goes to its end. A task that
 * prints nothing costs two dup2()s and one fstat(): before it, fds 1 and 2
 * are pointed at the file again (an earlier task may have pointed them
 * elsewhere), and after it, the file's size says how much was written.
 * The worker reads and empties the file through an fd of its own, at a
 * high number, and only once fstat() says it is still the file. After a task
 * that printed, its output is read back, bounded (CTASK_CAPTURE_HEAD bytes from
 * the start and CTASK_CAPTURE_TAIL from the end, with a line "[... N bytes cut
 * ...]" between), and the file is emptied for the next task. A small thread in
 * the worker keeps the file small while a task runs (it punches out the middle,
 * which will not be kept) and, in live mode, forwards each whole line as it is
 * written, prefixed with its task ("NAME#I: "), to the executor's channel.
 *
 * The worker's stdout is line-buffered, as on a terminal, so the lines a
 * task printed before it crashed are kept; stderr stays unbuffered. What
 * CTASK_WORKER_INIT and CTASK_WORKER_FINI print belongs to no task: it goes
 * to the channel (prefixed with the hook's name) and the executor prints it.
 */
#ifndef CTASK_CAPTURE_H
#define CTASK_CAPTURE_H

#include "buf.h"
#include "graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CTASK_CAPTURE_HEAD 32768 /* bytes kept from the start of the output */
#define CTASK_CAPTURE_TAIL 32768 /* and from its end */

/* What a worker needs to know about its output (ctask_pool_opts.capture). */
typedef struct {
	int fd;	   /* write end of the channel to the executor; -1: none */
	bool live; /* forward each task's lines as they are printed */
	const ctask_graph *g; /* live: to name the tasks */
} ctask_capture_opts;

/* ---- The executor's side of a worker ------------------------------------- */

/* Makes the file a new worker's output will go to (before the fork; the
 * child inherits it). Returns its fd, or -1 if none can be made (the worker
 * then prints where the executor does, uncaptured). */
int ctask_capture_open(void);
/* After the worker died in a task: appends what the task had printed to
 * out (bounded, as ctask_capture_end). Then closes *fd and sets it to -1;
 * with out NULL it only closes. Accepts *fd == -1. */
void ctask_capture_salvage(int *fd, ctask_buf *out);

/* ---- Inside the worker --------------------------------------------------- */

/* Points fds 1 and 2 at fd (from ctask_capture_open; -1: capture nothing)
 * and starts the worker's output thread. Call once, in the child. */
void ctask_capture_start(int fd, const ctask_capture_opts *o);
/* Before task id runs (live mode: names its lines). */
void ctask_capture_begin(uint32_t id);
/* After the task: flushes stdio, appends what the task printed to out
 * (bounded), and empties the file. Returns the number of bytes appended. */
size_t ctask_capture_end(ctask_buf *out);
/* Sends what was printed outside any task (by the hook named who) to the
 * channel, and empties the file. */
void ctask_capture_untagged(const char *who);
/* Before the worker exits: as ctask_capture_untagged, and flushes every
 * stdio stream (a task's fopen()ed file that was never closed too). */
void ctask_capture_stop(const char *who);

/* ---- The channel, in the executor ---------------------------------------- */

typedef struct ctask_capture_channel ctask_capture_channel;
typedef struct uv_loop_s uv_loop_t;

/* Prints n bytes of whole lines (workers' output) for the executor. */
typedef void (*ctask_capture_sink)(void *ud, const char *p, size_t n);

/* Opens the channel: a pipe whose write end workers inherit, read in loop.
 * Returns NULL with an error set if it cannot be made. */
ctask_capture_channel *
ctask_capture_channel_open(uv_loop_t *loop, ctask_capture_sink sink, void *ud);
/* The write end, for ctask_capture_opts.fd. */
int ctask_capture_channel_fd(const ctask_capture_channel *ch);
/* Hands the sink whatever whole lines are in the channel now: before the
 * executor prints a failure, so that the task's lines come first. */
void ctask_capture_channel_drain(ctask_capture_channel *ch);
/* Drains (a last line without its newline too), stops reading and frees
 * the channel; call when no worker is left. Accepts NULL. */
void ctask_capture_channel_close(ctask_capture_channel *ch);

/* ---- Naming tasks -------------------------------------------------------- */

/* Prints an excerpt of a task's output to f, under its failure line: the
 * last few lines, each after "  | " (long lines shortened, control
 * characters shown as '?'), and, when lines were left out, a pointer to
 * how to see all of it: "  (N lines in all: HOW)". */
void ctask_capture_excerpt(FILE *f, const uint8_t *p, size_t n,
			   const char *how);

#endif
