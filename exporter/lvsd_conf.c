#include "lvsd_conf.h"

#include "collector/names.h"
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ctx {
	const char *path;
	const char *dir; /* the config's folder: @include paths are relative to it */
	char *err;
	size_t errlen;
};

static int fail(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
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
static const char *sname(const config_setting_t *s)
{
	const char *n = config_setting_name(s);
	return n ? n : "(list element)";
}

static int check_keys(struct ctx *x, const config_setting_t *g, const char *const *allowed,
		      const char *what)
{
	if (!config_setting_is_group(g))
		return fail(x, g, "%s must be a group { ... }", what);
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
		return fail(x, c, "unknown key '%s' in %s (known: %s)", name, what, known);
	}
	return 0;
}

static int get_num(struct ctx *x, const config_setting_t *s, double *out)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: *out = (double)config_setting_get_int64(s); return 0;
	case CONFIG_TYPE_FLOAT: *out = config_setting_get_float(s); return 0;
	default: return fail(x, s, "%s must be a number", sname(s));
	}
}

/* Seconds: > 0, or >= 0 when zero_ok. Absent: *out unchanged. */
static int get_secs(struct ctx *x, const config_setting_t *g, const char *name, bool zero_ok,
		    double *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	double v = 0;
	int r = get_num(x, s, &v);
	if (r)
		return r;
	if (!(v == v) || v < 0 || (!zero_ok && v == 0) || v > 86400.0 * 365)
		return fail(x, s, "%s must be %s seconds (got %g)", name,
			    zero_ok ? "zero or more" : "more than zero", v);
	*out = v;
	return 0;
}

static int get_uint(struct ctx *x, const config_setting_t *g, const char *name, long long min,
		    long long max, unsigned *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return fail(x, s, "%s must be an integer", name);
	long long v = config_setting_get_int64(s);
	if (v < min || v > max)
		return fail(x, s, "%s must be in %lld..%lld (got %lld)", name, min, max, v);
	*out = (unsigned)v;
	return 0;
}

static int get_bool(struct ctx *x, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(x, s, "%s must be true or false", name);
	*out = config_setting_get_bool(s);
	return 0;
}

/* A string setting, strdup'd into *out (replacing what was there). */
static int get_str(struct ctx *x, const config_setting_t *g, const char *name, bool empty_ok,
		   char **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(x, s, "%s must be a string", name);
	const char *v = config_setting_get_string(s);
	if (!empty_ok && !*v)
		return fail(x, s, "%s must not be empty", name);
	char *d = strdup(v);
	if (!d)
		return -ENOMEM;
	free(*out);
	*out = d;
	return 0;
}

/* A file the daemon will open later: it must be readable now, so a typo
 * stops the start (or the reload) instead of a scrape or a check. */
static int need_file(struct ctx *x, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	const char *p = config_setting_get_string(s);
	if (access(p, R_OK))
		return fail(x, s, "%s: cannot read %s: %s", name, p, strerror(errno));
	return 0;
}

/* --- addresses ------------------------------------------------------------- */

int lvsd_conf_parse_hostport(const char *s, uint16_t *af, union lvs_addr *addr, uint16_t *port)
{
	char host[LVS_ADDR_STRLEN + 2];
	const char *hs, *colon;
	size_t hl;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -EINVAL;
		hs = s + 1;
		hl = (size_t)(close - hs);
		colon = close + 1;
	} else {
		colon = strchr(s, ':');
		if (!colon || strchr(colon + 1, ':'))
			return -EINVAL;
		hs = s;
		hl = (size_t)(colon - s);
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, hs, hl);
	host[hl] = 0;
	char *end;
	errno = 0;
	long p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || p < 1 || p > 65535 || colon[1] == '+')
		return -EINVAL;
	if (lvs_addr_pton(host, af, addr))
		return -EINVAL;
	/* IPv6 only in brackets, IPv4 never: one spelling per address. */
	if ((*af == AF_INET6) != (s[0] == '['))
		return -EINVAL;
	*port = (uint16_t)p;
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

/* --- checks ------------------------------------------------------------------ */

static void check_clear(struct lvsd_check *c)
{
	free(c->http_path);
	free(c->http_host);
	free(c->http_request);
	free(c->http_expect);
	free(c->udp_payload);
	free(c->udp_expect);
	free(c->tls_sni);
	free(c->tls_ca_file);
	free(c->dns_name);
	for (char **a = c->argv; a && *a; a++)
		free(*a);
	free(c->argv);
	memset(c, 0, sizeof(*c));
}

