/*
 * recorded.c - task files sharing a store: which task file a result
 * belongs to, and what the last execute of each task file was given.
 *
 * Several task files may share one store (--store). Each result records
 * the identity of the task file whose graph made it (cli_task_identity),
 * so that cleanup of one leaves the others' results alone. And execute
 * records, per task file, the flags and arguments that shaped its graph,
 * so that status, cleanup and the rest build the same graph when they are
 * given none: forgetting a --cflags made cleanup delete a whole function's
 * results (README, "Commands").
 *
 * The store keeps both as notes: "execute-args:IDENT" (the fields "1",
 * cflags, ldflags, then each argument, every one NUL-terminated) and
 * "task-files" (every identity that has executed, NUL-terminated).
 */
#include "cli.h"

#include "arena.h"
#include "buf.h"
#include "error.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARGS_VERSION "1"

/* ---- identity ----------------------------------------------------------- */

/* The path of file (real, absolute) relative to dir (real, absolute),
 * into b: "sub/name" below dir, "../other/name" beside it. */
static void relative_to(ctask_buf *b, const char *dir, const char *file)
{
	if (strcmp(dir, "/") == 0) {
		ctask_buf_str(b, file + 1);
		return;
	}
	/* The longest prefix of whole components the two share: it ends
	 * where both have a '/' next (file always goes on: it is a file). */
	size_t common = 0;
	for (size_t i = 0; dir[i] && dir[i] == file[i]; i++)
		if ((dir[i + 1] == '\0' || dir[i + 1] == '/') &&
		    file[i + 1] == '/')
			common = i + 1;
	for (const char *p = dir + common; *p; p++)
		if (*p == '/')
			ctask_buf_str(b, "../");
	ctask_buf_str(b, file + common + 1);
}

int cli_task_identity(cli_session *ss)
{
	char file[PATH_MAX], store[PATH_MAX];
	if (cli_store_is_url(ss->store_dir)) {
		/* No directory to be relative to: the task file's name, as
		 * every host names it (a prefix apart per project). */
		free(ss->ident);
		ss->ident = cli_file_stem(ss->c->file);
		return 0;
	}
	const char *bad = !realpath(ss->c->file, file)	    ? ss->c->file
			  : !realpath(ss->store_dir, store) ? ss->store_dir
							    : NULL;
	if (bad)
		return cli_error(ss->c->cmd, EXIT_STORE, "%s: %s", bad,
				 strerror(errno));
	char *slash = strrchr(store, '/');
	if (slash == store)
		slash[1] = '\0'; /* a store in / (odd, but possible) */
	else
		*slash = '\0';
	ctask_buf b = {0}; /* handed to ss->ident */
	relative_to(&b, store, file);
	ctask_buf_byte(&b, 0);
	char *dot = strrchr((char *)b.p, '.');
	if (dot && !strchr(dot, '/'))
		*dot = '\0'; /* "primes.c" and "primes.so" are one task file */
	free(ss->ident);
	ss->ident = (char *)b.p;
	return 0;
}

/* ---- the list of task files --------------------------------------------- */

/* Reads the "task-files" note into b (empty if none). Returns 0 or a
 * negative error. */
static int read_files(ctask_store *s, ctask_buf *b)
{
	int err = ctask_store_note_get(s, "task-files", b);
	if (err == CTASK_ENOTFOUND) {
		b->len = 0;
		return 0;
	}
	return err;
}

/* Whether the NUL-terminated list b holds name. */
static bool listed(const ctask_buf *b, const char *name)
{
	const char *p = (const char *)b->p, *end = p + b->len;
	for (; p < end; p += strlen(p) + 1)
		if (strcmp(p, name) == 0)
			return true;
	return false;
}

/* Adds the session's task file to the list, once. */
static int add_file(cli_session *ss)
{
	ctask_buf b = {0}; /* owned here */
	int err = read_files(ss->store, &b);
	if (err == 0 && (b.len == 0 || b.p[b.len - 1] == '\0') &&
	    !listed(&b, ss->ident)) {
		ctask_buf_append(&b, ss->ident, strlen(ss->ident) + 1);
		err = ctask_store_note_set(ss->store, "task-files", b.p, b.len);
	}
	ctask_buf_free(&b);
	return err;
}

int cli_unknown_is_mine(cli_session *ss, bool *mine)
{
	ctask_buf b = {0}; /* owned here */
	int err = read_files(ss->store, &b);
	*mine = err == 0 && b.len == strlen(ss->ident) + 1 &&
		strcmp((char *)b.p, ss->ident) == 0;
	ctask_buf_free(&b);
	return err < 0 ? cli_lib_error(ss->c->cmd, err) : 0;
}

/* ---- what the last execute was given ------------------------------------ */

