/*
 * test_fingerprint.c - code fingerprints: what changes them (tokens of the
 * function and of what it refers to, transitively: helpers, macros,
 * file-level variables, enum constants, quoted headers) and what does not
 * (comments, whitespace, layout, line continuations, unrelated code, the
 * order of definitions).
 */
#include "test.h"

#include "error.h"
#include "fingerprint.h"

/* See the test "pinned". */
#define PINNED_TASK_FP "8ce1c060de13b41e968e8800b76720ad"

/* An in-memory file system for ctask_fp_parse: NULL-terminated pairs of
 * path and text. */
static int read_mem(void *ud, const char *path, ctask_buf *out)
{
	const char *const *files = ud;
	for (size_t i = 0; files[i]; i += 2)
		if (strcmp(files[i], path) == 0) {
			ctask_buf_str(out, files[i + 1]);
			return 0;
		}
	return ctask_error_set(CTASK_ENOTFOUND, "%s: no such file", path);
}

/* The fingerprint of fn in the files (main file first); fails the test if
 * fn is not defined. */
static ctask_hash fp_files(const char *const *files, const char *fn)
{
	ctask_fp_source *s = NULL;
	ctask_hash h;
	int rc = ctask_fp_parse(files[0], read_mem, (void *)files, &s);
	if (rc)
		TFAIL("parse %s: %s", files[0], ctask_error_last());
	if (!ctask_fp_of(s, fn, &h))
		TFAIL("%s not found", fn);
	ctask_fp_free(s);
	return h;
}

static ctask_hash fp(const char *src, const char *fn)
{
	const char *files[] = {"dir/main.c", src, NULL};
	return fp_files(files, fn);
}

static int same(const char *a, const char *b, const char *fn)
{
	ctask_hash x = fp(a, fn), y = fp(b, fn);
	return ctask_hash_cmp(&x, &y) == 0;
}

#define HELPER "static int helper(int x)\n{\n\treturn x * 2;\n}\n"
#define TASK "static int task(int a)\n{\n\treturn helper(a) + 1;\n}\n"
#define OTHER "static int other(int a)\n{\n\treturn a - 1;\n}\n"

TEST(comments_and_whitespace_do_not_count)
{
	const char *base = HELPER TASK OTHER;
	ASSERT(same(base,
		    HELPER "/* the task */\n"
			   "static int task(int a) // one line\n"
			   "{\n\treturn helper(a) /* twice */ + 1;\n}\n" OTHER,
		    "task"));
	/* Reformatted: other indentation, braces, line breaks. */
	ASSERT(same(base,
		    HELPER "static int\ntask (int a) {\n  return helper (a)+1;"
			   "}\n" OTHER,
		    "task"));
	/* A line continuation is not a change either. */
	ASSERT(same(base,
		    HELPER "static int task(int a)\n{\n\treturn hel\\\n"
			   "per(a) + 1;\n}\n" OTHER,
		    "task"));
}

TEST(body_change_changes_only_that_function)
{
	const char *base = HELPER TASK OTHER;
	const char *edited = HELPER
		"static int task(int a)\n{\n\treturn helper(a) + 2;\n}\n" OTHER;
	ASSERT(!same(base, edited, "task"));
	ASSERT(same(base, edited, "other"));
	ASSERT(same(base, edited, "helper"));
}

TEST(helper_change_propagates_to_callers)
{
	const char *base = HELPER TASK OTHER;
	const char *edited =
		"static int helper(int x)\n{\n\treturn x * 3;\n}\n" TASK OTHER;
	ASSERT(!same(base, edited, "task"));
	ASSERT(!same(base, edited, "helper"));
	ASSERT(same(base, edited, "other"));
	/* Transitively: a helper of the helper. */
	const char *deep =
		"static int inner(int x) { return x; }\n"
		"static int helper(int x) { return inner(x); }\n" TASK;
	const char *deep2 =
		"static int inner(int x) { return -x; }\n"
		"static int helper(int x) { return inner(x); }\n" TASK;
	ASSERT(!same(deep, deep2, "task"));
}

TEST(order_of_definitions_does_not_count)
{
	ASSERT(same(HELPER TASK OTHER, OTHER TASK HELPER, "task"));
	/* A prototype is a definition of its own: adding one counts (it may
	 * change how a call converts its arguments). */
	ASSERT(!same(HELPER TASK, "static int helper(int x);\n" TASK HELPER,
		     "task"));
}

