/*
 * pool.c - the runner with worker processes.
 *
 * Workers are forked after the plugin is loaded and the graph is built, so
 * they share both copy-on-write and never load or hash anything. Each worker
 * talks to the executor over a socketpair:
 *
 *   executor -> worker   a batch: u32 length, u32 count, then per task
 *                        u32 id, u32 nin (its top bits: SLOW, AGAIN), and
 *                        nin inputs (u32 length, bytes; or FROM_PREVIOUS,
 *                        u32 id: the result of the task run just before,
 *                        for a chain of tasks)
 *   worker -> executor   results: u32 length, u32 id, u8 state, f64 started,
 *                        f64 duration, u32 length, bytes (value or message),
 *                        then to the frame's end what the task printed
 *                        (capture.c); (state STOPPED: not run, the executor
 *                        is stopping)
 *
 * Small tasks travel many to a batch and their results are written back
 * together, so a tiny task costs neither a process start nor a round trip
 * (the seeds measured 800x from batching tiny jobs). Which task a worker is
 * running sits in a page of shared memory, so the executor knows whom to
 * blame when a worker dies or runs past the timeout, without a message per
 * task; and the results it has not written back yet wait in shared memory
 * too (its outbox), so that the executor gets them even if a later task of
 * the batch crashes the worker: a body that finished is never run again.
 * The executor also takes them from there while the worker is stuck in a
 * long task, so that what needs them need not wait for it. Results reach
 * the executor in the order the worker answered them, by either path; each
 * has its number (counted from the worker's start), and the executor skips
 * those it has had.
 */
#include "exec.h"

#include "arena.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

/* The atomics below live in memory shared between processes, and the
 * workers' crash handler updates them: they must be lock-free (a lock of
 * libatomic's would be each process's own, and not async-signal-safe). */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "atomic int must be lock-free");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2,
	       "atomic 64-bit integers must be lock-free");
_Static_assert(sizeof(uint32_t) == sizeof(int) &&
		       sizeof(uint64_t) == sizeof(long long),
	       "the atomics' widths");
_Static_assert(__atomic_always_lock_free(sizeof(double), 0),
	       "atomic double must be lock-free");

#define NO_TASK UINT32_MAX
#define STATE_STOPPED 255

/* Test hooks, compiled only into a build with the tests (CTASK_TESTS) and
 * for them only (tests/cli/test_pool*.sh); each variable does nothing
 * unless set:
 *   CTASK_TEST_POOL_LOG=FILE     the executor appends a line to FILE at
 *                                events the tests cannot see otherwise:
 *                                "take-back N" (tasks taken back from a
 *                                stuck worker), "took N" (results taken
 *                                from a stuck worker's outbox), "stopped
 *                                ID" (a task answered STOPPED)
 *   CTASK_TEST_DIE_AFTER_SEND=N  a worker kills itself (SIGKILL) right
 *                                after its Nth write of its outbox to the
 *                                socket, before it empties the outbox
 *   CTASK_TEST_NO_SIGCHLD=1      the executor ignores SIGCHLD: only its
 *                                timer sees workers end */
#ifdef CTASK_TEST_HOOKS
static void test_log(const char *fmt, ...)
{
	static const char *path;
	static bool looked;
	if (!looked)
		path = getenv("CTASK_TEST_POOL_LOG"), looked = true;
	if (!path)
		return;
	char line[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0 && n > 0 && (size_t)n < sizeof line)
		(void)!write(fd, line, (size_t)n);
	if (fd >= 0)
		close(fd);
}

static void test_die_after_send(void)
{
	static long left = -1;
	if (left < 0) {
		const char *s = getenv("CTASK_TEST_DIE_AFTER_SEND");
		left = s && *s ? strtol(s, NULL, 10) : 0;
	}
	if (left > 0 && --left == 0)
		raise(SIGKILL);
}

static bool test_no_sigchld(void)
{
	return getenv("CTASK_TEST_NO_SIGCHLD") != NULL;
}
#else
#define test_log(...) ((void)0)
#define test_die_after_send() ((void)0)
#define test_no_sigchld() false
#endif
/* A task that has run this long holds up the tasks sent after it to its
 * worker (a batch is about 50 ms of work): they go to another worker. */
#define STUCK_SECONDS 0.1
/* Bytes of results a worker gathers before it writes them back. */
#define OUTBOX_CAP (256u << 10)

/* Shared by the executor and every worker, on a cache line of its own:
 * each worker reads it before each task, and it is written only at a
 * failure (on the cache line of a slot, it would move between the cores
 * at every task of that slot's worker). */
typedef struct {
	/* Failures, with the run stopping at a failure (no -k), that the
	 * executor has not handled yet: while there is one, no worker starts
	 * a task. A worker counts its failure before it sends the result, so
	 * that no worker need wait for the executor to hear of it and tell
	 * it; the executor takes it off again when the scheduler tries the
	 * task again instead of stopping the run. */
	_Alignas(64) _Atomic uint32_t failures;
} shared_pool;

/* Shared between a worker and the executor (one per worker slot, each on
 * cache lines of its own: a worker writes its slot at every task). */
typedef struct {
	/* The task id being run, or NO_TASK; and when it started (monotonic
	 * time). */
	_Alignas(64) _Atomic uint32_t current;
	_Atomic double started;
	_Atomic int stop; /* executor asks: no new task in this batch */
	/* The worker's task crashed it (or called exit()) and counted the
	 * failure in shared_pool.failures (see on_crash). */
	_Atomic int crash_counted;
	/* Which tasks sent to the worker are its to run. Low 32 bits: how
	 * many the worker has passed (run, answered STOPPED or skipped);
	 * high 32 bits: the executor took back those before this count that
	 * the worker had not reached (see take_back). Both count from the
	 * worker's start, modulo 2^32. */
	_Atomic uint64_t claim;
	/* The outbox (OUTBOX_CAP bytes at p->outboxes + slot * OUTBOX_CAP):
	 * whole result frames not written to the socket yet, out_len bytes,
	 * the first of them the worker's answer number out_first (counted
	 * from its start). The worker only appends to it, and adds one to
	 * out_gen each time it has written it out, before it empties it:
	 * the executor reads it when the worker is dead, or stuck in a long
	 * task (take_results), and keeps a copy only if out_gen did not
	 * change meanwhile (a seqlock). */
	_Atomic uint32_t out_len;
	_Atomic uint32_t out_first;
	_Atomic uint32_t out_gen;
} shared_slot;

