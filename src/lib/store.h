/*
 * store.h - where results live (DESIGN.md §4).
 *
 * The store interface is a table of operations so that another backend
 * (Redis, for clusters) can sit behind it; store_sqlite.c is the embedded
 * one: a directory holding ctask.db (SQLite, WAL) and objects/ (results
 * larger than CTASK_INLINE_MAX, content-addressed, one file each).
 *
 * Results are keyed by task hash. A record is either done (it has the
 * encoded value) or failed (it has a message). Every blob carries a
 * checksum that is verified on read. scan also reports each lease (below)
 * as a running record.
 *
 * Several executors (processes, possibly on several hosts) may share one
 * store and coordinate only through it (DESIGN.md §5): each records itself
 * (executor_begin/end), runs only the tasks it holds a lease on, renews its
 * leases with a heartbeat, and releases them as it puts their results. A
 * lease belongs to its owner's executor record and lives as long as that
 * record does: until the owner ends, or stops renewing it (a heartbeat
 * renews all of an owner's leases at once) and it expires, or is proven
 * gone (killed on this host: see ctask_executor); then it is taken over.
 *
 * Time. "now" is the wall clock (CLOCK_REALTIME) of the host making the
 * call, in unix seconds: lease expiries written by one host are compared
 * with another host's clock. Hosts sharing a store need synchronised clocks
 * (NTP); a skew of s seconds shortens or lengthens other hosts' leases by s,
 * so keep the lease ttl well above the worst skew.
 */
#ifndef CTASK_STORE_H
#define CTASK_STORE_H

#include "buf.h"
#include "hash.h"

#include <stdbool.h>
#include <stdint.h>

#define CTASK_STORE_SCHEMA 3
#define CTASK_INLINE_MAX 16384 /* larger results go to objects/ */
#define CTASK_SCAN_SMALL 12    /* results the scan gives the bytes of */

/* RUNNING: a lease (ctask_store_lease) of a task with no done result. Only
 * scan reports such records; put never writes one. */
typedef enum {
	CTASK_REC_DONE = 1,
	CTASK_REC_FAILED = 2,
	CTASK_REC_RUNNING = 3,
} ctask_rec_state;

/* One result as written or read. Pointers are borrowed: for put, from the
 * caller; for scan/get, valid until the callback returns / the next call. */
typedef struct {
	ctask_hash hash;
	const char *name;    /* function name ("" for RUNNING: a lease does
				not know it) */
	int state;	     /* ctask_rec_state */
	const uint8_t *data; /* encoded value (done); for a scan NULL, but
				see ctask_store_scan_small */
	uint64_t size;	     /* bytes of the encoded value */
	const char *message; /* failure message (failed), else NULL */
	double started;	     /* unix time the task started */
	double duration;     /* seconds */
	const char *host;    /* host that computed it */
	bool in_object;	     /* stored in objects/ rather than inline */
	/* Provenance: the code fingerprint of the task's function when it
	 * ran (NULL: unknown), the git commit of the repository holding the
	 * task file (NULL: no repository), and whether that repository had
	 * uncommitted changes (-1: unknown). */
	const ctask_hash *fingerprint;
	const char *commit;
	int dirty;
	/* The task file whose graph made the result (its stem, "primes" for
	 * primes.c or primes.so), so that cleanup of one task file leaves
	 * another's results alone; NULL: unknown (stored before schema 3). */
	const char *task_file;
	/* What the task wrote to stdout and stderr, as captured (NULL: none
	 * was captured); get NUL-terminates it (not counted in output_len). */
	const uint8_t *output;
	size_t output_len;
	/* DONE records (put only): if not NULL, inputs(inputs_ud, out)
	 * appends to out the hashes of the tasks whose results the task read
	 * (its inputs), so that put can refuse a result computed from results
	 * deleted meanwhile (see ctask_store_put). Called only then: listing
	 * the inputs of 10^6 tasks costs more than their put. */
	void (*inputs)(void *ud, ctask_buf *out);
	void *inputs_ud;
	/* RUNNING records (scan only): until when the lease lives (its
	 * owner's expiry, or when the owner ended; 0 if the owner is
	 * unknown), and whether it is alive at the time of the scan (expires
	 * > now on the scanning host's clock, and its owner is not proven
	 * gone: see ctask_executor). A task whose lease is not alive is not
	 * running anywhere: its owner died. */
	double expires;
	bool live;
} ctask_record;

