/* A director's VRRP role as its addresses show it: for each vrrp_instance
 * of the declared keepalived.conf, how many of its virtual_ipaddress this
 * host holds. All of them: MASTER; none: BACKUP (or keepalived is not
 * running); some: SPLIT (a failover under way, or a fault). The role is
 * read from the addresses because they are what clients reach, whatever
 * keepalived believes. Pure, but for local_addrs_read. */
#ifndef LVSTOP_COLLECTOR_DECLARED_VRRP_ROLE_H
#define LVSTOP_COLLECTOR_DECLARED_VRRP_ROLE_H

#include <stddef.h>

#include "collector/declared/declared.h"

struct lvs_local_addr {
	uint16_t af;
	union lvs_addr addr;
	char ifname[LVS_IFNAME_MAX];
};

/* This network namespace's addresses (getifaddrs). 0 and *out (owned by
 * the caller, free()) or -errno. */
int local_addrs_read(struct lvs_local_addr **out, size_t *n);

enum lvs_vrrp_role {
	LVS_ROLE_UNKNOWN = 0, /* the instance declares no address */
	LVS_ROLE_MASTER,
	LVS_ROLE_BACKUP,
	LVS_ROLE_SPLIT,
};

struct lvs_vrrp_status {
	const struct lvs_decl_vrrp *inst; /* borrowed from the declared table */
	enum lvs_vrrp_role role;
	size_t held;                      /* of inst->n_vips */
	char iface[LVS_IFNAME_MAX];       /* where the first held VIP is, or "" */
};

/* One status per declared instance, into out[0 .. d->n_vrrp). */
void vrrp_roles(const struct lvs_declared *d, const struct lvs_local_addr *addrs, size_t n,
		struct lvs_vrrp_status *out);

/* "MASTER", "BACKUP", "SPLIT", "unknown". */
const char *vrrp_role_name(enum lvs_vrrp_role r);

#endif
