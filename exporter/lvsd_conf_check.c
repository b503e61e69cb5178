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
	s->exec_argv = (const char *const *)c->argv;
}

static const char *const check_keys_all[] = {
	"type",   "interval", "timeout", "rise",          "fall",        "retry",
	"retry_delay", "warmup", "address", "port",    "path",        "host",
	"request", "expect_status", "expect_body", "payload", "expect", "no_icmp",
	"argv",   NULL,
};

/* Which keys belong to which type (the timing and target keys to all). */
static bool key_fits(const char *key, int type)
{
	static const char *const http[] = { "path", "host", "request", "expect_status", "expect_body", NULL };
	static const char *const udp[] = { "payload", "expect", "no_icmp", NULL };
	static const char *const exec[] = { "argv", NULL };
	const char *const *lists[] = { http, udp, exec };
	const int types[] = { LVS_CHECK_HTTP, LVS_CHECK_UDP, LVS_CHECK_EXEC };
	for (size_t l = 0; l < 3; l++)
		for (const char *const *k = lists[l]; *k; k++)
			if (!strcmp(*k, key))
				return type == types[l];
	return true;
}

static int find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	char buf[4096];
	while (*path) {
		const char *e = strchr(path, ':');
		size_t l = e ? (size_t)(e - path) : strlen(path);
		int n = snprintf(buf, sizeof(buf), "%.*s/%s", (int)l, path, name);
		if (n > 0 && (size_t)n < sizeof(buf) && !access(buf, X_OK))
			return 0;
		path += l + (e ? 1 : 0);
	}
	return -ENOENT;
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
			return conf_fail(x, t, "type must be a string: tcp, http, udp or exec");
		int ty = lvsd_conf_check_type(config_setting_get_string(t));
		if (ty < 0)
			return conf_fail(x, t, "unknown check type '%s' (tcp, http, udp or exec)",
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
		if (strchr(prog, '/') ? access(prog, X_OK) != 0 : find_in_path(prog) != 0)
			return conf_fail(x, av, "argv[0] '%s' is not an executable file%s", prog,
				    strchr(prog, '/') ? "" : " in PATH");
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
