#include "plugin.h"

#include "arena.h"
#include "buf.h"
#include "error.h"
#include "graph.h"
#include "hash.h"
#include "plugin_deps.h"
#include "sys.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct ctask_plugin_handle {
	void *dl;		   /* dlopen handle */
	const ctask_plugin *entry; /* inside dl */
	char *so_path;		   /* malloc'd: the file loaded */
	char *deps_path;	   /* malloc'd: its manifest (plugin_deps.h), or
				      NULL for a .so given as the task file */
	char *tmp_dir;		   /* malloc'd: temporary build dir, or NULL */
	char *cache_name;	   /* malloc'd: STEM-KEY, the name in a cache
				      dir without .so or .deps */
	char *source;		   /* malloc'd: the .c file, or NULL */
};

const ctask_plugin *ctask_plugin_entry_of(const ctask_plugin_handle *p)
{
	return p->entry;
}
const char *ctask_plugin_source(const ctask_plugin_handle *p)
{
	return p->source;
}

ctask_hook_fn ctask_plugin_hook(const ctask_plugin_handle *p, const char *name)
{
	const ctask_hook_fn *h = dlsym(p->dl, name);
	return h ? *h : NULL;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* Where ctask.h lives: $CTASK_INCLUDE_DIR, else ../include next to the
 * running command (an installed or in-tree build), else the source tree this
 * ctask was built from. Returns a malloc'd path. */
static char *include_dir(void)
{
	const char *env = getenv("CTASK_INCLUDE_DIR");
	if (env && *env)
		return ctask_xstrdup(env);
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *dir = dirname(exe);
		ctask_buf b = {0};
		ctask_buf_printf(&b, "%s/../include/ctask.h", dir);
		if (access((char *)b.p, R_OK) == 0) {
			b.len -= strlen("/ctask.h");
			b.p[b.len] = '\0';
			return (char *)b.p;
		}
		ctask_buf_free(&b);
	}
	return ctask_xstrdup(CTASK_SOURCE_INCLUDE_DIR);
}

/* Splits flags on whitespace into argv (no shell quoting: documented). The
 * words point into *copy, which the caller frees. */
static void split_words(const char *flags, char **copy, char **argv,
			size_t *argc, size_t max)
{
	*copy = ctask_xstrdup(flags ? flags : "");
	for (char *save = NULL, *w = strtok_r(*copy, " \t\n", &save);
	     w && *argc < max; w = strtok_r(NULL, " \t\n", &save))
		argv[(*argc)++] = w;
}

typedef struct {
	const char *cc, *cflags, *ldflags;
	char *incdir; /* malloc'd */
} build_cfg;

static void cfg_init(build_cfg *c, const ctask_plugin_opts *o)
{
	const char *env_cc = getenv("CC");
	c->cc = o && o->cc ? o->cc : env_cc && *env_cc ? env_cc : "cc";
	c->cflags = o && o->cflags ? o->cflags : getenv("CTASK_CFLAGS");
	c->ldflags = o && o->ldflags ? o->ldflags : getenv("CTASK_LDFLAGS");
	c->incdir = include_dir();
}

/* The flags every task file is compiled with, before the user's (which may
 * undo them: -Wno-error=..., -fvisibility=default). Only the entry point
 * and the hooks (CTASK_EXTERN) are exported, so that a task function named
 * like a library's function (compress) is not replaced by it at load time;
 * the warnings catch real bugs, and the worst of them stop the build. */
static const char *const builtin_flags[] = {
	"-shared",
	"-fPIC",
	"-O2",
	"-g",
	"-fvisibility=hidden",
	"-Wall",
	"-Werror=return-type",
	"-Werror=incompatible-pointer-types",
	"-Werror=implicit-function-declaration",
};
#define NBUILTIN (sizeof builtin_flags / sizeof builtin_flags[0])

