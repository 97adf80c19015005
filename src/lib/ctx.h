/*
 * ctx.h - the context a task function (or the graph function) runs in.
 *
 * A context owns an arena: every value made through it and all ctask_alloc
 * memory are freed when the context is reset. Failures (ctask_fail, a wrong
 * accessor type) longjmp back to the ctask_ctx_run caller, so a failing task
 * stops at once and never sees a made-up value.
 */
#ifndef CTASK_CTX_H
#define CTASK_CTX_H

#include "arena.h"
#include "ctask.h"

#include <setjmp.h>
#include <stdarg.h>

struct ctask_ctx {
	ctask_arena *arena; /* owned by whoever set up the context */
	const char *name;   /* function name for messages */
	char *message;	    /* failure message (arena), NULL if none */
	jmp_buf *escape;    /* where failures jump; NULL: print and abort */
	void *user;	    /* for the code that set up the context */
	ctask_fn inner[2];  /* map/reduce tasks: the user's functions */
};

/* Runs fn(cx, a) with failures caught. Returns 0 and sets *out, or
 * CTASK_ETASKFAIL with cx->message set. The result (and the message) live in
 * cx->arena. Sets the thread's current context for the duration, so value
 * accessors can fail the task. */
int ctask_ctx_run(ctask_ctx *cx, ctask_fn fn, const ctask_args *a,
		  ctask_value **out);

/* The context of the task running on this thread, or NULL. */
ctask_ctx *ctask_ctx_current(void);
void ctask_ctx_set_current(ctask_ctx *cx);

/* Fails the current context with a message: longjmps to its escape, or, with
 * no context or escape, prints the message and aborts. Never returns. */
_Noreturn void ctask_ctx_failv(ctask_ctx *cx, const char *fmt, va_list ap);
_Noreturn void ctask_ctx_failf(ctask_ctx *cx, const char *fmt, ...)
	CTASK__PRINTF(2, 3);

#endif
