/* keepalived.conf (keepalived 2.x, as Debian 12 ships 2.2.7): the parts
 * that shape the IPVS table (virtual_server, virtual_server_group,
 * real_server, sorry_server, the checkers' kinds and ports), the VRRP
 * instances' roles and addresses, and the sync daemon. Everything else
 * (global_defs but lvs_sync_daemon, vrrp_script, notification settings)
 * is passed over. Defaults as keepalived 2.2.7 applies them (checked in
 * the lab against its log and the kernel): scheduler wlc, method NAT,
 * protocol UDP (it logs "no protocol set - defaulting to UDP"), weight 1,
 * persistence_timeout without a value 360 s, granularity /32 (/128). */
#include "collector/declared/declared.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/declared/declared_int.h"
#include "collector/names.h"

#define GROUP_EXPAND_MAX 256 /* addresses one range of a group may stand for */
#define DEFAULT_PERSISTENCE 360

struct kctx {
	struct lvs_declared *d;
	const struct conf_node *root;
	size_t n_root;
};

static bool key_is(const struct conf_node *n, const char *k)
{
	return !strcmp(n->key, k);
}

static const char *arg(const struct conf_node *n, size_t i)
{
	return i < n->n_args ? n->args[i] : NULL;
}

static bool want_args(struct lvs_declared *d, const struct conf_node *n, size_t min)
{
	if (n->n_args >= min)
		return true;
	decl_msg(d, LVS_DECL_ERROR, n->file, n->line, "%s needs a value", n->key);
	return false;
}

/* A real server's lvs_dest.fwd until its service's method is known: the
 * largest value the 3-bit field holds, none of enum lvs_fwd. */
#define FWD_SERVICES 7

static int method_from(struct lvs_declared *d, const struct conf_node *n, uint32_t *fwd)
{
	const char *m = arg(n, 0);
	if (!want_args(d, n, 1))
		return -EINVAL;
	if (!strcasecmp(m, "NAT"))
		*fwd = LVS_FWD_MASQ;
	else if (!strcasecmp(m, "DR"))
		*fwd = LVS_FWD_ROUTE;
	else if (!strcasecmp(m, "TUN"))
		*fwd = LVS_FWD_TUNNEL;
	else {
		decl_msg(d, LVS_DECL_ERROR, n->file, n->line,
			 "%s \"%s\": expected NAT, DR or TUN", n->key, m);
		return -EINVAL;
	}
	return 0;
}

static const char *const schedulers[] = { "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh",
					   "sh", "sed", "nq", "fo", "ovf", "mh", "twos", NULL };

static const char *const checkers[] = { "HTTP_GET", "SSL_GET", "TCP_CHECK", "SMTP_CHECK",
					"DNS_CHECK", "MISC_CHECK", "BFD_CHECK", "UDP_CHECK",
					"PING_CHECK", "FILE_CHECK", NULL };

static bool in_list(const char *const *list, const char *w)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], w))
			return true;
	return false;
}

/* Keywords keepalived 2.2 takes inside virtual_server and real_server
 * that do not change the table: known, so not reported as unknown. */
static const char *const vs_other[] = {
	"delay_loop", "ha_suspend", "smtp_alert", "virtualhost", "snmp_name", "alpha", "omega",
	"quorum", "hysteresis", "quorum_up", "quorum_down", "ip_family", "sorry_server_inhibit",
	"sorry_server_lvs_method", "connect_timeout", "retry", "delay_before_retry", "warmup",
	"nb_get_retry", "net_mask", "persistence_engine", "lvs_timeouts", "virtualhost",
	"inhibit_on_failure", NULL
};
static const char *const rs_other[] = {
	"notify_up", "notify_down", "smtp_alert", "virtualhost", "snmp_name", "alpha",
	"connect_timeout", "retry", "delay_before_retry", "warmup", "delay_loop", "nb_get_retry",
	NULL
};

