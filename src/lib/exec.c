#include "exec.h"

#include "ctx.h"
#include "error.h"
#include "value.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- States -------------------------------------------------------------- */

typedef struct {
	ctask_graph *g;
	size_t orphans;
} scan_state;

_Static_assert(CTASK_SCAN_SMALL <= CTASK_SMALL, "the scan's bytes fit");

static int scan_one(void *ud, const ctask_record *r)
{
	scan_state *ss = ud;
	ctask_task *t = ctask_graph_find(ss->g, &r->hash);
	if (r->state == CTASK_REC_RUNNING) {
		/* A lease: running somewhere while its executor is alive. */
		if (t && r->live && t->state != CTASK_S_DONE)
			t->state = CTASK_S_RUNNING;
		return 0;
	}
	if (!t) {
		ss->orphans++;
		return 0;
	}
	t->state = r->state == CTASK_REC_DONE ? CTASK_S_DONE : CTASK_S_FAILED;
	if (r->data) { /* a small done result: kept for tasks that need it */
		memcpy(t->small, r->data, (size_t)r->size);
		t->small_n = (uint8_t)(r->size + 1);
	}
	/* Stale: computed by code whose fingerprint differs from today's
	 * (both known). */
	const ctask_hash *now = ctask_graph_fingerprint(ss->g, t->name_id);
	t->stale = r->state == CTASK_REC_DONE && r->fingerprint && now &&
		   ctask_hash_cmp(now, r->fingerprint) != 0;
	return 0;
}

static int states(ctask_graph *g, ctask_store *s, bool small, size_t *orphans)
{
	size_t n = ctask_graph_size(g);
	for (size_t i = 0; i < n; i++) {
		ctask_graph_task(g, i)->state = CTASK_S_WAITING;
		ctask_graph_task(g, i)->stale = 0;
		ctask_graph_task(g, i)->small_n = 0;
	}
	scan_state ss = {g, 0};
	if (s) {
		int rc = small ? ctask_store_scan_small(s, scan_one, &ss)
			       : ctask_store_scan(s, scan_one, &ss);
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

int ctask_exec_states(ctask_graph *g, ctask_store *s, size_t *orphans)
{
	return states(g, s, false, orphans);
}

int ctask_exec_states_small(ctask_graph *g, ctask_store *s, size_t *orphans)
{
	return states(g, s, true, orphans);
}

typedef struct {
	scan_state ss;
	const uint8_t *marks;
	double now;
} marked_walk;

/* A lease of a marked task, as the scan reports it (scan_one). */
static int marked_lease(void *ud, const ctask_lease *l)
{
	marked_walk *w = ud;
	const ctask_task *t = ctask_graph_find(w->ss.g, &l->hash);
	if (!t || !w->marks[t->id])
		return 0;
	ctask_record r = {.hash = l->hash,
			  .state = CTASK_REC_RUNNING,
			  .live = l->expires > w->now};
	return scan_one(&w->ss, &r);
}

int ctask_exec_states_of(ctask_graph *g, ctask_store *s, const uint8_t *marks)
{
	size_t n = ctask_graph_size(g), m = 0;
	for (size_t i = 0; i < n; i++)
		m += marks[i] != 0;
	/* A lookup costs about what 16 rows of a scan do. */
	if (m > n / 16)
		return states(g, s, false, NULL);
	marked_walk w = {{g, 0}, marks, ctask_now()};
	for (size_t i = 0; i < n && s; i++) {
		ctask_record r;
		if (!marks[i])
			continue;
		int rc = ctask_store_get(s, &ctask_graph_task(g, i)->hash, &r,
					 NULL);
		if (rc == CTASK_ENOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		r.data = NULL; /* not read: no small result to keep */
		scan_one(&w.ss, &r);
	}
	return s ? ctask_store_leases(s, marked_lease, &w) : 0;
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
	ctask_buf *result; /* the outcome's */
} run_input;

/* The function ctask_ctx_run calls: decode arguments, run the task, encode
 * its result. Doing all three under ctask_ctx_run means a bad input, or a
 * result the encoder refuses (value.h, "Depth"), fails just this task
 * instead of aborting the worker. */
static ctask_value *run_body(ctask_ctx *cx, const ctask_args *unused)
{
	(void)unused;
	const run_input *ri = cx->user;
	ctask_args a = {.fn_name = cx->name};
	build_args(cx, ri->t, ri->in, ri->nin, &a);
	ctask_value *v = ri->t->fn(cx, &a);
	if (v)
		ctask_value_encode(v, ri->result);
	return v;
}

void ctask_exec_task(const ctask_graph *g, ctask_task *t, const ctask_slice *in,
		     size_t nin, ctask_outcome *out)
{
	/* One arena per thread, reset after each task: tiny tasks should not
	 * pay for a fresh arena's first block. */
	static _Thread_local ctask_arena *scratch;
	if (!scratch)
		scratch = ctask_arena_new();
	memset(out, 0, sizeof *out);
	run_input ri = {t, in, nin, &out->result};
	ctask_ctx cx = {.arena = scratch,
			.name = ctask_task_name(g, t),
			.user = &ri,
			.inner = {t->inner[0], t->inner[1]}};
	out->task = t;
	out->started = ctask_now();
	double t0 = ctask_monotonic();
	ctask_value *v = NULL;
	if (ctask_ctx_run(&cx, run_body, NULL, &v) == 0) {
		out->state = CTASK_REC_DONE;
	} else {
		out->state = CTASK_REC_FAILED;
		ctask_buf_free(&out->result); /* a part, if encoding failed */
		out->message =
			ctask_xstrdup(cx.message ? cx.message : "failed");
	}
	out->duration = ctask_monotonic() - t0;
	ctask_arena_reset(scratch);
}

/* ---- The in-process runner ----------------------------------------------- */

typedef struct {
	ctask_runner base;
	const ctask_graph *g;
} inproc_runner;

/* A few at a time: tasks run inside start(), so between batches the loop
 * gets to renew leases and notice signals. */
static size_t inproc_can_start(ctask_runner *r)
{
	(void)r;
	return 16;
}

static int inproc_start(ctask_runner *r, ctask_task *t, const ctask_slice *in,
			size_t nin)
{
	ctask_outcome oc;
	ctask_exec_task(((inproc_runner *)r)->g, t, in, nin, &oc);
	r->ev.finished(r->ev.ud, &oc);
	return 0;
}

static void inproc_flush(ctask_runner *r)
{
	(void)r;
}

static size_t inproc_running(ctask_runner *r)
{
	(void)r;
	return 0;
}

static void inproc_stop(ctask_runner *r, bool now)
{
	(void)r, (void)now;
}

static void inproc_free(ctask_runner *r)
{
	free(r);
}

ctask_runner *ctask_runner_inproc(const ctask_graph *g, ctask_runner_events ev)
{
	inproc_runner *ir = ctask_xcalloc(1, sizeof *ir);
	ir->base = (ctask_runner){.can_start = inproc_can_start,
				  .start = inproc_start,
				  .flush = inproc_flush,
				  .running = inproc_running,
				  .stop = inproc_stop,
				  .free = inproc_free,
				  .ev = ev};
	ir->g = g;
	return &ir->base;
}
