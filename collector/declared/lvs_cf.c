/* piranha's lvs.cf (pulse, lvsd and nanny on old Red Hat directors):
 * "key = value" lines, "virtual NAME { ... }" blocks with "server NAME
 * { ... }" inside. The forwarding method is global (network = nat, direct
 * or tunnel); a virtual or server with active = 0 is not loaded. Defaults
 * as piranha applies them: scheduler wlc, protocol tcp, weight 1. */
#include "collector/declared/declared.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/declared/declared_int.h"
#include "collector/names.h"

/* The value of a "key = value" statement: the words after "=". */
static const char *value(const struct conf_node *n, size_t i)
{
	size_t base = n->n_args && !strcmp(n->args[0], "=") ? 1 : 0;
	return base + i < n->n_args ? n->args[base + i] : NULL;
}

static bool key_is(const struct conf_node *n, const char *k)
{
	return !strcmp(n->key, k);
}

static int method_from(const char *s, uint32_t *fwd)
{
	if (!strcmp(s, "nat"))
		*fwd = LVS_FWD_MASQ;
	else if (!strcmp(s, "direct"))
		*fwd = LVS_FWD_ROUTE;
	else if (!strcmp(s, "tunnel"))
		*fwd = LVS_FWD_TUNNEL;
	else
		return -EINVAL;
	return 0;
}

/* A send string whose backslashes were lost on the way ("GET /
 * HTTP/1.0rnrn"): "rn" where "\r\n" was meant, after an HTTP version or
 * doubled at the end. Such a check sends no line end and the server waits
 * for the rest of the request. */
static bool lost_escapes(const char *s)
{
	size_t n = strlen(s);
	if (n >= 4 && !strcmp(s + n - 4, "rnrn") && (n == 4 || s[n - 5] != '\\'))
		return true;
	const char *h = strstr(s, "HTTP/1.");
	return h && h[7] && h[8] == 'r' && h[9] == 'n';
}

static int read_server(struct lvs_declared *d, const struct conf_node *n,
		       struct lvs_decl_service *svc, size_t *cap, uint32_t fwd,
		       const struct lvs_decl_check *check)
{
	struct lvs_decl_dest tmp = { .file = n->file, .line = n->line };
	bool active = true, have_addr = false;
	unsigned long v;

	tmp.d.weight = 1;
	tmp.d.fwd = fwd;
	tmp.d.port = svc->s.port;
	tmp.inhibit_on_failure = svc->quiesce_server;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *c = &n->children[i];
		const char *val = value(c, 0);
		if (key_is(c, "address")) {
			if (!val || lvs_addr_pton(val, &tmp.d.af, &tmp.d.addr) < 0) {
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "server address \"%s\": not an address", val ? val : "");
				return 0;
			}
			have_addr = true;
		} else if (key_is(c, "active")) {
			active = !(val && !strcmp(val, "0"));
		} else if (key_is(c, "weight")) {
			if (!decl_uint(val, 0, 65535, &v))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "weight \"%s\": expected 0 to 65535", val ? val : "");
			else
				tmp.d.weight = (int32_t)v;
		} else if (key_is(c, "port")) {
			if (!decl_uint(val, 0, 65535, &v))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "port \"%s\": expected 0 to 65535", val ? val : "");
			else
				tmp.d.port = (uint16_t)v;
		}
	}
	if (!have_addr) {
		decl_msg(d, LVS_DECL_ERROR, n->file, n->line, "server %s has no address",
			 n->n_args ? n->args[0] : "");
		return 0;
	}
	if (!active)
		return 0;
	if (check) {
		tmp.n_checks = 1;
		tmp.checks[0] = *check;
		tmp.checks[0].send = check->send ? strdup(check->send) : NULL;
		tmp.checks[0].expect = check->expect ? strdup(check->expect) : NULL;
		if ((check->send && !tmp.checks[0].send) || (check->expect && !tmp.checks[0].expect))
			goto oom;
	}
	struct lvs_decl_dest *r = decl_add_dest(svc, cap);
	if (!r)
		goto oom;
	*r = tmp;
	return 0;
oom:
	free(tmp.checks[0].send);
	free(tmp.checks[0].expect);
	return -ENOMEM;
}