typedef struct ctask_store ctask_store;

enum {
	CTASK_STORE_CREATE = 1, /* create the store if it does not exist */
	/* The caller only reads: a store it may not write (another user's
	 * results, a read-only mount) is opened read-only rather than
	 * refused. Then it is not migrated (a store of an older schema is
	 * refused, CTASK_ESTORE), and every write fails with
	 * CTASK_EREADONLY. A store that can be written is opened as usual. */
	CTASK_STORE_READONLY_OK = 2,
};

/* Opens the SQLite store in directory dir (or, if dir is a URL
 * redis://..., the Redis store: store_redis.c). Without CTASK_STORE_CREATE, a
 * missing directory is CTASK_ENOTFOUND. Errors (message names dir):
 *   CTASK_ESTORE     dir exists but is not a ctask store, or has another
 *                    schema version
 *   CTASK_EREADONLY  dir or its database cannot be written (see
 *                    CTASK_STORE_READONLY_OK)
 * The caller owns *out and closes it with ctask_store_close. */
int ctask_store_open(const char *dir, int flags, ctask_store **out);
void ctask_store_close(ctask_store *s); /* accepts NULL */
const char *ctask_store_path(const ctask_store *s);
/* Whether s was opened read-only (CTASK_STORE_READONLY_OK). */
bool ctask_store_readonly(const ctask_store *s);

/* Calls cb for every record, ordered by hash, with what task states are
 * made of: hash, state, size, in_object and fingerprint (the rest is NULL,
 * 0, or -1 for dirty: ctask_store_get reads it);
 * then, ordered by hash, a RUNNING record for every lease of a task that
 * has no done result, with expires and live set, started = when the lease
 * was taken, host = its owner's host, name "", size 0, message and
 * fingerprint NULL. A task retrying an older failure has both records, the
 * FAILED one first. Callers that count results skip RUNNING records, or
 * count a live one as running. Stops early and returns cb's value if it is
 * non-zero. */
typedef int (*ctask_scan_cb)(void *ud, const ctask_record *r);
int ctask_store_scan(ctask_store *s, ctask_scan_cb cb, void *ud);
/* As ctask_store_scan, and also gives the bytes (data) of each done result
 * kept inline of at most CTASK_SCAN_SMALL bytes whose checksum matches
 * (NULL otherwise: a mismatch is left to whoever reads the result). The
 * rows are read anyway; this costs about 15% more than a plain scan and
 * spares a second pass for a task with many small inputs. */
int ctask_store_scan_small(ctask_store *s, ctask_scan_cb cb, void *ud);

/* Reads the record for h (a result: never RUNNING). The encoded value
 * (done) is placed in *data (replacing its contents); rec's strings stay
 * valid until the next call on s. Returns 0, CTASK_ENOTFOUND (also while
 * h is only leased), or CTASK_ECORRUPT when the checksum does not match or
 * the object file is missing (message names the object file). */
int ctask_store_get(ctask_store *s, const ctask_hash *h, ctask_record *rec,
		    ctask_buf *data);

/* Reads the done results of n tasks, hs sorted ascending, in one ordered
 * pass over the store (much cheaper than n ctask_store_get calls for a
 * task with many inputs). Calls cb(ud, i, rc, data, size) for each hs[i],
 * in order: rc is 0 with the verified bytes, or CTASK_ENOTFOUND (no done
 * result) or CTASK_ECORRUPT (message set) with data NULL. data is valid
 * during the call. A non-zero return from cb stops the pass and is
 * returned. */
typedef int (*ctask_get_cb)(void *ud, size_t i, int rc, const uint8_t *data,
			    size_t size);
int ctask_store_get_sorted(ctask_store *s, size_t n, const ctask_hash *hs,
			   ctask_get_cb cb, void *ud);

/* Sets done[i] to 1 if hs[i] has a done result, else to 0: a read, which
 * takes no write lock. After a ctask_store_scan on s, as long as no other
 * connection has written since that scan began, it sets them all to 0
 * without looking: the caller knows from the scan which are done. */
int ctask_store_done(ctask_store *s, size_t n, const ctask_hash *hs,
		     uint8_t *done);

/* 0 if no other connection has written to the store since the last scan
 * on s began, 1 if one has (or s has not scanned), or a negative error. */
int ctask_store_changed(ctask_store *s);

