/* The ARP probe of a DR service's VIP: who on the real servers' segment
 * answers "who-has VIP" besides the director. Requests go out with sender
 * address 0.0.0.0 (an address probe, RFC 5227), so no host's ARP cache
 * learns anything from them. Needs CAP_NET_RAW (an AF_PACKET socket).
 * The wait is bounded. One call at a time per thread; no globals. */
#ifndef LVSTOP_COLLECTOR_DOCTOR_ARP_PROBE_H
#define LVSTOP_COLLECTOR_DOCTOR_ARP_PROBE_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "collector/doctor/rules.h"

struct arp_probe_target {
	int ifindex;
	uint8_t mac[6]; /* the director's address on that interface (the requests' source) */
	struct in_addr vip;
};

/* Probe every target (two requests each, the second at half the wait) and
 * listen for wait seconds (0.05 to 5). Replies for a target's VIP on its
 * interface from a MAC not in own[0..n_own) are answers; each (VIP,
 * interface, MAC) once. *out is malloc'd (free it), *n_out its count.
 * 0; -EPERM without CAP_NET_RAW; -ENOMEM; another -errno from the socket. */
int arp_probe_run(const struct arp_probe_target *t, size_t n, const uint8_t (*own)[6],
		  size_t n_own, double wait, struct doctor_arp_answer **out, size_t *n_out);

/* Build a request's ARP part (28 bytes; the socket adds the Ethernet
 * header, to the broadcast address) into buf. Returns its length, 0 when
 * len is too small. */
size_t arp_probe_request(const uint8_t src_mac[6], struct in_addr vip, uint8_t *buf, size_t len);

/* Parse a received frame (from the ARP header on, as an AF_PACKET
 * SOCK_DGRAM socket delivers it): 0 and the sender's MAC and IPv4 address
 * when it is an Ethernet/IPv4 ARP reply; -EINVAL otherwise. */
int arp_probe_parse_reply(const uint8_t *p, size_t len, uint8_t mac[6], struct in_addr *sip);

#endif
