#include "zoom_chart.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "format.h"
#include "sparkline.h"

int zchart_column(double t, double t0, double t1, int width)
{
	if (!(t > t0) || t > t1 || width <= 0)
		return -1;
	/* A row is stamped with the end of its step: (t0, t1] maps onto the
	 * columns so that t1 lands in the last one. */
	int c = (int)ceil((t - t0) / (t1 - t0) * width) - 1;
	return c < 0 ? 0 : c >= width ? width - 1 : c;
}

/* Times as wide as the window needs: clock time within a day, the date
 * beyond. */
static void time_label(double t, double span, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	localtime_r(&s, &tm);
	strftime(buf, len, span <= 86400 ? "%H:%M" : span <= 8 * 86400 ? "%a %H:%M" : "%m-%d", &tm);
}

int zchart_render(const double *t, const double *v, size_t n, double t0, double t1, int width,
		  int height, bool utf8, bool exact, struct zchart *out)
{
	if (width < 2 || height < 1 || !(t1 > t0))
		return -EINVAL;
	if (width > ZCHART_MAX_W)
		width = ZCHART_MAX_W;
	if (height > ZCHART_MAX_H)
		height = ZCHART_MAX_H;
	memset(out, 0, sizeof(*out));
	out->width = width;
	out->height = height;
	double sum[ZCHART_MAX_W] = { 0 };
	unsigned cnt[ZCHART_MAX_W] = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		int c = zchart_column(t[i], t0, t1, width);
		if (c < 0)
			continue;
		sum[c] += v[i] > 0 ? v[i] : 0;
		cnt[c]++;
	}
	double col[ZCHART_MAX_W];
	for (int c = 0; c < width; c++) {
		col[c] = cnt[c] ? sum[c] / cnt[c] : NAN;
		if (cnt[c]) {
			out->columns_known++;
			if (col[c] > out->max)
				out->max = col[c];
		}
	}
	char top[24];
	fmt_rate(out->max, exact, top, sizeof(top));
	const char *bar = utf8 ? "\u2502" : "|";
	for (int r = 0; r < height; r++) {
		int row = height - 1 - r; /* 0 is the bottom */
		const char *label = r == 0 ? top : row == 0 ? "0" : "";
		char *p = out->rows[r];
		size_t o = (size_t)snprintf(p, ZCHART_LINE, "%*.*s %s", ZCHART_LABEL_W - 1,
					    ZCHART_LABEL_W - 1, label, bar);
		for (int c = 0; c < width; c++) {
			/* An unknown column stays blank, even at the bottom:
			 * a gap in the history is not a zero. */
			int l = isnan(col[c]) ? -1 : spark_chart_cell(col[c], out->max, height, row);
			const char *g = spark_glyph(l, utf8);
			size_t gl = strlen(g);
			memcpy(p + o, g, gl);
			o += gl;
		}
		p[o] = 0;
	}
	/* The axis: first time at the plot's left edge, last at its right,
	 * the middle one centred when there is room between them. */
	char a[24], m[24], b[24];
	double span = t1 - t0;
	time_label(t0, span, a, sizeof(a));
	time_label(t0 + span / 2, span, m, sizeof(m));
	time_label(t1, span, b, sizeof(b));
	int w = ZCHART_LABEL_W + 1 + width;
	memset(out->axis, ' ', (size_t)w);
	out->axis[w] = 0;
	int la = (int)strlen(a), lm = (int)strlen(m), lb = (int)strlen(b);
	int xa = ZCHART_LABEL_W + 1, xb = w - lb, xm = ZCHART_LABEL_W + 1 + (width - lm) / 2;
	if (xa + la < xb)
		memcpy(out->axis + xa, a, (size_t)la);
	if (xb >= xa)
		memcpy(out->axis + xb, b, (size_t)lb);
	if (xm > xa + la + 1 && xm + lm + 1 < xb)
		memcpy(out->axis + xm, m, (size_t)lm);
	return 0;
}
