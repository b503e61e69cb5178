/* IPVS over generic netlink (libnl-genl-3): one persistent socket, the
 * "IPVS" family resolved once (from the controller's family list, so that
 * looking never loads ip_vs: a monitor must not change the kernel). Reading (dumps) lives here; so does the one
 * writer through which every change to the kernel table goes.
 * Threads: a handle is used by one thread at a time; the decoders are pure.
 * Recovery: after -ENOENT the handle re-resolves the family on its next
 * call, and after a transport failure (-EIO) it reconnects, so a poller
 * recovers when ip_vs comes back without reopening (reopening works too).
 * Every function returning int returns 0 or a negative errno:
 *   -ENOENT      the IPVS family is not registered (ip_vs not loaded, or
 *                unloaded since the handle was opened; the kernel answers
 *                a stale family id with ENOENT or EOPNOTSUPP)
 *   -EPERM       no CAP_NET_ADMIN (the kernel requires it even for dumps;
 *                EPERM and EACCES both land here)
 *   -EPROTO      a reply was malformed or truncated, or lacked a required
 *                attribute
 *   -ENOMEM      out of memory
 *   -EIO         any other netlink failure (another kernel errno, a
 *                sequence mismatch, the socket closing mid-dump)
 * ipvs_nl_strerror() turns those into one sentence naming cause and cure. */
#ifndef LVSTOP_COLLECTOR_IPVS_NL_H
#define LVSTOP_COLLECTOR_IPVS_NL_H

#include "model.h"

struct nlattr;
typedef struct lvs_nl lvs_nl; /* opaque handle */

/* Connect and resolve the family. *out is set only on success; the handle
 * is owned by the caller and freed with ipvs_nl_close (NULL is ignored).
 * -ENOENT when ip_vs is not loaded, -ENOMEM, -EIO. */
int ipvs_nl_open(lvs_nl **out);
void ipvs_nl_close(lvs_nl *nl);

