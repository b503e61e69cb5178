/* lvsd's status page at "/": one dense table of the virtual services and
 * their real servers from the snapshot being served, a row each, coloured
 * by state (up, down with the check's reason, draining, quiesced, not
 * checked), with counts, current rates, a sparkline of the recent
 * connection rate and links to the full history graphs. Paged (a page
 * holds per_page services) and filtered on the server, so the first page
 * of a 10,000-service table stays small; auto-refresh through a meta tag
 * the operator turns off with a link. Plain HTML, CSS and inline SVG, no
 * script. Threads: pure function over its arguments (the history rings
 * are read under their own lock). */
#ifndef LVSTOP_EXPORTER_HTTP_STATUS_PAGE_H
#define LVSTOP_EXPORTER_HTTP_STATUS_PAGE_H

#include <stdbool.h>

#include "collector/rings.h"
#include "collector/model.h"
#include "exporter/metrics/outbuf.h"

#define STATUS_PAGE_PER_PAGE 100    /* services a page by default */
#define STATUS_PAGE_PER_PAGE_MAX 1000
#define STATUS_PAGE_REFRESH 10      /* seconds between reloads by default */
#define STATUS_PAGE_FILTER_MAX 64   /* bytes of filter text */
#define STATUS_PAGE_SPARK 32        /* samples a sparkline draws at most */

struct status_page_opts {
	bool stale;             /* polls fail since the snapshot was taken */
	bool history;           /* rrd history is on: link graphs */
	bool rs_history;        /* real servers have files too */
	const char *range;      /* graph range argument, already validated; NULL: "1h" */
	lvs_rings *recent;    /* borrowed; recent samples for sparklines; NULL: none */
	const char *poll_error; /* why the last poll failed ("" or NULL: it did not) */
	double now;             /* wall clock, for "how long ago" */
	unsigned page;          /* 1-based; past the last page shows the last */
	unsigned per_page;      /* services a page; 0: STATUS_PAGE_PER_PAGE */
	const char *filter;     /* printable ASCII, validated; NULL or "": all */
	unsigned refresh;       /* seconds between reloads; 0: off */
};

/* Append the page for snapshot s (NULL: no poll has succeeded yet, said
 * so on the page with o->poll_error as the cause). 0, or -ENOMEM (out is
 * marked failed). */
int status_page_render(struct outbuf *out, const struct lvs_snapshot *s,
		       const struct status_page_opts *o);

/* Whether text is acceptable as a filter: at most STATUS_PAGE_FILTER_MAX
 * bytes of printable ASCII. */
bool status_page_filter_ok(const char *text);

#endif
