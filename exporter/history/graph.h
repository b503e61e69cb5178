/* lvsd's history endpoints: /graph/... answers a PNG drawn by librrd from
 * an object's rrd file, /api/v1/history its rows as JSON (for the
 * console's zoom and scripts). Requests are parsed by graph_url.h first;
 * a bad one gets 400 and the reason, a missing file 404. librrd's graph
 * code goes through fontconfig and pango, which are not safe to enter
 * from two threads at once: graphs are drawn one at a time.
 * Reference: docs/history.md. Threads: any (serialised inside). */
#ifndef LVSTOP_EXPORTER_HISTORY_GRAPH_H
#define LVSTOP_EXPORTER_HISTORY_GRAPH_H

#include <stddef.h>

#include "graph_url.h"
#include "rrd_store.h"

/* A finished response for the HTTP layer. */
struct graph_reply {
	unsigned status;  /* 200, 400, 404, 500, 503 */
	const char *type; /* static Content-Type */
	char *body;       /* owned (malloc); the caller frees it */
	size_t len;
};

/* Handle url if it is one of ours ("/graph/..." or "/api/v1/history"):
 * 0 and *out filled (any status). -ENOENT when the URL is not ours
 * (nothing filled), -ENOMEM. st NULL (history off) answers 404 saying so. */
int graph_handle(rrd_store *st, const char *url, const struct graph_arg *args, size_t n,
		 struct graph_reply *out);

/* The graph's object as an operator writes it, for its title: "TCP
 * 203.0.113.10:80", "UDP [2001:db8::1]:53 [2001:db8:a::11]:53", "FWM 7
 * (IPv6) ..." (the file ids stay in the URL). */
void graph_title(const struct graph_req *r, char *buf, size_t len);

/* Render a parsed request into a PNG (malloc'd, *png / *len). 0; -ENOENT
 * (no file for the object), -EIO (librrd failed: err says why), -ENOMEM. */
int graph_render_png(rrd_store *st, const struct graph_req *r, char **png, size_t *len,
		     char *err, size_t errlen);

/* The rows of a parsed history request as a JSON document (malloc'd,
 * NUL-terminated). 0; -ENOENT, -EIO (err says why), -ENOMEM. */
int graph_history_json(rrd_store *st, const struct graph_req *r, char **json, size_t *len,
		       char *err, size_t errlen);

#endif
