#include "snapjson.h"

#include "names.h"
#include "snapshot.h"

#include <errno.h>
#include <json.h>
#include <yajl/yajl_parse.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rendering ---------------------------------------------------------- */

static void add(json_object *o, const char *k, json_object *v)
{
	json_object_object_add_ex(o, k, v, JSON_C_OBJECT_ADD_KEY_IS_NEW | JSON_C_OBJECT_KEY_IS_CONSTANT);
}

static json_object *u64(uint64_t v)
{
	return json_object_new_uint64(v);
}

static json_object *addr_json(uint16_t af, const union lvs_addr *a)
{
	char buf[LVS_ADDR_STRLEN];
	return json_object_new_string(lvs_addr_ntop(af, a, buf, sizeof(buf)));
}

static json_object *stats_json(const struct lvs_stats *st)
{
	json_object *o = json_object_new_object();
	add(o, "conns", u64(st->conns));
	add(o, "inpkts", u64(st->inpkts));
	add(o, "outpkts", u64(st->outpkts));
	add(o, "inbytes", u64(st->inbytes));
	add(o, "outbytes", u64(st->outbytes));
	return o;
}

static json_object *krates_json(const struct lvs_kern_rates *r)
{
	json_object *o = json_object_new_object();
	add(o, "cps", u64(r->cps));
	add(o, "inpps", u64(r->inpps));
	add(o, "outpps", u64(r->outpps));
	add(o, "inbps", u64(r->inbps));
	add(o, "outbps", u64(r->outbps));
	return o;
}

static json_object *rates_json(const struct lvs_rates *r)
{
	json_object *o = json_object_new_object();
	add(o, "cps", json_object_new_double(r->cps));
	add(o, "inpps", json_object_new_double(r->inpps));
	add(o, "outpps", json_object_new_double(r->outpps));
	add(o, "inbps", json_object_new_double(r->inbps));
	add(o, "outbps", json_object_new_double(r->outbps));
	return o;
}

static json_object *names_json(const char **names, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

static const char *const health_names[] = { "unknown", "up", "down" };

static json_object *dest_json(const struct lvs_snapshot *s, const struct lvs_dest *d,
			      unsigned flags)
{
	json_object *o = json_object_new_object();
	add(o, "address", addr_json(d->af, &d->addr));
	add(o, "af", json_object_new_string(d->af == AF_INET6 ? "inet6" : "inet"));
	add(o, "port", json_object_new_int(d->port));
	add(o, "forward", json_object_new_string(lvs_fwd_name(d->fwd)));
	if (d->fwd == LVS_FWD_TUNNEL) {
		json_object *t = json_object_new_object();
		const char *names[4];
		add(t, "type", json_object_new_string(lvs_tun_type_name(d->tun_type)));
		add(t, "port", json_object_new_int(d->tun_port));
		add(t, "flags", names_json(names, lvs_tun_flag_names(d->tun_flags, names, 4)));
		add(o, "tunnel", t);
	}
	add(o, "weight", json_object_new_int(d->weight));
	add(o, "active_conns", u64(d->active_conns));
	add(o, "inactive_conns", u64(d->inact_conns));
	add(o, "persistent_conns", u64(d->persist_conns));
	add(o, "upper_threshold", u64(d->u_thresh));
	add(o, "lower_threshold", u64(d->l_thresh));
	add(o, "stats", stats_json(&d->stats));
	add(o, "rates", krates_json(&d->krates));
	if ((flags & SNAPJSON_COMPUTED) && d->rates_valid)
		add(o, "rates_computed", rates_json(&d->rates));
	add(o, "health", json_object_new_string(health_names[d->health < 3 ? d->health : 0]));
	if (d->health != LVS_HEALTH_UNKNOWN) {
		add(o, "health_since", json_object_new_double(d->health_since));
		add(o, "check_seconds", json_object_new_double(d->check_seconds));
		add(o, "health_error", json_object_new_string(snapshot_text(s, d->health_error)));
	}
	return o;
}

static json_object *service_json(const struct lvs_snapshot *snap, const struct lvs_service *s,
				 unsigned flags)
{
	json_object *o = json_object_new_object();
	const char *names[8];
	add(o, "protocol", json_object_new_string(lvs_service_proto_name(s)));
	add(o, "af", json_object_new_string(s->af == AF_INET6 ? "inet6" : "inet"));
	add(o, "address", s->fwmark ? NULL : addr_json(s->af, &s->addr));
	add(o, "port", s->fwmark ? NULL : json_object_new_int(s->port));
	add(o, "fwmark", s->fwmark ? u64(s->fwmark) : NULL);
	add(o, "scheduler", json_object_new_string(s->sched));
	add(o, "flags", names_json(names, lvs_svc_flag_names(s->flags, s->sched, names, 8)));
	add(o, "timeout", u64(s->timeout));
	if (s->af == AF_INET6) {
		add(o, "netmask", u64(s->netmask));
	} else {
		union lvs_addr m = { .v4.s_addr = s->netmask };
		add(o, "netmask", addr_json(AF_INET, &m));
	}
	if (s->pe_name[0])
		add(o, "pe_name", json_object_new_string(s->pe_name));
	add(o, "stats", stats_json(&s->stats));
	add(o, "rates", krates_json(&s->krates));
	if ((flags & SNAPJSON_COMPUTED) && s->rates_valid)
		add(o, "rates_computed", rates_json(&s->rates));
	json_object *rs = json_object_new_array_ext((int)s->n_dests);
	for (size_t i = 0; i < s->n_dests; i++)
		json_object_array_add(rs, dest_json(snap, &s->dests[i], flags));
	add(o, "real_servers", rs);
	return o;
}

static json_object *states_json(const struct lvs_state_count *st, size_t n)
{
	json_object *o = json_object_new_object();
	for (size_t i = 0; i < n; i++)
		json_object_object_add(o, st[i].name, u64(st[i].count));
	return o;
}

static json_object *conns_json(const struct lvs_conn_summary *c)
{
	json_object *o = json_object_new_object();
	add(o, "available", json_object_new_boolean(c->available));
	add(o, "total", u64(c->total));
	add(o, "partial", json_object_new_boolean(c->partial));
	add(o, "by_state", states_json(c->states, c->n_states));
	json_object *rs = json_object_new_array_ext((int)c->n_dests);
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct lvs_conn_dest *d = &c->dests[i];
		json_object *x = json_object_new_object();
		add(x, "address", addr_json(d->af, &d->addr));
		add(x, "port", json_object_new_int(d->port));
		add(x, "total", u64(d->total));
		add(x, "by_state", states_json(d->states, d->n_states));
		json_object_array_add(rs, x);
	}
	add(o, "by_real_server", rs);
	json_object *tc = json_object_new_array_ext((int)c->n_top_clients);
	for (size_t i = 0; i < c->n_top_clients; i++) {
		json_object *x = json_object_new_object();
		add(x, "address", addr_json(c->top_clients[i].af, &c->top_clients[i].addr));
		add(x, "conns", u64(c->top_clients[i].conns));
		json_object_array_add(tc, x);
	}
	add(o, "top_clients", tc);
	return o;
}

