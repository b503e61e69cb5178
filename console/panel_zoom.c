#include "panel_zoom.h"

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "remote.h"
#include "zoom_chart.h"

#define ZOOM_ROWS 6 /* plot rows per chart */

static const struct {
	const char *range, *name;
	double span;
} levels[ZOOM_LEVELS] = {
	[ZOOM_RINGS] = { NULL, "last minutes", 0 },
	[ZOOM_HOUR] = { "1h", "last hour", 3600 },
	[ZOOM_DAY] = { "1d", "last day", 86400 },
	[ZOOM_WEEK] = { "1w", "last week", 7 * 86400 },
	[ZOOM_MONTH] = { "1mo", "last month", 30 * 86400 },
};

const char *zoom_range(int level)
{
	return level > 0 && level < ZOOM_LEVELS ? levels[level].range : NULL;
}

double zoom_span(int level)
{
	return level > 0 && level < ZOOM_LEVELS ? levels[level].span : 0;
}

const char *zoom_name(int level)
{
	return level >= 0 && level < ZOOM_LEVELS ? levels[level].name : "?";
}

int zoom_key(struct app *a, int key)
{
	int z = a->zoom + (key == '+' || key == '=' ? -1 : 1);
	if (z < 0 || z >= ZOOM_LEVELS)
		return 0;
	a->zoom = z;
	a->scroll[VIEW_DETAIL] = 0;
	snprintf(a->message, sizeof(a->message), "history: %s", zoom_name(z));
	return REDO_DRAW;
}

/* The rrd data source behind each chart metric. */
static const char *metric_ds(enum spark_metric m)
{
	static const char *const ds[SPARK_METRIC_COUNT] = {
		[SPARK_CPS] = "conns",       [SPARK_INPPS] = "inpkts",     [SPARK_OUTPPS] = "outpkts",
		[SPARK_INBPS] = "inbytes",   [SPARK_OUTBPS] = "outbytes", [SPARK_ACTIVE] = "active",
	};
	return ds[m];
}

static void chart(struct textbuf *t, struct app *a, const struct hist_doc *doc, enum spark_metric m,
		  int width, struct zchart *z, double *tv, double *vv)
{
	int k = history_doc_ds(doc, metric_ds(m));
	if (k < 0) {
		textbuf_add(t, CR_DIM, 0, CR_DIM, "  %s: not in this history file", spark_metric_name(m));
		return;
	}
	for (size_t i = 0; i < doc->n; i++) {
		tv[i] = doc->t[i];
		vv[i] = history_doc_value(doc, i, k);
	}
	/* The answer's own window: rrdtool aligns it to its rows. */
	if (zchart_render(tv, vv, doc->n, doc->start, doc->end, width, ZOOM_ROWS, crt_utf8(), a->exact, z))
		return;
	char span[16], max[24];
	fmt_age(doc->step, span, sizeof(span));
	fmt_rate(z->max, a->exact, max, sizeof(max));
	textbuf_add(t, CR_TITLE, 0, CR_TITLE, "  %s  (%s, rows of %s, max %s%s)", spark_metric_name(m),
		    zoom_name(a->zoom), span, max, z->columns_known ? "" : ", no known values");
	/* The label's text ends at the axis bar; draw it dim, the bars in
	 * the chart colour. */
	for (int r = 0; r < z->height; r++) {
		if (!textbuf_visible(t)) {
			textbuf_skip(t);
			continue;
		}
		int y = textbuf_next_y(t);
		const char *row = z->rows[r];
		size_t lab = (size_t)ZCHART_LABEL_W + strlen(crt_utf8() ? "\u2502" : "|");
		char head[32];
		snprintf(head, sizeof(head), "%.*s", (int)lab, row);
		draw_str(y, 0, ZCHART_LABEL_W + 1, CR_DIM, head);
		draw_str(y, ZCHART_LABEL_W + 1, a->cols - ZCHART_LABEL_W - 1, CR_SPARK, row + lab);
		textbuf_skip(t);
	}
	textbuf_add(t, CR_DIM, 0, CR_DIM, "%s", z->axis);
}

