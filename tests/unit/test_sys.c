/*
 * test_sys.c - process identity: what proves, on the same host, that the
 * owner of a lease or a temporary file has ended (ctask_proc_gone and the
 * tags of temporary files), and the sweep that removes only the
 * temporaries of owners proven gone.
 */
#include "test.h"

#include "sys.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* A child that waits until killed; *start is its start time. */
static pid_t child(uint64_t *start)
{
	pid_t pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		for (;;)
			pause();
	}
	ASSERT_EQ(ctask_proc_start(pid, start), 0);
	ASSERT(*start > 0);
	return pid;
}

/* Polls, up to 10 s, until the killed child pid is gone by /proc (a
 * zombie: it is not reaped here). */
static int gone_within(const ctask_proc_id *me, pid_t pid, uint64_t start)
{
	for (int i = 0; i < 10000; i++) {
		if (ctask_proc_gone(me->boot_id, me->pid_ns, pid, start))
			return 1;
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
	return 0;
}

TEST(self)
{
	const ctask_proc_id *me = ctask_proc_self();
	ASSERT_EQ(strlen(me->boot_id), 36);
	ASSERT(strncmp(me->pid_ns, "pid:[", 5) == 0);
	uint64_t start = 0;
	ASSERT_EQ(ctask_proc_start(getpid(), &start), 0);
	ASSERT(start > 0);
	ASSERT_EQ(me->start, start);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, getpid(), start), 0);
}

/* A dead process is proven gone, zombie or reaped; a pid now used by
 * another process (another start time) is not its old owner. */
TEST(gone)
{
	const ctask_proc_id *me = ctask_proc_self();
	uint64_t start;
	pid_t pid = child(&start);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, pid, start), 0);
	kill(pid, SIGKILL);
	ASSERT(gone_within(me, pid, start)); /* a zombie */
	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, pid, start), 1);
	/* this process, as the owner of a pid that started at another time */
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, getpid(),
				  me->start + 1),
		  1);
}

/* Nothing proves a process of another host or container gone, nor one of
 * unknown identity: only the ttl of its leases can. */
TEST(other_host_not_judged)
{
	const ctask_proc_id *me = ctask_proc_self();
	uint64_t start;
	pid_t pid = child(&start);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, pid, start), 1);
	char other[64];
	snprintf(other, sizeof other, "%s", me->boot_id);
	other[0] = other[0] == '0' ? '1' : '0';
	ASSERT_EQ(ctask_proc_gone(other, me->pid_ns, pid, start), 0);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, "pid:[1]", pid, start), 0);
	ASSERT_EQ(ctask_proc_gone(NULL, me->pid_ns, pid, start), 0);
	ASSERT_EQ(ctask_proc_gone("", me->pid_ns, pid, start), 0);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, NULL, pid, start), 0);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, pid, 0), 0);
	ASSERT_EQ(ctask_proc_gone(me->boot_id, me->pid_ns, 0, start), 0);
}

TEST(tags)
{
	char tag[CTASK_PROC_TAG_MAX], name[160];
	ctask_proc_tag(tag);
	ASSERT_EQ(ctask_proc_tag_gone(tag), 0);
	snprintf(name, sizeof name, "%s-0123abcd", tag);
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);

	/* BOOT-NS: the boot id without dashes, the namespace's number */
	const ctask_proc_id *me = ctask_proc_self();
	char place[96];
	size_t k = 0;
	for (const char *p = me->boot_id; *p; p++)
		if (*p != '-')
			place[k++] = *p;
	k += (size_t)snprintf(
		place + k, sizeof place - k, "-%.*s",
		(int)strspn(strchr(me->pid_ns, '[') + 1, "0123456789"),
		strchr(me->pid_ns, '[') + 1);
	/* -TIMENS, where the kernel has time namespaces */
	const char *tns = strstr(me->pid_ns, " time:[");
	ASSERT_EQ(tns != NULL, access("/proc/self/ns/time", F_OK) == 0);
	if (tns)
		snprintf(place + k, sizeof place - k, "-%.*s",
			 (int)strspn(tns + 7, "0123456789"), tns + 7);
	snprintf(name, sizeof name, "%s-%ld-%llu", place, (long)getpid(),
		 (unsigned long long)me->start);
	ASSERT_STR(tag, name);

	uint64_t start;
	pid_t pid = child(&start);
	snprintf(name, sizeof name, "%s-%ld-%llu-x", place, (long)pid,
		 (unsigned long long)start);
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);
	kill(pid, SIGKILL);
	ASSERT_EQ(waitpid(pid, NULL, 0), pid);
	ASSERT_EQ(ctask_proc_tag_gone(name), 1);
	/* the same process named by another host's (or container's) tag */
	name[0] = name[0] == '0' ? '1' : '0';
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);
	snprintf(name, sizeof name, "%.32s-1-%ld-%llu", place, (long)pid,
		 (unsigned long long)start);
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);
	/* names that are no tags at all */
	ASSERT_EQ(ctask_proc_tag_gone(""), 0);
	ASSERT_EQ(ctask_proc_tag_gone("x"), 0);
	ASSERT_EQ(ctask_proc_tag_gone("1-2-3"), 0);
	ASSERT_EQ(ctask_proc_tag_gone("x-x-1-2"), 0);
	snprintf(name, sizeof name, "%s-%ld-0", place, (long)pid);
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);
	snprintf(name, sizeof name, "%s--1", place);
	ASSERT_EQ(ctask_proc_tag_gone(name), 0);
}

