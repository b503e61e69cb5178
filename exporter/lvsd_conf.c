#include "lvsd_conf.h"

#include "collector/declared/declared.h"
#include "lvsd_decl_checks.h"
#include "lvsd_conf_priv.h"

#include "collector/names.h"
#include "exporter/http/http.h"
#include "share/addr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int conf_fail(struct conf_ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	const char *file = s && config_setting_source_file(s) ? config_setting_source_file(s) : x->path;
	int line = s ? (int)config_setting_source_line(s) : 0;
	/* libconfig names an included file as the @include wrote it. */
	bool rel = file != x->path && strcmp(file, x->path) && file[0] != '/' && x->dir;
	int n = snprintf(x->err, x->errlen, "%s%s%s:%d: ", rel ? x->dir : "", rel ? "/" : "", file,
			 line);
	if (n < 0 || (size_t)n >= x->errlen)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A setting's name for messages: "exporter.listen", "services.[2].check". */
const char *conf_sname(const config_setting_t *s)
{
	const char *n = config_setting_name(s);
	return n ? n : "(list element)";
}

int conf_keys(struct conf_ctx *x, const config_setting_t *g, const char *const *allowed,
		      const char *what)
{
	if (!config_setting_is_group(g))
		return conf_fail(x, g, "%s must be a group { ... }", what);
	int n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *c = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(c);
		bool ok = false;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(*a, name);
		if (ok)
			continue;
		char known[512] = "";
		size_t k = 0;
		for (const char *const *a = allowed; *a; a++) {
			int w = snprintf(known + k, sizeof(known) - k, "%s%s", k ? ", " : "", *a);
			if (w < 0 || (size_t)w >= sizeof(known) - k)
				break;
			k += (size_t)w;
		}
		return conf_fail(x, c, "unknown key '%s' in %s (known: %s)", name, what, known);
	}
	return 0;
}

int conf_num(struct conf_ctx *x, const config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: *out = (double)config_setting_get_int64(s); return 0;
	case CONFIG_TYPE_FLOAT: *out = config_setting_get_float(s); return 0;
	default: return conf_fail(x, s, "%s must be a number", conf_sname(s));
	}
}

/* Seconds: > 0, or >= 0 when zero_ok. Absent: *out unchanged. */
int conf_secs(struct conf_ctx *x, const config_setting_t *g, const char *name, bool zero_ok,
		    double *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	double v = 0;
	int r = conf_num(x, s, &v);
	if (r)
		return r;
	if (!(v == v) || v < 0 || (!zero_ok && v == 0) || v > 86400.0 * 365)
		return conf_fail(x, s, "%s must be %s seconds (got %g)", name,
			    zero_ok ? "zero or more" : "more than zero", v);
	*out = v;
	return 0;
}

int conf_uint(struct conf_ctx *x, const config_setting_t *g, const char *name, long long min,
		    long long max, unsigned *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return conf_fail(x, s, "%s must be an integer", name);
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return conf_fail(x, s, "%s must be in %lld..%lld (got %lld)", name, min, max, v);
	*out = (unsigned)v;
	return 0;
}

int conf_bool(struct conf_ctx *x, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return conf_fail(x, s, "%s must be true or false", name);
	*out = config_setting_get_bool(s);
	return 0;
}

/* A string setting, strdup'd into *out (replacing what was there). */
int conf_str(struct conf_ctx *x, const config_setting_t *g, const char *name, bool empty_ok,
		   char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return conf_fail(x, s, "%s must be a string", name);
	const char *v = config_setting_get_string(s);
	if (!empty_ok && !*v)
		return conf_fail(x, s, "%s must not be empty", name);
	char *d = strdup(v);
	if (!d)
		return -ENOMEM;
	free(*out);
	*out = d;
	return 0;
}

/* A file the daemon will open later: it must be readable now, so a typo
 * stops the start (or the reload) instead of a scrape or a check. */
int conf_need_file(struct conf_ctx *x, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	const char *p = config_setting_get_string(s);
	if (access(p, R_OK))
		return conf_fail(x, s, "%s: cannot read %s: %s", name, p, strerror(errno));
	return 0;
}

/* --- addresses ------------------------------------------------------------- */

