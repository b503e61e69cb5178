#include "names.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <string.h>

char *lvs_addr_ntop(uint16_t af, const union lvs_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

int lvs_addr_pton(const char *s, uint16_t *af, union lvs_addr *a)
{
	union lvs_addr tmp;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, s, &tmp.v4) == 1)
		*af = AF_INET;
	else if (inet_pton(AF_INET6, s, &tmp.v6) == 1)
		*af = AF_INET6;
	else
		return -EINVAL;
	*a = tmp;
	return 0;
}

const char *lvs_service_proto_name(const struct lvs_service *s)
{
	if (s->fwmark)
		return "fwm";
	switch (s->protocol) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_SCTP: return "sctp";
	default: return "ip";
	}
}

int lvs_proto_from_name(const char *name)
{
	if (!strcmp(name, "tcp"))
		return IPPROTO_TCP;
	if (!strcmp(name, "udp"))
		return IPPROTO_UDP;
	if (!strcmp(name, "sctp"))
		return IPPROTO_SCTP;
	return -EINVAL;
}

static const char *const fwd_names[] = {
	[IP_VS_CONN_F_MASQ] = "masq",     [IP_VS_CONN_F_LOCALNODE] = "local",
	[IP_VS_CONN_F_TUNNEL] = "tunnel", [IP_VS_CONN_F_DROUTE] = "route",
	[IP_VS_CONN_F_BYPASS] = "bypass",
};

static int index_of(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(names[i], name))
			return (int)i;
	return -EINVAL;
}

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *lvs_fwd_name(uint32_t fwd)
{
	return fwd < N_OF(fwd_names) && fwd_names[fwd] ? fwd_names[fwd] : "unknown";
}

int lvs_fwd_from_name(const char *name)
{
	return index_of(fwd_names, N_OF(fwd_names), name);
}

static const char *const tun_names[] = {
	[IP_VS_CONN_F_TUNNEL_TYPE_IPIP] = "ipip",
	[IP_VS_CONN_F_TUNNEL_TYPE_GUE] = "gue",
	[IP_VS_CONN_F_TUNNEL_TYPE_GRE] = "gre",
};

const char *lvs_tun_type_name(uint8_t type)
{
	return type < N_OF(tun_names) && tun_names[type] ? tun_names[type] : "unknown";
}

int lvs_tun_type_from_name(const char *name)
{
	return index_of(tun_names, N_OF(tun_names), name);
}

struct flag_name {
	uint32_t bit;
	const char *name;
};

static const struct flag_name svc_flags[] = {
	{ IP_VS_SVC_F_PERSISTENT, "persistent" },
	{ IP_VS_SVC_F_HASHED, "hashed" },
	{ IP_VS_SVC_F_ONEPACKET, "onepacket" },
	{ IP_VS_SVC_F_SCHED1, "flag-1" },
	{ IP_VS_SVC_F_SCHED2, "flag-2" },
	{ IP_VS_SVC_F_SCHED3, "flag-3" },
};

/* ipvsadm's names for the scheduler flags of sh and mh. */
static const struct flag_name sched_flags[] = {
	{ IP_VS_SVC_F_SCHED1, "sh-fallback" },
	{ IP_VS_SVC_F_SCHED2, "sh-port" },
	{ IP_VS_SVC_F_SCHED1, "mh-fallback" },
	{ IP_VS_SVC_F_SCHED2, "mh-port" },
};

size_t lvs_svc_flag_names(uint32_t flags, const char *sched, const char **out, size_t max)
{
	size_t n = 0;
	bool sh = sched && !strcmp(sched, "sh"), mh = sched && !strcmp(sched, "mh");
	for (size_t i = 0; i < N_OF(svc_flags) && n < max; i++) {
		const struct flag_name *f = &svc_flags[i];
		if (!(flags & f->bit))
			continue;
		const char *name = f->name;
		if (f->bit == IP_VS_SVC_F_SCHED1 && (sh || mh))
			name = sh ? "sh-fallback" : "mh-fallback";
		else if (f->bit == IP_VS_SVC_F_SCHED2 && (sh || mh))
			name = sh ? "sh-port" : "mh-port";
		out[n++] = name;
	}
	return n;
}

uint32_t lvs_svc_flag_from_name(const char *name)
{
	for (size_t i = 0; i < N_OF(svc_flags); i++)
		if (!strcmp(svc_flags[i].name, name))
			return svc_flags[i].bit;
	for (size_t i = 0; i < N_OF(sched_flags); i++)
		if (!strcmp(sched_flags[i].name, name))
			return sched_flags[i].bit;
	return 0;
}

static const struct flag_name tun_flags[] = {
	{ IP_VS_TUNNEL_ENCAP_FLAG_CSUM, "csum" },
	{ IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM, "remcsum" },
};

size_t lvs_tun_flag_names(uint16_t flags, const char **out, size_t max)
{
	size_t n = 0;
	if (!(flags & (IP_VS_TUNNEL_ENCAP_FLAG_CSUM | IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM)) && max)
		out[n++] = "nocsum";
	for (size_t i = 0; i < N_OF(tun_flags) && n < max; i++)
		if (flags & tun_flags[i].bit)
			out[n++] = tun_flags[i].name;
	return n;
}

uint16_t lvs_tun_flag_from_name(const char *name)
{
	for (size_t i = 0; i < N_OF(tun_flags); i++)
		if (!strcmp(tun_flags[i].name, name))
			return (uint16_t)tun_flags[i].bit;
	return 0;
}

char *lvs_version_str(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u", (v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff);
	return buf;
}

int lvs_version_parse(const char *s, uint32_t *v)
{
	unsigned a, b, c;
	char tail;
	if (sscanf(s, "%u.%u.%u%c", &a, &b, &c, &tail) != 3 || a > 255 || b > 255 || c > 255)
		return -EINVAL;
	*v = a << 16 | b << 8 | c;
	return 0;
}

const char *lvs_daemon_state_name(uint32_t state)
{
	switch (state) {
	case IP_VS_STATE_MASTER: return "master";
	case IP_VS_STATE_BACKUP: return "backup";
	default: return "none";
	}
}

char *lvs_svc_text(const struct lvs_service *svc, char *buf, size_t len)
{
	char a[LVS_ADDR_STRLEN];

	if (svc->fwmark) {
		snprintf(buf, len, "FWM %u%s", svc->fwmark, svc->af == AF_INET6 ? " IPv6" : "");
		return buf;
	}
	const char *proto = svc->protocol == IPPROTO_TCP ? "TCP"
		: svc->protocol == IPPROTO_UDP ? "UDP"
		: svc->protocol == IPPROTO_SCTP ? "SCTP" : "IP";
	lvs_addr_ntop(svc->af, &svc->addr, a, sizeof(a));
	if (svc->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", proto, a, svc->port);
	else
		snprintf(buf, len, "%s %s:%u", proto, a, svc->port);
	return buf;
}

char *lvs_dest_text(const struct lvs_dest *d, char *buf, size_t len)
{
	char a[LVS_ADDR_STRLEN];
	lvs_addr_ntop(d->af, &d->addr, a, sizeof(a));
	if (d->af == AF_INET6)
		snprintf(buf, len, "[%s]:%u", a, d->port);
	else
		snprintf(buf, len, "%s:%u", a, d->port);
	return buf;
}
