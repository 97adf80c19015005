/*
 * test_plugin_deps.c - what a cached plugin was built from: reading the
 * compiler's depfile (escapes, continuation lines) and the manifest beside
 * the plugin (current while every file is as it was, by content; changed
 * when a file is edited or gone, the plugin is not the one described, a
 * file changed while the compiler ran, or the manifest is not ours;
 * elsewhere when relative paths were resolved in another directory).
 */
#include "test.h"

#include "plugin_deps.h"
#include "sys.h"

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>

/* The paths ctask_deps_parse finds in text, joined with '|'. */
static char *parse(const char *text, long want)
{
	static char out[1024];
	ctask_buf paths = {0};
	long n = ctask_deps_parse(text, strlen(text), &paths);
	ASSERT_EQ(n, want);
	out[0] = '\0';
	const char *p = (const char *)paths.p;
	for (long i = 0; i < n; i++, p += strlen(p) + 1)
		snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s",
			 i ? "|" : "", p);
	ctask_buf_free(&paths);
	return out;
}

TEST(depfile_plain_and_continued)
{
	ASSERT_STR(parse("/t/x.so: /t/x.c /inc/ctask.h\n", 2),
		   "/t/x.c|/inc/ctask.h");
	ASSERT_STR(parse("x.so: x.c \\\n  util.h \\\n inc/more.h\n", 3),
		   "x.c|util.h|inc/more.h");
	ASSERT_STR(parse("x.so: x.c \\\r\n util.h\r\n", 2), "x.c|util.h");
	ASSERT_STR(parse("x.so : x.c\n", 1), "x.c");
	ASSERT_STR(parse("x.so:\n", 0), "");
	/* One rule: the plugin's (-MP would add empty ones). */
	ASSERT_STR(parse("x.so: x.c a.h\na.h:\n", 2), "x.c|a.h");
	parse("", -1);
	parse("no rule here\n", -1);
}

/* Found by fuzz/fuzz_depfile.c: a NUL byte in a path made two paths of it
 * in the NUL-separated list, so the count and the list disagreed. */
TEST(depfile_nul)
{
	static const char text[] = "x.so: a.c b\0c.h d.h\n";
	ctask_buf paths = {0};
	ASSERT_EQ(ctask_deps_parse(text, sizeof text - 1, &paths), -1);
	ASSERT_EQ(paths.len, 0);
	ASSERT_EQ(ctask_deps_parse(text, 9, &paths), 1); /* "x.so: a.c" */
	ASSERT_STR((const char *)paths.p, "a.c");
	ctask_buf_free(&paths);
}

TEST(depfile_escapes)
{
	ASSERT_STR(parse("x.so: my\\ dir/a.h b$$c.h d\\#e.h\n", 3),
		   "my dir/a.h|b$c.h|d#e.h");
	/* Backslashes are literal unless they escape a space or '#'. */
	ASSERT_STR(parse("x.so: a\\b.h\n", 1), "a\\b.h");
	/* a\<space>b is written a\\\ b: two backslashes make one. */
	ASSERT_STR(parse("x.so: a\\\\\\ b.h\n", 1), "a\\ b.h");
	/* An even run before a space: backslashes, then a separator. */
	ASSERT_STR(parse("x.so: a\\\\ b.h\n", 2), "a\\|b.h");
}

/* A scratch directory with a plugin, a task file and headers. */
static char dir[64];

static void put(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ASSERT(fd >= 0);
	ASSERT_EQ(ctask_write_all(fd, text, strlen(text)), 0);
	close(fd);
}

/* Sets a file's times far in the past, as if edited long before. */
static void age(const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	ASSERT_EQ(utimensat(AT_FDCWD, path, old, 0), 0);
}

static const char *at(const char *name)
{
	static char path[8][256];
	static int i;
	i = (i + 1) % 8;
	snprintf(path[i], sizeof path[i], "%s/%s", dir, name);
	return path[i];
}

static void remove_scratch(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	dir[0] = '\0';
}

/* Makes the scratch directory and cd's there; it is removed when the test
 * ends (when it fails, or by remove_scratch at its end). */
static void scratch(void)
{
	snprintf(dir, sizeof dir, "/tmp/ctask-deps-XXXXXX");
	ASSERT(mkdtemp(dir));
	atexit(remove_scratch);
	ASSERT_EQ(chdir(dir), 0);
	ASSERT_EQ(mkdir("inc", 0755), 0);
	put("x.so", "plugin bytes");
	put("x.c", "#include \"util.h\"\n");
	put("util.h", "int one;\n");
	put("inc/val.h", "#define V 1\n");
	age("x.c"), age("util.h"), age("inc/val.h");
	/* Absolute paths, as the compiler names files next to the task file,
	 * and a relative one, as it names a file found through -Iinc. */
	char dep[1024];
	snprintf(dep, sizeof dep, "%s/x.so: %s/x.c %s/util.h inc/val.h\n", dir,
		 dir, dir);
	put("x.d", dep);
}