typedef struct pool pool;

typedef struct {
	pool *p;
	pid_t pid; /* 0: no process */
	uv_pipe_t pipe;
	bool pipe_open;
	shared_slot *slot; /* in p->shm */
	ctask_buf queued;  /* batch being built: tasks after the header */
	uint32_t nqueued;
	uint32_t sent, back; /* tasks sent so far; taken back before this */
	uint32_t answered;   /* answers had, from either path (STOPPED too) */
	uint32_t got;	     /* frames read from the socket */
	/* The outbox as take_results last saw it (out_gen, out_len), and its
	 * copy of it. */
	uint32_t seen_gen, seen_len;
	ctask_buf copy;
	uint32_t *inflight; /* malloc'd FIFO of task ids sent, not finished */
	size_t head, len, cap;
	ctask_buf rbuf;	      /* bytes received, not yet a whole frame */
	uint32_t killed_task; /* killed for a timeout: this task */
	bool kill_counted;    /* and its failure counted (the last attempt) */
	bool interrupted;     /* killed by stop(now): return its tasks */
	int init_deaths;      /* died before finishing any task */
	bool finished_one;
	bool stuck;	/* as can_start last saw it: see stuck() */
	int capture_fd; /* its tasks' output (capture.c); -1: none */
} worker;

struct pool {
	ctask_runner base;
	const ctask_graph *g;
	uv_loop_t *loop;
	ctask_pool_opts o;
	worker *w;	     /* o.jobs of them */
	shared_pool *shared; /* the shared mapping, which begins with it */
	shared_slot *shm;    /* o.jobs of them, after it */
	uint8_t *outboxes;   /* shared: OUTBOX_CAP bytes per worker */
	uv_timer_t timer;    /* timeouts and stuck workers */
	uv_signal_t sigchld; /* a worker ended */
	uv_idle_t reaper;    /* the timer saw one end: see on_timer */
	bool stopping, timer_on, sig_on, reaper_on;
	bool init;	   /* the executor is PID 1 (reap_orphans) */
	worker *last;	   /* where the last task went */
	double mean;	   /* moving mean task duration, 0 = unknown */
	double *name_mean; /* malloc'd: the same, per function */
	int fatal;	   /* workers keep dying before any task: give up */
};

/* One shared mapping: the pool's part, the slots, then (page-aligned) the
 * outboxes. Pages of an outbox are touched only as far as the worker fills
 * it. */
static size_t slots_bytes(int jobs)
{
	size_t n = sizeof(shared_pool) + (size_t)jobs * sizeof(shared_slot),
	       page = 4096;
	return (n + page - 1) / page * page;
}

static size_t shm_bytes(int jobs)
{
	return slots_bytes(jobs) + (size_t)jobs * OUTBOX_CAP;
}

double ctask_pool_cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec * 1e-6;
}

static void put_u32(ctask_buf *b, uint32_t v)
{
	ctask_buf_append(b, &v, sizeof v);
}

static uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof v);
	return v;
}

static double get_f64(const uint8_t *p)
{
	double v;
	memcpy(&v, p, sizeof v);
	return v;
}

/* ---- The worker process -------------------------------------------------- */

/* The executor's pid, in a worker (set before the fork). */
static pid_t executor_pid;

/* The executor is gone: the worker ends, and with it what its tasks left
 * running (its process group, which the executor would have killed). */
static _Noreturn void orphaned(void)
{
	kill(0, SIGKILL);
	_exit(0);
}

/* The parent-death signal (PR_SET_PDEATHSIG): SIGHUP, not SIGKILL, so that
 * the worker can take its process group with it. One sent by anyone else
 * while the executor lives is ignored. */
static void on_hangup(int sig)
{
	(void)sig;
	if (getppid() != executor_pid)
		orphaned();
}

/* Where a worker's results go: its outbox in shared memory, written to
 * the socket a batch at a time. */
typedef struct {
	shared_slot *slot;
	uint8_t *box; /* OUTBOX_CAP bytes, shared with the executor */
	int fd;
	uint32_t answers; /* frames put so far */
	double last;	  /* when the outbox was last written out */
	ctask_buf big;	  /* a frame too large for the outbox */
} outbox;

/* Writes the outbox to the socket and empties it. If the worker dies in
 * between, the executor finds the frames in both and skips those it had
 * (by their answer numbers). */
