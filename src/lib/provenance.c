/*
 * provenance.c - git, through libgit2: HEAD and dirtiness for provenance,
 * and the task file at an older revision for --changed-since.
 *
 * Each public function brackets its work with git_libgit2_init/shutdown
 * (libgit2 counts them), so no libgit2 state outlives the call, unless
 * ctask_git_warm_up holds it for the process (see there). The executor
 * forks its workers later, and they never touch git.
 */
#include "provenance.h"

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "fingerprint.h"

#include <git2.h>
#include <stdbool.h>
#include <uv.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

/* libgit2's initialisation parses the system's CA certificates (about 9
 * ms, a third of a one-task run, with Debian's mbedTLS build): warming up
 * does it on a thread of its own while the task file loads and the store is
 * scanned. warm is joined by the first use of git, or by settle. */
static uv_thread_t warm;
/* Thread started, not joined; its init held for the process. Only the
 * calling (main) thread touches these. */
static bool warming, warmed;

static void warm_init(void *arg)
{
	(void)arg;
	git_libgit2_init();
}

void ctask_git_warm_up(void)
{
	if (!warming && !warmed &&
	    uv_thread_create(&warm, warm_init, NULL) == 0)
		warming = true;
}

void ctask_git_settle(void)
{
	if (warming) {
		uv_thread_join(&warm);
		warming = false;
		warmed = true;
	}
}

void ctask_git_cool_down(void)
{
	ctask_git_settle();
	if (warmed)
		git_libgit2_shutdown();
	warmed = false;
}

/* The libgit2 error message, or a fallback. */
static const char *git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

/* Opens the non-bare repository whose work tree holds file, and sets *rel
 * to file's path relative to the work tree (malloc'd). Returns 0, or -1
 * when there is none (or it cannot be opened). */
static int open_repo(const char *file, git_repository **repo, char **rel)
{
	char *abs = realpath(file, NULL), *dir = NULL, *wd = NULL;
	int rc = -1;
	*repo = NULL;
	*rel = NULL;
	if (!abs)
		goto done;
	dir = ctask_xstrdup(abs);
	if (git_repository_open_ext(repo, dirname(dir), 0,
				    getenv("GIT_CEILING_DIRECTORIES")) != 0 ||
	    git_repository_is_bare(*repo))
		goto done;
	/* The work tree as libgit2 spells it may differ from realpath's
	 * spelling (symbolic links), so compare real paths. */
	wd = realpath(git_repository_workdir(*repo), NULL);
	size_t n = wd ? strlen(wd) : 0;
	if (!wd || strncmp(abs, wd, n) != 0 || abs[n] != '/')
		goto done;
	*rel = ctask_xstrdup(abs + n + 1);
	rc = 0;
done:
	if (rc) {
		git_repository_free(*repo);
		*repo = NULL;
	}
	free(abs);
	free(dir);
	free(wd);
	return rc;
}

/* 1 if the repository has changes to tracked files or rel is not tracked,
 * 0 if not, -1 if that cannot be told. */
static int is_dirty(git_repository *repo, const char *rel)
{
	git_status_options opts;
	git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
	git_status_list *list = NULL;
	unsigned int flags = 0;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &opts) != 0)
		return -1;
	int dirty = git_status_list_entrycount(list) > 0;
	git_status_list_free(list);
	if (!dirty && git_status_file(&flags, repo, rel) == 0 &&
	    (flags & (GIT_STATUS_WT_NEW | GIT_STATUS_IGNORED)))
		dirty = 1;
	return dirty;
}

void ctask_git_state_of(const char *file, ctask_git_state *st)
{
	git_repository *repo = NULL;
	char *rel = NULL;
	git_oid oid;
	memset(st, 0, sizeof *st);
	st->dirty = -1;
	ctask_git_settle();
	git_libgit2_init();
	if (open_repo(file, &repo, &rel) != 0)
		goto done;
	st->repo = true;
	int rc = git_reference_name_to_id(&oid, repo, "HEAD");
	if (rc == 0) {
		git_oid_tostr(st->commit, sizeof st->commit, &oid);
		st->dirty = is_dirty(repo, rel);
	} else {
		/* No commit yet (an unborn branch): nothing is committed. */
		memset(st->commit, '0', CTASK_GIT_HEX - 1);
		st->dirty = 1;
	}
done:
	git_repository_free(repo);
	free(rel);
	git_libgit2_shutdown();
}

/* A ctask_fp_read_fn that reads paths relative to the work tree from a
 * git tree (a revision). */
static int read_tree(void *ud, const char *path, ctask_buf *out)
{
	git_tree *tree = ud;
	git_tree_entry *e = NULL;
	git_blob *blob = NULL;
	int rc = 0;
	if (git_tree_entry_bypath(&e, tree, path) != 0 ||
	    git_tree_entry_type(e) != GIT_OBJECT_BLOB) {
		rc = ctask_error_set(CTASK_ENOTFOUND, "%s: not in the tree",
				     path);
		goto done;
	}
	if (git_blob_lookup(&blob, git_tree_owner(tree),
			    git_tree_entry_id(e)) != 0) {
		rc = ctask_error_set(CTASK_EIO, "%s: %s", path, git_msg());
		goto done;
	}
	ctask_buf_append(out, git_blob_rawcontent(blob),
			 (size_t)git_blob_rawsize(blob));
done:
	git_blob_free(blob);
	git_tree_entry_free(e);
	return rc;
}

int ctask_git_changed_since(const ctask_graph *g, const char *source,
			    const char *rev, uint8_t *changed)
{
	git_repository *repo = NULL;
	git_object *obj = NULL, *tree = NULL;
	ctask_fp_source *old = NULL;
	char *rel = NULL;
	int rc = 0;
	ctask_git_settle();
	git_libgit2_init();
	if (open_repo(source, &repo, &rel) != 0) {
		rc = ctask_error_set(CTASK_EUSAGE,
				     "%s is not in a git repository", source);
		goto done;
	}
	if (git_revparse_single(&obj, repo, rev) != 0 ||
	    git_object_peel(&tree, obj, GIT_OBJECT_TREE) != 0) {
		rc = ctask_error_set(CTASK_EUSAGE,
				     "'%s' is not a revision of the repository"
				     " holding %s: %s",
				     rev, source, git_msg());
		goto done;
	}
	if ((rc = ctask_fp_parse(rel, read_tree, tree, &old)) < 0) {
		if (rc == CTASK_ENOTFOUND)
			rc = ctask_error_set(CTASK_EUSAGE,
					     "%s did not exist at %s", source,
					     rev);
		goto done;
	}
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		const ctask_hash *now = ctask_graph_fingerprint(g, i);
		ctask_hash then;
		if (now && (!ctask_fp_of(old, ctask_graph_name(g, i), &then) ||
			    ctask_hash_cmp(now, &then) != 0))
			changed[i] = 1;
	}
done:
	ctask_fp_free(old);
	git_object_free(tree);
	git_object_free(obj);
	git_repository_free(repo);
	free(rel);
	git_libgit2_shutdown();
	return rc;
}