static int parse_bool_opt(const struct conf_node *n, bool *out)
{
	const char *v = arg(n, 0);
	if (!v || !strcasecmp(v, "on") || !strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "off") || !strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		 !strcmp(v, "0"))
		*out = false;
	else
		return -EINVAL;
	return 0;
}

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int read_check(struct lvs_declared *d, const struct conf_node *n, struct lvs_decl_dest *r)
{
	if (r->n_checks == LVS_DECL_CHECKS_MAX)
		return 0; /* the first ones are enough to name the kinds */
	struct lvs_decl_check *c = &r->checks[r->n_checks++];
	snprintf(c->kind, sizeof(c->kind), "%s", n->key);
	c->file = n->file;
	c->line = n->line;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *k = &n->children[i];
		unsigned long v;
		if (key_is(k, "connect_port")) {
			if (!decl_uint(arg(k, 0), 1, 65535, &v))
				decl_msg(d, LVS_DECL_ERROR, k->file, k->line,
					 "connect_port \"%s\": expected 1 to 65535",
					 arg(k, 0) ? arg(k, 0) : "");
			else
				c->connect_port = (uint16_t)v;
		} else if (key_is(k, "connect_timeout")) {
			char *end;
			double t = arg(k, 0) ? strtod(arg(k, 0), &end) : -1;
			if (!arg(k, 0) || *end || !(t > 0 && t < 86400))
				decl_msg(d, LVS_DECL_ERROR, k->file, k->line,
					 "connect_timeout \"%s\": expected seconds above 0",
					 arg(k, 0) ? arg(k, 0) : "");
			else
				c->connect_timeout = t;
		} else if (key_is(k, "url") && !c->path) {
			for (size_t j = 0; j < k->n_children; j++) {
				const struct conf_node *u = &k->children[j];
				if (key_is(u, "path") && arg(u, 0) && !c->path) {
					if (!(c->path = dup_str(arg(u, 0))))
						return -ENOMEM;
				} else if (key_is(u, "status_code") &&
					   decl_uint(arg(u, 0), 100, 599, &v)) {
					c->status_code = (int)v;
				}
			}
		}
	}
	return 0;
}

static int read_real_server(struct kctx *k, const struct conf_node *n,
			    struct lvs_decl_service *svc, size_t *cap, bool vs_inhibit)
{
	struct lvs_declared *d = k->d;
	struct lvs_decl_dest tmp = { 0 };
	unsigned long v;

	if (!want_args(d, n, 1))
		return 0;
	if (lvs_addr_pton(arg(n, 0), &tmp.d.af, &tmp.d.addr) < 0) {
		decl_msg(d, LVS_DECL_ERROR, n->file, n->line, "real_server \"%s\": not an address",
			 arg(n, 0));
		return 0;
	}
	if (arg(n, 1)) {
		if (!decl_uint(arg(n, 1), 0, 65535, &v)) {
			decl_msg(d, LVS_DECL_ERROR, n->file, n->line,
				 "real_server %s port \"%s\": expected 0 to 65535", arg(n, 0),
				 arg(n, 1));
			return 0;
		}
		tmp.d.port = (uint16_t)v;
	} else {
		tmp.d.port = svc->s.port;
	}
	tmp.d.weight = 1;
	tmp.d.fwd = LVS_FWD_MASQ;
	tmp.inhibit_on_failure = vs_inhibit;
	tmp.file = n->file;
	tmp.line = n->line;
	bool fwd_set = false;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *c = &n->children[i];
		if (key_is(c, "weight")) {
			if (!decl_uint(arg(c, 0), 0, 65535, &v))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "weight \"%s\": expected 0 to 65535",
					 arg(c, 0) ? arg(c, 0) : "");
			else
				tmp.d.weight = (int32_t)v;
		} else if (key_is(c, "lvs_method") || key_is(c, "lb_kind")) {
			uint32_t f;
			if (method_from(d, c, &f) == 0) {
				tmp.d.fwd = f;
				fwd_set = true;
			}
		} else if (key_is(c, "inhibit_on_failure")) {
			if (parse_bool_opt(c, &tmp.inhibit_on_failure) < 0)
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "inhibit_on_failure \"%s\": expected on or off", arg(c, 0));
		} else if (key_is(c, "uthreshold") && decl_uint(arg(c, 0), 0, UINT32_MAX, &v)) {
			tmp.d.u_thresh = (uint32_t)v;
		} else if (key_is(c, "lthreshold") && decl_uint(arg(c, 0), 0, UINT32_MAX, &v)) {
			tmp.d.l_thresh = (uint32_t)v;
		} else if (in_list(checkers, c->key)) {
			if (read_check(d, c, &tmp) < 0)
				goto oom;
		} else if (!in_list(rs_other, c->key) && !key_is(c, "uthreshold") &&
			   !key_is(c, "lthreshold")) {
			decl_msg(d, LVS_DECL_WARNING, c->file, c->line,
				 "unknown keyword \"%s\" in real_server (ignored)", c->key);
		}
	}
	/* The method is the service's unless the real server names its own;
	 * the service's is known only once its block is read, so mark it. */
	if (!fwd_set)
		tmp.d.fwd = FWD_SERVICES;
	struct lvs_decl_dest *r = decl_add_dest(svc, cap);
	if (!r)
		goto oom;
	*r = tmp;
	return 0;