static void send_out(outbox *ob)
{
	uint32_t n = atomic_load(&ob->slot->out_len);
	if (n && ctask_write_all(ob->fd, ob->box, n) < 0)
		orphaned();
	if (n)
		test_die_after_send();
	/* The executor may be copying the outbox (take_results): the new
	 * generation is visible before any byte of it is written over. */
	atomic_fetch_add_explicit(&ob->slot->out_gen, 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store(&ob->slot->out_len, 0);
	ob->last = ctask_monotonic();
}

/* Results are written back when the outbox is full or 20 ms have passed:
 * few writes for tiny tasks, prompt progress for slow ones. */
static void maybe_send(outbox *ob, bool force)
{
	if (atomic_load(&ob->slot->out_len) &&
	    (force || ctask_monotonic() - ob->last > 0.02))
		send_out(ob);
}

/* A frame's header, for a value or message of n bytes followed by on bytes
 * of output. */
static void put_header(uint8_t *q, uint32_t id, int state, double started,
		       double duration, size_t n, size_t on)
{
	uint32_t len = (uint32_t)(4 + 1 + 8 + 8 + 4 + n + on), m = (uint32_t)n;
	memcpy(q, &len, 4);
	memcpy(q + 4, &id, 4);
	q[8] = (uint8_t)state;
	memcpy(q + 9, &started, 8);
	memcpy(q + 17, &duration, 8);
	memcpy(q + 25, &m, 4);
}

#define HEADER 29 /* a frame's bytes before its value or message */

/* Puts one result frame in the outbox: the value or message p (n bytes),
 * then the task's output o (on bytes; see capture.c). One that does not
 * fit even in an empty outbox goes to the socket at once (a large result
 * is not a tiny task's). */
static void put_result(outbox *ob, uint32_t id, int state, double started,
		       double duration, const void *p, size_t n, const void *o,
		       size_t on)
{
	uint32_t used = atomic_load(&ob->slot->out_len);
	if (used && HEADER + n + on > OUTBOX_CAP - used) {
		send_out(ob);
		used = 0;
	}
	ob->answers++;
	if (HEADER + n + on > OUTBOX_CAP) {
		ob->big.len = 0;
		put_header(ctask_buf_reserve(&ob->big, HEADER), id, state,
			   started, duration, n, on);
		ob->big.len = HEADER;
		ctask_buf_append(&ob->big, p, n);
		ctask_buf_append(&ob->big, o, on);
		if (ctask_write_all(ob->fd, ob->big.p, ob->big.len) < 0)
			orphaned();
		ctask_buf_free(&ob->big);
		return;
	}
	if (used == 0)
		atomic_store_explicit(&ob->slot->out_first, ob->answers - 1,
				      memory_order_relaxed);
	put_header(ob->box + used, id, state, started, duration, n, on);
	if (n)
		memcpy(ob->box + used + HEADER, p, n);
	if (on)
		memcpy(ob->box + used + HEADER + n, o, on);
	atomic_store(&ob->slot->out_len, used + HEADER + (uint32_t)(n + on));
}

/* Input lengths of this value mean "the result of task id, the one run
 * just before in this batch" (a chain), followed by the id. */
#define FROM_PREVIOUS UINT32_MAX
/* A task's input count with this bit: it may be slow (its function's mean
 * is unknown or over 2 ms). */
#define SLOW 0x80000000u
/* And with this one: it has attempts left (--retries), so that its failure
 * does not stop the run. */
#define AGAIN 0x40000000u

/* The result of the task run last in this batch, for a chain. */
typedef struct {
	uint32_t id; /* NO_TASK: none (or it failed) */
	ctask_buf bytes;
} previous;

/* Reads the inputs of one task into in; a chained input points into
 * prev. Returns false if it needs a previous result that is not there. */
static bool read_inputs(const uint8_t **pp, uint32_t nin, ctask_slice *in,
			const previous *prev)
{
	const uint8_t *p = *pp;
	bool ok = true;
	for (uint32_t i = 0; i < nin; i++) {
		uint32_t n = get_u32(p);
		if (n == FROM_PREVIOUS) {
			ok &= prev->id == get_u32(p + 4);
			in[i] = (ctask_slice){prev->bytes.p, prev->bytes.len,
					      0};
			p += 8;
		} else {
			in[i] = (ctask_slice){p + 4, n, 0};
			p += 4 + n;
		}
	}
	*pp = p;
	return ok;
}

/* What the worker's crash handler needs (on_crash). */
static struct {
	_Atomic uint32_t *failures; /* the pool's count */
	shared_slot *slot;
	pid_t pid; /* the worker's: not a process its task forked */
	/* The running task's failure is to be counted: set just while it
	 * runs (after slot->current, so that the executor blames it). */
	volatile sig_atomic_t counting;
} crash;

/* Runs one task and puts its result in the outbox, keeping it in prev.
 * A failure is counted in *failures (NULL: not counted) before its result
 * is put: a result too large for the outbox goes to the socket at once,
 * and the executor must not hear of the failure before the workers. A
 * crash of the task is counted too (on_crash). */
static void run_one(const ctask_graph *g, shared_slot *slot, uint32_t id,
		    const ctask_slice *in, uint32_t nin, outbox *out,
		    previous *prev, _Atomic uint32_t *failures)
{
	ctask_capture_begin(id);
	atomic_store(&slot->started, ctask_monotonic());
	atomic_store(&slot->current, id);
	ctask_outcome oc;
	crash.counting = failures != NULL;
	ctask_exec_task(g, ctask_graph_task(g, id), in, nin, &oc);
	crash.counting = 0;
	ctask_buf printed = {0}; /* owned here: what the task printed */
	ctask_capture_end(&printed);
	atomic_store(&slot->current, NO_TASK);
	prev->id = NO_TASK;
	if (oc.state == CTASK_REC_DONE &&
	    oc.result.len > UINT32_MAX - 64 - printed.len) {
		/* Frames carry 32-bit lengths. */
		oc.state = CTASK_REC_FAILED;
		ctask_buf m = {0};
		ctask_buf_printf(&m,
				 "result of %zu bytes is too large (4 GiB "
				 "at most)",
				 oc.result.len);
		oc.message = (char *)m.p;
	}
	if (oc.state == CTASK_REC_DONE) {
		put_result(out, id, oc.state, oc.started, oc.duration,
			   oc.result.p, oc.result.len, printed.p, printed.len);
		/* Keep it for a chained task: a move, not a copy. */
		prev->id = id;
		ctask_buf_free(&prev->bytes);
		prev->bytes = oc.result;
		oc.result = (ctask_buf){0};
	} else {
		if (failures)
			atomic_fetch_add(failures, 1);
		put_result(out, id, oc.state, oc.started, oc.duration,
			   oc.message, strlen(oc.message), printed.p,
			   printed.len);
	}
	ctask_buf_free(&printed);
	ctask_buf_free(&oc.result);
	free(oc.message);
}

/* Whether a worker failed a task, with the run stopping at a failure:
 * then no task may start (README: without -k, nothing new starts after
 * the first failure). */
static bool halted(const pool *p)
{
	return p->o.stop_on_failure && atomic_load(&p->shared->failures) != 0;
}

/* Passes the next task sent to this worker: true if it is the worker's
 * to run (or answer), false if the executor took it back (take_back) and
 * runs it elsewhere: then it gets no answer. */
static bool claim(shared_slot *slot)
{
	uint64_t v = atomic_load(&slot->claim);
	for (;;) {
		uint32_t mine = (uint32_t)v, back = (uint32_t)(v >> 32);
		uint64_t next = (v >> 32 << 32) | (uint32_t)(mine + 1);
		if (atomic_compare_exchange_weak(&slot->claim, &v, next))
			return (int32_t)(mine - back) >= 0;
	}
}

/* Runs one batch message; results go to out. */
static void run_batch(const pool *pl, shared_slot *slot, const uint8_t *p,
		      outbox *out)
{
	uint32_t count = get_u32(p);
	p += 4;
	ctask_slice *in = NULL;
	size_t cap = 0;
	previous prev = {.id = NO_TASK};
	for (uint32_t k = 0; k < count; k++) {
		uint32_t id = get_u32(p),
			 nin = get_u32(p + 4) & ~(SLOW | AGAIN);
		bool slow = get_u32(p + 4) & SLOW,
		     last = !(get_u32(p + 4) & AGAIN);
		p += 8;
		if (nin > cap) {
			cap = nin;
			in = ctask_xrealloc(in, cap * sizeof *in);
		}
		bool have = read_inputs(&p, nin, in, &prev);
		if (!claim(slot)) {
			prev.id = NO_TASK;
			continue;
		}
		/* Every task claimed gets exactly one answer: STOPPED when the
		 * executor is stopping, a task failed and the run stops at a
		 * failure, or a chained input is missing (the task before it
		 * failed). */
		if (atomic_load(&slot->stop) || halted(pl) || !have) {
			put_result(out, id, STATE_STOPPED, 0, 0, NULL, 0, NULL,
				   0);
			prev.id = NO_TASK;
			continue;
		}
		/* Finished results go out before a slow task, so that nobody
		 * waits for them while it runs. */
		if (slow)
			maybe_send(out, true);
		/* A failure stops the run only on the task's last attempt. */
		run_one(pl->g, slot, id, in, nin, out, &prev,
			pl->o.stop_on_failure && last ? &pl->shared->failures
						      : NULL);
		maybe_send(out, false);
	}
	maybe_send(out, true);
	ctask_buf_free(&prev.bytes);
	free(in);
}

/* A signal that ends the worker in a task (or its exit()): when the task's
 * failure stops the run, counts it at once, so that no other worker starts
 * a task while the executor learns of the death; then dies of the signal
 * as it would have (SA_RESETHAND: its default action is back). */
static void on_crash(int sig)
{
	if (crash.counting && getpid() == crash.pid) {
		crash.counting = 0;
		atomic_fetch_add(crash.failures, 1);
		atomic_store(&crash.slot->crash_counted, 1);
	}
	if (sig)
		raise(sig);
}

static void on_exit_in_task(void)
{
	on_crash(0);
}

/* With the run stopping at a failure: count the crashes of tasks. On a
 * stack of its own, for a task that overflows its stack. */
static void count_crashes(pool *p, shared_slot *slot)
{
	static const int sigs[] = {SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE};
	static char stack[65536];
	crash.failures = &p->shared->failures;
	crash.slot = slot;
	crash.pid = getpid();
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
	sigaltstack(&ss, NULL);
	struct sigaction sa = {.sa_handler = on_crash,
			       .sa_flags =
				       SA_RESETHAND | SA_NODEFER | SA_ONSTACK};
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		sigaction(sigs[i], &sa, NULL);
	atexit(on_exit_in_task); /* the worker itself leaves by _exit() */
}

/* The worker's main loop: batches in, results out, until end of file. */
static _Noreturn void worker_main(pool *p, int fd, shared_slot *slot)
{
	/* The worker leads its own process group (spawn), so that what its
	 * tasks leave behind can be killed with it. The executor decides
	 * when workers stop; if the executor dies, so do they, with their
	 * groups (on_hangup). Away from the terminal's foreground group, a
	 * task that reads the terminal gets an error rather than a stop
	 * (SIGTTIN), and may write to it. The executor's signal handlers are
	 * not the worker's. */
	setpgid(0, 0);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	struct sigaction hup = {.sa_handler = on_hangup,
				.sa_flags = SA_RESTART};
	sigemptyset(&hup.sa_mask);
	sigaction(SIGHUP, &hup, NULL);
	prctl(PR_SET_PDEATHSIG, SIGHUP);
	/* Gone before the signal was asked for? (Not "our parent is 1": the
	 * executor may be PID 1, a container's entry point.) */
	if (getppid() != executor_pid)
		orphaned();
	if (p->o.stop_on_failure)
		count_crashes(p, slot);
	if (p->o.worker_init)
		p->o.worker_init();
	ctask_capture_untagged("CTASK_WORKER_INIT");
	ctask_buf msg = {0};
	outbox out = {slot,
		      p->outboxes + (slot - p->shm) * OUTBOX_CAP,
		      fd,
		      0,
		      ctask_monotonic(),
		      {0}};
	uint32_t len;
	while (ctask_read_all(fd, &len, sizeof len) == 0) {
		msg.len = 0;
		uint8_t *q = ctask_buf_reserve(&msg, len);
		if (ctask_read_all(fd, q, len) < 0)
			break;
		msg.len = len;
		run_batch(p, slot, msg.p, &out);
	}
	if (getppid() != executor_pid) /* end of file: the executor died */
		orphaned();
	if (p->o.worker_fini)
		p->o.worker_fini();
	ctask_capture_stop("CTASK_WORKER_FINI");
	_exit(0);
}

/* ---- The executor's side ------------------------------------------------- */

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);
static void spawn(worker *w);

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	worker *w = h->data;
	(void)hint;
	uint8_t *p = ctask_buf_reserve(&w->rbuf, 65536);
	*buf = uv_buf_init((char *)p, 65536);
}

