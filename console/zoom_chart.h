/* Charts of rrd history in the terminal: rows of (time, value) from
 * lvsd's /api/v1/history are spread over the chart's columns by time
 * (each column the average of the known values that fall in it; unknown
 * rows leave a column empty, so gaps in the history show as gaps), scaled
 * to eighths of a cell and drawn with block glyphs, with the y axis
 * labelled at the top (the largest column) and bottom (0) and the x axis
 * with the window's first, middle and last times.
 * Threads: pure functions (the time labels use the local time zone). */
#ifndef LVSTOP_CONSOLE_ZOOM_CHART_H
#define LVSTOP_CONSOLE_ZOOM_CHART_H

#include <stdbool.h>
#include <stddef.h>

#define ZCHART_LABEL_W 8   /* the y-axis labels' width */
#define ZCHART_MAX_W 400   /* plot columns at most */
#define ZCHART_MAX_H 12    /* plot rows at most */
#define ZCHART_LINE (ZCHART_LABEL_W + 2 + ZCHART_MAX_W * 3 + 1) /* bytes of a row */

struct zchart {
	int width, height;   /* plot columns and rows */
	double max;          /* the largest column value (the top label) */
	size_t columns_known; /* columns with at least one known value */
	/* The chart's lines, top first: "   label │" then the glyphs (UTF-8
	 * blocks or ASCII), each NUL-terminated. */
	char rows[ZCHART_MAX_H][ZCHART_LINE];
	/* Below the plot: times under the first, middle and last columns. */
	char axis[ZCHART_LABEL_W + 2 + ZCHART_MAX_W + 1];
};

/* Render n rows (t[i] seconds since the epoch, v[i] a value or NaN for
 * unknown) over the window (t0, t1] into a chart width x height cells
 * (clamped to ZCHART_MAX_*). Rows outside the window are ignored;
 * negative values count as 0. exact: labels as plain numbers instead of
 * K/M/G. 0, or -EINVAL when width < 2, height < 1 or t1 <= t0. */
int zchart_render(const double *t, const double *v, size_t n, double t0, double t1, int width,
		  int height, bool utf8, bool exact, struct zchart *out);

/* The column (0 .. width - 1) a time falls in, or -1 outside (t0, t1]. */
int zchart_column(double t, double t0, double t1, int width);

#endif
