/*
 * sched.c - the scheduler: what to run next, leases, commits, signals.
 *
 * One libuv loop drives everything: the runner's worker pipes, a heartbeat
 * that renews this executor's leases, a tick that commits results older
 * than a second, polls tasks leased by other executors and prints progress,
 * and SIGINT/SIGTERM. Tasks are numbered in topological order; pending[id]
 * counts the inputs of a task that are not done, and a task joins the ready
 * queue when it drops to zero.
 *
 * Several executors share a store through leases: before a task is run,
 * its lease is taken in the store (a batch at a time); a task leased by
 * someone else waits in `held` and is polled until it is done there or its
 * lease expires. A result is committed together with the release of its
 * lease.
 */
#include "exec.h"

#include "arena.h"
#include "error.h"

#include <inttypes.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

/* Results are committed in batches bounded by count, bytes and age, so a
 * run of tiny tasks does not pay one transaction each, and a killed
 * executor loses at most about a second of work. */
#define BATCH_MAX_RECORDS 65536
#define BATCH_MAX_BYTES (64u << 20)
#define BATCH_MAX_SECONDS 1.0
#define TICK_MS 200
#define POLL_SECONDS 0.2 /* how often tasks held by others are polled */
/* Results needed by tasks still to run are kept in memory, up to this many
 * bytes, so that they are not read back from the store. */
#define KEPT_MAX_BYTES (256u << 20)
/* The most tasks one lease transaction asks for. */
#define LEASE_MAX 4096
/* How many ready tasks ahead are looked up at once (probe_ahead). */
#define PROBE 1024
/* From this many tasks ready at the start, they run in hash order. */
#define HASH_ORDER_MIN 65536

typedef struct deferred deferred;

/* A result kept in memory: small ones (most results of trivial tasks) in
 * place, which spares a malloc and a free per task; larger ones malloc'd. */
typedef union {
	uint8_t *p;
	uint8_t in[sizeof(uint8_t *)];
} kept_result;

typedef struct {
	ctask_graph *g;
	ctask_store *s;
	ctask_runner *r;
	const ctask_exec_opts *o;
	ctask_exec_stats *st;
	FILE *log;
	size_t n;
	uv_loop_t loop;
	uv_timer_t tick, heartbeat, grace;
	uv_signal_t sigint, sigterm;
	ctask_executor ex;
	char owner[300];
	uint8_t *want;	    /* malloc'd: targets and everything upstream */
	uint32_t *pending;  /* malloc'd: inputs not done, per task */
	uint32_t *rdep_off; /* malloc'd: reverse edges, CSR offsets */
	uint32_t *rdeps;    /* malloc'd: reverse edges */
	uint8_t *tries;	    /* malloc'd: failed attempts in this run */
	uint8_t *earlier;   /* malloc'd: failed in an earlier run */
	uint32_t *queue;    /* malloc'd: ready task ids (may hold stale ones) */
	size_t qhead, qlen, qcap;
	size_t probed; /* queue entries before this were looked up (probe) */
	/* Small results the scan kept (ctask_task.small) may be used: nobody
	 * else has written to the store since (a result deleted or replaced
	 * meanwhile must be read, or found missing, from the store). */
	bool small_ok;
	uint32_t *held; /* malloc'd: tasks leased by other executors */
	size_t nheld, capheld;
	kept_result *kept; /* malloc'd: per task, its result while a
			      dependent still needs it */
	uint32_t *kept_n;  /* malloc'd: their sizes + 1; 0: none kept */
	uint32_t *uses;	   /* malloc'd: wanted dependents not started */
	size_t kept_bytes;
	ctask_outcome *batch; /* malloc'd: finished, not yet committed */
	size_t nbatch, capbatch, batch_bytes;
	double batch_t0, last_poll, last_line, t0;
	ctask_buf inbuf, tmp; /* input bytes of the task being started */
	size_t *offs;	      /* malloc'd: input offsets into inbuf */
	uint8_t *in_batch;    /* malloc'd: per task, finished, not committed */
	uint8_t *ran_here;    /* malloc'd: per task, counted in st->ran */
	size_t *lens;	      /* malloc'd: input lengths */
	deferred *defer;      /* malloc'd: inputs to read from the store */
	size_t ndefer, capdefer;
	uint32_t *from;	     /* malloc'd: chained inputs (ctask_slice) */
	ctask_slice *slices; /* malloc'd */
	size_t cap_in;
	ctask_hash *lh; /* malloc'd: hashes of a lease request */
	uint32_t *lids; /* malloc'd: their task ids */
	uint8_t *lout;	/* malloc'd: lease outcomes */
	size_t cap_l;
	double *mean;  /* malloc'd: mean duration per name */
	size_t *todo;  /* malloc'd: wanted tasks not done, per name */
	size_t *nmean; /* malloc'd */
	bool stop;     /* start nothing more */
	bool progress_shown;
	int error; /* a store error met in a callback */
	/* The channel of the workers' output lines (capture.c). */
	ctask_capture_channel *chan;
} sched;

