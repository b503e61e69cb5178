/* The fields of each piece of a snapshot document, checked and read into
 * the model: types, ranges and names, each error naming its field. */
#include "snapjson_read_int.h"

#include "health.h"
#include "names.h"
#include "snapjson_read.h"
#include "snapshot.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void snapjson_where(struct snapjson_ctx *c, const char *where, size_t i, size_t j)
{
	c->where = where;
	c->i = i;
	c->j = j;
	c->sub = NULL;
}

int snapjson_fail(struct snapjson_ctx *c, const char *key, const char *fmt, ...)
{
	char why[128], at[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	int n = snprintf(at, sizeof(at), c->where ? c->where : "", c->i, c->j);
	if (c->sub && n >= 0 && (size_t)n < sizeof(at))
		snprintf(at + n, sizeof(at) - (size_t)n, "%s%s", n ? "." : "", c->sub);
	snprintf(c->err, c->errlen, "%s%s%s: %s", at, at[0] && key[0] ? "." : "", key, why);
	return -EINVAL;
}

int snapjson_field(struct snapjson_ctx *c, struct jnode *o, const char *key, enum jnode_type t,
		   bool nullable, struct jnode **out)
{
	struct jnode *v = jnode_get(o, key);
	*out = NULL;
	if (!v)
		return snapjson_fail(c, key, "missing");
	if (v->type == JN_NULL && nullable)
		return 0;
	if (v->type != t && !(t == JN_DOUBLE && v->type == JN_INT))
		return snapjson_fail(c, key, "expected %s", jnode_type_name(t));
	*out = v;
	return 0;
}

/* An integer's text as a uint64_t: false when negative (other than -0)
 * or over 2^64 - 1. */
static bool text_u64(const char *t, uint64_t *out)
{
	bool neg = *t == '-';
	t += neg;
	uint64_t v = 0;
	for (; *t >= '0' && *t <= '9'; t++) {
		unsigned d = (unsigned)(*t - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg && v)
		return false;
	*out = v;
	return true;
}

static int get_u64(struct snapjson_ctx *c, struct jnode *o, const char *key, uint64_t max,
		   uint64_t *out)
{
	struct jnode *v;
	int r = snapjson_field(c, o, key, JN_INT, false, &v);
	if (r)
		return r;
	uint64_t x;
	if (!text_u64(v->text, &x) || x > max)
		return snapjson_fail(c, key, "out of range");
	*out = x;
	return 0;
}

#define GET_U(c, o, key, dst)                                                              \
	({                                                                                 \
		uint64_t _v = 0;                                                           \
		int _r = get_u64(c, o, key, (__typeof__(dst))~(__typeof__(dst))0, &_v);     \
		if (!_r)                                                                   \
			(dst) = (__typeof__(dst))_v;                                       \
		_r;                                                                        \
	})

/* A number in [min, max]: every time and duration a document carries is
 * bounded before anything converts it. Optional fields may be absent or
 * null (*out untouched). LC_NUMERIC is never set: strtod reads '.'. */
static int get_double(struct snapjson_ctx *c, struct jnode *o, const char *key, bool optional,
		      double min, double max, double *out)
{
	struct jnode *v;
	if (optional && (!(v = jnode_get(o, key)) || v->type == JN_NULL))
		return 0;
	int r = snapjson_field(c, o, key, JN_DOUBLE, false, &v);
	if (r)
		return r;
	double x = strtod(v->text, NULL);
	if (!(x >= min && x <= max))
		return snapjson_fail(c, key, "out of range (%g to %g)", min, max);
	*out = x;
	return 0;
}

static int get_str(struct snapjson_ctx *c, struct jnode *o, const char *key, const char **out)
{
	struct jnode *v;
	int r = snapjson_field(c, o, key, JN_STRING, false, &v);
	if (!r)
		*out = v->text;
	return r;
}

static int get_addr(struct snapjson_ctx *c, struct jnode *o, const char *key, uint16_t *af,
		    union lvs_addr *a)
{
	const char *s = NULL;
	int r = get_str(c, o, key, &s);
	if (r)
		return r;
	if (lvs_addr_pton(s, af, a))
		return snapjson_fail(c, key, "not an IPv4 or IPv6 address: \"%.40s\"", s);
	return 0;
}

static int get_sub(struct snapjson_ctx *c, struct jnode *o, const char *key, struct jnode **sub)
{
	int r = snapjson_field(c, o, key, JN_OBJECT, false, sub);
	if (!r)
		c->sub = key;
	return r;
}

static int get_stats(struct snapjson_ctx *c, struct jnode *o, struct lvs_stats *st)
{
	struct jnode *v;
	int r = get_sub(c, o, "stats", &v) ?: GET_U(c, v, "conns", st->conns)
		?: GET_U(c, v, "inpkts", st->inpkts) ?: GET_U(c, v, "outpkts", st->outpkts)
		?: GET_U(c, v, "inbytes", st->inbytes) ?: GET_U(c, v, "outbytes", st->outbytes);
	if (!r)
		c->sub = NULL;
	return r;
}

static int get_krates(struct snapjson_ctx *c, struct jnode *o, struct lvs_kern_rates *kr)
{
	struct jnode *v;
	int r = get_sub(c, o, "rates", &v) ?: GET_U(c, v, "cps", kr->cps)
		?: GET_U(c, v, "inpps", kr->inpps) ?: GET_U(c, v, "outpps", kr->outpps)
		?: GET_U(c, v, "inbps", kr->inbps) ?: GET_U(c, v, "outbps", kr->outbps);
	if (!r)
		c->sub = NULL;
	return r;
}

static int get_names(struct snapjson_ctx *c, struct jnode *o, const char *key, struct jnode **arr)
{
	int r = snapjson_field(c, o, key, JN_ARRAY, false, arr);
	if (r)
		return r;
	for (struct jnode *v = (*arr)->first; v; v = v->next)
		if (v->type != JN_STRING)
			return snapjson_fail(c, key, "expected an array of strings");
	return 0;
}

static const char *const health_names[] = { "unknown", "up", "down" };

int snapjson_read_dest(struct snapjson_ctx *c, struct jnode *o, struct lvs_snapshot *s,
		       struct lvs_dest *d, struct lvs_kern_rates *kr, bool *has_kr)
{
	const char *fwd = NULL;
	int r = get_addr(c, o, "address", &d->af, &d->addr) ?: GET_U(c, o, "port", d->port)
		?: get_str(c, o, "forward", &fwd);
	if (r)
		return r;
	int f = lvs_fwd_from_name(fwd);
	if (f < 0)
		return snapjson_fail(c, "forward", "unknown method \"%.20s\"", fwd);
	d->fwd = (uint32_t)f;
	uint64_t w = 0;
	r = get_u64(c, o, "weight", INT32_MAX, &w) ?: GET_U(c, o, "active_conns", d->active_conns)
		?: GET_U(c, o, "inactive_conns", d->inact_conns)
		?: GET_U(c, o, "persistent_conns", d->persist_conns)
		?: GET_U(c, o, "upper_threshold", d->u_thresh)
		?: GET_U(c, o, "lower_threshold", d->l_thresh) ?: get_stats(c, o, &d->stats);
	if (r)
		return r;
	/* The kernel's rates, where the writer kept them (lvsd keeps none
	 * for real servers). */
	if (jnode_get(o, "rates")) {
		if ((r = get_krates(c, o, kr)))
			return r;
		*has_kr = true;
	}
	d->weight = (int32_t)w;
	struct jnode *t = jnode_get(o, "health");
	if (t && t->type == JN_STRING) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(t->text, health_names[i]))
				d->health = (unsigned)i;
		double cs = 0, since = 0;
		r = get_double(c, o, "health_since", true, 0, SNAPJSON_SINCE_MAX, &since)
			?: get_double(c, o, "check_seconds", true, 0, SNAPJSON_CHECK_SECONDS_MAX, &cs);
		if (r)
			return r;
		d->health_since = lvs_time32(since);
		d->check_seconds = (float)cs;
		if ((t = jnode_get(o, "health_error")) && t->type == JN_STRING &&
		    (r = snapshot_add_text(s, t->text, LVS_DEST_ERROR_MAX, &d->health_error)))
			return r;
		unsigned reason, code;
		/* a reason from a newer writer is left out, not an error */
		if ((t = jnode_get(o, "health_reason")) && t->type == JN_STRING &&
		    !health_reason_parse(t->text, &reason, &code)) {
			since = 0;
			if ((r = get_double(c, o, "health_reason_since", true, 0, SNAPJSON_SINCE_MAX,
					    &since)))
				return r;
			d->health_reason = reason; /* below LVS_HR_COUNT */
			d->health_code = (uint16_t)code;
			d->health_reason_since = lvs_time32(since);
		}
	}
	if (d->fwd == LVS_FWD_TUNNEL && (t = jnode_get(o, "tunnel")) && t->type != JN_NULL) {
		const char *type = NULL;
		struct jnode *fl = NULL;
		r = get_sub(c, o, "tunnel", &t) ?: get_str(c, t, "type", &type)
			?: GET_U(c, t, "port", d->tun_port) ?: get_names(c, t, "flags", &fl);
		if (r)
			return r;
		int tt = lvs_tun_type_from_name(type);
		if (tt < 0)
			return snapjson_fail(c, "type", "unknown tunnel type \"%.20s\"", type);
		d->tun_type = (uint8_t)tt;
		for (struct jnode *v = fl->first; v; v = v->next)
			d->tun_flags |= lvs_tun_flag_from_name(v->text);
		c->sub = NULL;
	}
	return 0;
}

