/* tests/cli/test_graph_crash.sh: a graph function that crashes, the way
 * chosen by its first argument (ctask execute graph_crash.c -- KIND):
 * segv, abort, fpe, bus, stack (runaway recursion), none. With a second
 * argument "late" it crashes only after a barrier, once first is done. */
#include <ctask.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static ctask_value *first(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	return ctask_int(cx, 1);
}

static ctask_value *second(ctask_ctx *cx, const ctask_args *a)
{
	return ctask_int(cx, ctask_arg_int(a, 0) + 1);
}

/* Volatile, so that the compiler cannot see the faults coming. */
static volatile int zero, one = 1;
static int *volatile nowhere;

/* Recursion the compiler cannot turn into a loop. */
static int deep(volatile char *up, int n)
{
	volatile char here[256];
	here[0] = up ? up[0] : (char)n;
	return n < 1 << 30 ? deep(here, n + 1) + here[0] : 0;
}

/* A page of a file past its end: SIGBUS on the first read. */
static int bus(void)
{
	char path[] = "/tmp/ctask-bus-XXXXXX";
	int fd = mkstemp(path);
	unlink(path);
	volatile char *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	return p[0];
}

static void crash(const char *kind)
{
	if (strcmp(kind, "segv") == 0)
		*nowhere = 1;
	else if (strcmp(kind, "abort") == 0)
		abort();
	else if (strcmp(kind, "fpe") == 0)
		zero = one / zero;
	else if (strcmp(kind, "bus") == 0)
		zero = bus();
	else if (strcmp(kind, "stack") == 0)
		zero = deep(NULL, 0);
}

CTASK_GRAPH(g)
{
	int argc;
	const char *const *argv = ctask_argv(g, &argc);
	const char *kind = argc > 0 ? argv[0] : "none";
	bool late = argc > 1 && strcmp(argv[1], "late") == 0;
	ctask_task *t = ctask_call(g, first);
	if (!late)
		crash(kind);
	int64_t v = ctask_value_int(ctask_value_of(g, t));
	crash(kind);
	ctask_call(g, second, v);
}