int lvsd_conf_parse_hostport(const char *s, uint16_t *af, union lvs_addr *addr, uint16_t *port)
{
	struct lvs_addr_port a;
	if (addr_parse(NULL, s, ADDR_PORT_REQUIRED, &a, NULL, 0))
		return -EINVAL;
	*af = a.af;
	*addr = a.addr;
	*port = a.port;
	return 0;
}

int lvsd_conf_parse_service(const char *s, struct lvsd_svc_conf *o)
{
	memset(o, 0, sizeof(*o));
	const char *colon = strchr(s, ':');
	if (!colon)
		return -EINVAL;
	size_t pl = (size_t)(colon - s);
	if ((pl == 3 && !strncmp(s, "fwm", 3)) || (pl == 4 && !strncmp(s, "fwm6", 4))) {
		char *end;
		errno = 0;
		unsigned long m = strtoul(colon + 1, &end, 0);
		if (!colon[1] || *end || errno || m == 0 || m > UINT32_MAX || colon[1] == '-')
			return -EINVAL;
		o->af = pl == 4 ? AF_INET6 : AF_INET;
		o->fwmark = (uint32_t)m;
		return 0;
	}
	char proto[8];
	if (pl >= sizeof(proto))
		return -EINVAL;
	memcpy(proto, s, pl);
	proto[pl] = 0;
	int p = lvs_proto_from_name(proto);
	if (p < 0)
		return -EINVAL;
	o->protocol = (uint16_t)p;
	return lvsd_conf_parse_hostport(colon + 1, &o->af, &o->addr, &o->port);
}

int lvsd_conf_check_type(const char *name)
{
	static const char *const names[] = { "tcp", "http", "udp", "exec", "https", "dns" };
	static const int types[] = { LVS_CHECK_TCP, LVS_CHECK_HTTP, LVS_CHECK_UDP, LVS_CHECK_EXEC,
				     LVS_CHECK_HTTPS, LVS_CHECK_DNS };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i]))
			return types[i];
	return -EINVAL;
}

/* --- sections ---------------------------------------------------------------- */

static int parse_daemon(struct conf_ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "interval", "read_connections", "connection_limit",
					    "history_mib", NULL };
	int r;
	unsigned u;
	if ((r = conf_keys(x, g, keys, "daemon")) ||
	    (r = conf_secs(x, g, "interval", false, &c->interval)) ||
	    (r = conf_bool(x, g, "read_connections", &c->read_conns)) ||
	    (r = conf_uint(x, g, "connection_limit", 1, 100000000, &c->conn_limit)))
		return r;
	u = (unsigned)(c->history_budget >> 20);
	if ((r = conf_uint(x, g, "history_mib", 1, 4096, &u)))
		return r;
	c->history_budget = (size_t)u << 20;
	const config_setting_t *iv = config_setting_get_member(g, "interval");
	if (iv && c->interval < 0.1)
		return conf_fail(x, iv, "interval must be at least 0.1 seconds (the kernel's counters "
				   "move every 2 s)");
	return 0;
}