/* Writes n records (DONE or FAILED) in one transaction, replacing existing
 * ones (except that a FAILED record never replaces a DONE one), each stamped
 * with the time it was recorded (see ctask_store_lease, FAILED). Object files
 * are durable (written to a temporary name, fsynced, renamed, directory
 * fsynced) before the transaction commits. With an executor set
 * (ctask_store_set_executor), also releases its leases on the hashes written,
 * and adds the done and failed records to its counts (what status --workers
 * shows as tasks done: the committed ones), in the same transaction.
 *
 * The store never holds a done result whose inputs were deleted after it
 * read them (an invalidate during a run): if results were deleted since
 * the last scan on s (or its opening, if it has not scanned), put checks
 * in its transaction that each input of each DONE record (as its inputs
 * function lists them) has a done result, in the store or among the
 * records it writes, and refuses the records that have one missing: it
 * does not write them (nor release their leases), and sets refused[i] to
 * 1 (else 0). A record may lose its input that way to another refused
 * record of the same put. When nothing was deleted, this costs one read
 * (inputs is not called). refused may be NULL if no record has an inputs
 * function. */
int ctask_store_put(ctask_store *s, size_t n, const ctask_record *recs,
		    uint8_t *refused);

/* Deletes the records of n hashes in one transaction, with their recorded
 * attempts, and the object files no remaining record refers to. Adds the
 * bytes freed to *freed (may be NULL) and the number of records deleted to
 * *count (may be NULL). Leases are never touched: a task being deleted may
 * be running under a live lease. */
int ctask_store_delete(ctask_store *s, size_t n, const ctask_hash *hs,
		       uint64_t *count, uint64_t *freed);

/* ---- executors and leases ---------------------------------------------- */

/* An executor's identity. owner is unique ("host:pid:start-time"). The
 * strings are borrowed from the caller for the duration of each call. */
typedef struct {
	const char *owner;
	const char *host;
	int pid;
	double started; /* unix time */
	/* The lease ttl the executor runs with, for executor_begin's first
	 * expiry (leases and heartbeats take theirs as arguments); 0: 30 s. */
	double ttl;
	/* What proves, to another process on the same host, that the
	 * executor has ended (sys.h, ctask_proc_id): then its leases are
	 * dead at once, not when they expire. NULL or 0: unknown (its leases
	 * live until they expire). */
	const char *boot_id, *pid_ns;
	uint64_t proc_start;
} ctask_executor;

/* Outcome of trying to lease one task (ctask_store_lease's out[i]). */
enum {
	CTASK_LEASE_TAKEN,  /* the lease is now the caller's: run the task */
	CTASK_LEASE_HELD,   /* another executor holds an unexpired lease */
	CTASK_LEASE_DONE,   /* a done result exists */
	CTASK_LEASE_FAILED, /* a failure was recorded during the caller's run */
};

/* Records e as live in the executors table (replacing an older record of
 * the same owner, whose leases e keeps): heartbeat = now, expires = now +
 * e->ttl (30 s if 0), not finished, counts 0. CTASK_EUSAGE if e->ttl is
 * negative or not finite. */
int ctask_store_executor_begin(ctask_store *s, const ctask_executor *e);

/* Marks e finished (finished = heartbeat = now) with its final counts, and
 * releases all its leases, in one transaction. (Were it killed instead, its
 * leases would die when its expiry passes.) */
int ctask_store_executor_end(ctask_store *s, const ctask_executor *e,
			     uint64_t done, uint64_t failed);

/* Tries to lease n tasks for e, in one transaction. For each hash i, out[i]
 * is:
 *   DONE   a done result exists (someone finished it);
 *   FAILED a failed result exists that was recorded (put) at or after
 *          e->started: someone failed it during this run (also while
 *          another executor retries it). An older failure is retried, i.e.
 *          TAKEN;
 *   HELD   another owner holds a live lease (its owner has not ended,
 *          its expiry has not passed, and it is not proven gone: an owner
 *          of this host and pid namespace whose process has ended is dead
 *          at once, see ctask_executor);
 *   TAKEN  otherwise: the lease is now e's (inserted, or replacing one
 *          whose owner ended, expired or is gone). A lease e already
 *          holds is reported TAKEN.
 * Leasing also renews all of e's leases: e's expiry becomes now + ttl (and
 * e's executor record is created if missing, or made live again if e had
 * ended). expires (may be NULL) gets, per hash, the lease's expiry for
 * TAKEN and HELD (its owner's), and 0 for DONE and FAILED. ttl must be
 * > 0. On error nothing is leased and out is undefined.
 * After a ctask_store_scan on s, and as long as no other connection has
 * written to the store since that scan began, results are not looked up
 * (no DONE or FAILED): the caller knows them all, from the scan and from
 * its own puts, and does not lease a task whose result it knows. */
