#include "exec.h"

#include "ctx.h"
#include "error.h"
#include "value.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

/* ---- States -------------------------------------------------------------- */

typedef struct {
	ctask_graph *g;
	size_t orphans;
} scan_state;

static int scan_one(void *ud, const ctask_record *r)
{
	scan_state *ss = ud;
	ctask_task *t = ctask_graph_find(ss->g, &r->hash);
	if (!t)
		ss->orphans++;
	else
		t->state = r->state == CTASK_REC_DONE ? CTASK_S_DONE
						      : CTASK_S_FAILED;
	return 0;
}

int ctask_exec_states(ctask_graph *g, ctask_store *s, size_t *orphans)
{
	size_t n = ctask_graph_size(g);
	for (size_t i = 0; i < n; i++)
		ctask_graph_task(g, i)->state = CTASK_S_WAITING;
	scan_state ss = {g, 0};
	if (s) {
		int rc = ctask_store_scan(s, scan_one, &ss);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		ctask_task *t = ctask_graph_task(g, i);
		if (t->state != CTASK_S_WAITING)
			continue;
		bool ready = true;
		CTASK_FOREACH_INPUT(t, d, ready &= d->state == CTASK_S_DONE);
		t->state = ready ? CTASK_S_READY : CTASK_S_WAITING;
	}
	if (orphans)
		*orphans += ss.orphans;
	return 0;
}

size_t *ctask_exec_count(const ctask_graph *g)
{
	size_t *c = ctask_xcalloc(ctask_graph_nnames(g) * CTASK_S_COUNT + 1,
				  sizeof *c);
	for (size_t i = 0; i < ctask_graph_size(g); i++) {
		const ctask_task *t = ctask_graph_task(g, i);
		c[t->name_id * CTASK_S_COUNT + t->state]++;
	}
	return c;
}

/* ---- Running one task ---------------------------------------------------- */

/* Decodes the arguments of t into cx's arena. Inputs are the results of its
 * task arguments; they were verified when read, so a decoding error here
 * means a bug or a changed format, and fails the task. */
static void build_args(ctask_ctx *cx, ctask_task *t, const ctask_slice *in,
		       size_t nin, ctask_args *a)
{
	a->n = t->nargs;
	a->v = ctask_arena_alloc(cx->arena, (t->nargs + 1) * sizeof *a->v);
	size_t k = 0;
	for (uint32_t i = 0; i < t->nargs; i++) {
		const ctask_garg *ga = &t->args[i];
		const uint8_t *p = ga->u.cbor;
		size_t n = ga->n,
		       count = ga->kind == CTASK_GARG_LIST ? ga->n : 1;
		ctask_value **items = ctask_arena_alloc(
			cx->arena, (count + 1) * sizeof *items);
		for (size_t j = 0; j < count; j++) {
			if (ga->kind != CTASK_GARG_VALUE) {
				if (k >= nin)
					ctask_ctx_failf(cx, "%s: missing input",
							cx->name);
				p = in[k].p, n = in[k].n, k++;
			}
			if (ctask_value_decode(cx->arena, p, n, &items[j]) < 0)
				ctask_ctx_failf(cx, "%s: argument %u: %s",
						cx->name, i,
						ctask_error_last());
		}
		a->v[i] = ga->kind == CTASK_GARG_LIST
				  ? ctask_make_list(cx, count, items)
				  : items[0];
	}
}

typedef struct {
	ctask_task *t;
	const ctask_slice *in;
	size_t nin;
} run_input;

/* The function ctask_ctx_run calls: decode arguments, then the task. Doing
 * both under ctask_ctx_run means a bad input fails just this task. */
static ctask_value *run_body(ctask_ctx *cx, const ctask_args *unused)
{
	(void)unused;
	const run_input *ri = cx->user;
	ctask_args a = {.fn_name = cx->name};
	build_args(cx, ri->t, ri->in, ri->nin, &a);
	return ri->t->fn(cx, &a);
}

void ctask_exec_task(const ctask_graph *g, ctask_task *t, const ctask_slice *in,
		     size_t nin, ctask_outcome *out)
{
	run_input ri = {t, in, nin};
	ctask_ctx cx = {.arena = ctask_arena_new(),
			.name = ctask_task_name(g, t),
			.user = &ri};
	memset(out, 0, sizeof *out);
	out->task = t;
	out->started = ctask_now();
	double t0 = ctask_monotonic();
	ctask_value *v = NULL;
	if (ctask_ctx_run(&cx, run_body, NULL, &v) == 0) {
		out->state = CTASK_REC_DONE;
		ctask_value_encode(v, &out->result);
	} else {
		out->state = CTASK_REC_FAILED;
		out->message =
			ctask_xstrdup(cx.message ? cx.message : "failed");
	}
	out->duration = ctask_monotonic() - t0;
	ctask_arena_free(cx.arena);
}

