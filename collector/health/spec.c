/* Health-check specs: validation, the normal form (defaults filled in,
 * fields the kind does not use cleared, strings deep-copied into one blob)
 * and identity. Because unused fields are cleared, two normalised specs are
 * the same probe exactly when every field of the identity is equal, with
 * no case per kind. */
#include "health_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HC_TIME_MAX 86400.0 /* a day: anything longer is a typo */

static const struct hc_kind *const kinds[LVS_CHECK_TYPES] = {
	[LVS_CHECK_TCP] = &hc_kind_tcp,
	[LVS_CHECK_HTTP] = &hc_kind_http,
	[LVS_CHECK_UDP] = &hc_kind_udp,
	[LVS_CHECK_EXEC] = &hc_kind_exec,
	[LVS_CHECK_HTTPS] = &hc_kind_https,
	[LVS_CHECK_DNS] = &hc_kind_dns,
};

const struct hc_kind *hc_kind_of(enum lvs_check_type t)
{
	return (unsigned)t < LVS_CHECK_TYPES ? kinds[t] : NULL;
}

void health_spec_init(struct lvs_check_spec *s, uint16_t af, const union lvs_addr *addr,
                      uint16_t port)
{
	memset(s, 0, sizeof(*s));
	s->af = af;
	if (addr)
		s->addr = *addr;
	s->port = port;
	s->type = LVS_CHECK_TCP;
	s->interval = LVS_CHECK_INTERVAL;
	s->timeout = LVS_CHECK_TIMEOUT;
	s->retry_delay = LVS_CHECK_RETRY_DELAY;
	s->rise = LVS_CHECK_RISE;
	s->fall = LVS_CHECK_FALL;
}

const char *health_type_name(enum lvs_check_type t)
{
	const struct hc_kind *k = hc_kind_of(t);
	return k ? k->name : "?";
}

int health_type_parse(const char *name)
{
	for (int i = 0; name && i < LVS_CHECK_TYPES; i++)
		if (strcasecmp(name, kinds[i]->name) == 0)
			return i;
	return -EINVAL;
}

