/* lvsd's status page at "/": every virtual service and its real servers
 * from the snapshot being served, with their history graphs as <img>
 * links to /graph/... (loaded lazily, so a table of thousands of services
 * costs the browser only what it scrolls to). Plain HTML and CSS, no
 * script. Threads: pure function over its arguments. */
#ifndef LVSTOP_EXPORTER_HTTP_STATUS_PAGE_H
#define LVSTOP_EXPORTER_HTTP_STATUS_PAGE_H

#include <stdbool.h>

#include "collector/model.h"
#include "exporter/metrics/outbuf.h"

struct status_page_opts {
	bool stale;           /* polls fail since the snapshot was taken */
	bool history;         /* rrd history is on: draw graphs */
	bool rs_history;      /* real servers have files too */
	const char *range;    /* graph range argument ("1d"), already validated */
};

/* Append the page for snapshot s (NULL: no poll has succeeded yet, said
 * so on the page). 0, or -ENOMEM (out is marked failed). */
int status_page_render(struct outbuf *out, const struct lvs_snapshot *s,
		       const struct status_page_opts *o);

#endif
