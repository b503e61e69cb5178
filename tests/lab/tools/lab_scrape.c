/* lab-scrape: times HTTP GETs the way a scraper makes them, without the
 * cost of starting a client process for each (which, under the lab's
 * emulated CPU, is larger than a scrape of a small body and would hide the
 * server's own time). Each request is a new TCP connection to 127.0.0.1,
 * HTTP/1.0 (so the body comes unchunked, whatever its length) read to the
 * end; the time is from connect() to the last byte, on CLOCK_MONOTONIC.
 *   usage: lab-scrape PORT PATH RUNS [gzip] [-o FILE]
 * Prints one line per request: "SECONDS BYTES" (bytes of body received).
 * -o FILE: the last response's body, as received (gzip stays compressed).
 * Exit 1 when a request fails or does not answer 200, naming what. Lab
 * use only. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "share/clock.h"

#define HEAD_MAX 16384

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One GET: 0 and the body's size, or -1 with a message on stderr. The body
 * goes to out when not NULL. */
static int get(unsigned port, const char *path, int gzip, FILE *out, double *secs, size_t *body)
{
	char req[1024];
	int n = snprintf(req, sizeof(req),
			 "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%u\r\nUser-Agent: lab-scrape\r\n"
			 "Accept: */*\r\n%sConnection: close\r\n\r\n",
			 path, port, gzip ? "Accept-Encoding: gzip\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		fprintf(stderr, "lab-scrape: path too long\n");
		return -1;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	double t0 = clock_mono_s();
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "lab-scrape: connect 127.0.0.1:%u: %s\n", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (write_all(fd, req, (size_t)n) < 0) {
		fprintf(stderr, "lab-scrape: send: %s\n", strerror(errno));
		close(fd);
		return -1;
	}
	static char buf[1 << 16];
	char head[HEAD_MAX + 1];
	size_t hlen = 0, got = 0;
	int in_body = 0;
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "lab-scrape: read: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		size_t off = 0;
		if (!in_body) {
			size_t take = (size_t)r;
			if (take > HEAD_MAX - hlen)
				take = HEAD_MAX - hlen;
			memcpy(head + hlen, buf, take);
			head[hlen + take] = 0;
			char *end = strstr(head, "\r\n\r\n");
			if (!end) {
				hlen += take;
				if (hlen >= HEAD_MAX) {
					fprintf(stderr, "lab-scrape: header over %d bytes\n", HEAD_MAX);
					close(fd);
					return -1;
				}
				continue;
			}
			size_t hdr = (size_t)(end - head) + 4;
			off = hdr - hlen;
			hlen = hdr;
			in_body = 1;
			/* HTTP/1.x 200: the status is the second word */
			const char *sp = strchr(head, ' ');
			if (!sp || strncmp(sp + 1, "200", 3) != 0) {
				char *eol = strstr(head, "\r\n");
				if (eol)
					*eol = 0;
				fprintf(stderr, "lab-scrape: %s answered: %.200s\n", path, head);
				close(fd);
				return -1;
			}
		}
		got += (size_t)r - off;
		if (out && fwrite(buf + off, 1, (size_t)r - off, out) != (size_t)r - off) {
			fprintf(stderr, "lab-scrape: write: %s\n", strerror(errno));
			close(fd);
			return -1;
		}
	}
	*secs = clock_mono_s() - t0;
	close(fd);
	if (!in_body) {
		fprintf(stderr, "lab-scrape: %s: the connection closed before a whole header\n", path);
		return -1;
	}
	*body = got;
	return 0;
}

int main(int argc, char **argv)
{
	const char *ofile = NULL;
	int gzip = 0, pos = 0;
	char *args[3];
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			ofile = argv[++i];
		else if (!strcmp(argv[i], "gzip"))
			gzip = 1;
		else if (pos < 3)
			args[pos++] = argv[i];
		else
			pos = 4;
	}
	if (pos != 3) {
		fprintf(stderr, "usage: lab-scrape PORT PATH RUNS [gzip] [-o FILE]\n");
		return 2;
	}
	char *e;
	unsigned long port = strtoul(args[0], &e, 10);
	long runs = strtol(args[2], NULL, 10);
	if (*e || port == 0 || port > 65535 || runs < 1 || args[1][0] != '/') {
		fprintf(stderr, "lab-scrape: PORT 1-65535, PATH from /, RUNS at least 1\n");
		return 2;
	}
	for (long i = 0; i < runs; i++) {
		FILE *out = NULL;
		if (ofile && i == runs - 1 && !(out = fopen(ofile, "w"))) {
			fprintf(stderr, "lab-scrape: %s: %s\n", ofile, strerror(errno));
			return 1;
		}
		double secs;
		size_t body;
		int r = get((unsigned)port, args[1], gzip, out, &secs, &body);
		if (out && fclose(out) != 0)
			r = -1;
		if (r < 0)
			return 1;
		printf("%.6f %zu\n", secs, body);
		fflush(stdout);
	}
	return 0;
}
