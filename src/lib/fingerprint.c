/*
 * fingerprint.c - code fingerprints: a small C tokenizer, top-level
 * definitions, and the transitive closure of what a function refers to.
 *
 * This is not a C parser, and need not be one: a fingerprint only has to
 * change when the code of a function (or of what it uses) changes, and stay
 * put when only comments or layout change. Tokens give the second; the
 * closure over names gives the first. Where the heuristics are unsure they
 * count too much rather than too little: a needless "stale" costs a rerun,
 * a missed one a wrong result.
 */
#include "fingerprint.h"

#include "arena.h"
#include "error.h"
#include "sys.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Token kinds; the values enter the hashes, so they are fixed. */
enum {
	TK_IDENT = 1,
	TK_NUM = 2,
	TK_STR = 3,
	TK_CHAR = 4,
	TK_PUNCT = 5,
	TK_PP = 6,     /* the '#' that starts a directive line */
	TK_PP_END = 7, /* the end of a directive line (no text) */
};

#define MAX_FILES 256 /* quoted includes followed, at most */

typedef struct {
	const char *p; /* into a spliced copy of the file (arena) */
	uint32_t len;
	uint8_t kind;
	uint8_t glued; /* no whitespace between it and the previous token */
} tok;

/* A top-level definition: a token range [first, end) of s->toks. */
typedef struct {
	uint32_t first, end;
	ctask_hash own; /* the hash of its tokens */
	uint32_t *refs; /* definitions it names (arena) */
	uint32_t nrefs;
} def;

/* One name a definition defines; sorted by name for lookups. */
typedef struct {
	const char *p;
	uint32_t len;
	uint32_t def;
} name_ent;

struct ctask_fp_source {
	ctask_arena *a; /* file texts, paths, refs */
	tok *toks;	/* malloc'd */
	size_t ntoks, captoks;
	def *defs; /* malloc'd */
	size_t ndefs, capdefs;
	name_ent *names; /* malloc'd */
	size_t nnames, capnames;
	const char *files[MAX_FILES]; /* read so far (arena) */
	size_t nfiles;
};

/* ---- tokens ---------------------------------------------------------- */

/* A copy of text[0..n) without line continuations (backslash-newline), as
 * the C translation phase 2 does, NUL-terminated, in the arena. */
static char *splice(ctask_arena *a, const char *text, size_t n, size_t *outn)
{
	char *out = ctask_arena_alloc(a, n + 1);
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '\\' && i + 1 < n && text[i + 1] == '\n') {
			i++;
			continue;
		}
		if (text[i] == '\\' && i + 2 < n && text[i + 1] == '\r' &&
		    text[i + 2] == '\n') {
			i += 2;
			continue;
		}
		out[o++] = text[i];
	}
	out[o] = '\0';
	*outn = o;
	return out;
}

static void push_tok(ctask_fp_source *s, const char *p, size_t len, int kind,
		     int glued)
{
	if (s->ntoks == s->captoks) {
		s->captoks = s->captoks ? 2 * s->captoks : 1024;
		s->toks = ctask_xrealloc(s->toks, s->captoks * sizeof *s->toks);
	}
	s->toks[s->ntoks++] =
		(tok){p, (uint32_t)len, (uint8_t)kind, (uint8_t)glued};
}

static int is_ident_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* The length of the punctuator at p (longest match), at least 1. */
static size_t punct_len(const char *p)
{
	static const char *const three[] = {"...", "<<=", ">>="};
	static const char *const two[] = {"->", "++", "--", "<<", ">>",
					  "<=", ">=", "==", "!=", "&&",
					  "||", "*=", "/=", "%=", "+=",
					  "-=", "&=", "^=", "|=", "##",
					  "<:", ":>", "<%", "%>", "%:"};
	for (size_t i = 0; i < sizeof three / sizeof *three; i++)
		if (strncmp(p, three[i], 3) == 0)
			return 3;
	for (size_t i = 0; i < sizeof two / sizeof *two; i++)
		if (strncmp(p, two[i], 2) == 0)
			return 2;
	return 1;
}

