/* An HTTP(S) GET client over libcurl for lvsd's API: one easy handle kept
 * across requests, so that each poll reuses the connection (and with
 * https the TLS session) of the one before instead of opening a new one.
 * The body is handed to a sink as it arrives and never held here. A
 * transfer blocks for at most the transfer timeout: run it on a poller or
 * helper thread, never on the console's.
 * Threads: a client is used by one thread at a time (it may move between
 * threads); different clients run in parallel. */
#ifndef LVSTOP_COLLECTOR_HTTP_GET_H
#define LVSTOP_COLLECTOR_HTTP_GET_H

#include <stdbool.h>
#include <stddef.h>

struct lvs_remote_opts {
	double connect_timeout; /* seconds to establish the connection */
	double timeout;         /* seconds for the whole transfer */
	size_t max_bytes;       /* a larger body (counted decoded, after gzip)
				 * is refused (-EFBIG) */
};

/* 2 s to connect (a director on the local network answers in
 * milliseconds), 10 s in all (a 100,000-real-server document is ~80 MB),
 * 512 MiB of decoded body at most (six times that table's document). What
 * a reader holds of a body is its own bound (doc_bound.h, history_doc.h),
 * not this one. */
#define LVS_REMOTE_OPTS_DEFAULT { .connect_timeout = 2.0, .timeout = 10.0, .max_bytes = 512u << 20 }

typedef struct http_get http_get; /* opaque */

/* A client with options o (copied). NULL when out of memory or libcurl
 * cannot be set up; msg says which. */
http_get *http_get_new(const struct lvs_remote_opts *o, char *msg, size_t msglen);
/* Closes the kept connection. NULL is ignored. */
void http_get_free(http_get *g);

/* The body's sink: every chunk of a 200 answer's body, decoded, in order.
 * Returns 0, or a negative errno that aborts the transfer and is returned
 * by http_get_fetch (the sink then writes msg itself). */
typedef int (*http_get_sink)(void *arg, const char *buf, size_t len);

/* GET url. 0 when the whole body arrived; else a negative errno and msg
 * (one sentence naming the URL and the cause; every byte that came from
 * the peer is made printable first, with log_clean):
 *   -ECONNREFUSED  nothing listens there
 *   -ETIMEDOUT     no connection within connect_timeout, or the transfer
 *                  took longer than timeout
 *   -EHOSTUNREACH  the host name does not resolve, or no route
 *   -EPROTO        an answer other than 200 (msg has the status and the
 *                  start of the body, e.g. lvsd's reason for a 400)
 *   -EFBIG         the decoded body exceeds max_bytes
 *   -ENOMEM        out of memory
 *   -EIO           any other transfer error (libcurl's text in msg)
 *   or the sink's error. */
int http_get_fetch(http_get *g, const char *url, http_get_sink sink, void *arg, char *msg,
		   size_t msglen);

/* Connections the last fetch had to open: 0 when it reused the kept one,
 * 1 when it opened one. */
long http_get_connects(const http_get *g);

#endif