static json_object *daemon_json(const struct lvs_daemon *d)
{
	json_object *o = json_object_new_object();
	add(o, "state", json_object_new_string(lvs_daemon_state_name(d->state)));
	add(o, "mcast_interface", json_object_new_string(d->mcast_ifn));
	add(o, "syncid", u64(d->syncid));
	add(o, "sync_maxlen", u64(d->sync_maxlen));
	add(o, "mcast_group", d->mcast_af ? addr_json(d->mcast_af, &d->mcast_group) : NULL);
	add(o, "mcast_port", u64(d->mcast_port));
	add(o, "mcast_ttl", u64(d->mcast_ttl));
	return o;
}

/* The document; with services false, its "services" array is left empty
 * (the streaming writer adds them one at a time). */
static json_object *root_json(const struct lvs_snapshot *s, unsigned flags, bool services)
{
	json_object *root = json_object_new_object();
	if (!root)
		return NULL;
	char ver[16];
	add(root, "time", json_object_new_double(s->time));
	if (flags & SNAPJSON_STALE)
		add(root, "stale", json_object_new_boolean(1));
	json_object *ipvs = json_object_new_object();
	add(ipvs, "version", json_object_new_string(lvs_version_str(s->version, ver, sizeof(ver))));
	add(ipvs, "conn_table_size", u64(s->conn_tab_size));
	add(root, "ipvs", ipvs);
	json_object *to = json_object_new_object();
	add(to, "tcp", u64(s->timeout_tcp));
	add(to, "tcpfin", u64(s->timeout_tcpfin));
	add(to, "udp", u64(s->timeout_udp));
	add(root, "timeouts", to);
	json_object *dm = json_object_new_array();
	for (size_t i = 0; i < s->n_daemons; i++)
		json_object_array_add(dm, daemon_json(&s->daemons[i]));
	add(root, "sync_daemons", dm);
	json_object *svcs = json_object_new_array_ext(services ? (int)s->n_services : 0);
	for (size_t i = 0; services && i < s->n_services; i++)
		json_object_array_add(svcs, service_json(s, &s->services[i], flags));
	add(root, "services", svcs);
	add(root, "connections", conns_json(&s->conns));
	return root;
}

static int write_json(json_object *o, int jflags, int (*write)(void *, const char *, size_t),
		      void *arg)
{
	size_t len;
	const char *txt = json_object_to_json_string_length(o, jflags, &len);
	return txt ? write(arg, txt, len) : -ENOMEM;
}

int snapjson_write(const struct lvs_snapshot *s, unsigned flags,
		   int (*write)(void *arg, const char *text, size_t len), void *arg)
{
	if (flags & SNAPJSON_PRETTY) {
		/* Indentation depends on depth: made whole, as people read it. */
		json_object *root = root_json(s, flags, true);
		int r = root ? write_json(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							JSON_C_TO_STRING_NOSLASHESCAPE,
					  write, arg)
			     : -ENOMEM;
		json_object_put(root);
		return r;
	}
	/* The document around an empty "services" array, then each service
	 * made, written and dropped in turn: the same text as json-c makes of
	 * the whole tree (plain output has no indentation to keep), without
	 * the tree of a 100,000-real-server table (~600 MB). A string value
	 * cannot hold the marker: its quotes would be escaped. */
	const int jflags = JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
	static const char marker[] = "\"services\":[]";
	json_object *root = root_json(s, flags, false);
	if (!root)
		return -ENOMEM;
	size_t len;
	const char *txt = json_object_to_json_string_length(root, jflags, &len);
	const char *at = txt ? strstr(txt, marker) : NULL;
	int r = at ? 0 : -ENOMEM;
	if (!r)
		r = write(arg, txt, (size_t)(at - txt) + sizeof(marker) - 2); /* up to the '[' */
	for (size_t i = 0; !r && i < s->n_services; i++) {
		if (i)
			r = write(arg, ",", 1);
		json_object *o = r ? NULL : service_json(s, &s->services[i], flags);
		if (!r)
			r = o ? write_json(o, jflags, write, arg) : -ENOMEM;
		json_object_put(o);
	}
	if (!r) {
		const char *rest = at + sizeof(marker) - 2; /* from the ']' */
		r = write(arg, rest, len - (size_t)(rest - txt));
	}
	json_object_put(root);
	return r;
}