/* The end of the string or character literal opening at p (quote q): past
 * the closing quote, or at the end of the line if it is unterminated. */
static const char *literal_end(const char *p, const char *end, char q)
{
	for (p++; p < end && *p != q && *p != '\n'; p++)
		if (*p == '\\' && p + 1 < end)
			p++;
	return p < end && *p == q ? p + 1 : p;
}

/* Appends the tokens of text (spliced, NUL-terminated) to s->toks. A
 * directive line is bracketed by TK_PP and TK_PP_END; comments and
 * whitespace are dropped (a comment counts as whitespace). */
static void tokenize(ctask_fp_source *s, const char *p, size_t n)
{
	const char *end = p + n;
	int bol = 1, in_pp = 0, glued = 0;
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		const char *q = p;
		if (c == '\n') {
			if (in_pp)
				push_tok(s, p, 0, TK_PP_END, 0);
			in_pp = 0, bol = 1, glued = 0, p++;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' ||
		    c == '\v') {
			glued = 0, p++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '/') {
			while (p < end && *p != '\n')
				p++;
			continue;
		}
		if (c == '/' && p + 1 < end && p[1] == '*') {
			const char *close = strstr(p + 2, "*/");
			p = close ? close + 2 : end;
			glued = 0;
			continue;
		}
		int kind = TK_PUNCT;
		if (c == '#' && bol) {
			kind = TK_PP, in_pp = 1, q = p + 1;
		} else if (is_digit(c) ||
			   (c == '.' && is_digit((unsigned char)p[1]))) {
			/* A preprocessing number: digits, letters, '.', and a
			 * sign after an exponent letter. */
			kind = TK_NUM;
			for (q = p + 1; q < end; q++) {
				if ((*q == '+' || *q == '-') &&
				    strchr("eEpP", q[-1]))
					continue;
				if (!is_ident_char((unsigned char)*q) &&
				    *q != '.')
					break;
			}
		} else if (is_ident_char(c)) {
			kind = TK_IDENT;
			for (q = p + 1;
			     q < end && is_ident_char((unsigned char)*q);)
				q++;
		} else if (c == '"' || c == '\'') {
			kind = c == '"' ? TK_STR : TK_CHAR;
			q = literal_end(p, end, (char)c);
		} else {
			q = p + punct_len(p);
		}
		push_tok(s, p, (size_t)(q - p), kind, glued);
		p = q, bol = 0, glued = 1;
	}
	if (in_pp)
		push_tok(s, end, 0, TK_PP_END, 0);
}

/* ---- definitions ----------------------------------------------------- */

static int tok_is(const tok *t, int kind, const char *text)
{
	size_t n = strlen(text);
	return t->kind == kind && t->len == n && memcmp(t->p, text, n) == 0;
}

static int punct_is(const tok *t, char c)
{
	return t->kind == TK_PUNCT && t->len == 1 && t->p[0] == c;
}

/* Words that are never the name a declaration defines. */
static int is_keyword(const tok *t)
{
	static const char *const kw[] = {"auto",
					 "break",
					 "case",
					 "char",
					 "const",
					 "continue",
					 "default",
					 "do",
					 "double",
					 "else",
					 "enum",
					 "extern",
					 "float",
					 "for",
					 "goto",
					 "if",
					 "inline",
					 "int",
					 "long",
					 "register",
					 "restrict",
					 "return",
					 "short",
					 "signed",
					 "sizeof",
					 "static",
					 "struct",
					 "switch",
					 "typedef",
					 "union",
					 "unsigned",
					 "void",
					 "volatile",
					 "while",
					 "_Alignas",
					 "_Alignof",
					 "_Atomic",
					 "_Bool",
					 "_Complex",
					 "_Generic",
					 "_Imaginary",
					 "_Noreturn",
					 "_Static_assert",
					 "_Thread_local",
					 "__attribute__",
					 "__attribute",
					 "__asm__",
					 "__asm",
					 "asm",
					 "__extension__",
					 "__inline",
					 "__inline__",
					 "__restrict",
					 "__restrict__",
					 "__typeof__",
					 "__typeof",
					 "typeof",
					 "__thread",
					 "__volatile__",
					 "__const",
					 "static_assert",
					 "alignas",
					 "alignof",
					 "bool",
					 "thread_local"};
	for (size_t i = 0; i < sizeof kw / sizeof *kw; i++)
		if (tok_is(t, TK_IDENT, kw[i]))
			return 1;
	return 0;
}

