/* The detail view's zoom: from the history rings' last minutes out to
 * the rrd history of the selected service or real server (the last hour,
 * day, week, month), read from lvsd's /api/v1/history on a helper thread
 * (history_fetch.h) and drawn as terminal charts (zoom_chart.h). The
 * lvsd is the focused director's with --remote, else --lvsd's.
 * Threads: UI thread only. */
#ifndef LVSTOP_CONSOLE_PANEL_ZOOM_H
#define LVSTOP_CONSOLE_PANEL_ZOOM_H

#include <stdbool.h>

#include "app.h"
#include "draw.h"
#include "history_fetch.h"

/* lvsd's default listen address (docs/configuration.md). */
#define LVSD_DEFAULT_URL "http://127.0.0.1:9587"

enum zoom_level { ZOOM_RINGS, ZOOM_HOUR, ZOOM_DAY, ZOOM_WEEK, ZOOM_MONTH, ZOOM_LEVELS };

/* lvsd's range argument for a level ("1h", "1d", "1w", "1mo"; NULL for
 * the rings), its length in seconds, and words for titles. */
const char *zoom_range(int level);
double zoom_span(int level);
const char *zoom_name(int level);

/* The rrd charts of the object (d NULL: the service v) when a->zoom is
 * past the rings: a line saying "loading" until the answer comes, the
 * error's cause if it fails, else one chart per metric. Asks the fetcher
 * again when the shown answer is older than one chart column. Returns
 * false at ZOOM_RINGS (after a line telling how to zoom): the caller
 * draws the rings' charts then. */
bool zoom_draw(struct textbuf *t, struct app *a, const struct lvs_service *v,
	       const struct lvs_dest *d);

/* The zoom keys: '-' out (rings, hour, day, week, month), '+' in.
 * REDO_* flags. */
int zoom_key(struct app *a, int key);

#endif
