#include "addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "share/log.h"

static int fail(struct lvs_addr_port *out, char *err, size_t errlen, const char *what,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int fail(struct lvs_addr_port *out, char *err, size_t errlen, const char *what,
		const char *fmt, ...)
{
	memset(out, 0, sizeof(*out));
	if (err && errlen) {
		char msg[256];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "%s: %s", what ? what : "address", msg);
	}
	return -EINVAL;
}

/* Decimal digits only, at most 5. -1 when not a number. */
static long port_number(const char *p)
{
	long v = 0;
	size_t n = 0;
	for (; p[n]; n++) {
		if (p[n] < '0' || p[n] > '9' || n == 5)
			return -1;
		v = v * 10 + (p[n] - '0');
	}
	return n ? v : -1;
}

int addr_parse(const char *what, const char *s, unsigned flags, struct lvs_addr_port *out,
	       char *err, size_t errlen)
{
	char q[96], host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	size_t hl;
	bool v6;
	unsigned rule = flags & ADDR_PORT_RULE;

	memset(out, 0, sizeof(*out));
	log_clean(q, sizeof(q), s, strlen(s));
	if (!*s)
		return fail(out, err, errlen, what, "empty (expected an IP address)");
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return fail(out, err, errlen, what, "'%s' has no closing ']'", q);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return fail(out, err, errlen, what, "'%s' has text after ']' that is not :PORT", q);
		hl = (size_t)(close - s - 1);
		if (hl >= sizeof(host))
			return fail(out, err, errlen, what, "'%s' is not an IPv6 address", q);
		memcpy(host, s + 1, hl);
		host[hl] = 0;
		if (inet_pton(AF_INET6, host, &out->addr.v6) != 1)
			return fail(out, err, errlen, what, "'%s' is not an IPv6 address%s", q,
				    inet_pton(AF_INET, host, &out->addr.v4) == 1 ?
					    " (write IPv4 without brackets)" : "");
		v6 = true;
	} else {
		const char *colon = strchr(s, ':');
		if (colon && strchr(colon + 1, ':')) {
			/* Two colons or more: IPv6, which takes no port here. */
			if (!(flags & ADDR_BARE_V6) || rule == ADDR_PORT_REQUIRED)
				return fail(out, err, errlen, what,
					    "'%s': write an IPv6 address in brackets, as [ADDR]%s", q,
					    rule == ADDR_PORT_FORBIDDEN ? "" : ":PORT");
			if (strlen(s) >= sizeof(host) || inet_pton(AF_INET6, s, &out->addr.v6) != 1)
				return fail(out, err, errlen, what, "'%s' is not an IPv6 address", q);
			v6 = true;
		} else {
			hl = colon ? (size_t)(colon - s) : strlen(s);
			if (colon)
				port = colon + 1;
			if (hl >= sizeof(host))
				return fail(out, err, errlen, what, "'%s' is not an IP address", q);
			memcpy(host, s, hl);
			host[hl] = 0;
			if (!hl || inet_pton(AF_INET, host, &out->addr.v4) != 1)
				return fail(out, err, errlen, what,
					    "'%s' is not a numeric IPv4 or IPv6 address "
					    "(names are not resolved)", q);
			v6 = false;
		}
	}
	out->af = v6 ? AF_INET6 : AF_INET;
	if (port) {
		if (rule == ADDR_PORT_FORBIDDEN)
			return fail(out, err, errlen, what, "'%s': no port may be given here", q);
		long p = port_number(port);
		long lo = flags & ADDR_PORT_ZERO ? 0 : 1;
		if (p < lo || p > 65535)
			return fail(out, err, errlen, what, "'%s': the port must be a number %ld..65535",
				    q, lo);
		out->port = (uint16_t)p;
		out->has_port = true;
	} else if (rule == ADDR_PORT_REQUIRED) {
		return fail(out, err, errlen, what, "'%s' has no port (write %s)", q,
			    v6 ? "[ADDR]:PORT" : "ADDR:PORT");
	}
	return 0;
}

int addr_cmp(uint16_t af_a, const union lvs_addr *a, uint16_t af_b, const union lvs_addr *b)
{
	bool a6 = af_a == AF_INET6, b6 = af_b == AF_INET6;
	if (a6 != b6)
		return a6 ? 1 : -1;
	return memcmp(a->raw, b->raw, a6 ? 16 : 4);
}

int addr_port_cmp(const struct lvs_addr_port *a, const struct lvs_addr_port *b)
{
	int c = addr_cmp(a->af, &a->addr, b->af, &b->addr);
	if (c)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

char *addr_port_format(const struct lvs_addr_port *a, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];
	bool v6 = a->af == AF_INET6;
	if (!inet_ntop(v6 ? AF_INET6 : AF_INET, &a->addr, h, sizeof(h)))
		snprintf(h, sizeof(h), "?");
	if (!a->has_port)
		snprintf(buf, len, "%s", h);
	else if (v6)
		snprintf(buf, len, "[%s]:%u", h, a->port);
	else
		snprintf(buf, len, "%s:%u", h, a->port);
	return buf;
}
