#include "graph.h"

#include "error.h"
#include "value.h"

#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A hash table slot: the whole hash (its big-endian prefix, which places
 * it, and its last 8 bytes), so that no probe touches a task (at 10^6 tasks
 * each of those is a cache miss), and the task itself (NULL: empty), so
 * that a hit needs no look in the task vector either. */
typedef struct {
	uint64_t key, rest;
	ctask_task *t;
} slot;

struct ctask_graph {
	ctask_arena *arena; /* owns tasks, arguments and names */
	ctask_ctx cx;	    /* context for values made while building */
	ctask_task **tasks; /* malloc'd vector, tasks in creation order */
	size_t ntasks, cap;
	slot *slots; /* malloc'd open-addressing table */
	size_t nslots;
	const char **names; /* malloc'd vector of distinct function names */
	ctask_fn *name_fns;
	uint64_t *name_versions; /* malloc'd, per name */
	uint32_t *name_tasks;	 /* malloc'd, per name: its tasks so far */
	ctask_hash *fps;	 /* malloc'd, per name, when set */
	uint8_t *has_fp;	 /* malloc'd, per name */
	uint32_t last_name;	 /* name_id of the last call */
	size_t nnames;
	ctask_buf scratch;		  /* reused for argument encodings */
	ctask_buf key;			  /* reused for the hash encoding */
	const ctask_graph_oracle *oracle; /* NULL: no store */
	size_t checked; /* tasks before this index are known done */
	bool stopped;	/* building stopped at a barrier */
	int argc;
	char **argv; /* borrowed from the caller of ctask_graph_build */
};

/* longjmp value: building stopped at a barrier (1 is a failure). */
#define STOPPED_AT_BARRIER 2

ctask_ctx *ctask_graph_ctx(ctask_graph *g)
{
	return &g->cx;
}
size_t ctask_graph_size(const ctask_graph *g)
{
	return g->ntasks;
}
ctask_task *ctask_graph_task(const ctask_graph *g, size_t id)
{
	return g->tasks[id];
}
size_t ctask_graph_nnames(const ctask_graph *g)
{
	return g->nnames;
}
const char *ctask_graph_name(const ctask_graph *g, size_t name_id)
{
	return g->names[name_id];
}
const char *ctask_task_name(const ctask_graph *g, const ctask_task *t)
{
	return g->names[t->name_id];
}

/* The slot of a hash is the top bits of its prefix, so that hashes in
 * sorted order (as the store scans them) probe the table front to back,
 * cache line after cache line. */
static size_t home(uint64_t key, size_t nslots)
{
	/* nslots is a power of two, at least 2048 */
	return (size_t)(key >> (64 - __builtin_ctzll(nslots)));
}

static uint64_t hash_rest(const ctask_hash *h)
{
	uint64_t r;
	memcpy(&r, h->b + 8, sizeof r);
	return r;
}

ctask_task *ctask_graph_find(const ctask_graph *g, const ctask_hash *h)
{
	size_t mask = g->nslots - 1;
	uint64_t key = ctask_hash_prefix(h), rest = hash_rest(h);
	for (size_t i = home(key, g->nslots);; i = (i + 1) & mask) {
		const slot *sl = &g->slots[i];
		if (!sl->t)
			return NULL;
		if (sl->key == key && sl->rest == rest)
			return sl->t;
	}
}

/* Linear probing that keeps each run of occupied slots sorted by hash (a
 * smaller hash takes the slot, the larger one moves on): every slot between
 * a task's home and its own stays occupied, so find still works, and the
 * table lists the tasks in hash order (ctask_graph_hash_order). */
static void slots_insert(slot *slots, size_t nslots, slot in)
{
	size_t mask = nslots - 1;
	size_t i = home(in.key, nslots);
	for (; slots[i].t; i = (i + 1) & mask) {
		slot *o = &slots[i];
		if (o->key > in.key ||
		    (o->key == in.key && o->rest > in.rest)) {
			slot t = *o;
			*o = in;
			in = t;
		}
	}
	slots[i] = in;
}

size_t ctask_graph_hash_order(const ctask_graph *g, uint32_t *ids)
{
	size_t n = 0;
	for (size_t i = 0; i < g->nslots; i++)
		if (g->slots[i].t)
			ids[n++] = g->slots[i].t->id;
	return n;
}