static void check_free(struct lvsd_check *c)
{
	if (c) {
		check_clear(c);
		free(c);
	}
}

/* Point the spec at the strings this check owns. */
static void check_link(struct lvsd_check *c)
{
	struct lvs_check_spec *s = &c->spec;
	s->http_path = c->http_path;
	s->http_host = c->http_host;
	s->http_request = c->http_request;
	s->http_expect = c->http_expect;
	s->udp_payload = c->udp_payload;
	s->udp_payload_len = c->udp_payload ? strlen(c->udp_payload) : 0;
	s->udp_expect = c->udp_expect;
	s->tls_sni = c->tls_sni;
	s->tls_ca_file = c->tls_ca_file;
	s->dns_name = c->dns_name;
	s->exec_argv = (const char *const *)c->argv;
}

static const char *const check_keys_all[] = {
	"type",   "interval", "timeout", "rise",          "fall",        "retry",
	"retry_delay", "warmup", "address", "port",    "path",        "host",
	"request", "expect_status", "expect_body", "payload", "expect", "no_icmp",
	"argv",   "sni", "verify", "ca_file", "name", "query_type", "expect_address",
	"expect_rcode", NULL,
};

/* Which keys belong to which types (the timing and target keys to all). */
static bool key_fits(const char *key, int type)
{
	static const struct {
		const char *key;
		unsigned types; /* bit per enum lvs_check_type */
	} keys[] = {
#define HTTPISH (1u << LVS_CHECK_HTTP | 1u << LVS_CHECK_HTTPS)
		{ "path", HTTPISH },	       { "host", HTTPISH },
		{ "request", HTTPISH },	       { "expect_status", HTTPISH },
		{ "expect_body", HTTPISH },    { "sni", 1u << LVS_CHECK_HTTPS },
		{ "verify", 1u << LVS_CHECK_HTTPS }, { "ca_file", 1u << LVS_CHECK_HTTPS },
		{ "payload", 1u << LVS_CHECK_UDP }, { "expect", 1u << LVS_CHECK_UDP },
		{ "no_icmp", 1u << LVS_CHECK_UDP }, { "argv", 1u << LVS_CHECK_EXEC },
		{ "name", 1u << LVS_CHECK_DNS }, { "query_type", 1u << LVS_CHECK_DNS },
		{ "expect_address", 1u << LVS_CHECK_DNS }, { "expect_rcode", 1u << LVS_CHECK_DNS },
#undef HTTPISH
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(keys[i].key, key))
			return keys[i].types & (1u << type);
	return true;
}

/* DNS names and numbers: a string name, or the number itself. */
static int get_dns_code(struct ctx *x, const config_setting_t *g, const char *name,
			int (*parse)(const char *), long long max, const char *what, unsigned *out)
{
	const config_setting_t *k = config_setting_get_member(g, name);
	if (!k)
		return 0;
	if (config_setting_type(k) == CONFIG_TYPE_STRING) {
		int v = parse(config_setting_get_string(k));
		if (v < 0)
			return fail(x, k, "unknown %s '%s' (%s)", name, config_setting_get_string(k), what);
		*out = (unsigned)v;
		return 0;
	}
	return get_uint(x, g, name, 0, max, out);
}