/* The cache key: everything that changes the compiled plugin. */
static int plugin_key(const char *src, const build_cfg *c, ctask_hash *out)
{
	ctask_buf b = {0};
	ctask_buf_printf(&b, "ctask-plugin 2\nabi %d\nbuiltin",
			 CTASK_ABI_VERSION);
	for (size_t i = 0; i < NBUILTIN; i++)
		ctask_buf_printf(&b, " %s", builtin_flags[i]);
	ctask_buf_printf(&b, "\ncc %s\ncflags %s\nldflags %s\n", c->cc,
			 c->cflags ? c->cflags : "",
			 c->ldflags ? c->ldflags : "");
	ctask_buf hdr = {0};
	char *h = NULL;
	size_t hl = strlen(c->incdir) + 16;
	h = ctask_xmalloc(hl);
	snprintf(h, hl, "%s/ctask.h", c->incdir);
	(void)ctask_read_file(h, &hdr); /* a missing header fails the compile */
	free(h);
	ctask_buf_uvarint(&b, hdr.len);
	ctask_buf_append(&b, hdr.p, hdr.len);
	ctask_buf_free(&hdr);
	int rc = ctask_read_file(src, &b);
	if (rc == 0)
		ctask_hash_bytes(b.p, b.len, out);
	ctask_buf_free(&b);
	return rc;
}

/* Runs the compiler on abs (the task file's absolute path, so that
 * __FILE__, the recorded source, is absolute), writing the plugin to out and
 * the files it read to depfile; its messages go straight to our stderr. */
static int run_compiler(const char *src, const char *abs, const char *out,
			const char *depfile, const build_cfg *c, bool verbose)
{
	char *argv[256], *cf = NULL, *lf = NULL;
	size_t argc = 0;
	char inc[4096];
	snprintf(inc, sizeof inc, "-I%s", c->incdir);
	argv[argc++] = (char *)c->cc;
	for (size_t i = 0; i < NBUILTIN; i++)
		argv[argc++] = (char *)builtin_flags[i];
	/* The headers it reads (system headers aside), as Ninja asks. */
	argv[argc++] = "-MMD";
	argv[argc++] = "-MF";
	argv[argc++] = (char *)depfile;
	argv[argc++] = inc;
	split_words(c->cflags, &cf, argv, &argc, 120);
	argv[argc++] = "-o";
	argv[argc++] = (char *)out;
	argv[argc++] = (char *)abs;
	split_words(c->ldflags, &lf, argv, &argc, 250);
	argv[argc] = NULL;
	if (verbose) {
		for (size_t i = 0; i < argc; i++)
			fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
		fputc('\n', stderr);
	}
	int rc = 0;
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "ctask: cannot run compiler %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		rc = ctask_error_set(CTASK_EIO, "%s: cannot start %s: %s", src,
				     c->cc, strerror(errno));
	else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		rc = ctask_error_set(CTASK_ETASKFILE,
				     "%s: compilation failed (%s exited with "
				     "status %d)",
				     src, c->cc,
				     WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	free(cf);
	free(lf);
	return rc;
}

/* ---- ELF headers --------------------------------------------------------- */

/* The machine this ctask runs as (EM_NONE: not known here, not checked). */
#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__i386__)
#define HOST_MACHINE EM_386
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__arm__)
#define HOST_MACHINE EM_ARM
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#elif defined(__powerpc64__)
#define HOST_MACHINE EM_PPC64
#elif defined(__powerpc__)
#define HOST_MACHINE EM_PPC
#elif defined(__s390__)
#define HOST_MACHINE EM_S390
#else
#define HOST_MACHINE EM_NONE
#endif

/* A name for an e_machine, as uname -m says it where there is one. */
static const char *machine_name(unsigned em, char buf[32])
{
	static const struct {
		unsigned em;
		const char *name;
	} names[] = {
		{EM_X86_64, "x86_64"},
		{EM_386, "i386"},
		{EM_AARCH64, "aarch64"},
		{EM_ARM, "arm"},
		{EM_RISCV, "riscv"},
		{EM_PPC64, "ppc64"},
		{EM_PPC, "ppc"},
		{EM_S390, "s390x"},
		{EM_MIPS, "mips"},
		{EM_SPARCV9, "sparc64"},
		{EM_IA_64, "ia64"},
		{258 /* EM_LOONGARCH */, "loongarch64"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].em == em)
			return names[i].name;
	snprintf(buf, 32, "ELF machine %u", em);
	return buf;
}