/* ---- The in-process runner ----------------------------------------------- */

typedef struct {
	ctask_runner base;
	const ctask_graph *g;
	ctask_outcome done; /* the one finished task not yet collected */
	bool has_done;
} inproc_runner;

static size_t inproc_can_start(ctask_runner *r)
{
	return ((inproc_runner *)r)->has_done ? 0 : 1;
}

static int inproc_start(ctask_runner *r, ctask_task *t, const ctask_slice *in,
			size_t nin)
{
	inproc_runner *ir = (inproc_runner *)r;
	ctask_exec_task(ir->g, t, in, nin, &ir->done);
	ir->has_done = true;
	return 0;
}

static int inproc_wait(ctask_runner *r, ctask_outcome *out)
{
	inproc_runner *ir = (inproc_runner *)r;
	if (!ir->has_done)
		return CTASK_ENOTFOUND;
	*out = ir->done;
	ir->has_done = false;
	return 0;
}

static void inproc_free(ctask_runner *r)
{
	free(r);
}

ctask_runner *ctask_runner_inproc(const ctask_graph *g)
{
	inproc_runner *ir = ctask_xcalloc(1, sizeof *ir);
	ir->base.can_start = inproc_can_start;
	ir->base.start = inproc_start;
	ir->base.wait = inproc_wait;
	ir->base.free = inproc_free;
	ir->g = g;
	return &ir->base;
}

/* ---- The scheduler ------------------------------------------------------- */

/* Results are committed in batches bounded by count, bytes and time, so a
 * run of tiny tasks does not pay one transaction each, and a crash loses at
 * most about a second of work. */
#define BATCH_MAX_RECORDS 4096
#define BATCH_MAX_BYTES (64u << 20)
#define BATCH_MAX_SECONDS 1.0

typedef struct {
	ctask_graph *g;
	ctask_store *s;
	ctask_runner *r;
	const ctask_exec_opts *o;
	ctask_exec_stats *st;
	FILE *log;
	size_t n;
	uint8_t *want;	    /* malloc'd: targets and everything upstream */
	uint32_t *pending;  /* malloc'd: inputs not done, per task */
	uint32_t *rdep_off; /* malloc'd: reverse edges, CSR offsets */
	uint32_t *rdeps;    /* malloc'd: reverse edges */
	uint32_t *queue;    /* malloc'd: ready task ids */
	size_t qhead, qlen, qcap;
	int32_t *batch_idx;   /* malloc'd: index into batch, or -1 */
	ctask_outcome *batch; /* malloc'd: finished, not yet committed */
	size_t nbatch, capbatch, batch_bytes;
	double batch_t0;
	ctask_buf inbuf, tmp; /* input bytes of the task being started */
	size_t *offs;	      /* malloc'd: input offsets into inbuf */
	ctask_slice *slices;  /* malloc'd */
	size_t cap_in;
	bool stop;
} sched;

static void logf_(sched *sc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(sc->log, fmt, ap);
	va_end(ap);
	fflush(sc->log);
}

static void push_ready(sched *sc, uint32_t id)
{
	if (sc->qlen == sc->qcap) {
		sc->qcap = sc->qcap ? 2 * sc->qcap : 1024;
		sc->queue =
			ctask_xrealloc(sc->queue, sc->qcap * sizeof *sc->queue);
	}
	sc->queue[sc->qlen++] = id;
}