struct text_buf {
	char *p;
	size_t len, cap;
};

static int text_append(void *arg, const char *text, size_t n)
{
	struct text_buf *b = arg;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap + b->cap / 2 : 1 << 16;
		if (cap < b->len + n + 1)
			cap = b->len + n + 1;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, text, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

char *snapjson_render(const struct lvs_snapshot *s, unsigned flags)
{
	struct text_buf b = { 0 };
	if (snapjson_write(s, flags, text_append, &b) || !b.p) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

/* ---- parsing -------------------------------------------------------------- */

struct pctx {
	char *err;
	size_t errlen;
	char path[128];
};

static int fail(struct pctx *c, const char *key, const char *fmt, ...)
{
	char why[96];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s%s%s: %s", c->path, c->path[0] ? "." : "", key, why);
	/* Values from the document are quoted: printable only ('?' else). */
	for (char *e = c->err; c->errlen && *e; e++)
		if ((unsigned char)*e < 0x20 || (unsigned char)*e > 0x7e)
			*e = '?';
	return -EINVAL;
}

static json_object *field(struct pctx *c, json_object *o, const char *key, json_type t,
			  bool nullable, int *err)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v)) {
		*err = fail(c, key, "missing");
		return NULL;
	}
	if (!v && nullable)
		return NULL;
	bool ok = json_object_is_type(v, t) ||
		  (t == json_type_double && json_object_is_type(v, json_type_int));
	if (!ok) {
		*err = fail(c, key, "expected %s", json_type_to_name(t));
		return NULL;
	}
	return v;
}

/* Times are Unix seconds up to the end of year 9999: anything else (a
 * negative time, 1e300, an exponent that overflows to infinity) would be
 * written back as no JSON at all ("Infinity") or overflow a conversion. */
#define SNAP_TIME_MAX 253402300799.0
static bool in_range(double v, double max)
{
	return v >= 0 && v <= max; /* false for NaN too */
}

static int get_u64(struct pctx *c, json_object *o, const char *key, uint64_t max, uint64_t *out)
{
	int err = 0;
	json_object *v = field(c, o, key, json_type_int, false, &err);
	if (!v)
		return err;
	errno = 0;
	uint64_t x = json_object_get_uint64(v);
	if (json_object_get_int64(v) < 0 || x > max)
		return fail(c, key, "out of range");
	*out = x;
	return 0;
}

#define GET_U(c, o, key, dst)                                                   \
	({                                                                     \
		uint64_t _v = 0;                                               \
		int _r = get_u64(c, o, key, (__typeof__(dst))~(__typeof__(dst))0, &_v); \
		if (!_r)                                                       \
			(dst) = (__typeof__(dst))_v;                           \
		_r;                                                            \
	})

static int get_str(struct pctx *c, json_object *o, const char *key, const char **out)
{
	int err = 0;
	json_object *v = field(c, o, key, json_type_string, false, &err);
	if (!v)
		return err;
	*out = json_object_get_string(v);
	return 0;
}

static int get_addr(struct pctx *c, json_object *o, const char *key, uint16_t *af,
		    union lvs_addr *a)
{
	const char *s = NULL;
	int r = get_str(c, o, key, &s);
	if (r)
		return r;
	if (lvs_addr_pton(s, af, a))
		return fail(c, key, "not an IPv4 or IPv6 address: \"%.40s\"", s);
	return 0;
}

static int get_stats(struct pctx *c, json_object *o, struct lvs_stats *st)
{
	int err = 0;
	json_object *v = field(c, o, "stats", json_type_object, false, &err);
	if (!v)
		return err;
	size_t len = strlen(c->path);
	strncat(c->path, len ? ".stats" : "stats", sizeof(c->path) - len - 1);
	int r = GET_U(c, v, "conns", st->conns) ?: GET_U(c, v, "inpkts", st->inpkts)
		?: GET_U(c, v, "outpkts", st->outpkts) ?: GET_U(c, v, "inbytes", st->inbytes)
		?: GET_U(c, v, "outbytes", st->outbytes);
	c->path[len] = 0;
	return r;
}

static int get_krates(struct pctx *c, json_object *o, struct lvs_kern_rates *kr)
{
	int err = 0;
	json_object *v = field(c, o, "rates", json_type_object, false, &err);
	if (!v)
		return err;
	size_t len = strlen(c->path);
	strncat(c->path, len ? ".rates" : "rates", sizeof(c->path) - len - 1);
	int r = GET_U(c, v, "cps", kr->cps) ?: GET_U(c, v, "inpps", kr->inpps)
		?: GET_U(c, v, "outpps", kr->outpps) ?: GET_U(c, v, "inbps", kr->inbps)
		?: GET_U(c, v, "outbps", kr->outbps);
	c->path[len] = 0;
	return r;
}

