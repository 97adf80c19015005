/*
 * pool.c - the runner with worker processes.
 *
 * Workers are forked after the plugin is loaded and the graph is built, so
 * they share both copy-on-write and never load or hash anything. Each worker
 * talks to the executor over a socketpair:
 *
 *   executor -> worker   a batch: u32 length, u32 count, then per task
 *                        u32 id, u32 nin, and nin inputs (u32 length, bytes;
 *                        or FROM_PREVIOUS, u32 id: the result of the task
 *                        run just before, for a chain of tasks)
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
 * task.
 */
#include "exec.h"

#include "arena.h"
#include "error.h"

#include <errno.h>
#include <signal.h>
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

#define NO_TASK UINT32_MAX
#define STATE_STOPPED 255

/* Shared between a worker and the executor (one per worker slot). */
typedef struct {
	_Atomic uint32_t current; /* task id being run, or NO_TASK */
	_Atomic double started;	  /* monotonic time it started */
	_Atomic int stop;	  /* executor asks: no new task in this batch */
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
	uint32_t *inflight; /* malloc'd FIFO of task ids sent, not finished */
	size_t head, len, cap;
	ctask_buf rbuf;	      /* bytes received, not yet a whole frame */
	uint32_t killed_task; /* killed for a timeout: this task */
	bool interrupted;     /* killed by stop(now): return its tasks */
	int init_deaths;      /* died before finishing any task */
	bool finished_one;
	int capture_fd; /* its tasks' output (capture.c); -1: none */
} worker;

struct pool {
	ctask_runner base;
	const ctask_graph *g;
	uv_loop_t *loop;
	ctask_pool_opts o;
	worker *w; /* o.jobs of them */
	shared_slot *shm;
	uv_timer_t timer; /* timeouts */
	bool stopping, timer_on;
	worker *last;	   /* where the last task went */
	double mean;	   /* moving mean task duration, 0 = unknown */
	double *name_mean; /* malloc'd: the same, per function */
	int fatal;	   /* workers keep dying before any task: give up */
};

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

static void put_f64(ctask_buf *b, double v)
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

static void put_result(ctask_buf *out, uint32_t id, int state, double started,
		       double duration, const void *p, size_t n)
{
	put_u32(out, (uint32_t)(4 + 1 + 8 + 8 + 4 + n));
	put_u32(out, id);
	ctask_buf_byte(out, (uint8_t)state);
	put_f64(out, started);
	put_f64(out, duration);
	put_u32(out, (uint32_t)n);
	ctask_buf_append(out, p, n);
}

/* Appends what the task printed (capture.c) to the frame at out->p + at
 * (unless the frame's 32-bit length cannot hold it). */
static void put_output(ctask_buf *out, size_t at)
{
	uint32_t len = get_u32(out->p + at);
	size_t n = ctask_capture_end(out);
	if (n > UINT32_MAX - len)
		out->len -= n, n = 0;
	len += (uint32_t)n;
	memcpy(out->p + at, &len, sizeof len);
}

/* Results are written back when 256 KiB have gathered or 20 ms have
 * passed: few writes for tiny tasks, prompt progress for slow ones. */
static void maybe_flush(int fd, ctask_buf *out, double *last, bool force)
{
	double now = ctask_monotonic();
	if (out->len && (force || out->len >= 262144 || now - *last > 0.02)) {
		if (ctask_write_all(fd, out->p, out->len) < 0)
			_exit(0); /* the executor is gone */
		out->len = 0;
		*last = now;
	}
}

/* Input lengths of this value mean "the result of task id, the one run
 * just before in this batch" (a chain), followed by the id. */
#define FROM_PREVIOUS UINT32_MAX
/* A task's input count with this bit: it may be slow (its function's mean
 * is unknown or over 2 ms). */
#define SLOW 0x80000000u

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

/* Runs one task and writes its result to out, keeping it in prev. */
static void run_one(const ctask_graph *g, shared_slot *slot, uint32_t id,
		    const ctask_slice *in, uint32_t nin, ctask_buf *out,
		    previous *prev)
{
	ctask_capture_begin(id);
	atomic_store(&slot->started, ctask_monotonic());
	atomic_store(&slot->current, id);
	ctask_outcome oc;
	ctask_exec_task(g, ctask_graph_task(g, id), in, nin, &oc);
	size_t frame = out->len; /* the task's output ends its frame */
	atomic_store(&slot->current, NO_TASK);
	prev->id = NO_TASK;
	if (oc.state == CTASK_REC_DONE && oc.result.len > UINT32_MAX - 64) {
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
			   oc.result.p, oc.result.len);
		/* Keep it for a chained task: a move, not a copy. */
		prev->id = id;
		ctask_buf_free(&prev->bytes);
		prev->bytes = oc.result;
		oc.result = (ctask_buf){0};
	} else {
		put_result(out, id, oc.state, oc.started, oc.duration,
			   oc.message, strlen(oc.message));
	}
	put_output(out, frame);
	ctask_buf_free(&oc.result);
	free(oc.message);
}

