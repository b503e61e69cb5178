#include "format.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "collector/names.h"

static const char suffixes[] = "KMGTPE";

char *fmt_count(uint64_t v, bool exact, char *buf, size_t len)
{
	if (exact || v < 100000) {
		snprintf(buf, len, "%" PRIu64, v);
		return buf;
	}
	double d = (double)v;
	int i = -1;
	while (d >= 999.5 && i < 5) {
		d /= 1000.0;
		i++;
	}
	if (d < 9.995)
		snprintf(buf, len, "%.2f%c", d, suffixes[i]);
	else if (d < 99.95)
		snprintf(buf, len, "%.1f%c", d, suffixes[i]);
	else
		snprintf(buf, len, "%.0f%c", d, suffixes[i]);
	return buf;
}

char *fmt_rate(double v, bool exact, char *buf, size_t len)
{
	if (v < 0)
		v = 0;
	if (exact) {
		snprintf(buf, len, "%.1f", v);
		return buf;
	}
	if (v < 10 && v != (double)(uint64_t)v && v >= 0.05)
		snprintf(buf, len, "%.1f", v); /* (what rounds to 0.0 is 0) */
	else
		fmt_count((uint64_t)(v + 0.5), false, buf, len);
	return buf;
}

char *fmt_endpoint(uint16_t af, const union lvs_addr *a, uint16_t port, char *buf, size_t len)
{
	char ab[LVS_ADDR_STRLEN];
	lvs_addr_ntop(af, a, ab, sizeof(ab));
	if (af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return buf;
}

static int digits(uint32_t v)
{
	int n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

int fmt_endpoint_len(uint16_t af, const union lvs_addr *a, uint16_t port)
{
	if (af == AF_INET6) {
		char b[LVS_ADDR_STRLEN + 16];
		return (int)strlen(fmt_endpoint(af, a, port, b, sizeof(b)));
	}
	const uint8_t *o = (const uint8_t *)&a->v4.s_addr;
	return digits(o[0]) + digits(o[1]) + digits(o[2]) + digits(o[3]) + 3 + 1 + digits(port);
}

int fmt_service_len(const struct lvs_service *s)
{
	if (s->fwmark)
		return 4 + digits(s->fwmark) + (s->af == AF_INET6 ? 5 : 0);
	return fmt_endpoint_len(s->af, &s->addr, s->port);
}

char *fmt_service(const struct lvs_service *s, char *buf, size_t len)
{
	if (s->fwmark)
		snprintf(buf, len, "FWM %u%s", s->fwmark, s->af == AF_INET6 ? " IPv6" : "");
	else
		fmt_endpoint(s->af, &s->addr, s->port, buf, len);
	return buf;
}

char *fmt_age(double t, char *buf, size_t len)
{
	if (!(t > 0))
		t = 0;
	if (t < 10) {
		snprintf(buf, len, "%.1fs", t);
		return buf;
	}
	uint64_t s = (uint64_t)t;
	if (s < 60)
		snprintf(buf, len, "%" PRIu64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600, s / 60 % 60);
	else if (s < 100 * 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400, s / 3600 % 24);
	else
		snprintf(buf, len, "%" PRIu64 "d", s / 86400);
	return buf;
}
