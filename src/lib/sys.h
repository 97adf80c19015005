/*
 * sys.h - thin wrappers over the operating system that several modules
 * need: whole reads and writes that survive EINTR and short transfers,
 * reading a whole file, the
 * wall and monotonic clocks, the host name, and what identifies a process
 * well enough to prove, from another process on the same host, that it has
 * ended.
 */
#ifndef CTASK_SYS_H
#define CTASK_SYS_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

/* Reads exactly n bytes. Returns 0, or -1 at end of file or on an error
 * (errno set; 0 at end of file). */
int ctask_read_all(int fd, void *p, size_t n);
/* Writes all n bytes. Returns 0 or -1 (errno set). */
int ctask_write_all(int fd, const void *p, size_t n);
/* Appends the whole file at path to b. Returns 0 or -errno. */
int ctask_read_file(const char *path, ctask_buf *b);

/* Seconds since the epoch, and a monotonic clock for durations. */
double ctask_now(void);
double ctask_monotonic(void);
/* This host's name (static storage). */
const char *ctask_hostname(void);

/* What tells a process apart from every other one, over time and across
 * the hosts and containers that may share a store. A pid alone does not: a
 * container sharing this kernel (the same boot id) numbers its processes
 * in its own pid namespace, and a pid is reused after its process ends. So
 * a process is named by the boot id, its pid namespace, its pid and its
 * start time. A hostname proves nothing (containers share it). */
typedef struct {
	char boot_id[64]; /* /proc/sys/kernel/random/boot_id; "" unknown */
	char pid_ns[64];  /* /proc/self/ns/pid's target, "pid:[4026531836]";
			     "" unknown (or /proc is another namespace's) */
	uint64_t start;	  /* clock ticks after boot (/proc/PID/stat field
			     22); 0 unknown */
} ctask_proc_id;

/* This process's identity, read once per process (a forked child reads its
 * own). Static storage; not thread-safe. */
const ctask_proc_id *ctask_proc_self(void);
/* Sets *start to process pid's start time (see ctask_proc_id). Returns 0,
 * or -errno (-ENOENT: no such process visible in /proc). */
int ctask_proc_start(long pid, uint64_t *start);
/* 1 if it is proven that the process (pid, start) of the host and pid
 * namespace (boot_id, pid_ns) has ended: they are this process's own, and
 * pid is gone, a zombie, or another process now (another start time).
 * 0 if it may still run: it does, or it belongs to another host or
 * container, or the identity is unknown (NULL, "" or 0), or it cannot be
 * seen (/proc mounted with hidepid). */
int ctask_proc_gone(const char *boot_id, const char *pid_ns, long pid,
		    uint64_t start);

/* A tag naming this process in the names of files it owns for a while
 * (temporaries): "BOOT-NS-PID-START", BOOT the boot id's 32 hex digits
 * (without its dashes), NS the pid namespace's inode number ("x" for
 * either when unknown). At most CTASK_PROC_TAG_MAX bytes with the NUL. */
#define CTASK_PROC_TAG_MAX 128
void ctask_proc_tag(char out[CTASK_PROC_TAG_MAX]);
/* 1 if name begins with a tag (then "-" or the end) of a process that is
 * proven gone (as ctask_proc_gone: only this host's and namespace's tags
 * can be), else 0. */
int ctask_proc_tag_gone(const char *name);

#endif