static uint32_t inflight_pop(worker *w)
{
	uint32_t id = w->inflight[w->head++];
	if (--w->len == 0)
		w->head = 0;
	return id;
}

static void inflight_push(worker *w, uint32_t id)
{
	if (w->head + w->len == w->cap) {
		if (w->head > 0) {
			memmove(w->inflight, w->inflight + w->head,
				w->len * sizeof *w->inflight);
			w->head = 0;
		} else {
			w->cap = w->cap ? 2 * w->cap : 64;
			w->inflight = ctask_xrealloc(
				w->inflight, w->cap * sizeof *w->inflight);
		}
	}
	w->inflight[w->head + w->len++] = id;
}

/* Whether a failure of t stops the run: it is its last attempt. Read
 * before the scheduler hears of the failure (which counts it). */
static bool last_attempt(const pool *p, const ctask_task *t)
{
	return p->o.retries <= 0 || !p->o.tries ||
	       p->o.tries[t->id] >= p->o.retries;
}

/* Turns one result frame into an outcome for the scheduler. */
static void on_frame(worker *w, const uint8_t *f, uint32_t len)
{
	pool *p = w->p;
	uint32_t id = get_u32(f), n = get_u32(f + 21);
	int state = f[4];
	inflight_pop(w); /* frame_ok checked it is the head */
	w->answered++;
	ctask_task *t = ctask_graph_task(p->g, id);
	if (state == STATE_STOPPED) {
		test_log("stopped %u\n", id);
		p->base.ev.returned(p->base.ev.ud, t);
		return;
	}
	ctask_outcome oc = {.task = t,
			    .state = state,
			    .started = get_f64(f + 5),
			    .duration = get_f64(f + 13)};
	if (state == CTASK_REC_DONE)
		ctask_buf_append(&oc.result, f + 25, n);
	else
		oc.message = strndup((const char *)f + 25, n);
	if (len - 25 > n) /* it printed something */
		ctask_buf_append(&oc.output, f + 25 + n, len - 25 - n);
	w->finished_one = true;
	w->init_deaths = 0;
	p->mean =
		p->mean == 0 ? oc.duration : 0.9 * p->mean + 0.1 * oc.duration;
	double *nm = &p->name_mean[t->name_id];
	*nm = *nm == 0 ? oc.duration : 0.9 * *nm + 0.1 * oc.duration;
	bool counted = state != CTASK_REC_DONE && p->o.stop_on_failure &&
		       last_attempt(p, t);
	p->base.ev.finished(p->base.ev.ud, &oc);
	/* The scheduler stops the run at a failure the worker counted (it
	 * said so: stop()); should it try the task again instead, the
	 * workers may go on. */
	if (counted && !p->stopping)
		atomic_fetch_sub(&p->shared->failures, 1);
}