static int bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *msg, size_t len, const char *fmt, ...)
{
	if (msg && len) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, len, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool af_ok(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

static bool time_ok(double t)
{
	return isfinite(t) && t >= 0 && t <= HC_TIME_MAX;
}

int health_spec_check(const struct lvs_check_spec *s, char *msg, size_t len)
{
	if (!af_ok(s->af))
		return bad(msg, len, "address family %u is neither IPv4 nor IPv6", s->af);
	const struct hc_kind *k = hc_kind_of(s->type);
	if (!k)
		return bad(msg, len, "unknown check type %d", (int)s->type);
	if (s->target_af && !af_ok(s->target_af))
		return bad(msg, len, "target address family %u is neither IPv4 nor IPv6",
		           s->target_af);
	if (s->type != LVS_CHECK_EXEC && !s->port && !s->target_port)
		return bad(msg, len, "a %s check needs a port (the real server's is 0)", k->name);
	if (s->per_service && !af_ok(s->svc_af))
		return bad(msg, len, "service address family %u is neither IPv4 nor IPv6",
		           s->svc_af);
	if (!time_ok(s->interval))
		return bad(msg, len, "interval %g is not between 0 and %g s", s->interval, HC_TIME_MAX);
	if (!time_ok(s->timeout))
		return bad(msg, len, "timeout %g is not between 0 and %g s", s->timeout, HC_TIME_MAX);
	if (!time_ok(s->retry_delay))
		return bad(msg, len, "retry delay %g is not between 0 and %g s", s->retry_delay,
		           HC_TIME_MAX);
	if (!time_ok(s->warmup))
		return bad(msg, len, "warm-up %g is not between 0 and %g s", s->warmup, HC_TIME_MAX);
	if (s->rise > 1000 || s->fall > 1000 || s->retry > 1000)
		return bad(msg, len, "rise, fall and retry must be at most 1000");
	return k->check ? k->check(s, msg, len) : 0;
}

static void addr_norm(union lvs_addr *d, const union lvs_addr *s, uint16_t af)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	if (af)
		memcpy(&a, s, af == AF_INET ? 4 : 16);
	*d = a;
}

/* The identity and the timing after defaults; fields the type does not use
 * are cleared, so that they cannot split identical probes. */
void hc_spec_norm(struct lvs_check_spec *d, const struct lvs_check_spec *s)
{
	*d = *s;
	addr_norm(&d->addr, &s->addr, s->af);
	if (!d->per_service) {
		d->svc_af = d->svc_protocol = d->svc_port = 0;
		d->svc_fwmark = 0;
		memset(&d->svc_addr, 0, sizeof(d->svc_addr));
	} else {
		addr_norm(&d->svc_addr, &s->svc_addr, s->svc_af);
	}
	if (!s->target_af) {
		d->target_af = d->af;
		d->target_addr = d->addr;
	} else {
		addr_norm(&d->target_addr, &s->target_addr, s->target_af);
	}
	if (!d->target_port)
		d->target_port = d->port;
	if (d->interval == 0)
		d->interval = LVS_CHECK_INTERVAL;
	if (d->timeout == 0)
		d->timeout = LVS_CHECK_TIMEOUT;
	if (d->retry_delay == 0)
		d->retry_delay = LVS_CHECK_RETRY_DELAY;
	if (!d->retry)
		d->retry_delay = LVS_CHECK_RETRY_DELAY; /* unused: do not split on it */
	if (!d->rise)
		d->rise = LVS_CHECK_RISE;
	if (!d->fall)
		d->fall = LVS_CHECK_FALL;
	bool http = d->type == LVS_CHECK_HTTP || d->type == LVS_CHECK_HTTPS;
	if (!http) {
		d->http_path = d->http_host = d->http_request = d->http_expect = NULL;
		d->http_status = 0;
	} else if (d->http_request) {
		d->http_path = d->http_host = NULL;
	} else if (!d->http_path) {
		d->http_path = "/";
	}
	if (d->type != LVS_CHECK_HTTPS) {
		d->tls_sni = d->tls_ca_file = NULL;
		d->tls_verify = false;
	} else if (!d->tls_verify) {
		d->tls_ca_file = NULL;
	}
	if (d->type != LVS_CHECK_UDP) {
		d->udp_payload = NULL;
		d->udp_payload_len = 0;
		d->udp_expect = NULL;
		d->udp_no_icmp = false;
	}
	if (d->type != LVS_CHECK_DNS) {
		d->dns_name = NULL;
		d->dns_qtype = 0;
		d->dns_rcode = 0;
		d->dns_expect_af = 0;
	} else if (!d->dns_qtype) {
		d->dns_qtype = 1; /* A */
	}
	addr_norm(&d->dns_expect_addr, &s->dns_expect_addr, d->dns_expect_af);
	if (d->type != LVS_CHECK_EXEC)
		d->exec_argv = NULL;
}

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *put_str(char **at, const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s) + 1;
	char *r = memcpy(*at, s, n);
	*at += n;
	return r;
}

