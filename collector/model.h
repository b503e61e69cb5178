/* The IPVS data model: one immutable snapshot of everything the kernel's
 * IPVS table holds at one instant, plus the connection-table summary.
 * Every reader (console, exporter, JSON writer) works on these types only. */
#ifndef LVSTOP_COLLECTOR_MODEL_H
#define LVSTOP_COLLECTOR_MODEL_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "share/addr.h"

#define LVS_SCHED_MAX 16 /* IP_VS_SCHEDNAME_MAXLEN */
#define LVS_PE_MAX 32    /* IP_VS_PENAME_MAXLEN */
#define LVS_IFNAME_MAX 16

/* 64-bit counters as the kernel's STATS64 attributes carry them. */
struct lvs_stats {
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
};

/* Per-second rates: the kernel's estimator (integers, refreshed every
 * 2 s) or our own, computed from counter deltas. A snapshot keeps ours
 * in floats (struct lvs_rates_f: 24 bits of mantissa are far more than a
 * rate over a 2 s interval means, and two snapshots of 100,000 real
 * servers are 4 MB smaller); sums and conversions are done in doubles
 * (struct lvs_rates). */
struct lvs_kern_rates {
	uint64_t cps, inpps, outpps, inbps, outbps;
};
struct lvs_rates {
	double cps, inpps, outpps, inbps, outbps;
};
struct lvs_rates_f {
	float cps, inpps, outpps, inbps, outbps;
};

/* Forwarding methods, as IP_VS_CONN_F_FWD_MASK values. */
enum lvs_fwd {
	LVS_FWD_MASQ = 0,   /* IP_VS_CONN_F_MASQ */
	LVS_FWD_LOCAL = 1,  /* IP_VS_CONN_F_LOCALNODE */
	LVS_FWD_TUNNEL = 2, /* IP_VS_CONN_F_TUNNEL */
	LVS_FWD_ROUTE = 3,  /* IP_VS_CONN_F_DROUTE */
	LVS_FWD_BYPASS = 4, /* IP_VS_CONN_F_BYPASS */
};

enum lvs_health {
	LVS_HEALTH_UNKNOWN = 0, /* no check configured, or none finished yet */
	LVS_HEALTH_UP = 1,
	LVS_HEALTH_DOWN = 2,
};

/* Why a check failed: a bounded set, so that it can be a metrics label
 * (collector/health.h names them: health_reason_name). Values are stable. */
enum lvs_health_reason {
	LVS_HR_NONE = 0,          /* "": it succeeded, or no check */
	LVS_HR_REFUSED,           /* connection refused */
	LVS_HR_TIMEOUT_CONNECT,   /* timeout connect */
	LVS_HR_TIMEOUT_TLS,       /* timeout tls handshake */
	LVS_HR_TIMEOUT_SEND,      /* timeout send */
	LVS_HR_TIMEOUT_RESPONSE,  /* timeout response */
	LVS_HR_TIMEOUT_EXEC,      /* timeout exec */
	LVS_HR_NO_ROUTE,          /* no route (host or network unreachable) */
	LVS_HR_RESET,             /* connection reset (or closed while sending) */
	LVS_HR_NET_ERROR,         /* network error (any other socket error) */
	LVS_HR_TLS,               /* tls failure (handshake, certificate) */
	LVS_HR_HTTP_STATUS,       /* http NNN: an unexpected status (code) */
	LVS_HR_BAD_RESPONSE,      /* bad response (not HTTP/DNS, closed early) */
	LVS_HR_EXPECT,            /* expected text not found */
	LVS_HR_UNREACHABLE,       /* icmp unreachable (UDP, DNS) */
	LVS_HR_DNS_RCODE,         /* dns rcode: an unexpected rcode (code) */
	LVS_HR_DNS_ANSWER,        /* dns answer mismatch */
	LVS_HR_EXIT,              /* exit status: non-zero (code) */
	LVS_HR_SIGNAL,            /* killed by signal (code) */
	LVS_HR_EXEC_FAILED,       /* exec failed: the command could not start */
	LVS_HR_LOCAL,             /* local error: the checker's own failure */
	LVS_HR_COUNT
};
_Static_assert(LVS_HR_COUNT <= 32, "lvs_dest.health_reason holds 5 bits");

