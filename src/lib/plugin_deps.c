#include "plugin_deps.h"

#include "arena.h"
#include "error.h"
#include "hash.h"
#include "sys.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "ctask-plugin-deps 1"

/* File times come from a clock that may lag the one ctask_now reads by a
 * scheduler tick (a few ms); a file modified up to this long before a build
 * started may have been modified during it. */
#define CLOCK_SLACK 0.05

/* ---- Depfiles ------------------------------------------------------------ */

/* Backslashes at text[i..) and what follows them, as GCC and Clang write a
 * name: before a space or '#', 2m+1 backslashes are m backslashes and the
 * escaped character, 2m are m backslashes (the character then means what it
 * means unescaped); elsewhere backslashes are literal. Appends to w and
 * returns the index of the last byte consumed. */
static size_t unescape_run(const char *text, size_t i, size_t n, ctask_buf *w)
{
	size_t r = 0;
	while (i + r < n && text[i + r] == '\\')
		r++;
	char e = i + r < n ? text[i + r] : '\0';
	if (e != ' ' && e != '#') {
		ctask_buf_append(w, text + i, r);
		return i + r - 1;
	}
	for (size_t k = 0; k < r / 2; k++)
		ctask_buf_byte(w, '\\');
	if (r % 2 == 0)
		return i + r - 1;
	ctask_buf_byte(w, (uint8_t)e);
	return i + r;
}

/* Ends the word in w (if any): appends it to paths when past the targets. */
static void end_word(ctask_buf *w, bool targets, ctask_buf *paths, long *count)
{
	if (w->len == 0)
		return;
	if (!targets) {
		ctask_buf_append(paths, w->p, w->len);
		ctask_buf_byte(paths, '\0');
		(*count)++;
	}
	w->len = 0;
}

long ctask_deps_parse(const char *text, size_t n, ctask_buf *paths)
{
	ctask_buf w = {0};
	bool targets = true, rule = false;
	long count = 0;
	size_t start = paths->len;
	for (size_t i = 0; i < n; i++) {
		char c = text[i];
		bool sep = c == ' ' || c == '\t' || c == '\r';
		if (c == '\0') {
			/* No path holds one: this is not a depfile (and a
			 * NUL in a path would split it in two in paths). */
			paths->len = start;
			rule = false;
			break;
		} else if (c == '\\' && i + 1 < n && text[i + 1] == '\n') {
			i++, sep = true; /* a continuation line */
		} else if (c == '\\' && i + 2 < n && text[i + 1] == '\r' &&
			   text[i + 2] == '\n') {
			i += 2, sep = true;
		} else if (c == '\\') {
			i = unescape_run(text, i, n, &w);
		} else if (c == '$' && i + 1 < n && text[i + 1] == '$') {
			ctask_buf_byte(&w, '$'), i++;
		} else if (c == '\n') {
			end_word(&w, targets, paths, &count);
			if (rule)
				break; /* one rule: the plugin's */
			continue;
		} else if (c == ':' && targets) {
			end_word(&w, targets, paths, &count);
			targets = false, rule = true;
			continue;
		} else if (!sep) {
			ctask_buf_byte(&w, (uint8_t)c);
		}
		if (sep)
			end_word(&w, targets, paths, &count);
	}
	if (rule)
		end_word(&w, targets, paths, &count);
	ctask_buf_free(&w);
	return rule ? count : -1;
}

/* ---- Manifests ----------------------------------------------------------- */

static void put_path(ctask_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			ctask_buf_str(b, "\\\\");
		else if (*s == '\n')
			ctask_buf_str(b, "\\n");
		else
			ctask_buf_byte(b, (uint8_t)*s);
	}
}

/* The path written by put_path in s[0..n), malloc'd; NULL if malformed. */
static char *get_path(const char *s, size_t n)
{
	ctask_buf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\\') {
			ctask_buf_byte(&b, (uint8_t)s[i]);
			continue;
		}
		if (++i == n || (s[i] != '\\' && s[i] != 'n')) {
			ctask_buf_free(&b);
			return NULL;
		}
		ctask_buf_byte(&b, s[i] == 'n' ? '\n' : '\\');
	}
	ctask_buf_byte(&b, '\0');
	return (char *)b.p;
}

/* The XXH3-128 of the file at path; 0 or -errno. */
static int hash_file(const char *path, ctask_hash *out)
{
	ctask_buf b = {0};
	int rc = ctask_read_file(path, &b);
	if (rc == 0)
		ctask_hash_bytes(b.p, b.len, out);
	ctask_buf_free(&b);
	return rc;
}