int snapjson_read_service(struct snapjson_ctx *c, struct jnode *o, struct lvs_service *s)
{
	const char *proto = NULL, *af = NULL, *sched = NULL;
	int r = get_str(c, o, "protocol", &proto) ?: get_str(c, o, "af", &af)
		?: get_str(c, o, "scheduler", &sched);
	if (r)
		return r;
	if (strcmp(af, "inet") && strcmp(af, "inet6"))
		return snapjson_fail(c, "af", "expected \"inet\" or \"inet6\"");
	s->af = !strcmp(af, "inet6") ? AF_INET6 : AF_INET;
	if (strlen(sched) >= sizeof(s->sched))
		return snapjson_fail(c, "scheduler", "name too long");
	strcpy(s->sched, sched);
	if (!strcmp(proto, "fwm")) {
		r = GET_U(c, o, "fwmark", s->fwmark);
		if (r)
			return r;
		if (!s->fwmark)
			return snapjson_fail(c, "fwmark", "must not be 0");
	} else {
		int p = lvs_proto_from_name(proto);
		if (p < 0)
			return snapjson_fail(c, "protocol", "unknown protocol \"%.20s\"", proto);
		s->protocol = (uint16_t)p;
		uint16_t aaf;
		r = get_addr(c, o, "address", &aaf, &s->addr) ?: GET_U(c, o, "port", s->port);
		if (r)
			return r;
		if (aaf != s->af)
			return snapjson_fail(c, "address", "family does not match \"af\"");
	}
	struct jnode *fl = NULL;
	r = get_names(c, o, "flags", &fl) ?: GET_U(c, o, "timeout", s->timeout);
	if (r)
		return r;
	for (struct jnode *v = fl->first; v; v = v->next) {
		uint32_t bit = lvs_svc_flag_from_name(v->text);
		if (!bit)
			return snapjson_fail(c, "flags", "unknown flag \"%.20s\"", v->text);
		s->flags |= bit;
	}
	if (s->af == AF_INET6) {
		r = GET_U(c, o, "netmask", s->netmask);
		if (!r && s->netmask > 128)
			r = snapjson_fail(c, "netmask", "out of range");
	} else {
		uint16_t maf;
		union lvs_addr m;
		r = get_addr(c, o, "netmask", &maf, &m);
		if (!r && maf != AF_INET)
			r = snapjson_fail(c, "netmask", "expected an IPv4 mask");
		if (!r)
			s->netmask = m.v4.s_addr;
	}
	if (r)
		return r;
	struct jnode *pe = jnode_get(o, "pe_name");
	if (pe && pe->type == JN_STRING) {
		if (pe->len >= sizeof(s->pe_name))
			return snapjson_fail(c, "pe_name", "name too long");
		memcpy(s->pe_name, pe->text, pe->len + 1);
	}
	return get_stats(c, o, &s->stats) ?: get_krates(c, o, &s->krates);
}