/* The index just past the TK_PP_END of the directive starting at i. */
static size_t pp_skip(const ctask_fp_source *s, size_t i, size_t hi)
{
	while (i < hi && s->toks[i].kind != TK_PP_END)
		i++;
	return i < hi ? i + 1 : hi;
}

/* Adds a definition of tokens [first, end); returns its index. */
static uint32_t add_def(ctask_fp_source *s, size_t first, size_t end)
{
	if (s->ndefs == s->capdefs) {
		s->capdefs = s->capdefs ? 2 * s->capdefs : 64;
		s->defs = ctask_xrealloc(s->defs, s->capdefs * sizeof *s->defs);
	}
	s->defs[s->ndefs] =
		(def){.first = (uint32_t)first, .end = (uint32_t)end};
	return (uint32_t)s->ndefs++;
}

static void add_name(ctask_fp_source *s, const tok *t, uint32_t d)
{
	if (s->nnames == s->capnames) {
		s->capnames = s->capnames ? 2 * s->capnames : 64;
		s->names = ctask_xrealloc(s->names,
					  s->capnames * sizeof *s->names);
	}
	s->names[s->nnames++] = (name_ent){t->p, t->len, d};
}

/* Index of the token after the '}' matching the '{' at i (directive lines
 * inside are skipped: a brace in a #define is not a block). */
static size_t match_brace(const ctask_fp_source *s, size_t i, size_t hi)
{
	int depth = 0;
	for (; i < hi; i++) {
		const tok *t = &s->toks[i];
		if (t->kind == TK_PP) {
			i = pp_skip(s, i, hi) - 1;
			continue;
		}
		if (punct_is(t, '{'))
			depth++;
		else if (punct_is(t, '}') && --depth == 0)
			return i + 1;
	}
	return hi;
}

/* Whether the declaration identifier at k (in [i, end), depths paren and
 * brace) is a name it defines: followed by = , ; [ or ( at depth 0 outside
 * an initializer, the name in "(*name)", or an enum constant. */
static int declares(const ctask_fp_source *s, size_t i, size_t k, size_t end,
		    int paren, int brace, int in_init, int enum_body)
{
	const tok *t = &s->toks[k], *prev = k > i ? t - 1 : NULL;
	const tok *next = k + 1 < end ? t + 1 : NULL;
	if (t->kind != TK_IDENT || is_keyword(t) || !next)
		return 0;
	if (brace == 0 && paren == 0)
		return !in_init && next->kind == TK_PUNCT && next->len == 1 &&
		       strchr("=,;[(", next->p[0]);
	if (brace == 0 && paren == 1)
		return prev && punct_is(prev, '*') && k - 1 > i &&
		       punct_is(prev - 1, '(') &&
		       (punct_is(next, ')') || punct_is(next, '['));
	return brace == 1 && paren == 0 && enum_body && prev &&
	       (punct_is(prev, '{') || punct_is(prev, ','));
}

/* Registers the names the declaration [i, end) defines (see declares, and a
 * struct/union/enum tag that has a body). A declaration that defines
 * nothing is dropped: nothing can refer to it. */