static int get_names(struct pctx *c, json_object *o, const char *key, json_object **arr)
{
	int err = 0;
	*arr = field(c, o, key, json_type_array, false, &err);
	if (!*arr)
		return err;
	for (size_t i = 0; i < json_object_array_length(*arr); i++)
		if (!json_object_is_type(json_object_array_get_idx(*arr, i), json_type_string))
			return fail(c, key, "expected an array of strings");
	return 0;
}

static int parse_dest(struct pctx *c, json_object *o, struct lvs_snapshot *s, struct lvs_dest *d)
{
	const char *fwd = NULL;
	int r = get_addr(c, o, "address", &d->af, &d->addr) ?: GET_U(c, o, "port", d->port)
		?: get_str(c, o, "forward", &fwd);
	if (r)
		return r;
	int f = lvs_fwd_from_name(fwd);
	if (f < 0)
		return fail(c, "forward", "unknown method \"%.20s\"", fwd);
	d->fwd = (uint32_t)f;
	int64_t w;
	int err = 0;
	json_object *wv = field(c, o, "weight", json_type_int, false, &err);
	if (!wv)
		return err;
	w = json_object_get_int64(wv);
	if (w < 0 || w > INT32_MAX)
		return fail(c, "weight", "out of range");
	d->weight = (int32_t)w;
	r = GET_U(c, o, "active_conns", d->active_conns) ?: GET_U(c, o, "inactive_conns", d->inact_conns)
		?: GET_U(c, o, "persistent_conns", d->persist_conns)
		?: GET_U(c, o, "upper_threshold", d->u_thresh)
		?: GET_U(c, o, "lower_threshold", d->l_thresh) ?: get_stats(c, o, &d->stats)
		?: get_krates(c, o, &d->krates);
	if (r)
		return r;
	json_object *t;
	if (json_object_object_get_ex(o, "health", &t) && json_object_is_type(t, json_type_string)) {
		for (int i = 0; i < 3; i++)
			if (!strcmp(json_object_get_string(t), health_names[i]))
				d->health = (int8_t)i;
		if (json_object_object_get_ex(o, "health_since", &t)) {
			d->health_since = json_object_get_double(t);
			if (!in_range(d->health_since, SNAP_TIME_MAX))
				return fail(c, "health_since", "out of range");
		}
		if (json_object_object_get_ex(o, "check_seconds", &t)) {
			double v = json_object_get_double(t);
			if (!in_range(v, 86400))
				return fail(c, "check_seconds", "out of range");
			d->check_seconds = (float)v;
		}
		if (json_object_object_get_ex(o, "health_error", &t) &&
		    json_object_is_type(t, json_type_string) &&
		    (r = snapshot_add_text(s, json_object_get_string(t), LVS_DEST_ERROR_MAX,
					   &d->health_error)))
			return r;
	}
	if (d->fwd == LVS_FWD_TUNNEL && json_object_object_get_ex(o, "tunnel", &t) && t) {
		const char *type = NULL;
		json_object *fl = NULL;
		r = get_str(c, t, "type", &type) ?: GET_U(c, t, "port", d->tun_port)
			?: get_names(c, t, "flags", &fl);
		if (r)
			return r;
		int tt = lvs_tun_type_from_name(type);
		if (tt < 0)
			return fail(c, "tunnel.type", "unknown tunnel type \"%.20s\"", type);
		d->tun_type = (uint8_t)tt;
		for (size_t i = 0; i < json_object_array_length(fl); i++)
			d->tun_flags |= lvs_tun_flag_from_name(
				json_object_get_string(json_object_array_get_idx(fl, i)));
	}
	return 0;
}

static int parse_service(struct pctx *c, json_object *o, struct lvs_service *s)
{
	const char *proto = NULL, *af = NULL, *sched = NULL;
	int r = get_str(c, o, "protocol", &proto) ?: get_str(c, o, "af", &af)
		?: get_str(c, o, "scheduler", &sched);
	if (r)
		return r;
	if (strcmp(af, "inet") && strcmp(af, "inet6"))
		return fail(c, "af", "expected \"inet\" or \"inet6\"");
	s->af = !strcmp(af, "inet6") ? AF_INET6 : AF_INET;
	if (strlen(sched) >= sizeof(s->sched))
		return fail(c, "scheduler", "name too long");
	strcpy(s->sched, sched);
	if (!strcmp(proto, "fwm")) {
		r = GET_U(c, o, "fwmark", s->fwmark);
		if (r)
			return r;
		if (!s->fwmark)
			return fail(c, "fwmark", "must not be 0");
	} else {
		int p = lvs_proto_from_name(proto);
		if (p < 0)
			return fail(c, "protocol", "unknown protocol \"%.20s\"", proto);
		s->protocol = (uint16_t)p;
		uint16_t aaf;
		r = get_addr(c, o, "address", &aaf, &s->addr) ?: GET_U(c, o, "port", s->port);
		if (r)
			return r;
		if (aaf != s->af)
			return fail(c, "address", "family does not match \"af\"");
	}
	json_object *fl = NULL;
	r = get_names(c, o, "flags", &fl) ?: GET_U(c, o, "timeout", s->timeout);
	if (r)
		return r;
	for (size_t i = 0; i < json_object_array_length(fl); i++) {
		const char *n = json_object_get_string(json_object_array_get_idx(fl, i));
		uint32_t bit = lvs_svc_flag_from_name(n);
		if (!bit)
			return fail(c, "flags", "unknown flag \"%.20s\"", n);
		s->flags |= bit;
	}
	if (s->af == AF_INET6) {
		r = GET_U(c, o, "netmask", s->netmask);
	} else {
		uint16_t maf;
		union lvs_addr m;
		r = get_addr(c, o, "netmask", &maf, &m);
		if (!r && maf != AF_INET)
			r = fail(c, "netmask", "expected an IPv4 mask");
		s->netmask = m.v4.s_addr;
	}
	if (r)
		return r;
	json_object *pe;
	if (json_object_object_get_ex(o, "pe_name", &pe) && json_object_is_type(pe, json_type_string))
		snprintf(s->pe_name, sizeof(s->pe_name), "%s", json_object_get_string(pe));
	return get_stats(c, o, &s->stats) ?: get_krates(c, o, &s->krates);
}

