/*
 * owner.h - temporary files that name the process that made them, so that
 * what a killed process (kill -9, a lost machine) left behind can be told
 * from what a live one is still writing, and removed.
 *
 * A tag is PID.START.BOOT.NS: the process id, its start time (clock ticks
 * after boot, field 22 of /proc/PID/stat), the first 8 hex digits of the
 * boot id (/proc/sys/kernel/random/boot_id) and the inode of the pid
 * namespace (/proc/self/ns/pid). A pid means the same process to us only on
 * the same boot and in the same pid namespace (containers may share a
 * kernel, and /tmp, but not their pids); the start time tells a reused pid
 * from its first owner. So a tag names a dead process only when BOOT and NS
 * are ours and no process PID with that START exists; a tag from another
 * host, boot or container is never judged dead.
 */
#ifndef CTASK_OWNER_H
#define CTASK_OWNER_H

#include <stdbool.h>
#include <stddef.h>

/* This process's tag (static storage; made again after a fork). */
const char *ctask_owner_tag(void);

/* Whether tag (n bytes, not NUL-terminated) names a process that is surely
 * gone. A malformed tag is not. */
bool ctask_owner_dead(const char *tag, size_t n);

/* Removes the entries of dir named prefix + TAG + "-" + anything whose
 * TAG names a dead process and that belong to this user: files, and
 * directories with the files in them. Errors are ignored: what cannot be
 * removed now is tried again next time. Returns how many it removed. */
size_t ctask_owner_sweep(const char *dir, const char *prefix);

#endif