/* Appends t, growing the vector and keeping the table at most half full. */
static void add_task(ctask_graph *g, ctask_task *t)
{
	if (g->ntasks == g->cap) { /* read at random by id: see ctask_xbig */
		g->cap = g->cap ? 2 * g->cap : 1024;
		ctask_task **v = ctask_xbig(g->cap * sizeof *v);
		if (g->ntasks)
			memcpy(v, g->tasks, g->ntasks * sizeof *v);
		free(g->tasks);
		g->tasks = v;
	}
	t->id = (uint32_t)g->ntasks;
	g->tasks[g->ntasks++] = t;
	if (2 * g->ntasks > g->nslots) {
		slot *old = g->slots;
		size_t nold = g->nslots;
		g->nslots *= 2;
		g->slots = ctask_xbig(g->nslots * sizeof *g->slots);
		memset(g->slots, 0, g->nslots * sizeof *g->slots);
		for (size_t i = 0; i < nold; i++)
			if (old[i].t)
				slots_insert(g->slots, g->nslots, old[i]);
		free(old);
	}
	slots_insert(
		g->slots, g->nslots,
		(slot){ctask_hash_prefix(&t->hash), hash_rest(&t->hash), t});
}

static uint32_t name_id(ctask_graph *g, ctask_fn fn, const char *name)
{
	/* Graphs are built in runs of calls to one function. Internal
	 * functions (map, reduce) serve several names, so names count too. */
	if (g->nnames && g->name_fns[g->last_name] == fn &&
	    strcmp(g->names[g->last_name], name) == 0)
		return g->last_name;
	for (size_t i = 0; i < g->nnames; i++)
		if (g->name_fns[i] == fn && strcmp(g->names[i], name) == 0)
			return g->last_name = (uint32_t)i;
	for (size_t i = 0; i < g->nnames; i++)
		if (strcmp(g->names[i], name) == 0)
			ctask_ctx_failf(&g->cx,
					"two different functions are "
					"both named %s",
					name);
	g->names = ctask_xrealloc(g->names, (g->nnames + 1) * sizeof *g->names);
	g->name_fns = ctask_xrealloc(g->name_fns,
				     (g->nnames + 1) * sizeof *g->name_fns);
	g->name_versions = ctask_xrealloc(
		g->name_versions, (g->nnames + 1) * sizeof *g->name_versions);
	g->name_tasks = ctask_xrealloc(g->name_tasks,
				       (g->nnames + 1) * sizeof *g->name_tasks);
	g->names[g->nnames] = ctask_arena_strdup(g->arena, name);
	g->name_fns[g->nnames] = fn;
	g->name_versions[g->nnames] = ctask_version_of(name);
	g->name_tasks[g->nnames] = 0;
	g->last_name = (uint32_t)g->nnames;
	return (uint32_t)g->nnames++;
}

/* Encodes a plain argument (not a task) as canonical CBOR into g->scratch.
 * Bad arguments fail graph building with a message naming the argument. */
static void encode_plain(ctask_graph *g, const char *name, size_t i,
			 const ctask_argspec *a)
{
	ctask_value v = {.type = CTASK_T_NULL};
	switch (a->kind) {
	case CTASK__ARG_INT:
		v.type = CTASK_T_INT, v.u.i = a->as.i;
		break;
	case CTASK__ARG_UINT:
		if (a->as.u > INT64_MAX)
			ctask_ctx_failf(&g->cx,
					"%s: argument %zu (%" PRIu64
					") does not fit in int64",
					name, i, a->as.u);
		v.type = CTASK_T_INT, v.u.i = (int64_t)a->as.u;
		break;
	case CTASK__ARG_DOUBLE:
		v.type = CTASK_T_DOUBLE, v.u.d = a->as.d;
		break;
	case CTASK__ARG_BOOL:
		v.type = CTASK_T_BOOL, v.u.b = a->as.i != 0;
		break;
	case CTASK__ARG_STRING:
		if (!a->as.s)
			ctask_ctx_failf(&g->cx,
					"%s: argument %zu is a NULL "
					"string",
					name, i);
		v.type = CTASK_T_STRING, v.u.s = a->as.s;
		v.len = strlen(a->as.s);
		if (!ctask_utf8_valid(v.u.s, v.len))
			ctask_ctx_failf(&g->cx,
					"%s: argument %zu is not "
					"valid UTF-8",
					name, i);
		break;
	case CTASK__ARG_VALUE:
		if (!a->as.v)
			ctask_ctx_failf(&g->cx,
					"%s: argument %zu is a NULL "
					"value",
					name, i);
		g->scratch.len = 0;
		ctask_value_encode(a->as.v, &g->scratch);
		return;
	}
	g->scratch.len = 0;
	ctask_value_encode(&v, &g->scratch);
}

