/*
 * fuzz_fingerprint.c - the fingerprint tokenizer and parser
 * (fingerprint.h), on any text.
 *
 * The input is up to three files, split at NUL bytes: /f/main.c, then
 * /f/inc.h and /f/sub/x.h, which main.c (or each other) may include with
 * quotes. Parsing must not crash or read outside the texts, and must be
 * deterministic: a second parse gives every name found the same
 * fingerprint.
 */
#include "fuzz.h"

#include "error.h"
#include "fingerprint.h"

#include <ctype.h>

typedef struct {
	const char *path;
	const uint8_t *p;
	size_t n;
} file;

static file files[3] = {
	{.path = "/f/main.c"}, {.path = "/f/inc.h"}, {.path = "/f/sub/x.h"}};

static int rd(void *ud, const char *path, ctask_buf *out)
{
	(void)ud;
	for (size_t i = 0; i < 3; i++)
		if (files[i].p && strcmp(path, files[i].path) == 0) {
			ctask_buf_append(out, files[i].p, files[i].n);
			return 0;
		}
	return CTASK_ENOTFOUND;
}

/* Splits the input at its first two NULs into the files. */
static void split(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	for (size_t i = 0; i < 3; i++) {
		const uint8_t *nul = p ? memchr(p, 0, (size_t)(end - p)) : NULL;
		files[i].p = p;
		files[i].n = p ? (size_t)((nul ? nul : end) - p) : 0;
		p = nul && i < 2 ? nul + 1 : NULL;
	}
}

/* Up to 32 identifiers of main.c, as NUL-terminated copies in names. */
static size_t names_of(char names[32][64])
{
	size_t k = 0;
	const uint8_t *p = files[0].p, *end = p + files[0].n;
	while (p < end && k < 32) {
		if (!isalpha(*p) && *p != '_') {
			p++;
			continue;
		}
		const uint8_t *q = p;
		while (q < end && (isalnum(*q) || *q == '_'))
			q++;
		size_t len = (size_t)(q - p) < 63 ? (size_t)(q - p) : 63;
		memcpy(names[k], p, len);
		names[k++][len] = '\0';
		p = q;
	}
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char names[32][64];
	ctask_fp_source *a = NULL, *b = NULL;
	split(data, size);
	CHECK(ctask_fp_parse("/f/main.c", rd, NULL, &a) == 0);
	CHECK(ctask_fp_parse("/f/main.c", rd, NULL, &b) == 0);
	size_t k = names_of(names);
	for (size_t i = 0; i < k; i++) {
		ctask_hash ha, hb;
		bool fa = ctask_fp_of(a, names[i], &ha);
		CHECK(fa == ctask_fp_of(b, names[i], &hb));
		CHECK(!fa || ctask_hash_cmp(&ha, &hb) == 0);
	}
	ctask_fp_free(a);
	ctask_fp_free(b);
	return 0;
}
