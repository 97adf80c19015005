/* tests/cli/test_long_message.sh: shout(n) fails with a message of n bytes
 * ("x" * n); messages are kept whole up to CTASK_MESSAGE_MAX bytes. */
#include <ctask.h>

#include <string.h>

static ctask_value *shout(ctask_ctx *cx, const ctask_args *a)
{
	size_t n = (size_t)ctask_arg_int(a, 0);
	char *s = ctask_alloc(cx, n + 1);
	memset(s, 'x', n);
	s[n] = '\0';
	return ctask_fail(cx, "%s", s);
}

CTASK_GRAPH(g)
{
	ctask_call(g, shout, 1 << 20);
	ctask_call(g, shout, CTASK_MESSAGE_MAX);
}
