#include "loopback_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include "share/file.h"

static void *serve(void *arg)
{
	struct lb_server *s = arg;
	for (;;) {
		int c = accept(s->fd, NULL, NULL);
		if (c < 0)
			return NULL;
		__atomic_add_fetch(&s->accepts, 1, __ATOMIC_SEQ_CST);
		char req[2048];
		size_t n = 0;
		for (;;) {
			ssize_t k = read(c, req + n, sizeof(req) - 1 - n);
			if (k <= 0)
				break;
			n += (size_t)k;
			req[n] = 0;
			char *end = strstr(req, "\r\n\r\n");
			if (!end) {
				if (n + 1 == sizeof(req))
					break;
				continue;
			}
			__atomic_add_fetch(&s->requests, 1, __ATOMIC_SEQ_CST);
			/* The client may hang up mid-answer: no SIGPIPE. */
			if (send(c, s->reply, s->reply_len, MSG_NOSIGNAL) < 0)
				break;
			size_t used = (size_t)(end + 4 - req);
			memmove(req, req + used, n - used);
			n -= used;
		}
		close(c);
	}
}

int lb_start(struct lb_server *s, const char *reply, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->reply = reply;
	s->reply_len = len;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 4) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al))
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, serve, s) ? -1 : 0;
}

void lb_stop(struct lb_server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->fd);
}

char *lb_gzip_answer(const char *prefix, char fill, size_t n, const char *suffix, size_t *len)
{
	size_t cap = (1 << 20) + n / 500;
	char *out = malloc(cap);
	if (!out)
		return NULL;
	int hl = snprintf(out, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
			  "Content-Encoding: gzip\r\nContent-Length: %10d\r\n\r\n", 0);
	z_stream z;
	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_out = (Bytef *)out + hl;
	z.avail_out = (uInt)(cap - (size_t)hl);
	static char chunk[1 << 16];
	memset(chunk, fill, sizeof(chunk));
	z.next_in = (Bytef *)prefix;
	z.avail_in = (uInt)strlen(prefix);
	int zr = deflate(&z, Z_NO_FLUSH);
	for (size_t done = 0; zr == Z_OK && done < n; done += sizeof(chunk)) {
		z.next_in = (Bytef *)chunk;
		z.avail_in = (uInt)(n - done < sizeof(chunk) ? n - done : sizeof(chunk));
		zr = deflate(&z, Z_NO_FLUSH);
	}
	z.next_in = (Bytef *)suffix;
	z.avail_in = (uInt)strlen(suffix);
	if (zr != Z_OK || deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	size_t body = z.total_out;
	deflateEnd(&z);
	char num[16];
	snprintf(num, sizeof(num), "%10zu", body); /* over the placeholder, same width */
	memcpy(strstr(out, "Content-Length: ") + 16, num, 10);
	*len = (size_t)hl + body;
	return out;
}

size_t lb_peak_rss(bool reset)
{
	if (reset) {
		FILE *f = fopen("/proc/self/clear_refs", "w");
		if (f) {
			fputs("5", f);
			fclose(f);
		}
	}
	long kb = file_proc_status_kib(0, "VmHWM");
	return kb > 0 ? (size_t)kb << 10 : 0;
}