/* Runs one batch message; results go to out. */
static void run_batch(const ctask_graph *g, shared_slot *slot, int fd,
		      const uint8_t *p, ctask_buf *out, double *last)
{
	uint32_t count = get_u32(p);
	p += 4;
	ctask_slice *in = NULL;
	size_t cap = 0;
	previous prev = {.id = NO_TASK};
	for (uint32_t k = 0; k < count; k++) {
		uint32_t id = get_u32(p), nin = get_u32(p + 4) & ~SLOW;
		bool slow = get_u32(p + 4) & SLOW;
		p += 8;
		if (nin > cap) {
			cap = nin;
			in = ctask_xrealloc(in, cap * sizeof *in);
		}
		bool have = read_inputs(&p, nin, in, &prev);
		/* Every task sent gets exactly one answer: STOPPED when the
		 * executor is stopping or a chained input is missing (the
		 * task before it failed). */
		if (atomic_load(&slot->stop) || !have) {
			put_result(out, id, STATE_STOPPED, 0, 0, NULL, 0);
			prev.id = NO_TASK;
			continue;
		}
		/* Finished results go out before a slow task, so that nobody
		 * waits for them while it runs. */
		if (slow)
			maybe_flush(fd, out, last, true);
		run_one(g, slot, id, in, nin, out, &prev);
		maybe_flush(fd, out, last, false);
	}
	maybe_flush(fd, out, last, true);
	ctask_buf_free(&prev.bytes);
	free(in);
}

/* The worker's main loop: batches in, results out, until end of file. */
static _Noreturn void worker_main(pool *p, int fd, shared_slot *slot)
{
	/* Ctrl-C reaches the whole process group; the executor decides when
	 * workers stop. If the executor dies, so do they. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	if (p->o.worker_init)
		p->o.worker_init();
	ctask_capture_untagged("CTASK_WORKER_INIT");
	ctask_buf msg = {0}, out = {0};
	double last = ctask_monotonic();
	uint32_t len;
	while (ctask_read_all(fd, &len, sizeof len) == 0) {
		msg.len = 0;
		uint8_t *q = ctask_buf_reserve(&msg, len);
		if (ctask_read_all(fd, q, len) < 0)
			break;
		msg.len = len;
		run_batch(p->g, slot, fd, msg.p, &out, &last);
	}
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

/* Turns one result frame into an outcome for the scheduler. */
static void on_frame(worker *w, const uint8_t *f, uint32_t len)
{
	pool *p = w->p;
	uint32_t id = get_u32(f), n = get_u32(f + 21);
	int state = f[4];
	inflight_pop(w); /* parse_frames checked it is the head */
	ctask_task *t = ctask_graph_task(p->g, id);
	if (state == STATE_STOPPED) {
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
	p->base.ev.finished(p->base.ev.ud, &oc);
}

/* Consumes every whole frame in w->rbuf. */
static void parse_frames(worker *w)
{
	size_t off = 0;
	while (w->rbuf.len - off >= 4) {
		uint32_t len = get_u32(w->rbuf.p + off);
		if (w->rbuf.len - off - 4 < len)
			break;
		const uint8_t *f = w->rbuf.p + off + 4;
		if (len < 25 || get_u32(f + 21) > len - 25 || w->len == 0 ||
		    w->inflight[w->head] != get_u32(f)) {
			/* A garbled stream cannot be resynchronised: end the
			 * worker; its tasks are then failed or returned. */
			kill(w->pid, SIGKILL);
			w->rbuf.len = 0;
			return;
		}
		on_frame(w, f, len);
		off += 4 + len;
	}
	memmove(w->rbuf.p, w->rbuf.p + off, w->rbuf.len - off);
	w->rbuf.len -= off;
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

/* A worker's pipe reached end of file: the worker is gone. Fails the task
 * it was running, returns the others, and starts a replacement. */
static void on_death(worker *w)
{
	pool *p = w->p;
	int st = 0;
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
	w->pid = 0;
	uint32_t blamed = w->killed_task != NO_TASK
				  ? w->killed_task
				  : atomic_load(&w->slot->current);
	if (w->interrupted)
		blamed = NO_TASK;
	if (!w->finished_one && blamed == NO_TASK && !w->interrupted &&
	    !p->stopping && ++w->init_deaths >= 3)
		p->fatal = 1;
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
	ctask_capture_salvage(&w->capture_fd, NULL); /* closes it */
	w->killed_task = NO_TASK;
	w->interrupted = false;
	w->finished_one = false;
	w->rbuf.len = 0;
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
		uv_read_stop(s);
		on_death(w);
	}
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
	fflush(NULL);
	w->capture_fd = ctask_capture_open();
	pid_t pid = fork();
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

static size_t pool_can_start(ctask_runner *r)
{
	pool *p = (pool *)r;
	if (p->stopping || p->fatal)
		return 0;
	size_t d = depth(p), room = 0;
	for (int i = 0; i < p->o.jobs; i++) {
		const worker *w = &p->w[i];
		size_t held = w->len + w->nqueued;
		/* Refill at half depth so a worker never waits for work. */
		if (w->pid && (held == 0 || (d > 1 && held <= d / 2)))
			room += d - held;
	}
	return room;
}

/* The worker with the fewest tasks, or NULL if none is running. */
static worker *least_busy(pool *p)
{
	worker *best = NULL;
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		if (w->pid &&
		    (!best || w->len + w->nqueued < best->len + best->nqueued))
			best = w;
	}
	return best;
}

static int pool_start(ctask_runner *r, ctask_task *t, const ctask_slice *in,
		      size_t nin)
{
	pool *p = (pool *)r;
	bool chained = false;
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
	put_u32(&w->queued,
		(uint32_t)nin | (mean == 0 || mean > 0.002 ? SLOW : 0));
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
	(void)status; /* a dead worker shows up as end of file */
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
			kill(w->pid, SIGKILL);
		}
	}
}