/* Builds the hash key of fn(args) in g->key, failing on NULL tasks. */
static void build_key(ctask_graph *g, uint32_t nid, size_t nargs,
		      const ctask_argspec *args)
{
	const char *name = g->names[nid];
	ctask_key_begin(&g->key, name, g->name_versions[nid], nargs);
	for (size_t i = 0; i < nargs; i++) {
		const ctask_argspec *a = &args[i];
		if (a->kind == CTASK__ARG_TASK) {
			if (!a->as.t)
				ctask_ctx_failf(&g->cx,
						"%s: argument %zu is "
						"a NULL task",
						name, i);
			if (a->as.t->kind == CTASK_K_NOHASH)
				ctask_key_nohash(&g->key);
			else
				ctask_key_task(&g->key, &a->as.t->hash);
		} else if (a->kind == CTASK__ARG_TASKLIST) {
			if (!a->as.tl)
				ctask_ctx_failf(&g->cx,
						"%s: argument %zu is "
						"a NULL task list",
						name, i);
			ctask_key_list(&g->key, a->as.tl->n);
			for (size_t j = 0; j < a->as.tl->n; j++) {
				const ctask_task *e = a->as.tl->ts[j];
				if (e->kind == CTASK_K_NOHASH)
					ctask_ctx_failf(&g->cx,
							"%s: argument %zu: a "
							"ctask_nohash value "
							"cannot be in a list",
							name, i);
				ctask_key_list_item(&g->key, &e->hash);
			}
		} else {
			encode_plain(g, name, i, a);
			ctask_key_value(&g->key, g->scratch.p, g->scratch.len);
		}
	}
}

/* Copies the arguments of a new task into the graph's arena. Plain values
 * are encoded a second time rather than kept from build_key: that keeps the
 * common path (a task that already exists) free of copies. */
static void store_args(ctask_graph *g, ctask_task *t, const char *name,
		       const ctask_argspec *args)
{
	t->args = ctask_arena_alloc(g->arena, t->nargs * sizeof *t->args);
	for (uint32_t i = 0; i < t->nargs; i++) {
		const ctask_argspec *a = &args[i];
		ctask_garg *ga = &t->args[i];
		if (a->kind == CTASK__ARG_TASK) {
			ga->kind = CTASK_GARG_TASK, ga->n = 0;
			ga->u.task = a->as.t;
		} else if (a->kind == CTASK__ARG_TASKLIST) {
			ga->kind = CTASK_GARG_LIST;
			ga->n = (uint32_t)a->as.tl->n;
			ga->u.list = a->as.tl->ts;
		} else {
			encode_plain(g, name, i, a);
			uint8_t *p =
				ctask_arena_alloc(g->arena, g->scratch.len);
			memcpy(p, g->scratch.p, g->scratch.len);
			ga->kind = CTASK_GARG_VALUE;
			ga->n = (uint32_t)g->scratch.len;
			ga->u.cbor = p;
		}
	}
}

ctask_task *ctask_graph_call(ctask_graph *g, ctask_fn fn, const char *name,
			     size_t nargs, const ctask_argspec *args,
			     ctask_fn inner0, ctask_fn inner1)
{
	if (!fn)
		ctask_ctx_failf(&g->cx, "ctask_call: %s is a NULL function",
				name);
	uint32_t nid = name_id(g, fn, name);
	build_key(g, nid, nargs, args);
	ctask_hash h;
	ctask_hash_bytes(g->key.p, g->key.len, &h);
	ctask_task *t = ctask_graph_find(g, &h);
	if (t)
		return t;
	t = ctask_arena_alloc(g->arena, sizeof *t);
	t->hash = h;
	t->name_id = nid;
	t->nargs = (uint32_t)nargs;
	t->state = CTASK_S_WAITING;
	t->small_n = 0;
	t->kind = CTASK_K_RUN;
	t->item = g->name_tasks[nid]++; /* NAME#I: see ctask_task_index */
	t->fn = fn;
	t->inner[0] = inner0;
	t->inner[1] = inner1;
	store_args(g, t, name, args);
	add_task(g, t);
	return t;
}

ctask_task *ctask__call(ctask_graph *g, ctask_fn fn, const char *name,
			size_t nargs, const ctask_argspec *args)
{
	return ctask_graph_call(g, fn, name, nargs, args, NULL, NULL);
}