static int parse_exporter(struct conf_ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "listen",    "tls_cert",     "tls_key",
					    "auth_file", "threads",      "gzip_level",
					    "real_servers", "real_server_metrics",
					    "connections_per_client", "header_timeout", "max_series",
					    NULL };
	int r;
	unsigned u;
	if ((r = conf_keys(x, g, keys, "exporter")) ||
	    (r = conf_uint(x, g, "connections_per_client", 1, HTTP_CONNECTIONS, &c->per_client)) ||
	    (r = conf_secs(x, g, "header_timeout", false, &c->header_timeout)) ||
	    (r = conf_str(x, g, "listen", false, &c->listen)) ||
	    (r = conf_str(x, g, "tls_cert", false, &c->tls_cert)) ||
	    (r = conf_str(x, g, "tls_key", false, &c->tls_key)) ||
	    (r = conf_str(x, g, "auth_file", false, &c->auth_file)) ||
	    (r = conf_uint(x, g, "threads", 1, 64, &c->threads)))
		return r;
	u = (unsigned)c->gzip_level;
	if ((r = conf_uint(x, g, "gzip_level", 0, 9, &u)))
		return r;
	c->gzip_level = (int)u;
	u = (unsigned)c->metrics.max_series;
	if ((r = conf_uint(x, g, "max_series", 0, 1000000000, &u)))
		return r;
	c->metrics.max_series = u;
	const config_setting_t *s = config_setting_get_member(g, "listen");
	if (s) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[200];
		if (http_parse_listen(c->listen, &ss, &sl, why, sizeof(why)))
			return conf_fail(x, s, "%s", why);
	}
	if (!c->tls_cert != !c->tls_key)
		return conf_fail(x, config_setting_get_member(g, c->tls_cert ? "tls_cert" : "tls_key"),
			    "TLS needs both tls_cert and tls_key");
	if ((r = conf_need_file(x, g, "tls_cert")) || (r = conf_need_file(x, g, "tls_key")))
		return r;
	if ((s = config_setting_get_member(g, "auth_file"))) {
		char why[300];
		int ar = http_check_auth_file(c->auth_file, NULL, why, sizeof(why));
		if (ar == -ENOMEM)
			return ar;
		if (ar)
			return conf_fail(x, s, "auth_file: %s", why);
	}
	if ((s = config_setting_get_member(g, "real_servers"))) {
		int m = config_setting_type(s) == CONFIG_TYPE_STRING
				? metrics_rs_mode_from_name(config_setting_get_string(s))
				: -EINVAL;
		if (m < 0)
			return conf_fail(x, s, "real_servers must be \"all\", \"aggregate\" or \"drop\"");
		c->metrics.rs_mode = (enum lvs_rs_mode)m;
	}
	if ((s = config_setting_get_member(g, "real_server_metrics"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return conf_fail(x, s, "real_server_metrics must be a list of names");
		unsigned bits = 0;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			unsigned b = config_setting_type(e) == CONFIG_TYPE_STRING
					     ? metrics_rs_group_from_name(config_setting_get_string(e))
					     : 0;
			if (!b)
				return conf_fail(x, e,
					    "unknown real_server_metrics entry (connections, packets, "
					    "bytes, active, inactive, persistent, weight, thresholds, "
					    "info, health, entries)");
			bits |= b;
		}
		if (!bits)
			return conf_fail(x, s, "real_server_metrics is empty: use real_servers = \"drop\"");
		c->metrics.rs_groups = bits;
	}
	return 0;
}

static int parse_history(struct conf_ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "directory", "real_servers", "rrdcached", "queue",
					    "step", "heartbeat", "archives", "consolidation", NULL };
	struct rrd_spec *sp = &c->history_spec;
	char why[300];
	int r;
	if ((r = conf_keys(x, g, keys, "history")) ||
	    (r = conf_str(x, g, "directory", false, &c->history_dir)) ||
	    (r = conf_str(x, g, "rrdcached", false, &c->history_daemon)) ||
	    (r = conf_bool(x, g, "real_servers", &c->history_rs)) ||
	    (r = conf_uint(x, g, "queue", 1, 1000, &c->history_queue)) ||
	    (r = conf_uint(x, g, "step", 1, 3600, &sp->step)))
		return r;
	/* Three steps unless said otherwise, whatever the step. */
	sp->heartbeat = 3 * sp->step;
	if ((r = conf_uint(x, g, "heartbeat", 1, 86400, &sp->heartbeat)))
		return r;
	const config_setting_t *s;
	if ((s = config_setting_get_member(g, "archives"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return conf_fail(x, s, "archives must be a list like [ \"10s:1d\", \"1min:30d\" ]");
		int n = config_setting_length(s);
		if (n < 1 || n > RRD_SPEC_MAX_RRAS)
			return conf_fail(x, s, "archives: 1 to %d entries", RRD_SPEC_MAX_RRAS);
		sp->n_rras = 0;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return conf_fail(x, e, "archives: each entry is a string RESOLUTION:SPAN");
			if (rrd_spec_parse_rra(config_setting_get_string(e), sp->step,
					       &sp->rras[sp->n_rras], why, sizeof(why)))
				return conf_fail(x, e, "%s", why);
			sp->n_rras++;
		}
	}
	if ((s = config_setting_get_member(g, "consolidation"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return conf_fail(x, s, "consolidation must be a list of AVERAGE, MAX, MIN, LAST");
		sp->cfs = 0;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			unsigned b = config_setting_type(e) == CONFIG_TYPE_STRING
					     ? rrd_spec_cf_from_name(config_setting_get_string(e))
					     : 0;
			if (!b)
				return conf_fail(x, e, "consolidation: AVERAGE, MAX, MIN or LAST");
			sp->cfs |= b;
		}
	}
	if (rrd_spec_check(sp, why, sizeof(why)))
		return conf_fail(x, g, "history: %s", why);
	return 0;
}

/* declared = { keepalived = "PATH"; } or { lvs_cf = "PATH"; } */
static int parse_declared(struct conf_ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "keepalived", "lvs_cf", NULL };
	char *ka = NULL, *cf = NULL;
	int r;
	if ((r = conf_keys(x, g, keys, "declared")) ||
	    (r = conf_str(x, g, "keepalived", false, &ka)) ||
	    (r = conf_str(x, g, "lvs_cf", false, &cf))) {
		free(ka);
		free(cf);
		return r;
	}
	if (ka && cf) {
		free(ka);
		free(cf);
		return conf_fail(x, g, "declared: give keepalived or lvs_cf, not both");
	}
	c->declared_path = ka ? ka : cf;
	c->declared_kind = ka ? LVS_DECL_KEEPALIVED : cf ? LVS_DECL_LVSCF : 0;
	return 0;
}

