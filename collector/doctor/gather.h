/* Gathering the facts doctor's rules read, from the running system, read
 * only: sysctls under /proc/sys, interfaces, addresses and neighbours
 * over rtnetlink, whether keepalived runs, a saved rules file, and the
 * ARP probe of DR VIPs (doctor/arp_probe.h). Nothing is changed anywhere.
 * One call at a time per struct; no globals. */
#ifndef LVSTOP_COLLECTOR_DOCTOR_GATHER_H
#define LVSTOP_COLLECTOR_DOCTOR_GATHER_H

#include <stdbool.h>
#include <stddef.h>

#include "collector/doctor/rules.h"

/* Where a saved table is kept when nothing else is said: Debian's
 * ipvsadm package, then Red Hat's. */
#define DOCTOR_RULES_DEBIAN "/etc/ipvsadm.rules"
#define DOCTOR_RULES_REDHAT "/etc/sysconfig/ipvsadm"

struct doctor_gather_opts {
	const char *rules_file; /* NULL: the usual places above */
	bool no_arp;            /* skip the ARP probe */
	double arp_wait;        /* seconds; 0: 0.5 */
	const char *root;       /* prefix for /proc and /etc (tests); NULL: "" */
};

struct doctor_gathered {
	struct doctor_facts facts; /* points into the arrays below */
	struct doctor_link *links;
	struct doctor_addr *addrs;
	struct doctor_neigh *neighs;
	struct doctor_arp_answer *arp;
	char rules_path[256];
	char note[256]; /* why a part was skipped ("" when none), for stderr */
};

/* Gather everything for snapshot s (finished; its DR services say what
 * the ARP probe asks). ipvs_loaded is copied into the facts. A part that
 * cannot be had (the ARP probe without CAP_NET_RAW) is left out and named
 * in g->note. 0, or -errno with msg: rtnetlink cannot be read, the
 * rules file named in o cannot be read, -ENOMEM. Free with doctor_gathered_done in every case. */
int doctor_gather(const struct lvs_snapshot *s, bool ipvs_loaded,
		  const struct doctor_gather_opts *o, struct doctor_gathered *g, char *msg,
		  size_t msglen);
void doctor_gathered_done(struct doctor_gathered *g);

/* Count the -A and -a lines of an ipvsadm -S file's text. */
void doctor_count_rules(const char *text, unsigned *services, unsigned *servers);

/* A sysctl's integer value from path, or -1 when it cannot be read. */
int doctor_read_sysctl(const char *path);

#endif
