/* tests/cli/test_pool_pid1.sh: tasks run by an executor that is PID 1 of
 * its pid namespace (a container's entry point), which inherits orphans.
 *
 * leave(i) forks a child that forks a grandchild and exits at once: the
 * grandchild, an orphan now, waits until it has been handed to PID 1 (its
 * parent is no longer the child), then exits. leave(i) returns the
 * grandchild's pid. count(pids) waits until none of those pids is left in
 * /proc (each was reaped, not left a zombie) and returns how many there
 * were; it fails after 60 s of waiting (a safety net, not a measure),
 * naming how many were never reaped. */
#include <ctask.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void nap(void)
{
	struct timespec ts = {0, 1000 * 1000};
	nanosleep(&ts, NULL);
}

static ctask_value *leave(ctask_ctx *cx, const ctask_args *a)
{
	(void)a;
	int fds[2];
	if (pipe(fds) != 0)
		return ctask_fail(cx, "pipe failed");
	pid_t child = fork();
	if (child < 0)
		return ctask_fail(cx, "fork failed");
	if (child == 0) {
		pid_t me = getpid(), grand = fork();
		if (grand == 0) {
			for (int tick = 0; tick < 60000 && getppid() == me;
			     tick++)
				nap();
			_exit(0);
		}
		if (write(fds[1], &grand, sizeof grand) != sizeof grand)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	pid_t grand = -1;
	ssize_t n = read(fds[0], &grand, sizeof grand);
	close(fds[0]);
	waitpid(child, NULL, 0);
	if (n != sizeof grand || grand <= 0)
		return ctask_fail(cx, "no grandchild");
	return ctask_int(cx, grand);
}

/* How many of the n pids in l are still in /proc. */
static int left(const ctask_value *l, size_t n)
{
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%lld",
			 (long long)ctask_value_int(ctask_list_get(l, i)));
		k += access(path, F_OK) == 0;
	}
	return k;
}

static ctask_value *count(ctask_ctx *cx, const ctask_args *a)
{
	ctask_value *l = ctask_arg_list(a, 0);
	size_t n = ctask_value_len(l);
	int k = 0;
	for (int tick = 0; tick < 60000; tick++) {
		if ((k = left(l, n)) == 0)
			return ctask_int(cx, (int64_t)n);
		nap();
	}
	return ctask_fail(cx, "%d of %zu orphans were never reaped", k, n);
}

CTASK_GRAPH(g)
{
	ctask_task *t[5];
	for (int i = 0; i < 5; i++)
		t[i] = ctask_call(g, leave, i);
	ctask_call(g, count, ctask_list(g, t, 5));
}