static void add_declaration(ctask_fp_source *s, size_t i, size_t end)
{
	int paren = 0, brace = 0, in_init = 0, enum_body = 0;
	uint32_t d = UINT32_MAX;
	for (size_t k = i; k < end; k++) {
		const tok *t = &s->toks[k], *name = NULL;
		if (t->kind == TK_PP) {
			k = pp_skip(s, k, end) - 1;
			continue;
		}
		if (declares(s, i, k, end, paren, brace, in_init, enum_body))
			name = t;
		if (punct_is(t, '(')) {
			paren++;
		} else if (punct_is(t, ')')) {
			paren--;
		} else if (punct_is(t, '{') && ++brace == 1 && paren == 0 &&
			   k > i) {
			const tok *p1 = t - 1, *p2 = k - 1 > i ? t - 2 : NULL;
			int tagged = p2 && p1->kind == TK_IDENT &&
				     (tok_is(p2, TK_IDENT, "struct") ||
				      tok_is(p2, TK_IDENT, "union") ||
				      tok_is(p2, TK_IDENT, "enum"));
			enum_body = tok_is(p1, TK_IDENT, "enum") ||
				    (tagged && tok_is(p2, TK_IDENT, "enum"));
			if (tagged)
				name = p1;
		} else if (punct_is(t, '}') && --brace == 0) {
			enum_body = 0;
		} else if (brace == 0 && paren == 0 && punct_is(t, '=')) {
			in_init = 1;
		} else if (brace == 0 && paren == 0 && punct_is(t, ',')) {
			in_init = 0;
		}
		if (!name)
			continue;
		if (d == UINT32_MAX)
			d = add_def(s, i, end);
		add_name(s, name, d);
	}
}

/* Parses the declaration or function definition starting at i; returns
 * the index after it. A '{' right after a top-level parenthesised group
 * (and no '=' before it) opens a function body; any other '{' is a struct,
 * enum or initializer body, and the declaration ends at ';'. */
static size_t declaration(ctask_fp_source *s, size_t i, size_t hi)
{
	int paren = 0, brace = 0, eq = 0;
	size_t open = 0, grp_open = SIZE_MAX, grp_close = SIZE_MAX;
	for (size_t k = i; k < hi; k++) {
		const tok *t = &s->toks[k];
		if (t->kind == TK_PP) {
			k = pp_skip(s, k, hi) - 1;
			continue;
		}
		if (t->kind != TK_PUNCT)
			continue;
		if (punct_is(t, '(')) {
			if (paren++ == 0 && brace == 0)
				open = k;
		} else if (punct_is(t, ')')) {
			if (paren > 0 && --paren == 0 && brace == 0)
				grp_open = open, grp_close = k;
		} else if (punct_is(t, '=') && paren == 0 && brace == 0) {
			eq = 1;
		} else if (punct_is(t, '{')) {
			if (brace == 0 && paren == 0 && !eq &&
			    grp_close != SIZE_MAX && grp_close == k - 1) {
				size_t end = match_brace(s, k, hi);
				if (grp_open > i &&
				    s->toks[grp_open - 1].kind == TK_IDENT)
					add_name(s, &s->toks[grp_open - 1],
						 add_def(s, i, end));
				return end;
			}
			brace++;
		} else if (punct_is(t, '}')) {
			if (brace == 0) { /* a stray '}': end here */
				add_declaration(s, i, k);
				return k;
			}
			brace--;
		} else if (punct_is(t, ';') && brace == 0 && paren == 0) {
			add_declaration(s, i, k + 1);
			return k + 1;
		}
	}
	add_declaration(s, i, hi);
	return hi;
}