static void args_key(const cli_session *ss, ctask_buf *key)
{
	ctask_buf_printf(key, "execute-args:%s", ss->ident);
	ctask_buf_byte(key, 0);
}

int cli_record_args(cli_session *ss)
{
	const cli_common *c = ss->c;
	const char *cf = c->cflags ? c->cflags : getenv("CTASK_CFLAGS");
	const char *lf = c->ldflags ? c->ldflags : getenv("CTASK_LDFLAGS");
	ctask_buf note = {0}, key = {0}; /* owned here */
	const char *parts[] = {ARGS_VERSION, cf ? cf : "", lf ? lf : ""};
	for (size_t i = 0; i < 3; i++)
		ctask_buf_append(&note, parts[i], strlen(parts[i]) + 1);
	for (int i = 0; i < c->targc; i++)
		ctask_buf_append(&note, c->targv[i], strlen(c->targv[i]) + 1);
	args_key(ss, &key);
	int err = ctask_store_note_set(ss->store, (char *)key.p, note.p,
				       note.len);
	if (err == 0)
		err = add_file(ss);
	ctask_buf_free(&note);
	ctask_buf_free(&key);
	return err < 0 ? cli_lib_error(c->cmd, err) : 0;
}

/* Prints s for the shell: bare if it is made of safe characters, else in
 * single quotes, with each ' written as '\''. */
static void put_quoted(FILE *f, const char *s)
{
	if (*s && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTU"
			    "VWXYZ0123456789-_=+.,/:@%") == strlen(s)) {
		fputs(s, f);
		return;
	}
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

/* Which parts came from the record: bits of these. */
enum { USED_CFLAGS = 1, USED_LDFLAGS = 2, USED_ARGS = 4 };

/* The one line that says what was taken from the record. */
static void say_used(const cli_common *c, int used)
{
	fprintf(stderr,
		"ctask %s: using what the last execute of %s was given:",
		c->cmd, c->file);
	if (used & USED_CFLAGS) {
		fputs(" --cflags ", stderr);
		put_quoted(stderr, c->cflags);
	}
	if (used & USED_LDFLAGS) {
		fputs(" --ldflags ", stderr);
		put_quoted(stderr, c->ldflags);
	}
	if (used & USED_ARGS) {
		fputs(" --", stderr);
		for (int i = 0; i < c->targc; i++) {
			fputc(' ', stderr);
			put_quoted(stderr, c->targv[i]);
		}
	}
	fputc('\n', stderr);
}

/* Splits the note in ss->recorded into c's fields that were not given;
 * returns the USED_* bits of those that change anything, or -1 if the
 * note is not one this ctask reads. */
static int take_recorded(cli_session *ss)
{
	cli_common *c = ss->c;
	const char *p = (const char *)ss->recorded.p;
	const char *end = p + ss->recorded.len;
	size_t n = 0;
	for (const char *q = p; q < end; q++)
		n += *q == '\0';
	if (ss->recorded.len == 0 || end[-1] != '\0' || n < 3 ||
	    strcmp(p, ARGS_VERSION) != 0)
		return -1;
	int used = 0;
	const char *cf = p + strlen(p) + 1;
	const char *lf = cf + strlen(cf) + 1;
	p = lf + strlen(lf) + 1;
	if (!c->cflags && !getenv("CTASK_CFLAGS")) {
		c->cflags = cf;
		used |= cf[0] ? USED_CFLAGS : 0;
	}
	if (!c->ldflags && !getenv("CTASK_LDFLAGS")) {
		c->ldflags = lf;
		used |= lf[0] ? USED_LDFLAGS : 0;
	}
	if (!c->targv) {
		ss->recorded_argv = ctask_xcalloc(n - 2, sizeof(char *));
		c->targc = 0;
		for (; p < end; p += strlen(p) + 1)
			ss->recorded_argv[c->targc++] = (char *)p;
		c->targv = ss->recorded_argv;
		used |= c->targc ? USED_ARGS : 0;
	}
	return used;
}

int cli_use_recorded(cli_session *ss)
{
	cli_common *c = ss->c;
	if (!ss->store || strcmp(c->cmd, "execute") == 0)
		return 0;
	ctask_buf key = {0}; /* owned here */
	args_key(ss, &key);
	int err = ctask_store_note_get(ss->store, (char *)key.p, &ss->recorded);
	ctask_buf_free(&key);
	if (err == CTASK_ENOTFOUND)
		return 0;
	if (err < 0)
		return cli_lib_error(c->cmd, err);
	int used = take_recorded(ss);
	if (used < 0)
		return cli_error(c->cmd, EXIT_STORE,
				 "store %s: the record of the last execute's "
				 "arguments is not one this ctask reads",
				 ss->store_dir);
	if (used)
		say_used(c, used);
	return 0;
}