/* Fields are in an order that leaves no padding: a snapshot holds one per
 * real server (128 bytes; two snapshots are alive while one is read). The
 * small enumerations share two bytes as bit fields, and the health times
 * are whole seconds: at 100,000 real servers every 16 bytes here are 3 MiB
 * of lvsd's peak. The kernel's estimator rates are beside, in
 * lvs_snapshot.dest_krates, where a source that has no use for them keeps
 * none. */
struct lvs_dest {
	uint16_t af; /* AF_INET or AF_INET6 (may differ from the service's) */
	uint16_t port; /* host byte order */
	union lvs_addr addr;
	uint16_t tun_port;  /* host byte order */
	uint16_t tun_flags; /* IP_VS_TUNNEL_ENCAP_FLAG_* */
	int32_t weight;
	uint32_t u_thresh, l_thresh;
	uint32_t active_conns, inact_conns, persist_conns;
	/* Why the last check failed (at most LVS_DEST_ERROR_MAX bytes): an
	 * offset in the snapshot's text, read with snapshot_text(); 0 is ""
	 * (up, or no check). Out of line, since most real servers have none:
	 * at 100,000 of them a 48-byte array was 4.6 MiB per snapshot. */
	uint32_t health_error;
	float check_seconds;    /* duration of the last check */
	/* Wall clock in whole seconds (lvs_time32): of the last transition,
	 * and since the reason holds; 0: none. */
	uint32_t health_since, health_reason_since;
	struct lvs_rates_f rates; /* computed by the collector */
	unsigned fwd : 3;       /* enum lvs_fwd */
	unsigned tun_type : 5;  /* IP_VS_CONN_F_TUNNEL_TYPE_*, or LVS_TUN_TYPE_OTHER;
				 * meaningful for tunnel */
	/* Health, filled by the health checker when one runs (with
	 * health_error, check_seconds and the two times above). */
	unsigned health : 2;        /* LVS_HEALTH_* */
	unsigned health_reason : 5; /* enum lvs_health_reason of the failing check */
	bool rates_valid : 1;       /* false on first sight of the object */
	uint16_t health_code;   /* with it: HTTP status, exit status, ... or 0 */
	struct lvs_stats stats;
};

/* A kernel's tunnel type past what lvs_dest.tun_type holds (the kernel has
 * 0 to 2): kept as this, named "unknown". */
#define LVS_TUN_TYPE_OTHER 31

/* A wall-clock time as lvs_dest keeps it: whole seconds, 0 for none (or
 * before 1970), saturated in 2106. */
static inline uint32_t lvs_time32(double t)
{
	if (!(t >= 1))
		return 0;
	return t < 4294967295.0 ? (uint32_t)t : UINT32_MAX;
}

#define LVS_DEST_ERROR_MAX 47

struct lvs_service {
	uint16_t af;       /* AF_INET or AF_INET6 */
	uint16_t protocol; /* IPPROTO_TCP/UDP/SCTP; 0 for a firewall-mark service */
	uint16_t port;     /* host byte order; 0 for fwmark */
	uint32_t fwmark;   /* 0 unless a firewall-mark service */
	union lvs_addr addr;
	char sched[LVS_SCHED_MAX];
	char pe_name[LVS_PE_MAX];
	uint32_t flags;   /* IP_VS_SVC_F_* */
	uint32_t timeout; /* persistence timeout, seconds */
	uint32_t netmask; /* persistence netmask: IPv4, the mask in network byte
			   * order (as the kernel keeps it); IPv6, the prefix length */
	struct lvs_stats stats;
	struct lvs_kern_rates krates;
	struct lvs_rates_f rates;
	bool rates_valid;
	struct lvs_dest *dests; /* borrowed from the snapshot's dest array */
	size_t n_dests;
	size_t first_dest; /* index of dests[0] in the snapshot's dest array */
};