oom:
	for (size_t c = 0; c < tmp.n_checks; c++)
		free(tmp.checks[c].path);
	return -ENOMEM;
}

/* The body of a virtual_server, into svc (whose identity is set). */
static int read_vs_body(struct kctx *k, const struct conf_node *vs, struct lvs_decl_service *svc)
{
	struct lvs_declared *d = k->d;
	size_t cap = 0;
	uint32_t fwd = LVS_FWD_MASQ;
	bool vs_inhibit = false;
	unsigned long v;

	snprintf(svc->s.sched, sizeof(svc->s.sched), "wlc");
	bool proto_set = false;
	if (!svc->s.fwmark)
		svc->s.protocol = IPPROTO_UDP;
	/* inhibit_on_failure at the service level is the default for its
	 * real servers: read it first. */
	for (size_t i = 0; i < vs->n_children; i++)
		if (key_is(&vs->children[i], "inhibit_on_failure") &&
		    parse_bool_opt(&vs->children[i], &vs_inhibit) < 0)
			decl_msg(d, LVS_DECL_ERROR, vs->children[i].file, vs->children[i].line,
				 "inhibit_on_failure \"%s\": expected on or off",
				 arg(&vs->children[i], 0));
	for (size_t i = 0; i < vs->n_children; i++) {
		const struct conf_node *c = &vs->children[i];
		if (key_is(c, "lb_algo") || key_is(c, "lvs_sched")) {
			if (!want_args(d, c, 1))
				continue;
			if (!in_list(schedulers, arg(c, 0)))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "%s \"%s\": not an IPVS scheduler", c->key, arg(c, 0));
			else
				snprintf(svc->s.sched, sizeof(svc->s.sched), "%s", arg(c, 0));
		} else if (key_is(c, "lb_kind") || key_is(c, "lvs_method")) {
			method_from(d, c, &fwd);
		} else if (key_is(c, "protocol")) {
			int p = arg(c, 0) ? lvs_proto_from_name(arg(c, 0)) : -EINVAL;
			if (p < 0) {
				char lower[8] = "";
				for (size_t j = 0; arg(c, 0) && j < 7 && arg(c, 0)[j]; j++)
					lower[j] = (char)((arg(c, 0)[j] | 0x20));
				p = lvs_proto_from_name(lower);
			}
			if (p < 0)
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "protocol \"%s\": expected TCP, UDP or SCTP",
					 arg(c, 0) ? arg(c, 0) : "");
			else if (!svc->s.fwmark)
				svc->s.protocol = (uint16_t)p;
			proto_set = true;
		} else if (key_is(c, "persistence_timeout")) {
			if (!arg(c, 0)) {
				v = DEFAULT_PERSISTENCE;
			} else if (!decl_uint(arg(c, 0), 0, UINT32_MAX, &v)) {
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "persistence_timeout \"%s\": expected seconds", arg(c, 0));
				continue;
			}
			svc->s.timeout = (uint32_t)v;
			if (v)
				svc->s.flags |= IP_VS_SVC_F_PERSISTENT;
			else
				svc->s.flags &= ~(uint32_t)IP_VS_SVC_F_PERSISTENT;
		} else if (key_is(c, "persistence_granularity")) {
			struct in_addr m;
			if (arg(c, 0) && inet_pton(AF_INET, arg(c, 0), &m) == 1)
				svc->s.netmask = m.s_addr;
			else if (arg(c, 0) && decl_uint(arg(c, 0), 1, 128, &v))
				svc->s.netmask = (uint32_t)v;
			else
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "persistence_granularity \"%s\": expected a netmask",
					 arg(c, 0) ? arg(c, 0) : "");
		} else if (key_is(c, "ops")) {
			svc->s.flags |= IP_VS_SVC_F_ONEPACKET;
		} else if (lvs_svc_flag_from_name(c->key)) {
			svc->s.flags |= lvs_svc_flag_from_name(c->key);
		} else if (key_is(c, "real_server")) {
			if (read_real_server(k, c, svc, &cap, vs_inhibit) < 0)
				return -ENOMEM;
		} else if (key_is(c, "sorry_server")) {
			if (!want_args(d, c, 1))
				continue;
			/* Read aside: a bad line leaves a sorry server read
			 * before it as it was. */
			struct lvs_decl_dest s = { 0 };
			if (lvs_addr_pton(arg(c, 0), &s.d.af, &s.d.addr) < 0) {
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "sorry_server \"%s\": not an address", arg(c, 0));
				continue;
			}
			s.d.port = svc->s.port;
			if (arg(c, 1) && decl_uint(arg(c, 1), 0, 65535, &v))
				s.d.port = (uint16_t)v;
			s.d.weight = 1;
			s.d.fwd = FWD_SERVICES;
			s.file = c->file;
			s.line = c->line;
			svc->sorry = s;
			svc->has_sorry = true;
		} else if (!in_list(vs_other, c->key)) {
			decl_msg(d, LVS_DECL_WARNING, c->file, c->line,
				 "unknown keyword \"%s\" in virtual_server (ignored)", c->key);
		}
	}
	if (!proto_set && !svc->s.fwmark)
		decl_msg(d, LVS_DECL_WARNING, vs->file, vs->line,
			 "virtual_server %s%s%s has no protocol: keepalived makes it a UDP "
			 "service; write \"protocol TCP\" if TCP was meant",
			 arg(vs, 0) ? arg(vs, 0) : "", arg(vs, 1) ? " " : "",
			 arg(vs, 1) ? arg(vs, 1) : "");
	if ((svc->s.flags & IP_VS_SVC_F_PERSISTENT) && !svc->s.netmask)
		svc->s.netmask = svc->s.af == AF_INET6 ? 128 : 0xffffffff;
	for (size_t i = 0; i < svc->n_dests; i++)
		if (svc->dests[i].d.fwd == FWD_SERVICES)
			svc->dests[i].d.fwd = fwd;
	if (svc->has_sorry && svc->sorry.d.fwd == FWD_SERVICES)
		svc->sorry.d.fwd = fwd;
	return 0;
}

