#include "owner.h"

#include "buf.h"
#include "sys.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The start time of process pid (field 22 of /proc/PID/stat), or 0 if there
 * is no such process or it cannot be read. */
static unsigned long long start_time(long pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	ctask_buf b = {0};
	unsigned long long start = 0;
	if (ctask_read_file(path, &b) == 0 && b.len > 0) {
		ctask_buf_byte(&b, '\0');
		/* The name (field 2) may hold spaces and parentheses: count
		 * from the last ')'. */
		const char *p = strrchr((char *)b.p, ')');
		for (int field = 2; p && field < 22; field++)
			p = strchr(p + 1, ' ');
		if (p)
			start = strtoull(p + 1, NULL, 10);
	}
	ctask_buf_free(&b);
	return start;
}

/* BOOT.NS of this host and pid namespace, or "" if /proc cannot say. */
static const char *place(void)
{
	static char s[48];
	static bool done;
	if (done)
		return s;
	done = true;
	char id[64] = {0}, hex[9] = {0};
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	if (f && fgets(id, sizeof id, f)) {
		for (size_t i = 0, k = 0; id[i] && k < 8; i++)
			if (id[i] != '-')
				hex[k++] = id[i];
	}
	if (f)
		fclose(f);
	struct stat st;
	if (strlen(hex) == 8 && stat("/proc/self/ns/pid", &st) == 0)
		snprintf(s, sizeof s, "%s.%" PRIuMAX, hex,
			 (uintmax_t)st.st_ino);
	return s;
}

const char *ctask_owner_tag(void)
{
	static char tag[96];
	static pid_t made_by;
	pid_t pid = getpid();
	if (made_by != pid) {
		snprintf(tag, sizeof tag, "%ld.%llu.%s", (long)pid,
			 start_time(pid), *place() ? place() : "0.0");
		made_by = pid;
	}
	return tag;
}

bool ctask_owner_dead(const char *tag, size_t n)
{
	char s[96];
	if (n >= sizeof s || !*place())
		return false;
	memcpy(s, tag, n);
	s[n] = '\0';
	char *end;
	long pid = strtol(s, &end, 10);
	if (end == s || *end != '.' || pid <= 0)
		return false;
	char *p = end + 1;
	unsigned long long start = strtoull(p, &end, 10);
	if (end == p || *end != '.' || strcmp(end + 1, place()) != 0)
		return false; /* another boot or namespace: cannot tell */
	return start_time(pid) != start;
}

/* Removes the file at path, or the directory and the files in it (a
 * temporary directory holds nothing else). */
static bool remove_entry(const char *path, bool dir)
{
	DIR *d = dir ? opendir(path) : NULL;
	if (!d)
		return !dir && unlink(path) == 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		ctask_buf f = {0};
		ctask_buf_printf(&f, "%s/%s", path, e->d_name);
		unlink((char *)f.p);
		ctask_buf_free(&f);
	}
	closedir(d);
	return rmdir(path) == 0;
}

/* Whether name is prefix + TAG + "-" + ... with TAG a dead process's. */
static bool dead_name(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) != 0)
		return false;
	const char *dash = strchr(name + pl, '-');
	return dash && ctask_owner_dead(name + pl, (size_t)(dash - name - pl));
}

size_t ctask_owner_sweep(const char *dir, const char *prefix)
{
	DIR *d = opendir(dir);
	size_t removed = 0;
	if (!d)
		return 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (!dead_name(e->d_name, prefix))
			continue;
		ctask_buf path = {0};
		ctask_buf_printf(&path, "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat((char *)path.p, &st) == 0 && st.st_uid == geteuid() &&
		    (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) &&
		    remove_entry((char *)path.p, S_ISDIR(st.st_mode)))
			removed++;
		ctask_buf_free(&path);
	}
	closedir(d);
	return removed;
}
