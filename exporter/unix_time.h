/* Times taken from outside (a recording, a remote snapshot's "time": any
 * JSON number, 1e300 included) checked before they become a time_t or
 * reach gmtime: a float-to-integer conversion out of range is undefined
 * behaviour, and gmtime_r fails on years it cannot represent. Every time
 * lvsd turns into a time_t goes through here. */
#ifndef LVSTOP_EXPORTER_UNIX_TIME_H
#define LVSTOP_EXPORTER_UNIX_TIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

/* 9999-12-31 23:59:59 UTC: the last second every tool prints. */
#define UNIX_TIME_MAX 253402300799.0

/* t is finite and within 0 .. UNIX_TIME_MAX. */
static inline bool unix_time_ok(double t)
{
	return t >= 0 && t <= UNIX_TIME_MAX; /* false for NaN too */
}

/* t as a time_t, or false (and *out untouched) when it is out of range. */
static inline bool unix_time_of(double t, time_t *out)
{
	if (!unix_time_ok(t))
		return false;
	*out = (time_t)t;
	return true;
}

/* "YYYY-MM-DD HH:MM:SS UTC" of t into buf (at least 32 bytes), or
 * "an unknown time" when t is out of range. */
static inline const char *unix_time_format(double t, char *buf, size_t len)
{
	time_t tt;
	struct tm tm;
	if (!unix_time_of(t, &tt) || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "an unknown time");
	return buf;
}

#endif
