#include "ctx.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The message fmt formats, in a: whole up to CTASK_MESSAGE_MAX bytes, else
 * cut there, back to the start of a UTF-8 character, with a mark saying how
 * much was cut, so that a reader knows it is not the whole message. */
static char *format_message(ctask_arena *a, const char *fmt, va_list ap)
{
	char small[1024], *full = small; /* full: malloc'd if not small */
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	if (n >= (int)sizeof small) {
		full = ctask_xmalloc((size_t)n + 1);
		vsnprintf(full, (size_t)n + 1, fmt, again);
	}
	va_end(again);
	if (n < 0)
		return ctask_arena_strdup(a, "failed (the message could not "
					     "be formatted)");
	size_t len = (size_t)n, keep = len;
	if (len > CTASK_MESSAGE_MAX) {
		keep = CTASK_MESSAGE_MAX;
		while (keep > 0 && ((unsigned char)full[keep] & 0xc0) == 0x80)
			keep--;
	}
	char mark[48] = "";
	if (keep < len)
		snprintf(mark, sizeof mark, "... [%zu bytes cut]", len - keep);
	size_t mark_n = strlen(mark);
	char *msg = ctask_arena_alloc(a, keep + mark_n + 1);
	memcpy(msg, full, keep);
	memcpy(msg + keep, mark, mark_n + 1);
	if (full != small)
		free(full);
	return msg;
}

_Noreturn void ctask_ctx_failv(ctask_ctx *cx, const char *fmt, va_list ap)
{
	if (!cx || !cx->escape) {
		fputs("ctask: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		abort();
	}
	cx->message = format_message(cx->arena, fmt, ap);
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
