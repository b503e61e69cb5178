/* lvsd's HTTP side (libmicrohttpd, its own polling threads): /metrics from
 * the body the daemon publishes once per poll (gzip when the scraper
 * accepts it), /api/v1/snapshot (the `lvstop --once --json` document,
 * rendered on its own thread at most once per publication and only when
 * asked for: snapdoc.h), the status page on / and, with history on,
 * /graph/... and /api/v1/history (graph.h, status_page.h). Optional TLS
 * and basic auth (auth.h). Connections are kept alive between requests;
 * one client address holds at most per_client of them, and a request
 * must send its headers within header_timeout (conn_guard.h). A request
 * never polls the kernel, never waits for the poller and never renders
 * more than a status page or a graph.
 * Listen address rule: a numeric address and a port 0..65535 (0: the
 * kernel picks one; http_port says which).
 * Threads: publish from any thread; start/stop/free from the owner. */
#ifndef LVSTOP_EXPORTER_HTTP_HTTP_H
#define LVSTOP_EXPORTER_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "body.h"
#include "exporter/history/rrd_store.h"
#include "collector/rings.h"
#include "collector/model.h"

typedef struct lvs_http lvs_http; /* opaque */

#define LVSD_DEFAULT_PORT 9587
#define LVSD_DEFAULT_LISTEN "127.0.0.1:9587"

struct lvs_http_opts {
	const char *listen;    /* "ADDR:PORT" or "[V6ADDR]:PORT"; NULL: LVSD_DEFAULT_LISTEN */
	const char *tls_cert;  /* PEM file paths: both set, or neither */
	const char *tls_key;
	const char *auth_file; /* "user:crypt-hash" lines; NULL: no auth */
	unsigned threads;      /* worker threads; 0: 4 */
	unsigned per_client;   /* connections one address may hold; 0: HTTP_PER_CLIENT */
	double header_timeout; /* s a request may take to send its headers; 0: HTTP_HEADER_TIMEOUT */
};

#define HTTP_CONNECTIONS 1000   /* connections at once, all clients */
#define HTTP_PER_CLIENT 32      /* ... from one address */
#define HTTP_HEADER_TIMEOUT 10  /* s for a request's headers */

/* Parse a listen address with share/addr.h: numeric only (a daemon must
 * not depend on DNS to start), "ADDR:PORT" or "[V6ADDR]:PORT", the port
 * required and 0..65535 (0: the kernel picks). 0, or -EINVAL with the
 * reason in err ("bad address: ..." or "bad port: ..."). */
int http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len, char *err,
		      size_t errlen);

/* Read an auth file (auth.h says what it holds). Used by config
 * validation. 0 and *n users (when n is
 * not NULL); -ENOENT/-EACCES... (the file), -EINVAL (err names the line),
 * -ENOMEM. */
int http_check_auth_file(const char *path, size_t *n, char *err, size_t errlen);

/* A server with nothing published yet (it answers 503 until then), not
 * listening. NULL on out of memory. */
lvs_http *http_new(void);
/* Stops and frees; drops what was published. */
void http_free(lvs_http *h);

/* Listen with opts (copied). 0; -EALREADY; -EINVAL (bad address, unreadable
 * TLS/auth file, TLS not built in) or -EADDRINUSE/-errno from binding, err
 * saying which. */
int http_start(lvs_http *h, const struct lvs_http_opts *opts, char *err, size_t errlen);
/* Stop listening (in-flight responses finish first). No-op when stopped. */
void http_stop(lvs_http *h);
/* The bound port (after start; useful with port 0), 0 when stopped. */
unsigned http_port(lvs_http *h);

/* Swap in a new /metrics body and snapshot (references are taken; either
 * may be NULL to keep nothing). stale marks the snapshot's JSON. */
void http_publish(lvs_http *h, struct lvs_body *metrics, struct lvs_snapshot *snap, bool stale);

/* Serve history (graphs, /api/v1/history, graphs on the status page) from
 * st (borrowed; it must outlive the server; NULL: history off). Call
 * before http_start. */
void http_set_history(lvs_http *h, rrd_store *st);

/* Recent samples for the status page's sparklines (borrowed; it must
 * outlive the server; NULL: none). Call before http_start. */
void http_set_recent(lvs_http *h, lvs_rings *recent);

/* Why the last poll failed ("" or NULL: it did not), for the status page
 * (copied). */
void http_set_poll_error(lvs_http *h, const char *msg);

/* Requests answered since http_new, by kind (for tests and the log). */
struct lvs_http_stats {
	unsigned long long metrics, metrics_gzip, snapshot, other, denied;
	unsigned long long limited;          /* 429: over the crypt budget */
	unsigned long long snapshot_renders; /* /api/v1/snapshot documents made */
};
void http_stats(lvs_http *h, struct lvs_http_stats *st);

#endif