/* Whether frame f of len bytes (after its length) is well formed and
 * answers the oldest task in flight. */
static bool frame_ok(const worker *w, const uint8_t *f, uint32_t len)
{
	return len >= 25 && get_u32(f + 21) <= len - 25 && w->len > 0 &&
	       w->inflight[w->head] == get_u32(f);
}

/* Kills w's process and whatever its tasks started (its process group),
 * while w's pid is still its own (not reaped). */
static void kill_worker(const worker *w)
{
	if (w->pid) {
		kill(-w->pid, SIGKILL);
		kill(w->pid, SIGKILL);
	}
}

/* Consumes every whole frame in w->rbuf. Returns false if the stream is
 * garbled. */
static bool parse_frames(worker *w)
{
	size_t off = 0;
	while (w->rbuf.len - off >= 4) {
		uint32_t len = get_u32(w->rbuf.p + off);
		if (w->rbuf.len - off - 4 < len)
			break;
		const uint8_t *f = w->rbuf.p + off + 4;
		/* Frame number got: had already if take_results took it from
		 * the outbox. */
		if ((int32_t)(w->got++ - w->answered) < 0) {
			off += 4 + len;
			continue;
		}
		if (!frame_ok(w, f, len)) {
			/* A garbled stream cannot be resynchronised: end the
			 * worker; its tasks are then failed or returned. */
			kill_worker(w);
			w->rbuf.len = 0;
			return false;
		}
		on_frame(w, f, len);
		off += 4 + len;
	}
	memmove(w->rbuf.p, w->rbuf.p + off, w->rbuf.len - off);
	w->rbuf.len -= off;
	return true;
}

static const uint8_t *outbox_of(const worker *w)
{
	return w->p->outboxes + (w->slot - w->p->shm) * OUTBOX_CAP;
}

/* Takes the whole frames at q (left bytes, the first of them answer number
 * k) that w has not had. Returns false at a frame that is not well formed,
 * or one whose predecessors have not come yet (they are on the socket). */
static bool take_frames(worker *w, const uint8_t *q, uint32_t left, uint32_t k)
{
	for (; left >= 4; k++) {
		uint32_t len = get_u32(q);
		if (left - 4 < len)
			return false;
		if ((int32_t)(k - w->answered) > 0)
			return false;
		if (k == w->answered) {
			if (!frame_ok(w, q + 4, len))
				return false;
			on_frame(w, q + 4, len);
		}
		q += 4 + len;
		left -= 4 + len;
	}
	return true;
}

/* The worker is dead and its socket read to the end: takes the frames
 * left in its outbox, except those it had already (the worker may have
 * died between writing them and emptying the outbox; take_results may
 * have taken them). */
static void recover(worker *w)
{
	const shared_slot *sl = w->slot;
	uint32_t left = atomic_load(&sl->out_len);
	if (left <= OUTBOX_CAP) /* else not written by a worker of ours */
		take_frames(w, outbox_of(w), left, atomic_load(&sl->out_first));
}

/* w is stuck in a long task: takes the results waiting in its outbox,
 * which it would write out only after that task, so that the tasks that
 * need them need not wait for it (README: a hung task holds up nothing
 * but what needs it). The worker may be writing the outbox out meanwhile
 * and then filling it again: a copy made while out_gen changed is dropped
 * (the socket brings those frames). */
static void take_results(worker *w)
{
	const shared_slot *sl = w->slot;
	uint32_t gen = atomic_load_explicit(&sl->out_gen, memory_order_acquire);
	uint32_t len = atomic_load_explicit(&sl->out_len, memory_order_acquire);
	uint32_t first =
		atomic_load_explicit(&sl->out_first, memory_order_relaxed);
	if (len == 0 || len > OUTBOX_CAP ||
	    (gen == w->seen_gen && len == w->seen_len))
		return;
	w->copy.len = 0;
	memcpy(ctask_buf_reserve(&w->copy, len), outbox_of(w), len);
	w->copy.len = len;
	atomic_thread_fence(memory_order_acquire);
	if (atomic_load_explicit(&sl->out_gen, memory_order_relaxed) != gen)
		return;
	/* Seen: not copied again until it changes, unless some of it could
	 * not be taken yet. */
	uint32_t had = w->answered;
	if (take_frames(w, w->copy.p, len, first))
		w->seen_gen = gen, w->seen_len = len;
	if (w->answered != had)
		test_log("took %u\n", w->answered - had);
}

/* Why a worker ended, for the task it was running. */
static char *death_message(const worker *w, int st, double timeout)
{
	ctask_buf b = {0};
	if (w->killed_task != NO_TASK)
		ctask_buf_printf(&b, "timed out after %g s (worker killed)",
				 timeout);
	else if (WIFSIGNALED(st))
		ctask_buf_printf(&b, "worker killed by signal %d (%s)",
				 WTERMSIG(st), strsignal(WTERMSIG(st)));
	else if (WIFEXITED(st))
		ctask_buf_printf(&b, "worker exited with status %d",
				 WEXITSTATUS(st));
	else
		ctask_buf_printf(&b, "worker ended (wait status %d)", st);
	return (char *)b.p;
}

static void on_close(uv_handle_t *h)
{
	worker *w = h->data;
	w->pipe_open = false;
	if (!w->p->stopping && !w->p->fatal)
		spawn(w);
}