/* A forked child names its files by its own tag, not its parent's. */
TEST(tag_follows_fork)
{
	char parent[CTASK_PROC_TAG_MAX];
	ctask_proc_tag(parent);
	pid_t pid = fork();
	if (pid == 0) {
		char mine[CTASK_PROC_TAG_MAX];
		ctask_proc_tag(mine);
		_exit(strcmp(parent, mine) != 0 && !ctask_proc_tag_gone(mine)
			      ? 0
			      : 1);
	}
	int st;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Makes dir/name, a directory with a file in it when as_dir. */
static void make_entry(const char *dir, const char *name, int as_dir)
{
	ctask_buf path = {0}; /* owned here */
	ctask_buf_printf(&path, "%s/%s%s", dir, name, as_dir ? "/x.so" : "");
	if (as_dir) {
		char *slash = strrchr((char *)path.p, '/');
		*slash = 0;
		ASSERT_EQ(mkdir((char *)path.p, 0755), 0);
		*slash = '/';
	}
	FILE *f = fopen((char *)path.p, "w");
	ASSERT(f && fclose(f) == 0);
	ctask_buf_free(&path);
}

static int exists(const char *dir, const char *name)
{
	ctask_buf path = {0}; /* owned here */
	struct stat st;
	ctask_buf_printf(&path, "%s/%s", dir, name);
	int yes = lstat((char *)path.p, &st) == 0;
	ctask_buf_free(&path);
	return yes;
}

/* The sweep removes the temporaries (files and directories) of a dead
 * owner, and leaves a live one's, another host's, and names with no tag. */
TEST(sweep_removes_only_the_dead)
{
	char dir[] = "/tmp/ctask-sweep-XXXXXX", live[CTASK_PROC_TAG_MAX];
	ASSERT(mkdtemp(dir));
	ctask_proc_tag(live);
	char dead[CTASK_PROC_TAG_MAX + 8], far[CTASK_PROC_TAG_MAX + 8];
	/* this pid with another start time: the pid was reused */
	snprintf(dead, sizeof dead, "%.*s1",
		 (int)(strrchr(live, '-') - live + 1), live);
	snprintf(far, sizeof far, "%s", dead);
	far[0] = far[0] == '0' ? '1' : '0'; /* another boot */
	const char *tags[] = {live, dead, far};
	char names[6][CTASK_PROC_TAG_MAX + 32];
	for (int i = 0; i < 3; i++) {
		snprintf(names[2 * i], sizeof names[0], "b-%s-Abc123", tags[i]);
		snprintf(names[2 * i + 1], sizeof names[0], ".tmp-%s-p-0.so",
			 tags[i]);
		make_entry(dir, names[2 * i], 1);
		make_entry(dir, names[2 * i + 1], 0);
	}
	make_entry(dir, "b-Def456", 1); /* no tag */
	ASSERT_EQ(ctask_proc_sweep(dir, "b-"), 1);
	ASSERT_EQ(ctask_proc_sweep(dir, ".tmp-"), 1);
	ASSERT_EQ(ctask_proc_sweep(dir, "b-"), 0);
	for (int i = 0; i < 6; i++)
		ASSERT_EQ(exists(dir, names[i]), i / 2 != 1);
	ASSERT(exists(dir, "b-Def456"));
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

/* In another time namespace (unshare --time, with a boottime offset),
 * /proc/PID/stat gives a live process another start time: its owner is not
 * judged from there, neither by its identity nor by its tag. Skipped
 * without the privilege or the kernel to make one. */
TEST(other_time_namespace_not_judged)
{
	const ctask_proc_id *me = ctask_proc_self();
	char tag[CTASK_PROC_TAG_MAX];
	if (access("/proc/self/ns/time", F_OK) != 0)
		return; /* no time namespaces: nothing to tell apart */
	char link[32];
	ssize_t k = readlink("/proc/self/ns/time", link, sizeof link - 1);
	ASSERT(k > 0);
	link[k] = 0;
	ASSERT(strstr(me->pid_ns, link) != NULL);
	ctask_proc_tag(tag);
	ctask_proc_id top = *me; /* me is overwritten in a child */
	pid_t top_pid = getpid(), pid = fork();
	ASSERT(pid >= 0);
	if (pid == 0) {
		/* 2: skipped; 3: this process taken for gone; 0: not */
		int fd = -1;
		if (unshare(CLONE_NEWTIME) != 0 ||
		    (fd = open("/proc/self/timens_offsets", O_WRONLY)) < 0 ||
		    write(fd, "boottime 1000 0", 15) != 15)
			_exit(2);
		close(fd);
		pid_t g = fork(); /* the first process of the namespace */
		if (g == 0)
			_exit(ctask_proc_gone(top.boot_id, top.pid_ns, top_pid,
					      top.start) ||
					      ctask_proc_tag_gone(tag)
				      ? 3
				      : 0);
		int st = 0;
		_exit(g > 0 && waitpid(g, &st, 0) == g && WIFEXITED(st)
			      ? WEXITSTATUS(st)
			      : 1);
	}
	int st = 0;
	ASSERT_EQ(waitpid(pid, &st, 0), pid);
	ASSERT(WIFEXITED(st));
	if (WEXITSTATUS(st) == 2)
		return; /* no privilege for a time namespace */
	ASSERT_EQ(WEXITSTATUS(st), 0);
}

TEST_MAIN(T(self), T(gone), T(other_host_not_judged), T(tags),
	  T(tag_follows_fork), T(sweep_removes_only_the_dead),
	  T(other_time_namespace_not_judged))