static int parse_health(struct conf_ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "default_checks", "default", "from", NULL };
	int r;
	if ((r = conf_keys(x, g, keys, "health")) ||
	    (r = conf_bool(x, g, "default_checks", &c->default_checks)))
		return r;
	const config_setting_t *f = config_setting_get_member(g, "from");
	if (f) {
		const char *v = config_setting_type(f) == CONFIG_TYPE_STRING
					? config_setting_get_string(f) : "";
		if (!strcmp(v, "keepalived"))
			c->health_from = LVS_DECL_KEEPALIVED;
		else if (!strcmp(v, "lvs_cf"))
			c->health_from = LVS_DECL_LVSCF;
		else if (strcmp(v, "lvsd"))
			return conf_fail(x, f, "health.from must be \"keepalived\", \"lvs_cf\" or "
					 "\"lvsd\" (got '%s')", v);
	}
	const config_setting_t *d = config_setting_get_member(g, "default");
	if (d) {
		lvsd_check_clear(&c->default_check);
		if ((r = lvsd_check_parse(x, d, NULL, &c->default_check)))
			return r;
	}
	return 0;
}

static bool same_service(const struct lvsd_svc_conf *a, const struct lvsd_svc_conf *b)
{
	return a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
	       a->fwmark == b->fwmark && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static int parse_services(struct conf_ctx *x, const config_setting_t *l, struct lvsd_config *c)
{
	static const char *const skeys[] = { "service", "quiesce_on_failure", "check",
					     "real_servers", NULL };
	static const char *const rkeys[] = { "address", "check", NULL };
	if (!config_setting_is_list(l) && !(config_setting_is_array(l) && !config_setting_length(l)))
		return conf_fail(x, l, "services must be a list ( { service = \"tcp:ADDR:PORT\"; ... }, ... )");
	int n = config_setting_length(l);
	c->svcs = calloc((size_t)n + 1, sizeof(*c->svcs));
	if (!c->svcs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		int r = conf_keys(x, g, skeys, "a service");
		if (r)
			return r;
		const config_setting_t *sv = config_setting_get_member(g, "service");
		if (!sv)
			return conf_fail(x, g, "a service needs service = \"tcp:ADDR:PORT\" (or udp:, sctp:, fwm:MARK, fwm6:MARK)");
		struct lvsd_svc_conf *s = &c->svcs[c->n_svcs];
		if (config_setting_type(sv) != CONFIG_TYPE_STRING ||
		    lvsd_conf_parse_service(config_setting_get_string(sv), s))
			return conf_fail(x, sv,
				    "bad service '%s' (tcp:ADDR:PORT, udp:[V6ADDR]:PORT, sctp:..., "
				    "fwm:MARK, fwm6:MARK)",
				    config_setting_type(sv) == CONFIG_TYPE_STRING
					    ? config_setting_get_string(sv)
					    : "?");
		s->line = (int)config_setting_source_line(g);
		c->n_svcs++;
		for (size_t k = 0; k + 1 < c->n_svcs; k++)
			if (same_service(&c->svcs[k], s))
				return conf_fail(x, sv, "service %s is configured twice (first at line %d)",
					    config_setting_get_string(sv), c->svcs[k].line);
		if ((r = conf_bool(x, g, "quiesce_on_failure", &s->quiesce_on_failure)) ||
		    (r = lvsd_check_parse_member(x, g, "check", &c->default_check, &s->check)))
			return r;
		const config_setting_t *rl = config_setting_get_member(g, "real_servers");
		if (!rl)
			continue;
		if (!config_setting_is_list(rl) && !(config_setting_is_array(rl) && !config_setting_length(rl)))
			return conf_fail(x, rl, "real_servers must be a list ( { address = \"ADDR:PORT\"; }, ... )");
		int m = config_setting_length(rl);
		s->rs = calloc((size_t)m + 1, sizeof(*s->rs));
		if (!s->rs)
			return -ENOMEM;
		for (int j = 0; j < m; j++) {
			const config_setting_t *rg = config_setting_get_elem(rl, (unsigned)j);
			if ((r = conf_keys(x, rg, rkeys, "a real server")))
				return r;
			const config_setting_t *ad = config_setting_get_member(rg, "address");
			struct lvsd_rs_conf *rs = &s->rs[s->n_rs];
			if (!ad)
				return conf_fail(x, rg, "a real server needs address = \"ADDR:PORT\"");
			if (config_setting_type(ad) != CONFIG_TYPE_STRING ||
			    lvsd_conf_parse_hostport(config_setting_get_string(ad), &rs->af, &rs->addr,
						     &rs->port))
				return conf_fail(x, ad, "bad real server address (ADDR:PORT, IPv6 as [ADDR]:PORT)");
			rs->line = (int)config_setting_source_line(rg);
			s->n_rs++;
			for (size_t k = 0; k + 1 < s->n_rs; k++)
				if (s->rs[k].af == rs->af && s->rs[k].port == rs->port &&
				    !memcmp(&s->rs[k].addr, &rs->addr, sizeof(rs->addr)))
					return conf_fail(x, ad, "real server %s is listed twice in this service",
						    config_setting_get_string(ad));
			if ((r = lvsd_check_parse_member(x, rg, "check", s->check ? s->check : &c->default_check,
						    &rs->check)))
				return r;
		}
	}
	return 0;
}

/* health.from: read the declared file (declared's path when it names one
 * of that kind, else where it usually is) and map its checkers. Its errors
 * are this config's: lvsd would otherwise run checks other than the
 * file's without a word. */
static int health_from_file(struct conf_ctx *x, const config_setting_t *f, struct lvsd_config *c)
{
	const char *kw = c->health_from == LVS_DECL_KEEPALIVED ? "keepalived" : "lvs_cf";
	if (c->declared_kind && c->declared_kind != c->health_from)
		return conf_fail(x, f, "health.from = \"%s\" but declared names the other kind of "
				 "file (%s)", kw, c->declared_path);
	const char *path = c->declared_kind ? c->declared_path
			   : c->health_from == LVS_DECL_KEEPALIVED ? LVS_DECL_KEEPALIVED_PATH
								   : LVS_DECL_LVSCF_PATH;
	struct lvs_declared *d = NULL;
	char msg[256];
	int r = c->health_from == LVS_DECL_KEEPALIVED ? declared_read_keepalived(path, &d, msg, sizeof(msg))
						      : declared_read_lvscf(path, &d, msg, sizeof(msg));
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return conf_fail(x, f, "health.from = \"%s\": %s", kw, msg);
	if (d->n_errors) {
		const struct lvs_decl_msg *e = d->msgs;
		while (e->severity != LVS_DECL_ERROR)
			e++;
		r = conf_fail(x, f, "health.from = \"%s\": %s:%d: %s", kw, e->file ? e->file : path,
			      e->line, e->text);
		declared_free(d);
		return r;
	}
	if (!(c->health_from_path = strdup(path))) {
		declared_free(d);
		return -ENOMEM;
	}
	r = lvsd_decl_checks_map(c, d, x->err, x->errlen);
	declared_free(d);
	return r;
}

/* --- index ---------------------------------------------------------------------- */

/* The identity lookups use: a firewall-mark service is its family and mark
 * (whatever address, protocol and port a table reports with it). */
static void svc_identity(struct lvs_service *o, uint16_t af, uint16_t proto, uint16_t port,
			 uint32_t fwmark, const union lvs_addr *addr)
{
	memset(o, 0, sizeof(*o));
	o->af = af;
	o->fwmark = fwmark;
	if (!fwmark) {
		o->protocol = proto;
		o->port = port;
		o->addr = *addr;
	}
}

int lvsd_conf_build_index(struct lvsd_config *c)
{
	/* Built again when health.from added services. */
	keymap_done(&c->index);
	free(c->rs_refs);
	c->rs_refs = NULL;
	c->n_rs_refs = 0;
	size_t n = c->n_svcs;
	for (size_t i = 0; i < c->n_svcs; i++)
		n += c->svcs[i].n_rs;
	if (keymap_init(&c->index, n))
		return -ENOMEM;
	c->rs_refs = calloc(n + 1, sizeof(*c->rs_refs));
	if (!c->rs_refs)
		return -ENOMEM;
	for (size_t i = 0; i < c->n_svcs; i++) {
		const struct lvsd_svc_conf *k = &c->svcs[i];
		struct lvs_service sv;
		struct lvs_key key;
		svc_identity(&sv, k->af, k->protocol, k->port, k->fwmark, &k->addr);
		lvs_key_service(&key, &sv);
		if (keymap_put(&c->index, &key, (uint32_t)i))
			return -ENOMEM;
		for (size_t j = 0; j < k->n_rs; j++) {
			struct lvs_dest d = { .af = k->rs[j].af, .port = k->rs[j].port,
					      .addr = k->rs[j].addr };
			lvs_key_dest(&key, &sv, &d);
			c->rs_refs[c->n_rs_refs] = (struct lvsd_rs_ref){ (uint32_t)i, (uint32_t)j };
			if (keymap_put(&c->index, &key, (uint32_t)c->n_rs_refs++))
				return -ENOMEM;
		}
	}
	return 0;
}

const struct lvsd_svc_conf *lvsd_conf_find_service(const struct lvsd_config *c,
						   const struct lvs_service *svc)
{
	if (!c->n_svcs)
		return NULL;
	struct lvs_service sv;
	struct lvs_key key;
	svc_identity(&sv, svc->af, svc->protocol, svc->port, svc->fwmark, &svc->addr);
	lvs_key_service(&key, &sv);
	const uint32_t *i = keymap_get(&c->index, &key);
	return i ? &c->svcs[*i] : NULL;
}

const struct lvsd_rs_conf *lvsd_conf_find_rs(const struct lvsd_config *c,
					     const struct lvsd_svc_conf *k,
					     const struct lvs_service *svc, const struct lvs_dest *d)
{
	if (!k->n_rs)
		return NULL;
	struct lvs_service sv;
	struct lvs_key key;
	svc_identity(&sv, svc->af, svc->protocol, svc->port, svc->fwmark, &svc->addr);
	struct lvs_dest dd = { .af = d->af, .port = d->port, .addr = d->addr };
	lvs_key_dest(&key, &sv, &dd);
	const uint32_t *i = keymap_get(&c->index, &key);
	if (!i || &c->svcs[c->rs_refs[*i].svc] != k)
		return NULL;
	return &k->rs[c->rs_refs[*i].rs];
}

/* --- lifetime -------------------------------------------------------------------- */

static int set_defaults(struct lvsd_config *c)
{
	c->interval = 2.0;
	c->read_conns = true;
	c->threads = 4;
	c->per_client = HTTP_PER_CLIENT;
	c->header_timeout = HTTP_HEADER_TIMEOUT;
	c->gzip_level = 1;
	c->metrics.max_series = LVSD_DEFAULT_MAX_SERIES;
	c->default_checks = true;
	c->default_check.spec.type = LVS_CHECK_TCP;
	c->history_queue = 4;
	c->history_budget = (size_t)LVSD_HISTORY_MIB << 20;
	rrd_spec_default(&c->history_spec);
	c->listen = strdup(LVSD_DEFAULT_LISTEN);
	return c->listen ? 0 : -ENOMEM;
}

void lvsd_conf_free(struct lvsd_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_svcs; i++) {
		for (size_t j = 0; j < c->svcs[i].n_rs; j++)
			lvsd_check_free(c->svcs[i].rs[j].check);
		free(c->svcs[i].rs);
		lvsd_check_free(c->svcs[i].check);
	}
	free(c->svcs);
	keymap_done(&c->index);
	free(c->rs_refs);
	lvsd_check_clear(&c->default_check);
	free(c->path);
	free(c->listen);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->auth_file);
	free(c->history_dir);
	free(c->declared_path);
	free(c->health_from_path);
	for (size_t i = 0; i < c->n_health_notes; i++)
		free(c->health_notes[i].text);
	free(c->health_notes);
	free(c->history_daemon);
	free(c);
}