/* Whether w's process has ended. It stays a zombie until reap(), so its
 * pid and process group are still its own. */
static bool ended(const worker *w)
{
	siginfo_t si;
	si.si_pid = 0;
	return w->pid &&
	       waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
		       0 &&
	       si.si_pid == w->pid;
}

/* Reads what the dead worker's socket holds: all it wrote is there, but
 * end of file may never come (a process its task left behind may hold
 * the socket open), so it is read until it would block. */
static void drain(worker *w)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&w->pipe, &fd) != 0)
		return;
	for (;;) {
		uint8_t *q = ctask_buf_reserve(&w->rbuf, 65536);
		ssize_t n = recv(fd, q, 65536, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		w->rbuf.len += (size_t)n;
		if (!parse_frames(w))
			return;
	}
}

/* The worker has ended (ended() said so; its pipe need not have reached
 * end of file): kills what its tasks left in its process group, takes its
 * last results, fails the task it was running, returns the others, and
 * starts a replacement. */
static void reap(worker *w)
{
	pool *p = w->p;
	int st = 0;
	kill_worker(w);
	drain(w);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	/* A frame cut short by the worker's death is whole in the outbox. */
	w->rbuf.len = 0;
	recover(w);
	uint32_t blamed = w->killed_task != NO_TASK
				  ? w->killed_task
				  : atomic_load(&w->slot->current);
	if (w->interrupted)
		blamed = NO_TASK;
	if (!w->finished_one && blamed == NO_TASK && !w->interrupted &&
	    !p->stopping && ++w->init_deaths >= 3)
		p->fatal = 1;
	bool counted = w->kill_counted || atomic_load(&w->slot->crash_counted);
	while (w->len > 0) {
		uint32_t id = inflight_pop(w);
		ctask_task *t = ctask_graph_task(p->g, id);
		if (id != blamed) {
			p->base.ev.returned(p->base.ev.ud, t);
			continue;
		}
		ctask_outcome oc = {.task = t, .state = CTASK_REC_FAILED};
		oc.message = death_message(w, st, p->o.task_timeout);
		ctask_capture_salvage(&w->capture_fd, &oc.output);
		oc.started = ctask_now();
		p->base.ev.finished(p->base.ev.ud, &oc);
	}
	/* As in on_frame: the failure was counted, and the scheduler tries
	 * the task again rather than stop. */
	if (counted && !p->stopping)
		atomic_fetch_sub(&p->shared->failures, 1);
	ctask_capture_salvage(&w->capture_fd, NULL); /* closes it */
	w->killed_task = NO_TASK;
	w->kill_counted = false;
	w->interrupted = false;
	w->finished_one = false;
	w->queued.len = 0; /* already returned above, with the inflight */
	w->nqueued = 0;
	uv_close((uv_handle_t *)&w->pipe, on_close);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	worker *w = s->data;
	(void)buf;
	if (n > 0) {
		w->rbuf.len += (size_t)n;
		parse_frames(w);
	} else if (n < 0) {
		/* The worker closed its end: it is exiting. Its death comes
		 * by SIGCHLD (or the timer), if it has not come yet. */
		uv_read_stop(s);
		if (ended(w))
			reap(w);
	}
}

static worker *worker_of(pool *p, pid_t pid)
{
	for (int i = 0; i < p->o.jobs; i++)
		if (p->w[i].pid == pid)
			return &p->w[i];
	return NULL;
}

/* As PID 1 (a container's entry point, without an init such as tini), the
 * executor inherits every orphan in its pid namespace, such as what a task
 * left running once its worker's group is killed: it reaps those that have
 * ended, since nobody else would and their zombies would pile up. A worker
 * met there is reaped as reap() does, with its status. */
static void reap_orphans(pool *p)
{
	for (;;) {
		siginfo_t si;
		si.si_pid = 0;
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 ||
		    si.si_pid == 0)
			return;
		worker *w = worker_of(p, si.si_pid);
		if (w)
			reap(w);
		else
			while (waitpid(si.si_pid, NULL, 0) < 0 &&
			       errno == EINTR)
				;
	}
}

/* Reaps every worker that has ended (and, as PID 1, every orphan). */
static void reap_ended(pool *p)
{
	for (int i = 0; i < p->o.jobs; i++)
		if (ended(&p->w[i]))
			reap(&p->w[i]);
	if (p->init)
		reap_orphans(p);
}

static void on_sigchld(uv_signal_t *h, int signum)
{
	(void)signum;
	if (!test_no_sigchld())
		reap_ended(h->data);
}

static void close_pipe_fd(worker *w)
{
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&w->pipe, &fd) == 0)
		close(fd);
}

/* Forks the worker for slot w. */
static void spawn(worker *w)
{
	pool *p = w->p;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		p->fatal = 1;
		return;
	}
	atomic_store(&w->slot->current, NO_TASK);
	atomic_store(&w->slot->stop, p->stopping);
	atomic_store(&w->slot->crash_counted, 0);
	atomic_store(&w->slot->claim, 0);
	atomic_store(&w->slot->out_len, 0);
	atomic_store(&w->slot->out_gen, 0);
	w->sent = w->back = w->answered = w->got = 0;
	w->seen_gen = w->seen_len = 0;
	fflush(NULL);
	w->capture_fd = ctask_capture_open();
	executor_pid = getpid();
	pid_t pid = fork();
	/* The child does the same: whichever runs first, the group exists
	 * before the executor could signal it. */
	if (pid > 0)
		setpgid(pid, pid);
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < p->o.jobs; i++)
			if (p->w[i].pipe_open)
				close_pipe_fd(&p->w[i]);
		ctask_capture_start(w->capture_fd, &p->o.capture);
		worker_main(p, sv[1], w->slot);
	}
	close(sv[1]);
	if (pid < 0) {
		ctask_capture_salvage(&w->capture_fd, NULL);
		close(sv[0]);
		p->fatal = 1;
		return;
	}
	w->pid = pid;
	w->killed_task = NO_TASK;
	uv_pipe_init(p->loop, &w->pipe, 0);
	w->pipe.data = w;
	uv_pipe_open(&w->pipe, sv[0]);
	w->pipe_open = true;
	uv_read_start((uv_stream_t *)&w->pipe, alloc_cb, on_read);
}