static int read_virtual(struct lvs_declared *d, const struct conf_node *n, uint32_t fwd)
{
	struct lvs_decl_service svc = { .file = n->file, .line = n->line };
	struct lvs_decl_check check = { .file = n->file, .line = n->line };
	bool active = true, have_addr = false, have_check = false;
	const char *send = NULL, *expect = NULL;
	size_t cap = 0;
	unsigned long v;

	snprintf(svc.s.sched, sizeof(svc.s.sched), "wlc");
	svc.s.protocol = IPPROTO_TCP;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct conf_node *c = &n->children[i];
		const char *val = value(c, 0);
		if (key_is(c, "address")) {
			if (!val || lvs_addr_pton(val, &svc.s.af, &svc.s.addr) < 0) {
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "virtual address \"%s\": not an address", val ? val : "");
				return 0;
			}
			have_addr = true;
		} else if (key_is(c, "active")) {
			active = !(val && !strcmp(val, "0"));
		} else if (key_is(c, "port")) {
			if (!decl_uint(val, 0, 65535, &v))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "port \"%s\": expected 0 to 65535", val ? val : "");
			else
				svc.s.port = (uint16_t)v;
		} else if (key_is(c, "fwmark")) {
			if (!decl_uint(val, 1, UINT32_MAX, &v))
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "fwmark \"%s\": expected 1 or more", val ? val : "");
			else
				svc.s.fwmark = (uint32_t)v;
		} else if (key_is(c, "scheduler")) {
			if (val)
				snprintf(svc.s.sched, sizeof(svc.s.sched), "%s", val);
		} else if (key_is(c, "protocol")) {
			int p = val ? lvs_proto_from_name(val) : -EINVAL;
			if (p < 0)
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "protocol \"%s\": expected tcp or udp", val ? val : "");
			else
				svc.s.protocol = (uint16_t)p;
		} else if (key_is(c, "persistent")) {
			if (!decl_uint(val, 0, UINT32_MAX, &v)) {
				decl_msg(d, LVS_DECL_ERROR, c->file, c->line,
					 "persistent \"%s\": expected seconds", val ? val : "");
			} else {
				svc.s.timeout = (uint32_t)v;
				if (v)
					svc.s.flags |= IP_VS_SVC_F_PERSISTENT;
			}
		} else if (key_is(c, "pmask")) {
			struct in_addr m;
			if (val && inet_pton(AF_INET, val, &m) == 1)
				svc.s.netmask = m.s_addr;
		} else if (key_is(c, "quiesce_server")) {
			svc.quiesce_server = val && !strcmp(val, "1");
		} else if (key_is(c, "send")) {
			send = val ? val : "";
			have_check = true;
			if (lost_escapes(send))
				decl_msg(d, LVS_DECL_WARNING, c->file, c->line,
					 "send \"%s\": \"rn\" where \"\\r\\n\" was meant (the "
					 "backslashes were lost): the check sends no line end, so the "
					 "server waits and the check times out", send);
		} else if (key_is(c, "expect")) {
			expect = val ? val : "";
			have_check = true;
		}
	}
	if (!have_addr && !svc.s.fwmark) {
		decl_msg(d, LVS_DECL_ERROR, n->file, n->line, "virtual %s has no address",
			 n->n_args ? n->args[0] : "");
		return 0;
	}
	if (svc.s.fwmark) {
		svc.s.protocol = 0;
		svc.s.port = 0;
		if (!svc.s.af)
			svc.s.af = AF_INET;
		memset(&svc.s.addr, 0, sizeof(svc.s.addr));
	}
	if ((svc.s.flags & IP_VS_SVC_F_PERSISTENT) && !svc.s.netmask)
		svc.s.netmask = svc.s.af == AF_INET6 ? 128 : 0xffffffff;
	snprintf(check.kind, sizeof(check.kind), have_check ? "send_expect" : "connect");
	check.send = (char *)send;
	check.expect = (char *)expect;
	for (size_t i = 0; i < n->n_children; i++) {
		if (!key_is(&n->children[i], "server"))
			continue;
		if (read_server(d, &n->children[i], &svc, &cap, fwd, &check) < 0)
			goto oom;
	}
	if (!active) {
		decl_msg(d, LVS_DECL_WARNING, n->file, n->line,
			 "virtual %s has active = 0: not loaded, not compared",
			 n->n_args ? n->args[0] : "");
		goto drop;
	}
	if (!decl_add_service(d, &svc))
		goto oom;
	return 0;
oom:
	for (size_t i = 0; i < svc.n_dests; i++) {
		free(svc.dests[i].checks[0].send);
		free(svc.dests[i].checks[0].expect);
	}
	free(svc.dests);
	return -ENOMEM;
drop:
	for (size_t i = 0; i < svc.n_dests; i++) {
		free(svc.dests[i].checks[0].send);
		free(svc.dests[i].checks[0].expect);
	}
	free(svc.dests);
	return 0;
}

static int interpret(struct lvs_declared *d, const struct conf_node *nodes, size_t n)
{
	uint32_t fwd = LVS_FWD_MASQ;

	/* The method is global and may stand after the virtual blocks. */
	for (size_t i = 0; i < n; i++) {
		if (!key_is(&nodes[i], "network"))
			continue;
		const char *val = value(&nodes[i], 0);
		if (!val || method_from(val, &fwd) < 0)
			decl_msg(d, LVS_DECL_ERROR, nodes[i].file, nodes[i].line,
				 "network \"%s\": expected nat, direct or tunnel", val ? val : "");
	}
	for (size_t i = 0; i < n; i++) {
		const struct conf_node *c = &nodes[i];
		if (key_is(c, "virtual")) {
			if (read_virtual(d, c, fwd) < 0)
				return -ENOMEM;
		} else if (c->has_block) {
			decl_msg(d, LVS_DECL_WARNING, c->file, c->line,
				 "unknown block \"%s\" (ignored)", c->key);
		}
	}
	return 0;
}

int declared_read_lvscf(const char *path, struct lvs_declared **out, char *msg, size_t msglen)
{
	return decl_build(LVS_DECL_LVSCF, path, NULL, 0, NULL, 0, true, interpret, out, msg, msglen);
}

int declared_read_lvscf_mem(const char *path, const struct conf_file *files, size_t n,
			    struct lvs_declared **out, char *msg, size_t msglen)
{
	return decl_build(LVS_DECL_LVSCF, path, NULL, 0, files, n, true, interpret, out, msg,
			  msglen);
}

int declared_parse_lvscf(const char *name, const char *text, size_t len,
			 struct lvs_declared **out)
{
	return decl_build(LVS_DECL_LVSCF, name, text, len, NULL, 0, true, interpret, out, NULL, 0);
}