static int parse_states(struct snapjson_ctx *c, struct jnode *o, struct lvs_state_count *st,
			size_t *n)
{
	struct jnode *v;
	int r = snapjson_field(c, o, "by_state", JN_OBJECT, false, &v);
	if (r)
		return r;
	*n = 0;
	for (struct jnode *k = v->first; k; k = k->next) {
		if (*n == LVS_CONN_STATES_MAX || k->key_len >= LVS_STATE_NAME_MAX)
			return snapjson_fail(c, "by_state", "too many or too long state names");
		if (k->type != JN_INT || !text_u64(k->text, &st[*n].count))
			return snapjson_fail(c, "by_state", "expected counts");
		memcpy(st[*n].name, k->key, k->key_len + 1);
		(*n)++;
	}
	return 0;
}

static int parse_conns(struct snapjson_ctx *c, struct jnode *root, struct lvs_conn_summary *cs)
{
	struct jnode *o = jnode_get(root, "connections"), *v, *rs, *tc;
	if (!o || o->type == JN_NULL)
		return 0; /* optional: a recording may carry no connection table */
	snapjson_where(c, "connections", 0, 0);
	if (o->type != JN_OBJECT)
		return snapjson_fail(c, "", "expected an object");
	if ((v = jnode_get(o, "available")))
		cs->available = v->type == JN_BOOL ? v->b : v->type != JN_NULL;
	if ((v = jnode_get(o, "partial")))
		cs->partial = v->type == JN_BOOL ? v->b : v->type != JN_NULL;
	int r = GET_U(c, o, "total", cs->total) ?: parse_states(c, o, cs->states, &cs->n_states)
		?: snapjson_field(c, o, "by_real_server", JN_ARRAY, false, &rs)
		?: snapjson_field(c, o, "top_clients", JN_ARRAY, false, &tc);
	if (r)
		return r;
	size_t nr = rs->n, nt = tc->n;
	cs->dests = nr ? calloc(nr, sizeof(*cs->dests)) : NULL;
	cs->top_clients = nt ? calloc(nt, sizeof(*cs->top_clients)) : NULL;
	if ((nr && !cs->dests) || (nt && !cs->top_clients))
		return -ENOMEM;
	size_t i = 0;
	for (struct jnode *x = rs->first; x; x = x->next, i++) {
		struct lvs_conn_dest *d = &cs->dests[i];
		snapjson_where(c, "connections.by_real_server[%zu]", i, 0);
		if (x->type != JN_OBJECT)
			return snapjson_fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &d->af, &d->addr) ?: GET_U(c, x, "port", d->port)
			?: GET_U(c, x, "total", d->total) ?: parse_states(c, x, d->states, &d->n_states);
		if (r)
			return r;
		cs->n_dests++;
	}
	i = 0;
	for (struct jnode *x = tc->first; x; x = x->next, i++) {
		struct lvs_conn_client *cl = &cs->top_clients[i];
		snapjson_where(c, "connections.top_clients[%zu]", i, 0);
		if (x->type != JN_OBJECT)
			return snapjson_fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &cl->af, &cl->addr) ?: GET_U(c, x, "conns", cl->conns);
		if (r)
			return r;
		cs->n_top_clients++;
	}
	return 0;
}

