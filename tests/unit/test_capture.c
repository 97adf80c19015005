/* What tasks print (capture.c): the bounded read of a capture, the worker's
 * capture of one task, and the excerpt under a failure line. */
#include "test.h"

#include "capture.h"

#include <fcntl.h>

/* A capture file holding p[0..n), as a dead worker would leave it (its
 * offset at the end), read back by ctask_capture_salvage into out. */
static void salvage_of(const void *p, size_t n, ctask_buf *out)
{
	int fd = ctask_capture_open();
	ASSERT(fd >= 0);
	ASSERT(write(fd, p, n) == (ssize_t)n);
	ctask_capture_salvage(&fd, out);
	ASSERT_EQ(fd, -1);
}

TEST(small_output_is_kept_whole)
{
	ctask_buf b = {0};
	salvage_of("abc", 3, &b);
	ASSERT_EQ(b.len, 3);
	ASSERT_MEM(b.p, "abc", 3);
	size_t n = CTASK_CAPTURE_HEAD + CTASK_CAPTURE_TAIL;
	char *big = malloc(n);
	memset(big, 'y', n);
	b.len = 0;
	salvage_of(big, n, &b); /* exactly the bound: nothing cut */
	ASSERT_EQ(b.len, n);
	ASSERT_MEM(b.p, big, n);
	free(big);
	ctask_buf_free(&b);
}

TEST(one_long_line_is_cut_in_the_middle)
{
	size_t n = 100000;
	char *big = malloc(n);
	memset(big, 'x', n);
	ctask_buf b = {0};
	salvage_of(big, n, &b);
	const char *mark = "\n[... 34464 bytes cut ...]\n";
	size_t h = CTASK_CAPTURE_HEAD, t = CTASK_CAPTURE_TAIL;
	ASSERT_EQ(b.len, h + strlen(mark) + t);
	ASSERT_MEM(b.p, big, h);
	ASSERT_MEM(b.p + h, mark, strlen(mark));
	ASSERT_MEM(b.p + h + strlen(mark), big, t);
	free(big);
	ctask_buf_free(&b);
}

TEST(nothing_printed_is_nothing)
{
	ctask_buf b = {0};
	int fd = ctask_capture_open();
	ctask_capture_salvage(&fd, &b);
	ASSERT_EQ(b.len, 0);
	ctask_capture_salvage(&fd, &b); /* closed: a no-op */
	ASSERT_EQ(fd, -1);
}

TEST(a_task_in_a_worker)
{
	/* This test process plays the worker: its fds 1 and 2 go to the
	 * capture until they are put back, before any assertion. */
	int out = dup(1), err = dup(2);
	ctask_capture_opts o = {.fd = -1};
	ctask_capture_start(ctask_capture_open(), &o);
	ctask_buf b = {0};
	ctask_capture_begin(0);
	printf("no newline, no fflush");
	fprintf(stderr, "; stderr");
	size_t n1 = ctask_capture_end(&b);
	ctask_capture_begin(1);
	size_t n2 = ctask_capture_end(&b); /* printed nothing */
	ctask_capture_begin(2);
	ssize_t w = write(1, "again", 5); /* the file was emptied */
	size_t n3 = ctask_capture_end(&b);
	dup2(out, 1), dup2(err, 2);
	ASSERT_EQ(w, 5);
	ASSERT_EQ(n1, 29);
	ASSERT_EQ(n2, 0);
	ASSERT_EQ(n3, 5);
	ASSERT_EQ(b.len, 34);
	/* stdout is line-buffered: its unfinished line comes last. */
	ASSERT_MEM(b.p, "; stderrno newline, no fflushagain", 34);
	ctask_buf_free(&b);
}

/* The excerpt of p, as printed. */
static char *excerpt(const char *p)
{
	char *s = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&s, &n);
	ctask_capture_excerpt(f, (const uint8_t *)p, strlen(p),
			      "ctask log x.c f#3");
	fclose(f);
	return s;
}

TEST(excerpt_of_a_few_lines)
{
	char *s = excerpt("one\ntwo\n");
	ASSERT_STR(s, "  | one\n  | two\n");
	free(s);
	s = excerpt("no newline");
	ASSERT_STR(s, "  | no newline\n");
	free(s);
	s = excerpt("");
	ASSERT_STR(s, "");
	free(s);
	s = excerpt("\n");
	ASSERT_STR(s, "");
	free(s);
}

TEST(excerpt_of_many_lines_points_to_log)
{
	char *s = excerpt("1\n2\n3\n4\n5\n6\n7");
	ASSERT_STR(s, "  | 3\n  | 4\n  | 5\n  | 6\n  | 7\n"
		      "  (the last 5 lines; all of it: ctask log x.c f#3)\n");
	free(s);
	s = excerpt("a\tb\033[31mred\r\n");
	ASSERT_STR(s, "  | a\tb?[31mred?\n");
	free(s);
	char line[301];
	memset(line, 'z', 300);
	line[300] = '\0';
	s = excerpt(line);
	ASSERT(strncmp(s, "  | zzz", 7) == 0);
	ASSERT(strstr(s, "z...\n  (lines shortened; all of it: ctask log "
			 "x.c f#3)\n"));
	ASSERT_EQ(strlen(s), 4 + 200 + 4 +
				     strlen("  (lines shortened; all of "
					    "it: ctask log x.c f#3)\n"));
	free(s);
}

TEST_MAIN(T(small_output_is_kept_whole), T(one_long_line_is_cut_in_the_middle),
	  T(nothing_printed_is_nothing), T(a_task_in_a_worker),
	  T(excerpt_of_a_few_lines), T(excerpt_of_many_lines_points_to_log))