bool zoom_draw(struct textbuf *t, struct app *a, const struct lvs_service *v,
	       const struct lvs_dest *d)
{
	if (a->zoom <= ZOOM_RINGS || a->zoom >= ZOOM_LEVELS) {
		textbuf_add(t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
		textbuf_add(t, CR_DIM, 0, CR_DIM,
			    "  History rings below; - zooms out to the rrd history (hour, day, week, month)");
		return false;
	}
	const char *base = a->remote ? a->remote->d[a->remote->focus].url : a->lvsd_url;
	textbuf_add(t, CR_DEFAULT, 0, CR_DEFAULT, "%s", "");
	if (!a->hist) {
		struct lvs_remote_opts ro = LVS_REMOTE_OPTS_DEFAULT;
		ro.max_bytes = 64u << 20; /* a month at one row per column is small */
		a->hist = hfetch_new(&ro);
		if (!a->hist) {
			textbuf_add(t, CR_BANNER_ERROR, 0, CR_BANNER_ERROR, "  history: cannot start the fetcher");
			return true;
		}
	}
	int width = a->cols - ZCHART_LABEL_W - 3;
	if (width > ZCHART_MAX_W)
		width = ZCHART_MAX_W;
	if (width < 10)
		width = 10;
	double span = zoom_span(a->zoom);
	/* Up to four rows per column: the finest archive that covers the
	 * window without sending thousands of rows the chart would average. */
	long resolution = (long)floor(span / (4.0 * width));
	char url[HIST_URL_MAX], msg[256] = "";
	if (history_url(base, v, d, zoom_range(a->zoom), resolution, url, sizeof(url))) {
		textbuf_add(t, CR_BANNER_ERROR, 0, CR_BANNER_ERROR, "  history: this object has no history id");
		return true;
	}
	const struct hist_doc *doc;
	double age;
	bool loading;
	enum hfetch_state st = hfetch_result(a->hist, url, &doc, &age, &loading, msg, sizeof(msg));
	/* New data reaches a chart one column at a time: fetch again when
	 * a column's worth has passed (at least 10 s apart); an error is
	 * retried as often. */
	double refresh = resolution > 10 ? (double)resolution : 10;
	if (st == HFETCH_NONE || (!loading && age > refresh))
		hfetch_request(a->hist, url);
	textbuf_add(t, CR_TITLE, 0, CR_TITLE, "  History: %s, from lvsd at %s%s   (+ zooms in, - out)",
		    zoom_name(a->zoom), base, loading && st == HFETCH_READY ? "  (updating)" : "");
	if (st == HFETCH_NONE || st == HFETCH_LOADING) {
		textbuf_add(t, CR_BANNER_INFO, 0, CR_BANNER_INFO, "  loading %s ...", url);
		return true;
	}
	if (st == HFETCH_ERROR) {
		textbuf_add(t, CR_BANNER_ERROR, 0, CR_BANNER_ERROR, "  history: %s", msg);
		return true;
	}
	struct zchart *z = malloc(sizeof(*z));
	double *tv = malloc((doc->n ? doc->n : 1) * sizeof(double));
	double *vv = malloc((doc->n ? doc->n : 1) * sizeof(double));
	if (z && tv && vv) {
		enum spark_metric order[] = { a->metric, SPARK_CPS, SPARK_INBPS, SPARK_OUTBPS, SPARK_ACTIVE };
		bool done[SPARK_METRIC_COUNT] = { 0 };
		for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
			if (done[order[i]])
				continue;
			done[order[i]] = true;
			chart(t, a, doc, order[i], width, z, tv, vv);
		}
	} else {
		textbuf_add(t, CR_BANNER_ERROR, 0, CR_BANNER_ERROR, "  history: out of memory");
	}
	free(z);
	free(tv);
	free(vv);
	return true;
}