/* One line of a manifest: its keyword and the rest. */
typedef struct {
	const char *key, *rest;
	size_t key_len, rest_len;
} line;

/* Calls fn for each line after the magic one; stops when fn returns
 * non-zero and returns that. Returns -1 if the first line is not MAGIC. */
static int each_line(const ctask_buf *text, int (*fn)(void *, const line *),
		     void *ud)
{
	const char *p = (const char *)text->p, *end = p + text->len;
	size_t m = strlen(MAGIC);
	if (text->len < m + 1 || memcmp(p, MAGIC "\n", m + 1) != 0)
		return -1;
	for (p += m + 1; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *sp = memchr(p, ' ', (size_t)(le - p));
		line l = {p, sp ? sp + 1 : le, (size_t)((sp ? sp : le) - p), 0};
		l.rest_len = (size_t)(le - l.rest);
		int rc = fn(ud, &l);
		if (rc)
			return rc;
		p = le + 1;
	}
	return 0;
}

static bool is_key(const line *l, const char *k)
{
	return l->key_len == strlen(k) && memcmp(l->key, k, l->key_len) == 0;
}

/* "HASH PATH" of a dep line: *known is false for "?". 0 or -1. */
static int split_dep(const line *l, ctask_hash *h, bool *known, char **path)
{
	const char *sp = memchr(l->rest, ' ', l->rest_len);
	if (!sp)
		return -1;
	size_t hl = (size_t)(sp - l->rest);
	char hex[CTASK_HASH_HEX] = {0};
	*known = !(hl == 1 && l->rest[0] == '?');
	if (*known) {
		if (hl != CTASK_HASH_HEX - 1)
			return -1;
		memcpy(hex, l->rest, hl);
		if (ctask_hash_parse(hex, h) != 0)
			return -1;
	}
	*path = get_path(sp + 1, l->rest_len - hl - 1);
	return *path ? 0 : -1;
}

/* ---- Before a build ------------------------------------------------------ */

struct ctask_deps_before {
	struct noted {
		char *path; /* malloc'd */
		struct stat st;
	} * v; /* malloc'd */
	size_t n, cap;
	double started; /* ctask_now() when the build started */
};

static void note(ctask_deps_before *b, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return; /* not noted: judged by its time after the build */
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->v = ctask_xrealloc(b->v, b->cap * sizeof *b->v);
	}
	b->v[b->n++] = (struct noted){ctask_xstrdup(path), st};
}

static int note_dep(void *ud, const line *l)
{
	ctask_hash h;
	bool known;
	char *path = NULL;
	if (is_key(l, "dep") && split_dep(l, &h, &known, &path) == 0)
		note(ud, path);
	free(path);
	return 0;
}

ctask_deps_before *ctask_deps_before_build(const char *old,
					   const char *const *files, size_t n)
{
	ctask_deps_before *b = ctask_xcalloc(1, sizeof *b);
	for (size_t i = 0; i < n; i++)
		note(b, files[i]);
	ctask_buf text = {0};
	if (old && ctask_read_file(old, &text) == 0)
		(void)each_line(&text, note_dep, b);
	ctask_buf_free(&text);
	b->started = ctask_now();
	return b;
}

void ctask_deps_before_free(ctask_deps_before *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->n; i++)
		free(b->v[i].path);
	free(b->v);
	free(b);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Whether the file at path, now st, is surely what the compiler read: as
 * noted before the build, or (not noted) last modified well before it. */
static bool unchanged_since(const ctask_deps_before *b, const char *path,
			    const struct stat *st)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->v[i].path, path) == 0)
			return same_file(&b->v[i].st, st);
	double mtime = (double)st->st_mtim.tv_sec + st->st_mtim.tv_nsec * 1e-9;
	return mtime < b->started - CLOCK_SLACK;
}

/* ---- Writing and checking ------------------------------------------------ */

/* Appends "dep HASH PATH" for path; HASH is "?" when the file may have
 * changed while the compiler ran, or cannot be read now (then the next load
 * rebuilds, and the compiler says what is wrong). */
static void put_dep(ctask_buf *m, const char *path, const ctask_deps_before *b)
{
	struct stat st, after;
	ctask_hash h;
	char hex[CTASK_HASH_HEX] = "?";
	if (stat(path, &st) == 0 && unchanged_since(b, path, &st) &&
	    hash_file(path, &h) == 0 && stat(path, &after) == 0 &&
	    same_file(&st, &after))
		ctask_hash_hex(&h, hex);
	ctask_buf_printf(m, "dep %s ", hex);
	put_path(m, path);
	ctask_buf_byte(m, '\n');
}