static int parse_states(struct pctx *c, json_object *o, struct lvs_state_count *st, size_t *n)
{
	int err = 0;
	json_object *v = field(c, o, "by_state", json_type_object, false, &err);
	if (!v)
		return err;
	*n = 0;
	json_object_object_foreach(v, k, cnt)
	{
		if (*n == LVS_CONN_STATES_MAX || strlen(k) >= LVS_STATE_NAME_MAX)
			return fail(c, "by_state", "too many or too long state names");
		if (!json_object_is_type(cnt, json_type_int) || json_object_get_int64(cnt) < 0)
			return fail(c, "by_state", "expected counts");
		strcpy(st[*n].name, k);
		st[*n].count = json_object_get_uint64(cnt);
		(*n)++;
	}
	return 0;
}

static int parse_conns(struct pctx *c, json_object *root, struct lvs_conn_summary *cs)
{
	json_object *o, *v;
	if (!json_object_object_get_ex(root, "connections", &o) || !o)
		return 0; /* optional: a recording may carry no connection table */
	snprintf(c->path, sizeof(c->path), "connections");
	int err = 0;
	if (!json_object_is_type(o, json_type_object))
		return fail(c, "", "expected an object");
	if (json_object_object_get_ex(o, "available", &v))
		cs->available = json_object_get_boolean(v);
	if (json_object_object_get_ex(o, "partial", &v))
		cs->partial = json_object_get_boolean(v);
	int r = GET_U(c, o, "total", cs->total) ?: parse_states(c, o, cs->states, &cs->n_states);
	if (r)
		return r;
	json_object *rs = field(c, o, "by_real_server", json_type_array, false, &err);
	json_object *tc = rs ? field(c, o, "top_clients", json_type_array, false, &err) : NULL;
	if (!tc)
		return err;
	size_t nr = json_object_array_length(rs), nt = json_object_array_length(tc);
	cs->dests = nr ? calloc(nr, sizeof(*cs->dests)) : NULL;
	cs->top_clients = nt ? calloc(nt, sizeof(*cs->top_clients)) : NULL;
	if ((nr && !cs->dests) || (nt && !cs->top_clients))
		return -ENOMEM;
	for (size_t i = 0; i < nr; i++) {
		json_object *x = json_object_array_get_idx(rs, i);
		struct lvs_conn_dest *d = &cs->dests[i];
		snprintf(c->path, sizeof(c->path), "connections.by_real_server[%zu]", i);
		if (!json_object_is_type(x, json_type_object))
			return fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &d->af, &d->addr) ?: GET_U(c, x, "port", d->port)
			?: GET_U(c, x, "total", d->total) ?: parse_states(c, x, d->states, &d->n_states);
		if (r)
			return r;
		cs->n_dests++;
	}
	for (size_t i = 0; i < nt; i++) {
		json_object *x = json_object_array_get_idx(tc, i);
		struct lvs_conn_client *cl = &cs->top_clients[i];
		snprintf(c->path, sizeof(c->path), "connections.top_clients[%zu]", i);
		if (!json_object_is_type(x, json_type_object))
			return fail(c, "", "expected an object");
		r = get_addr(c, x, "address", &cl->af, &cl->addr) ?: GET_U(c, x, "conns", cl->conns);
		if (r)
			return r;
		cs->n_top_clients++;
	}
	return 0;
}

/* The document without its services' contents: they went through the
 * stream one by one (services_elem, dest_elem); what is left here is a
 * few hundred bytes plus the connection summary. */