/* Checks that so is an ELF file of this machine's class, byte order and
 * machine, so that the user is told what the file is: for a .so built for
 * another machine, dlopen says "No such file or directory" of a file that
 * is there. A file that cannot be read is left to dlopen to report. */
static int check_elf(const char *so, const char *display)
{
	unsigned char
		h[EI_NIDENT + 4]; /* e_type and e_machine follow e_ident */
	const unsigned char host_class =
		sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32;
	const unsigned char host_data =
		__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? ELFDATA2LSB
							  : ELFDATA2MSB;
	int fd = open(so, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, h, sizeof h);
	close(fd);
	if (n < (ssize_t)sizeof h || memcmp(h, ELFMAG, SELFMAG) != 0)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: not a shared library (not an ELF "
				       "file)",
				       display);
	if (h[EI_CLASS] != ELFCLASS32 && h[EI_CLASS] != ELFCLASS64)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: a corrupt ELF file (class %u)",
				       display, h[EI_CLASS]);
	if (h[EI_DATA] != ELFDATA2LSB && h[EI_DATA] != ELFDATA2MSB)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: a corrupt ELF file (byte order %u)",
				       display, h[EI_DATA]);
	if (h[EI_CLASS] != host_class)
		return ctask_error_set(
			CTASK_ETASKFILE, "%s: a %s ELF file, this ctask is %s",
			display,
			h[EI_CLASS] == ELFCLASS32 ? "32-bit" : "64-bit",
			host_class == ELFCLASS32 ? "32-bit" : "64-bit");
	if (h[EI_DATA] != host_data)
		return ctask_error_set(
			CTASK_ETASKFILE,
			"%s: a %s ELF file, this machine is %s", display,
			h[EI_DATA] == ELFDATA2MSB ? "big-endian"
						  : "little-endian",
			host_data == ELFDATA2MSB ? "big-endian"
						 : "little-endian");
	/* In the file's byte order, which is now ours. */
	uint16_t em;
	memcpy(&em, h + EI_NIDENT + 2, sizeof em);
	char a[32], b[32];
	if (HOST_MACHINE != EM_NONE && em != HOST_MACHINE)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: built for %s, this machine is %s",
				       display, machine_name(em, a),
				       machine_name(HOST_MACHINE, b));
	return 0;
}

/* Checks the ELF header, dlopens so and checks the entry point. */
static int load_so(ctask_plugin_handle *p, const char *display)
{
	int rc = check_elf(p->so_path, display);
	if (rc < 0)
		return rc;
	p->dl = dlopen(p->so_path, RTLD_NOW | RTLD_LOCAL);
	if (!p->dl)
		return ctask_error_set(CTASK_ETASKFILE, "%s: cannot load: %s",
				       display, dlerror());
	const ctask_plugin *e = dlsym(p->dl, "ctask_plugin_entry");
	if (!e)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: no ctask_plugin_entry symbol (does "
				       "the task file use CTASK_GRAPH?)",
				       display);
	if (e->abi_version != CTASK_ABI_VERSION)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: built for ctask ABI version %u; "
				       "this ctask has ABI version %d (rebuild "
				       "it against this ctask.h)",
				       display, e->abi_version,
				       CTASK_ABI_VERSION);
	if (e->struct_size != sizeof(ctask_plugin) || !e->graph)
		return ctask_error_set(CTASK_ETASKFILE,
				       "%s: ctask_plugin_entry is malformed",
				       display);
	p->entry = e;
	return 0;
}

static const char *hex_of(const ctask_hash *h, char hex[CTASK_HASH_HEX])
{
	ctask_hash_hex(h, hex);
	return hex;
}

/* Sets p->so_path and p->deps_path to the plugin in o's cache dir if it is
 * there and current (every file it was built from is as it was); returns
 * whether it is. If not, *old gets the path of the manifest there (malloc'd,
 * the caller frees it; NULL without a cache dir), so that a rebuild notices
 * the files it lists changing while the compiler runs. */
