#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Large transfers go in pieces of at most 1 GiB: some kernels refuse
 * more in one call. */
#define PIECE ((size_t)1 << 30)

int ctask_read_all(int fd, void *p, size_t n)
{
	char *q = p;
	while (n > 0) {
		ssize_t r = read(fd, q, n < PIECE ? n : PIECE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		q += r, n -= (size_t)r;
	}
	return 0;
}

int ctask_write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	while (n > 0) {
		ssize_t w = write(fd, q, n < PIECE ? n : PIECE);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		q += w, n -= (size_t)w;
	}
	return 0;
}

double ctask_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ctask_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *ctask_hostname(void)
{
	static char host[256];
	if (!host[0] && gethostname(host, sizeof host - 1) != 0)
		strcpy(host, "unknown");
	return host;
}

int ctask_read_file(const char *path, ctask_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		uint8_t *p = ctask_buf_reserve(b, 65536);
		ssize_t n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : 0;
			close(fd);
			return err;
		}
		b->len += (size_t)n;
	}
}

/* ---- process identity ---------------------------------------------------- */

/* Reads a short file (a line of /proc) into out, without its newline;
 * "" if it cannot be read. */
static void read_line(const char *path, char *out, size_t n)
{
	ctask_buf b = {0}; /* owned here */
	out[0] = 0;
	if (ctask_read_file(path, &b) == 0 && b.len > 0 && b.len < n) {
		memcpy(out, b.p, b.len);
		out[b.len] = 0;
		out[strcspn(out, "\n")] = 0;
	}
	ctask_buf_free(&b);
}

/* Reads the state (field 3) and start time (field 22) of process pid. The
 * name (field 2) is in parentheses and may hold anything, so the fields
 * are counted from its last ')'. */
static int proc_stat(long pid, char *state, uint64_t *start)
{
	char path[64];
	ctask_buf b = {0}; /* owned here */
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	int rc = ctask_read_file(path, &b);
	const char *end = NULL;
	if (rc == 0) {
		ctask_buf_byte(&b, 0);
		end = strrchr((char *)b.p, ')');
	}
	if (rc == 0 && !end)
		rc = -EIO;
	const char *p = end ? end + 1 : NULL;
	/* field 3 is the first after ')'; field 22 the 20th */
	for (int f = 3; rc == 0 && f <= 22; f++) {
		while (*p == ' ')
			p++;
		if (!*p) {
			rc = -EIO;
			break;
		}
		if (f == 3)
			*state = *p;
		if (f == 22)
			*start = strtoull(p, NULL, 10);
		p += strcspn(p, " ");
	}
	ctask_buf_free(&b);
	return rc;
}

int ctask_proc_start(long pid, uint64_t *start)
{
	char state;
	*start = 0;
	return proc_stat(pid, &state, start);
}

/* The pid namespace, if /proc is that of this process's namespace: then
 * /proc/self names this pid (in another one's /proc it names another, or
 * nothing), and /proc/PID means the processes this one would signal. */
static void read_pid_ns(char *out, size_t n)
{
	char self[32], want[32];
	ssize_t k = readlink("/proc/self", self, sizeof self - 1);
	snprintf(want, sizeof want, "%ld", (long)getpid());
	out[0] = 0;
	if (k <= 0 || (self[k] = 0, strcmp(self, want) != 0))
		return;
	k = readlink("/proc/self/ns/pid", out, n - 1);
	out[k > 0 ? k : 0] = 0;
}

const ctask_proc_id *ctask_proc_self(void)
{
	static ctask_proc_id me;
	static pid_t of; /* whose identity me holds */
	pid_t pid = getpid();
	if (of == pid)
		return &me;
	memset(&me, 0, sizeof me);
	of = pid;
	read_line("/proc/sys/kernel/random/boot_id", me.boot_id,
		  sizeof me.boot_id);
	read_pid_ns(me.pid_ns, sizeof me.pid_ns);
	if (ctask_proc_start(pid, &me.start) != 0)
		me.start = 0;
	return &me;
}

/* Whether pid, known to be of this host and namespace, is not (or no
 * longer) the process that started at start. */
static int gone_here(long pid, uint64_t start)
{
	char state = 0;
	uint64_t t = 0;
	int rc = proc_stat(pid, &state, &t);
	if (rc == -ENOENT) /* gone, or hidden (hidepid): kill(0) tells */
		return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
	if (rc < 0)
		return 0;
	return t != start || state == 'Z' || state == 'X';
}

int ctask_proc_gone(const char *boot_id, const char *pid_ns, long pid,
		    uint64_t start)
{
	const ctask_proc_id *me = ctask_proc_self();
	if (!boot_id || !pid_ns || !me->boot_id[0] || !me->pid_ns[0] ||
	    strcmp(boot_id, me->boot_id) != 0 ||
	    strcmp(pid_ns, me->pid_ns) != 0 || pid <= 0 || start == 0)
		return 0;
	return gone_here(pid, start);
}

/* The place part of a tag, "BOOT-NS" (see ctask_proc_tag), or "" when
 * this process's boot id or pid namespace is unknown. */
static void place_of(const ctask_proc_id *me, char *out, size_t n)
{
	const char *ns = strchr(me->pid_ns, '[');
	size_t k = 0;
	out[0] = 0;
	if (!me->boot_id[0] || !ns)
		return;
	for (const char *p = me->boot_id; *p && k + 1 < n; p++)
		if (*p != '-')
			out[k++] = *p;
	out[k] = 0;
	snprintf(out + k, n - k, "-%.*s", (int)strspn(ns + 1, "0123456789"),
		 ns + 1);
}

void ctask_proc_tag(char out[CTASK_PROC_TAG_MAX])
{
	const ctask_proc_id *me = ctask_proc_self();
	char place[96];
	place_of(me, place, sizeof place);
	snprintf(out, CTASK_PROC_TAG_MAX, "%s-%ld-%" PRIu64,
		 place[0] ? place : "x-x", (long)getpid(), me->start);
}

int ctask_proc_tag_gone(const char *name)
{
	char place[96], *end;
	place_of(ctask_proc_self(), place, sizeof place);
	size_t n = strlen(place);
	if (!n || strncmp(name, place, n) != 0 || name[n] != '-')
		return 0;
	const char *p = name + n + 1;
	long pid = strtol(p, &end, 10);
	if (end == p || *end != '-' || pid <= 0)
		return 0;
	p = end + 1;
	uint64_t start = strtoull(p, &end, 10);
	if (end == p || (*end && *end != '-') || start == 0)
		return 0;
	return gone_here(pid, start);
}