/* Reverse edges (one per input occurrence) in compressed rows. */
static void build_rdeps(sched *sc)
{
	sc->rdep_off = ctask_xcalloc(sc->n + 1, sizeof *sc->rdep_off);
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

static void sched_init(sched *sc)
{
	sc->n = ctask_graph_size(sc->g);
	sc->want = ctask_xcalloc(sc->n + 1, 1);
	if (sc->o->want) {
		memcpy(sc->want, sc->o->want, sc->n);
		ctask_graph_mark_upstream(sc->g, sc->want);
	} else {
		memset(sc->want, 1, sc->n);
	}
	sc->pending = ctask_xcalloc(sc->n + 1, sizeof *sc->pending);
	sc->batch_idx = ctask_xmalloc((sc->n + 1) * sizeof *sc->batch_idx);
	build_rdeps(sc);
	for (size_t i = 0; i < sc->n; i++) {
		ctask_task *t = ctask_graph_task(sc->g, i);
		sc->batch_idx[i] = -1;
		CTASK_FOREACH_INPUT(t, d,
				    sc->pending[i] += d->state != CTASK_S_DONE);
		if (!sc->want[i])
			continue;
		sc->st->wanted++;
		if (t->state == CTASK_S_DONE)
			sc->st->done_before++;
		else if (sc->pending[i] == 0)
			push_ready(sc, (uint32_t)i);
	}
	sc->batch_t0 = ctask_monotonic();
	sc->cap_in = 64;
	sc->offs = ctask_xmalloc((sc->cap_in + 1) * sizeof *sc->offs);
	sc->slices = ctask_xmalloc(sc->cap_in * sizeof *sc->slices);
}

static void sched_free(sched *sc)
{
	free(sc->want);
	free(sc->pending);
	free(sc->rdep_off);
	free(sc->rdeps);
	free(sc->queue);
	free(sc->batch_idx);
	free(sc->batch);
	free(sc->offs);
	free(sc->slices);
	ctask_buf_free(&sc->inbuf);
	ctask_buf_free(&sc->tmp);
}

/* Writes the batch to the store in one transaction and frees it. */
static int commit(sched *sc)
{
	if (sc->nbatch == 0)
		return 0;
	ctask_record *recs = ctask_xcalloc(sc->nbatch, sizeof *recs);
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
		};
	}
	int rc = ctask_store_put(sc->s, sc->nbatch, recs);
	free(recs);
	for (size_t i = 0; i < sc->nbatch; i++) {
		sc->batch_idx[sc->batch[i].task->id] = -1;
		ctask_buf_free(&sc->batch[i].result);
		free(sc->batch[i].message);
	}
	sc->nbatch = 0;
	sc->batch_bytes = 0;
	sc->batch_t0 = ctask_monotonic();
	return rc;
}

/* A result that was done turned out to be missing or corrupt: forget it,
 * so that it is computed again before the tasks that need it. */
static int undo(sched *sc, ctask_task *d, int why)
{
	if (why == CTASK_ECORRUPT) {
		logf_(sc, "ctask: warning: %s; recomputing it\n",
		      ctask_error_last());
		int rc = ctask_store_delete(sc->s, 1, &d->hash, NULL, NULL);
		if (rc < 0)
			return rc;
	}
	sc->st->recomputed++;
	d->state = CTASK_S_READY;
	for (uint32_t k = sc->rdep_off[d->id]; k < sc->rdep_off[d->id + 1]; k++)
		sc->pending[sc->rdeps[k]]++;
	if (sc->pending[d->id] == 0)
		push_ready(sc, d->id);
	return 0;
}

/* Gathers the encoded inputs of t into sc->slices. Returns 0, 1 if an input
 * had to be undone (t must wait), or a negative store error. */
static int fetch_inputs(sched *sc, ctask_task *t, size_t *nin)
{
	size_t k = 0;
	sc->inbuf.len = 0;
	CTASK_FOREACH_INPUT(t, d, {
		if (k == sc->cap_in) {
			sc->cap_in *= 2;
			sc->offs = ctask_xrealloc(
				sc->offs, (sc->cap_in + 1) * sizeof *sc->offs);
			sc->slices = ctask_xrealloc(
				sc->slices, sc->cap_in * sizeof *sc->slices);
		}
		sc->offs[k++] = sc->inbuf.len;
		int32_t bi = sc->batch_idx[d->id];
		if (bi >= 0) {
			const ctask_buf *res = &sc->batch[bi].result;
			ctask_buf_append(&sc->inbuf, res->p, res->len);
			continue;
		}
		ctask_record rec;
		int rc = ctask_store_get(sc->s, &d->hash, &rec, &sc->tmp);
		if (rc == CTASK_ECORRUPT || rc == CTASK_ENOTFOUND ||
		    (rc == 0 && rec.state != CTASK_REC_DONE)) {
			rc = undo(sc, d, rc);
			return rc < 0 ? rc : 1;
		}
		if (rc < 0)
			return rc;
		ctask_buf_append(&sc->inbuf, sc->tmp.p, sc->tmp.len);
	});
	sc->offs[k] = sc->inbuf.len;
	for (size_t i = 0; i < k; i++)
		sc->slices[i] = (ctask_slice){sc->inbuf.p + sc->offs[i],
					      sc->offs[i + 1] - sc->offs[i]};
	*nin = k;
	return 0;
}