/* The document without its services' contents (they were read as they
 * streamed by): a few hundred bytes plus the connection summary. */
int snapjson_read_root(struct snapjson_ctx *c, struct jnode *root, struct lvs_snapshot *s)
{
	struct jnode *ipvs, *to, *dm, *svcs;
	snapjson_where(c, NULL, 0, 0);
	int r = get_double(c, root, "time", false, 0, SNAPJSON_TIME_MAX, &s->time)
		?: snapjson_field(c, root, "ipvs", JN_OBJECT, false, &ipvs);
	if (r)
		return r;
	const char *ver = NULL;
	snapjson_where(c, "ipvs", 0, 0);
	r = get_str(c, ipvs, "version", &ver) ?: GET_U(c, ipvs, "conn_table_size", s->conn_tab_size);
	if (r)
		return r;
	if (lvs_version_parse(ver, &s->version))
		return snapjson_fail(c, "version", "expected \"major.minor.patch\"");
	snapjson_where(c, NULL, 0, 0);
	if ((to = jnode_get(root, "timeouts")) && to->type != JN_NULL) {
		snapjson_where(c, "timeouts", 0, 0);
		if (to->type != JN_OBJECT)
			return snapjson_fail(c, "", "expected an object");
		r = GET_U(c, to, "tcp", s->timeout_tcp) ?: GET_U(c, to, "tcpfin", s->timeout_tcpfin)
			?: GET_U(c, to, "udp", s->timeout_udp);
		if (r)
			return r;
	}
	if ((dm = jnode_get(root, "sync_daemons")) && dm->type == JN_ARRAY) {
		size_t i = 0;
		for (struct jnode *x = dm->first; x && i < 2; x = x->next, i++) {
			struct lvs_daemon *d = &s->daemons[s->n_daemons];
			const char *state = NULL, *ifn = NULL;
			snapjson_where(c, "sync_daemons[%zu]", i, 0);
			if (x->type != JN_OBJECT)
				return snapjson_fail(c, "", "expected an object");
			r = get_str(c, x, "state", &state) ?: get_str(c, x, "mcast_interface", &ifn)
				?: GET_U(c, x, "syncid", d->syncid);
			if (r)
				return r;
			d->state = !strcmp(state, "master") ? 1 : !strcmp(state, "backup") ? 2 : 0;
			snprintf(d->mcast_ifn, sizeof(d->mcast_ifn), "%s", ifn);
			s->n_daemons++;
		}
	}
	if ((dm = jnode_get(root, "vrrp")) && dm->type != JN_NULL) {
		snapjson_where(c, "vrrp", 0, 0);
		if (dm->type != JN_ARRAY)
			return snapjson_fail(c, "", "expected an array");
		size_t i = 0;
		for (struct jnode *x = dm->first; x && i < LVS_VRRP_MAX; x = x->next, i++) {
			struct lvs_vrrp_info *v = &s->vrrp[s->n_vrrp];
			const char *inst = NULL, *role = NULL, *ds = NULL, *ifn = NULL;
			snapjson_where(c, "vrrp[%zu]", i, 0);
			if (x->type != JN_OBJECT)
				return snapjson_fail(c, "", "expected an object");
			r = get_str(c, x, "instance", &inst) ?: get_str(c, x, "role", &role)
				?: get_str(c, x, "declared_state", &ds) ?: get_str(c, x, "interface", &ifn)
				?: GET_U(c, x, "held", v->held) ?: GET_U(c, x, "addresses", v->addresses);
			if (r)
				return r;
			if (strcmp(role, "MASTER") && strcmp(role, "BACKUP") && strcmp(role, "SPLIT") &&
			    strcmp(role, "unknown"))
				return snapjson_fail(c, "role", "unknown role \"%.16s\"", role);
			snprintf(v->instance, sizeof(v->instance), "%s", inst);
			snprintf(v->role, sizeof(v->role), "%s", role);
			snprintf(v->declared_state, sizeof(v->declared_state), "%s", ds);
			snprintf(v->iface, sizeof(v->iface), "%s", ifn);
			s->n_vrrp++;
		}
	}
	/* Present and an array; its elements were read as they streamed by. */
	snapjson_where(c, NULL, 0, 0);
	r = snapjson_field(c, root, "services", JN_ARRAY, false, &svcs);
	if (r)
		return r;
	snapshot_finish(s);
	return parse_conns(c, root, &s->conns);
}