TEST(string_contents_count)
{
	ASSERT(!same("static const char *f(void) { return \"a b\"; }",
		     "static const char *f(void) { return \"a  b\"; }", "f"));
	/* And a comment marker inside a string is not a comment. */
	ASSERT(!same("static const char *f(void) { return \"/* x */\"; }",
		     "static const char *f(void) { return \"/* y */\"; }",
		     "f"));
}

TEST(macros_count_when_used)
{
	const char *a = "#define SCALE 2\n#define UNUSED 1\n"
			"static int f(int x) { return x * SCALE; }\n";
	const char *b = "#define SCALE 3\n#define UNUSED 1\n"
			"static int f(int x) { return x * SCALE; }\n";
	const char *c = "#define SCALE 2\n#define UNUSED 7\n"
			"static int f(int x) { return x * SCALE; }\n";
	ASSERT(!same(a, b, "f"));
	ASSERT(same(a, c, "f"));
	/* A macro's continuation lines and layout do not count... */
	ASSERT(same(a,
		    "#define SCALE \\\n   2\n#define UNUSED 1\n"
		    "static int f(int x) { return x * SCALE; }\n",
		    "f"));
	/* ...but function-like versus object-like does. */
	ASSERT(!same("#define M(x) (x)\nint f(int y) { return M(y); }\n",
		     "#define M (x) (x)\nint f(int y) { return M(y); }\n",
		     "f"));
	/* A macro that calls a function pulls the function in. */
	ASSERT(!same(
		"static int g(int x) { return x; }\n#define G(x) g(x)\n"
		"int f(int y) { return G(y); }\n",
		"static int g(int x) { return 2 * x; }\n#define G(x) g(x)\n"
		"int f(int y) { return G(y); }\n",
		"f"));
}

TEST(file_level_variables_and_types_count)
{
	const char *fmt = "static const int table[] = {1, 2, %d};\n"
			  "static int unused = %d;\n"
			  "enum color { RED, GREEN = %d };\n"
			  "struct pt { int x, y%s; };\n"
			  "static int f(int i) { return table[i]; }\n"
			  "static int g(void) { return GREEN; }\n"
			  "static int h(struct pt *p) { return p->x; }\n";
	char a[512], b[512], c[512], d[512], e[512];
	snprintf(a, sizeof a, fmt, 3, 0, 5, "");
	snprintf(b, sizeof b, fmt, 4, 0, 5, "");
	snprintf(c, sizeof c, fmt, 3, 9, 5, "");
	snprintf(d, sizeof d, fmt, 3, 0, 6, "");
	snprintf(e, sizeof e, fmt, 3, 0, 5, ", z");
	ASSERT(!same(a, b, "f")); /* the table's initializer */
	ASSERT(same(a, b, "g"));
	ASSERT(same(a, c, "f"));  /* a variable f does not use */
	ASSERT(!same(a, d, "g")); /* an enum constant */
	ASSERT(same(a, d, "f"));
	ASSERT(!same(a, e, "h")); /* the struct's layout */
	ASSERT(same(a, e, "f"));
}

TEST(cycles_terminate)
{
	const char *a =
		"static int even(int n);\n"
		"static int odd(int n) { return n ? even(n - 1) : 0; }\n"
		"static int even(int n) { return n ? odd(n - 1) : 1; }\n"
		"static int self(int n) { return n ? self(n - 1) : 0; }\n";
	const char *b =
		"static int even(int n);\n"
		"static int odd(int n) { return n ? even(n - 1) : 0; }\n"
		"static int even(int n) { return n ? odd(n - 1) : 2; }\n"
		"static int self(int n) { return n ? self(n - 1) : 0; }\n";
	ASSERT(!same(a, b, "odd"));
	ASSERT(!same(a, b, "even"));
	ASSERT(same(a, b, "self"));
}

TEST(quoted_headers_are_part_of_the_source)
{
	const char *a[] = {"dir/main.c",
			   "#include <stdio.h>\n#include \"lib/h.h\"\n"
			   "static int f(int x) { return twice(x); }\n"
			   "static int g(int x) { return x; }\n",
			   "dir/lib/h.h",
			   "#include \"../common.h\"\n"
			   "static int twice(int x) { return ONE * 2 * x; }\n",
			   "dir/common.h",
			   "#define ONE 1\n",
			   NULL};
	const char *b[] = {a[0], a[1], a[2], a[3], a[4], "#define ONE 2\n",
			   NULL};
	ctask_hash x = fp_files(a, "f"), y = fp_files(b, "f");
	ASSERT(ctask_hash_cmp(&x, &y) != 0);
	x = fp_files(a, "g"), y = fp_files(b, "g");
	ASSERT(ctask_hash_cmp(&x, &y) == 0);
	/* A quoted include that cannot be found is skipped. */
	const char *c[] = {
		"main.c", "#include \"missing.h\"\nint f(void) { return 1; }\n",
		NULL};
	fp_files(c, "f");
}

