#include "collector/declared/vrrp_role.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int local_addrs_read(struct lvs_local_addr **out, size_t *n)
{
	struct ifaddrs *ifa;
	if (getifaddrs(&ifa) < 0)
		return -errno;
	size_t cnt = 0;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next)
		if (p->ifa_addr && (p->ifa_addr->sa_family == AF_INET ||
				    p->ifa_addr->sa_family == AF_INET6))
			cnt++;
	struct lvs_local_addr *a = calloc(cnt ? cnt : 1, sizeof(*a));
	if (!a) {
		freeifaddrs(ifa);
		return -ENOMEM;
	}
	size_t i = 0;
	for (struct ifaddrs *p = ifa; p; p = p->ifa_next) {
		if (!p->ifa_addr)
			continue;
		if (p->ifa_addr->sa_family == AF_INET) {
			a[i].af = AF_INET;
			a[i].addr.v4 = ((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		} else if (p->ifa_addr->sa_family == AF_INET6) {
			a[i].af = AF_INET6;
			a[i].addr.v6 = ((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr;
		} else {
			continue;
		}
		snprintf(a[i].ifname, sizeof(a[i].ifname), "%s", p->ifa_name);
		i++;
	}
	freeifaddrs(ifa);
	*out = a;
	*n = i;
	return 0;
}

void vrrp_roles(const struct lvs_declared *d, const struct lvs_local_addr *addrs, size_t n,
		struct lvs_vrrp_status *out)
{
	for (size_t v = 0; v < d->n_vrrp; v++) {
		const struct lvs_decl_vrrp *inst = &d->vrrp[v];
		struct lvs_vrrp_status *st = &out[v];
		memset(st, 0, sizeof(*st));
		st->inst = inst;
		for (size_t k = 0; k < inst->n_vips; k++) {
			size_t len = inst->vip_af[k] == AF_INET6 ? 16 : 4;
			for (size_t i = 0; i < n; i++) {
				if (addrs[i].af != inst->vip_af[k] ||
				    memcmp(&addrs[i].addr, &inst->vips[k], len))
					continue;
				if (!st->held++)
					snprintf(st->iface, sizeof(st->iface), "%s", addrs[i].ifname);
				break;
			}
		}
		st->role = !inst->n_vips ? LVS_ROLE_UNKNOWN
			   : st->held == inst->n_vips ? LVS_ROLE_MASTER
			   : st->held == 0 ? LVS_ROLE_BACKUP : LVS_ROLE_SPLIT;
	}
}

const char *vrrp_role_name(enum lvs_vrrp_role r)
{
	switch (r) {
	case LVS_ROLE_MASTER: return "MASTER";
	case LVS_ROLE_BACKUP: return "BACKUP";
	case LVS_ROLE_SPLIT: return "SPLIT";
	case LVS_ROLE_UNKNOWN: break;
	}
	return "unknown";
}
