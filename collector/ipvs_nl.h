/* IPVS over generic netlink (libnl-genl-3): one persistent socket, the
 * "IPVS" family resolved once. Reading (dumps) lives here; so does the one
 * writer through which every change to the kernel table goes.
 * Threads: a handle is used by one thread at a time; the decoders are pure.
 * Every function returning int returns 0 or a negative errno:
 *   -ENOENT      the IPVS family is not registered (ip_vs not loaded, or
 *                unloaded since the handle was opened: close and reopen)
 *   -EPERM       no CAP_NET_ADMIN (the kernel requires it even for dumps)
 *   -EPROTO      a reply was malformed or truncated, or lacked a required
 *                attribute
 *   -ENOMEM      out of memory
 *   -EIO         any other netlink failure
 * ipvs_nl_strerror() turns those into one sentence naming cause and cure. */
#ifndef LVSTOP_COLLECTOR_IPVS_NL_H
#define LVSTOP_COLLECTOR_IPVS_NL_H

#include "model.h"

struct nlattr;
typedef struct lvs_nl lvs_nl; /* opaque handle */

/* Connect and resolve the family. *out is set only on success. */
int ipvs_nl_open(lvs_nl **out);
void ipvs_nl_close(lvs_nl *nl);

/* IPVS_CMD_GET_INFO: version and connection-table size into s. */
int ipvs_nl_get_info(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_CONFIG: tcp/tcpfin/udp timeouts into s. */
int ipvs_nl_get_timeouts(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_DAEMON dump: sync daemons into s->daemons / n_daemons. */
int ipvs_nl_get_daemons(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_SERVICE dump, then IPVS_CMD_GET_DEST dump per service:
 * appends every service and real server to s (snapshot_add_*), then
 * snapshot_finish(s). */
int ipvs_nl_dump(lvs_nl *nl, struct lvs_snapshot *s);

/* Fill a whole snapshot (info, timeouts, daemons, services, real servers);
 * conns and times are left to the caller. */
int ipvs_nl_read_all(lvs_nl *nl, struct lvs_snapshot *s);

/* Decoders for one nested IPVS_CMD_ATTR_SERVICE / IPVS_CMD_ATTR_DEST
 * attribute (exposed for tests and benchmarks). Required attributes
 * (service: AF, and PROTOCOL+ADDR+PORT or FWMARK, SCHED_NAME, FLAGS,
 * TIMEOUT, NETMASK; dest: ADDR, PORT, FWD_METHOD, WEIGHT) missing or of the
 * wrong size give -EPROTO; STATS64 is used when present, else the 32-bit
 * STATS. svc_af: the service's family, used when the dest carries no
 * IPVS_DEST_ATTR_ADDR_FAMILY. *out is fully overwritten on success. */
int ipvs_nl_decode_service(struct nlattr *attr, struct lvs_service *out);
int ipvs_nl_decode_dest(struct nlattr *attr, uint16_t svc_af, struct lvs_dest *out);

/* One sentence for the errors above, e.g. "IPVS is not available: the ip_vs
 * kernel module is not loaded (load it with: modprobe ip_vs)". */
const char *ipvs_nl_strerror(int err);

#endif
