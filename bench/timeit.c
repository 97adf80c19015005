/*
 * timeit.c - runs a command and reports its wall time and peak memory.
 *
 *   timeit OUTFILE CMD [ARGS...]
 *
 * Forks and execs CMD (stdin, stdout and stderr are inherited), waits for it
 * with wait4() and appends one line to OUTFILE:
 *
 *   WALL_SECONDS MAXRSS_KIB USER_SECONDS SYS_SECONDS EXIT_STATUS OTHER_CPUS
 *
 * Wall time is CLOCK_MONOTONIC around fork..wait4 (nanosecond clock,
 * printed to the microsecond; GNU time's %e has 10 ms resolution). MAXRSS
 * is wait4's ru_maxrss: on Linux the largest resident set of the child or
 * of any descendant it waited for, i.e. of the biggest single process of
 * the run (for `ctask execute`, the executor, whose workers are forked
 * copies of it). USER and SYS add up the whole process tree that was
 * waited for (the executor and its workers). EXIT_STATUS is the exit code,
 * or 128 + the signal number.
 *
 * Exits with CMD's status, so a caller can tell a failed run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Busy seconds of all CPUs so far (everything but idle and iowait), from
 * /proc/stat; -1 if it cannot be read. */
static double busy_seconds(void)
{
	unsigned long long v[10] = {0};
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return -1;
	int n = fscanf(f,
		       "cpu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
		       &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7],
		       &v[8], &v[9]);
	fclose(f);
	if (n < 4)
		return -1;
	/* user nice system idle iowait irq softirq steal guest guest_nice;
	 * guest time is already counted in user. */
	unsigned long long busy = v[0] + v[1] + v[2] + v[5] + v[6];
	return (double)busy / (double)sysconf(_SC_CLK_TCK);
}

static double tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec * 1e-6;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: timeit OUTFILE CMD [ARGS...]\n");
		return 2;
	}
	double b0 = busy_seconds();
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "timeit: cannot run %s: %s\n", argv[2],
			strerror(errno));
		_exit(127);
	}
	int st = 0;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0)
		if (errno != EINTR) {
			perror("timeit: wait4");
			return 2;
		}
	double wall = now() - t0;
	double b1 = busy_seconds();
	double mine = tv(ru.ru_utime) + tv(ru.ru_stime), other = 0;
	if (b0 >= 0 && b1 >= 0 && wall > 0)
		other = (b1 - b0 - mine) / wall;
	if (other < 0)
		other = 0;
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	FILE *f = fopen(argv[1], "a");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fprintf(f, "%.6f %ld %.3f %.3f %d %.2f\n", wall, ru.ru_maxrss,
		tv(ru.ru_utime), tv(ru.ru_stime), code, other);
	fclose(f);
	return code;
}
