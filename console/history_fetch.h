/* The rrd history of one service or real server, from an lvsd's
 * /api/v1/history (docs/history.md), for the detail view's zoom: the
 * object's ids, the request URL, and a helper thread that fetches (over
 * one kept connection) and parses the answer as it arrives
 * (history_doc.h), so that the console's thread never waits on the
 * network.
 * Threads: ids and URLs are pure; a fetcher is driven from one thread
 * (the UI) while its own thread does the transfers. */
#ifndef LVSTOP_CONSOLE_HISTORY_FETCH_H
#define LVSTOP_CONSOLE_HISTORY_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/model.h"
#include "collector/source_remote.h"
#include "history_doc.h"

#define HIST_ID_MAX 64
#define HIST_URL_MAX (REMOTE_URL_MAX + 256)

/* lvsd's ids (docs/history.md, "Files and names"): "tcp-203.0.113.10-80",
 * "udp-2001_db8__53-53", "fwm-42", "fwm6-42"; a real server
 * "192.0.2.11-80". 0, -EINVAL (an unknown protocol), or -ENOSPC. */
int history_service_id(const struct lvs_service *v, char *buf, size_t len);
int history_dest_id(const struct lvs_dest *d, char *buf, size_t len);

/* BASE/api/v1/history?service=ID[&real_server=ID]&range=RANGE
 * [&resolution=Ns] for the object (d NULL: the service); resolution 0
 * leaves it to lvsd (the finest archive). 0, or -EINVAL / -ENOSPC. */
int history_url(const char *base, const struct lvs_service *v, const struct lvs_dest *d,
		const char *range, long resolution, char *out, size_t len);

/* --- the fetcher ------------------------------------------------------------ */

typedef struct hfetch hfetch; /* opaque */

enum hfetch_state {
	HFETCH_NONE,    /* never asked for that URL */
	HFETCH_LOADING, /* asked, no answer yet */
	HFETCH_READY,   /* *doc is the answer */
	HFETCH_ERROR,   /* msg says why */
};

/* A fetcher with its helper thread and its one connection (o->max_bytes
 * is lowered to HIST_BODY_MAX). NULL on failure (out of memory, or no
 * thread). */
hfetch *hfetch_new(const struct lvs_remote_opts *o);
/* Ends the thread (waits for a transfer in progress: at most the
 * transfer timeout) and frees every answer. NULL is ignored. */
void hfetch_free(hfetch *h);

/* Readable when an answer has come since the last hfetch_result (for
 * the console's poll(): redraw then). */
int hfetch_fd(const hfetch *h);

/* Fetch url on the helper thread; returns at once. A request not yet
 * started is replaced by a newer one (only the last wanted chart
 * matters). 0 or -ENAMETOOLONG. */
int hfetch_request(hfetch *h, const char *url);

/* The latest answer for url. *doc (READY) stays valid until the next
 * hfetch_result or hfetch_free; *age is seconds since it was fetched;
 * *loading tells that a newer fetch of the same URL is under way.
 * msg gets the error (ERROR). */
enum hfetch_state hfetch_result(hfetch *h, const char *url, const struct hist_doc **doc,
				double *age, bool *loading, char *msg, size_t msglen);

#endif