/* Writes the manifest of x.so with nothing noted before the build. */
static void write_manifest(void)
{
	ctask_deps_before *b = ctask_deps_before_build(NULL, NULL, 0);
	ASSERT_EQ(ctask_deps_write(at("x.deps"), at("x.so"), at("x.c"),
				   at("x.d"), b),
		  0);
	ctask_deps_before_free(b);
}

static ctask_deps_state check(void)
{
	return ctask_deps_check(at("x.deps"), at("x.so"), NULL);
}

TEST(manifest_follows_contents)
{
	scratch();
	write_manifest();
	char *src = NULL;
	ASSERT_EQ(ctask_deps_check(at("x.deps"), at("x.so"), &src),
		  CTASK_DEPS_CURRENT);
	ASSERT_STR(src, at("x.c"));
	free(src);
	put("util.h", "int two;\n");
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	/* Contents count, not times: the old text is current again. */
	put("util.h", "int one;\n");
	ASSERT_EQ(check(), CTASK_DEPS_CURRENT);
	put("inc/val.h", "#define V 2\n");
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	put("inc/val.h", "#define V 1\n");
	ASSERT_EQ(check(), CTASK_DEPS_CURRENT);
	ASSERT_EQ(unlink("util.h"), 0);
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	put("util.h", "int one;\n");
	/* Another plugin than the one described (a concurrent build). */
	put("x.so", "other plugin bytes");
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	put("x.so", "plugin bytes");
	ASSERT_EQ(check(), CTASK_DEPS_CURRENT);
	remove_scratch();
}

TEST(manifest_relative_paths_elsewhere)
{
	scratch();
	write_manifest();
	ASSERT_EQ(chdir("inc"), 0);
	/* inc/val.h means another file from here. */
	ASSERT_EQ(check(), CTASK_DEPS_ELSEWHERE);
	/* A change to an absolute one still counts. */
	put("util.h", "int two;\n");
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	remove_scratch();
}

TEST(manifest_change_during_build)
{
	scratch();
	/* util.h noted before the build, then edited while it ran: what the
	 * compiler read is unknown, so the next check says changed, whatever
	 * the file holds then. */
	const char *files[] = {at("util.h")};
	ctask_deps_before *b = ctask_deps_before_build(NULL, files, 1);
	put("util.h", "int two;;\n");
	ASSERT_EQ(ctask_deps_write(at("x.deps"), at("x.so"), at("x.c"),
				   at("x.d"), b),
		  0);
	ctask_deps_before_free(b);
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	/* Not noted, and modified just now: unknown as well. */
	put("inc/val.h", "#define V 1\n");
	write_manifest();
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	/* The files an old manifest lists are noted: an edit before the
	 * build is then known to be what the compiler read. */
	age("util.h"), age("inc/val.h");
	write_manifest();
	put("util.h", "int three;\n");
	b = ctask_deps_before_build(at("x.deps"), NULL, 0);
	ASSERT_EQ(ctask_deps_write(at("x.deps"), at("x.so"), at("x.c"),
				   at("x.d"), b),
		  0);
	ctask_deps_before_free(b);
	ASSERT_EQ(check(), CTASK_DEPS_CURRENT);
	remove_scratch();
}

TEST(manifest_not_ours)
{
	scratch();
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED); /* none */
	write_manifest();
	ctask_buf m = {0};
	ASSERT_EQ(ctask_read_file(at("x.deps"), &m), 0);
	ctask_buf_printf(&m, "%s", "");		 /* NUL-terminated, for put() */
	m.p[strlen("ctask-plugin-deps ")] = '2'; /* another version */
	put("x.deps", (char *)m.p);
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	m.p[strlen("ctask-plugin-deps ")] = '1';
	put("x.deps", (char *)m.p);
	ASSERT_EQ(check(), CTASK_DEPS_CURRENT);
	ctask_buf_printf(&m, "color blue\n"); /* a line we do not know */
	put("x.deps", (char *)m.p);
	ASSERT_EQ(check(), CTASK_DEPS_CHANGED);
	ctask_buf_free(&m);
	/* No depfile: an error, not a manifest that lists nothing. */
	ASSERT_EQ(unlink("x.d"), 0);
	ctask_deps_before *b = ctask_deps_before_build(NULL, NULL, 0);
	ASSERT(ctask_deps_write(at("y.deps"), at("x.so"), at("x.c"), at("x.d"),
				b) < 0);
	ctask_deps_before_free(b);
	remove_scratch();
}

TEST_MAIN(T(depfile_plain_and_continued), T(depfile_escapes), T(depfile_nul),
	  T(manifest_follows_contents), T(manifest_relative_paths_elsewhere),
	  T(manifest_change_during_build), T(manifest_not_ours))