static bool find_cached(ctask_plugin_handle *p, const ctask_plugin_opts *o,
			char **old)
{
	*old = NULL;
	if (!o || !o->cache_dir)
		return false;
	ctask_buf so = {0}, deps = {0};
	ctask_buf_printf(&so, "%s/%s.so", o->cache_dir, p->cache_name);
	ctask_buf_printf(&deps, "%s/%s.deps", o->cache_dir, p->cache_name);
	if (access((char *)so.p, R_OK) == 0 &&
	    ctask_deps_check((char *)deps.p, (char *)so.p, NULL) ==
		    CTASK_DEPS_CURRENT) {
		p->so_path = (char *)so.p;
		p->deps_path = (char *)deps.p;
		return true;
	}
	ctask_buf_free(&so);
	*old = (char *)deps.p;
	return false;
}

/* A path in p's temporary build directory (malloc'd). */
static char *tmp_file(const ctask_plugin_handle *p, const char *ext)
{
	ctask_buf b = {0};
	ctask_buf_printf(&b, "%s/%s%s", p->tmp_dir, p->cache_name, ext);
	return (char *)b.p;
}

/* Compiles src into a new temporary directory, with its manifest; old is
 * the manifest of an earlier build, or NULL. */
static int build(ctask_plugin_handle *p, const char *src, const build_cfg *c,
		 const char *old, bool verbose)
{
	const char *tmpdir = getenv("TMPDIR");
	tmpdir = tmpdir && *tmpdir ? tmpdir : "/tmp";
	/* Named after us, so that what a killed run left is known as such
	 * (sys.h, ctask_proc_tag), and removed here. */
	char tag[CTASK_PROC_TAG_MAX];
	ctask_proc_tag(tag);
	ctask_proc_sweep(tmpdir, "ctask-build-");
	ctask_buf t = {0};
	ctask_buf_printf(&t, "%s/ctask-build-%s-XXXXXX", tmpdir, tag);
	if (!mkdtemp((char *)t.p)) {
		int rc = ctask_error_set(CTASK_EIO, "cannot create %s: %s",
					 (char *)t.p, strerror(errno));
		ctask_buf_free(&t);
		return rc;
	}
	p->tmp_dir = (char *)t.p;
	p->so_path = tmp_file(p, ".so");
	p->deps_path = tmp_file(p, ".deps");
	char *depfile = tmp_file(p, ".d"), *abs = realpath(src, NULL);
	ctask_buf hdr = {0};
	ctask_buf_printf(&hdr, "%s/ctask.h", c->incdir);
	const char *files[] = {abs ? abs : src, (char *)hdr.p};
	ctask_deps_before *before = ctask_deps_before_build(old, files, 2);
	int rc = run_compiler(src, files[0], p->so_path, depfile, c, verbose);
	if (rc == 0)
		rc = ctask_deps_write(p->deps_path, p->so_path, files[0],
				      depfile, before);
	ctask_deps_before_free(before);
	unlink(depfile);
	free(depfile);
	free(abs);
	ctask_buf_free(&hdr);
	return rc;
}

/* Compiles src unless o's cache dir already has it, current; sets
 * p->so_path and p->deps_path. */
static int compile_or_find(ctask_plugin_handle *p, const char *src,
			   const ctask_plugin_opts *o)
{
	build_cfg c;
	cfg_init(&c, o);
	ctask_hash key;
	char *old = NULL;
	int rc = plugin_key(src, &c, &key);
	if (rc < 0) {
		rc = ctask_error_set(CTASK_ENOTFOUND, "%s: cannot read: %s",
				     src, strerror(-rc));
		goto done;
	}
	char hex[CTASK_HASH_HEX], *base = ctask_xstrdup(src);
	char *stem = basename(base);
	stem[strlen(stem) - 2] = '\0'; /* drop ".c" */
	ctask_buf name = {0};
	ctask_buf_printf(&name, "%s-%s", stem, hex_of(&key, hex));
	free(base);
	p->cache_name = (char *)name.p;
	if (!find_cached(p, o, &old))
		rc = build(p, src, &c, old, o && o->verbose);
done:
	free(old);
	free(c.incdir);
	return rc;
}

