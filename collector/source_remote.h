/* Snapshots of another director, read over HTTP from its lvsd
 * (GET BASE/api/v1/snapshot, the document of docs/architecture.md), and
 * the HTTP GET underneath (libcurl), also used for /api/v1/history.
 * A fetch blocks for at most the transfer timeout: it runs on a poller or
 * helper thread, never on the console's.
 * Threads: remote_get and the URL helpers from any thread; a source is
 * polled by one thread at a time, as every source. */
#ifndef LVSTOP_COLLECTOR_SOURCE_REMOTE_H
#define LVSTOP_COLLECTOR_SOURCE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "source.h"

#define REMOTE_URL_MAX 256

struct lvs_remote_opts {
	double connect_timeout; /* seconds to establish the connection */
	double timeout;         /* seconds for the whole transfer */
	size_t max_bytes;       /* a larger body is refused (-EFBIG) */
};

/* 2 s to connect (a director on the local network answers in
 * milliseconds), 10 s in all (a 100,000-real-server document is ~80 MB),
 * 512 MiB at most. */
#define LVS_REMOTE_OPTS_DEFAULT { .connect_timeout = 2.0, .timeout = 10.0, .max_bytes = 512u << 20 }

/* The base URL of an lvsd from what a user typed: "HOST:PORT",
 * "http://HOST:PORT", "https://HOST:PORT/" (trailing slashes dropped; a
 * path prefix is kept, for an lvsd behind a reverse proxy). 0 and out;
 * -EINVAL (err says why: empty, another scheme, no host, a query or
 * fragment, spaces or control characters); -ENAMETOOLONG when it does
 * not fit in len (at most REMOTE_URL_MAX is ever needed). */
int remote_url_base(const char *in, char *out, size_t len, char *err, size_t errlen);

/* The "HOST:PORT" part of a base URL, for headers ("127.0.0.1:9587");
 * the whole URL when it has no "://". Always NUL-terminates out. */
void remote_url_name(const char *base, char *out, size_t len);

/* GET url; every chunk of a 200 answer's body goes to sink (which
 * returns 0 or a negative errno that aborts the transfer and is
 * returned). 0 when the whole body arrived; else a negative errno and msg
 * (one sentence naming the URL and the cause):
 *   -ECONNREFUSED  nothing listens there
 *   -ETIMEDOUT     no connection within connect_timeout, or the transfer
 *                  took longer than timeout
 *   -EHOSTUNREACH  the host name does not resolve, or no route
 *   -EPROTO        an answer other than 200 (msg has the status and the
 *                  start of the body, e.g. lvsd's reason for a 400)
 *   -EFBIG         the body exceeds max_bytes
 *   -ENOMEM        out of memory
 *   -EIO           any other transfer error (libcurl's text in msg)
 *   or the sink's error. */
int remote_get(const char *url, const struct lvs_remote_opts *o,
	       int (*sink)(void *arg, const char *buf, size_t len), void *arg, char *msg,
	       size_t msglen);

/* The director whose lvsd answers at base (a base URL: remote_url_base).
 * Each poll GETs base/api/v1/snapshot and parses it as it arrives
 * (snapjson's streaming parser: the body is never held whole). The
 * snapshot keeps the document's time (lvsd's poll) and no monotonic time,
 * so rates come from the director's own clock, as on replay. Poll errors
 * are remote_get's, and -EINVAL for a document that does not parse (msg
 * names the field). NULL on out of memory (msg says so). */
struct lvs_source *source_remote_new(const char *base, const struct lvs_remote_opts *o, char *msg,
				     size_t msglen);

#endif
