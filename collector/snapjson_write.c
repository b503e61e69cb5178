#include "snapjson_write.h"

#include "health.h"
#include "names.h"
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const health_names[] = { "unknown", "up", "down" };

/* The members below take their keys as literals: strlen folds to a
 * constant where they are inlined, and the writer copies the key without
 * a scan for its end. */

/* lvs_addr_ntop's text; IPv4 made here (inet_ntop formats it with
 * sprintf: a large table has hundreds of thousands of addresses). */
static inline void addr(json_writer *w, const char *key, uint16_t af, const union lvs_addr *a)
{
	char buf[LVS_ADDR_STRLEN];
	if (af == AF_INET6) {
		json_writer_member_string(w, key, strlen(key), lvs_addr_ntop(af, a, buf, sizeof(buf)));
		return;
	}
	const unsigned char *q = (const unsigned char *)&a->v4;
	char *p = buf;
	for (int i = 0; i < 4; i++) {
		unsigned v = q[i];
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = '.';
	}
	json_writer_member_string_len(w, key, strlen(key), buf, (size_t)(p - 1 - buf));
}

static inline void key(json_writer *w, const char *key)
{
	json_writer_key_len(w, key, strlen(key));
}

static inline void u64(json_writer *w, const char *key, uint64_t v)
{
	json_writer_member_u64(w, key, strlen(key), v);
}

static inline void str(json_writer *w, const char *key, const char *v)
{
	json_writer_member_string(w, key, strlen(key), v);
}

static inline void dbl(json_writer *w, const char *key, double v)
{
	json_writer_key_len(w, key, strlen(key));
	json_writer_double(w, v);
}

static inline void null(json_writer *w, const char *key)
{
	json_writer_member_null(w, key, strlen(key));
}

static void stats(json_writer *w, const struct lvs_stats *st)
{
	key(w, "stats");
	json_writer_begin_object(w);
	u64(w, "conns", st->conns);
	u64(w, "inpkts", st->inpkts);
	u64(w, "outpkts", st->outpkts);
	u64(w, "inbytes", st->inbytes);
	u64(w, "outbytes", st->outbytes);
	json_writer_end_object(w);
}

static void krates(json_writer *w, const struct lvs_kern_rates *r)
{
	key(w, "rates");
	json_writer_begin_object(w);
	u64(w, "cps", r->cps);
	u64(w, "inpps", r->inpps);
	u64(w, "outpps", r->outpps);
	u64(w, "inbps", r->inbps);
	u64(w, "outbps", r->outbps);
	json_writer_end_object(w);
}

static void rates(json_writer *w, const struct lvs_rates_f *r)
{
	key(w, "rates_computed");
	json_writer_begin_object(w);
	dbl(w, "cps", r->cps);
	dbl(w, "inpps", r->inpps);
	dbl(w, "outpps", r->outpps);
	dbl(w, "inbps", r->inbps);
	dbl(w, "outbps", r->outbps);
	json_writer_end_object(w);
}

static void names(json_writer *w, const char *key, const char **v, size_t n)
{
	json_writer_key(w, key);
	json_writer_begin_array(w);
	for (size_t i = 0; i < n; i++)
		json_writer_string(w, v[i]);
	json_writer_end_array(w);
}

static void dest(json_writer *w, const struct lvs_snapshot *s, const struct lvs_dest *d,
		 unsigned flags)
{
	json_writer_begin_object(w);
	addr(w, "address", d->af, &d->addr);
	str(w, "af", d->af == AF_INET6 ? "inet6" : "inet");
	u64(w, "port", d->port);
	str(w, "forward", lvs_fwd_name(d->fwd));
	if (d->fwd == LVS_FWD_TUNNEL) {
		const char *fl[4];
		key(w, "tunnel");
		json_writer_begin_object(w);
		str(w, "type", lvs_tun_type_name(d->tun_type));
		u64(w, "port", d->tun_port);
		names(w, "flags", fl, lvs_tun_flag_names(d->tun_flags, fl, 4));
		json_writer_end_object(w);
	}
	key(w, "weight");
	json_writer_i64(w, d->weight);
	u64(w, "active_conns", d->active_conns);
	u64(w, "inactive_conns", d->inact_conns);
	u64(w, "persistent_conns", d->persist_conns);
	u64(w, "upper_threshold", d->u_thresh);
	u64(w, "lower_threshold", d->l_thresh);
	stats(w, &d->stats);
	if (s->dest_krates) /* a source may keep none (lvsd) */
		krates(w, snapshot_dest_krates(s, d));
	if ((flags & SNAPJSON_COMPUTED) && d->rates_valid)
		rates(w, &d->rates);
	str(w, "health", health_names[d->health < 3 ? d->health : 0]);
	if (d->health != LVS_HEALTH_UNKNOWN) {
		u64(w, "health_since", d->health_since);
		dbl(w, "check_seconds", d->check_seconds);
		str(w, "health_error", snapshot_text(s, d->health_error));
		if (d->health_reason != LVS_HR_NONE) {
			char label[32];
			health_reason_label(d->health_reason, d->health_code, label, sizeof(label));
			str(w, "health_reason", label);
			u64(w, "health_reason_since", d->health_reason_since);
		}
	}
	json_writer_end_object(w);
}

