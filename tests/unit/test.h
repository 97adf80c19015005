/*
 * test.h - a tiny unit-test runner in the style of libuv's.
 *
 * Each test is a function listed once in the file's TESTS table; the runner
 * forks for every test so a crash fails that test only, prints both operands
 * of a failed assertion, and ends with "N passed, N failed". Run one test by
 * naming it: ./test_value roundtrip_int
 */
#ifndef CTASK_TEST_H
#define CTASK_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
	const char *name;
	void (*fn)(void);
} test_entry;

#define TEST(name) static void test_##name(void)
#define T(name)                                                                \
	{                                                                      \
#name, test_##name                                             \
	}

#define TFAIL(...)                                                             \
	do {                                                                   \
		fprintf(stderr, "%s:%d: ", __FILE__, __LINE__);                \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		exit(1);                                                       \
	} while (0)

#define ASSERT(c)                                                              \
	do {                                                                   \
		if (!(c))                                                      \
			TFAIL("assertion failed: %s", #c);                     \
	} while (0)

#define ASSERT_INT(a, op, b)                                                   \
	do {                                                                   \
		long long a_ = (long long)(a), b_ = (long long)(b);            \
		if (!(a_ op b_))                                               \
			TFAIL("%s %s %s: %lld vs %lld", #a, #op, #b, a_, b_);  \
	} while (0)
#define ASSERT_EQ(a, b) ASSERT_INT(a, ==, b)

#define ASSERT_STR(a, b)                                                       \
	do {                                                                   \
		const char *a_ = (a), *b_ = (b);                               \
		if (!a_ || !b_ || strcmp(a_, b_) != 0)                         \
			TFAIL("%s == %s: \"%s\" vs \"%s\"", #a, #b,            \
			      a_ ? a_ : "(null)", b_ ? b_ : "(null)");         \
	} while (0)

#define ASSERT_MEM(a, b, n)                                                    \
	do {                                                                   \
		if (memcmp((a), (b), (n)) != 0)                                \
			TFAIL("%s and %s differ in %zu bytes", #a, #b,         \
			      (size_t)(n));                                    \
	} while (0)

static int test_run_one(const test_entry *t)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		t->fn();
		fflush(NULL);
		_exit(0);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	int ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok && WIFSIGNALED(st))
		fprintf(stderr, "%s: killed by signal %d\n", t->name,
			WTERMSIG(st));
	printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
	return ok;
}

static int test_main(const test_entry *tests, size_t n, int argc, char **argv)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (argc > 1 && strcmp(argv[1], tests[i].name) != 0)
			continue;
		if (test_run_one(&tests[i]))
			passed++;
		else
			failed++;
	}
	if (passed + failed == 0) {
		fprintf(stderr, "no test named %s\n", argc > 1 ? argv[1] : "");
		return 2;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define TEST_MAIN(...)                                                         \
	int main(int argc, char **argv)                                        \
	{                                                                      \
		static const test_entry tests[] = {__VA_ARGS__};               \
		return test_main(tests, sizeof tests / sizeof tests[0], argc,  \
				 argv);                                        \
	}

#endif
