#include "sparkline.h"

#include <math.h>

static const char *const metric_names[SPARK_METRIC_COUNT] = {
	[SPARK_CPS] = "conn/s",      [SPARK_INPPS] = "pkt/s in",
	[SPARK_OUTPPS] = "pkt/s out", [SPARK_INBPS] = "byte/s in",
	[SPARK_OUTBPS] = "byte/s out", [SPARK_ACTIVE] = "active conns",
};

const char *spark_metric_name(enum spark_metric m)
{
	return (unsigned)m < SPARK_METRIC_COUNT ? metric_names[m] : "?";
}

double spark_value(const struct lvs_sample *s, enum spark_metric m)
{
	double v;
	switch (m) {
	case SPARK_CPS: v = s->cps; break;
	case SPARK_INPPS: v = s->inpps; break;
	case SPARK_OUTPPS: v = s->outpps; break;
	case SPARK_INBPS: v = s->inbps; break;
	case SPARK_OUTBPS: v = s->outbps; break;
	case SPARK_ACTIVE: v = s->active; break;
	default: v = 0;
	}
	return isfinite(v) && v > 0 ? v : 0;
}

double spark_max(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(v[i]) && v[i] > m)
			m = v[i];
	return m;
}

int spark_level(double v, double max)
{
	if (!(v > 0) || !(max > 0))
		return 0;
	if (v >= max)
		return SPARK_LEVELS;
	int l = (int)ceil(v / max * SPARK_LEVELS);
	return l < 1 ? 1 : l > SPARK_LEVELS ? SPARK_LEVELS : l;
}

void spark_scale(const double *v, size_t n, double max, int *levels, size_t width)
{
	size_t skip = n > width ? n - width : 0; /* the oldest that do not fit */
	size_t pad = n < width ? width - n : 0;
	for (size_t i = 0; i < pad; i++)
		levels[i] = -1;
	for (size_t i = 0; i + pad < width; i++)
		levels[pad + i] = spark_level(v[skip + i], max);
}

int spark_chart_cell(double v, double max, int height, int row)
{
	if (!(v > 0) || !(max > 0) || height <= 0 || row < 0 || row >= height)
		return 0;
	double frac = v >= max ? 1.0 : v / max;
	/* Eighths of the whole chart, at least one for a positive value. */
	long total = lround(frac * height * SPARK_LEVELS);
	if (total < 1)
		total = 1;
	long below = (long)row * SPARK_LEVELS;
	long in = total - below;
	return in <= 0 ? 0 : in >= SPARK_LEVELS ? SPARK_LEVELS : (int)in;
}

const char *spark_glyph(int level, bool utf8)
{
	static const char *const blocks[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
					      "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char *const ascii[] = { " ", ".", ".", "_", "-", "=", "+", "*", "#" };
	if (level < 0)
		return " ";
	if (level > SPARK_LEVELS)
		level = SPARK_LEVELS;
	return utf8 ? blocks[level] : ascii[level];
}
