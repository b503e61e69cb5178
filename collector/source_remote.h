/* Snapshots of another director, read over HTTP from its lvsd
 * (GET BASE/api/v1/snapshot, the document of docs/architecture.md) with
 * http_get, and the base URLs of lvsd instances. A poll blocks for at
 * most the transfer timeout: it runs on a poller thread, never on the
 * console's.
 * Threads: the URL helpers from any thread; a source is polled by one
 * thread at a time, as every source. */
#ifndef LVSTOP_COLLECTOR_SOURCE_REMOTE_H
#define LVSTOP_COLLECTOR_SOURCE_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "http_get.h"
#include "source.h"

#define REMOTE_URL_MAX 256

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

/* The director whose lvsd answers at base (a base URL: remote_url_base).
 * Each poll GETs base/api/v1/snapshot over the source's one kept
 * connection and parses it as it arrives (snapjson's streaming parser:
 * the body is never held whole), behind doc_bound's guard: no piece the
 * parser holds whole (the root, one service, one real server) may exceed
 * 64 KiB of text, so memory follows the size of the table described and
 * never the compression ratio; o->max_bytes bounds the whole body. The
 * snapshot keeps the document's time (lvsd's poll) and no monotonic
 * time, so rates come from the director's own clock, as on replay. Poll
 * errors are http_get_fetch's, -EFBIG for a piece over the guard's bound
 * (msg names it), -EINVAL for a document that does not parse (msg names
 * the field). NULL when out of memory or libcurl cannot start (msg says
 * which). */
struct lvs_source *source_remote_new(const char *base, const struct lvs_remote_opts *o, char *msg,
				     size_t msglen);

#endif