/* IPVS_CMD_GET_INFO: version and connection-table size into s. */
int ipvs_nl_get_info(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_CONFIG: tcp/tcpfin/udp timeouts into s (a timeout the
 * kernel omits, built without that protocol, is left 0). */
int ipvs_nl_get_timeouts(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_DAEMON dump: sync daemons into s->daemons / n_daemons
 * (reset first; -EPROTO if the kernel reports more than two). */
int ipvs_nl_get_daemons(lvs_nl *nl, struct lvs_snapshot *s);
/* IPVS_CMD_GET_SERVICE dump, then IPVS_CMD_GET_DEST dump per service:
 * appends every service and real server to s (snapshot_add_*), then
 * snapshot_finish(s). On error s holds part of the table and
 * snapshot_finish was not called: the caller throws s away. A service
 * deleted between the two dumps simply has no real servers. */
int ipvs_nl_dump(lvs_nl *nl, struct lvs_snapshot *s);

/* Fill a whole snapshot (info, timeouts, daemons, services, real servers);
 * conns and times are left to the caller. The real servers' kernel rates
 * are kept when s keeps them (snapshot_keep_dest_rates). Stops at the
 * first error; the caller throws the partial snapshot away. */
int ipvs_nl_read_all(lvs_nl *nl, struct lvs_snapshot *s);

/* Decoders for one nested IPVS_CMD_ATTR_SERVICE / IPVS_CMD_ATTR_DEST
 * attribute (exposed for tests and benchmarks). Required attributes
 * (service: AF, and PROTOCOL+ADDR+PORT or FWMARK, SCHED_NAME, FLAGS,
 * TIMEOUT, NETMASK; dest: ADDR, PORT, FWD_METHOD, WEIGHT) missing or of the
 * wrong size give -EPROTO; STATS64 is used when present, else the 32-bit
 * STATS. svc_af: the service's family, used when the dest carries no
 * IPVS_DEST_ATTR_ADDR_FAMILY. *out is fully overwritten on success (our
 * rates, rates_valid and the health fields come back zero) and undefined
 * after an error.
 * Ports come off the wire in network order and are stored in host order;
 * addresses are copied as the kernel sends them (IPv4 in the first 4
 * bytes, the rest zero); netmask is kept as the kernel's 32-bit value
 * (an IPv4 mask in network order, or an IPv6 prefix length); flags is the
 * .flags member of struct ip_vs_flags; fwd is masked with
 * IP_VS_CONN_F_FWD_MASK. No allocation: safe in a hot loop. */
int ipvs_nl_decode_service(struct nlattr *attr, struct lvs_service *out);
/* A real server's kernel rates go to *kr (NULL: read and dropped). */
int ipvs_nl_decode_dest(struct nlattr *attr, uint16_t svc_af, struct lvs_dest *out,
			struct lvs_kern_rates *kr);

/* Whole reply messages as a dump delivers them: a generic netlink message
 * (IPVS_CMD_NEW_SERVICE / IPVS_CMD_NEW_DEST) carrying one nested
 * IPVS_CMD_ATTR_SERVICE / IPVS_CMD_ATTR_DEST, checked by the rules of
 * genlmsg_parse and decoded as above. -EPROTO when the genl header does
 * not fit in nlmsg_len or the nest is missing; nlmsg_len must lie within
 * the buffer (libnl's receive path sees to that). This is the
 * per-message path of ipvs_nl_dump (tests and the decode benchmark use
 * it). Pure: no allocation, no global state. */
struct nlmsghdr;
int ipvs_nl_decode_service_msg(struct nlmsghdr *nlh, struct lvs_service *out);
int ipvs_nl_decode_dest_msg(struct nlmsghdr *nlh, uint16_t svc_af, struct lvs_dest *out,
			    struct lvs_kern_rates *kr);

/* Decoder for one nested IPVS_CMD_ATTR_DAEMON. Required: STATE, MCAST_IFN,
 * SYNC_ID; SYNC_MAXLEN, MCAST_PORT (host order, as the kernel keeps it),
 * MCAST_TTL and one of MCAST_GROUP / MCAST_GROUP6 are optional (absent on
 * kernels before 4.7). -EPROTO as above. *out is fully overwritten. */
int ipvs_nl_decode_daemon(struct nlattr *attr, struct lvs_daemon *out);

/* Test seam: a handle whose requests go to send_fn and whose replies come
 * from recv_fn (libnl's nl_cb_overwrite_send / nl_cb_overwrite_recv)
 * instead of a kernel socket; `family` is taken as the resolved IPVS
 * family id. recv_fn must return a malloc'd buffer in *buf (libnl frees
 * it) and its length, or <= 0. Such a handle never reconnects nor
 * re-resolves. 0, -EINVAL (family <= 0 or a NULL function), -ENOMEM. */
struct nl_sock;
struct nl_msg;
struct sockaddr_nl;
struct ucred;
int ipvs_nl_open_transport(lvs_nl **out, int family,
			   int (*send_fn)(struct nl_sock *, struct nl_msg *),
			   int (*recv_fn)(struct nl_sock *, struct sockaddr_nl *,
					  unsigned char **, struct ucred **));

/* Test seam: parses nlh's attributes with this module's inlined parser
 * and with libnl's genlmsg_parse (IPVS command policy), then each
 * top-level attribute as every nest kind decoded here (service, dest,
 * 32- and 64-bit stats) with both parsers. 0 when both agree everywhere
 * (same verdict, same attribute picked for every type), -1 otherwise.
 * nlh->nlmsg_len must lie within the buffer. */
int ipvs_nl_check_parser(struct nlmsghdr *nlh);

/* One sentence for the errors above, e.g. "IPVS is not available: the ip_vs
 * kernel module is not loaded (load it with: modprobe ip_vs)". */
const char *ipvs_nl_strerror(int err);

/* ------------------------------------------------------------------------
 * Writing: the one writer. Every change to the kernel table goes through
 * these (the actions library owns the handle; nothing else writes).
 * A reply's errno depends on the command, so these return the kernel's own
 * answer (never the reader's mapping above), as a negative errno:
 *   -EEXIST  NEW_SERVICE: that service exists; NEW_DEST: that real server
 *            exists in the service; NEW_DAEMON: that daemon runs already
 *   -ESRCH   the service named does not exist (every command but
 *            NEW_SERVICE, NEW_DEST included); DEL_DAEMON: not running
 *   -ENOENT  NEW/SET_SERVICE: the scheduler or persistence engine is not
 *            registered and its module (ip_vs_<name>, ip_vs_pe_<name>)
 *            could not be loaded; SET/DEL_DEST: no such real server
 *   -ERANGE  NEW/SET_DEST: negative weight, lower threshold above upper
 *   -EINVAL  an attribute the kernel rejects (mixed address families on a
 *            non-tunnel real server, GUE without a port, a bad IPv6
 *            netmask, an unknown protocol, a missing interface ...)
 *   -EAFNOSUPPORT  an address family the kernel was built without
 *   -EPERM   no CAP_NET_ADMIN (EACCES too)
 *   -ENOPKG  the IPVS family is not registered: ip_vs is not loaded
 *   -ENOMEM, -EIO  as for reading (-EIO: transport failure, handle reset)
 *   any other negative errno the kernel sent, unchanged.
 * Service identity: af plus fwmark, or protocol + addr + port (host
 * order). "Full" messages (NEW/SET) also carry sched, pe_name (absent when
 * empty: SET_SERVICE then removes the engine), flags (all bits, mask ~0;
 * IP_VS_SVC_F_HASHED is the kernel's and is dropped), timeout, netmask; a
 * real server: af, addr, port, fwd, weight, thresholds, tunnel fields.
 * Thread: the handle's one thread. A write never loads ip_vs itself. */
int ipvs_nl_new_service(lvs_nl *nl, const struct lvs_service *svc);
int ipvs_nl_set_service(lvs_nl *nl, const struct lvs_service *svc);
int ipvs_nl_del_service(lvs_nl *nl, const struct lvs_service *svc);
int ipvs_nl_new_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d);
int ipvs_nl_set_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d);
int ipvs_nl_del_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d);
/* IPVS_CMD_ZERO: one service's counters, or every counter when svc is NULL. */
int ipvs_nl_zero(lvs_nl *nl, const struct lvs_service *svc);
/* IPVS_CMD_FLUSH: every service and real server. */
int ipvs_nl_flush(lvs_nl *nl);
/* IPVS_CMD_SET_CONFIG: a 0 leaves that timeout as it is (the kernel's rule). */
int ipvs_nl_set_timeouts(lvs_nl *nl, uint32_t tcp, uint32_t tcpfin, uint32_t udp);
/* IPVS_CMD_NEW_DAEMON / DEL_DAEMON (DEL needs only dm->state). Optional
 * fields left 0 are not sent, so the kernel uses its defaults. */
int ipvs_nl_new_daemon(lvs_nl *nl, const struct lvs_daemon *dm);
int ipvs_nl_del_daemon(lvs_nl *nl, const struct lvs_daemon *dm);

#endif
