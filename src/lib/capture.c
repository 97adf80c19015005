/*
 * capture.c - what tasks print (see capture.h for the design).
 *
 * The worker's side keeps its state in one static struct: a worker process
 * has one stdout and one stderr, so it has one capture. Its lock is taken
 * by the main thread only after a task that printed something, so a task
 * that prints nothing pays fflush() of empty streams, two dup2()s and one
 * fstat().
 */
#include "capture.h"

#include "arena.h"
#include "error.h"
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#define NO_TASK UINT32_MAX
/* The middle of a long output is punched out of the file (its memory
 * freed) once this many bytes past the head and the tail can go. */
#define SHRINK_STEP (1 << 20)
/* How often the watcher looks at the file: often enough to stream lines
 * live, rarely enough to cost nothing otherwise. */
#define WATCH_LIVE_NS 20000000L
#define WATCH_NS 100000000L
#define TAG_MAX 256 /* the longest "NAME#I: " */
/* Lines go to the channel in writes of at most PIPE_BUF bytes, which a
 * pipe keeps whole: lines of different workers never interleave. A line
 * longer than that goes as several lines. */
#define RECORD_MAX PIPE_BUF
/* The failure excerpt: this many lines, each at most this wide. */
#define EXCERPT_LINES 5
#define EXCERPT_WIDTH 200

/* ---- Reading a capture --------------------------------------------------- */

/* Appends n bytes of fd from off to b; fewer if the file is shorter. */
static void read_at(int fd, ctask_buf *b, size_t n, off_t off)
{
	uint8_t *p = ctask_buf_reserve(b, n);
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	b->len += got;
}

/* Appends the first pos bytes of fd to out; when there are more than the
 * head and the tail, only those, cut at line ends, with a line saying how
 * many bytes were left out between them. Returns the bytes appended. */
static size_t read_bounded(int fd, off_t pos, ctask_buf *out)
{
	size_t at = out->len;
	if (pos <= CTASK_CAPTURE_HEAD + CTASK_CAPTURE_TAIL) {
		read_at(fd, out, (size_t)pos, 0);
		return out->len - at;
	}
	read_at(fd, out, CTASK_CAPTURE_HEAD, 0);
	size_t head = out->len - at;
	const uint8_t *nl = memrchr(out->p + at, '\n', head);
	if (nl)
		head = (size_t)(nl + 1 - (out->p + at));
	out->len = at + head;
	ctask_buf tail = {0}; /* owned here */
	read_at(fd, &tail, CTASK_CAPTURE_TAIL, pos - CTASK_CAPTURE_TAIL);
	size_t skip = 0;
	nl = tail.len ? memchr(tail.p, '\n', tail.len) : NULL;
	if (nl && (size_t)(nl + 1 - tail.p) < tail.len)
		skip = (size_t)(nl + 1 - tail.p);
	if (head && out->p[at + head - 1] != '\n')
		ctask_buf_byte(out, '\n');
	ctask_buf_printf(
		out, "[... %llu bytes cut ...]\n",
		(unsigned long long)((size_t)pos - head - (tail.len - skip)));
	ctask_buf_append(out, tail.p + skip, tail.len - skip);
	ctask_buf_free(&tail);
	return out->len - at;
}

/* ---- The executor's side of a worker ------------------------------------- */

/* fd moved above 2 if it is there (an executor started with stdout closed
 * would get its stdout's number back): the worker points 1 and 2 elsewhere. */
static int above_stdio(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	return moved;
}

