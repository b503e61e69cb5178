/* Names and text forms shared by every reader and writer: addresses,
 * protocols, forwarding methods, tunnel types, service flags, versions.
 * All functions are pure and thread-safe. */
#ifndef LVSTOP_COLLECTOR_NAMES_H
#define LVSTOP_COLLECTOR_NAMES_H

#include "model.h"

#define LVS_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/* Text form of an address (no brackets). Returns buf. */
char *lvs_addr_ntop(uint16_t af, const union lvs_addr *a, char *buf, size_t len);
/* Parse an IPv4 or IPv6 address (no brackets). 0 or -EINVAL. */
int lvs_addr_pton(const char *s, uint16_t *af, union lvs_addr *a);

/* "tcp", "udp", "sctp", "fwm" (protocol 0 with a mark) or "ip-N". */
const char *lvs_service_proto_name(const struct lvs_service *s);
/* IPPROTO_* for "tcp"/"udp"/"sctp"; -EINVAL otherwise. */
int lvs_proto_from_name(const char *name);
/* "masq", "local", "tunnel", "route", "bypass"; -EINVAL / "unknown". */
const char *lvs_fwd_name(uint32_t fwd);
int lvs_fwd_from_name(const char *name);
/* "ipip", "gue", "gre" (IP_VS_CONN_F_TUNNEL_TYPE_*). */
const char *lvs_tun_type_name(uint8_t type);
int lvs_tun_type_from_name(const char *name);

/* Service flag names in bit order. The scheduler flags are named as
 * ipvsadm names them: sh-fallback/sh-port for sh, mh-fallback/mh-port for
 * mh, flag-1/2/3 otherwise. Writes up to max names; returns how many. */
size_t lvs_svc_flag_names(uint32_t flags, const char *sched, const char **out, size_t max);
/* The bit for a flag name (any of the spellings above). 0 when unknown. */
uint32_t lvs_svc_flag_from_name(const char *name);
/* Tunnel encapsulation flags: "nocsum", "csum", "remcsum". */
size_t lvs_tun_flag_names(uint16_t flags, const char **out, size_t max);
uint16_t lvs_tun_flag_from_name(const char *name);

/* "1.2.1" from (major << 16) | (minor << 8) | patch, and back. */
char *lvs_version_str(uint32_t v, char *buf, size_t len);
int lvs_version_parse(const char *s, uint32_t *v);

/* Sync-daemon state name: "master", "backup". */
const char *lvs_daemon_state_name(uint32_t state);

/* A service and a real server as ipvsadm names them: "TCP 192.0.2.1:80",
 * "UDP [2001:db8::1]:53", "FWM 5" ("FWM 5 IPv6"); "192.0.2.2:80",
 * "[2001:db8::2]:80". Return buf. */
char *lvs_svc_text(const struct lvs_service *svc, char *buf, size_t len);
char *lvs_dest_text(const struct lvs_dest *d, char *buf, size_t len);

#endif
