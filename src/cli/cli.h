/*
 * cli.h - what the subcommands share: option parsing, loading the task file
 * and the store, and the exit codes (README.md, "Exit codes").
 */
#ifndef CTASK_CLI_H
#define CTASK_CLI_H

#include "exec.h"
#include "graph.h"
#include "plugin.h"
#include "provenance.h"
#include "store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdbool.h>

enum {
	EXIT_OK = 0,
	EXIT_TASKS = 1,	   /* a task failed / not everything is done */
	EXIT_USAGE = 2,	   /* unknown command, option or argument */
	EXIT_TASKFILE = 3, /* task file missing, does not compile or load */
	EXIT_STORE = 4,	   /* not a ctask store, other schema, not writable */
	EXIT_IO = 5,	   /* I/O error or corrupt data */
};

typedef struct {
	const char *name;
	const char *summary;
	const char *help; /* full text for --help and `ctask help NAME` */
	int (*run)(int argc, char **argv);
} cli_command;

/* Options every command that loads a task file takes. */
typedef struct {
	const char *cmd;     /* command name, for messages */
	const char *file;    /* task file (default ctaskfile.c / .so) */
	const char *store;   /* --store DIR, or NULL for the default */
	const char *cflags;  /* --cflags */
	const char *ldflags; /* --ldflags */
	bool verbose;
	bool small;  /* keep small results while scanning (execute) */
	char **args; /* positional arguments after FILE */
	int nargs;
	char **targv; /* arguments after `--`, for the task file */
	int targc;
} cli_common;

/* Handles one command-specific option; returns 0 or an exit code. */
typedef int (*cli_opt_fn)(void *ud, int opt, const char *arg);

/* Parses argv (argv[0] is the command name). extra/extra_short are the
 * command's own options, given to fn. The first positional argument is the
 * task file if it ends in .c or .so. Prints the help and returns -1 for
 * --help; prints a one-line error and returns EXIT_USAGE on bad usage. */
int cli_parse(const cli_command *cmd, int argc, char **argv,
	      const struct option *extra, const char *extra_short,
	      cli_opt_fn fn, void *ud, cli_common *c);

/* Checks the positional arguments of a command that takes up to max_names
 * NAMEs (-1: any number) after FILE: one in FILE's place that is a
 * directory or a file on disk without .c or .so, where no NAME can be,
 * says it is not a task file (EXIT_TASKFILE); beyond max_names == 0, an
 * unexpected argument (EXIT_USAGE). Returns 0 or the exit code, with a
 * line printed. */
int cli_check_args(const cli_common *c, int max_names);

/* A loaded task file with its graph, and its store if there is one. */
typedef struct {
	cli_common *c;
	char *store_dir;	     /* malloc'd */
	ctask_store *store;	     /* NULL if none exists and !create */
	ctask_plugin_handle *plugin; /* owned */
	ctask_graph *g;		     /* owned */
	ctask_graph_oracle oracle;   /* answers barriers from the store */
	char *ident; /* the task file's identity, once the store is open:
			what its results record as their task file
			(cli_task_identity; malloc'd) */
	/* What the last execute was given (cli_use_recorded), when c's
	 * cflags, ldflags and targv point into them: the note's bytes and
	 * the argument vector (both owned by the session). */
	ctask_buf recorded;
	char **recorded_argv;
} cli_session;

/* Whether the store named where is on a server (redis://...), not a
 * directory. */
bool cli_store_is_url(const char *where);
/* Appends to dir where ss's compiled plugins are kept (README, "Many
 * hosts"). */
void cli_plugin_dir(const cli_session *ss, ctask_buf *dir);

/* Opens the store (creating it if create), loads the task file, builds the
 * graph and sets task states. Prints one line on error and returns the exit
 * code; the session is then already closed. */
int cli_open(cli_session *ss, cli_common *c, bool create);
/* As cli_open without create, but leaves the task states unset (all
 * waiting): for a command that needs the states of a few tasks only. */
int cli_open_graph(cli_session *ss, cli_common *c);
/* Sets the states (done, failed, running under a live lease; else waiting)
 * of the marked tasks of a session opened by cli_open_graph, as a scan
 * would: a lookup each, or one scan of the store for all tasks when many
 * are marked. Returns 0 or an exit code, with a
 * line printed. */
int cli_states_of(cli_session *ss, const uint8_t *marks);
/* Sets every task's state from one scan of the store (keeping small results
 * when the session's command asked for them: cli_common.small). Returns 0
 * or an exit code, with a line printed. */
int cli_set_states(cli_session *ss);
void cli_close(cli_session *ss);
/* Builds the graph again (after tasks before a barrier were run) and sets
 * task states. Prints one line on error and returns the exit code. */
int cli_rebuild(cli_session *ss);
/* Creates the store of an open session if it has none yet (after a first
 * cli_open without create), and caches the compiled plugin in it. On error
 * prints a line, closes the session and returns the exit code. */
int cli_create_store(cli_session *ss);

/* ---- Task files sharing a store (recorded.c) ----------------------------- */

/* Sets ss->ident: the task file's path without its extension, relative to
 * the directory that holds the store ("primes" for primes.c beside
 * primes.ctaskdata/; "A/ctaskfile" for A/ctaskfile.c with --store shared
 * beside A/), so that primes.c and primes.so are one task file, and the
 * store and its task files can move together. Returns 0 or an exit code. */
