#include "rrd_spec.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SECS (20u * 365u * 86400u)

void rrd_spec_default(struct rrd_spec *s)
{
	*s = (struct rrd_spec){
		.step = 10,
		/* Three steps: a poll or two may be late (a slow netlink dump,
		 * a full queue) without punching holes into the graphs. */
		.heartbeat = 30,
		.cfs = RRD_CF_AVERAGE,
		.n_rras = 3,
		.rras = { { 10, 86400 }, { 60, 30 * 86400 }, { 3600, 365 * 86400 } },
	};
}

static const struct unit {
	const char *name;
	unsigned secs;
} units[] = {
	{ "s", 1 },	    { "min", 60 },	  { "h", 3600 },	   { "d", 86400 },
	{ "w", 7 * 86400 }, { "mo", 30 * 86400 }, { "y", 365 * 86400 }, { "", 1 },
};

int rrd_spec_parse_duration(const char *s, unsigned *secs, char *err, size_t errlen)
{
	const char *p = s;
	unsigned long long n = 0;
	if (!s || *p < '0' || *p > '9') {
		snprintf(err, errlen, "bad duration '%s': expected a number and a unit (s, min, h, d, "
			 "w, mo, y), e.g. 1h", s ? s : "");
		return -EINVAL;
	}
	while (*p >= '0' && *p <= '9') {
		n = n * 10 + (unsigned)(*p++ - '0');
		if (n > MAX_SECS)
			break;
	}
	if (!strcmp(p, "m") || !strcmp(p, "M")) {
		snprintf(err, errlen, "ambiguous unit in '%s': write min (minutes) or mo (months)", s);
		return -EINVAL;
	}
	for (const struct unit *u = units; u < units + sizeof(units) / sizeof(units[0]); u++) {
		if (strcmp(p, u->name))
			continue;
		if (n == 0 || n * u->secs > MAX_SECS) {
			snprintf(err, errlen, "duration '%s' out of range (1 s to 20 y)", s);
			return -EINVAL;
		}
		*secs = (unsigned)(n * u->secs);
		return 0;
	}
	snprintf(err, errlen, "unknown unit in '%s' (s, min, h, d, w, mo, y)", s);
	return -EINVAL;
}

int rrd_spec_parse_rra(const char *s, unsigned step, struct rrd_rra *out, char *err,
		       size_t errlen)
{
	char a[32];
	const char *colon = s ? strchr(s, ':') : NULL;
	if (!colon || (size_t)(colon - s) >= sizeof(a) || strchr(colon + 1, ':')) {
		snprintf(err, errlen, "bad archive '%s': expected RESOLUTION:SPAN, e.g. 1min:30d",
			 s ? s : "");
		return -EINVAL;
	}
	memcpy(a, s, (size_t)(colon - s));
	a[colon - s] = 0;
	struct rrd_rra r;
	char why[160];
	if (rrd_spec_parse_duration(a, &r.res, why, sizeof(why)) ||
	    rrd_spec_parse_duration(colon + 1, &r.span, why, sizeof(why))) {
		snprintf(err, errlen, "archive '%s': %s", s, why);
		return -EINVAL;
	}
	if (step == 0 || r.res % step) {
		snprintf(err, errlen, "archive '%s': resolution %u s is not a multiple of the step (%u s)",
			 s, r.res, step);
		return -EINVAL;
	}
	if (r.span % r.res || r.span / r.res < 2) {
		snprintf(err, errlen,
			 "archive '%s': span %u s must be a multiple of the resolution %u s "
			 "(two rows at least)",
			 s, r.span, r.res);
		return -EINVAL;
	}
	*out = r;
	return 0;
}

static const char *const cf_names[] = { "AVERAGE", "MAX", "MIN", "LAST" };

unsigned rrd_spec_cf_from_name(const char *name)
{
	for (unsigned i = 0; i < 4; i++)
		if (!strcmp(name, cf_names[i]))
			return 1u << i;
	return 0;
}

int rrd_spec_check(const struct rrd_spec *s, char *err, size_t errlen)
{
	if (s->step < 1 || s->step > 3600) {
		snprintf(err, errlen, "step must be 1..3600 seconds (got %u)", s->step);
		return -EINVAL;
	}
	if (s->heartbeat < s->step) {
		snprintf(err, errlen, "heartbeat (%u s) must be at least the step (%u s)", s->heartbeat,
			 s->step);
		return -EINVAL;
	}
	if (!s->cfs || s->cfs & ~0xfu) {
		snprintf(err, errlen, "at least one consolidation function (AVERAGE, MAX, MIN, LAST)");
		return -EINVAL;
	}
	if (s->n_rras < 1 || s->n_rras > RRD_SPEC_MAX_RRAS) {
		snprintf(err, errlen, "1 to %d archives (got %zu)", RRD_SPEC_MAX_RRAS, s->n_rras);
		return -EINVAL;
	}
	for (size_t i = 0; i < s->n_rras; i++) {
		const struct rrd_rra *r = &s->rras[i];
		if (!r->res || r->res % s->step || !r->span || r->span % r->res ||
		    r->span / r->res < 2) {
			snprintf(err, errlen,
				 "archive %zu (%u s for %u s) does not fit the step of %u s", i + 1,
				 r->res, r->span, s->step);
			return -EINVAL;
		}
	}
	return 0;
}