int ctask_store_lease(ctask_store *s, const ctask_executor *e, double ttl,
		      size_t n, const ctask_hash *hs, uint8_t *out,
		      double *expires);

/* Renews every lease e holds and e's heartbeat: heartbeat = now, expires =
 * now + ttl; one statement (the leases live by their owner's record). An
 * executor without a record (never begun nor leasing) holds no leases:
 * nothing happens. (The counts of tasks done are put's: see
 * ctask_store_put.) */
int ctask_store_heartbeat(ctask_store *s, const ctask_executor *e, double ttl);

/* Releases e's leases on n hashes (n == 0: all of e's leases), in one
 * transaction. Never touches other owners' leases; a hash e holds no lease
 * on is not an error. */
int ctask_store_release(ctask_store *s, const ctask_executor *e, size_t n,
			const ctask_hash *hs);

/* Makes put release the putting executor's leases on the hashes it writes,
 * in put's transaction, and gives attempt its host and owner (NULL: no
 * executor; put then releases nothing). The store keeps copies of e->owner
 * and e->host, freed by ctask_store_close or the next call. */
void ctask_store_set_executor(ctask_store *s, const ctask_executor *e);

/* One lease, for status. Strings are valid during the callback (owner and
 * host are "" if the owner's executor record is missing). */
typedef struct {
	ctask_hash hash;
	const char *owner, *host;
	int pid;
	double started; /* when owner took the lease (kept on renewal) */
	double expires; /* the owner's expiry, or when it ended if it has */
	/* Alive: expires > now and the owner is not proven gone (see
	 * ctask_executor). */
	bool live;
} ctask_lease;

/* Calls cb for every lease (dead ones too: see live),
 * ordered by hash. Stops early and returns cb's value if it is non-zero.
 * cb must not call ctask_store_leases on s. */
int ctask_store_leases(ctask_store *s,
		       int (*cb)(void *ud, const ctask_lease *l), void *ud);

/* One executor record, for status. Strings are valid during the callback.
 * It is live iff not finished, expires > now and not proven gone (see
 * ctask_executor): so are its leases. A killed executor stops being live
 * at once if it ran on this host (and pid namespace), else when its expiry
 * passes. */
typedef struct {
	const char *owner, *host;
	int pid;
	double started, heartbeat;
	double expires;	 /* its leases live until then (now + ttl at
			    each heartbeat and lease) */
	double finished; /* 0 until it ends (a killed one never does) */
	uint64_t done, failed;
	bool live;
} ctask_executor_rec;

/* Calls cb for every executor record, oldest first; stops early as
 * ctask_store_leases does. */
int ctask_store_executors(ctask_store *s,
			  int (*cb)(void *ud, const ctask_executor_rec *r),
			  void *ud);

/* ---- attempts (--retries) ---------------------------------------------- */

/* Records a failed attempt of task h (every attempt is kept; the same
 * attempt number again replaces it): name, attempt number, message (may be
 * NULL), started (unix time), duration (seconds), and the host and owner
 * given to ctask_store_set_executor (NULL if none). ctask_store_delete
 * removes a task's attempts with its result. */
int ctask_store_attempt(ctask_store *s, const ctask_hash *h, const char *name,
			int attempt, const char *message, double started,
			double duration);

/* Sets *count to the number of recorded failed attempts of h (for show). */
int ctask_store_attempts(ctask_store *s, const ctask_hash *h, int *count);

/* ---- notes --------------------------------------------------------------- */

/* A note is a small blob the store keeps under a key for its callers (the
 * command line records there what an execute was given). note_get places
 * the value of key in *value (replacing its contents), or returns
 * CTASK_ENOTFOUND; note_set writes it (replacing an older value) in one
 * statement. */
int ctask_store_note_get(ctask_store *s, const char *key, ctask_buf *value);
int ctask_store_note_set(ctask_store *s, const char *key, const void *p,
			 size_t n);

#endif