/* "dir-of-base/name" with "." and ".." resolved lexically (arena). */
static const char *join_path(ctask_arena *a, const char *base, const char *name,
			     size_t nlen)
{
	ctask_buf in = {0};
	const char *slash = strrchr(base, '/');
	if (nlen && name[0] != '/' && slash)
		ctask_buf_append(&in, base, (size_t)(slash - base) + 1);
	ctask_buf_append(&in, name, nlen);
	ctask_buf_byte(&in, 0);
	char *src = (char *)in.p, *out = ctask_arena_alloc(a, in.len + 1);
	size_t o = 0, keep = 0; /* keep: bytes ".." cannot remove */
	if (src[0] == '/')
		out[o++] = '/', keep = 1;
	for (char *seg = strtok(src, "/"); seg; seg = strtok(NULL, "/")) {
		if (strcmp(seg, ".") == 0)
			continue;
		if (strcmp(seg, "..") == 0 && o > keep) {
			while (o > keep && out[o - 1] != '/')
				o--;
			if (o > keep)
				o--; /* the '/' before the dropped segment */
			continue;
		}
		if (strcmp(seg, "..") == 0 && keep == 1)
			continue; /* "/.." is "/" */
		if (o > 0 && out[o - 1] != '/')
			out[o++] = '/';
		size_t n = strlen(seg);
		memcpy(out + o, seg, n);
		o += n;
		if (strcmp(seg, "..") == 0)
			keep = o; /* leading ".." of a relative path stays */
	}
	out[o] = '\0';
	ctask_buf_free(&in);
	return out;
}

/* Handles the directive at i: a #define defines its name; a quoted
 * #include queues the file. Returns the index after the directive. */
static size_t directive(ctask_fp_source *s, size_t i, size_t hi,
			const char *path, const char **queue, size_t *nq)
{
	size_t end = pp_skip(s, i, hi);
	const tok *t = &s->toks[i];
	if (end - i >= 4 && tok_is(t + 1, TK_IDENT, "define") &&
	    t[2].kind == TK_IDENT)
		add_name(s, &t[2], add_def(s, i, end));
	else if (end - i >= 4 && tok_is(t + 1, TK_IDENT, "include") &&
		 t[2].kind == TK_STR && t[2].len >= 2 && *nq < MAX_FILES)
		queue[(*nq)++] =
			join_path(s->a, path, t[2].p + 1, t[2].len - 2);
	return end;
}

/* Tokenizes one file and registers its top-level definitions. */
static void parse_file(ctask_fp_source *s, const char *path, const char *text,
		       size_t n, const char **queue, size_t *nq)
{
	size_t sn, lo = s->ntoks;
	const char *sp = splice(s->a, text, n, &sn);
	tokenize(s, sp, sn);
	size_t hi = s->ntoks, i = lo;
	while (i < hi) {
		const tok *t = &s->toks[i];
		if (t->kind == TK_PP) {
			i = directive(s, i, hi, path, queue, nq);
		} else if (punct_is(t, ';') || punct_is(t, '}')) {
			i++; /* an empty declaration, or the '}' of extern "C"
			      */
		} else if (tok_is(t, TK_IDENT, "extern") && i + 2 < hi &&
			   t[1].kind == TK_STR && punct_is(&t[2], '{')) {
			i += 3; /* extern "C" { is transparent */
		} else {
			i = declaration(s, i, hi);
		}
	}
}

/* ---- hashes and references ------------------------------------------- */

/* A definition's own hash: its tokens' kinds and texts. For a #define, also
 * whether a '(' is glued to the name (a function-like macro). */
static void own_hash(const ctask_fp_source *s, def *d, ctask_buf *b)
{
	b->len = 0;
	for (uint32_t k = d->first; k < d->end; k++) {
		const tok *t = &s->toks[k];
		ctask_buf_byte(b, t->kind);
		ctask_buf_uvarint(b, t->len);
		ctask_buf_append(b, t->p, t->len);
	}
	const tok *t = &s->toks[d->first];
	if (t->kind == TK_PP && d->end - d->first > 3 && punct_is(&t[3], '('))
		ctask_buf_byte(b, t[3].glued ? 'F' : 'O');
	ctask_hash_bytes(b->p, b->len, &d->own);
}