/* Records a finished task and releases the tasks waiting for it. */
static int complete(sched *sc, ctask_outcome *oc)
{
	ctask_task *t = oc->task;
	if (sc->nbatch == sc->capbatch) {
		sc->capbatch = sc->capbatch ? 2 * sc->capbatch : 256;
		sc->batch = ctask_xrealloc(sc->batch,
					   sc->capbatch * sizeof *sc->batch);
	}
	sc->batch_idx[t->id] = (int32_t)sc->nbatch;
	sc->batch[sc->nbatch++] = *oc;
	sc->batch_bytes += oc->result.len;
	if (oc->state == CTASK_REC_DONE) {
		t->state = CTASK_S_DONE;
		sc->st->ran++;
		sc->st->ran_by_name[t->name_id]++;
		for (uint32_t k = sc->rdep_off[t->id];
		     k < sc->rdep_off[t->id + 1]; k++) {
			uint32_t e = sc->rdeps[k];
			if (--sc->pending[e] == 0 && sc->want[e] &&
			    ctask_graph_task(sc->g, e)->state != CTASK_S_DONE)
				push_ready(sc, e);
		}
	} else {
		char hex[CTASK_HASH_HEX];
		ctask_hash_hex(&t->hash, hex);
		t->state = CTASK_S_FAILED;
		sc->st->failed++;
		sc->st->failed_by_name[t->name_id]++;
		logf_(sc, "ctask: %s (%.12s) failed: %s\n",
		      ctask_task_name(sc->g, t), hex, oc->message);
		if (!sc->o->keep_going)
			sc->stop = true;
	}
	if (sc->nbatch >= BATCH_MAX_RECORDS ||
	    sc->batch_bytes >= BATCH_MAX_BYTES ||
	    ctask_monotonic() - sc->batch_t0 >= BATCH_MAX_SECONDS)
		return commit(sc);
	return 0;
}

/* Starts ready tasks while the runner has room. Returns how many started,
 * or a negative error. */
static int dispatch(sched *sc)
{
	int started = 0;
	while (!sc->stop && sc->qhead < sc->qlen && sc->r->can_start(sc->r)) {
		ctask_task *t = ctask_graph_task(sc->g, sc->queue[sc->qhead++]);
		/* Stale entries: already run, or an input was undone. */
		if (t->state == CTASK_S_DONE || t->state == CTASK_S_RUNNING ||
		    sc->pending[t->id] != 0)
			continue;
		size_t nin = 0;
		int rc = fetch_inputs(sc, t, &nin);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		t->state = CTASK_S_RUNNING;
		rc = sc->r->start(sc->r, t, sc->slices, nin);
		if (rc < 0)
			return rc;
		started++;
	}
	return started;
}

int ctask_exec_run(ctask_graph *g, ctask_store *s, ctask_runner *r,
		   const ctask_exec_opts *o, ctask_exec_stats *st)
{
	sched sc = {.g = g, .s = s, .r = r, .o = o, .st = st};
	sc.log = o->log ? o->log : stderr;
	memset(st, 0, sizeof *st);
	st->ran_by_name = ctask_xcalloc(ctask_graph_nnames(g) + 1,
					sizeof *st->ran_by_name);
	st->failed_by_name = ctask_xcalloc(ctask_graph_nnames(g) + 1,
					   sizeof *st->failed_by_name);
	sched_init(&sc);
	int rc = 0;
	for (;;) {
		rc = dispatch(&sc);
		if (rc < 0)
			break;
		ctask_outcome oc;
		if (r->wait(r, &oc) != 0)
			break; /* nothing running, nothing startable */
		rc = complete(&sc, &oc);
		if (rc < 0)
			break;
	}
	int crc = commit(&sc);
	if (rc >= 0)
		rc = crc;
	for (size_t i = 0; i < sc.n; i++) {
		const ctask_task *t = ctask_graph_task(g, i);
		if (sc.want[i] && t->state != CTASK_S_DONE &&
		    t->state != CTASK_S_FAILED)
			st->not_run++;
	}
	sched_free(&sc);
	return rc < 0 ? rc : 0;
}

void ctask_exec_stats_free(ctask_exec_stats *st)
{
	free(st->ran_by_name);
	free(st->failed_by_name);
	st->ran_by_name = st->failed_by_name = NULL;
}
