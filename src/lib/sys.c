#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Large transfers go in pieces of at most 1 GiB: some kernels refuse
 * more in one call. */
#define PIECE ((size_t)1 << 30)

int ctask_read_all(int fd, void *p, size_t n)
{
	char *q = p;
	while (n > 0) {
		ssize_t r = read(fd, q, n < PIECE ? n : PIECE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = 0;
			return -1;
		}
		q += r, n -= (size_t)r;
	}
	return 0;
}

int ctask_write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	while (n > 0) {
		ssize_t w = write(fd, q, n < PIECE ? n : PIECE);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		q += w, n -= (size_t)w;
	}
	return 0;
}

double ctask_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double ctask_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

const char *ctask_hostname(void)
{
	static char host[256];
	if (!host[0] && gethostname(host, sizeof host - 1) != 0)
		strcpy(host, "unknown");
	return host;
}

int ctask_read_file(const char *path, ctask_buf *b)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		uint8_t *p = ctask_buf_reserve(b, 65536);
		ssize_t n = read(fd, p, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int err = n < 0 ? -errno : 0;
			close(fd);
			return err;
		}
		b->len += (size_t)n;
	}
}
