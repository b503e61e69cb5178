#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK 16384

int file_read_fd(int fd, size_t max, struct lvs_buf *out)
{
	int r;
	buf_reset(out);
	for (;;) {
		if ((r = buf_reserve(out, CHUNK)))
			goto err;
		ssize_t got = read(fd, out->p + out->len, out->cap - out->len - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			goto err;
		}
		if (got == 0)
			break;
		out->len += (size_t)got;
		out->p[out->len] = 0;
		if (max && out->len > max) {
			r = -EFBIG;
			goto err;
		}
	}
	return 0;
err:
	buf_free(out);
	return r;
}

int file_read(const char *path, size_t max, struct lvs_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int r = -errno;
		buf_free(out);
		return r;
	}
	int r = file_read_fd(fd, max, out);
	close(fd);
	return r;
}

int file_read_stream(FILE *f, size_t max, struct lvs_buf *out)
{
	int r;
	buf_reset(out);
	for (;;) {
		if ((r = buf_reserve(out, CHUNK)))
			goto err;
		size_t got = fread(out->p + out->len, 1, out->cap - out->len - 1, f);
		out->len += got;
		out->p[out->len] = 0;
		if (max && out->len > max) {
			r = -EFBIG;
			goto err;
		}
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		r = -EIO;
		goto err;
	}
	return 0;
err:
	buf_free(out);
	return r;
}

long file_proc_status_kib(int pid, const char *key)
{
	char path[64], line[256];
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/status", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/status");
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t kl = strlen(key);
	long v = -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, kl) && line[kl] == ':') {
			v = strtol(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}