int ctask_capture_open(void)
{
	int fd = memfd_create("ctask-output", MFD_CLOEXEC);
	if (fd < 0) { /* no memfd (an old kernel, a sandbox): a file */
		const char *dir = getenv("TMPDIR");
		fd = open(dir && *dir ? dir : "/tmp",
			  O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	}
	/* Every write goes to the end, wherever the offset is: a writer the
	 * worker does not wait for (a task's background child) cannot write
	 * at an offset from before the file was emptied, leaving a hole of
	 * zero bytes, or over what was written since. So the file's size,
	 * not the offset, says how much was written. */
	if (fd >= 0)
		(void)fcntl(fd, F_SETFL, O_APPEND);
	return above_stdio(fd);
}

/* The size of the file fd, or -1. */
static off_t size_of(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? st.st_size : -1;
}

void ctask_capture_salvage(int *fd, ctask_buf *out)
{
	if (*fd < 0)
		return;
	off_t pos = size_of(*fd);
	if (out && pos > 0)
		read_bounded(*fd, pos, out);
	close(*fd);
	*fd = -1;
}

/* ---- Inside the worker --------------------------------------------------- */

static struct {
	/* The worker's own fd of the file fds 1 and 2 point at, at a number
	 * tasks leave alone (fds 1 and 2 are the tasks'); -1: no capture. */
	int fd;
	dev_t dev; /* the file, to know it when a task changed the fds */
	ino_t ino;
	int chan; /* where lines go: the channel (or the executor's stdout) */
	ctask_capture_opts o;
	/* Taken by the watcher, and by the main thread to read or empty the
	 * file: guards its offset, fwd and punched. */
	pthread_mutex_t lock;
	_Atomic uint32_t task; /* running, to tag its lines; or NO_TASK */
	off_t fwd;	       /* live: the file was forwarded up to here */
	off_t punched;	       /* and punched out from the head up to here */
	bool stopping;
} wk = {.fd = -1,
	.chan = -1,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.task = NO_TASK};

/* Records for the channel, gathered into writes of RECORD_MAX at most. */
typedef struct {
	char buf[RECORD_MAX];
	size_t len;
	char tag[TAG_MAX];
	size_t ntag;
} outgoing;

/* Sets o's tag: "who: ", or "NAME#I: " of task id. */
static void set_tag(outgoing *o, uint32_t id, const char *who)
{
	int n;
	if (who || id == NO_TASK)
		n = snprintf(o->tag, TAG_MAX, "%s: ", who ? who : "?");
	else
		n = snprintf(
			o->tag, TAG_MAX, "%s#%u: ",
			ctask_task_name(wk.o.g, ctask_graph_task(wk.o.g, id)),
			ctask_task_index(ctask_graph_task(wk.o.g, id)));
	o->ntag = n < 0 ? 0 : n < TAG_MAX ? (size_t)n : TAG_MAX - 1;
	o->len = 0;
}

static void out_flush(outgoing *o)
{
	/* An executor that is gone is no error here: the loop sees it. */
	if (o->len && wk.chan >= 0)
		(void)ctask_write_all(wk.chan, o->buf, o->len);
	o->len = 0;
}

/* Adds one line (n bytes, its newline not included) to o. */
static void out_line(outgoing *o, const uint8_t *p, size_t n)
{
	if (o->len + o->ntag + n + 1 > RECORD_MAX)
		out_flush(o);
	memcpy(o->buf + o->len, o->tag, o->ntag);
	memcpy(o->buf + o->len + o->ntag, p, n);
	o->len += o->ntag + n;
	o->buf[o->len++] = '\n';
}

/* Adds the whole lines of p[0..n) to o, splitting those too long for a
 * record; with last, the rest too (a line without its newline). Returns
 * the bytes used up. */
static size_t out_lines(outgoing *o, const uint8_t *p, size_t n, bool last)
{
	size_t max = RECORD_MAX - o->ntag - 1, used = 0;
	while (used < n) {
		const uint8_t *q = p + used, *nl = memchr(q, '\n', n - used);
		size_t len = nl ? (size_t)(nl - q) : n - used;
		if (len > max) {
			out_line(o, q, max);
			used += max;
			continue;
		}
		if (!nl && !last)
			break;
		out_line(o, q, len);
		used += len + (nl != NULL);
	}
	return used;
}

/* Live: sends the lines the file holds from wk.fwd to pos, tagged with
 * the running task; with last, the unfinished line too. Under wk.lock. */
static void forward(off_t pos, bool last)
{
	static uint8_t chunk[65536]; /* under wk.lock */
	outgoing o;
	set_tag(&o, atomic_load(&wk.task), NULL);
	while (wk.fwd < pos) {
		size_t want = (size_t)(pos - wk.fwd) < sizeof chunk
				      ? (size_t)(pos - wk.fwd)
				      : sizeof chunk;
		ssize_t r = pread(wk.fd, chunk, want, wk.fwd);
		if (r <= 0)
			break;
		size_t used = out_lines(&o, chunk, (size_t)r,
					last && wk.fwd + r == pos);
		if (used == 0)
			break; /* a line not finished yet */
		wk.fwd += (off_t)used;
	}
	out_flush(&o);
}

/* Frees the memory of the middle of a long output, which will not be
 * kept: from the head up to the tail (live: up to what was forwarded).
 * The head and the tail are never touched. Under wk.lock. */
static void shrink(off_t pos)
{
	off_t from = wk.punched > CTASK_CAPTURE_HEAD ? wk.punched
						     : CTASK_CAPTURE_HEAD;
	off_t to = pos - CTASK_CAPTURE_TAIL;
	if (wk.o.live && to > wk.fwd)
		to = wk.fwd;
	to &= ~(off_t)4095;
	if (to - from < SHRINK_STEP)
		return;
	if (fallocate(wk.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, from,
		      to - from) == 0)
		wk.punched = to;
}

/* Empties the file for the next task. Under wk.lock. */
static void empty(void)
{
	/* Writes append, the offset is only for a task that cleared
	 * O_APPEND. */
	if (ftruncate(wk.fd, 0) == 0)
		lseek(wk.fd, 0, SEEK_SET);
	wk.fwd = wk.punched = 0;
}

/* Whether fd is the capture file; its size in *size. */
static bool is_capture(int fd, off_t *size)
{
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_dev != wk.dev ||
	    st.st_ino != wk.ino)
		return false;
	*size = st.st_size;
	return true;
}