/* Parse a check group over a copy of base's timing and type. */
static int parse_check(struct ctx *x, const config_setting_t *g, const struct lvsd_check *base,
		       struct lvsd_check *c)
{
	int r;
	memset(c, 0, sizeof(*c));
	c->line = (int)config_setting_source_line(g);
	if ((r = check_keys(x, g, check_keys_all, "a check")))
		return r;
	struct lvs_check_spec *s = &c->spec;
	if (base) {
		s->type = base->spec.type;
		s->interval = base->spec.interval;
		s->timeout = base->spec.timeout;
		s->rise = base->spec.rise;
		s->fall = base->spec.fall;
		s->retry = base->spec.retry;
		s->retry_delay = base->spec.retry_delay;
		s->warmup = base->spec.warmup;
	}
	const config_setting_t *t = config_setting_get_member(g, "type");
	if (t) {
		if (config_setting_type(t) != CONFIG_TYPE_STRING)
			return fail(x, t, "type must be a string: tcp, http, https, udp, dns or exec");
		int ty = lvsd_conf_check_type(config_setting_get_string(t));
		if (ty < 0)
			return fail(x, t, "unknown check type '%s' (tcp, http, https, udp, dns or exec)",
				    config_setting_get_string(t));
		s->type = (enum lvs_check_type)ty;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *k = config_setting_get_elem(g, (unsigned)i);
		if (!key_fits(config_setting_name(k), (int)s->type))
			return fail(x, k, "%s does not apply to a %s check", config_setting_name(k),
				    t ? config_setting_get_string(t) : "tcp");
	}
	unsigned u;
	if ((r = get_secs(x, g, "interval", false, &s->interval)) ||
	    (r = get_secs(x, g, "timeout", false, &s->timeout)) ||
	    (r = get_secs(x, g, "retry_delay", true, &s->retry_delay)) ||
	    (r = get_secs(x, g, "warmup", true, &s->warmup)))
		return r;
	u = s->rise;
	if ((r = get_uint(x, g, "rise", 1, 1000, &u)))
		return r;
	s->rise = u;
	u = s->fall;
	if ((r = get_uint(x, g, "fall", 1, 1000, &u)))
		return r;
	s->fall = u;
	u = s->retry;
	if ((r = get_uint(x, g, "retry", 0, 100, &u)))
		return r;
	s->retry = u;
	u = 0;
	if ((r = get_uint(x, g, "port", 1, 65535, &u)))
		return r;
	s->target_port = (uint16_t)u;
	const config_setting_t *a = config_setting_get_member(g, "address");
	if (a) {
		if (config_setting_type(a) != CONFIG_TYPE_STRING ||
		    lvs_addr_pton(config_setting_get_string(a), &s->target_af, &s->target_addr))
			return fail(x, a, "address must be a numeric IPv4 or IPv6 address (no brackets, no port)");
	}
	switch (s->type) {
	case LVS_CHECK_HTTPS: {
		if ((r = get_str(x, g, "sni", false, &c->tls_sni)) ||
		    (r = get_str(x, g, "ca_file", false, &c->tls_ca_file)) ||
		    (r = get_bool(x, g, "verify", &s->tls_verify)))
			return r;
		const config_setting_t *ca = config_setting_get_member(g, "ca_file");
		if (c->tls_ca_file && !s->tls_verify)
			return fail(x, ca, "ca_file is used only with verify = true");
		if (c->tls_ca_file && access(c->tls_ca_file, R_OK) != 0)
			return fail(x, ca, "cannot read ca_file %s: %s", c->tls_ca_file,
				    strerror(errno));
		/* the rest is the HTTP check's */
	}
		/* fall through */
	case LVS_CHECK_HTTP:
		if ((r = get_str(x, g, "path", false, &c->http_path)) ||
		    (r = get_str(x, g, "host", false, &c->http_host)) ||
		    (r = get_str(x, g, "request", false, &c->http_request)) ||
		    (r = get_str(x, g, "expect_body", false, &c->http_expect)))
			return r;
		if (c->http_path && c->http_path[0] != '/')
			return fail(x, config_setting_get_member(g, "path"),
				    "path must start with '/' (got '%s')", c->http_path);
		if (c->http_request && (c->http_path || c->http_host))
			return fail(x, config_setting_get_member(g, "request"),
				    "request replaces path and host: give one or the other");
		u = 0;
		if ((r = get_uint(x, g, "expect_status", 100, 599, &u)))
			return r;
		s->http_status = (int)u;
		break;
	case LVS_CHECK_UDP:
		if ((r = get_str(x, g, "payload", true, &c->udp_payload)) ||
		    (r = get_str(x, g, "expect", false, &c->udp_expect)) ||
		    (r = get_bool(x, g, "no_icmp", &s->udp_no_icmp)))
			return r;
		break;
	case LVS_CHECK_EXEC: {
		const config_setting_t *av = config_setting_get_member(g, "argv");
		if (!av)
			return fail(x, g, "an exec check needs argv = [ \"/path/to/program\", ... ]");
		if (!config_setting_is_aggregate(av) || config_setting_is_group(av) ||
		    config_setting_length(av) < 1)
			return fail(x, av, "argv must be a non-empty list of strings");
		int n = config_setting_length(av);
		c->argv = calloc((size_t)n + 1, sizeof(*c->argv));
		if (!c->argv)
			return -ENOMEM;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(av, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return fail(x, e, "argv[%d] must be a string", i);
			if (!(c->argv[i] = strdup(config_setting_get_string(e))))
				return -ENOMEM;
		}
		const char *prog = c->argv[0];
		if (!*prog)
			return fail(x, av, "argv[0] is empty");
		/* as the engine will start it: PATH searched as posix_spawnp
		 * does, and a file the kernel can run */
		char why[320];
		if (health_exec_check(prog, why, sizeof(why)))
			return fail(x, av, "argv[0]: %s", why);
		break;
	}
	case LVS_CHECK_DNS: {
		if ((r = get_str(x, g, "name", false, &c->dns_name)))
			return r;
		if (!c->dns_name)
			return fail(x, g, "a dns check needs name = \"host.example.\" (the name to ask for)");
		u = 0;
		if ((r = get_dns_code(x, g, "query_type", health_dns_qtype_parse, 65535,
				      "A, AAAA, MX, TXT, NS, SOA, CNAME, PTR, SRV or ANY", &u)))
			return r;
		s->dns_qtype = (uint16_t)u;
		u = 0;
		if ((r = get_dns_code(x, g, "expect_rcode", health_dns_rcode_parse, 15,
				      "NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...", &u)))
			return r;
		s->dns_rcode = (uint8_t)u;
		const config_setting_t *ea = config_setting_get_member(g, "expect_address");
		if (ea) {
			if (config_setting_type(ea) != CONFIG_TYPE_STRING ||
			    lvs_addr_pton(config_setting_get_string(ea), &s->dns_expect_af,
					  &s->dns_expect_addr))
				return fail(x, ea, "expect_address must be a numeric IPv4 or IPv6 address");
			/* an IPv6 answer is asked for with AAAA unless said otherwise */
			if (!s->dns_qtype && s->dns_expect_af == AF_INET6)
				s->dns_qtype = 28;
		}
		break;
	}
	case LVS_CHECK_TCP:
		break;
	}
	check_link(c);
	/* Whatever else the engine would refuse, refuse now, with a line.
	 * The real server is a placeholder: it comes from the IPVS table. */
	struct lvs_check_spec probe = c->spec;
	char why[200] = "";
	probe.af = AF_INET;
	probe.port = 1;
	probe.addr.v4.s_addr = htonl(INADDR_LOOPBACK);
	if (health_spec_check(&probe, why, sizeof(why)))
		return fail(x, g, "%s", why);
	return 0;
}