static void free_service_parts(struct lvs_decl_service *s)
{
	for (size_t k = 0; k <= s->n_dests; k++) {
		struct lvs_decl_dest *r = k < s->n_dests ? &s->dests[k] : &s->sorry;
		for (size_t c = 0; c < r->n_checks; c++)
			free(r->checks[c].path);
	}
	free(s->dests);
}

/* A copy of tmpl's real servers for another service of the same group. */
static int copy_dests(struct lvs_decl_service *dst, const struct lvs_decl_service *src)
{
	dst->dests = NULL;
	if (!src->n_dests)
		return 0;
	dst->dests = calloc(src->n_dests, sizeof(*dst->dests));
	if (!dst->dests)
		return -ENOMEM;
	for (size_t i = 0; i < src->n_dests; i++) {
		dst->dests[i] = src->dests[i];
		for (size_t c = 0; c < src->dests[i].n_checks; c++) {
			dst->dests[i].checks[c].path = NULL;
			if (src->dests[i].checks[c].path &&
			    !(dst->dests[i].checks[c].path = strdup(src->dests[i].checks[c].path))) {
				dst->n_dests = i + 1;
				return -ENOMEM;
			}
		}
	}
	dst->n_dests = src->n_dests;
	return 0;
}

static const struct conf_node *find_group(struct kctx *k, const char *name)
{
	for (size_t i = 0; i < k->n_root; i++)
		if (key_is(&k->root[i], "virtual_server_group") && arg(&k->root[i], 0) &&
		    !strcmp(arg(&k->root[i], 0), name))
			return &k->root[i];
	return NULL;
}

