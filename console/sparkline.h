/* Sparklines and bar charts from history samples: values are scaled to
 * eighths of a character cell, drawn with the block glyphs U+2581..U+2588
 * on a UTF-8 terminal and with ASCII ramps elsewhere.
 * Threads: pure functions. */
#ifndef LVSTOP_CONSOLE_SPARKLINE_H
#define LVSTOP_CONSOLE_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/rings.h"

#define SPARK_LEVELS 8 /* a full cell */

/* Which rate a sparkline or chart shows. */
enum spark_metric {
	SPARK_CPS,
	SPARK_INPPS,
	SPARK_OUTPPS,
	SPARK_INBPS,
	SPARK_OUTBPS,
	SPARK_ACTIVE,
	SPARK_METRIC_COUNT
};

/* Short name ("conn/s", "pkt/s in", ...). */
const char *spark_metric_name(enum spark_metric m);
/* The metric's value in one sample (negative and NaN read as 0). */
double spark_value(const struct lvs_sample *s, enum spark_metric m);

/* The largest of n values (0 when n is 0 or all are <= 0). */
double spark_max(const double *v, size_t n);

/* Level 0..SPARK_LEVELS of one value against max: 0 only for a value <= 0
 * (or max <= 0), at least 1 for any positive value, SPARK_LEVELS at max. */
int spark_level(double v, double max);

/* Levels of the last `width` values (right-aligned: when n < width the
 * first width - n cells are -1, "no data"). levels has width entries. */
void spark_scale(const double *v, size_t n, double max, int *levels, size_t width);

/* A multi-row bar chart: how many eighths of the cell in row `row`
 * (0 is the bottom of a chart `height` rows high) the value fills. */
int spark_chart_cell(double v, double max, int height, int row);

/* The glyph for a level (0..8; -1: no data), UTF-8 or ASCII. */
const char *spark_glyph(int level, bool utf8);

#endif
