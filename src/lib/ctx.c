#include "ctx.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>

/* The context of the task running on this thread. Value accessors have no
 * context argument (they take only a value), so this is how a wrong-type
 * access finds the task to fail. */
static _Thread_local ctask_ctx *current;

ctask_ctx *ctask_ctx_current(void)
{
	return current;
}
void ctask_ctx_set_current(ctask_ctx *cx)
{
	current = cx;
}

int ctask_ctx_run(ctask_ctx *cx, ctask_fn fn, const ctask_args *a,
		  ctask_value **out)
{
	jmp_buf escape;
	ctask_ctx *saved = current;
	/* volatile: read after longjmp. */
	volatile int rc = 0;
	cx->message = NULL;
	cx->escape = &escape;
	current = cx;
	if (setjmp(escape) == 0) {
		ctask_value *v = fn(cx, a);
		if (!v)
			ctask_ctx_failf(cx,
					"%s: returned NULL without "
					"ctask_fail",
					cx->name);
		*out = v;
	} else {
		rc = CTASK_ETASKFAIL;
	}
	current = saved;
	cx->escape = NULL;
	return rc;
}

_Noreturn void ctask_ctx_failv(ctask_ctx *cx, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (!cx || !cx->escape) {
		fprintf(stderr, "ctask: %s\n", msg);
		abort();
	}
	cx->message = ctask_arena_strdup(cx->arena, msg);
	longjmp(*cx->escape, 1);
}

_Noreturn void ctask_ctx_failf(ctask_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctask_ctx_failv(cx, fmt, ap);
}

ctask_value *ctask_fail(ctask_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctask_ctx_failv(cx ? cx : current, fmt, ap);
}

void *ctask_alloc(ctask_ctx *cx, size_t n)
{
	return ctask_arena_alloc(cx->arena, n);
}

const char *ctask_ctx_name(const ctask_ctx *cx)
{
	return cx->name;
}