/* Add one service per member of the group (ranges expanded), each with
 * the virtual_server's body. */
static int read_group_vs(struct kctx *k, const struct conf_node *vs, const char *name)
{
	struct lvs_declared *d = k->d;
	const struct conf_node *g = find_group(k, name);
	if (!g) {
		decl_msg(d, LVS_DECL_ERROR, vs->file, vs->line,
			 "virtual_server group \"%s\": no virtual_server_group of that name", name);
		return 0;
	}
	struct lvs_decl_service tmpl = { .file = vs->file, .line = vs->line };
	tmpl.s.af = AF_INET;
	/* Read the body once, as for a TCP service, and copy it. */
	int rc = read_vs_body(k, vs, &tmpl);
	if (rc < 0) {
		free_service_parts(&tmpl);
		return rc;
	}
	for (size_t i = 0; i < g->n_children && rc == 0; i++) {
		const struct conf_node *m = &g->children[i];
		struct lvs_decl_service s = tmpl;
		unsigned long v;
		snprintf(s.group, sizeof(s.group), "%s", name);
		s.dests = NULL;
		s.n_dests = 0;
		if (key_is(m, "fwmark")) {
			if (!decl_uint(arg(m, 0), 1, UINT32_MAX, &v)) {
				decl_msg(d, LVS_DECL_ERROR, m->file, m->line,
					 "fwmark \"%s\": expected 1 or more", arg(m, 0) ? arg(m, 0) : "");
				continue;
			}
			s.s.fwmark = (uint32_t)v;
			s.s.protocol = 0;
			s.s.port = 0;
			s.s.af = arg(m, 1) && !strcmp(arg(m, 1), "inet6") ? AF_INET6 : AF_INET;
			memset(&s.s.addr, 0, sizeof(s.s.addr));
			if ((rc = copy_dests(&s, &tmpl)) < 0 || !decl_add_service(d, &s)) {
				free_service_parts(&s);
				rc = -ENOMEM;
			}
			continue;
		}
		/* ADDR[-LAST] or ADDR/PREFIX, then an optional port. */
		char first[64];
		snprintf(first, sizeof(first), "%s", m->key);
		unsigned long last = 0, prefix = 0;
		char *dash = strchr(first, '-'), *slash = strchr(first, '/');
		if (dash)
			*dash++ = 0;
		if (slash)
			*slash++ = 0;
		if (lvs_addr_pton(first, &s.s.af, &s.s.addr) < 0 ||
		    (dash && s.s.af == AF_INET6) || (slash && !decl_uint(slash, 0, 32, &prefix))) {
			decl_msg(d, LVS_DECL_ERROR, m->file, m->line,
				 "virtual_server_group %s: \"%s\" is not an address or range", name,
				 m->key);
			continue;
		}
		uint32_t base = s.s.af == AF_INET ? ntohl(s.s.addr.v4.s_addr) : 0, count = 1;
		if (dash) {
			struct in_addr la;
			if (inet_pton(AF_INET, dash, &la) == 1)
				last = ntohl(la.s_addr);
			else if (decl_uint(dash, 0, 255, &last))
				last = (base & 0xffffff00u) | last;
			else
				last = base - 1;
			if (last < base) {
				decl_msg(d, LVS_DECL_ERROR, m->file, m->line,
					 "virtual_server_group %s: range \"%s\" ends before it starts",
					 name, m->key);
				continue;
			}
			count = (uint32_t)(last - base + 1);
		} else if (slash && s.s.af == AF_INET) {
			count = prefix == 0 ? UINT32_MAX : (uint32_t)1 << (32 - prefix);
			base &= prefix == 0 ? 0 : ~(count - 1);
		}
		if (count > GROUP_EXPAND_MAX) {
			decl_msg(d, LVS_DECL_WARNING, m->file, m->line,
				 "virtual_server_group %s: \"%s\" stands for %u addresses; the first "
				 "%d are compared", name, m->key, count, GROUP_EXPAND_MAX);
			count = GROUP_EXPAND_MAX;
		}
		s.s.port = 0;
		if (arg(m, 0)) {
			if (!decl_uint(arg(m, 0), 0, 65535, &v)) {
				decl_msg(d, LVS_DECL_ERROR, m->file, m->line,
					 "virtual_server_group %s: port \"%s\": expected 0 to 65535",
					 name, arg(m, 0));
				continue;
			}
			s.s.port = (uint16_t)v;
		}
		s.s.fwmark = 0;
		if (!s.s.protocol)
			s.s.protocol = IPPROTO_UDP;
		for (uint32_t a = 0; a < count && rc == 0; a++) {
			struct lvs_decl_service one = s;
			if (s.s.af == AF_INET)
				one.s.addr.v4.s_addr = htonl(base + a);
			if ((rc = copy_dests(&one, &tmpl)) < 0 || !decl_add_service(d, &one)) {
				free_service_parts(&one);
				rc = -ENOMEM;
			}
		}
	}
	free_service_parts(&tmpl);
	return rc;
}