struct lvsd_config *lvsd_conf_default(void)
{
	struct lvsd_config *c = calloc(1, sizeof(*c));
	if (!c || set_defaults(c) || lvsd_conf_build_index(c)) {
		lvsd_conf_free(c);
		return NULL;
	}
	return c;
}

int lvsd_conf_load(const char *path, struct lvsd_config **out, char *err, size_t errlen)
{
	struct conf_ctx x = { .path = path, .err = err, .errlen = errlen };
	/* libconfig says only "file I/O error" for a missing file: ask first.
	 * A directory opens, and libconfig's scanner then exits the process. */
	struct stat st;
	if (stat(path, &st) || access(path, R_OK)) {
		int e = errno;
		snprintf(err, errlen, "%s:0: cannot read the configuration: %s", path, strerror(e));
		return -e;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s:0: cannot read the configuration: not a regular file", path);
		return -EINVAL;
	}
	config_t cf;
	config_init(&cf);
	struct lvsd_config *c = NULL;
	int r = -ENOMEM;
	/* Relative @include paths are taken from the config's own folder. */
	char *dir = strdup(path);
	if (!dir)
		goto out;
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = 0;
		config_set_include_dir(&cf, *dir ? dir : "/");
		x.dir = dir;
	}
	c = calloc(1, sizeof(*c));
	if (!c || set_defaults(c) || !(c->path = strdup(path)))
		goto out;
	if ((r = conf_check_includes(&x, path, 0)))
		goto out_msg;
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		const char *ef = config_error_file(&cf) ? config_error_file(&cf) : path;
		bool rel = strcmp(ef, path) && ef[0] != '/' && x.dir;
		snprintf(err, errlen, "%s%s%s:%d: %s", rel ? x.dir : "", rel ? "/" : "", ef,
			 config_error_line(&cf), config_error_text(&cf));
		r = -EINVAL;
		goto out;
	}
	static const char *const keys[] = { "daemon", "exporter", "history", "health", "services",
					    "declared", NULL };
	const config_setting_t *root = config_root_setting(&cf);
	const config_setting_t *s;
	if ((r = conf_keys(&x, root, keys, "the top level")))
		goto out;
	if ((s = config_setting_get_member(root, "daemon")) && (r = parse_daemon(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "exporter")) && (r = parse_exporter(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "history")) && (r = parse_history(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "health")) && (r = parse_health(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "declared")) && (r = parse_declared(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "services")) && (r = parse_services(&x, s, c)))
		goto out;
	if (c->health_from && (r = health_from_file(&x, config_setting_get_member(
					 config_setting_get_member(root, "health"), "from"), c)))
		goto out_msg_or_oom;
	r = lvsd_conf_build_index(c);
out_msg_or_oom:
	if (r == -ENOMEM)
		goto out;
	goto out_msg;
out:
	if (r == -ENOMEM)
		snprintf(err, errlen, "%s:0: out of memory", path);
out_msg:
	config_destroy(&cf);
	free(dir);
	if (r) {
		/* Messages quote the file (names, values, include paths): they
		 * reach the terminal and the log printable only ('?' else). */
		for (char *e = err; errlen && *e; e++)
			if ((unsigned char)*e < 0x20 || (unsigned char)*e > 0x7e)
				*e = '?';
		lvsd_conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}
