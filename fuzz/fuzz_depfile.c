/*
 * fuzz_depfile.c - the make-style depfile parser (ctask_deps_parse, in
 * plugin_deps.c), on any text: it must not crash or read outside the
 * text, and the count it returns is the number of paths it appended.
 */
#include "fuzz.h"

#include "plugin_deps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A copy, so that ASan sees a read past the text's end. */
	char *text = malloc(size ? size : 1);
	memcpy(text, data, size);
	ctask_buf paths = {0};
	long n = ctask_deps_parse(text, size, &paths);
	CHECK(n >= -1);
	long nuls = 0;
	for (size_t i = 0; i < paths.len; i++)
		nuls += paths.p[i] == '\0';
	CHECK(n < 0 ? nuls == 0 : nuls == n);
	CHECK(paths.len == 0 || paths.p[paths.len - 1] == '\0');
	ctask_buf_free(&paths);
	free(text);
	return 0;
}
