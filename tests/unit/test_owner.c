/*
 * test_owner.c - tags that name the process that made a temporary file: a
 * live process's tag is alive, a reused pid's (another start time) and a
 * reaped child's are dead, one from another boot or pid namespace or a
 * malformed one is never judged dead; the sweep removes only the dead's.
 */
#include "test.h"

#include "owner.h"

#include <stdbool.h>
#include <sys/stat.h>

static bool dead(const char *tag)
{
	return ctask_owner_dead(tag, strlen(tag));
}

/* The parts of our tag: PID.START.BOOT.NS. */
static char my_start[32], my_boot[16], my_ns[32];

static void parse_mine(void)
{
	long pid;
	ASSERT_EQ(sscanf(ctask_owner_tag(), "%ld.%31[^.].%15[^.].%31s", &pid,
			 my_start, my_boot, my_ns),
		  4);
	ASSERT_EQ(pid, getpid());
}

/* A tag for pid with the given parts (NULL: ours). */
static const char *tag_with(long pid, const char *start, const char *boot,
			    const char *ns)
{
	static char out[128];
	parse_mine();
	snprintf(out, sizeof out, "%ld.%s.%s.%s", pid, start ? start : my_start,
		 boot ? boot : my_boot, ns ? ns : my_ns);
	return out;
}

TEST(live_and_dead)
{
	ASSERT(!dead(ctask_owner_tag()));
	ASSERT(!dead(tag_with(getpid(), NULL, NULL, NULL)));
	/* Our pid with another start time: the pid was reused. */
	ASSERT(dead(tag_with(getpid(), "1", NULL, NULL)));
	/* A child that has exited and been reaped. */
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	ASSERT(child > 0);
	int st;
	ASSERT_EQ(waitpid(child, &st, 0), child);
	ASSERT(dead(tag_with(child, NULL, NULL, NULL)));
}

TEST(other_places_and_malformed_are_not_dead)
{
	ASSERT(!dead(tag_with(getpid(), "1", "00000000", NULL)));
	ASSERT(!dead(tag_with(getpid(), "1", NULL, "1")));
	ASSERT(!dead(""));
	ASSERT(!dead("abc"));
	ASSERT(!dead("12"));
	ASSERT(!dead("-1.1.x.y"));
	ASSERT(!dead(".1.1.1"));
}

TEST(tag_follows_fork)
{
	char parent[128];
	snprintf(parent, sizeof parent, "%s", ctask_owner_tag());
	pid_t child = fork();
	if (child == 0)
		_exit(strcmp(parent, ctask_owner_tag()) != 0 ? 0 : 1);
	int st;
	ASSERT_EQ(waitpid(child, &st, 0), child);
	ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

TEST(sweep_removes_only_the_dead)
{
	char dir[] = "/tmp/ctask-owner-XXXXXX", path[512];
	ASSERT(mkdtemp(dir));
	const char *names[] = {"live", "dead", "other", "plain"};
	const char *tags[] = {ctask_owner_tag(), NULL, NULL, NULL};
	char dead_tag[128], other_tag[128];
	snprintf(dead_tag, sizeof dead_tag, "%s",
		 tag_with(getpid(), "1", NULL, NULL));
	snprintf(other_tag, sizeof other_tag, "%s",
		 tag_with(getpid(), "1", "00000000", NULL));
	tags[1] = dead_tag, tags[2] = other_tag;
	for (int i = 0; i < 3; i++) {
		/* A directory with a file in it, and a file. */
		snprintf(path, sizeof path, "%s/b-%s-%s", dir, tags[i],
			 names[i]);
		ASSERT_EQ(mkdir(path, 0755), 0);
		strcat(path, "/x.so");
		FILE *f = fopen(path, "w");
		ASSERT(f && fclose(f) == 0);
		snprintf(path, sizeof path, "%s/.tmp-%s-%s.so", dir, tags[i],
			 names[i]);
		f = fopen(path, "w");
		ASSERT(f && fclose(f) == 0);
	}
	snprintf(path, sizeof path, "%s/b-AbC123", dir); /* an old name */
	ASSERT_EQ(mkdir(path, 0755), 0);
	ASSERT_EQ(ctask_owner_sweep(dir, "b-"), 1);
	ASSERT_EQ(ctask_owner_sweep(dir, ".tmp-"), 1);
	ASSERT_EQ(ctask_owner_sweep(dir, "b-"), 0);
	for (int i = 0; i < 3; i++) {
		struct stat st;
		snprintf(path, sizeof path, "%s/b-%s-%s", dir, tags[i],
			 names[i]);
		ASSERT_EQ(stat(path, &st) == 0, i != 1);
		snprintf(path, sizeof path, "%s/.tmp-%s-%s.so", dir, tags[i],
			 names[i]);
		ASSERT_EQ(stat(path, &st) == 0, i != 1);
	}
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ASSERT_EQ(system(cmd), 0);
}

TEST_MAIN(T(live_and_dead), T(other_places_and_malformed_are_not_dead),
	  T(tag_follows_fork), T(sweep_removes_only_the_dead))