/* A new fd of fd's file, high up: most tasks that close or reuse fds do
 * it with the low ones. Returns -1 if none can be had. */
static int high_dup(int fd)
{
	struct rlimit r;
	int at = 3;
	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur > 64)
		at = r.rlim_cur > 2048 ? 1024 : (int)(r.rlim_cur / 2);
	int high = fcntl(fd, F_DUPFD_CLOEXEC, at);
	return high >= 0 ? high : fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

/* The file's size, -1 if the capture is lost. A task that closed
 * wk.fd (and perhaps reused its number for a file of its own, which is
 * then left alone) loses nothing if fd 1 or 2 is still the file: it is
 * taken from there. The main thread only (it alone sets wk.fd), under
 * wk.lock. */
static off_t capture_size(void)
{
	off_t size;
	if (is_capture(wk.fd, &size))
		return size;
	int from = is_capture(1, &size) ? 1 : is_capture(2, &size) ? 2 : -1;
	wk.fd = from < 0 ? -1 : high_dup(from);
	return wk.fd < 0 ? -1 : size;
}

/* The watcher: while a task runs, streams its lines (live) and keeps the
 * file small. It never ends: the worker's _exit() takes it down. */
static void *watch(void *unused)
{
	(void)unused;
	struct timespec nap = {0, wk.o.live ? WATCH_LIVE_NS : WATCH_NS};
	for (;;) {
		nanosleep(&nap, NULL);
		pthread_mutex_lock(&wk.lock);
		off_t pos = 0; /* stays 0 if the task closed wk.fd */
		if (!wk.stopping)
			(void)is_capture(wk.fd, &pos);
		if (wk.o.live && pos > wk.fwd &&
		    atomic_load(&wk.task) != NO_TASK)
			forward(pos, false);
		if (pos > CTASK_CAPTURE_HEAD + CTASK_CAPTURE_TAIL + SHRINK_STEP)
			shrink(pos);
		pthread_mutex_unlock(&wk.lock);
	}
	return NULL;
}

/* Starts the watcher with every signal blocked, so that signals meant
 * for the process (a task's alarm()) reach the task's thread. */
static void start_watcher(void)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	/* Without it, output is still captured, only not streamed. */
	(void)pthread_create(&t, &a, watch, NULL);
	pthread_attr_destroy(&a);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