static int parse_check_member(struct ctx *x, const config_setting_t *g, const char *name,
			      const struct lvsd_check *base, struct lvsd_check **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	struct lvsd_check *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int r = parse_check(x, s, base, c);
	if (r) {
		check_free(c);
		return r;
	}
	*out = c;
	return 0;
}

/* --- sections ---------------------------------------------------------------- */

static int parse_daemon(struct ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "interval", "read_connections", "connection_limit",
					    "history_mib", NULL };
	int r;
	unsigned u;
	if ((r = check_keys(x, g, keys, "daemon")) ||
	    (r = get_secs(x, g, "interval", false, &c->interval)) ||
	    (r = get_bool(x, g, "read_connections", &c->read_conns)) ||
	    (r = get_uint(x, g, "connection_limit", 1, 100000000, &c->conn_limit)))
		return r;
	u = (unsigned)(c->history_budget >> 20);
	if ((r = get_uint(x, g, "history_mib", 1, 4096, &u)))
		return r;
	c->history_budget = (size_t)u << 20;
	const config_setting_t *iv = config_setting_get_member(g, "interval");
	if (iv && c->interval < 0.1)
		return fail(x, iv, "interval must be at least 0.1 seconds (the kernel's counters "
				   "move every 2 s)");
	return 0;
}

