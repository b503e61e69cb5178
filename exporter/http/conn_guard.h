/* A deadline for a request's headers. libmicrohttpd's connection timeout
 * counts idle time only, so a client that sends one header line every few
 * seconds keeps a connection slot for as long as it likes; a thousand of
 * them took every slot and no scrape was answered. The guard gives each
 * request a total time to finish its headers (from the connection's start,
 * or for the next request on a kept-alive connection from the end of the
 * previous one plus the idle allowance) and shuts down the socket of one
 * that overstays; libmicrohttpd then sees the end of the stream and
 * closes the connection itself.
 * Threads: open/headers_done/request_done/close from libmicrohttpd's
 * threads (one lock); the guard's own thread (a share/worker) does the
 * shutting down. */
#ifndef LVSTOP_EXPORTER_HTTP_CONN_GUARD_H
#define LVSTOP_EXPORTER_HTTP_CONN_GUARD_H

struct conn_guard;      /* opaque */
struct conn_guard_node; /* one per connection, owned by the guard */

/* header_timeout: seconds a request may take to send its headers;
 * idle: seconds a kept-alive connection may wait before its next request
 * starts. NULL on out of memory or when the thread cannot start. */
struct conn_guard *conn_guard_new(double header_timeout, double idle);
/* Stops the thread and frees every node. NULL is ignored. Call after the
 * server has closed every connection. */
void conn_guard_free(struct conn_guard *g);

/* A new connection on socket fd (not owned). NULL on out of memory (the
 * connection is then simply not guarded). */
struct conn_guard_node *conn_guard_open(struct conn_guard *g, int fd);
/* The request's headers are complete: no deadline until it is done. */
void conn_guard_headers_done(struct conn_guard *g, struct conn_guard_node *n);
/* The response was sent; the next request's clock starts. */
void conn_guard_request_done(struct conn_guard *g, struct conn_guard_node *n);
/* The connection is closing: forget it (before its socket is closed).
 * NULL is ignored. */
void conn_guard_close(struct conn_guard *g, struct conn_guard_node *n);

/* Connections cut for overstaying since new (for tests and the log). */
unsigned long conn_guard_cut(struct conn_guard *g);

#endif