static int parse_root(struct pctx *c, json_object *root, struct lvs_snapshot *s)
{
	int err = 0;
	if (!json_object_is_type(root, json_type_object))
		return fail(c, "(document)", "expected an object");
	json_object *t = field(c, root, "time", json_type_double, false, &err);
	if (!t)
		return err;
	s->time = json_object_get_double(t);
	if (!in_range(s->time, SNAP_TIME_MAX))
		return fail(c, "time", "out of range");
	json_object *ipvs = field(c, root, "ipvs", json_type_object, false, &err);
	if (!ipvs)
		return err;
	const char *ver = NULL;
	snprintf(c->path, sizeof(c->path), "ipvs");
	int r = get_str(c, ipvs, "version", &ver) ?: GET_U(c, ipvs, "conn_table_size", s->conn_tab_size);
	if (r)
		return r;
	if (lvs_version_parse(ver, &s->version))
		return fail(c, "version", "expected \"major.minor.patch\"");
	c->path[0] = 0;
	json_object *to;
	if (json_object_object_get_ex(root, "timeouts", &to) && to) {
		snprintf(c->path, sizeof(c->path), "timeouts");
		r = GET_U(c, to, "tcp", s->timeout_tcp) ?: GET_U(c, to, "tcpfin", s->timeout_tcpfin)
			?: GET_U(c, to, "udp", s->timeout_udp);
		if (r)
			return r;
		c->path[0] = 0;
	}
	json_object *dm;
	if (json_object_object_get_ex(root, "sync_daemons", &dm) && json_object_is_type(dm, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(dm) && i < 2; i++) {
			json_object *x = json_object_array_get_idx(dm, i);
			struct lvs_daemon *d = &s->daemons[s->n_daemons];
			const char *state = NULL, *ifn = NULL;
			snprintf(c->path, sizeof(c->path), "sync_daemons[%zu]", i);
			r = get_str(c, x, "state", &state) ?: get_str(c, x, "mcast_interface", &ifn)
				?: GET_U(c, x, "syncid", d->syncid);
			if (r)
				return r;
			d->state = !strcmp(state, "master") ? 1 : !strcmp(state, "backup") ? 2 : 0;
			snprintf(d->mcast_ifn, sizeof(d->mcast_ifn), "%s", ifn);
			s->n_daemons++;
		}
		c->path[0] = 0;
	}
	/* Present and an array; its elements were parsed as they streamed by. */
	if (!field(c, root, "services", json_type_array, false, &err))
		return err;
	snapshot_finish(s);
	return parse_conns(c, root, &s->conns);
}

/* ---- streaming: yajl finds the pieces, json-c reads each one ------------- *
 *
 * A recording line of a large table is tens of megabytes; a DOM of it is
 * ten times that. yajl (callbacks, constant memory) walks the document;
 * each real server, each service without its real servers, and the root
 * without its services are copied out as text ("captures") and read with
 * the same json-c code as always, so types and error messages do not
 * change. Memory is one piece at a time plus the snapshot being built. */

/* A piece of the document being copied out of the fed chunks. Bytes of
 * the current chunk from seg on belong to it while it is on and not
 * paused; a pause cuts out a nested array (left as "[]"). */
struct capture {
	char *buf; /* owned */
	size_t len, cap;
	bool on, paused;
	size_t seg;
};

struct snapjson_parser {
	yajl_handle y;
	json_tokener *tok;
	struct pctx c;
	struct lvs_snapshot *s; /* being built */
	const unsigned char *chunk; /* the chunk yajl is parsing now (borrowed) */
	size_t chunk_len;
	struct capture root, svc, dest;
	unsigned depth;      /* containers open */
	bool key_services;   /* the root's current key is "services" */
	bool key_rs;         /* the current service's key is "real_servers" */
	bool in_services;    /* inside the root's "services" array (depth 2) */
	bool in_svc;         /* inside services[n_svc - 1] (depth 3) */
	bool in_rs;          /* inside its "real_servers" array (depth 4) */
	bool in_dest;        /* inside real_servers[n_dest - 1] (depth 5) */
	size_t n_svc, n_dest;
	bool seen_value;     /* a top-level value started */
	int serr;            /* first field error (reported at finish) */
	int jerr;            /* syntax error or out of memory: nothing more is fed */
};

static int cap_append(struct capture *k, const unsigned char *p, size_t n)
{
	if (k->len + n + 1 > k->cap) {
		size_t ncap = k->cap ? k->cap : 4096;
		while (ncap < k->len + n + 1)
			ncap *= 2;
		char *b = realloc(k->buf, ncap);
		if (!b)
			return -ENOMEM;
		k->buf = b;
		k->cap = ncap;
	}
	memcpy(k->buf + k->len, p, n);
	k->len += n;
	k->buf[k->len] = 0;
	return 0;
}

/* Offset in the current chunk just past the token yajl reported last. */
static size_t pos(const struct snapjson_parser *p)
{
	return yajl_get_bytes_consumed(p->y);
}

static void cap_begin(struct capture *k, size_t at)
{
	k->len = 0;
	k->on = true;
	k->paused = false;
	k->seg = at;
}

/* Copy the chunk's bytes [seg, at) into the capture. */
static int cap_take(struct snapjson_parser *p, struct capture *k, size_t at)
{
	int r = at > k->seg ? cap_append(k, p->chunk + k->seg, at - k->seg) : 0;
	k->seg = at;
	return r;
}

/* Record a field error (the first one wins) and stop building; the rest
 * of the document is still checked for syntax, which takes precedence. */
static void semantic(struct snapjson_parser *p, int r)
{
	if (!p->serr)
		p->serr = r;
	p->root.on = p->svc.on = p->dest.on = false;
}

/* Read a finished capture with json-c. NULL with p->serr set on failure. */
static json_object *cap_parse(struct snapjson_parser *p, struct capture *k)
{
	if (k->len > INT32_MAX) { /* json-c takes an int length */
		snprintf(p->c.err, p->c.errlen, "document too large");
		semantic(p, -EINVAL);
		return NULL;
	}
	json_tokener_reset(p->tok);
	json_object *o = json_tokener_parse_ex(p->tok, k->buf, (int)k->len);
	enum json_tokener_error e = json_tokener_get_error(p->tok);
	if (!o || e != json_tokener_success) {
		json_object_put(o);
		snprintf(p->c.err, p->c.errlen, "not valid JSON: %s", json_tokener_error_desc(e));
		semantic(p, -EINVAL);
		return NULL;
	}
	return o;
}