/* How many tasks a worker may hold: one while tasks are slow or of unknown
 * length, so the last ones spread evenly; for fast tasks, enough for about
 * 50 ms of work, sent before the worker runs dry. */
static size_t depth(const pool *p)
{
	if (p->mean == 0 || p->mean > 0.01)
		return 1;
	double n = 0.05 / (p->mean > 1e-6 ? p->mean : 1e-6);
	return n > 1024 ? 2048 : 2 * (size_t)(n + 1);
}

/* Whether w's current task has run for STUCK_SECONDS: tasks sent to it now
 * would wait for that task. */
static bool stuck(const worker *w, double now)
{
	return w->pid && atomic_load(&w->slot->current) != NO_TASK &&
	       now - atomic_load(&w->slot->started) > STUCK_SECONDS;
}

static bool pool_broken(ctask_runner *r)
{
	return ((pool *)r)->fatal != 0;
}

static size_t pool_can_start(ctask_runner *r)
{
	pool *p = (pool *)r;
	if (p->stopping || p->fatal)
		return 0;
	size_t d = depth(p), room = 0;
	double now = ctask_monotonic();
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		size_t held = w->len + w->nqueued;
		w->stuck = stuck(w, now);
		/* Refill at half depth so a worker never waits for work. */
		if (w->pid && !w->stuck &&
		    (held == 0 || (d > 1 && held <= d / 2)))
			room += d - held;
	}
	return room;
}

/* The worker with the fewest tasks, not stuck if one is not (as
 * can_start saw them: reading the worker's slot for every task would cost
 * a cache miss each); NULL if none is running. */
static worker *least_busy(pool *p)
{
	worker *best = NULL;
	bool best_stuck = true;
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		if (!w->pid)
			continue;
		bool st = w->stuck;
		size_t held = w->len + w->nqueued;
		if (!best || (best_stuck && !st) ||
		    (st == best_stuck && held < best->len + best->nqueued))
			best = w, best_stuck = st;
	}
	return best;
}

static int pool_start(ctask_runner *r, ctask_task *t, const ctask_slice *in,
		      size_t nin)
{
	pool *p = (pool *)r;
	bool chained = false;
	if (nin >= AGAIN)
		return ctask_error_set(CTASK_EINVALID,
				       "a task with %zu inputs has too many "
				       "(2^30 at most)",
				       nin);
	for (size_t i = 0; i < nin; i++) {
		chained |= in[i].from != 0;
		if (!in[i].from && in[i].n >= FROM_PREVIOUS)
			return ctask_error_set(CTASK_EINVALID,
					       "an input of %zu bytes is too "
					       "large (4 GiB at most)",
					       in[i].n);
	}
	/* A chained task goes right after the task it follows. */
	worker *w = chained ? p->last : least_busy(p);
	if (!w || !w->pid)
		return ctask_error_set(CTASK_EIO, "no worker process is "
						  "running");
	double mean = p->name_mean[t->name_id];
	put_u32(&w->queued, t->id);
	put_u32(&w->queued, (uint32_t)nin |
				    (mean == 0 || mean > 0.002 ? SLOW : 0) |
				    (last_attempt(p, t) ? 0 : AGAIN));
	for (size_t i = 0; i < nin; i++) {
		if (in[i].from) {
			put_u32(&w->queued, FROM_PREVIOUS);
			put_u32(&w->queued, in[i].from - 1);
			continue;
		}
		put_u32(&w->queued, (uint32_t)in[i].n);
		ctask_buf_append(&w->queued, in[i].p, in[i].n);
	}
	w->nqueued++;
	inflight_push(w, t->id);
	p->last = w;
	return 0;
}

static void on_written(uv_write_t *req, int status)
{
	(void)status; /* a dead worker: its end comes by SIGCHLD (reap) */
	free(req->data);
	free(req);
}

static void pool_flush(ctask_runner *r)
{
	pool *p = (pool *)r;
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		if (!w->nqueued)
			continue;
		/* The request owns the message until the write completes. */
		ctask_buf msg = {0};
		put_u32(&msg, (uint32_t)(4 + w->queued.len));
		put_u32(&msg, w->nqueued);
		ctask_buf_append(&msg, w->queued.p, w->queued.len);
		uv_write_t *req = ctask_xmalloc(sizeof *req);
		req->data = msg.p;
		uv_buf_t b = uv_buf_init((char *)msg.p, (unsigned)msg.len);
		if (uv_write(req, (uv_stream_t *)&w->pipe, &b, 1, on_written))
			on_written(req, -1);
		w->sent += w->nqueued;
		w->queued.len = 0;
		w->nqueued = 0;
	}
}

static size_t pool_running(ctask_runner *r)
{
	pool *p = (pool *)r;
	size_t n = 0;
	for (int i = 0; i < p->o.jobs; i++)
		n += p->w[i].len;
	return n;
}

static void pool_stop(ctask_runner *r, bool now)
{
	pool *p = (pool *)r;
	p->stopping = true;
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		atomic_store(&w->slot->stop, 1);
		if (now && w->pid) {
			w->interrupted = true;
			kill_worker(w);
		}
	}
}

/* Takes back the tasks sent to w (stuck in a long task) that it has not
 * reached, and returns them to the scheduler, which starts them on another
 * worker. When w gets to them, claim() tells it to skip them. */
static void take_back(worker *w)
{
	pool *p = w->p;
	uint64_t v = atomic_load(&w->slot->claim), next;
	do
		next = (uint64_t)w->sent << 32 | (uint32_t)v;
	while (!atomic_compare_exchange_weak(&w->slot->claim, &v, next));
	uint32_t reached = (uint32_t)v;
	if ((int32_t)(reached - w->back) < 0)
		reached = w->back; /* those before it were taken back before */
	/* Neither those nor the tasks not sent yet get an answer: they are
	 * the last ones in the FIFO. */
	size_t n = (uint32_t)(w->sent - reached) + w->nqueued;
	if (n)
		test_log("take-back %zu\n", n);
	w->back = w->sent;
	w->queued.len = 0;
	w->nqueued = 0;
	w->len -= n;
	const uint32_t *ids = w->inflight + w->head + w->len;
	for (size_t i = 0; i < n; i++)
		p->base.ev.returned(p->base.ev.ud,
				    ctask_graph_task(p->g, ids[i]));
	if (w->len == 0)
		w->head = 0;
}