static void service(json_writer *w, const struct lvs_snapshot *snap, const struct lvs_service *s,
		    unsigned flags)
{
	const char *fl[8];
	json_writer_begin_object(w);
	str(w, "protocol", lvs_service_proto_name(s));
	str(w, "af", s->af == AF_INET6 ? "inet6" : "inet");
	if (s->fwmark) {
		null(w, "address");
		null(w, "port");
		u64(w, "fwmark", s->fwmark);
	} else {
		addr(w, "address", s->af, &s->addr);
		u64(w, "port", s->port);
		null(w, "fwmark");
	}
	str(w, "scheduler", s->sched);
	names(w, "flags", fl, lvs_svc_flag_names(s->flags, s->sched, fl, 8));
	u64(w, "timeout", s->timeout);
	if (s->af == AF_INET6) {
		u64(w, "netmask", s->netmask);
	} else {
		union lvs_addr m = { .v4.s_addr = s->netmask };
		addr(w, "netmask", AF_INET, &m);
	}
	if (s->pe_name[0])
		str(w, "pe_name", s->pe_name);
	stats(w, &s->stats);
	krates(w, &s->krates);
	if ((flags & SNAPJSON_COMPUTED) && s->rates_valid)
		rates(w, &s->rates);
	key(w, "real_servers");
	json_writer_begin_array(w);
	for (size_t i = 0; i < s->n_dests; i++)
		dest(w, snap, &s->dests[i], flags);
	json_writer_end_array(w);
	json_writer_end_object(w);
}

static void states(json_writer *w, const struct lvs_state_count *st, size_t n)
{
	key(w, "by_state");
	json_writer_begin_object(w);
	for (size_t i = 0; i < n; i++)
		u64(w, st[i].name, st[i].count);
	json_writer_end_object(w);
}

static void conns(json_writer *w, const struct lvs_conn_summary *c)
{
	key(w, "connections");
	json_writer_begin_object(w);
	key(w, "available");
	json_writer_bool(w, c->available);
	u64(w, "total", c->total);
	key(w, "partial");
	json_writer_bool(w, c->partial);
	states(w, c->states, c->n_states);
	key(w, "by_real_server");
	json_writer_begin_array(w);
	for (size_t i = 0; i < c->n_dests; i++) {
		const struct lvs_conn_dest *d = &c->dests[i];
		json_writer_begin_object(w);
		addr(w, "address", d->af, &d->addr);
		u64(w, "port", d->port);
		u64(w, "total", d->total);
		states(w, d->states, d->n_states);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
	key(w, "top_clients");
	json_writer_begin_array(w);
	for (size_t i = 0; i < c->n_top_clients; i++) {
		json_writer_begin_object(w);
		addr(w, "address", c->top_clients[i].af, &c->top_clients[i].addr);
		u64(w, "conns", c->top_clients[i].conns);
		json_writer_end_object(w);
	}
	json_writer_end_array(w);
	json_writer_end_object(w);
}

static void vrrp(json_writer *w, const struct lvs_vrrp_info *v)
{
	json_writer_begin_object(w);
	str(w, "instance", v->instance);
	str(w, "role", v->role);
	str(w, "declared_state", v->declared_state);
	str(w, "interface", v->iface);
	u64(w, "held", v->held);
	u64(w, "addresses", v->addresses);
	json_writer_end_object(w);
}

static void daemon(json_writer *w, const struct lvs_daemon *d)
{
	json_writer_begin_object(w);
	str(w, "state", lvs_daemon_state_name(d->state));
	str(w, "mcast_interface", d->mcast_ifn);
	u64(w, "syncid", d->syncid);
	u64(w, "sync_maxlen", d->sync_maxlen);
	if (d->mcast_af)
		addr(w, "mcast_group", d->mcast_af, &d->mcast_group);
	else
		null(w, "mcast_group");
	u64(w, "mcast_port", d->mcast_port);
	u64(w, "mcast_ttl", d->mcast_ttl);
	json_writer_end_object(w);
}

int snapjson_write(const struct lvs_snapshot *s, unsigned flags, json_sink write, void *arg)
{
	json_writer *w = json_writer_new(flags & SNAPJSON_PRETTY ? JSON_WRITER_PRETTY : 0, write, arg);
	if (!w)
		return -ENOMEM;
	char ver[16];
	json_writer_begin_object(w);
	dbl(w, "time", s->time);
	if (flags & SNAPJSON_STALE) {
		key(w, "stale");
		json_writer_bool(w, true);
	}
	key(w, "ipvs");
	json_writer_begin_object(w);
	str(w, "version", lvs_version_str(s->version, ver, sizeof(ver)));
	u64(w, "conn_table_size", s->conn_tab_size);
	json_writer_end_object(w);
	key(w, "timeouts");
	json_writer_begin_object(w);
	u64(w, "tcp", s->timeout_tcp);
	u64(w, "tcpfin", s->timeout_tcpfin);
	u64(w, "udp", s->timeout_udp);
	json_writer_end_object(w);
	key(w, "sync_daemons");
	json_writer_begin_array(w);
	for (size_t i = 0; i < s->n_daemons; i++)
		daemon(w, &s->daemons[i]);
	json_writer_end_array(w);
	/* Only where a declared file gives VRRP instances (lvsd beside
	 * keepalived): other documents stay as they were. */
	if (s->n_vrrp) {
		key(w, "vrrp");
		json_writer_begin_array(w);
		for (size_t i = 0; i < s->n_vrrp && i < LVS_VRRP_MAX; i++)
			vrrp(w, &s->vrrp[i]);
		json_writer_end_array(w);
	}
	key(w, "services");
	json_writer_begin_array(w);
	for (size_t i = 0; i < s->n_services; i++)
		service(w, s, &s->services[i], flags);
	json_writer_end_array(w);
	conns(w, &s->conns);
	json_writer_end_object(w);
	int r = json_writer_finish(w);
	json_writer_free(w);
	return r;
}

char *snapjson_render(const struct lvs_snapshot *s, unsigned flags)
{
	struct lvs_buf b = LVS_BUF_INIT;
	if (snapjson_write(s, flags, json_buf_sink, &b) || !b.p) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}
