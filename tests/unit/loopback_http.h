/* Test helpers: a loopback HTTP server that answers every request of
 * every connection with the same bytes (keep-alive, one connection at a
 * time, counting connections and requests), a gzip answer built from a
 * small recipe, and the process's peak resident memory. */
#ifndef LVSTOP_TESTS_UNIT_LOOPBACK_HTTP_H
#define LVSTOP_TESTS_UNIT_LOOPBACK_HTTP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct lb_server {
	int fd, port;
	const char *reply; /* borrowed */
	size_t reply_len;
	int accepts, requests; /* read atomically */
	pthread_t th;
};

/* Listen on 127.0.0.1 (a free port) and serve reply. 0 or -1. */
int lb_start(struct lb_server *s, const char *reply, size_t len);
/* After the clients closed their connections. */
void lb_stop(struct lb_server *s);

/* A 200 answer whose gzip body inflates to prefix, n bytes of fill, then
 * suffix (n may be far larger than the answer: nothing that size is
 * allocated); *len its length. NULL on failure. Free with free(). */
char *lb_gzip_answer(const char *prefix, char fill, size_t n, const char *suffix, size_t *len);

/* Peak resident memory (VmHWM) in bytes, after resetting the peak to the
 * current size when reset. 0 when /proc does not say. */
size_t lb_peak_rss(bool reset);

#endif