/* The source of a task file: path itself for a .c, else the __FILE__ the
 * .so recorded, if it is still there (absolute, or relative to the current
 * directory or the .so's directory). Returns a malloc'd path or NULL. */
static char *find_source(const char *path, const char *recorded)
{
	if (ends_with(path, ".c"))
		return realpath(path, NULL);
	if (!recorded || !*recorded)
		return NULL;
	char *found = realpath(recorded, NULL);
	if (found || recorded[0] == '/')
		return found;
	char *dir = ctask_xstrdup(path);
	ctask_buf b = {0};
	ctask_buf_printf(&b, "%s/%s", dirname(dir), recorded);
	found = realpath((char *)b.p, NULL);
	ctask_buf_free(&b);
	free(dir);
	return found;
}

int ctask_plugin_open(const char *path, const ctask_plugin_opts *o,
		      ctask_plugin_handle **out)
{
	*out = NULL;
	struct stat st;
	if (stat(path, &st) != 0)
		return ctask_error_set(CTASK_ENOTFOUND, "%s: %s", path,
				       strerror(errno));
	if (!S_ISREG(st.st_mode))
		return ctask_error_set(CTASK_ENOTFOUND,
				       "%s: not a regular file", path);
	ctask_plugin_handle *p = ctask_xcalloc(1, sizeof *p);
	int rc;
	if (ends_with(path, ".c")) {
		rc = compile_or_find(p, path, o);
	} else if (ends_with(path, ".so")) {
		/* dlopen searches the library path for names without a '/'. */
		ctask_buf b = {0};
		ctask_buf_printf(&b, "%s%s", strchr(path, '/') ? "" : "./",
				 path);
		p->so_path = (char *)b.p;
		rc = 0;
	} else {
		rc = ctask_error_set(CTASK_ETASKFILE,
				     "%s: a task file must end in .c or .so",
				     path);
	}
	if (rc == 0)
		rc = load_so(p, path);
	if (rc == 0)
		p->source = find_source(path, p->entry->source);
	if (rc < 0) {
		ctask_plugin_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

/* Copies from into dir/name through a temporary file and a rename, so a
 * concurrent run never loads a half-written plugin. The temporary name
 * carries our tag (sys.h, ctask_proc_tag): those of dead runs are removed
 * here. */
static int copy_into(const char *from, const char *dir, const char *name)
{
	ctask_buf data = {0}, tmp = {0}, dst = {0};
	int rc = ctask_read_file(from, &data);
	int fd = -1;
	if (rc < 0)
		goto done;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		rc = -errno;
		goto done;
	}
	char tag[CTASK_PROC_TAG_MAX];
	ctask_proc_tag(tag);
	ctask_proc_sweep(dir, ".tmp-");
	ctask_buf_printf(&tmp, "%s/.tmp-%s-%s", dir, tag, name);
	ctask_buf_printf(&dst, "%s/%s", dir, name);
	fd = open((char *)tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0755);
	if (fd < 0 || ctask_write_all(fd, data.p, data.len) != 0 ||
	    fsync(fd) != 0 || rename((char *)tmp.p, (char *)dst.p) != 0) {
		rc = -errno;
		unlink((char *)tmp.p);
	}
done:
	if (fd >= 0)
		close(fd);
	ctask_buf_free(&data);
	ctask_buf_free(&tmp);
	ctask_buf_free(&dst);
	return rc;
}

int ctask_plugin_cache(ctask_plugin_handle *p, const char *cache_dir)
{
	if (!p->tmp_dir)
		return 0;
	ctask_buf so = {0}, deps = {0};
	ctask_buf_printf(&so, "%s.so", p->cache_name);
	ctask_buf_printf(&deps, "%s.deps", p->cache_name);
	/* The manifest first: it names the plugin's hash, so until the new
	 * plugin is in place a reader finds them apart and rebuilds. */
	int rc = copy_into(p->deps_path, cache_dir, (char *)deps.p);
	if (rc == 0)
		rc = copy_into(p->so_path, cache_dir, (char *)so.p);
	ctask_buf_free(&so);
	ctask_buf_free(&deps);
	if (rc < 0)
		return ctask_error_set(CTASK_EIO,
				       "cannot cache plugin in %s: %s",
				       cache_dir, strerror(-rc));
	return 0;
}

void ctask_plugin_abandon(ctask_plugin_handle *p)
{
	if (p && p->tmp_dir) {
		unlink(p->so_path);
		unlink(p->deps_path);
		rmdir(p->tmp_dir);
	}
}

void ctask_plugin_close(ctask_plugin_handle *p)
{
	if (!p)
		return;
	if (p->dl) {
		dlclose(p->dl);
		ctask_versions_clear(); /* they came from this plugin */
	}
	ctask_plugin_abandon(p);
	free(p->so_path);
	free(p->deps_path);
	free(p->tmp_dir);
	free(p->cache_name);
	free(p->source);
	free(p);
}

/* Whether base (a cache name without its extension) is STEM-KEY: stem, a
 * dash and 32 hex digits. */
static bool is_stem_key(const char *base, size_t n, const char *stem)
{
	size_t sl = strlen(stem);
	if (n != sl + 1 + CTASK_HASH_HEX - 1 || strncmp(base, stem, sl) != 0 ||
	    base[sl] != '-')
		return false;
	for (size_t i = sl + 1; i < n; i++)
		if (ctask_hex_digit(base[i]) < 0)
			return false;
	return true;
}

/* Whether the plugin dir/base.so (or, when so is false, the manifest
 * dir/base.deps whose plugin is gone) is source's and would never be
 * loaded again. */
static bool prunable(const char *dir, const char *base, size_t n, bool so,
		     const char *source, const char *stem)
{
	ctask_buf sp = {0}, dp = {0};
	ctask_buf_printf(&sp, "%s/%.*s.so", dir, (int)n, base);
	ctask_buf_printf(&dp, "%s/%.*s.deps", dir, (int)n, base);
	char *src = NULL;
	bool prune = false;
	if (so || access((char *)sp.p, F_OK) != 0) {
		ctask_deps_state st =
			ctask_deps_check((char *)dp.p, (char *)sp.p, &src);
		/* No manifest: cached by a ctask that kept none, never loaded
		 * again; known to be source's only by its name. */
		prune = src ? strcmp(src, source) == 0 &&
					st == CTASK_DEPS_CHANGED
			    : so && is_stem_key(base, n, stem);
	}
	free(src);
	ctask_buf_free(&sp);
	ctask_buf_free(&dp);
	return prune;
}

/* Removes dir/name unless dry_run, adding its size to *bytes. */
static void prune_file(const char *dir, const char *name, bool dry_run,
		       uint64_t *bytes)
{
	ctask_buf path = {0};
	ctask_buf_printf(&path, "%s/%s", dir, name);
	struct stat st;
	if (stat((char *)path.p, &st) == 0 &&
	    (dry_run || unlink((char *)path.p) == 0))
		*bytes += (uint64_t)st.st_size;
	ctask_buf_free(&path);
}

void ctask_plugin_prune(const char *cache_dir, const char *source, bool dry_run,
			size_t *n, uint64_t *bytes)
{
	*n = 0, *bytes = 0;
	if (!dry_run)
		ctask_proc_sweep(cache_dir, ".tmp-");
	DIR *d = opendir(cache_dir);
	char *base = ctask_xstrdup(source), *stem = basename(base);
	if (ends_with(stem, ".c"))
		stem[strlen(stem) - 2] = '\0';
	for (struct dirent *e; d && (e = readdir(d));) {
		const char *name = e->d_name;
		bool so = ends_with(name, ".so");
		size_t len = strlen(name) - (so ? 3 : 5);
		if (name[0] == '.' || (!so && !ends_with(name, ".deps")) ||
		    !prunable(cache_dir, name, len, so, source, stem))
			continue;
		ctask_buf other = {0};
		ctask_buf_printf(&other, "%.*s.deps", (int)len, name);
		prune_file(cache_dir, name, dry_run, bytes);
		if (so) {
			prune_file(cache_dir, (char *)other.p, dry_run, bytes);
			(*n)++;
		}
		ctask_buf_free(&other);
	}
	if (d)
		closedir(d);
	free(base);
}