static int parse_exporter(struct ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "listen",    "tls_cert",     "tls_key",
					    "auth_file", "threads",      "gzip_level",
					    "real_servers", "real_server_metrics", NULL };
	int r;
	unsigned u;
	if ((r = check_keys(x, g, keys, "exporter")) ||
	    (r = get_str(x, g, "listen", false, &c->listen)) ||
	    (r = get_str(x, g, "tls_cert", false, &c->tls_cert)) ||
	    (r = get_str(x, g, "tls_key", false, &c->tls_key)) ||
	    (r = get_str(x, g, "auth_file", false, &c->auth_file)) ||
	    (r = get_uint(x, g, "threads", 1, 64, &c->threads)))
		return r;
	u = (unsigned)c->gzip_level;
	if ((r = get_uint(x, g, "gzip_level", 0, 9, &u)))
		return r;
	c->gzip_level = (int)u;
	const config_setting_t *s = config_setting_get_member(g, "listen");
	if (s) {
		struct sockaddr_storage ss;
		socklen_t sl;
		char why[200];
		if (http_parse_listen(c->listen, &ss, &sl, why, sizeof(why)))
			return fail(x, s, "%s", why);
	}
	if (!c->tls_cert != !c->tls_key)
		return fail(x, config_setting_get_member(g, c->tls_cert ? "tls_cert" : "tls_key"),
			    "TLS needs both tls_cert and tls_key");
	if ((r = need_file(x, g, "tls_cert")) || (r = need_file(x, g, "tls_key")))
		return r;
	if ((s = config_setting_get_member(g, "auth_file"))) {
		char why[300];
		if (http_check_auth_file(c->auth_file, NULL, why, sizeof(why)))
			return fail(x, s, "auth_file: %s", why);
	}
	if ((s = config_setting_get_member(g, "real_servers"))) {
		int m = config_setting_type(s) == CONFIG_TYPE_STRING
				? metrics_rs_mode_from_name(config_setting_get_string(s))
				: -EINVAL;
		if (m < 0)
			return fail(x, s, "real_servers must be \"all\", \"aggregate\" or \"drop\"");
		c->metrics.rs_mode = (enum lvs_rs_mode)m;
	}
	if ((s = config_setting_get_member(g, "real_server_metrics"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return fail(x, s, "real_server_metrics must be a list of names");
		unsigned bits = 0;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			unsigned b = config_setting_type(e) == CONFIG_TYPE_STRING
					     ? metrics_rs_group_from_name(config_setting_get_string(e))
					     : 0;
			if (!b)
				return fail(x, e,
					    "unknown real_server_metrics entry (connections, packets, "
					    "bytes, active, inactive, persistent, weight, thresholds, "
					    "info, health, entries)");
			bits |= b;
		}
		if (!bits)
			return fail(x, s, "real_server_metrics is empty: use real_servers = \"drop\"");
		c->metrics.rs_groups = bits;
	}
	return 0;
}

static int parse_history(struct ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "directory", "real_servers", "rrdcached", "queue",
					    "step", "heartbeat", "archives", "consolidation", NULL };
	struct rrd_spec *sp = &c->history_spec;
	char why[300];
	int r;
	if ((r = check_keys(x, g, keys, "history")) ||
	    (r = get_str(x, g, "directory", false, &c->history_dir)) ||
	    (r = get_str(x, g, "rrdcached", false, &c->history_daemon)) ||
	    (r = get_bool(x, g, "real_servers", &c->history_rs)) ||
	    (r = get_uint(x, g, "queue", 1, 1000, &c->history_queue)) ||
	    (r = get_uint(x, g, "step", 1, 3600, &sp->step)))
		return r;
	/* Three steps unless said otherwise, whatever the step. */
	sp->heartbeat = 3 * sp->step;
	if ((r = get_uint(x, g, "heartbeat", 1, 86400, &sp->heartbeat)))
		return r;
	const config_setting_t *s;
	if ((s = config_setting_get_member(g, "archives"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return fail(x, s, "archives must be a list like [ \"10s:1d\", \"1min:30d\" ]");
		int n = config_setting_length(s);
		if (n < 1 || n > RRD_SPEC_MAX_RRAS)
			return fail(x, s, "archives: 1 to %d entries", RRD_SPEC_MAX_RRAS);
		sp->n_rras = 0;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return fail(x, e, "archives: each entry is a string RESOLUTION:SPAN");
			if (rrd_spec_parse_rra(config_setting_get_string(e), sp->step,
					       &sp->rras[sp->n_rras], why, sizeof(why)))
				return fail(x, e, "%s", why);
			sp->n_rras++;
		}
	}
	if ((s = config_setting_get_member(g, "consolidation"))) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return fail(x, s, "consolidation must be a list of AVERAGE, MAX, MIN, LAST");
		sp->cfs = 0;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			unsigned b = config_setting_type(e) == CONFIG_TYPE_STRING
					     ? rrd_spec_cf_from_name(config_setting_get_string(e))
					     : 0;
			if (!b)
				return fail(x, e, "consolidation: AVERAGE, MAX, MIN or LAST");
			sp->cfs |= b;
		}
	}
	if (rrd_spec_check(sp, why, sizeof(why)))
		return fail(x, g, "history: %s", why);
	return 0;
}