void ctask_capture_start(int fd, const ctask_capture_opts *o)
{
	wk.o = *o;
	/* Without a channel, what belongs to no task goes where the
	 * executor's stdout went. */
	wk.chan = o->fd >= 0 ? o->fd : fcntl(1, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return;
	fflush(NULL);
	struct stat st;
	int own = fstat(fd, &st) == 0 ? high_dup(fd) : -1;
	if (own < 0 || dup2(own, 1) < 0 || dup2(own, 2) < 0) {
		if (own >= 0)
			close(own);
		return;
	}
	close(fd); /* the worker keeps own, the executor its own fd */
	wk.fd = own, wk.dev = st.st_dev, wk.ino = st.st_ino;
	/* As on a terminal: the lines a task printed before a crash are in
	 * the file, not lost in a buffer. */
	setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
	start_watcher();
}

void ctask_capture_begin(uint32_t id)
{
	/* An earlier task may have pointed fds 1 and 2 elsewhere (freopen(),
	 * dup2()), and freopen() changes the streams' buffering: both are put
	 * back. Always: two dup2()s cost less than two fstat()s to see if they
	 * are needed (0.7 against 1.1 us), setvbuf() without a buffer next to
	 * nothing. wk.fd is the file: ctask_capture_end checked it. */
	if (wk.fd >= 0 && dup2(wk.fd, 1) >= 0 && dup2(wk.fd, 2) >= 0) {
		setvbuf(stdout, NULL, _IOLBF, BUFSIZ);
		setvbuf(stderr, NULL, _IONBF, 0);
	}
	atomic_store_explicit(&wk.task, id, memory_order_relaxed);
}

/* With wk.lock held: appends what was printed to out (bounded), after
 * forwarding its last lines when live, and empties the file. Returns the
 * bytes appended. */
static size_t take_locked(ctask_buf *out, bool live)
{
	off_t pos = capture_size();
	if (pos <= 0)
		return 0;
	if (live)
		forward(pos, true);
	size_t n = read_bounded(wk.fd, pos, out);
	empty();
	return n;
}

size_t ctask_capture_end(ctask_buf *out)
{
	if (wk.fd < 0)
		return 0;
	fflush(stdout);
	fflush(stderr);
	size_t n = 0;
	off_t pos;
	/* It printed something, or it closed wk.fd. */
	if (!is_capture(wk.fd, &pos) || pos > 0) {
		pthread_mutex_lock(&wk.lock);
		n = take_locked(out, wk.o.live);
		pthread_mutex_unlock(&wk.lock);
	}
	atomic_store_explicit(&wk.task, NO_TASK, memory_order_relaxed);
	return n;
}

void ctask_capture_untagged(const char *who)
{
	if (wk.fd < 0)
		return;
	fflush(stdout);
	fflush(stderr);
	pthread_mutex_lock(&wk.lock);
	ctask_buf b = {0}; /* owned here */
	if (take_locked(&b, false) > 0) {
		outgoing o;
		set_tag(&o, NO_TASK, who);
		out_lines(&o, b.p, b.len, true);
		out_flush(&o);
	}
	ctask_buf_free(&b);
	pthread_mutex_unlock(&wk.lock);
}

void ctask_capture_stop(const char *who)
{
	fflush(NULL); /* _exit() flushes nothing */
	ctask_capture_untagged(who);
	pthread_mutex_lock(&wk.lock);
	wk.stopping = true;
	pthread_mutex_unlock(&wk.lock);
}

/* ---- The channel, in the executor ---------------------------------------- */

struct ctask_capture_channel {
	uv_poll_t poll;
	int rfd, wfd;
	ctask_capture_sink sink;
	void *ud;
	ctask_buf pending; /* read, not yet a whole line */
};

/* Reads what the channel holds (a bounded amount, so that a chatty task
 * cannot hold up the loop, unless all) and gives the sink its whole lines;
 * with all, the rest too. */
static void drain(ctask_capture_channel *ch, bool all)
{
	for (int k = 0; all || k < 16; k++) {
		uint8_t *p = ctask_buf_reserve(&ch->pending, 65536);
		ssize_t r = read(ch->rfd, p, 65536);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		ch->pending.len += (size_t)r;
	}
	if (ch->pending.len == 0)
		return;
	const uint8_t *nl = memrchr(ch->pending.p, '\n', ch->pending.len);
	size_t n = all	? ch->pending.len
		   : nl ? (size_t)(nl + 1 - ch->pending.p)
			: 0;
	if (n == 0)
		return;
	ch->sink(ch->ud, (const char *)ch->pending.p, n);
	memmove(ch->pending.p, ch->pending.p + n, ch->pending.len - n);
	ch->pending.len -= n;
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)status, (void)events;
	drain(h->data, false);
}