static void dest_done(struct snapjson_parser *p)
{
	json_object *o = cap_parse(p, &p->dest);
	if (!o)
		return;
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	snprintf(p->c.path, sizeof(p->c.path), "services[%zu].real_servers[%zu]", p->n_svc - 1,
		 p->n_dest - 1);
	int r = parse_dest(&p->c, o, p->s, &d) ?: snapshot_add_dest(p->s, p->n_svc - 1, &d);
	json_object_put(o);
	if (r)
		semantic(p, r);
}

static void svc_done(struct snapjson_parser *p)
{
	json_object *o = cap_parse(p, &p->svc);
	if (!o)
		return;
	struct lvs_service svc;
	memset(&svc, 0, sizeof(svc));
	snprintf(p->c.path, sizeof(p->c.path), "services[%zu]", p->n_svc - 1);
	int err = 0;
	int r = parse_service(&p->c, o, &svc);
	if (!r && !field(&p->c, o, "real_servers", json_type_array, false, &err))
		r = err;
	json_object_put(o);
	if (r) {
		semantic(p, r);
		return;
	}
	/* Added empty when it opened (its real servers came first); keep what
	 * snapshot_add_dest filled in. */
	struct lvs_service *dst = &p->s->services[p->n_svc - 1];
	svc.n_dests = dst->n_dests;
	svc.first_dest = dst->first_dest;
	svc.dests = NULL;
	*dst = svc;
}

/* Every value's start: elements of the two arrays read piecewise must be
 * objects. container: the value is an object or array (yajl has lexed its
 * opening bracket). */
static int value_start(struct snapjson_parser *p, bool is_map)
{
	if (p->serr)
		return 1;
	if (p->depth == 0) {
		p->seen_value = true;
		if (!is_map) {
			p->c.path[0] = 0;
			semantic(p, fail(&p->c, "(document)", "expected an object"));
		}
		return 1;
	}
	if (p->in_services && p->depth == 2) {
		p->n_svc++;
		p->n_dest = 0;
		if (!is_map) {
			snprintf(p->c.path, sizeof(p->c.path), "services[%zu]", p->n_svc - 1);
			semantic(p, fail(&p->c, "", "expected an object"));
		}
		return 1;
	}
	if (p->in_rs && p->depth == 4) {
		p->n_dest++;
		if (!is_map) {
			snprintf(p->c.path, sizeof(p->c.path), "services[%zu].real_servers[%zu]",
				 p->n_svc - 1, p->n_dest - 1);
			semantic(p, fail(&p->c, "", "expected an object"));
		}
	}
	return 1;
}

static int on_scalar(struct snapjson_parser *p)
{
	return value_start(p, false);
}

static int y_null(void *ctx)
{
	return on_scalar(ctx);
}

static int y_bool(void *ctx, int v)
{
	(void)v;
	return on_scalar(ctx);
}

static int y_number(void *ctx, const char *v, size_t n)
{
	(void)v;
	(void)n;
	return on_scalar(ctx);
}

static int y_string(void *ctx, const unsigned char *v, size_t n)
{
	(void)v;
	(void)n;
	return on_scalar(ctx);
}

static bool key_is(const unsigned char *k, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(k, want, n);
}

static int y_key(void *ctx, const unsigned char *k, size_t n)
{
	struct snapjson_parser *p = ctx;
	if (p->depth == 1)
		p->key_services = key_is(k, n, "services");
	else if (p->in_svc && p->depth == 3)
		p->key_rs = key_is(k, n, "real_servers");
	return 1;
}

static int y_start_map(void *ctx)
{
	struct snapjson_parser *p = ctx;
	value_start(p, true);
	size_t at = pos(p) - 1; /* the '{' */
	if (!p->serr) {
		if (p->depth == 0) {
			cap_begin(&p->root, at);
		} else if (p->in_services && p->depth == 2) {
			struct lvs_service blank;
			memset(&blank, 0, sizeof(blank));
			int r = snapshot_add_service(p->s, &blank);
			if (r)
				semantic(p, r);
			p->in_svc = true;
			cap_begin(&p->svc, at);
		} else if (p->in_rs && p->depth == 4) {
			p->in_dest = true;
			cap_begin(&p->dest, at);
		}
	}
	p->depth++;
	return 1;
}

static int y_end_map(void *ctx)
{
	struct snapjson_parser *p = ctx;
	p->depth--;
	size_t at = pos(p);
	if (p->serr)
		return 1;
	struct capture *k = NULL;
	if (p->depth == 0)
		k = &p->root;
	else if (p->in_svc && p->depth == 2)
		k = &p->svc;
	else if (p->in_dest && p->depth == 4)
		k = &p->dest;
	if (!k || !k->on)
		return 1;
	if (cap_take(p, k, at)) {
		semantic(p, -ENOMEM);
		return 1;
	}
	k->on = false;
	if (k == &p->dest) {
		p->in_dest = false;
		dest_done(p);
	} else if (k == &p->svc) {
		p->in_svc = false;
		svc_done(p);
	}
	/* The root is read at finish, once the whole document checked out. */
	return 1;
}

static int y_start_array(void *ctx)
{
	struct snapjson_parser *p = ctx;
	value_start(p, false);
	size_t at = pos(p); /* past the '[' */
	struct capture *k = NULL;
	if (p->depth == 1 && p->key_services && p->root.on) {
		k = &p->root;
		p->in_services = true;
		p->n_svc = 0;
	} else if (p->in_svc && p->depth == 3 && p->key_rs && p->svc.on) {
		k = &p->svc;
		p->in_rs = true;
	}
	/* Cut the array's contents out of the enclosing capture. */
	if (k && !p->serr) {
		if (cap_take(p, k, at))
			semantic(p, -ENOMEM);
		k->paused = true;
	}
	p->depth++;
	return 1;
}

