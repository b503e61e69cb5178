/* The rrd history of one service or real server, from an lvsd's
 * /api/v1/history (docs/history.md), for the detail view's zoom: the
 * object's ids, the request URL, the answer parsed as it arrives, and a
 * helper thread that fetches (over one kept connection) so that the
 * console's thread never waits on the network.
 * Threads: ids, URLs and parsing are pure; a fetcher is driven from one
 * thread (the UI) while its own thread does the transfers. */
#ifndef LVSTOP_CONSOLE_HISTORY_FETCH_H
#define LVSTOP_CONSOLE_HISTORY_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/model.h"
#include "collector/source_remote.h"

#define HIST_ID_MAX 64
#define HIST_DS_MAX 16
#define HIST_DS_NAME 20
#define HIST_URL_MAX (REMOTE_URL_MAX + 256)

/* The largest answer that can exist for a zoom: a month (the longest
 * range) of 10 s rows (lvsd's finest default archive) is 259,200 rows;
 * HIST_ROWS_MAX leaves room above it and more rows are refused. A row's
 * text is at most a time and HIST_DS_MAX values of 24 characters each
 * with separators, so the body is bounded by HIST_BODY_MAX (about 130
 * MB, decoded) and what is held is only the rows' values: at most
 * HIST_ROWS_MAX x (HIST_DS_MAX + 1) doubles (about 41 MB; 26 MB with
 * lvsd's 10 data sources), whatever the compression ratio. */
#define HIST_ROWS_MAX 300000
#define HIST_ROW_TEXT_MAX ((HIST_DS_MAX + 1) * 26 + 4)
#define HIST_BODY_MAX ((size_t)HIST_ROWS_MAX * HIST_ROW_TEXT_MAX + (64u << 10))

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

/* An answer of /api/v1/history. */
struct hist_doc {
	double start, end, step; /* rrdtool's window and row length, seconds */
	int n_ds;
	char ds[HIST_DS_MAX][HIST_DS_NAME];
	size_t n;   /* rows */
	double *t;  /* owned; n times (the end of each row's step) */
	double *v;  /* owned; n x n_ds values, NaN for null (unknown) */
};

/* Parse an answer. 0; -EINVAL when it is not JSON or a field is missing
 * or of the wrong type (err names it, e.g. "rows[3][2]: expected a number
 * or null"; a row of another length than 1 + the DS count is refused, and
 * more than HIST_ROWS_MAX rows); -ENOMEM. out is empty on error. */
int history_doc_parse(const char *text, size_t len, struct hist_doc *out, char *err, size_t errlen);

/* The same parse fed in pieces as they arrive: neither the text nor a
 * DOM is held, only the rows' values. err is borrowed until
 * hist_parser_free. NULL on out of memory. */
typedef struct hist_parser hist_parser; /* opaque */
hist_parser *hist_parser_new(char *err, size_t errlen);
/* 0; -EINVAL for text that is not JSON (sticky; err says why); -ENOMEM.
 * Field errors wait for finish, as syntax errors anywhere come first. */
int hist_parser_feed(hist_parser *p, const char *buf, size_t len);
/* The end of the answer: 0 and *out (owned by the caller), or what
 * history_doc_parse returns. Call once. */
int hist_parser_finish(hist_parser *p, struct hist_doc *out);
/* NULL is ignored. */
void hist_parser_free(hist_parser *p);
void history_doc_done(struct hist_doc *d);
/* The index of data source name, or -1. */
int history_doc_ds(const struct hist_doc *d, const char *name);
/* Value of row i, data source k. */
static inline double history_doc_value(const struct hist_doc *d, size_t i, int k)
{
	return d->v[i * (size_t)d->n_ds + (size_t)k];
}

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