static int name_cmp(const char *p, size_t n, const name_ent *e)
{
	size_t m = n < e->len ? n : e->len;
	int c = memcmp(p, e->p, m);
	return c ? c : (n > e->len) - (n < e->len);
}

static int name_sort(const void *a, const void *b)
{
	const name_ent *x = a, *y = b;
	int c = name_cmp(x->p, x->len, y);
	return c ? c : (x->def > y->def) - (x->def < y->def);
}

/* The first name entry for name (p, n), or s->nnames if there is none. */
static size_t name_find(const ctask_fp_source *s, const char *p, size_t n)
{
	size_t lo = 0, hi = s->nnames;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (name_cmp(p, n, &s->names[mid]) > 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->nnames && name_cmp(p, n, &s->names[lo]) == 0 ? lo
								    : s->nnames;
}

/* Computes every definition's own hash and the definitions it names. */
static void link_defs(ctask_fp_source *s)
{
	if (s->nnames) /* qsort's base must not be NULL */
		qsort(s->names, s->nnames, sizeof *s->names, name_sort);
	uint32_t *seen = ctask_xcalloc(s->ndefs + 1, sizeof *seen);
	uint32_t *tmp = ctask_xmalloc((s->ndefs + 1) * sizeof *tmp);
	ctask_buf b = {0};
	for (size_t di = 0; di < s->ndefs; di++) {
		def *d = &s->defs[di];
		uint32_t n = 0;
		own_hash(s, d, &b);
		seen[di] = (uint32_t)di + 1; /* not itself */
		for (uint32_t k = d->first; k < d->end; k++) {
			const tok *t = &s->toks[k];
			if (t->kind != TK_IDENT)
				continue;
			for (size_t e = name_find(s, t->p, t->len);
			     e < s->nnames &&
			     name_cmp(t->p, t->len, &s->names[e]) == 0;
			     e++) {
				uint32_t r = s->names[e].def;
				if (seen[r] != di + 1)
					seen[r] = (uint32_t)di + 1,
					tmp[n++] = r;
			}
		}
		d->refs = ctask_arena_alloc(s->a, (n + 1) * sizeof *d->refs);
		memcpy(d->refs, tmp, n * sizeof *tmp);
		d->nrefs = n;
	}
	ctask_buf_free(&b);
	free(seen);
	free(tmp);
}

/* ---- the public functions ---------------------------------------------- */

int ctask_fp_parse(const char *path, ctask_fp_read_fn rd, void *ud,
		   ctask_fp_source **out)
{
	ctask_fp_source *s = ctask_xcalloc(1, sizeof *s);
	const char *queue[MAX_FILES];
	size_t nq = 0, qi = 0;
	ctask_buf text = {0};
	int rc = 0;

	s->a = ctask_arena_new();
	queue[nq++] = ctask_arena_strdup(s->a, path);
	for (; qi < nq; qi++) {
		size_t f = 0;
		while (f < s->nfiles && strcmp(s->files[f], queue[qi]) != 0)
			f++;
		if (f < s->nfiles)
			continue; /* read already (include guards) */
		text.len = 0;
		rc = rd(ud, queue[qi], &text);
		if (rc < 0 && qi == 0)
			goto done;
		if (rc < 0) {
			rc = 0;
			continue; /* a quoted include we cannot see */
		}
		s->files[s->nfiles++] = queue[qi];
		parse_file(s, queue[qi], (const char *)text.p, text.len, queue,
			   &nq);
	}
	link_defs(s);
done:
	ctask_buf_free(&text);
	if (rc < 0) {
		ctask_fp_free(s);
		s = NULL;
	}
	*out = s;
	return rc;
}

/* Reads a file on disk, for ctask_fp_parse_file. */
static int read_disk(void *ud, const char *path, ctask_buf *out)
{
	(void)ud;
	int e = ctask_read_file(path, out);
	if (e == 0)
		return 0;
	return ctask_error_set(e == -ENOENT ? CTASK_ENOTFOUND : CTASK_EIO,
			       "%s: %s", path, strerror(-e));
}

int ctask_fp_parse_file(const char *path, ctask_fp_source **out)
{
	return ctask_fp_parse(path, read_disk, NULL, out);
}

void ctask_fp_free(ctask_fp_source *s)
{
	if (!s)
		return;
	ctask_arena_free(s->a);
	free(s->toks);
	free(s->defs);
	free(s->names);
	free(s);
}

static int hash_sort(const void *a, const void *b)
{
	return ctask_hash_cmp(a, b);
}

/* The closure of the definitions of name (depth-first, each definition
 * once, so cycles end), then XXH3-128 over "ctask-fp" 1, the count and the
 * sorted own hashes. */
bool ctask_fp_of(const ctask_fp_source *s, const char *name, ctask_hash *out)
{
	size_t e = name_find(s, name, strlen(name));
	if (e == s->nnames)
		return false;
	uint8_t *seen = ctask_xcalloc(s->ndefs + 1, 1);
	uint32_t *stack = ctask_xmalloc((s->ndefs + 1) * sizeof *stack);
	ctask_hash *hs = ctask_xmalloc((s->ndefs + 1) * sizeof *hs);
	size_t sp = 0, nh = 0;
	for (; e < s->nnames && name_cmp(name, strlen(name), &s->names[e]) == 0;
	     e++)
		if (!seen[s->names[e].def])
			seen[s->names[e].def] = 1,
			stack[sp++] = s->names[e].def;
	while (sp > 0) {
		const def *d = &s->defs[stack[--sp]];
		hs[nh++] = d->own;
		for (uint32_t r = 0; r < d->nrefs; r++)
			if (!seen[d->refs[r]])
				seen[d->refs[r]] = 1, stack[sp++] = d->refs[r];
	}
	qsort(hs, nh, sizeof *hs, hash_sort);
	ctask_buf b = {0};
	ctask_buf_append(&b, "ctask-fp\x01", 9);
	ctask_buf_uvarint(&b, nh);
	ctask_buf_append(&b, hs, nh * sizeof *hs);
	ctask_hash_bytes(b.p, b.len, out);
	ctask_buf_free(&b);
	free(seen);
	free(stack);
	free(hs);
	return true;
}

/* The fingerprint of a task name: a function's, or for the chunk tasks of
 * ctask_map and friends ("map:FN", "reduce:R", "mapreduce:R:M"), a hash of
 * the fingerprints of the functions after the first ':' (all known). */
static bool name_fp(const ctask_fp_source *s, const char *name, ctask_hash *out)
{
	const char *p = strchr(name, ':');
	if (!p)
		return ctask_fp_of(s, name, out);
	ctask_buf b = {0};
	bool ok = true;
	ctask_buf_append(&b, "ctask-fp-parts\x01", 15);
	while (ok && p) {
		const char *part = p + 1;
		p = strchr(part, ':');
		char *fn = p ? strndup(part, (size_t)(p - part)) : strdup(part);
		ctask_hash h;
		ok = fn && ctask_fp_of(s, fn, &h);
		if (ok)
			ctask_buf_append(&b, h.b, sizeof h.b);
		free(fn);
	}
	if (ok)
		ctask_hash_bytes(b.p, b.len, out);
	ctask_buf_free(&b);
	return ok;
}

void ctask_fp_graph(ctask_graph *g, const char *path)
{
	ctask_fp_source *s = NULL;
	if (path && ctask_fp_parse_file(path, &s) < 0)
		s = NULL; /* unreadable: every fingerprint is unknown */
	for (size_t i = 0; i < ctask_graph_nnames(g); i++) {
		ctask_hash h;
		bool known = s && name_fp(s, ctask_graph_name(g, i), &h);
		ctask_graph_set_fingerprint(g, i, known ? &h : NULL);
	}
	ctask_fp_free(s);
}