static const char *const ds_names[RRD_SPEC_SVC_DS] = {
	"conns", "inpkts", "outpkts", "inbytes", "outbytes",
	"active", "inactive", "persistent", "weight", "real_servers",
};

const char *rrd_spec_ds_name(size_t i)
{
	return i < RRD_SPEC_SVC_DS ? ds_names[i] : NULL;
}

bool rrd_spec_ds_is_counter(size_t i)
{
	return i < 5;
}

int rrd_spec_create_args(const struct rrd_spec *s, bool service, char (*defs)[RRD_SPEC_DEF_MAX],
			 size_t max)
{
	size_t n = 0, nds = service ? RRD_SPEC_SVC_DS : RRD_SPEC_RS_DS;
	for (size_t i = 0; i < nds; i++) {
		if (n >= max)
			return -ENOSPC;
		/* DERIVE with a minimum of 0 rather than COUNTER: IPVS counters
		 * are 64-bit and never wrap in practice, but they do go back to
		 * zero (ipvsadm -Z, a service deleted and added again). COUNTER
		 * would read that as a wrap and store an enormous spike; DERIVE
		 * stores a negative rate, which the minimum turns into unknown. */
		snprintf(defs[n++], RRD_SPEC_DEF_MAX, "DS:%s:%s:%u:0:U", ds_names[i],
			 rrd_spec_ds_is_counter(i) ? "DERIVE" : "GAUGE", s->heartbeat);
	}
	for (unsigned c = 0; c < 4; c++) {
		if (!(s->cfs & (1u << c)))
			continue;
		for (size_t i = 0; i < s->n_rras; i++) {
			if (n >= max)
				return -ENOSPC;
			snprintf(defs[n++], RRD_SPEC_DEF_MAX, "RRA:%s:0.5:%u:%u", cf_names[c],
				 s->rras[i].res / s->step, s->rras[i].span / s->rras[i].res);
		}
	}
	return (int)n;
}

int rrd_spec_values(double time, const struct lvs_service *svc, const struct lvs_dest *d,
		    char *buf, size_t len)
{
	int n;
	if (d) {
		n = snprintf(buf, len,
			     "%.3f:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64
			     ":%u:%u:%u:%d",
			     time, d->stats.conns, d->stats.inpkts, d->stats.outpkts,
			     d->stats.inbytes, d->stats.outbytes, d->active_conns, d->inact_conns,
			     d->persist_conns, d->weight > 0 ? d->weight : 0);
	} else {
		/* The kernel keeps connection counts per real server only: the
		 * service's are the sums, as in /metrics. */
		uint64_t act = 0, inact = 0, pers = 0, w = 0;
		for (size_t i = 0; i < svc->n_dests; i++) {
			act += svc->dests[i].active_conns;
			inact += svc->dests[i].inact_conns;
			pers += svc->dests[i].persist_conns;
			w += svc->dests[i].weight > 0 ? (uint64_t)svc->dests[i].weight : 0;
		}
		n = snprintf(buf, len,
			     "%.3f:%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64
			     ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64 ":%zu",
			     time, svc->stats.conns, svc->stats.inpkts, svc->stats.outpkts,
			     svc->stats.inbytes, svc->stats.outbytes, act, inact, pers, w,
			     svc->n_dests);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* --- ids ------------------------------------------------------------------------- */

static int addr_id(uint16_t af, const union lvs_addr *a, char *buf, size_t len)
{
	char t[INET6_ADDRSTRLEN];
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, t, sizeof(t)))
		return -EINVAL;
	if (strlen(t) >= len)
		return -ENOSPC;
	/* ':' would need escaping in rrdtool's DEF syntax and reads badly in
	 * a URL; '_' never occurs in either address family's text. */
	for (char *p = t; *p; p++)
		if (*p == ':')
			*p = '_';
	strcpy(buf, t);
	return 0;
}

static const char *proto_name(uint16_t p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	default: return NULL;
	}
}

