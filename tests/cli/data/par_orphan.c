/* tests/cli/test_pool.sh: a task that leaves a process behind.
 *
 * orphan() forks a child that writes its pid to $CTASK_TEST_DIR/orphan.pid
 * and then waits forever, holding every descriptor it inherited from its
 * worker (the worker's socket too); orphan() returns 1 once the file is
 * there (with $CTASK_TEST_STAY set, it then waits forever too). With
 * $CTASK_TEST_QUIT set, quit() calls exit(0) in its worker.
 * plain(i) returns i * i. Declared in that order: with -j 1 they run on
 * one worker, the quit after the orphan. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void pid_path(char *path, size_t n, const char *name)
{
	const char *dir = getenv("CTASK_TEST_DIR");
	snprintf(path, n, "%s/%s", dir ? dir : ".", name);
}

static ctask_value *orphan(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	char path[4096], tmp[4096];
	pid_path(path, sizeof path, "orphan.pid");
	pid_path(tmp, sizeof tmp, "orphan.pid.tmp");
	pid_t pid = fork();
	if (pid < 0)
		return ctask_fail(cx, "fork failed");
	if (pid == 0) {
		/* Written whole, then renamed: the test never reads half. */
		FILE *f = fopen(tmp, "w");
		if (!f)
			_exit(1);
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
		rename(tmp, path);
		for (;;)
			pause();
	}
	while (access(path, F_OK) != 0) {
		struct timespec ts = {0, 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	while (getenv("CTASK_TEST_STAY"))
		pause();
	return ctask_int(cx, 1);
}

static ctask_value *quit(ctask_ctx *cx, const ctask_args *a)
{
	(void)cx, (void)a;
	exit(0);
}

static ctask_value *plain(ctask_ctx *cx, const ctask_args *a)
{
	int64_t i = ctask_arg_int(a, 0);
	return ctask_int(cx, i * i);
}

CTASK_GRAPH(g)
{
	ctask_call(g, orphan);
	if (getenv("CTASK_TEST_QUIT"))
		ctask_call(g, quit);
	for (int i = 0; i < 5; i++)
		ctask_call(g, plain, i);
}