int hc_spec_copy(struct lvs_check_spec *dst, char **blob, const struct lvs_check_spec *src)
{
	struct lvs_check_spec n;
	hc_spec_norm(&n, src);
	size_t argc = 0, size = 0;
	if (n.exec_argv) {
		while (n.exec_argv[argc])
			size += strlen(n.exec_argv[argc++]) + 1;
		size += (argc + 1) * sizeof(char *);
	}
	size += str_size(n.http_path) + str_size(n.http_host) + str_size(n.http_request) +
	        str_size(n.http_expect) + str_size(n.udp_expect) + n.udp_payload_len +
	        str_size(n.tls_sni) + str_size(n.tls_ca_file) + str_size(n.dns_name);
	*blob = NULL;
	if (size) {
		/* pointers first: the blob is malloc-aligned */
		char *b = malloc(size);
		if (!b)
			return -ENOMEM;
		char *at = b;
		if (n.exec_argv) {
			const char **argv = (const char **)(void *)at;
			at += (argc + 1) * sizeof(char *);
			for (size_t i = 0; i < argc; i++)
				argv[i] = put_str(&at, n.exec_argv[i]);
			argv[argc] = NULL;
			n.exec_argv = argv;
		}
		n.http_path = put_str(&at, n.http_path);
		n.http_host = put_str(&at, n.http_host);
		n.http_request = put_str(&at, n.http_request);
		n.http_expect = put_str(&at, n.http_expect);
		n.udp_expect = put_str(&at, n.udp_expect);
		n.tls_sni = put_str(&at, n.tls_sni);
		n.tls_ca_file = put_str(&at, n.tls_ca_file);
		n.dns_name = put_str(&at, n.dns_name);
		if (n.udp_payload_len) {
			n.udp_payload = memcpy(at, n.udp_payload, n.udp_payload_len);
			at += n.udp_payload_len;
		} else {
			n.udp_payload = NULL;
		}
		*blob = b;
	}
	*dst = n;
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool argv_eq(const char *const *a, const char *const *b)
{
	if (!a || !b)
		return a == b;
	size_t i = 0;
	for (; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return !a[i] && !b[i];
}

/* Both normalised. The real server judged, the service scope and `user`
 * are left out on purpose: they say where a result goes, not what runs. */
bool hc_spec_same(const struct lvs_check_spec *a, const struct lvs_check_spec *b)
{
	return a->type == b->type && a->target_af == b->target_af &&
	       a->target_port == b->target_port &&
	       memcmp(&a->target_addr, &b->target_addr, sizeof(a->target_addr)) == 0 &&
	       a->interval == b->interval && a->timeout == b->timeout &&
	       a->retry_delay == b->retry_delay && a->warmup == b->warmup && a->rise == b->rise &&
	       a->fall == b->fall && a->retry == b->retry &&
	       /* http, https */
	       a->http_status == b->http_status && str_eq(a->http_path, b->http_path) &&
	       str_eq(a->http_host, b->http_host) && str_eq(a->http_request, b->http_request) &&
	       str_eq(a->http_expect, b->http_expect) &&
	       /* https */
	       a->tls_verify == b->tls_verify && str_eq(a->tls_sni, b->tls_sni) &&
	       str_eq(a->tls_ca_file, b->tls_ca_file) &&
	       /* udp */
	       a->udp_no_icmp == b->udp_no_icmp && a->udp_payload_len == b->udp_payload_len &&
	       (!a->udp_payload_len ||
	        memcmp(a->udp_payload, b->udp_payload, a->udp_payload_len) == 0) &&
	       str_eq(a->udp_expect, b->udp_expect) &&
	       /* dns */
	       str_eq(a->dns_name, b->dns_name) && a->dns_qtype == b->dns_qtype &&
	       a->dns_rcode == b->dns_rcode && a->dns_expect_af == b->dns_expect_af &&
	       memcmp(&a->dns_expect_addr, &b->dns_expect_addr, sizeof(a->dns_expect_addr)) == 0 &&
	       /* exec */
	       argv_eq(a->exec_argv, b->exec_argv);
}

/* FNV-1a, 64-bit */
uint64_t hc_fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t fnv_str(uint64_t h, const char *s)
{
	return s ? hc_fnv(h, s, strlen(s) + 1) : hc_fnv(h, "", 1);
}

uint64_t hc_spec_key(const struct lvs_check_spec *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int t = s->type;
	h = hc_fnv(h, &t, sizeof(t));
	h = hc_fnv(h, &s->target_af, sizeof(s->target_af));
	h = hc_fnv(h, &s->target_port, sizeof(s->target_port));
	h = hc_fnv(h, &s->target_addr, sizeof(s->target_addr));
	double tm[4] = {s->interval, s->timeout, s->retry_delay, s->warmup};
	h = hc_fnv(h, tm, sizeof(tm));
	uint32_t c[3] = {s->rise, s->fall, s->retry};
	h = hc_fnv(h, c, sizeof(c));
	h = fnv_str(h, s->http_path);
	h = fnv_str(h, s->http_request);
	h = fnv_str(h, s->http_expect);
	h = fnv_str(h, s->tls_sni);
	h = fnv_str(h, s->dns_name);
	if (s->udp_payload_len)
		h = hc_fnv(h, s->udp_payload, s->udp_payload_len);
	for (size_t i = 0; s->exec_argv && s->exec_argv[i]; i++)
		h = fnv_str(h, s->exec_argv[i]);
	return h;
}