ctask_tasklist *ctask_list(ctask_graph *g, ctask_task *const *ts, size_t n)
{
	ctask_tasklist *tl = ctask_arena_alloc(g->arena, sizeof *tl);
	tl->n = n;
	tl->ts = ctask_arena_alloc(g->arena, n * sizeof *tl->ts + 1);
	for (size_t i = 0; i < n; i++) {
		if (!ts[i])
			ctask_ctx_failf(&g->cx,
					"ctask_list: task %zu of %zu "
					"is NULL",
					i, n);
		tl->ts[i] = ts[i];
	}
	return tl;
}

void ctask_graph_fail(ctask_graph *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ctask_ctx_failv(&g->cx, fmt, ap);
}

/* A crash of the graph function (these signals) must not kill the command
 * without a word: while it runs, they jump back to ctask_graph_build, which
 * reports the signal. The handler runs on a stack of its own, so that a
 * stack overflow (runaway recursion) is reported too. One guard at a time:
 * graphs are built by one thread, one after the other. */
static const int crash_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define NCRASH (sizeof crash_signals / sizeof crash_signals[0])

static struct {
	sigjmp_buf jump;
	struct sigaction old[NCRASH];
	stack_t old_stack;
	pid_t tid;			/* the thread running the function */
	volatile sig_atomic_t on, sig;	/* guarding; the signal caught */
	_Alignas(16) char stack[65536]; /* the handler's (static: a crash may
					   have damaged the heap) */
} guard;

static void on_crash(int sig)
{
	if (!guard.on || (pid_t)syscall(SYS_gettid) != guard.tid) {
		/* Not the graph function's: die of it, as without us. */
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	guard.sig = sig;
	siglongjmp(guard.jump, 1);
}

static void guard_on(void)
{
	stack_t ss = {.ss_sp = guard.stack, .ss_size = sizeof guard.stack};
	struct sigaction sa = {.sa_handler = on_crash, .sa_flags = SA_ONSTACK};
	sigemptyset(&sa.sa_mask);
	guard.tid = (pid_t)syscall(SYS_gettid);
	guard.sig = 0;
	sigaltstack(&ss, &guard.old_stack);
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i], &sa, &guard.old[i]);
	guard.on = 1;
}

static void guard_off(void)
{
	guard.on = 0;
	for (size_t i = 0; i < NCRASH; i++)
		sigaction(crash_signals[i], &guard.old[i], NULL);
	sigaltstack(&guard.old_stack, NULL);
}

/* After the graph function was killed by guard.sig. The graph is not freed:
 * the crash may have damaged the heap. */
static int crashed(ctask_ctx *saved)
{
	guard_off();
	ctask_ctx_set_current(saved);
	return ctask_error_set(CTASK_ETASKFAIL,
			       "the graph function was killed by signal %d "
			       "(%s)",
			       (int)guard.sig, strsignal(guard.sig));
}

int ctask_graph_build(ctask_graph_fn fn, const ctask_graph_oracle *o, int argc,
		      char **argv, ctask_graph **out)
{
	ctask_graph *g = ctask_xcalloc(1, sizeof *g);
	g->oracle = o;
	g->argc = argc;
	g->argv = argv;
	g->arena = ctask_arena_new();
	g->cx.arena = g->arena;
	g->cx.name = "graph";
	g->nslots = 2048;
	g->slots = ctask_xcalloc(g->nslots, sizeof *g->slots);
	jmp_buf escape;
	ctask_ctx *saved = ctask_ctx_current();
	g->cx.escape = &escape;
	ctask_ctx_set_current(&g->cx);
	if (sigsetjmp(guard.jump, 1) != 0)
		return crashed(saved);
	guard_on();
	int jumped = setjmp(escape);
	if (jumped == 0)
		fn(g);
	guard_off();
	ctask_ctx_set_current(saved);
	if (jumped == 1) {
		int rc = ctask_error_set(CTASK_ETASKFILE, "%s", g->cx.message);
		ctask_graph_free(g);
		return rc;
	}
	g->cx.escape = NULL;
	ctask_buf_free(&g->scratch);
	ctask_buf_free(&g->key);
	*out = g;
	return 0;
}

