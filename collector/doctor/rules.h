/* Doctor's rules: the classic LVS failures recognised from what a director
 * can see of itself. The facts (sysctls, interfaces, addresses,
 * neighbours, ARP answers, rules files) are gathered elsewhere
 * (doctor/gather.h) so that every rule runs here over plain data and is
 * tested on constructed inputs. Pure: no kernel, no I/O, no globals. */
#ifndef LVSTOP_COLLECTOR_DOCTOR_RULES_H
#define LVSTOP_COLLECTOR_DOCTOR_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/doctor/findings.h"
#include "collector/model.h"

/* Thresholds (see docs/doctor.md). */
#define DOCTOR_SYN_MIN 3      /* SYN_RECV entries before a real server is suspect */
#define DOCTOR_SYN_SHARE 0.9  /* ... and their share of its TCP entries */
#define DOCTOR_CONN_PER_BUCKET 8 /* entries per hash bucket that mean "far above" */

struct doctor_link {
	int index;
	char name[LVS_IFNAME_MAX];
	uint8_t mac[6];
	bool has_mac; /* an Ethernet address of 6 bytes */
};

struct doctor_addr {
	int ifindex;
	uint16_t af;
	uint8_t prefixlen;
	union lvs_addr addr;
};

struct doctor_neigh {
	int ifindex;
	uint16_t af;
	union lvs_addr addr;
	uint8_t mac[6];
};

/* An ARP reply for a VIP from a MAC that is not one of the director's. */
struct doctor_arp_answer {
	struct in_addr vip;
	int ifindex;
	uint8_t mac[6];
};

/* What a director shows of itself besides the IPVS table. A sysctl that
 * could not be read is -1 (its rules stay silent). Arrays are borrowed. */
struct doctor_facts {
	bool ipvs_loaded;            /* false: ip_vs is not loaded (the table reads as empty) */
	int ip_forward;              /* net.ipv4.ip_forward */
	int ip6_forwarding;          /* net.ipv6.conf.all.forwarding */
	int expire_nodest_conn;      /* net.ipv4.vs.expire_nodest_conn */
	int expire_quiescent_template; /* net.ipv4.vs.expire_quiescent_template */
	int conn_reuse_mode;         /* net.ipv4.vs.conn_reuse_mode */
	int vs_conntrack;            /* net.ipv4.vs.conntrack */
	bool vrrp;                   /* keepalived runs: a VIP may be away on purpose */
	const struct doctor_link *links;
	size_t n_links;
	const struct doctor_addr *addrs;
	size_t n_addrs;
	const struct doctor_neigh *neighs;
	size_t n_neighs;
	bool arp_probed;             /* the ARP probe ran (else no ARP finding) */
	const struct doctor_arp_answer *arp;
	size_t n_arp;
	const char *rules_file;      /* a saved rules file found, or NULL */
	unsigned rules_services;     /* its -A lines */
	unsigned rules_servers;      /* its -a lines */
};

/* The facts with every sysctl unknown and nothing gathered. */
void doctor_facts_init(struct doctor_facts *f);

/* Run every rule over snapshot s (finished) and facts, appending findings
 * to out (unsorted). With only non-NULL, only findings about that service
 * (matched by identity) and those about the whole director are kept.
 * 0 or -ENOMEM (out then holds what was added so far). */
int doctor_diagnose(const struct lvs_snapshot *s, const struct doctor_facts *facts,
		    const struct lvs_service *only, struct doctor_findings *out);

/* A service in ipvsadm's words: "-t 203.0.113.10:80", "-u [2001:db8::1]:53",
 * "--sctp-service 192.0.2.1:9", "-f 42", "-f 42 -6". Returns buf. */
char *doctor_service_words(const struct lvs_service *svc, char *buf, size_t len);
/* A real server as -r takes it: "192.0.2.11:80", "[2001:db8:a::11]:80". */
char *doctor_dest_words(const struct lvs_dest *d, char *buf, size_t len);

/* The director's address on the prefix that holds addr (same family),
 * or NULL when no interface's prefix holds it. */
const struct doctor_addr *doctor_connected(const struct doctor_facts *f, uint16_t af,
					   const union lvs_addr *addr);

/* True when one of the director's interfaces holds addr. */
bool doctor_is_local(const struct doctor_facts *f, uint16_t af, const union lvs_addr *addr);

#endif
