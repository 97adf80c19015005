/*
 * ctask show - print a task's result (or failure) as JSON.
 */
#include "cli.h"

#include "arena.h"
#include "error.h"
#include "value.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char help[] =
	"usage: ctask show [FILE] NAME[#I] | HASH [OPTIONS] [-- ARGS]\n\n"
	"Prints the result of a task as JSON, with its hash, state, size, "
	"duration\nand when and where it was computed; for a failed task, its "
	"message. NAME#I\nis the I-th task (from 0, in the order the graph "
	"made them) of function\nNAME; NAME alone means every task of NAME "
	"(a JSON array if there are\nseveral). HASH is a task's hash, or the "
	"start of one (at least 4 digits)\nthat no other task's hash has. "
	"Arrays are shown as dtype and shape, with\nthe data when "
	"small.\nProvenance: the code fingerprint "
	"the result was computed with and today's\n(\"stale\" when they "
	"differ), and the git commit of the task file's\nrepository and "
	"whether it had uncommitted changes (\"git\": null outside a\n"
	"repository).\n" CLI_COMMON_HELP
	"\nExit status: 0, 1 when a task has no result yet, 2 usage, 3 task "
	"file,\n4 store, 5 I/O error (e.g. a corrupt result).\n";

static void iso_time(double t, char buf[32])
{
	time_t s = (time_t)t;
	struct tm tm;
	gmtime_r(&s, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Prints one task as a JSON object. Returns 0, EXIT_TASKS if it has no
 * result, or an exit code for a store error. */
static int show_task(cli_session *ss, const ctask_task *t)
{
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(&t->hash, hex);
	const char *name = ctask_task_name(ss->g, t);
	printf("{\"name\": ");
	ctask_json_string(stdout, name, strlen(name));
	printf(", \"index\": %" PRIu32 ", \"hash\": \"%s\", \"state\": \"%s\"",
	       ctask_task_index(t), hex, cli_state_names[t->state]);
	if (t->state != CTASK_S_DONE && t->state != CTASK_S_FAILED) {
		printf("}\n");
		return EXIT_TASKS;
	}
	ctask_record rec;
	ctask_buf data = {0};
	int err = ctask_store_get(ss->store, &t->hash, &rec, &data);
	int rc = 0;
	if (err < 0) {
		printf("}\n");
		fflush(stdout);
		rc = cli_lib_error("show", err);
		goto done;
	}
	char when[32];
	iso_time(rec.started, when);
	printf(", \"size\": %llu, \"duration\": %.6f, \"computed_at\": \"%s\", "
	       "\"host\": ",
	       (unsigned long long)rec.size, rec.duration, when);
	ctask_json_string(stdout, rec.host ? rec.host : "",
			  rec.host ? strlen(rec.host) : 0);
	cli_show_provenance(ss, t, &rec); /* fingerprints, git (code.c) */
	if (rec.state == CTASK_REC_FAILED) {
		printf(", \"message\": ");
		ctask_json_string(stdout, rec.message ? rec.message : "",
				  rec.message ? strlen(rec.message) : 0);
	} else {
		ctask_arena *a = ctask_arena_new();
		ctask_value *v = NULL;
		err = ctask_value_decode(a, data.p, data.len, &v);
		printf(", \"value\": ");
		if (err == 0)
			ctask_value_json(v, stdout, 64);
		else
			printf("null");
		ctask_arena_free(a);
		if (err < 0)
			rc = cli_error("show", EXIT_IO, "%s: %s", hex,
				       ctask_error_last());
	}
	printf("}\n");
done:
	ctask_buf_free(&data);
	return rc;
}

static int run(int argc, char **argv)
{
	cli_common c;
	int rc = cli_parse(&cmd_show, argc, argv, NULL, "", NULL, NULL, &c);
	if (rc != 0)
		return rc < 0 ? EXIT_OK : rc;
	if ((rc = cli_check_args(&c, 1)) != 0)
		return rc;
	if (c.nargs != 1)
		return cli_error(
			"show", EXIT_USAGE,
			"expected one NAME[#I] or HASH (see ctask help "
			"show)");
	cli_session ss;
	if ((rc = cli_open(&ss, &c, false)) != 0)
		return rc;
	const ctask_task **ts = NULL;
	size_t n = 0;
	rc = cli_select(&ss, NULL, c.args[0], &ts, &n); /* select.c */
	if (n > 1)
		printf("[\n");
	for (size_t i = 0; rc <= EXIT_TASKS && i < n; i++) {
		if (i)
			printf(",\n");
		int r = show_task(&ss, ts[i]);
		if (r > rc)
			rc = r;
	}
	if (n > 1)
		printf("]\n");
	free(ts);
	cli_close(&ss);
	return rc;
}

const cli_command cmd_show = {"show", "print a task's result as JSON", help,
			      run};