static int parse_health(struct ctx *x, const config_setting_t *g, struct lvsd_config *c)
{
	static const char *const keys[] = { "default_checks", "default", NULL };
	int r;
	if ((r = check_keys(x, g, keys, "health")) ||
	    (r = get_bool(x, g, "default_checks", &c->default_checks)))
		return r;
	const config_setting_t *d = config_setting_get_member(g, "default");
	if (d) {
		check_clear(&c->default_check);
		if ((r = parse_check(x, d, NULL, &c->default_check)))
			return r;
	}
	return 0;
}

static bool same_service(const struct lvsd_svc_conf *a, const struct lvsd_svc_conf *b)
{
	return a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
	       a->fwmark == b->fwmark && !memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static int parse_services(struct ctx *x, const config_setting_t *l, struct lvsd_config *c)
{
	static const char *const skeys[] = { "service", "quiesce_on_failure", "check",
					     "real_servers", NULL };
	static const char *const rkeys[] = { "address", "check", NULL };
	if (!config_setting_is_list(l) && !(config_setting_is_array(l) && !config_setting_length(l)))
		return fail(x, l, "services must be a list ( { service = \"tcp:ADDR:PORT\"; ... }, ... )");
	int n = config_setting_length(l);
	c->svcs = calloc((size_t)n + 1, sizeof(*c->svcs));
	if (!c->svcs)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		int r = check_keys(x, g, skeys, "a service");
		if (r)
			return r;
		const config_setting_t *sv = config_setting_get_member(g, "service");
		if (!sv)
			return fail(x, g, "a service needs service = \"tcp:ADDR:PORT\" (or udp:, sctp:, fwm:MARK, fwm6:MARK)");
		struct lvsd_svc_conf *s = &c->svcs[c->n_svcs];
		if (config_setting_type(sv) != CONFIG_TYPE_STRING ||
		    lvsd_conf_parse_service(config_setting_get_string(sv), s))
			return fail(x, sv,
				    "bad service '%s' (tcp:ADDR:PORT, udp:[V6ADDR]:PORT, sctp:..., "
				    "fwm:MARK, fwm6:MARK)",
				    config_setting_type(sv) == CONFIG_TYPE_STRING
					    ? config_setting_get_string(sv)
					    : "?");
		s->line = (int)config_setting_source_line(g);
		c->n_svcs++;
		for (size_t k = 0; k + 1 < c->n_svcs; k++)
			if (same_service(&c->svcs[k], s))
				return fail(x, sv, "service %s is configured twice (first at line %d)",
					    config_setting_get_string(sv), c->svcs[k].line);
		if ((r = get_bool(x, g, "quiesce_on_failure", &s->quiesce_on_failure)) ||
		    (r = parse_check_member(x, g, "check", &c->default_check, &s->check)))
			return r;
		const config_setting_t *rl = config_setting_get_member(g, "real_servers");
		if (!rl)
			continue;
		if (!config_setting_is_list(rl) && !(config_setting_is_array(rl) && !config_setting_length(rl)))
			return fail(x, rl, "real_servers must be a list ( { address = \"ADDR:PORT\"; }, ... )");
		int m = config_setting_length(rl);
		s->rs = calloc((size_t)m + 1, sizeof(*s->rs));
		if (!s->rs)
			return -ENOMEM;
		for (int j = 0; j < m; j++) {
			const config_setting_t *rg = config_setting_get_elem(rl, (unsigned)j);
			if ((r = check_keys(x, rg, rkeys, "a real server")))
				return r;
			const config_setting_t *ad = config_setting_get_member(rg, "address");
			struct lvsd_rs_conf *rs = &s->rs[s->n_rs];
			if (!ad)
				return fail(x, rg, "a real server needs address = \"ADDR:PORT\"");
			if (config_setting_type(ad) != CONFIG_TYPE_STRING ||
			    lvsd_conf_parse_hostport(config_setting_get_string(ad), &rs->af, &rs->addr,
						     &rs->port))
				return fail(x, ad, "bad real server address (ADDR:PORT, IPv6 as [ADDR]:PORT)");
			rs->line = (int)config_setting_source_line(rg);
			s->n_rs++;
			for (size_t k = 0; k + 1 < s->n_rs; k++)
				if (s->rs[k].af == rs->af && s->rs[k].port == rs->port &&
				    !memcmp(&s->rs[k].addr, &rs->addr, sizeof(rs->addr)))
					return fail(x, ad, "real server %s is listed twice in this service",
						    config_setting_get_string(ad));
			if ((r = parse_check_member(x, rg, "check", s->check ? s->check : &c->default_check,
						    &rs->check)))
				return r;
		}
	}
	return 0;
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

static int build_index(struct lvsd_config *c)
{
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
	c->gzip_level = 1;
	c->default_checks = true;
	c->default_check.spec.type = LVS_CHECK_TCP;
	c->history_queue = 4;
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
			check_free(c->svcs[i].rs[j].check);
		free(c->svcs[i].rs);
		check_free(c->svcs[i].check);
	}
	free(c->svcs);
	keymap_done(&c->index);
	free(c->rs_refs);
	check_clear(&c->default_check);
	free(c->path);
	free(c->listen);
	free(c->tls_cert);
	free(c->tls_key);
	free(c->auth_file);
	free(c->history_dir);
	free(c->history_daemon);
	free(c);
}

