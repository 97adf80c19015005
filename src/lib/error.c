#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[1024];

int ctask_error_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof last_message, fmt, ap);
	va_end(ap);
	return code;
}

const char *ctask_error_last(void)
{
	return last_message;
}

const char *ctask_strerror(int code)
{
	switch (code) {
#define CTASK__ERRCASE(name, value, desc)                                      \
	case value:                                                            \
		return desc;
		CTASK_ERRORS(CTASK__ERRCASE)
#undef CTASK__ERRCASE
	}
	return "unknown error";
}