/* Writes data to path through a temporary name and a rename (another
 * process may be checking the manifest). 0 or -errno. */
static int write_replace(const char *path, const ctask_buf *data)
{
	ctask_buf tmp = {0};
	ctask_buf_printf(&tmp, "%s.tmp-%d", path, (int)getpid());
	FILE *f = fopen((char *)tmp.p, "we");
	int rc = 0;
	if (!f || fwrite(data->p, 1, data->len, f) != data->len)
		rc = -errno;
	if (f && fclose(f) != 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename((char *)tmp.p, path) != 0)
		rc = -errno;
	if (rc != 0)
		unlink((char *)tmp.p);
	ctask_buf_free(&tmp);
	return rc;
}

int ctask_deps_write(const char *manifest, const char *so, const char *source,
		     const char *depfile, const ctask_deps_before *b)
{
	ctask_buf text = {0}, paths = {0}, m = {0};
	char hex[CTASK_HASH_HEX], *cwd = getcwd(NULL, 0);
	ctask_hash h;
	int rc = ctask_read_file(depfile, &text);
	long n = rc == 0 ? ctask_deps_parse((char *)text.p, text.len, &paths)
			 : -1;
	if (n < 0 || !cwd) {
		rc = ctask_error_set(CTASK_EIO,
				     "%s: the compiler wrote no dependency "
				     "file (%s)",
				     source, depfile);
		goto done;
	}
	if ((rc = hash_file(so, &h)) != 0)
		goto failed;
	ctask_buf_printf(&m, MAGIC "\nsource ");
	put_path(&m, source);
	ctask_buf_str(&m, "\ncwd ");
	put_path(&m, cwd);
	ctask_buf_printf(&m, "\nso %s\n", (ctask_hash_hex(&h, hex), hex));
	const char *p = (const char *)paths.p;
	for (long i = 0; i < n; i++, p += strlen(p) + 1)
		put_dep(&m, p, b);
	if ((rc = write_replace(manifest, &m)) == 0)
		goto done;
failed:
	rc = ctask_error_set(CTASK_EIO,
			     "%s: cannot record what it was built "
			     "from: %s",
			     source, strerror(-rc));
done:
	free(cwd);
	ctask_buf_free(&text);
	ctask_buf_free(&paths);
	ctask_buf_free(&m);
	return rc;
}

typedef struct {
	const char *so;
	char *source, *cwd, *here; /* malloc'd */
	bool so_seen;
	ctask_deps_state state;
} check_state;

/* Checks one line; returns 1 to stop (the plugin must be rebuilt). */
static int check_line(void *ud, const line *l)
{
	check_state *c = ud;
	ctask_hash want, now;
	bool known;
	char *path = NULL, hex[CTASK_HASH_HEX] = {0};
	int stop = 1;
	if (is_key(l, "source") && !c->source) {
		stop = !(c->source = get_path(l->rest, l->rest_len));
	} else if (is_key(l, "cwd") && !c->cwd) {
		stop = !(c->cwd = get_path(l->rest, l->rest_len));
	} else if (is_key(l, "so") && l->rest_len == CTASK_HASH_HEX - 1) {
		memcpy(hex, l->rest, l->rest_len);
		stop = ctask_hash_parse(hex, &want) != 0 ||
		       hash_file(c->so, &now) != 0 ||
		       ctask_hash_cmp(&want, &now) != 0;
		c->so_seen = true;
	} else if (is_key(l, "dep") && c->cwd && c->so_seen &&
		   split_dep(l, &want, &known, &path) == 0 && known) {
		if (path[0] != '/' && strcmp(c->cwd, c->here) != 0) {
			/* From here the path may name another file. */
			c->state = CTASK_DEPS_ELSEWHERE;
			stop = 0;
		} else {
			stop = hash_file(path, &now) != 0 ||
			       ctask_hash_cmp(&want, &now) != 0;
		}
	}
	free(path);
	return stop;
}

ctask_deps_state ctask_deps_check(const char *manifest, const char *so,
				  char **source)
{
	check_state c = {.so = so, .state = CTASK_DEPS_CURRENT};
	c.here = getcwd(NULL, 0);
	ctask_buf text = {0};
	if (!c.here || ctask_read_file(manifest, &text) != 0 ||
	    each_line(&text, check_line, &c) != 0 || !c.so_seen)
		c.state = CTASK_DEPS_CHANGED;
	if (source)
		*source = c.source;
	else
		free(c.source);
	free(c.cwd);
	free(c.here);
	ctask_buf_free(&text);
	return c.state;
}