void ctask_graph_free(ctask_graph *g)
{
	if (!g)
		return;
	ctask_arena_free(g->arena);
	free(g->tasks);
	free(g->slots);
	free(g->names);
	free(g->name_fns);
	free(g->name_versions);
	free(g->name_tasks);
	free(g->fps);
	free(g->has_fp);
	ctask_buf_free(&g->scratch);
	ctask_buf_free(&g->key);
	free(g);
}

void ctask_graph_mark_upstream(const ctask_graph *g, uint8_t *mark)
{
	for (size_t i = g->ntasks; i-- > 0;) {
		const ctask_task *t = g->tasks[i];
		if (mark[i])
			CTASK_FOREACH_INPUT(t, d, mark[d->id] = 1);
	}
}

void ctask_graph_mark_downstream(const ctask_graph *g, uint8_t *mark)
{
	for (size_t i = 0; i < g->ntasks; i++) {
		const ctask_task *t = g->tasks[i];
		if (mark[i])
			continue;
		CTASK_FOREACH_INPUT(t, d, if (mark[d->id]) mark[i] = 1);
	}
}

void ctask_graph_set_fingerprint(ctask_graph *g, size_t name_id,
				 const ctask_hash *fp)
{
	if (!g->fps) {
		g->fps = ctask_xcalloc(g->nnames + 1, sizeof *g->fps);
		g->has_fp = ctask_xcalloc(g->nnames + 1, 1);
	}
	g->has_fp[name_id] = fp != NULL;
	if (fp)
		g->fps[name_id] = *fp;
}

const ctask_hash *ctask_graph_fingerprint(const ctask_graph *g, size_t name_id)
{
	return g->fps && g->has_fp[name_id] ? &g->fps[name_id] : NULL;
}

/* Declared versions, by function name: CTASK_VERSION registers them from
 * the plugin's constructors, before the graph function runs. The list is
 * short (one entry per versioned function), so a linear search is fine. */
static struct {
	char *name; /* malloc'd */
	uint64_t version;
} * versions; /* malloc'd */
static size_t nversions;

void ctask__declare_version(const char *name, uint64_t version)
{
	for (size_t i = 0; i < nversions; i++)
		if (strcmp(versions[i].name, name) == 0) {
			versions[i].version = version;
			return;
		}
	versions = ctask_xrealloc(versions, (nversions + 1) * sizeof *versions);
	versions[nversions].name = ctask_xstrdup(name);
	versions[nversions++].version = version;
}

uint64_t ctask_version_of(const char *name)
{
	for (size_t i = 0; i < nversions; i++)
		if (strcmp(versions[i].name, name) == 0)
			return versions[i].version;
	return 0;
}

void ctask_versions_clear(void)
{
	for (size_t i = 0; i < nversions; i++)
		free(versions[i].name);
	free(versions);
	versions = NULL;
	nversions = 0;
}

bool ctask_graph_complete(const ctask_graph *g)
{
	return !g->stopped;
}

const char *const *ctask_argv(ctask_graph *g, int *argc)
{
	*argc = g->argc;
	return (const char *const *)g->argv;
}

/* ---- Views: parts, constants, values kept out of the hash ---------------- */

static ctask_task *new_view(ctask_graph *g, int kind)
{
	ctask_task *v = ctask_arena_zalloc(g->arena, sizeof *v);
	v->kind = (uint8_t)kind;
	v->nargs = 1;
	v->args = ctask_arena_zalloc(g->arena, sizeof *v->args);
	return v;
}

ctask_task *ctask_item(ctask_graph *g, ctask_task *t, size_t i)
{
	if (!t)
		ctask_ctx_failf(&g->cx, "ctask_item: NULL task");
	if (t->kind == CTASK_K_CONST || t->kind == CTASK_K_NOHASH)
		ctask_ctx_failf(&g->cx, "ctask_item: not a task (a constant)");
	ctask_task *v = new_view(g, CTASK_K_ITEM);
	v->args[0] = (ctask_garg){.kind = CTASK_GARG_TASK, .u.task = t};
	v->item = (uint32_t)i;
	v->name_id = t->name_id;
	/* A part's hash: its whole's hash and the index, in a domain of its
	 * own ("ctask\x01item"). */
	ctask_buf k = {0};
	ctask_buf_append(&k, "ctask\x01item", 10);
	ctask_buf_append(&k, t->hash.b, sizeof t->hash.b);
	ctask_buf_uvarint(&k, i);
	ctask_hash_bytes(k.p, k.len, &v->hash);
	ctask_buf_free(&k);
	return v;
}