TEST(include_cycles_and_guards_end)
{
	const char *a[] = {"m.c",
			   "#include \"a.h\"\nint f(void) { return A + B; }\n",
			   "a.h",
			   "#ifndef A_H\n#define A_H\n#include \"b.h\"\n"
			   "#define A 1\n#endif\n",
			   "b.h",
			   "#include \"a.h\"\n#define B 2\n",
			   NULL};
	fp_files(a, "f");
}

TEST(unknown_names_and_missing_files)
{
	ctask_fp_source *s = NULL;
	const char *files[] = {"m.c", "int f(void) { return 0; }\n", NULL};
	ASSERT_EQ(ctask_fp_parse("m.c", read_mem, (void *)files, &s), 0);
	ctask_hash h;
	ASSERT(!ctask_fp_of(s, "nothere", &h));
	ASSERT(ctask_fp_of(s, "f", &h));
	ctask_fp_free(s);
	ASSERT_EQ(ctask_fp_parse("x.c", read_mem, (void *)files, &s),
		  CTASK_ENOTFOUND);
	ASSERT(s == NULL);
	ASSERT_EQ(ctask_fp_parse_file("/nonexistent/x.c", &s), CTASK_ENOTFOUND);
}

TEST(task_file_shapes)
{
	/* What task files look like: ctask.h's macros around the functions,
	 * a graph function that calls every task, extern "C" blocks, odd
	 * top-level tokens. None of it may hide a function or crash. */
	const char *src = "#include <ctask.h>\n"
			  "#ifdef __cplusplus\nextern \"C\" {\n#endif\n"
			  "static double *table;\n"
			  "static void load(void) { table = 0; }\n"
			  "CTASK_WORKER_INIT(load);\n"
			  "static ctask_value *count(ctask_ctx *cx, const "
			  "ctask_args *a)\n"
			  "{\n#ifdef FAST\n\treturn ctask_int(cx, 1);\n#endif\n"
			  "\treturn ctask_int(cx, ctask_arg_int(a, 0) + "
			  "(int)*table);\n}\n"
			  "CTASK_VERSION(count, 2);\n"
			  "static int (*hook)(int);\n"
			  "typedef int (*cb_t)(int);\n"
			  "CTASK_GRAPH(g)\n{\n\tctask_call(g, count, 1);\n}\n"
			  "#ifdef __cplusplus\n}\n#endif\n"
			  "} ; ;\n";
	ctask_hash a = fp(src, "count");
	fp(src, "hook");
	fp(src, "cb_t");
	fp(src, "table");
	fp(src, "CTASK_GRAPH");
	/* The graph function changing does not make count stale. */
	char other[2048];
	snprintf(other, sizeof other, "%s", src);
	char *p = strstr(other, "count, 1)");
	p[7] = '2';
	ctask_hash b = fp(other, "count");
	ASSERT(ctask_hash_cmp(&a, &b) == 0);
	/* A task whose global changes type does. */
	snprintf(other, sizeof other, "%s", src);
	p = strstr(other, "double *table");
	memcpy(p, "float ", 6);
	b = fp(other, "count");
	ASSERT(ctask_hash_cmp(&a, &b) != 0);
}

TEST(pinned)
{
	/* The fingerprint of one function, pinned: a change to the tokenizer
	 * or the hash input makes every stored result look stale, so it must
	 * be deliberate (and mentioned in the README). */
	ctask_hash h = fp(HELPER TASK, "task");
	char hex[CTASK_HASH_HEX];
	ctask_hash_hex(&h, hex);
	printf("task: %s\n", hex);
	ASSERT_STR(hex, PINNED_TASK_FP);
}

TEST_MAIN(T(comments_and_whitespace_do_not_count),
	  T(body_change_changes_only_that_function),
	  T(helper_change_propagates_to_callers),
	  T(order_of_definitions_does_not_count), T(string_contents_count),
	  T(macros_count_when_used), T(file_level_variables_and_types_count),
	  T(cycles_terminate), T(quoted_headers_are_part_of_the_source),
	  T(include_cycles_and_guards_end), T(unknown_names_and_missing_files),
	  T(task_file_shapes), T(pinned))