static int read_vs(struct kctx *k, const struct conf_node *vs)
{
	struct lvs_declared *d = k->d;
	struct lvs_decl_service svc = { .file = vs->file, .line = vs->line };
	unsigned long v;

	if (!want_args(d, vs, 1))
		return 0;
	if (!strcmp(arg(vs, 0), "group")) {
		if (!want_args(d, vs, 2))
			return 0;
		return read_group_vs(k, vs, arg(vs, 1));
	}
	if (!strcmp(arg(vs, 0), "fwmark")) {
		if (!decl_uint(arg(vs, 1), 1, UINT32_MAX, &v)) {
			decl_msg(d, LVS_DECL_ERROR, vs->file, vs->line,
				 "virtual_server fwmark \"%s\": expected 1 or more",
				 arg(vs, 1) ? arg(vs, 1) : "");
			return 0;
		}
		svc.s.fwmark = (uint32_t)v;
		svc.s.af = AF_INET;
		for (size_t i = 0; i < vs->n_children; i++)
			if (key_is(&vs->children[i], "ip_family") && arg(&vs->children[i], 0) &&
			    !strcmp(arg(&vs->children[i], 0), "inet6"))
				svc.s.af = AF_INET6;
	} else {
		if (lvs_addr_pton(arg(vs, 0), &svc.s.af, &svc.s.addr) < 0) {
			decl_msg(d, LVS_DECL_ERROR, vs->file, vs->line,
				 "virtual_server \"%s\": not an address, \"fwmark N\" or \"group NAME\"",
				 arg(vs, 0));
			return 0;
		}
		if (arg(vs, 1)) {
			if (!decl_uint(arg(vs, 1), 0, 65535, &v)) {
				decl_msg(d, LVS_DECL_ERROR, vs->file, vs->line,
					 "virtual_server %s port \"%s\": expected 0 to 65535",
					 arg(vs, 0), arg(vs, 1));
				return 0;
			}
			svc.s.port = (uint16_t)v;
		}
	}
	if (!vs->has_block)
		decl_msg(d, LVS_DECL_WARNING, vs->file, vs->line, "virtual_server has no { block }");
	int rc = read_vs_body(k, vs, &svc);
	if (rc == 0 && !decl_add_service(d, &svc))
		rc = -ENOMEM;
	if (rc < 0)
		free_service_parts(&svc);
	return rc;
}

static void read_vips(struct lvs_declared *d, const struct conf_node *blk, struct lvs_decl_vrrp *v)
{
	for (size_t i = 0; i < blk->n_children; i++) {
		const struct conf_node *a = &blk->children[i];
		char addr[64];
		snprintf(addr, sizeof(addr), "%s", a->key);
		char *slash = strchr(addr, '/');
		if (slash)
			*slash = 0;
		if (v->n_vips == LVS_DECL_VIPS_MAX)
			break;
		if (lvs_addr_pton(addr, &v->vip_af[v->n_vips], &v->vips[v->n_vips]) < 0) {
			decl_msg(d, LVS_DECL_ERROR, a->file, a->line,
				 "virtual_ipaddress \"%s\": not an address", a->key);
			continue;
		}
		v->n_vips++;
	}
}