int cli_task_identity(cli_session *ss);
/* FILE's stem: "primes" for dir/primes.c (malloc'd). */
char *cli_file_stem(const char *file);
/* Records in the store what this execute was given (--cflags, --ldflags,
 * or their environment variables, and the arguments after `--`), for the
 * other commands to use when they are given none (README, "Commands"),
 * and adds the task file to the store's list of task files. Returns 0 or
 * an exit code, with a line printed. */
int cli_record_args(cli_session *ss);
/* For a command other than execute: each of cflags, ldflags and the
 * arguments after `--` that it is not given (on the command line or, for
 * the flags, in the environment) is taken from what the last execute of
 * the task file recorded; says so in one line on stderr. Returns 0 or an
 * exit code. */
int cli_use_recorded(cli_session *ss);
/* Whether results whose task file is unknown (stored before schema 3)
 * belong to this task file: when it is the only task file that has
 * executed on the store since. Sets *mine; returns 0 or an exit code. */
int cli_unknown_is_mine(cli_session *ss, bool *mine);

/* Says (on stdout) that the graph stops at a barrier, if it does. */
void cli_barrier_note(const cli_session *ss);

/* The label of the total row of status and invalidate: no function (a C
 * identifier, or map:FN and the like) is named so. */
#define CLI_TOTAL "(total)"

/* The names of the task states (CTASK_S_*), as status and show print them. */
extern const char *const cli_state_names[CTASK_S_COUNT];

/* Prints the library's last error (ctask_error_last) as cli_error does and
 * returns the exit code for err, a negative CTASK_E* code. */
int cli_lib_error(const char *cmd, int err);
/* Prints "ctask CMD: message" on stderr and returns code. */
int cli_error(const char *cmd, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The exit code for a library error code. */
int cli_exit_code(int err);
/* Prints the help of a command to f. */
void cli_print_help(const cli_command *cmd, FILE *f);

/* Prints "count_primes 10, sum_primes 1" to f: the names with non-zero
 * counts (counts per name_id). */
void cli_print_counts(FILE *f, const ctask_graph *g, const size_t *counts);
/* Removes the stored results (done or failed) of the marked tasks, unless
 * dry_run; counts them per name_id into per (zeroed by the caller) and
 * returns how many, or minus the exit code after printing a line for a
 * store error. */
long cli_remove_marked(cli_session *ss, const uint8_t *marks, bool dry_run,
		       size_t *per);

/* ---- Naming tasks (select.c) ------------------------------------------- */

#define CLI_HASH_PREFIX_MIN 4 /* hex digits a hash prefix needs */

/* The tasks spec names, in graph order: NAME (all of its tasks), NAME#I
 * (the I-th, from 0, in the order the graph made them), a task hash, or a
 * prefix of one that only one task's hash has (at least
 * CLI_HASH_PREFIX_MIN digits). A function name wins over a prefix. opt is
 * the option the spec came with, for messages ("--target"), or NULL. Sets
 * *out (malloc'd, the caller frees it) and *n >= 1; returns 0, or
 * EXIT_USAGE after printing a line. */
int cli_select(const cli_session *ss, const char *opt, const char *spec,
	       const ctask_task ***out, size_t *n);

/* The name_id whose name is name, or -1. */
long cli_find_name(const ctask_graph *g, const char *name);
/* "count_primes, sum_primes" (malloc'd), for messages. */
char *cli_name_list(const ctask_graph *g);
/* Human-readable size: "12.3 KiB". */
const char *cli_bytes(uint64_t n, char buf[32]);

/* ---- Code changes (code.c) ---------------------------------------------- */

/* Sets marks[id] for the tasks of the functions whose fingerprint in the
 * task file at git revision rev differs from today's; returns 0 or an exit
 * code (after printing a line). */
int cli_mark_changed_since(cli_session *ss, const char *rev, uint8_t *marks);
/* Before execute runs (want: its targets, or NULL): warns once about the
 * stale results the run needs, or with rerun removes them and everything
 * downstream (saying nothing of it when o->quiet); then sets o's provenance
 * from git (o->git_commit points into *git, which must outlive the run).
 * Returns 0 or an exit code. */
int cli_code_before_run(cli_session *ss, const uint8_t *want, bool rerun,
			ctask_git_state *git, ctask_exec_opts *o);
/* Prints show's provenance members (", \"fingerprint\": ..."). */
void cli_show_provenance(const cli_session *ss, const ctask_task *t,
			 const ctask_record *rec);

extern const cli_command cmd_execute, cmd_status, cmd_invalidate, cmd_cleanup,
	cmd_check, cmd_show, cmd_graph, cmd_log;

#define CLI_COMMON_HELP                                                        \
	"\nCommon options:\n"                                                  \
	"  --store DIR      the store (default: FILE's stem + .ctaskdata, "    \
	"next "                                                                \
	"to FILE)\n"                                                           \
	"  --cflags FLAGS   extra compiler flags for a .c task file "          \
	"(also $CTASK_CFLAGS)\n"                                               \
	"  --ldflags FLAGS  extra linker flags (also $CTASK_LDFLAGS)\n"        \
	"  -v, --verbose    show the compiler command\n"                       \
	"  -h, --help       show this help\n"                                  \
	"\nFILE defaults to ctaskfile.c (or ctaskfile.so) in the current "     \
	"directory.\n"                                                         \
	"ARGS, after --, go to the task file's graph function "                \
	"(ctask_argv). A command\n"                                            \
	"other than execute that is not given --cflags, --ldflags or -- ARGS " \
	"uses\n"                                                               \
	"those of the last execute of FILE, and says so.\n"

#endif