struct lvs_daemon {
	uint32_t state; /* IP_VS_STATE_MASTER or IP_VS_STATE_BACKUP */
	char mcast_ifn[LVS_IFNAME_MAX];
	uint32_t syncid;
	uint16_t sync_maxlen;
	uint16_t mcast_port;
	uint8_t mcast_ttl;
	uint16_t mcast_af; /* 0 when no group attribute was given */
	union lvs_addr mcast_group;
};

/* Connection-table summary (from /proc/net/ip_vs_conn). States are the
 * kernel's names ("ESTABLISHED", "TIME_WAIT", "UDP", "SYN_RECV", ...). */
#define LVS_STATE_NAME_MAX 20
struct lvs_state_count {
	char name[LVS_STATE_NAME_MAX];
	uint64_t count;
};
#define LVS_CONN_STATES_MAX 32 /* distinct state names kept */
struct lvs_conn_dest {
	uint16_t af;
	uint16_t port;
	union lvs_addr addr;
	uint64_t total;
	size_t n_states;
	struct lvs_state_count states[LVS_CONN_STATES_MAX];
};
struct lvs_conn_client {
	uint16_t af;
	union lvs_addr addr;
	uint64_t conns; /* an estimate when the client table overflowed */
};
struct lvs_conn_summary {
	uint64_t total;     /* entries read */
	bool partial;       /* stopped early (line or time bound): counts are a lower bound */
	bool available;     /* false when the table could not be read */
	size_t n_states;
	struct lvs_state_count states[LVS_CONN_STATES_MAX];
	struct lvs_conn_dest *dests; /* owned; sorted by address, port */
	size_t n_dests;
	struct lvs_conn_client *top_clients; /* owned; by conns, descending */
	size_t n_top_clients;
};

/* A VRRP instance's role as the director that took the snapshot sees it:
 * lvsd fills it from its declared keepalived.conf and the addresses it
 * holds (collector/declared/vrrp_role.h), so that `lvstop --remote` can
 * show a pair's roles; a snapshot of the kernel alone has none. */
#define LVS_VRRP_MAX 8
struct lvs_vrrp_info {
	char instance[64];
	char role[8];               /* "MASTER", "BACKUP", "SPLIT", "unknown" */
	char declared_state[8];     /* the file's state, or "" */
	char iface[LVS_IFNAME_MAX]; /* where the first held address is, or "" */
	uint32_t held, addresses;   /* virtual_ipaddress held, of those declared */
};

struct lvs_snapshot {
	double time; /* wall clock, seconds since the epoch */
	double mono; /* CLOCK_MONOTONIC seconds; 0 when not taken live (replay) */
	uint32_t version; /* IPVS version, (major << 16) | (minor << 8) | patch */
	uint32_t conn_tab_size;
	uint32_t timeout_tcp, timeout_tcpfin, timeout_udp;
	size_t n_daemons;
	struct lvs_daemon daemons[2];
	struct lvs_service *services; /* owned */
	size_t n_services;
	struct lvs_dest *dests; /* owned; services[i].dests point in here */
	size_t n_dests;
	/* The kernel's estimator rates of dests[i], at the same index; NULL
	 * when the source keeps none (snapshot_keep_dest_rates; lvsd exports
	 * counters and computes its rates: 40 bytes a real server and
	 * snapshot saved). Read through snapshot_dest_krates. Owned. */
	struct lvs_kern_rates *dest_krates;
	struct lvs_conn_summary conns;
	size_t n_vrrp;
	struct lvs_vrrp_info vrrp[LVS_VRRP_MAX];
	/* Strings objects refer to by offset (lvs_dest.health_error), each
	 * NUL-terminated; offset 0 is "". Owned; NULL while none was added. */
	char *text;
	size_t text_len, text_cap;
};

#endif