int rrd_spec_service_id(const struct lvs_service *s, char *buf, size_t len)
{
	int n;
	if (s->fwmark) {
		n = snprintf(buf, len, "%s-%" PRIu32, s->af == AF_INET6 ? "fwm6" : "fwm", s->fwmark);
	} else {
		const char *p = proto_name(s->protocol);
		char a[INET6_ADDRSTRLEN];
		if (!p || addr_id(s->af, &s->addr, a, sizeof(a)))
			return -EINVAL;
		n = snprintf(buf, len, "%s-%s-%u", p, a, s->port);
	}
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int rrd_spec_dest_id(const struct lvs_dest *d, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	if (addr_id(d->af, &d->addr, a, sizeof(a)))
		return -EINVAL;
	int n = snprintf(buf, len, "%s-%u", a, d->port);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

/* "ADDR-PORT" with ADDR in id form: af, address, port. */
static int parse_addr_port(const char *s, uint16_t *af, union lvs_addr *a, uint16_t *port,
			   char *err, size_t errlen)
{
	const char *dash = strrchr(s, '-');
	char t[INET6_ADDRSTRLEN];
	if (!dash || dash == s || (size_t)(dash - s) >= sizeof(t)) {
		snprintf(err, errlen, "'%s': expected ADDRESS-PORT", s);
		return -EINVAL;
	}
	memcpy(t, s, (size_t)(dash - s));
	t[dash - s] = 0;
	bool v6 = strchr(t, '_') != NULL;
	for (char *p = t; *p; p++)
		if (*p == '_')
			*p = ':';
	memset(a, 0, sizeof(*a));
	if (inet_pton(v6 ? AF_INET6 : AF_INET, t, a) != 1) {
		snprintf(err, errlen, "'%s': not an address (IPv6 is written with '_' for ':')", s);
		return -EINVAL;
	}
	char *end;
	errno = 0;
	unsigned long p = strtoul(dash + 1, &end, 10);
	if (!dash[1] || *end || errno || p > 65535 || dash[1] < '0' || dash[1] > '9') {
		snprintf(err, errlen, "'%s': bad port", s);
		return -EINVAL;
	}
	*af = v6 ? AF_INET6 : AF_INET;
	*port = (uint16_t)p;
	return 0;
}

static int not_canonical(const char *id, const char *want, char *err, size_t errlen)
{
	snprintf(err, errlen, "'%s' is not in canonical form (write '%s')", id, want);
	return -EINVAL;
}

int rrd_spec_parse_service_id(const char *id, struct lvs_service *out, char *err, size_t errlen)
{
	struct lvs_service s;
	memset(&s, 0, sizeof(s));
	char back[RRD_SPEC_ID_MAX];
	if (!strncmp(id, "fwm-", 4) || !strncmp(id, "fwm6-", 5)) {
		bool v6 = id[3] == '6';
		const char *n = id + (v6 ? 5 : 4);
		char *end;
		errno = 0;
		unsigned long m = strtoul(n, &end, 10);
		if (*n < '0' || *n > '9' || *end || errno || m == 0 || m > UINT32_MAX) {
			snprintf(err, errlen, "'%s': bad firewall mark (1..4294967295)", id);
			return -EINVAL;
		}
		s.af = v6 ? AF_INET6 : AF_INET;
		s.fwmark = (uint32_t)m;
	} else {
		const char *dash = strchr(id, '-');
		size_t pl = dash ? (size_t)(dash - id) : 0;
		if (pl == 3 && !strncmp(id, "tcp", 3))
			s.protocol = IPPROTO_TCP;
		else if (pl == 3 && !strncmp(id, "udp", 3))
			s.protocol = IPPROTO_UDP;
		else if (pl == 4 && !strncmp(id, "sctp", 4))
			s.protocol = IPPROTO_SCTP;
		else {
			snprintf(err, errlen,
				 "'%s': a service id starts with tcp-, udp-, sctp-, fwm- or fwm6-", id);
			return -EINVAL;
		}
		if (parse_addr_port(dash + 1, &s.af, &s.addr, &s.port, err, errlen))
			return -EINVAL;
	}
	if (rrd_spec_service_id(&s, back, sizeof(back)))
		return not_canonical(id, "?", err, errlen);
	if (strcmp(back, id))
		return not_canonical(id, back, err, errlen);
	*out = s;
	return 0;
}

int rrd_spec_parse_dest_id(const char *id, struct lvs_dest *out, char *err, size_t errlen)
{
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	char back[RRD_SPEC_ID_MAX];
	if (parse_addr_port(id, &d.af, &d.addr, &d.port, err, errlen))
		return -EINVAL;
	if (rrd_spec_dest_id(&d, back, sizeof(back)))
		return not_canonical(id, "?", err, errlen);
	if (strcmp(back, id))
		return not_canonical(id, back, err, errlen);
	*out = d;
	return 0;
}

int rrd_spec_path(const char *dir, const char *svc_id, const char *rs_id, char *buf, size_t len)
{
	int n = rs_id ? snprintf(buf, len, "%s/%s/%s.rrd", dir, svc_id, rs_id)
		      : snprintf(buf, len, "%s/%s.rrd", dir, svc_id);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