/* Whether a worker other than w could take tasks now. */
static bool other_free(const pool *p, const worker *w, double now)
{
	for (int i = 0; i < p->o.jobs; i++)
		if (&p->w[i] != w && p->w[i].pid && !stuck(&p->w[i], now))
			return true;
	return false;
}

static void on_reaper(uv_idle_t *h)
{
	uv_idle_stop(h);
	reap_ended(h->data);
}

/* Every 50 ms: reaps workers that ended (should a SIGCHLD have gone
 * astray), kills workers whose task ran past the timeout, and takes the
 * finished results and the tasks waiting behind a stuck worker's task
 * (the tasks go to the others). */
static void on_timer(uv_timer_t *t)
{
	pool *p = t->data;
	bool ended_one = p->init; /* as PID 1: orphans to reap */
	double now = ctask_monotonic();
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		uint32_t cur = atomic_load(&w->slot->current);
		bool gone = ended(w);
		ended_one |= gone;
		if (!w->pid || gone || cur == NO_TASK ||
		    w->killed_task != NO_TASK)
			continue;
		if (p->o.task_timeout > 0 &&
		    now - atomic_load(&w->slot->started) > p->o.task_timeout) {
			/* Counted first, as a worker counts its crash: no
			 * other worker starts a task meanwhile. */
			w->killed_task = cur;
			w->kill_counted =
				p->o.stop_on_failure &&
				last_attempt(p, ctask_graph_task(p->g, cur));
			if (w->kill_counted)
				atomic_fetch_add(&p->shared->failures, 1);
			kill_worker(w);
		} else if (stuck(w, now)) {
			take_results(w);
			if (w->len + w->nqueued > 1 && !p->stopping &&
			    other_free(p, w, now))
				take_back(w);
		}
	}
	/* Reaped from an idle callback, early in the next turn of the loop,
	 * not here: a timer may run last in a turn (UV_RUN_ONCE runs them
	 * after closing handles), and the scheduler would then find a slot
	 * with neither a worker nor tasks, and think that workers keep
	 * dying (a replacement starts when the dead one's pipe has closed,
	 * which takes a turn). */
	if (ended_one)
		uv_idle_start(&p->reaper, on_reaper);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
	(void)status;
	free(req);
}

static void on_timer_closed(uv_handle_t *h)
{
	((pool *)h->data)->timer_on = false;
}

static void on_sig_closed(uv_handle_t *h)
{
	((pool *)h->data)->sig_on = false;
}

static void on_reaper_closed(uv_handle_t *h)
{
	((pool *)h->data)->reaper_on = false;
}

static bool any_open(const pool *p)
{
	for (int i = 0; i < p->o.jobs; i++)
		if (p->w[i].pipe_open)
			return true;
	return false;
}

static void pool_free(ctask_runner *r)
{
	pool *p = (pool *)r;
	p->stopping = true;
	/* End of file on their pipes tells idle workers to run their
	 * teardown hook and exit; the loop then sees them go. */
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		if (w->pipe_open && w->pid)
			uv_shutdown(ctask_xmalloc(sizeof(uv_shutdown_t)),
				    (uv_stream_t *)&w->pipe, on_shutdown);
	}
	/* They are seen to end by SIGCHLD or the timer: those stay until
	 * every worker is gone. The loop must finish closing everything
	 * before p is freed. */
	while (any_open(p))
		uv_run(p->loop, UV_RUN_ONCE);
	if (p->timer_on)
		uv_close((uv_handle_t *)&p->timer, on_timer_closed);
	if (p->sig_on)
		uv_close((uv_handle_t *)&p->sigchld, on_sig_closed);
	if (p->reaper_on)
		uv_close((uv_handle_t *)&p->reaper, on_reaper_closed);
	while (p->timer_on || p->sig_on || p->reaper_on)
		uv_run(p->loop, UV_RUN_ONCE);
	for (int i = 0; i < p->o.jobs; i++) {
		ctask_buf_free(&p->w[i].queued);
		ctask_buf_free(&p->w[i].rbuf);
		ctask_buf_free(&p->w[i].copy);
		free(p->w[i].inflight);
	}
	munmap(p->shared, shm_bytes(p->o.jobs));
	free(p->name_mean);
	free(p->w);
	free(p);
}

ctask_runner *ctask_runner_pool(const ctask_graph *g, uv_loop_t *loop,
				const ctask_pool_opts *o,
				ctask_runner_events ev)
{
	pool *p = ctask_xcalloc(1, sizeof *p);
	p->g = g;
	p->loop = loop;
	p->o = *o;
	p->init = getpid() == 1;
	if (p->o.jobs < 1)
		p->o.jobs = 1;
	p->base = (ctask_runner){.can_start = pool_can_start,
				 .start = pool_start,
				 .can_chain = true,
				 .flush = pool_flush,
				 .running = pool_running,
				 .broken = pool_broken,
				 .stop = pool_stop,
				 .free = pool_free,
				 .ev = ev};
	p->shared = mmap(NULL, shm_bytes(p->o.jobs), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->shared == MAP_FAILED) {
		free(p);
		ctask_error_set(CTASK_EIO, "cannot map shared memory: %s",
				strerror(errno));
		return NULL;
	}
	p->shm = (shared_slot *)(p->shared + 1);
	p->outboxes = (uint8_t *)p->shared + slots_bytes(p->o.jobs);
	p->w = ctask_xcalloc((size_t)p->o.jobs, sizeof *p->w);
	p->name_mean =
		ctask_xcalloc(ctask_graph_nnames(g) + 1, sizeof *p->name_mean);
	/* Before the first fork: no worker's end may go unseen. */
	uv_signal_init(loop, &p->sigchld);
	p->sigchld.data = p;
	uv_signal_start(&p->sigchld, on_sigchld, SIGCHLD);
	p->sig_on = true;
	for (int i = 0; i < p->o.jobs; i++) {
		p->w[i] = (worker){.p = p, .slot = &p->shm[i]};
		p->w[i].killed_task = NO_TASK;
		spawn(&p->w[i]);
	}
	uv_idle_init(loop, &p->reaper);
	p->reaper.data = p;
	p->reaper_on = true;
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	uv_timer_start(&p->timer, on_timer, 50, 50);
	p->timer_on = true;
	if (p->fatal) {
		ctask_error_set(CTASK_EIO, "cannot start worker processes: %s",
				strerror(errno));
		pool_free(&p->base);
		return NULL;
	}
	return &p->base;
}