struct lvsd_config *lvsd_conf_default(void)
{
	struct lvsd_config *c = calloc(1, sizeof(*c));
	if (!c || set_defaults(c) || build_index(c)) {
		lvsd_conf_free(c);
		return NULL;
	}
	return c;
}

int lvsd_conf_load(const char *path, struct lvsd_config **out, char *err, size_t errlen)
{
	struct ctx x = { .path = path, .err = err, .errlen = errlen };
	/* libconfig says only "file I/O error" for a missing file: ask first. */
	if (access(path, R_OK)) {
		int e = errno;
		snprintf(err, errlen, "%s:0: cannot read the configuration: %s", path, strerror(e));
		return -e;
	}
	config_t cf;
	config_init(&cf);
	/* Relative @include paths are taken from the config's own folder. */
	char *dir = strdup(path);
	if (dir) {
		char *slash = strrchr(dir, '/');
		if (slash) {
			*slash = 0;
			config_set_include_dir(&cf, *dir ? dir : "/");
			x.dir = *dir ? dir : "";
		}
	}
	struct lvsd_config *c = calloc(1, sizeof(*c));
	int r = -ENOMEM;
	if (!c || set_defaults(c) || !(c->path = strdup(path)))
		goto out;
	if (config_read_file(&cf, path) != CONFIG_TRUE) {
		const char *ef = config_error_file(&cf) ? config_error_file(&cf) : path;
		bool rel = strcmp(ef, path) && ef[0] != '/' && x.dir;
		snprintf(err, errlen, "%s%s%s:%d: %s", rel ? x.dir : "", rel ? "/" : "", ef,
			 config_error_line(&cf), config_error_text(&cf));
		r = -EINVAL;
		goto out;
	}
	static const char *const keys[] = { "daemon", "exporter", "history", "health", "services",
					    NULL };
	const config_setting_t *root = config_root_setting(&cf);
	const config_setting_t *s;
	if ((r = check_keys(&x, root, keys, "the top level")))
		goto out;
	if ((s = config_setting_get_member(root, "daemon")) && (r = parse_daemon(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "exporter")) && (r = parse_exporter(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "history")) && (r = parse_history(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "health")) && (r = parse_health(&x, s, c)))
		goto out;
	if ((s = config_setting_get_member(root, "services")) && (r = parse_services(&x, s, c)))
		goto out;
	r = build_index(c);
out:
	if (r == -ENOMEM)
		snprintf(err, errlen, "%s:0: out of memory", path);
	config_destroy(&cf);
	free(dir);
	if (r) {
		lvsd_conf_free(c);
		return r;
	}
	*out = c;
	return 0;
}