ctask_capture_channel *
ctask_capture_channel_open(uv_loop_t *loop, ctask_capture_sink sink, void *ud)
{
	int fds[2] = {-1, -1};
	if (pipe2(fds, O_CLOEXEC) == 0)
		fds[0] = above_stdio(fds[0]), fds[1] = above_stdio(fds[1]);
	if (fds[0] < 0 || fds[1] < 0) {
		int err = errno;
		if (fds[0] >= 0)
			close(fds[0]);
		if (fds[1] >= 0)
			close(fds[1]);
		ctask_error_set(
			CTASK_EIO,
			"cannot make a pipe for the workers' output: %s",
			strerror(err));
		return NULL;
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	/* Room for bursts, so that workers seldom wait for the executor
	 * (the default size is fine too). */
	(void)fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
	ctask_capture_channel *ch = ctask_xcalloc(1, sizeof *ch);
	*ch = (ctask_capture_channel){
		.rfd = fds[0], .wfd = fds[1], .sink = sink, .ud = ud};
	uv_poll_init(loop, &ch->poll, ch->rfd);
	ch->poll.data = ch;
	uv_poll_start(&ch->poll, UV_READABLE, on_readable);
	return ch;
}

int ctask_capture_channel_fd(const ctask_capture_channel *ch)
{
	return ch ? ch->wfd : -1;
}

void ctask_capture_channel_drain(ctask_capture_channel *ch)
{
	if (ch)
		drain(ch, false);
}

/* The loop is done with the handle: the fds may be closed now. */
static void on_channel_closed(uv_handle_t *h)
{
	ctask_capture_channel *ch = h->data;
	close(ch->rfd);
	close(ch->wfd);
	ctask_buf_free(&ch->pending);
	free(ch);
}

void ctask_capture_channel_close(ctask_capture_channel *ch)
{
	if (!ch)
		return;
	drain(ch, true);
	uv_poll_stop(&ch->poll);
	uv_close((uv_handle_t *)&ch->poll, on_channel_closed);
}

/* ---- Naming tasks -------------------------------------------------------- */

/* Prints one line of an excerpt: shortened, control characters as '?'.
 * Returns whether it was shortened. */
static bool excerpt_line(FILE *f, const uint8_t *p, size_t n)
{
	fputs("  | ", f);
	size_t shown = n > EXCERPT_WIDTH ? EXCERPT_WIDTH : n;
	for (size_t i = 0; i < shown; i++)
		fputc(p[i] < 0x20 && p[i] != '\t' ? '?'
		      : p[i] == 0x7f		  ? '?'
						  : p[i],
		      f);
	fputs(n > shown ? "...\n" : "\n", f);
	return n > shown;
}

void ctask_capture_excerpt(FILE *f, const uint8_t *p, size_t n, const char *how)
{
	if (n && p[n - 1] == '\n')
		n--; /* the last line's newline ends no further line */
	if (n == 0)
		return;
	/* Back from the end to the start of the last EXCERPT_LINES lines. */
	size_t start = n, lines = 0;
	while (start > 0 && !(p[start - 1] == '\n' && ++lines == EXCERPT_LINES))
		start--;
	bool left_out = start > 0, shortened = false;
	while (start <= n) {
		const uint8_t *nl = memchr(p + start, '\n', n - start);
		size_t len = nl ? (size_t)(nl - (p + start)) : n - start;
		shortened |= excerpt_line(f, p + start, len);
		start += len + 1;
	}
	if (left_out)
		fprintf(f, "  (the last %d lines; all of it: %s)\n",
			EXCERPT_LINES, how);
	else if (shortened)
		fprintf(f, "  (lines shortened; all of it: %s)\n", how);
}