static void logf_(sched *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void notef_(sched *sc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void clear_progress(sched *sc);

static void vlogf_(sched *sc, const char *fmt, va_list ap)
{
	clear_progress(sc);
	vfprintf(sc->log, fmt, ap);
	fflush(sc->log);
}

/* An error (a failed task): always logged. */
static void logf_(sched *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlogf_(sc, fmt, ap);
	va_end(ap);
}

/* A warning or a notice: not logged when quiet. */
static void notef_(sched *sc, const char *fmt, ...)
{
	va_list ap;
	if (sc->o->quiet)
		return;
	va_start(ap, fmt);
	vlogf_(sc, fmt, ap);
	va_end(ap);
}

static void push_ready(sched *sc, uint32_t id)
{
	if (sc->qlen == sc->qcap) {
		/* Reclaim the consumed head before growing. */
		if (sc->qhead > 0) {
			memmove(sc->queue, sc->queue + sc->qhead,
				(sc->qlen - sc->qhead) * sizeof *sc->queue);
			sc->probed = sc->probed > sc->qhead
					     ? sc->probed - sc->qhead
					     : 0;
			sc->qlen -= sc->qhead;
			sc->qhead = 0;
		}
		if (sc->qlen == sc->qcap) {
			sc->qcap = sc->qcap ? 2 * sc->qcap : 1024;
			sc->queue = ctask_xrealloc(
				sc->queue, sc->qcap * sizeof *sc->queue);
		}
	}
	sc->queue[sc->qlen++] = id;
}

static const uint8_t *kept_data(const sched *sc, uint32_t id)
{
	const kept_result *k = &sc->kept[id];
	return sc->kept_n[id] - 1 <= sizeof k->in ? k->in : k->p;
}

static void drop_kept(sched *sc, uint32_t id)
{
	uint32_t n = sc->kept_n[id];
	if (n == 0)
		return;
	if (n - 1 > sizeof sc->kept[id].in)
		free(sc->kept[id].p);
	sc->kept_bytes -= n - 1;
	sc->kept_n[id] = 0;
}

static void fail_store(sched *sc, int rc)
{
	if (rc < 0 && !sc->error) {
		sc->error = rc;
		sc->stop = true;
	}
}

/* ---- Set-up -------------------------------------------------------------- */

/* A zeroed table of n + 1 entries of size bytes (free()d). */
static void *table(size_t n, size_t size)
{
	return memset(ctask_xbig((n + 1) * size), 0, (n + 1) * size);
}

/* Reverse edges (one per input occurrence) in compressed rows. */
static void build_rdeps(sched *sc)
{
	sc->rdep_off = table(sc->n, sizeof *sc->rdep_off);
	for (size_t i = 0; i < sc->n; i++) {
		ctask_task *t = ctask_graph_task(sc->g, i);
		CTASK_FOREACH_INPUT(t, d, sc->rdep_off[d->id + 1]++);
	}
	for (size_t i = 0; i < sc->n; i++)
		sc->rdep_off[i + 1] += sc->rdep_off[i];
	sc->rdeps =
		ctask_xmalloc((sc->rdep_off[sc->n] + 1) * sizeof *sc->rdeps);
	uint32_t *fill = ctask_xcalloc(sc->n + 1, sizeof *fill);
	for (size_t i = 0; i < sc->n; i++) {
		ctask_task *t = ctask_graph_task(sc->g, i);
		CTASK_FOREACH_INPUT(t, d, {
			sc->rdeps[sc->rdep_off[d->id] + fill[d->id]++] =
				(uint32_t)i;
		});
	}
	free(fill);
}

/* Marks the wanted tasks; returns how many of them are not done. */
static size_t init_want(sched *sc)
{
	sc->n = ctask_graph_size(sc->g);
	sc->want = table(sc->n, 1);
	if (sc->o->want) {
		memcpy(sc->want, sc->o->want, sc->n);
		ctask_graph_mark_upstream(sc->g, sc->want);
	} else {
		memset(sc->want, 1, sc->n);
	}
	size_t nn = ctask_graph_nnames(sc->g) + 1, todo = 0;
	sc->st->nnames = nn - 1;
	sc->st->ran_by_name = ctask_xcalloc(nn, sizeof(size_t));
	sc->st->failed_by_name = ctask_xcalloc(nn, sizeof(size_t));
	sc->st->left_by_name = ctask_xcalloc(nn, sizeof(size_t));
	sc->todo = ctask_xcalloc(nn, sizeof *sc->todo);
	for (size_t i = 0; i < sc->n; i++) {
		const ctask_task *t = ctask_graph_task(sc->g, i);
		if (!sc->want[i])
			continue;
		sc->st->wanted++;
		if (t->state != CTASK_S_DONE) {
			sc->todo[t->name_id]++;
			todo++;
		}
	}
	sc->st->done_before = sc->st->wanted - todo;
	return todo;
}

/* Rotates the ready queue to start at a random place: executors sharing a
 * store then start on different tasks instead of all asking for the same
 * ones (each held batch of another's is a lease transaction for nothing),
 * and each still puts its results in key order from there. */
static void start_anywhere(sched *sc)
{
	uint64_t r = 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
		r = ((uint64_t)getpid() ^ (uint64_t)(ctask_now() * 1e6)) *
		    0x9e3779b97f4a7c15u;
	size_t at = (size_t)(r % sc->qlen), n = sc->qlen;
	uint32_t *v = ctask_xmalloc(n * sizeof *v); /* owned here */
	memcpy(v, sc->queue + at, (n - at) * sizeof *v);
	memcpy(v + (n - at), sc->queue, at * sizeof *v);
	memcpy(sc->queue, v, n * sizeof *v);
	free(v);
}

static bool is_ready(const sched *sc, uint32_t i)
{
	return sc->want[i] && sc->pending[i] == 0 &&
	       ctask_graph_task(sc->g, i)->state != CTASK_S_DONE;
}

static void init_tasks(sched *sc)
{
	/* Per-task tables, read in hash order at 10^6 tasks: see ctask_xbig. */
	sc->pending = table(sc->n, sizeof *sc->pending);
	sc->tries = table(sc->n, 1);
	sc->earlier = table(sc->n, 1);
	sc->kept = table(sc->n, sizeof *sc->kept);
	sc->in_batch = table(sc->n, 1);
	sc->ran_here = table(sc->n, 1);
	sc->kept_n = table(sc->n, sizeof *sc->kept_n);
	sc->uses = table(sc->n, sizeof *sc->uses);
	build_rdeps(sc);
	for (size_t i = 0; i < sc->n; i++) {
		ctask_task *t = ctask_graph_task(sc->g, i);
		CTASK_FOREACH_INPUT(t, d, sc->uses[d->id] += sc->want[i]);
		/* Running elsewhere: the lease decides, when we get to it.
		 * Failed in an earlier run: tried again in this one; until
		 * then it is not a failure of this run (tally_left). */
		sc->earlier[i] = t->state == CTASK_S_FAILED;
		if (t->state == CTASK_S_RUNNING || t->state == CTASK_S_FAILED)
			t->state = CTASK_S_READY;
		CTASK_FOREACH_INPUT(t, d,
				    sc->pending[i] += d->state != CTASK_S_DONE);
	}
	/* Ready tasks run in declaration order, except that a run starting
	 * with many runs them in hash order: their results then reach the
	 * store in its key order, and each commit writes a few B-tree pages
	 * instead of dirtying pages all over the table (at 10^6 tasks that
	 * halves the time of the puts). */
	sc->qcap = sc->n ? sc->n : 1;
	sc->queue = ctask_xrealloc(sc->queue, sc->qcap * sizeof *sc->queue);
	for (uint32_t i = 0; i < sc->n; i++)
		if (is_ready(sc, i))
			sc->queue[sc->qlen++] = i;
	if (sc->qlen >= HASH_ORDER_MIN) {
		size_t m = ctask_graph_hash_order(sc->g, sc->queue);
		sc->qlen = 0;
		for (size_t k = 0; k < m; k++)
			if (is_ready(sc, sc->queue[k]))
				sc->queue[sc->qlen++] = sc->queue[k];
		start_anywhere(sc);
	}
	size_t nn = ctask_graph_nnames(sc->g) + 1;
	sc->mean = ctask_xcalloc(nn, sizeof *sc->mean);
	sc->nmean = ctask_xcalloc(nn, sizeof *sc->nmean);
	sc->cap_in = 64;
	sc->offs = ctask_xmalloc((sc->cap_in + 1) * sizeof *sc->offs);
	sc->lens = ctask_xmalloc(sc->cap_in * sizeof *sc->lens);
	sc->from = ctask_xmalloc(sc->cap_in * sizeof *sc->from);
	sc->slices = ctask_xmalloc(sc->cap_in * sizeof *sc->slices);
}

static void sched_free(sched *sc)
{
	free(sc->want);
	free(sc->pending);
	free(sc->tries);
	free(sc->earlier);
	free(sc->rdep_off);
	free(sc->rdeps);
	free(sc->queue);
	free(sc->held);
	for (size_t i = 0; sc->kept && i < sc->n; i++)
		drop_kept(sc, (uint32_t)i);
	free(sc->kept);
	free(sc->in_batch);
	free(sc->ran_here);
	free(sc->kept_n);
	free(sc->uses);
	free(sc->batch);
	free(sc->offs);
	free(sc->lens);
	free(sc->defer);
	free(sc->from);
	free(sc->slices);
	free(sc->lh);
	free(sc->lids);
	free(sc->lout);
	free(sc->mean);
	free(sc->todo);
	free(sc->nmean);
	ctask_buf_free(&sc->inbuf);
	ctask_buf_free(&sc->tmp);
}

/* ---- Committing ---------------------------------------------------------- */

/* The batch could not be written (a full disk, say): its tasks are not
 * done nor failed after all, so that the summary and the executor's record
 * count only what the store holds, and the tasks count as not run. */
static void unstore(sched *sc)
{
	for (size_t i = 0; i < sc->nbatch; i++) {
		ctask_task *t = sc->batch[i].task;
		if (sc->batch[i].state == CTASK_REC_DONE) {
			sc->st->ran--;
			sc->st->ran_by_name[t->name_id]--;
			sc->ran_here[t->id] = 0;
		} else {
			sc->st->failed--;
			sc->st->failed_by_name[t->name_id]--;
		}
		t->state = CTASK_S_READY;
		sc->st->unstored++;
	}
}

static void redo_refused(sched *sc, ctask_task *t);

/* Appends the hashes of the inputs of task ud to out: for the store, which
 * refuses a result computed from results deleted meanwhile (an invalidate
 * during the run: store.h, ctask_store_put). */
static void task_inputs(void *ud, ctask_buf *out)
{
	ctask_task *t = ud;
	CTASK_FOREACH_INPUT(t, d,
			    ctask_buf_append(out, d->hash.b, sizeof d->hash.b));
}

/* Writes the batch to the store in one transaction (which also releases
 * the leases of its tasks) and frees it. Returns how many results the
 * store refused (they run again: redo_refused), or an error. */
static int commit(sched *sc)
{
	if (sc->nbatch == 0)
		return 0;
	ctask_record *recs = ctask_xcalloc(sc->nbatch, sizeof *recs);
	uint8_t *refused = ctask_xcalloc(sc->nbatch, 1); /* owned here */
	for (size_t i = 0; i < sc->nbatch; i++) {
		const ctask_outcome *oc = &sc->batch[i];
		recs[i] = (ctask_record){
			.hash = oc->task->hash,
			.name = ctask_task_name(sc->g, oc->task),
			.state = oc->state,
			.data = oc->result.p,
			.size = oc->result.len,
			.message = oc->message,
			.started = oc->started,
			.duration = oc->duration,
			.host = ctask_hostname(),
			.fingerprint = ctask_graph_fingerprint(
				sc->g, oc->task->name_id),
			.commit = sc->o->git_commit,
			.dirty = sc->o->git_commit ? sc->o->git_dirty : -1,
			.task_file = sc->o->task_file,
			.output = oc->output.len ? oc->output.p : NULL,
			.output_len = oc->output.len,
			.inputs = task_inputs,
			.inputs_ud = oc->task,
		};
	}
	int rc = ctask_store_put(sc->s, sc->nbatch, recs, refused);
	free(recs);
	if (rc < 0)
		unstore(sc);
	for (size_t i = 0; rc >= 0 && i < sc->nbatch; i++)
		if (refused[i]) {
			redo_refused(sc, sc->batch[i].task);
			rc++;
		}
	free(refused);
	for (size_t i = 0; i < sc->nbatch; i++) {
		sc->in_batch[sc->batch[i].task->id] = 0;
		ctask_buf_free(&sc->batch[i].result);
		ctask_buf_free(&sc->batch[i].output);
		free(sc->batch[i].message);
	}
	sc->nbatch = 0;
	sc->batch_bytes = 0;
	sc->batch_t0 = ctask_monotonic();
	return rc;
}

static void add_to_batch(sched *sc, ctask_outcome *oc)
{
	if (sc->nbatch == sc->capbatch) {
		sc->capbatch = sc->capbatch ? 2 * sc->capbatch : 256;
		sc->batch = ctask_xrealloc(sc->batch,
					   sc->capbatch * sizeof *sc->batch);
	}
	if (sc->nbatch == 0)
		sc->batch_t0 = ctask_monotonic();
	sc->batch[sc->nbatch++] = *oc;
	sc->in_batch[oc->task->id] = 1;
	sc->batch_bytes += oc->result.len + oc->output.len;
	if (sc->nbatch >= BATCH_MAX_RECORDS ||
	    sc->batch_bytes >= BATCH_MAX_BYTES)
		fail_store(sc, commit(sc));
}

/* ---- Task state changes -------------------------------------------------- */

/* t is done (here or elsewhere): release the tasks waiting for it. */
/* t failed (here, or elsewhere during this run): its dependents wait. */
static void mark_failed(sched *sc, ctask_task *t)
{
	t->state = CTASK_S_FAILED;
	sc->st->failed++;
	sc->st->failed_by_name[t->name_id]++;
	sc->todo[t->name_id] -= sc->want[t->id];
}

static void mark_done(sched *sc, ctask_task *t)
{
	if (t->state == CTASK_S_DONE)
		return; /* e.g. held twice and found done twice */
	t->state = CTASK_S_DONE;
	sc->todo[t->name_id] -= sc->want[t->id];
	for (uint32_t k = sc->rdep_off[t->id]; k < sc->rdep_off[t->id + 1];
	     k++) {
		uint32_t e = sc->rdeps[k];
		uint8_t st = ctask_graph_task(sc->g, e)->state;
		/* A RUNNING dependent already went out chained to t. */
		if (--sc->pending[e] == 0 && sc->want[e] &&
		    st != CTASK_S_DONE && st != CTASK_S_RUNNING)
			push_ready(sc, e);
	}
}

/* d, done, is to run again: it no longer counts as done, neither as run
 * in this run (it will be when it runs again: once) nor as done before. */
static void uncount(sched *sc, const ctask_task *d)
{
	if (sc->ran_here[d->id]) {
		sc->ran_here[d->id] = 0;
		sc->st->ran--;
		sc->st->ran_by_name[d->name_id]--;
	} else if (sc->st->done_before > 0) {
		sc->st->done_before--;
	}
}

/* Makes t, done, ready to run again: its dependents wait for it anew. */
static void again(sched *sc, ctask_task *t)
{
	t->small_n = 0;
	sc->todo[t->name_id] += sc->want[t->id];
	uncount(sc, t);
	t->state = CTASK_S_READY;
	for (uint32_t k = sc->rdep_off[t->id]; k < sc->rdep_off[t->id + 1]; k++)
		sc->pending[sc->rdeps[k]]++;
	if (sc->pending[t->id] == 0)
		push_ready(sc, t->id);
}

/* A result that was done turned out to be missing or corrupt: forget it
 * (deleting a corrupt one), so that it is computed again before the tasks
 * that need it. */
static int undo(sched *sc, ctask_task *d, int why)
{
	if (why == CTASK_ECORRUPT) { /* the caller printed why */
		int rc = ctask_store_delete(sc->s, 1, &d->hash, NULL, NULL);
		if (rc < 0)
			return rc;
	}
	sc->st->recomputed++;
	again(sc, d);
	return 0;
}

/* The store refused t's result: results t read were deleted after it read
 * them (an invalidate during the run; item 6 of issue 10). So t runs
 * again, after those of its inputs that the store no longer has (undone:
 * recomputed first). t's lease is still this executor's. Its dependents
 * that ran from t's result have theirs refused in turn; a stopping run
 * leaves them all undone. */
static void redo_refused(sched *sc, ctask_task *t)
{
	/* Each input looked up (not ctask_store_done: that says "none"
	 * without looking while no other connection wrote since the scan, and
	 * the deletion that refused t may be this executor's own). A failed
	 * read counts as not there: that input runs again. */
	CTASK_FOREACH_INPUT(t, d, {
		ctask_record rec;
		if (d->state == CTASK_S_DONE &&
		    !(ctask_store_get(sc->s, &d->hash, &rec, NULL) == 0 &&
		      rec.state == CTASK_REC_DONE)) {
			drop_kept(sc, d->id);
			undo(sc, d, CTASK_ENOTFOUND);
		}
	});
	if (t->state == CTASK_S_DONE) { /* (unless undone as another's input) */
		drop_kept(sc, t->id);
		again(sc, t);
	}
}

static void record_duration(sched *sc, const ctask_outcome *oc)
{
	uint32_t nid = oc->task->name_id;
	sc->nmean[nid]++;
	sc->mean[nid] +=
		(oc->duration - sc->mean[nid]) / (double)sc->nmean[nid];
}

/* Keeps a copy of a result that tasks still to run will need. */
static void keep(sched *sc, const ctask_task *t, const ctask_buf *res)
{
	kept_result *k = &sc->kept[t->id];
	if (sc->uses[t->id] == 0 || sc->kept_n[t->id] != 0 ||
	    sc->kept_bytes + res->len > KEPT_MAX_BYTES)
		return;
	uint8_t *to = res->len <= sizeof k->in
			      ? k->in
			      : (k->p = ctask_xmalloc(res->len));
	if (res->len)
		memcpy(to, res->p, res->len);
	sc->kept_n[t->id] = (uint32_t)res->len + 1;
	sc->kept_bytes += res->len;
}

/* Under a failure line: the end of what the task printed, and how to see
 * all of it. */
static void show_output(sched *sc, const ctask_outcome *oc)
{
	if (oc->output.len == 0)
		return;
	const ctask_task *t = oc->task;
	ctask_buf how = {0}; /* owned here */
	ctask_buf_printf(&how, "%s %s#%u",
			 sc->o->log_command ? sc->o->log_command : "ctask log",
			 ctask_task_name(sc->g, t), ctask_task_index(t));
	clear_progress(sc);
	ctask_capture_excerpt(sc->log, oc->output.p, oc->output.len,
			      (const char *)how.p);
	fflush(sc->log);
	ctask_buf_free(&how);
}

/* The runner's report of a finished task. */
static void on_finished(void *ud, ctask_outcome *oc)
{
	sched *sc = ud;
	ctask_task *t = oc->task;
	record_duration(sc, oc);
	if (oc->state == CTASK_REC_DONE) {
		sc->st->ran++;
		sc->st->ran_by_name[t->name_id]++;
		sc->ran_here[t->id] = 1;
		keep(sc, t, &oc->result);
		/* Done before it joins the batch: a commit that batch may
		 * start can refuse t (redo_refused) and must find it done. */
		mark_done(sc, t);
		add_to_batch(sc, oc);
		return;
	}
	const char *name = ctask_task_name(sc->g, t);
	uint32_t index = ctask_task_index(t);  /* NAME#I, as show takes it */
	ctask_capture_channel_drain(sc->chan); /* its live lines first */
	int attempt = ++sc->tries[t->id];
	fail_store(sc,
		   ctask_store_attempt(sc->s, &t->hash, name, attempt,
				       oc->message, oc->started, oc->duration));
	if (attempt <= sc->o->retries && !sc->stop) {
		logf_(sc,
		      "ctask: %s#%" PRIu32 " failed: %s; trying again (%d of "
		      "%d)\n",
		      name, index, oc->message, attempt + 1,
		      sc->o->retries + 1);
		sc->st->retried++;
		t->state = CTASK_S_READY;
		push_ready(sc, t->id);
		free(oc->message);
		ctask_buf_free(&oc->result);
		ctask_buf_free(&oc->output);
		return;
	}
	logf_(sc, "ctask: %s#%" PRIu32 " failed: %s\n", name, index,
	      oc->message);
	show_output(sc, oc);
	mark_failed(sc, t);
	add_to_batch(sc, oc);
	if (!sc->o->keep_going && !sc->stop) {
		/* Nothing new starts, not even the rest of a worker's batch;
		 * running tasks finish. */
		sc->stop = true;
		sc->r->stop(sc->r, false);
	}
}

/* The runner's report of a task it could not finish (a stopped worker):
 * not a failure; it runs again unless the run is stopping. */
static void on_returned(void *ud, ctask_task *t)
{
	sched *sc = ud;
	t->state = CTASK_S_READY;
	if (!sc->stop)
		push_ready(sc, t->id);
}

/* Inputs are gathered into sc->inbuf in any order (offs/lens say where
 * each one is), so that the ones read from the store can be read in hash
 * order: a task with a million inputs then walks the store's B-tree once
 * instead of seeking a million times. */

/* An input to read from the store. */
struct deferred {
	uint32_t k;	 /* its position among the task's inputs */
	ctask_task *raw; /* the argument: a task or a part of one */
	ctask_task *src; /* the task whose stored result holds it */
	uint64_t key;	 /* src's hash prefix, big-endian: sorts as it does */
	ctask_hash hash; /* src's hash: after the sort, src is not touched
			    (at 10^6 inputs each touch is a cache miss) */
};

static int by_hash(const void *a, const void *b)
{
	const deferred *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return ctask_hash_cmp(&x->hash, &y->hash);
}

/* Sorts v by hash: a radix sort of the prefixes' top 32 bits, 16 at a
 * time (a fan-in of 10^6 inputs took qsort 0.4 s), then an insertion pass
 * that orders what those bits leave tied (rare: random hashes) by the
 * whole hash. */
static void sort_deferred(deferred *v, size_t n)
{
	if (n < 1024) {
		qsort(v, n, sizeof *v, by_hash);
		return;
	}
	deferred *tmp = ctask_xbig(n * sizeof *tmp);	      /* owned here */
	size_t *count = ctask_xmalloc(65536 * sizeof *count); /* owned here */
	for (int shift = 32; shift < 64; shift += 16) {
		memset(count, 0, 65536 * sizeof *count);
		for (size_t i = 0; i < n; i++)
			count[(v[i].key >> shift) & 0xffff]++;
		for (size_t b = 0, sum = 0; b < 65536; b++) {
			size_t c = count[b];
			count[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			tmp[count[(v[i].key >> shift) & 0xffff]++] = v[i];
		memcpy(v, tmp, n * sizeof *v);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && by_hash(&v[j - 1], &v[j]) > 0;
		     j--) {
			deferred d = v[j];
			v[j] = v[j - 1];
			v[j - 1] = d;
		}
	free(tmp);
	free(count);
}

/* Fails t without running it: an argument that is a part cannot be had. */
static void fail_part(sched *sc, ctask_task *t, const ctask_task *raw,
		      const ctask_task *src, const char *why)
{
	ctask_outcome oc = {.task = t, .state = CTASK_REC_FAILED};
	ctask_buf msg = {0};
	ctask_buf_printf(&msg, "%s: an argument is part %u of %s: %s",
			 ctask_task_name(sc->g, t), raw->item,
			 src ? ctask_task_name(sc->g, src) : "?", why);
	oc.message = (char *)msg.p;
	oc.started = ctask_now();
	on_finished(sc, &oc);
}

/* Appends p[0..n) as input k. */
static void append_input(sched *sc, size_t k, const uint8_t *p, size_t n)
{
	sc->offs[k] = sc->inbuf.len;
	sc->lens[k] = n;
	ctask_buf_append(&sc->inbuf, p, n);
}

/* Appends input k: raw's bytes, cut out of its source's result p[0..n).
 * Returns 0, or 2 if it is a part that cannot be had (the message says
 * why; the caller fails the task). */
static int put_input(sched *sc, size_t k, ctask_task *raw, const uint8_t *p,
		     size_t n)
{
	const uint8_t *q;
	size_t qn;
	if (ctask_view_bytes(raw, p, n, &q, &qn) < 0)
		return 2;
	append_input(sc, k, q, qn);
	return 0;
}

/* Input k from memory (a constant, or a result kept for tasks to come), a
 * chained result, or later from the store (sc->defer). Returns 0, 1 if t
 * must wait, or 2 if t failed. */
static int first_pass(sched *sc, ctask_task *t, size_t k, ctask_task *raw)
{
	ctask_task *src = ctask_task_source(raw);
	sc->from[k] = 0;
	sc->lens[k] = 0;
	sc->offs[k] = sc->inbuf.len; /* in bounds even for no bytes */
	if (!src)
		return put_input(sc, k, raw, NULL, 0);
	if (src->state == CTASK_S_RUNNING) { /* chained: see take_ready */
		sc->from[k] = src->id + 1;
		sc->uses[src->id]--; /* its result need not be kept for t */
		return 0;
	}
	if (src->state != CTASK_S_DONE)
		return 1;	   /* its chain was cut: wait for it */
	const uint8_t *mem = NULL; /* its result in memory, if it is */
	size_t len = 0;
	if (sc->kept_n[src->id] != 0)
		mem = kept_data(sc, src->id), len = sc->kept_n[src->id] - 1;
	else if (src->small_n != 0 && sc->small_ok) /* seen by the scan */
		mem = src->small, len = src->small_n - 1u;
	if (mem) {
		int rc = put_input(sc, k, raw, mem, len);
		if (rc == 2)
			fail_part(sc, t, raw, src, ctask_error_last());
		if (rc == 0 && --sc->uses[src->id] == 0)
			drop_kept(sc, src->id);
		return rc;
	}
	if (sc->ndefer == sc->capdefer) {
		sc->capdefer = sc->capdefer ? 2 * sc->capdefer : 64;
		sc->defer = ctask_xrealloc(sc->defer,
					   sc->capdefer * sizeof *sc->defer);
	}
	sc->defer[sc->ndefer++] =
		(deferred){(uint32_t)k, raw, src, ctask_hash_prefix(&src->hash),
			   src->hash};
	return 0;
}

typedef struct {
	sched *sc;
	ctask_task *t;
	size_t *bad; /* malloc'd: deferred entries that failed */
	int *why;    /* malloc'd: CTASK_ECORRUPT/ENOTFOUND, or 2 (a part) */
	size_t nbad;
	ctask_buf part_msg; /* the message of a part that cannot be had */
} bulk;

/* One stored input, from ctask_store_get_sorted. Problems are noted and
 * dealt with after the pass: the store is not written during its read. */
static int got_input(void *ud, size_t i, int rc, const uint8_t *data, size_t n)
{
	bulk *b = ud;
	const deferred *d = &b->sc->defer[i];
	if (rc == 0 && d->raw == d->src) { /* the whole result */
		append_input(b->sc, d->k, data, n);
		return 0;
	}
	if (rc == 0 && put_input(b->sc, d->k, d->raw, data, n) == 0)
		return 0;
	if (rc < 0 && rc != CTASK_ECORRUPT && rc != CTASK_ENOTFOUND)
		return rc;
	if (rc == 0 && b->part_msg.len == 0) /* a part cannot be had */
		ctask_buf_printf(&b->part_msg, "%s", ctask_error_last());
	if (rc == CTASK_ECORRUPT) /* keep the checksum message */
		notef_(b->sc, "ctask: warning: %s; recomputing it\n",
		       ctask_error_last());
	b->bad[b->nbad] = i;
	b->why[b->nbad++] = rc == 0 ? 2 : rc;
	return 0;
}

/* After the pass: recompute missing or corrupt inputs (t waits), or fail
 * t for a part it cannot have. Returns 0, 1, 2 or an error. */
static int settle(sched *sc, ctask_task *t, bulk *b)
{
	int rc = 0;
	for (size_t j = 0; j < b->nbad && rc >= 0; j++) {
		const deferred *d = &sc->defer[b->bad[j]];
		if (b->why[j] == 2) {
			rc = rc ? rc : 2;
			continue;
		}
		if (d->src->state == CTASK_S_DONE) {
			int u = undo(sc, d->src, b->why[j]);
			if (u < 0)
				return u;
		}
		rc = 1;
	}
	if (rc == 2)
		fail_part(sc, t, sc->defer[b->bad[0]].raw,
			  sc->defer[b->bad[0]].src, (char *)b->part_msg.p);
	return rc;
}

/* Reads the deferred inputs in one ordered pass over the store. */
static int second_pass(sched *sc, ctask_task *t)
{
	if (sc->ndefer == 0)
		return 0;
	int rc = 0;
	/* A result not kept in memory must be in the store to be read. */
	for (size_t i = 0; i < sc->ndefer && rc == 0; i++)
		if (sc->in_batch[sc->defer[i].src->id])
			rc = commit(sc);
	if (rc < 0)
		return rc;
	sort_deferred(sc->defer, sc->ndefer);
	ctask_hash *hs = ctask_xmalloc(sc->ndefer * sizeof *hs);
	for (size_t i = 0; i < sc->ndefer; i++)
		hs[i] = sc->defer[i].hash;
	bulk b = {sc,
		  t,
		  ctask_xmalloc(sc->ndefer * sizeof *b.bad),
		  ctask_xmalloc(sc->ndefer * sizeof *b.why),
		  0,
		  {0}};
	rc = ctask_store_get_sorted(sc->s, sc->ndefer, hs, got_input, &b);
	if (rc == 0)
		rc = settle(sc, t, &b);
	free(hs);
	free(b.bad);
	free(b.why);
	ctask_buf_free(&b.part_msg);
	return rc;
}

static void input_room(sched *sc, size_t k)
{
	if (k < sc->cap_in)
		return;
	sc->cap_in = 2 * k;
	sc->offs = ctask_xrealloc(sc->offs, sc->cap_in * sizeof *sc->offs);
	sc->lens = ctask_xrealloc(sc->lens, sc->cap_in * sizeof *sc->lens);
	sc->from = ctask_xrealloc(sc->from, sc->cap_in * sizeof *sc->from);
	sc->slices =
		ctask_xrealloc(sc->slices, sc->cap_in * sizeof *sc->slices);
}

/* Gathers the encoded inputs of t into sc->slices. Returns 0, 1 if t must
 * wait (an input was undone, or its chain was cut), 2 if t failed, or a
 * negative store error. */
static int fetch_inputs(sched *sc, ctask_task *t, size_t *nin)
{
	size_t k = 0;
	int rc = 0;
	sc->inbuf.len = 0;
	ctask_buf_reserve(&sc->inbuf,
			  0); /* p is never NULL: slices add to it */
	sc->ndefer = 0;
	CTASK_FOREACH_ARG_TASK(t, raw, {
		input_room(sc, k);
		if ((rc = first_pass(sc, t, k++, raw)) != 0)
			return rc;
	});
	if ((rc = second_pass(sc, t)) != 0)
		return rc;
	for (size_t i = 0; i < k; i++)
		sc->slices[i] = (ctask_slice){sc->inbuf.p + sc->offs[i],
					      sc->lens[i], sc->from[i]};
	*nin = k;
	return 0;
}

/* ---- Dispatching --------------------------------------------------------- */

static void lease_room(sched *sc, size_t n)
{
	if (n <= sc->cap_l)
		return;
	sc->cap_l = n < 2 * sc->cap_l ? 2 * sc->cap_l : n;
	n = sc->cap_l;
	sc->lh = ctask_xrealloc(sc->lh, n * sizeof *sc->lh);
	sc->lids = ctask_xrealloc(sc->lids, n * sizeof *sc->lids);
	sc->lout = ctask_xrealloc(sc->lout, n * sizeof *sc->lout);
}

static void hold(sched *sc, uint32_t id)
{
	if (sc->nheld == sc->capheld) {
		sc->capheld = sc->capheld ? 2 * sc->capheld : 64;
		sc->held = ctask_xrealloc(sc->held,
					  sc->capheld * sizeof *sc->held);
	}
	sc->held[sc->nheld++] = id;
}

/* Acts on the lease outcome for one task: run it (returns true), or note
 * that another executor holds, finished or failed it. */
static bool leased(sched *sc, ctask_task *t, int outcome)
{
	switch (outcome) {
	case CTASK_LEASE_TAKEN:
		return true;
	case CTASK_LEASE_HELD:
		hold(sc, t->id);
		return false;
	case CTASK_LEASE_DONE:
		sc->st->by_others++;
		mark_done(sc, t);
		return false;
	default: /* failed elsewhere during this run: its dependents wait */
		mark_failed(sc, t);
		return false;
	}
}

/* Adds t to the tasks of this dispatch (sc->lids, sc->lh; *n of them). */
static void take(sched *sc, ctask_task *t, size_t *n)
{
	t->state = CTASK_S_RUNNING; /* also guards duplicates */
	lease_room(sc, *n + 1);
	sc->lids[*n] = t->id;
	sc->lh[(*n)++] = t->hash;
}

/* The task that can follow c in the same batch: a wanted dependent whose
 * only input not done is c, taken directly (not through a part). */
static ctask_task *follower(sched *sc, const ctask_task *c)
{
	for (uint32_t k = sc->rdep_off[c->id]; k < sc->rdep_off[c->id + 1];
	     k++) {
		ctask_task *e = ctask_graph_task(sc->g, sc->rdeps[k]);
		if (!sc->want[e->id] || sc->pending[e->id] != 1 ||
		    e->state == CTASK_S_DONE || e->state == CTASK_S_RUNNING)
			continue;
		bool direct = true;
		CTASK_FOREACH_ARG_TASK(e, raw, {
			if (ctask_task_source(raw) == c && raw != c)
				direct = false;
		});
		if (direct)
			return e;
	}
	return NULL;
}

/* Takes up to `room` tasks into sc->lids: valid entries off the ready
 * queue, each followed (when the runner can chain) by the chain of tasks
 * waiting only for it, so a chain costs one batch, not a round trip per
 * link. */
/* Whether a queue entry still stands: the ready queue keeps stale entries
 * (tasks since run or running, or with an input undone). */
static bool startable(const sched *sc, const ctask_task *t)
{
	return t->state != CTASK_S_DONE && t->state != CTASK_S_RUNNING &&
	       sc->pending[t->id] == 0;
}

static size_t take_ready(sched *sc, size_t room)
{
	size_t n = 0;
	while (n < room && sc->qhead < sc->qlen) {
		ctask_task *t = ctask_graph_task(sc->g, sc->queue[sc->qhead++]);
		if (!startable(sc, t))
			continue;
		take(sc, t, &n);
		for (ctask_task *e = t; sc->r->can_chain && n < room &&
					(e = follower(sc, e)) != NULL;)
			take(sc, e, &n);
	}
	return n;
}

/* With little room (before any task is timed the runner takes one per
 * worker), leases go a few tasks per transaction; if other executors have
 * finished the tasks ahead, that is a write per task for nothing (a second
 * executor of 70,000 tasks took 22 s to find them done). So the next PROBE
 * entries of the queue are first looked up, in one read, and those done
 * elsewhere are done here too. Each entry is looked up once. */
static void probe_ahead(sched *sc, size_t room)
{
	size_t from = sc->probed > sc->qhead ? sc->probed : sc->qhead;
	size_t to = sc->qlen - from > PROBE ? from + PROBE : sc->qlen, n = 0;
	if (room >= PROBE || to - from <= room)
		return;
	lease_room(sc, to - from);
	for (size_t k = from; k < to; k++) {
		ctask_task *t = ctask_graph_task(sc->g, sc->queue[k]);
		if (startable(sc, t)) {
			sc->lids[n] = t->id;
			sc->lh[n++] = t->hash;
		}
	}
	sc->probed = to;
	/* Only a hint: if the read fails, the leases will tell. */
	if (ctask_store_done(sc->s, n, sc->lh, sc->lout) < 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (sc->lout[i]) {
			sc->st->by_others++;
			mark_done(sc, ctask_graph_task(sc->g, sc->lids[i]));
		}
}

/* Starts ready tasks while the runner has room: leases them in one store
 * transaction, fetches their inputs and hands them to the runner. */
static void dispatch(sched *sc)
{
	while (!sc->stop && sc->qhead < sc->qlen) {
		size_t room = sc->r->can_start(sc->r);
		if (room == 0)
			break;
		probe_ahead(sc, room);
		sc->small_ok = sc->small_ok && ctask_store_changed(sc->s) == 0;
		size_t n = take_ready(sc, room > LEASE_MAX ? LEASE_MAX : room);
		if (n == 0)
			break;
		int rc = ctask_store_lease(sc->s, &sc->ex, sc->o->lease_ttl, n,
					   sc->lh, sc->lout, NULL);
		for (size_t i = 0; i < n; i++) {
			ctask_task *t = ctask_graph_task(sc->g, sc->lids[i]);
			t->state = CTASK_S_READY;
			if (rc < 0 || !leased(sc, t, sc->lout[i]))
				continue;
			if (sc->stop) { /* a failure in a task run inside
					   start() */
				push_ready(sc, t->id);
				continue;
			}
			size_t nin = 0;
			int frc = fetch_inputs(sc, t, &nin);
			if (frc != 0) { /* 1: must wait; 2: failed */
				fail_store(sc, frc);
				continue;
			}
			t->state = CTASK_S_RUNNING;
			fail_store(sc, sc->r->start(sc->r, t, sc->slices, nin));
		}
		fail_store(sc, rc);
	}
	sc->r->flush(sc->r);
}

/* Asks the store again about the tasks other executors hold: finished
 * there, or free to take (the lease expired or was released). */
static void poll_held(sched *sc)
{
	/* A batch at a time, the oldest first: a poll is a write transaction,
	 * and 10^5 held tasks in one would stall every other executor. */
	size_t n = sc->nheld < LEASE_MAX ? sc->nheld : LEASE_MAX;
	if (n == 0)
		return;
	lease_room(sc, n);
	for (size_t i = 0; i < n; i++) {
		sc->lids[i] = sc->held[i];
		sc->lh[i] = ctask_graph_task(sc->g, sc->held[i])->hash;
	}
	sc->nheld -= n;
	memmove(sc->held, sc->held + n, sc->nheld * sizeof *sc->held);
	int rc = ctask_store_lease(sc->s, &sc->ex, sc->o->lease_ttl, n, sc->lh,
				   sc->lout, NULL);
	for (size_t i = 0; i < n; i++) {
		ctask_task *t = ctask_graph_task(sc->g, sc->lids[i]);
		if (rc < 0)
			hold(sc, t->id);
		else if (leased(sc, t, sc->lout[i]))
			push_ready(sc, t->id); /* ours now; dispatch runs it */
	}
	fail_store(sc, rc);
	sc->last_poll = ctask_monotonic();
}

/* ---- Progress ------------------------------------------------------------ */

/* Seconds of work left, from the mean duration of each function's tasks
 * in this run (tasks of a function not seen yet count as the overall mean),
 * spread over the workers; -1 (unknown) until a task has finished. */
static double eta(const sched *sc)
{
	double all = 0, total = 0;
	size_t nall = 0, nn = ctask_graph_nnames(sc->g);
	for (size_t i = 0; i < nn; i++)
		all += sc->mean[i] * (double)sc->nmean[i], nall += sc->nmean[i];
	if (nall == 0)
		return -1;
	double overall = all / (double)nall;
	for (size_t i = 0; i < nn; i++)
		total += (double)sc->todo[i] *
			 (sc->nmean[i] ? sc->mean[i] : overall);
	return total / (sc->o->jobs > 0 ? sc->o->jobs : 1);
}

/* Columns the live line may use: the terminal's width (TIOCGWINSZ, asked
 * each time: the window may change), else $COLUMNS, else 80; minus one, as
 * writing the last column wraps on some terminals. */
static int line_width(FILE *f)
{
	struct winsize ws;
	int w = 0;
	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	const char *env = getenv("COLUMNS");
	if (w == 0 && env)
		w = atoi(env);
	return (w > 0 ? w : 80) - 1;
}

static void clear_progress(sched *sc)
{
	if (sc->progress_shown && sc->o->progress == CTASK_PROGRESS_LINE) {
		fputs("\r\033[K", sc->log);
		sc->progress_shown = false;
	}
}

static void show_progress(sched *sc, bool force)
{
	double now = ctask_monotonic();
	double every = sc->o->progress == CTASK_PROGRESS_LINE ? 0.2 : 5.0;
	if (sc->o->progress == CTASK_PROGRESS_NONE ||
	    (!force && now - sc->last_line < every))
		return;
	sc->last_line = now;
	const ctask_exec_stats *st = sc->st;
	size_t done = st->done_before + st->ran + st->by_others;
	size_t running = sc->r->running(sc->r);
	double el = now - sc->t0;
	double rate = el > 0 ? (double)st->ran / el : 0;
	double left = eta(sc);
	bool live = sc->o->progress == CTASK_PROGRESS_LINE;
	char line[256], when[48] = "";
	if (left >= 0)
		snprintf(when, sizeof when, ", ETA %.0f s", left);
	int n = snprintf(line, sizeof line,
			 "ctask: %zu/%zu done, %zu running, %zu failed, %.1f "
			 "tasks/s%s",
			 done, st->wanted, running, st->failed, rate, when);
	if (n >= (int)sizeof line)
		n = (int)sizeof line - 1;
	int width = live ? line_width(sc->log) : n;
	if (n > width) /* a wrapped line would not be erased by \r */
		n = width;
	clear_progress(sc);
	fprintf(sc->log, "%.*s%s", n, line, live ? "" : "\n");
	fflush(sc->log);
	sc->progress_shown = live;
}

/* Lines the workers sent (capture.c): on stdout, between redraws of the
 * progress line, never into it. */
static void on_output(void *ud, const char *p, size_t n)
{
	sched *sc = ud;
	bool shown = sc->progress_shown;
	clear_progress(sc);
	fflush(sc->log);
	fwrite(p, 1, n, stdout);
	fflush(stdout);
	if (shown)
		show_progress(sc, true);
}

/* ---- Timers and signals -------------------------------------------------- */

static void on_tick(uv_timer_t *h)
{
	sched *sc = h->data;
	double now = ctask_monotonic();
	if (sc->nbatch && now - sc->batch_t0 >= BATCH_MAX_SECONDS)
		fail_store(sc, commit(sc));
	if (sc->nheld && now - sc->last_poll >= POLL_SECONDS)
		poll_held(sc);
	show_progress(sc, false);
}

static void on_heartbeat(uv_timer_t *h)
{
	sched *sc = h->data;
	int rc = ctask_store_heartbeat(sc->s, &sc->ex, sc->o->lease_ttl);
	if (rc < 0) /* a busy store: the next beat may get through */
		notef_(sc, "ctask: warning: heartbeat: %s\n",
		       ctask_error_last());
}

static void on_grace(uv_timer_t *h)
{
	sched *sc = h->data;
	sc->r->stop(sc->r, true);
}

/* First SIGINT/SIGTERM: start nothing, let running tasks finish within the
 * grace period. A second SIGINT kills the workers at once. */
static void on_signal(uv_signal_t *h, int signum)
{
	sched *sc = h->data;
	if (sc->st->signal) {
		if (signum == SIGINT)
			sc->r->stop(sc->r, true);
		return;
	}
	sc->st->signal = signum;
	sc->stop = true;
	notef_(sc, "ctask: %s: stopping; running tasks have %g s to finish\n",
	       signum == SIGINT ? "SIGINT" : "SIGTERM", sc->o->grace);
	sc->r->stop(sc->r, false);
	uv_timer_start(&sc->grace, on_grace, (uint64_t)(sc->o->grace * 1000),
		       0);
}

/* ---- The run ------------------------------------------------------------- */

static void start_loop(sched *sc)
{
	uv_loop_init(&sc->loop);
	uv_timer_init(&sc->loop, &sc->tick);
	uv_timer_init(&sc->loop, &sc->heartbeat);
	uv_timer_init(&sc->loop, &sc->grace);
	uv_signal_init(&sc->loop, &sc->sigint);
	uv_signal_init(&sc->loop, &sc->sigterm);
	sc->tick.data = sc->heartbeat.data = sc->grace.data = sc;
	sc->sigint.data = sc->sigterm.data = sc;
	uv_timer_start(&sc->tick, on_tick, TICK_MS, TICK_MS);
	uint64_t beat = (uint64_t)(sc->o->lease_ttl * 1000 / 3);
	uv_timer_start(&sc->heartbeat, on_heartbeat, beat ? beat : 1,
		       beat ? beat : 1);
	uv_signal_start(&sc->sigint, on_signal, SIGINT);
	uv_signal_start(&sc->sigterm, on_signal, SIGTERM);
}

static void stop_loop(sched *sc)
{
	uv_close((uv_handle_t *)&sc->tick, NULL);
	uv_close((uv_handle_t *)&sc->heartbeat, NULL);
	uv_close((uv_handle_t *)&sc->grace, NULL);
	uv_close((uv_handle_t *)&sc->sigint, NULL);
	uv_close((uv_handle_t *)&sc->sigterm, NULL);
	uv_run(&sc->loop, UV_RUN_DEFAULT);
	uv_loop_close(&sc->loop);
}

static int make_runner(sched *sc)
{
	ctask_runner_events ev = {sc, on_finished, on_returned};
	if (sc->o->jobs <= 0) {
		sc->r = ctask_runner_inproc(sc->g, ev);
		return 0;
	}
	ctask_pool_opts po = {.jobs = sc->o->jobs,
			      .task_timeout = sc->o->task_timeout,
			      .stop_on_failure = !sc->o->keep_going,
			      .tries = sc->tries,
			      .retries = sc->o->retries,
			      .worker_init = sc->o->worker_init,
			      .worker_fini = sc->o->worker_fini};
	if (!(sc->chan = ctask_capture_channel_open(&sc->loop, on_output, sc)))
		return CTASK_EIO;
	po.capture =
		(ctask_capture_opts){.fd = ctask_capture_channel_fd(sc->chan),
				     .live = sc->o->output == CTASK_OUTPUT_LIVE,
				     .g = sc->g};
	sc->r = ctask_runner_pool(sc->g, &sc->loop, &po, ev);
	return sc->r ? 0 : CTASK_EIO;
}

/* Whether the loop has anything left to wait for. */
static bool finished(sched *sc)
{
	size_t running = sc->r->running(sc->r);
	if (sc->stop || sc->error)
		return running == 0;
	/* Not can_start() == 0: a worker that died is replaced on a later
	 * turn of the loop, and until then none may be free. */
	if (running == 0 && sc->qhead < sc->qlen && sc->r->broken &&
	    sc->r->broken(sc->r)) {
		sc->error = ctask_error_set(
			CTASK_EIO, "worker processes keep dying before they "
				   "run a task (does CTASK_WORKER_INIT "
				   "crash?)");
		return true;
	}
	return running == 0 && sc->qhead >= sc->qlen && sc->nheld == 0;
}

static void run_loop(sched *sc)
{
	dispatch(sc);
	while (!finished(sc)) {
		uv_run(&sc->loop, UV_RUN_ONCE);
		dispatch(sc);
	}
}

/* Counts what is left: tasks not done, and of those the ones that could
 * not run because something upstream failed (ids are topological, so
 * inputs are marked before their users). */
static void tally_left(sched *sc)
{
	uint8_t *bad = ctask_xcalloc(sc->n + 1, 1);
	for (size_t i = 0; i < sc->n; i++) {
		const ctask_task *t = ctask_graph_task(sc->g, i);
		bad[i] = t->state == CTASK_S_FAILED;
		CTASK_FOREACH_INPUT(t, d, bad[i] |= bad[d->id]);
		if (!sc->want[i] || t->state == CTASK_S_DONE)
			continue;
		if (t->state != CTASK_S_FAILED) { /* those are st->failed */
			sc->st->left_by_name[t->name_id]++;
			sc->st->not_run++;
			sc->st->blocked += bad[i];
			sc->st->failed_earlier += sc->earlier[i];
		}
	}
	free(bad);
}

static void set_executor(sched *sc)
{
	sc->ex.host = ctask_hostname();
	sc->ex.pid = (int)getpid();
	sc->ex.started = ctask_now();
	sc->ex.ttl = sc->o->lease_ttl;
	/* So that an executor of this host can tell at once that this one
	 * died (kill -9), and take over its tasks without waiting for the
	 * ttl (store.h, ctask_executor). */
	const ctask_proc_id *me = ctask_proc_self();
	sc->ex.boot_id = me->boot_id;
	sc->ex.pid_ns = me->pid_ns;
	sc->ex.proc_start = me->start;
	snprintf(sc->owner, sizeof sc->owner, "%s:%d:%.6f", sc->ex.host,
		 sc->ex.pid, sc->ex.started);
	sc->ex.owner = sc->owner;
}

/* Registers this executor, runs the loop and the workers, commits, and
 * signs off (releasing every lease). Returns 0 or an error. */
static int run_executor(sched *sc)
{
	set_executor(sc);
	int rc = ctask_store_executor_begin(sc->s, &sc->ex);
	ctask_store_set_executor(sc->s, &sc->ex);
	start_loop(sc);
	if (rc == 0)
		rc = make_runner(sc);
	if (rc == 0) {
		run_loop(sc);
		/* The last commit may refuse results (their inputs were
		 * deleted meanwhile) and so leave tasks to run again. */
		int c;
		while ((c = commit(sc)) > 0 && !sc->stop)
			run_loop(sc);
		fail_store(sc, c);
		sc->r->free(sc->r);
	}
	fail_store(sc, commit(sc));
	clear_progress(sc);
	/* The workers are gone: their last lines, after the progress line
	 * (so none is drawn again). */
	ctask_capture_channel_close(sc->chan);
	int erc = ctask_store_executor_end(sc->s, &sc->ex, sc->st->ran,
					   sc->st->failed);
	ctask_store_set_executor(sc->s, NULL);
	stop_loop(sc);
	if (rc == 0)
		rc = sc->error;
	return rc < 0 ? rc : erc;
}

int ctask_exec_run(ctask_graph *g, ctask_store *s, const ctask_exec_opts *o,
		   ctask_exec_stats *st)
{
	sched sc = {.g = g, .s = s, .o = o, .st = st, .small_ok = true};
	/* A worker that dies leaves a closed pipe: writing to it must be an
	 * error to handle, not a signal that kills the executor. */
	signal(SIGPIPE, SIG_IGN);
	sc.log = o->log ? o->log : stderr;
	memset(st, 0, sizeof *st);
	sc.t0 = sc.last_line = ctask_monotonic();
	double cpu0 = ctask_pool_cpu_seconds();
	int rc = 0;
	/* All done: a no-op builds nothing (the common case of a re-run). */
	if (init_want(&sc) > 0) {
		init_tasks(&sc);
		/* Nothing ready (blocked by failures): no workers, no
		 * executor record, no transaction. */
		if (sc.qlen > 0)
			rc = run_executor(&sc);
		tally_left(&sc);
	}
	st->wall = ctask_monotonic() - sc.t0;
	st->cpu = ctask_pool_cpu_seconds() - cpu0;
	sched_free(&sc);
	return rc;
}

void ctask_exec_stats_free(ctask_exec_stats *st)
{
	free(st->ran_by_name);
	free(st->failed_by_name);
	free(st->left_by_name);
	st->ran_by_name = st->failed_by_name = st->left_by_name = NULL;
}