/* A view holding a value's encoding, for ctask_const and ctask_nohash. */
static ctask_task *value_view(ctask_graph *g, int kind, ctask_value *v,
			      const char *who)
{
	if (!v)
		ctask_ctx_failf(&g->cx, "%s: NULL value", who);
	ctask_task *t = new_view(g, kind);
	g->scratch.len = 0;
	ctask_value_encode(v, &g->scratch);
	uint8_t *p = ctask_arena_alloc(g->arena, g->scratch.len);
	memcpy(p, g->scratch.p, g->scratch.len);
	t->args[0] = (ctask_garg){.kind = CTASK_GARG_VALUE,
				  .n = (uint32_t)g->scratch.len,
				  .u.cbor = p};
	/* A constant's hash is that of its encoding, in its own domain. */
	ctask_buf k = {0};
	ctask_buf_append(&k, "ctask\x01const", 11);
	ctask_buf_append(&k, p, g->scratch.len);
	ctask_hash_bytes(k.p, k.len, &t->hash);
	ctask_buf_free(&k);
	return t;
}

ctask_task *ctask_const(ctask_graph *g, ctask_value *v)
{
	return value_view(g, CTASK_K_CONST, v, "ctask_const");
}

ctask_task *ctask_nohash(ctask_graph *g, ctask_value *v)
{
	return value_view(g, CTASK_K_NOHASH, v, "ctask_nohash");
}

size_t ctask_tasklist_len(const ctask_tasklist *tl)
{
	return tl->n;
}

ctask_task *ctask_tasklist_get(const ctask_tasklist *tl, size_t i)
{
	ctask_ctx *cx = ctask_ctx_current();
	if (i >= tl->n)
		ctask_ctx_failf(cx,
				"ctask_tasklist_get: index %zu out of range "
				"(length %zu)",
				i, tl->n);
	return tl->ts[i];
}

/* ---- Barriers ------------------------------------------------------------ */

void ctask_barrier(ctask_graph *g)
{
	for (; g->oracle && g->checked < g->ntasks; g->checked++) {
		int d = g->oracle->done(g->oracle->ud,
					&g->tasks[g->checked]->hash);
		if (d < 0)
			ctask_ctx_failf(&g->cx, "barrier: %s",
					ctask_error_last());
		if (d == 0)
			break;
	}
	if (!g->oracle || g->checked < g->ntasks) {
		g->stopped = true;
		longjmp(*g->cx.escape, STOPPED_AT_BARRIER);
	}
}

ctask_value *ctask_value_of(ctask_graph *g, ctask_task *t)
{
	if (!t)
		ctask_ctx_failf(&g->cx, "ctask_value_of: NULL task");
	ctask_barrier(g);
	const uint8_t *p = NULL;
	size_t n = 0;
	ctask_buf buf = {0};
	ctask_task *src = ctask_task_source(t);
	if (!src) {
		p = t->args[0].u.cbor, n = t->args[0].n;
	} else {
		if (g->oracle->value(g->oracle->ud, &src->hash, &buf) < 0)
			ctask_ctx_failf(&g->cx, "ctask_value_of: %s",
					ctask_error_last());
		p = buf.p, n = buf.len;
	}
	ctask_value *v = NULL;
	int rc = ctask_value_part(g->arena, p, n, t, &v);
	ctask_buf_free(&buf);
	if (rc < 0)
		ctask_ctx_failf(&g->cx, "ctask_value_of: %s",
				ctask_error_last());
	return v;
}

int ctask_view_bytes(const ctask_task *t, const uint8_t *p, size_t n,
		     const uint8_t **out, size_t *out_n)
{
	if (t->kind == CTASK_K_CONST || t->kind == CTASK_K_NOHASH) {
		*out = t->args[0].u.cbor, *out_n = t->args[0].n;
		return 0;
	}
	if (t->kind == CTASK_K_RUN) {
		*out = p, *out_n = n;
		return 0;
	}
	const uint8_t *whole;
	size_t whole_n;
	int rc = ctask_view_bytes(t->args[0].u.task, p, n, &whole, &whole_n);
	if (rc == 0)
		rc = ctask_cbor_list_item(whole, whole_n, t->item, out, out_n);
	return rc;
}

int ctask_value_part(ctask_arena *a, const uint8_t *p, size_t n,
		     const ctask_task *t, ctask_value **out)
{
	const uint8_t *q;
	size_t qn;
	int rc = ctask_view_bytes(t, p, n, &q, &qn);
	return rc ? rc : ctask_value_decode(a, q, qn, out);
}