static int y_end_array(void *ctx)
{
	struct snapjson_parser *p = ctx;
	p->depth--;
	size_t at = pos(p) - 1; /* the ']' */
	struct capture *k = NULL;
	if (p->in_services && p->depth == 1) {
		p->in_services = false;
		k = &p->root;
	} else if (p->in_rs && p->depth == 3) {
		p->in_rs = false;
		k = &p->svc;
	}
	if (k && k->paused) {
		k->paused = false;
		k->seg = at;
	}
	return 1;
}

static const yajl_callbacks callbacks = {
	.yajl_null = y_null,
	.yajl_boolean = y_bool,
	.yajl_number = y_number, /* raw text: counters up to 2^64 - 1 stay exact */
	.yajl_string = y_string,
	.yajl_start_map = y_start_map,
	.yajl_map_key = y_key,
	.yajl_end_map = y_end_map,
	.yajl_start_array = y_start_array,
	.yajl_end_array = y_end_array,
};

snapjson_parser *snapjson_parser_new(char *err, size_t errlen)
{
	struct snapjson_parser *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->c.err = err;
	p->c.errlen = errlen;
	if (errlen)
		err[0] = 0;
	/* json-c's default depth is 32; a document is shallower than that, a
	 * piece of it much shallower. */
	p->tok = json_tokener_new_ex(64);
	p->y = yajl_alloc(&callbacks, NULL, p);
	p->s = snapshot_new();
	if (!p->tok || !p->y || !p->s) {
		snapjson_parser_free(p);
		return NULL;
	}
	/* As before with json-c: what follows the document is not looked at. */
	yajl_config(p->y, yajl_allow_trailing_garbage, 1);
	return p;
}

void snapjson_parser_free(snapjson_parser *p)
{
	if (!p)
		return;
	if (p->y)
		yajl_free(p->y);
	if (p->tok)
		json_tokener_free(p->tok);
	snapshot_unref(p->s);
	free(p->root.buf);
	free(p->svc.buf);
	free(p->dest.buf);
	free(p);
}

static void syntax_error(struct snapjson_parser *p, const unsigned char *txt, size_t len)
{
	unsigned char *e = yajl_get_error(p->y, 0, txt, len);
	char why[96] = "";
	if (e) {
		/* yajl says "parse error: premature EOF\n": keep the reason. */
		const char *w = strstr((const char *)e, "error: ");
		snprintf(why, sizeof(why), "%s", w ? w + 7 : (const char *)e);
		why[strcspn(why, "\n")] = 0;
		yajl_free_error(p->y, e);
	}
	snprintf(p->c.err, p->c.errlen, "not valid JSON: %s", why[0] ? why : "syntax error");
	p->jerr = -EINVAL;
}

static void feed_chunk(struct snapjson_parser *p, const unsigned char *buf, size_t len, bool last)
{
	p->chunk = buf;
	p->chunk_len = len;
	struct capture *caps[] = { &p->root, &p->svc, &p->dest };
	for (size_t i = 0; i < 3; i++)
		caps[i]->seg = 0;
	yajl_status st = last ? yajl_complete_parse(p->y) : yajl_parse(p->y, buf, len);
	if (st != yajl_status_ok) {
		if (last && p->depth == 0 && !p->seen_value)
			snprintf(p->c.err, p->c.errlen, "not valid JSON: truncated document"), p->jerr = -EINVAL;
		else if (last && p->depth > 0)
			snprintf(p->c.err, p->c.errlen, "not valid JSON: truncated document"), p->jerr = -EINVAL;
		else
			syntax_error(p, buf, len);
		return;
	}
	/* The rest of the chunk belongs to every capture still taking bytes. */
	for (size_t i = 0; i < 3 && !p->serr; i++)
		if (caps[i]->on && !caps[i]->paused && cap_take(p, caps[i], len))
			semantic(p, -ENOMEM);
	p->chunk = NULL;
}

int snapjson_parser_feed(snapjson_parser *p, const char *buf, size_t len)
{
	if (p->jerr)
		return p->jerr;
	if (len)
		feed_chunk(p, (const unsigned char *)buf, len, false);
	return p->jerr == -EINVAL ? -EINVAL : p->serr == -ENOMEM ? -ENOMEM : 0;
}

int snapjson_parser_finish(snapjson_parser *p, struct lvs_snapshot **out)
{
	if (!p->jerr) {
		/* yajl finishes a trailing number by parsing one more space. */
		feed_chunk(p, (const unsigned char *)" ", 1, true);
	}
	if (p->jerr)
		return p->jerr;
	int r = p->serr;
	if (!r) {
		json_object *root = cap_parse(p, &p->root);
		r = root ? parse_root(&p->c, root, p->s) : p->serr;
		json_object_put(root);
	}
	if (r) {
		if (r == -ENOMEM)
			snprintf(p->c.err, p->c.errlen, "out of memory");
		return r;
	}
	*out = p->s;
	p->s = NULL;
	return 0;
}

int snapjson_parse(const char *text, size_t len, struct lvs_snapshot **out, char *err,
		   size_t errlen)
{
	snapjson_parser *p = snapjson_parser_new(err, errlen);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	int r = snapjson_parser_feed(p, text, len) ?: snapjson_parser_finish(p, out);
	snapjson_parser_free(p);
	return r;
}
