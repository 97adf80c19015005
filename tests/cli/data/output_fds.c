/* tests/cli/test_output.sh: tasks that do things to their stdout and
 * stderr (redirect them, close the worker's fd of the capture, rewind it,
 * leave a child writing to it), each followed by one that prints. Run with
 * -j 1: one worker runs them all, in the order of the chain. */
#define _GNU_SOURCE
#include <ctask.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* next(x, tag): prints a line on each stream. */
static ctask_value *next(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	printf("%s out\n", ctask_arg_string(a, 1));
	fprintf(stderr, "%s err\n", ctask_arg_string(a, 1));
	return ctask_int(cx, 1);
}

/* to_file(path): stdout freopen()ed to path, stderr dup2()ed over. */
static ctask_value *to_file(ctask_ctx *cx, const ctask_args *a)
{
	printf("to_file before\n");
	if (!freopen(ctask_arg_string(a, 0), "w", stdout))
		return ctask_fail(cx, "freopen: %m");
	int fd = open(ctask_arg_string(a, 0), O_WRONLY | O_APPEND);
	if (fd < 0 || dup2(fd, 2) < 0)
		return ctask_fail(cx, "dup2: %m");
	close(fd);
	printf("to_file into the file\n");
	return ctask_int(cx, 1);
}

/* closer(path): closes every fd of the capture but 1 and 2 (as a task
 * that closes what it did not open), then opens path at the number of the
 * last one and writes to it, and prints. The file stays open. */
static ctask_value *closer(ctask_ctx *cx, const ctask_args *a)
{
	int last = -1;
	for (int fd = 3; fd < 4096; fd++) {
		char link[64], to[256];
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, to, sizeof to - 1);
		if (n < 0)
			continue;
		to[n] = 0;
		if (strstr(to, "ctask-output"))
			close(fd), last = fd;
	}
	if (last < 0)
		return ctask_fail(cx, "no fd of the capture");
	int fd = open(ctask_arg_string(a, 0), O_WRONLY | O_CREAT | O_TRUNC,
		      0644);
	if (fd < 0 || (fd != last && dup2(fd, last) < 0))
		return ctask_fail(cx, "open: %m");
	if (fd != last)
		close(fd);
	if (write(last, "the task's own file\n", 20) != 20)
		return ctask_fail(cx, "write: %m");
	printf("closer out\n");
	return ctask_int(cx, 1);
}

/* rewind(x): prints, moves fd 1's offset back to the start, prints: as a
 * writer with an old offset would. */
static ctask_value *rewind_(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	printf("rewind first line\n");
	fflush(stdout);
	lseek(1, 0, SEEK_SET);
	printf("second\n");
	return ctask_int(cx, 1);
}

/* A child of bg_start waits on go, then writes a line to its stdout
 * and says so on done. */
static int go = -1, done = -1;

/* bg_start(x): leaves a child behind that writes later. */
static ctask_value *bg_start(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	int g[2], d[2];
	if (pipe(g) || pipe(d))
		return ctask_fail(cx, "pipe: %m");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(g[1]), close(d[0]);
		if (read(g[0], &c, 1) == 1 &&
		    write(1, "background child\n", 17) == 17)
			(void)!write(d[1], "x", 1);
		_exit(0);
	}
	close(g[0]), close(d[1]);
	go = g[1], done = d[0];
	printf("bg_start out\n");
	return ctask_int(cx, pid > 0);
}

/* bg_next(x): lets bg_start's child write, meanwhile. */
static ctask_value *bg_next(ctask_ctx *cx, const ctask_args *a)
{
	(void)ctask_arg(a, 0);
	char c;
	printf("bg_next before\n");
	fflush(stdout);
	if (write(go, "x", 1) != 1 || read(done, &c, 1) != 1)
		return ctask_fail(cx, "the child did not write");
	printf("bg_next after\n");
	return ctask_int(cx, 1);
}

CTASK_GRAPH(g)
{
	ctask_task *t = ctask_call(g, to_file, "redirected.txt");
	t = ctask_call(g, next, t, "after to_file");
	t = ctask_call(g, closer, "closer.txt");
	t = ctask_call(g, next, t, "after closer");
	t = ctask_call(g, rewind_, t);
	t = ctask_call(g, next, t, "after rewind");
	t = ctask_call(g, bg_start, t);
	ctask_call(g, bg_next, t);
}