static int read_vrrp(struct lvs_declared *d, const struct conf_node *n)
{
	struct lvs_decl_vrrp v = { .file = n->file, .line = n->line };
	unsigned long x;

	snprintf(v.name, sizeof(v.name), "%s", arg(n, 0) ? arg(n, 0) : "");
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *c = &n->children[i];
		if (key_is(c, "state") && arg(c, 0))
			snprintf(v.state, sizeof(v.state), "%s", arg(c, 0));
		else if (key_is(c, "interface") && arg(c, 0))
			snprintf(v.iface, sizeof(v.iface), "%s", arg(c, 0));
		else if (key_is(c, "virtual_router_id") && decl_uint(arg(c, 0), 1, 255, &x))
			v.vrid = (int)x;
		else if (key_is(c, "priority") && decl_uint(arg(c, 0), 1, 255, &x))
			v.priority = (int)x;
		else if (key_is(c, "virtual_ipaddress"))
			read_vips(d, c, &v);
		else if (key_is(c, "lvs_sync_daemon_interface") && arg(c, 0) && !d->sync.set) {
			d->sync.set = true;
			snprintf(d->sync.iface, sizeof(d->sync.iface), "%s", arg(c, 0));
			snprintf(d->sync.instance, sizeof(d->sync.instance), "%s", v.name);
			d->sync.file = c->file;
			d->sync.line = c->line;
		}
	}
	struct lvs_decl_vrrp *p = realloc(d->vrrp, (d->n_vrrp + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	d->vrrp = p;
	d->vrrp[d->n_vrrp++] = v;
	return 0;
}

static void read_global(struct lvs_declared *d, const struct conf_node *n)
{
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *c = &n->children[i];
		if (!key_is(c, "lvs_sync_daemon") || !arg(c, 0))
			continue;
		d->sync.set = true;
		snprintf(d->sync.iface, sizeof(d->sync.iface), "%s", arg(c, 0));
		d->sync.file = c->file;
		d->sync.line = c->line;
		for (size_t a = 1; a < c->n_args; a++) {
			unsigned long x;
			if (!strcmp(c->args[a], "id") && a + 1 < c->n_args &&
			    decl_uint(c->args[a + 1], 0, 255, &x)) {
				d->sync.syncid = (uint32_t)x;
				a++;
			} else if (!strcmp(c->args[a], "inst") && a + 1 < c->n_args) {
				snprintf(d->sync.instance, sizeof(d->sync.instance), "%s",
					 c->args[++a]);
			} else if (a == 1) {
				snprintf(d->sync.instance, sizeof(d->sync.instance), "%s", c->args[a]);
			} else if (a + 1 < c->n_args) {
				a++; /* maxlen, port, ttl, group: a value each */
			}
		}
	}
}

static int interpret(struct lvs_declared *d, const struct conf_node *nodes, size_t n)
{
	struct kctx k = { .d = d, .root = nodes, .n_root = n };
	for (size_t i = 0; i < n; i++) {
		const struct conf_node *c = &nodes[i];
		int rc = 0;
		if (key_is(c, "virtual_server"))
			rc = read_vs(&k, c);
		else if (key_is(c, "vrrp_instance"))
			rc = read_vrrp(d, c);
		else if (key_is(c, "global_defs"))
			read_global(d, c);
		else if (c->key[0] == '@' || c->key[0] == '$')
			decl_msg(d, LVS_DECL_WARNING, c->file, c->line,
				 "conditional or parameter line \"%s\" is not evaluated", c->key);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int declared_read_keepalived(const char *path, struct lvs_declared **out, char *msg,
			     size_t msglen)
{
	return decl_build(LVS_DECL_KEEPALIVED, path, NULL, 0, NULL, 0, false, interpret, out, msg,
			  msglen);
}

int declared_read_keepalived_mem(const char *path, const struct conf_file *files, size_t n,
				 struct lvs_declared **out, char *msg, size_t msglen)
{
	return decl_build(LVS_DECL_KEEPALIVED, path, NULL, 0, files, n, false, interpret, out, msg,
			  msglen);
}

int declared_parse_keepalived(const char *name, const char *text, size_t len,
			      struct lvs_declared **out)
{
	return decl_build(LVS_DECL_KEEPALIVED, name, text, len, NULL, 0, false, interpret, out,
			  NULL, 0);
}