/* Every 50 ms while there is a timeout: kill workers whose task ran over. */
static void on_timer(uv_timer_t *t)
{
	pool *p = t->data;
	double now = ctask_monotonic();
	for (int i = 0; i < p->o.jobs; i++) {
		worker *w = &p->w[i];
		uint32_t cur = atomic_load(&w->slot->current);
		if (!w->pid || cur == NO_TASK || w->killed_task != NO_TASK)
			continue;
		if (now - atomic_load(&w->slot->started) > p->o.task_timeout) {
			w->killed_task = cur;
			kill(w->pid, SIGKILL);
		}
	}
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
	if (p->timer_on)
		uv_close((uv_handle_t *)&p->timer, on_timer_closed);
	/* The loop must finish closing everything before p is freed. */
	while (any_open(p) || p->timer_on)
		uv_run(p->loop, UV_RUN_ONCE);
	for (int i = 0; i < p->o.jobs; i++) {
		ctask_buf_free(&p->w[i].queued);
		ctask_buf_free(&p->w[i].rbuf);
		free(p->w[i].inflight);
	}
	munmap(p->shm, (size_t)p->o.jobs * sizeof *p->shm);
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
	if (p->o.jobs < 1)
		p->o.jobs = 1;
	p->base = (ctask_runner){.can_start = pool_can_start,
				 .start = pool_start,
				 .can_chain = true,
				 .flush = pool_flush,
				 .running = pool_running,
				 .stop = pool_stop,
				 .free = pool_free,
				 .ev = ev};
	p->shm =
		mmap(NULL, (size_t)p->o.jobs * sizeof *p->shm,
		     PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p->shm == MAP_FAILED) {
		free(p);
		ctask_error_set(CTASK_EIO, "cannot map shared memory: %s",
				strerror(errno));
		return NULL;
	}
	p->w = ctask_xcalloc((size_t)p->o.jobs, sizeof *p->w);
	p->name_mean =
		ctask_xcalloc(ctask_graph_nnames(g) + 1, sizeof *p->name_mean);
	for (int i = 0; i < p->o.jobs; i++) {
		p->w[i] = (worker){.p = p, .slot = &p->shm[i]};
		p->w[i].killed_task = NO_TASK;
		spawn(&p->w[i]);
	}
	if (p->o.task_timeout > 0) {
		uv_timer_init(loop, &p->timer);
		p->timer.data = p;
		uv_timer_start(&p->timer, on_timer, 50, 50);
		p->timer_on = true;
	}
	if (p->fatal) {
		ctask_error_set(CTASK_EIO, "cannot start worker processes: %s",
				strerror(errno));
		pool_free(&p->base);
		return NULL;
	}
	return &p->base;
}
