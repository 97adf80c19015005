/*
 * test_sys.c - process identity: what proves, on the same host, that the
 * owner of a lease or a temporary file has ended (ctask_proc_gone and the
 * tags of temporary files).
 */
#include "test.h"

#include "sys.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>

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
	snprintf(place + k, sizeof place - k, "-%.*s",
		 (int)strspn(strchr(me->pid_ns, '[') + 1, "0123456789"),
		 strchr(me->pid_ns, '[') + 1);
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

TEST_MAIN(T(self), T(gone), T(other_host_not_judged), T(tags))
