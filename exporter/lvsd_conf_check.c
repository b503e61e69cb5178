/* The check blocks of lvsd's configuration (health.default, a service's
 * or a real server's check): keys per check type, timing, and what the
 * engine would refuse later, refused now with FILE:LINE. */
#include "lvsd_conf.h"
#include "lvsd_conf_priv.h"

#include "collector/names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void lvsd_check_clear(struct lvsd_check *c)
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

void lvsd_check_free(struct lvsd_check *c)
{
	if (c) {
		lvsd_check_clear(c);
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
static int get_dns_code(struct conf_ctx *x, const config_setting_t *g, const char *name,
			int (*parse)(const char *), long long max, const char *what, unsigned *out)
{
	const config_setting_t *k = config_setting_get_member(g, name);
	if (!k)
		return 0;
	if (config_setting_type(k) == CONFIG_TYPE_STRING) {
		int v = parse(config_setting_get_string(k));
		if (v < 0)
			return conf_fail(x, k, "unknown %s '%s' (%s)", name, config_setting_get_string(k),
					 what);
		*out = (unsigned)v;
		return 0;
	}
	return conf_uint(x, g, name, 0, max, out);
}

/* Parse a check group over a copy of base's timing and type. */
int lvsd_check_parse(struct conf_ctx *x, const config_setting_t *g, const struct lvsd_check *base,
		       struct lvsd_check *c)
{
	int r;
	memset(c, 0, sizeof(*c));
	c->line = (int)config_setting_source_line(g);
	if ((r = conf_keys(x, g, check_keys_all, "a check")))
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
			return conf_fail(x, t, "type must be a string: tcp, http, https, udp, dns or exec");
		int ty = lvsd_conf_check_type(config_setting_get_string(t));
		if (ty < 0)
			return conf_fail(x, t, "unknown check type '%s' (tcp, http, https, udp, dns or exec)",
				    config_setting_get_string(t));
		s->type = (enum lvs_check_type)ty;
	}
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *k = config_setting_get_elem(g, (unsigned)i);
		if (!key_fits(config_setting_name(k), (int)s->type))
			return conf_fail(x, k, "%s does not apply to a %s check", config_setting_name(k),
				    t ? config_setting_get_string(t) : "tcp");
	}
	unsigned u;
	if ((r = conf_secs(x, g, "interval", false, &s->interval)) ||
	    (r = conf_secs(x, g, "timeout", false, &s->timeout)) ||
	    (r = conf_secs(x, g, "retry_delay", true, &s->retry_delay)) ||
	    (r = conf_secs(x, g, "warmup", true, &s->warmup)))
		return r;
	u = s->rise;
	if ((r = conf_uint(x, g, "rise", 1, 1000, &u)))
		return r;
	s->rise = u;
	u = s->fall;
	if ((r = conf_uint(x, g, "fall", 1, 1000, &u)))
		return r;
	s->fall = u;
	u = s->retry;
	if ((r = conf_uint(x, g, "retry", 0, 100, &u)))
		return r;
	s->retry = u;
	u = 0;
	if ((r = conf_uint(x, g, "port", 1, 65535, &u)))
		return r;
	s->target_port = (uint16_t)u;
	const config_setting_t *a = config_setting_get_member(g, "address");
	if (a) {
		if (config_setting_type(a) != CONFIG_TYPE_STRING ||
		    lvs_addr_pton(config_setting_get_string(a), &s->target_af, &s->target_addr))
			return conf_fail(x, a, "address must be a numeric IPv4 or IPv6 address (no brackets, no port)");
	}
	switch (s->type) {
	case LVS_CHECK_HTTPS: {
		if ((r = conf_str(x, g, "sni", false, &c->tls_sni)) ||
		    (r = conf_str(x, g, "ca_file", false, &c->tls_ca_file)) ||
		    (r = conf_bool(x, g, "verify", &s->tls_verify)))
			return r;
		const config_setting_t *ca = config_setting_get_member(g, "ca_file");
		if (c->tls_ca_file && !s->tls_verify)
			return conf_fail(x, ca, "ca_file is used only with verify = true");
		if (c->tls_ca_file && access(c->tls_ca_file, R_OK) != 0)
			return conf_fail(x, ca, "cannot read ca_file %s: %s", c->tls_ca_file,
					 strerror(errno));
		/* the rest is the HTTP check's */
	}
		/* fall through */
	case LVS_CHECK_HTTP:
		if ((r = conf_str(x, g, "path", false, &c->http_path)) ||
		    (r = conf_str(x, g, "host", false, &c->http_host)) ||
		    (r = conf_str(x, g, "request", false, &c->http_request)) ||
		    (r = conf_str(x, g, "expect_body", false, &c->http_expect)))
			return r;
		if (c->http_path && c->http_path[0] != '/')
			return conf_fail(x, config_setting_get_member(g, "path"),
				    "path must start with '/' (got '%s')", c->http_path);
		if (c->http_request && (c->http_path || c->http_host))
			return conf_fail(x, config_setting_get_member(g, "request"),
				    "request replaces path and host: give one or the other");
		u = 0;
		if ((r = conf_uint(x, g, "expect_status", 100, 599, &u)))
			return r;
		s->http_status = (int)u;
		break;
	case LVS_CHECK_UDP:
		if ((r = conf_str(x, g, "payload", true, &c->udp_payload)) ||
		    (r = conf_str(x, g, "expect", false, &c->udp_expect)) ||
		    (r = conf_bool(x, g, "no_icmp", &s->udp_no_icmp)))
			return r;
		break;
	case LVS_CHECK_EXEC: {
		const config_setting_t *av = config_setting_get_member(g, "argv");
		if (!av)
			return conf_fail(x, g, "an exec check needs argv = [ \"/path/to/program\", ... ]");
		if (!config_setting_is_aggregate(av) || config_setting_is_group(av) ||
		    config_setting_length(av) < 1)
			return conf_fail(x, av, "argv must be a non-empty list of strings");
		int n = config_setting_length(av);
		c->argv = calloc((size_t)n + 1, sizeof(*c->argv));
		if (!c->argv)
			return -ENOMEM;
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(av, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return conf_fail(x, e, "argv[%d] must be a string", i);
			if (!(c->argv[i] = strdup(config_setting_get_string(e))))
				return -ENOMEM;
		}
		const char *prog = c->argv[0];
		if (!*prog)
			return conf_fail(x, av, "argv[0] is empty");
		/* as the engine will start it: PATH searched as posix_spawnp
		 * does, and a file the kernel can run */
		char why[320];
		if (health_exec_check(prog, why, sizeof(why)))
			return conf_fail(x, av, "argv[0]: %s", why);
		break;
	}
	case LVS_CHECK_DNS: {
		if ((r = conf_str(x, g, "name", false, &c->dns_name)))
			return r;
		if (!c->dns_name)
			return conf_fail(x, g, "a dns check needs name = \"host.example.\" (the name to ask for)");
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
				return conf_fail(x, ea, "expect_address must be a numeric IPv4 or IPv6 address");
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
		return conf_fail(x, g, "%s", why);
	return 0;
}

int lvsd_check_parse_member(struct conf_ctx *x, const config_setting_t *g, const char *name,
			      const struct lvsd_check *base, struct lvsd_check **out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return 0;
	struct lvsd_check *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int r = lvsd_check_parse(x, s, base, c);
	if (r) {
		lvsd_check_free(c);
		return r;
	}
	*out = c;
	return 0;
}
