/* Over 800 lines on purpose: this is the one netlink handle of the project
 * (requests, dumps, the inlined destination decoder checked against libnl,
 * and the errno mapping), and its parts share the attribute policies and
 * the handle's state; split, each piece would need the others' internals.
 */
#include "ipvs_nl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/family.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "snapshot.h"

/* recvmsg's buffer: twice the largest message the kernel sends (its dump
 * skbs stop at SKB_WITH_OVERHEAD(32768)). */
#define IPVS_NL_RECV_BUF 65536

/* The kernel's name buffers must fit ours, or a name that the policy lets
 * through could overflow the copy below. */
_Static_assert(IP_VS_SCHEDNAME_MAXLEN <= LVS_SCHED_MAX, "sched name buffer");
_Static_assert(IP_VS_PENAME_MAXLEN <= LVS_PE_MAX, "pe name buffer");
_Static_assert(IP_VS_IFNAME_MAXLEN <= LVS_IFNAME_MAX, "ifname buffer");

struct lvs_nl {
	struct nl_sock *sock; /* owned; NULL until (re)connected */
	struct nl_cb *cb;     /* owned; our reply handlers, re-aimed per request */
	int family;           /* resolved IPVS family id; 0: resolve before use */
	int fixed_family;     /* test seam: the id to use, never resolved */
};

/* ------------------------------------------------------------------------
 * Policies. libnl checks each attribute's length against these before we
 * read it, so the readers below may load the payload without further
 * checks. Separate tables for the 32- and 64-bit stats: reading STATS64
 * with the u32 layout is the classic bug.
 * ------------------------------------------------------------------------ */

static const struct nla_policy ipvs_cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DAEMON] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = { .type = NLA_U32 },
};

/* Addresses: the kernel always sends the whole union nf_inet_addr (16
 * bytes); 4 is the least an IPv4 address can be. The family decides how
 * many bytes are needed (checked after parsing). */
static const struct nla_policy ipvs_svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING, .maxlen = LVS_SCHED_MAX },
	[IPVS_SVC_ATTR_FLAGS] = { .type = NLA_UNSPEC,
				  .minlen = sizeof(struct ip_vs_flags),
				  .maxlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_PE_NAME] = { .type = NLA_STRING, .maxlen = LVS_PE_MAX },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};

static const struct nla_policy ipvs_dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IPVS_DEST_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] = { .type = NLA_NESTED },
	[IPVS_DEST_ATTR_TUN_TYPE] = { .type = NLA_U8 },
	[IPVS_DEST_ATTR_TUN_PORT] = { .type = NLA_U16 },
	[IPVS_DEST_ATTR_TUN_FLAGS] = { .type = NLA_U16 },
};

/* 32-bit STATS: packet and connection counters are u32, bytes u64. */
static const struct nla_policy ipvs_stats32_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U32 },
};

static const struct nla_policy ipvs_stats64_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_CPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U64 },
};

static const struct nla_policy ipvs_daemon_policy[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = { .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_MCAST_IFN] = { .type = NLA_STRING, .maxlen = LVS_IFNAME_MAX },
	[IPVS_DAEMON_ATTR_SYNC_ID] = { .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_GROUP] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 4 },
	[IPVS_DAEMON_ATTR_MCAST_GROUP6] = { .type = NLA_UNSPEC, .minlen = 16, .maxlen = 16 },
	[IPVS_DAEMON_ATTR_MCAST_PORT] = { .type = NLA_U16 },
	[IPVS_DAEMON_ATTR_MCAST_TTL] = { .type = NLA_U8 },
};

static const struct nla_policy ipvs_info_policy[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = { .type = NLA_U32 },
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = { .type = NLA_U32 },
};

/* ------------------------------------------------------------------------
 * Payload readers, used only on attributes a policy has length-checked.
 * Inline (libnl's nla_get_* are out-of-line calls) and memcpy-based, so a
 * u64 that sits 4-byte aligned, as libnl and old kernels write it, is read
 * without undefined behaviour.
 * ------------------------------------------------------------------------ */

static inline const void *attr_data(const struct nlattr *a)
{
	return (const char *)a + NLA_HDRLEN;
}

static inline int attr_len(const struct nlattr *a)
{
	return (int)a->nla_len - NLA_HDRLEN;
}

static inline uint8_t attr_u8(const struct nlattr *a)
{
	return *(const uint8_t *)attr_data(a);
}

static inline uint16_t attr_u16(const struct nlattr *a)
{
	uint16_t v;
	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

static inline uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v;
	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

static inline uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v;
	memcpy(&v, attr_data(a), sizeof(v));
	return v;
}

static inline uint32_t attr_u32_or0(const struct nlattr *a)
{
	return a ? attr_u32(a) : 0;
}

static inline uint64_t attr_u64_or0(const struct nlattr *a)
{
	return a ? attr_u64(a) : 0;
}

/* Copy a policy-checked NLA_STRING (NUL-terminated, at most cap bytes). */
static inline void attr_str(char *dst, size_t cap, const struct nlattr *a)
{
	size_t n = (size_t)attr_len(a);
	memcpy(dst, attr_data(a), n < cap ? n : cap);
	dst[cap - 1] = '\0';
}

/* The address bytes the family needs; the policy only bounds 4..16. */
static int addr_copy(union lvs_addr *dst, uint16_t af, const struct nlattr *a)
{
	int need = af == AF_INET6 ? 16 : 4;
	if (attr_len(a) < need)
		return -EPROTO;
	memcpy(dst->raw, attr_data(a), (size_t)need);
	return 0;
}

static inline bool af_known(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

/* ------------------------------------------------------------------------
 * Attribute parsing for the bulk replies (a service or dest message, its
 * nest, its stats). Same rules as libnl's genlmsg_parse / nla_parse_nested
 * with a policy: the minimum payload comes from .minlen or else the type
 * (u8/u16/u32/u64: their size, string: 1); .maxlen bounds it; an
 * NLA_STRING must end in NUL; types above maxtype are skipped; a later
 * duplicate wins; a truncated tail ends the walk. Inlined because libnl's
 * out-of-line walk (a call per nla_ok, nla_type, nla_len, nla_next) took
 * 4x the time of the rest of a dest decode (450 vs 100 ns per message).
 * ipvs_nl_check_parser lets the unit tests hold it to libnl's results.
 * ------------------------------------------------------------------------ */

/* Attribute index of one attribute stream. `seen` says which slots are valid, which
 * spares clearing the whole table for every message. */
struct attr_tab {
	uint32_t seen;
	struct nlattr *at[32];
};
_Static_assert(IPVS_SVC_ATTR_MAX < 32 && IPVS_DEST_ATTR_MAX < 32 &&
	       IPVS_STATS_ATTR_MAX < 32, "attr_tab too small");

static inline struct nlattr *attr_get(const struct attr_tab *t, int type)
{
	return (t->seen >> type) & 1 ? t->at[type] : NULL;
}

/* libnl's minimum payload per policy type (its nla_attr_minlen). */
static const uint8_t type_minlen[NLA_TYPE_MAX + 1] = {
	[NLA_U8] = 1, [NLA_U16] = 2, [NLA_U32] = 4, [NLA_U64] = 8, [NLA_STRING] = 1,
};

static inline int parse_attrs(struct attr_tab *t, int maxtype, const unsigned char *p,
			      int rem, const struct nla_policy *policy)
{
	t->seen = 0;
	while (rem >= NLA_HDRLEN) {
		struct nlattr *a = (struct nlattr *)p;
		int len = a->nla_len;
		int type = a->nla_type & NLA_TYPE_MASK;

		if (len < NLA_HDRLEN || len > rem)
			break;
		if (type <= maxtype) {
			const struct nla_policy *pt = &policy[type];
			unsigned plen = (unsigned)(len - NLA_HDRLEN);
			unsigned minlen = pt->minlen ? pt->minlen
				: pt->type <= NLA_TYPE_MAX ? type_minlen[pt->type] : 0;
			if (plen < minlen || (pt->maxlen && plen > pt->maxlen))
				return -EPROTO;
			if (pt->type == NLA_STRING && p[len - 1] != '\0')
				return -EPROTO;
			t->at[type] = a;
			t->seen |= 1u << type;
		}
		p += NLA_ALIGN(len);
		rem -= NLA_ALIGN(len);
	}
	return 0;
}

/* nla_parse_nested */
static inline int parse_nested(struct attr_tab *t, int maxtype, const struct nlattr *nest,
			       const struct nla_policy *policy)
{
	return parse_attrs(t, maxtype, attr_data(nest), attr_len(nest), policy);
}

/* genlmsg_parse with no family header: the genl header must fit in the
 * message, the attributes follow it. */
static inline int parse_msg(struct attr_tab *t, int maxtype, const struct nlmsghdr *nlh,
			    const struct nla_policy *policy)
{
	if (!nlh || nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
		return -EPROTO;
	return parse_attrs(t, maxtype, (const unsigned char *)nlh + NLMSG_LENGTH(GENL_HDRLEN),
			   (int)(nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN)), policy);
}

static int same_as_libnl(const struct attr_tab *t, int ours, struct nlattr **tb, int theirs,
			 int maxtype)
{
	if ((ours < 0) != (theirs < 0))
		return -1;
	if (ours < 0)
		return 0;
	for (int type = 0; type <= maxtype; type++)
		if (attr_get(t, type) != tb[type])
			return -1;
	return 0;
}

int ipvs_nl_check_parser(struct nlmsghdr *nlh)
{
	static const struct {
		int maxtype;
		const struct nla_policy *policy;
	} nested[] = {
		{ IPVS_SVC_ATTR_MAX, ipvs_svc_policy },
		{ IPVS_DEST_ATTR_MAX, ipvs_dest_policy },
		{ IPVS_STATS_ATTR_MAX, ipvs_stats32_policy },
		{ IPVS_STATS_ATTR_MAX, ipvs_stats64_policy },
	};
	struct nlattr *tb[32];
	struct attr_tab t;
	int ours, theirs;

	ours = parse_msg(&t, IPVS_CMD_ATTR_MAX, nlh, ipvs_cmd_policy);
	theirs = genlmsg_parse(nlh, 0, tb, IPVS_CMD_ATTR_MAX, ipvs_cmd_policy);
	if (same_as_libnl(&t, ours, tb, theirs, IPVS_CMD_ATTR_MAX))
		return -1;
	if (ours < 0)
		return 0;
	/* Every top-level attribute, read as each kind of nest we parse. */
	struct attr_tab top = t;
	for (int type = 0; type <= IPVS_CMD_ATTR_MAX; type++) {
		struct nlattr *nest = attr_get(&top, type);
		if (!nest)
			continue;
		for (size_t i = 0; i < sizeof(nested) / sizeof(nested[0]); i++) {
			ours = parse_nested(&t, nested[i].maxtype, nest, nested[i].policy);
			theirs = nla_parse_nested(tb, nested[i].maxtype, nest, nested[i].policy);
			if (same_as_libnl(&t, ours, tb, theirs, nested[i].maxtype))
				return -1;
		}
	}
	return 0;
}

/* ------------------------------------------------------------------------
 * Decoders
 * ------------------------------------------------------------------------ */

/* STATS64 when the kernel sent it (since 4.1), else the 32-bit STATS;
 * neither leaves zeros. The five counters are required, the estimator
 * rates are not. */
static int decode_stats(const struct nlattr *s64, const struct nlattr *s32,
			struct lvs_stats *st, struct lvs_kern_rates *kr)
{
	struct attr_tab tb;
	const struct nlattr *nest = s64 ? s64 : s32;

	if (!nest) {
		*st = (struct lvs_stats){ 0 };
		*kr = (struct lvs_kern_rates){ 0 };
		return 0;
	}
	if (parse_nested(&tb, IPVS_STATS_ATTR_MAX, nest,
			 s64 ? ipvs_stats64_policy : ipvs_stats32_policy) < 0)
		return -EPROTO;
	if (!attr_get(&tb, IPVS_STATS_ATTR_CONNS) || !attr_get(&tb, IPVS_STATS_ATTR_INPKTS) ||
	    !attr_get(&tb, IPVS_STATS_ATTR_OUTPKTS) || !attr_get(&tb, IPVS_STATS_ATTR_INBYTES) ||
	    !attr_get(&tb, IPVS_STATS_ATTR_OUTBYTES))
		return -EPROTO;

	st->inbytes = attr_u64(attr_get(&tb, IPVS_STATS_ATTR_INBYTES));
	st->outbytes = attr_u64(attr_get(&tb, IPVS_STATS_ATTR_OUTBYTES));
	if (s64) {
		st->conns = attr_u64(attr_get(&tb, IPVS_STATS_ATTR_CONNS));
		st->inpkts = attr_u64(attr_get(&tb, IPVS_STATS_ATTR_INPKTS));
		st->outpkts = attr_u64(attr_get(&tb, IPVS_STATS_ATTR_OUTPKTS));
		kr->cps = attr_u64_or0(attr_get(&tb, IPVS_STATS_ATTR_CPS));
		kr->inpps = attr_u64_or0(attr_get(&tb, IPVS_STATS_ATTR_INPPS));
		kr->outpps = attr_u64_or0(attr_get(&tb, IPVS_STATS_ATTR_OUTPPS));
		kr->inbps = attr_u64_or0(attr_get(&tb, IPVS_STATS_ATTR_INBPS));
		kr->outbps = attr_u64_or0(attr_get(&tb, IPVS_STATS_ATTR_OUTBPS));
	} else {
		st->conns = attr_u32(attr_get(&tb, IPVS_STATS_ATTR_CONNS));
		st->inpkts = attr_u32(attr_get(&tb, IPVS_STATS_ATTR_INPKTS));
		st->outpkts = attr_u32(attr_get(&tb, IPVS_STATS_ATTR_OUTPKTS));
		kr->cps = attr_u32_or0(attr_get(&tb, IPVS_STATS_ATTR_CPS));
		kr->inpps = attr_u32_or0(attr_get(&tb, IPVS_STATS_ATTR_INPPS));
		kr->outpps = attr_u32_or0(attr_get(&tb, IPVS_STATS_ATTR_OUTPPS));
		kr->inbps = attr_u32_or0(attr_get(&tb, IPVS_STATS_ATTR_INBPS));
		kr->outbps = attr_u32_or0(attr_get(&tb, IPVS_STATS_ATTR_OUTBPS));
	}
	return 0;
}

int ipvs_nl_decode_service(struct nlattr *attr, struct lvs_service *out)
{
	struct attr_tab tb;
	struct lvs_service svc;
	struct ip_vs_flags fl;
	int err;

	if (!attr || parse_nested(&tb, IPVS_SVC_ATTR_MAX, attr, ipvs_svc_policy) < 0)
		return -EPROTO;
	if (!attr_get(&tb, IPVS_SVC_ATTR_AF) || !attr_get(&tb, IPVS_SVC_ATTR_SCHED_NAME) ||
	    !attr_get(&tb, IPVS_SVC_ATTR_FLAGS) || !attr_get(&tb, IPVS_SVC_ATTR_TIMEOUT) ||
	    !attr_get(&tb, IPVS_SVC_ATTR_NETMASK))
		return -EPROTO;
	/* The kernel names a firewall-mark service by its mark alone. */
	if (!attr_get(&tb, IPVS_SVC_ATTR_FWMARK) &&
	    !(attr_get(&tb, IPVS_SVC_ATTR_PROTOCOL) && attr_get(&tb, IPVS_SVC_ATTR_ADDR) && attr_get(&tb, IPVS_SVC_ATTR_PORT)))
		return -EPROTO;

	memset(&svc, 0, sizeof(svc));
	svc.af = attr_u16(attr_get(&tb, IPVS_SVC_ATTR_AF));
	if (!af_known(svc.af))
		return -EPROTO;
	if (attr_get(&tb, IPVS_SVC_ATTR_FWMARK)) {
		svc.fwmark = attr_u32(attr_get(&tb, IPVS_SVC_ATTR_FWMARK));
	} else {
		svc.protocol = attr_u16(attr_get(&tb, IPVS_SVC_ATTR_PROTOCOL));
		err = addr_copy(&svc.addr, svc.af, attr_get(&tb, IPVS_SVC_ATTR_ADDR));
		if (err)
			return err;
		svc.port = ntohs(attr_u16(attr_get(&tb, IPVS_SVC_ATTR_PORT)));
	}
	attr_str(svc.sched, sizeof(svc.sched), attr_get(&tb, IPVS_SVC_ATTR_SCHED_NAME));
	if (attr_get(&tb, IPVS_SVC_ATTR_PE_NAME))
		attr_str(svc.pe_name, sizeof(svc.pe_name), attr_get(&tb, IPVS_SVC_ATTR_PE_NAME));
	memcpy(&fl, attr_data(attr_get(&tb, IPVS_SVC_ATTR_FLAGS)), sizeof(fl));
	svc.flags = fl.flags;
	svc.timeout = attr_u32(attr_get(&tb, IPVS_SVC_ATTR_TIMEOUT));
	svc.netmask = attr_u32(attr_get(&tb, IPVS_SVC_ATTR_NETMASK));
	err = decode_stats(attr_get(&tb, IPVS_SVC_ATTR_STATS64), attr_get(&tb, IPVS_SVC_ATTR_STATS),
			   &svc.stats, &svc.krates);
	if (err)
		return err;
	*out = svc;
	return 0;
}

/* ipvs_nl_decode_dest clears a real server but for its counters, which
 * decode_stats writes field by field: that holds while they are the five
 * 64-bit ones it names. */
_Static_assert(sizeof(struct lvs_stats) == 5 * sizeof(uint64_t) &&
	       sizeof(struct lvs_kern_rates) == 5 * sizeof(uint64_t),
	       "decode_stats writes five 64-bit counters per struct");
#define DEST_AFTER_COUNTERS (offsetof(struct lvs_dest, stats) + sizeof(struct lvs_stats))

int ipvs_nl_decode_dest(struct nlattr *attr, uint16_t svc_af, struct lvs_dest *out,
			struct lvs_kern_rates *kr)
{
	struct lvs_kern_rates none;
	struct attr_tab tb;
	struct nlattr *a_af, *a_addr, *a_port, *a_fwd, *a_weight;
	uint16_t af;
	int err;

	if (!attr || parse_nested(&tb, IPVS_DEST_ATTR_MAX, attr, ipvs_dest_policy) < 0)
		return -EPROTO;
	a_addr = attr_get(&tb, IPVS_DEST_ATTR_ADDR);
	a_port = attr_get(&tb, IPVS_DEST_ATTR_PORT);
	a_fwd = attr_get(&tb, IPVS_DEST_ATTR_FWD_METHOD);
	a_weight = attr_get(&tb, IPVS_DEST_ATTR_WEIGHT);
	if (!a_addr || !a_port || !a_fwd || !a_weight)
		return -EPROTO;
	/* Kernels before 3.18 send no ADDR_FAMILY: the dest then has the
	 * service's family (mixed families came with that attribute). */
	a_af = attr_get(&tb, IPVS_DEST_ATTR_ADDR_FAMILY);
	af = a_af ? attr_u16(a_af) : svc_af;
	if (!af_known(af))
		return -EPROTO;

	/* Straight into *out, no zero-and-copy: this is the hot path of a
	 * dump with thousands of real servers. Everything but the counters is
	 * cleared (so a field the kernel did not send, or one the model
	 * gains, is 0); decode_stats fills the counters whole (asserted
	 * above). */
	memset(out, 0, offsetof(struct lvs_dest, stats));
	memset((char *)out + DEST_AFTER_COUNTERS, 0, sizeof(*out) - DEST_AFTER_COUNTERS);
	err = addr_copy(&out->addr, af, a_addr);
	if (err)
		return err;
	out->af = af;
	out->port = ntohs(attr_u16(a_port));
	out->fwd = attr_u32(a_fwd) & IP_VS_CONN_F_FWD_MASK;
	out->weight = (int32_t)attr_u32(a_weight);
	out->u_thresh = attr_u32_or0(attr_get(&tb, IPVS_DEST_ATTR_U_THRESH));
	out->l_thresh = attr_u32_or0(attr_get(&tb, IPVS_DEST_ATTR_L_THRESH));
	out->active_conns = attr_u32_or0(attr_get(&tb, IPVS_DEST_ATTR_ACTIVE_CONNS));
	out->inact_conns = attr_u32_or0(attr_get(&tb, IPVS_DEST_ATTR_INACT_CONNS));
	out->persist_conns = attr_u32_or0(attr_get(&tb, IPVS_DEST_ATTR_PERSIST_CONNS));
	/* Tunnel attributes exist since 5.2; the port is network order on
	 * the wire like every IPVS port, the flags are host order. */
	struct nlattr *a_tt = attr_get(&tb, IPVS_DEST_ATTR_TUN_TYPE);
	struct nlattr *a_tp = attr_get(&tb, IPVS_DEST_ATTR_TUN_PORT);
	struct nlattr *a_tf = attr_get(&tb, IPVS_DEST_ATTR_TUN_FLAGS);
	uint8_t tt = a_tt ? attr_u8(a_tt) : 0;
	out->tun_type = tt < LVS_TUN_TYPE_OTHER ? tt : LVS_TUN_TYPE_OTHER;
	out->tun_port = a_tp ? ntohs(attr_u16(a_tp)) : 0;
	out->tun_flags = a_tf ? attr_u16(a_tf) : 0;
	return decode_stats(attr_get(&tb, IPVS_DEST_ATTR_STATS64),
			    attr_get(&tb, IPVS_DEST_ATTR_STATS), &out->stats, kr ? kr : &none);
}

int ipvs_nl_decode_daemon(struct nlattr *attr, struct lvs_daemon *out)
{
	struct nlattr *tb[IPVS_DAEMON_ATTR_MAX + 1];
	struct lvs_daemon dm;

	if (!attr || nla_parse_nested(tb, IPVS_DAEMON_ATTR_MAX, attr, ipvs_daemon_policy) < 0)
		return -EPROTO;
	if (!tb[IPVS_DAEMON_ATTR_STATE] || !tb[IPVS_DAEMON_ATTR_MCAST_IFN] ||
	    !tb[IPVS_DAEMON_ATTR_SYNC_ID])
		return -EPROTO;

	memset(&dm, 0, sizeof(dm));
	dm.state = attr_u32(tb[IPVS_DAEMON_ATTR_STATE]);
	attr_str(dm.mcast_ifn, sizeof(dm.mcast_ifn), tb[IPVS_DAEMON_ATTR_MCAST_IFN]);
	dm.syncid = attr_u32(tb[IPVS_DAEMON_ATTR_SYNC_ID]);
	if (tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN])
		dm.sync_maxlen = attr_u16(tb[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_PORT])
		dm.mcast_port = attr_u16(tb[IPVS_DAEMON_ATTR_MCAST_PORT]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_TTL])
		dm.mcast_ttl = attr_u8(tb[IPVS_DAEMON_ATTR_MCAST_TTL]);
	if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]) {
		dm.mcast_af = AF_INET6;
		memcpy(dm.mcast_group.raw, attr_data(tb[IPVS_DAEMON_ATTR_MCAST_GROUP6]), 16);
	} else if (tb[IPVS_DAEMON_ATTR_MCAST_GROUP]) {
		dm.mcast_af = AF_INET;
		memcpy(dm.mcast_group.raw, attr_data(tb[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
	}
	*out = dm;
	return 0;
}

/* The top-level attributes of one reply, behind a checked genl header. */
static int parse_reply(struct nlmsghdr *nlh, struct nlattr **tb, int maxtype,
		       const struct nla_policy *policy)
{
	if (!nlh || genlmsg_parse(nlh, 0, tb, maxtype, policy) < 0)
		return -EPROTO;
	return 0;
}

int ipvs_nl_decode_service_msg(struct nlmsghdr *nlh, struct lvs_service *out)
{
	struct attr_tab tb;
	if (parse_msg(&tb, IPVS_CMD_ATTR_MAX, nlh, ipvs_cmd_policy) < 0)
		return -EPROTO;
	return ipvs_nl_decode_service(attr_get(&tb, IPVS_CMD_ATTR_SERVICE), out);
}

int ipvs_nl_decode_dest_msg(struct nlmsghdr *nlh, uint16_t svc_af, struct lvs_dest *out,
			    struct lvs_kern_rates *kr)
{
	struct attr_tab tb;
	if (parse_msg(&tb, IPVS_CMD_ATTR_MAX, nlh, ipvs_cmd_policy) < 0)
		return -EPROTO;
	return ipvs_nl_decode_dest(attr_get(&tb, IPVS_CMD_ATTR_DEST), svc_af, out, kr);
}

/* ------------------------------------------------------------------------
 * Errors: the one place where libnl's NLE_* codes and the errno the
 * kernel put in an ack or a DONE become this module's documented codes.
 * ------------------------------------------------------------------------ */

/* kerr: positive errno from the kernel, 0 if none; nle: a libnl return
 * (negative NLE_*), used when the kernel said nothing. */
static int ipvs_nl_map_error(int nle, int kerr)
{
	if (kerr) {
		switch (kerr) {
		/* genetlink answers ENOENT for a family id that is gone
		 * (module unloaded); EOPNOTSUPP if the id now names a family
		 * without our command. Both mean: IPVS is not there. */
		case ENOENT:
		case EOPNOTSUPP:
			return -ENOENT;
		case EPERM:
		case EACCES:
			return -EPERM;
		case ENOMEM:
			return -ENOMEM;
		default:
			return -EIO;
		}
	}
	switch (nle < 0 ? -nle : nle) {
	case 0:
		return 0;
	case NLE_OBJ_NOTFOUND: /* genl_ctrl_resolve: no such family */
	case NLE_OPNOTSUPP:
		return -ENOENT;
	case NLE_PERM:
	case NLE_NOACCESS:
		return -EPERM;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_MSG_TRUNC:
	case NLE_MSG_TOOSHORT:
	case NLE_MSG_OVERFLOW:
	case NLE_RANGE:
	case NLE_INVAL:
	case NLE_ATTRSIZE:
	case NLE_PARSE_ERR:
	case NLE_MISSING_ATTR:
		return -EPROTO;
	default:
		return -EIO;
	}
}

const char *ipvs_nl_strerror(int err)
{
	switch (err) {
	case 0:
		return "success";
	case -ENOENT:
		return "IPVS is not available: the ip_vs kernel module is not loaded "
		       "or was unloaded (load it with: modprobe ip_vs)";
	case -EPERM:
		return "permission denied by IPVS: reading the table needs CAP_NET_ADMIN "
		       "(run as root or grant the capability)";
	case -EPROTO:
		return "the kernel's IPVS reply was malformed or truncated "
		       "(a kernel/lvstop mismatch: report it with the kernel version)";
	case -ENOMEM:
		return "out of memory while reading the IPVS table "
		       "(free memory and retry)";
	case -EIO:
		return "netlink communication with IPVS failed "
		       "(retry; if it persists, check the kernel log)";
	default:
		return "unexpected error talking to IPVS over netlink "
		       "(retry; if it persists, check the kernel log)";
	}
}

/* ------------------------------------------------------------------------
 * Transport
 * ------------------------------------------------------------------------ */

/* One request in flight: what to do with each reply and what happened. */
struct ipvs_nl_req {
	int (*parse)(struct ipvs_nl_req *rq, struct nlmsghdr *nlh);
	int family;
	struct lvs_snapshot *s;
	size_t svc_index; /* GET_DEST: the service the dests belong to */
	uint16_t svc_af;
	unsigned replies;
	int err;   /* first failure of our own (decode, -ENOMEM), -errno */
	int kerr;  /* errno the kernel reported, positive; 0 if none */
	bool done; /* DONE (dump) or ACK (do) seen: the exchange is over */
};

/* A decode failure does not stop reading: the rest of the dump must be
 * drained or it would answer the next request on this socket. */
static int on_valid(struct nl_msg *msg, void *arg)
{
	struct ipvs_nl_req *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	rq->replies++;
	if (rq->err)
		return NL_OK;
	if (nlh->nlmsg_type != rq->family)
		err = -EPROTO;
	else
		err = rq->parse(rq, nlh);
	if (err)
		rq->err = err;
	return NL_OK;
}

/* NLMSG_DONE may carry the dump callback's error as an int. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct ipvs_nl_req *rq = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int e;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(e))) {
		memcpy(&e, nlmsg_data(nlh), sizeof(e));
		if (e < 0 && !rq->kerr)
			rq->kerr = e > -4096 ? -e : EIO;
	}
	rq->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct ipvs_nl_req *rq = arg;
	(void)msg;
	rq->done = true;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct ipvs_nl_req *rq = arg;
	(void)who;
	rq->kerr = e->error < 0 && e->error > -4096 ? -e->error : EIO;
	rq->done = true;
	return NL_STOP;
}

/* The IPVS family id, from the controller's list of registered families.
 * Not genl_ctrl_resolve: a lookup by name makes the kernel request_module
 * the family's module (ip_vs declares MODULE_ALIAS_GENL_FAMILY), so a
 * monitor would load ip_vs as a side effect, and an unloaded ip_vs could
 * never be reported (the next poll would load it again). The list is a
 * dump, and a dump loads nothing. Only at open and after -ENOENT. */
static int resolve_family(struct nl_sock *sock)
{
	struct nl_cache *cache = NULL;
	struct genl_family *fam;
	int r;

	r = genl_ctrl_alloc_cache(sock, &cache);
	if (r < 0)
		return ipvs_nl_map_error(r, 0) == -ENOMEM ? -ENOMEM : -EIO;
	fam = genl_ctrl_search_by_name(cache, IPVS_GENL_NAME);
	if (fam) {
		r = genl_family_get_id(fam);
		genl_family_put(fam);
	} else {
		r = -ENOENT;
	}
	nl_cache_free(cache);
	return r > 0 ? r : r < 0 ? r : -EIO;
}

static void drop_socket(lvs_nl *nl)
{
	if (nl->fixed_family)
		return; /* the test seam has no socket to redo */
	nl_socket_free(nl->sock);
	nl->sock = NULL;
	nl->family = 0;
}

/* Connect and resolve as needed: first use, after a transport failure,
 * after the family vanished. */
static int ipvs_nl_ready(lvs_nl *nl)
{
	int r;

	if (!nl->sock) {
		nl->sock = nl_socket_alloc();
		if (!nl->sock)
			return -ENOMEM;
		r = genl_connect(nl->sock);
		if (r < 0) {
			drop_socket(nl);
			return ipvs_nl_map_error(r, 0) == -ENOMEM ? -ENOMEM : -EIO;
		}
		nl->family = 0;
		/* A reply is read in one recvmsg into a buffer larger than
		 * any the kernel makes (a dump's skb is at most 32 KiB), not
		 * peeked at first for its size: a dump of the real servers
		 * runs per service, and the peek doubled its system calls. */
		nl_socket_disable_msg_peek(nl->sock);
		if (nl_socket_set_msg_buf_size(nl->sock, IPVS_NL_RECV_BUF) < 0) {
			drop_socket(nl);
			return -EIO;
		}
	}
	if (nl->family > 0)
		return 0;
	if (nl->fixed_family) {
		nl->family = nl->fixed_family;
		return 0;
	}
	r = resolve_family(nl->sock);
	if (r < 0) {
		if (r != -ENOENT)
			drop_socket(nl);
		return r;
	}
	nl->family = r;
	return 0;
}

/* Send msg and read until the exchange ends (DONE for a dump, the ACK for
 * a do: nl_send_auto asks for one) or fails. */
static int ipvs_nl_talk(lvs_nl *nl, struct nl_msg *msg, struct ipvs_nl_req *rq)
{
	int r;

	nl_cb_set(nl->cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, rq);
	nl_cb_set(nl->cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, rq);
	nl_cb_set(nl->cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, rq);
	nl_cb_err(nl->cb, NL_CB_CUSTOM, on_error, rq);

	r = nl_send_auto(nl->sock, msg);
	if (r < 0)
		goto transport;
	while (!rq->done) {
		r = nl_recvmsgs_report(nl->sock, nl->cb);
		if (rq->kerr)
			break; /* the kernel ended the exchange with an error */
		if (r < 0)
			goto transport;
		if (r == 0) { /* nothing read, yet not finished: EOF */
			r = -NLE_FAILURE;
			goto transport;
		}
	}
	if (rq->kerr) {
		r = ipvs_nl_map_error(0, rq->kerr);
		if (r == -ENOENT)
			nl->family = 0; /* re-resolve next time */
		return r;
	}
	return rq->err;

transport:
	/* Unread replies may be left on the socket: start afresh next call. */
	r = ipvs_nl_map_error(r, 0);
	drop_socket(nl);
	return r;
}

/* The identity the kernel's GET_DEST needs: AF plus FWMARK, or
 * PROTOCOL + ADDR + PORT (port back in network order). */
static int put_service_id(struct nl_msg *msg, const struct lvs_service *svc)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);

	if (!nest || nla_put_u16(msg, IPVS_SVC_ATTR_AF, svc->af) < 0)
		return -ENOMEM;
	if (svc->fwmark) {
		if (nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, svc->fwmark) < 0)
			return -ENOMEM;
	} else if (nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, svc->protocol) < 0 ||
		   nla_put(msg, IPVS_SVC_ATTR_ADDR, sizeof(svc->addr), &svc->addr) < 0 ||
		   nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(svc->port)) < 0) {
		return -ENOMEM;
	}
	nla_nest_end(msg, nest);
	return 0;
}

/* Build one IPVS request (a dump when dump is set), send it, collect the
 * replies through rq->parse. */
static int ipvs_nl_request(lvs_nl *nl, uint8_t cmd, bool dump,
			   const struct lvs_service *svc, struct ipvs_nl_req *rq)
{
	struct nl_msg *msg = NULL;
	int err;

	err = ipvs_nl_ready(nl);
	if (err)
		return err;
	err = -ENOMEM;
	msg = nlmsg_alloc();
	if (!msg)
		goto out;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 dump ? NLM_F_DUMP : 0, cmd, IPVS_GENL_VERSION))
		goto out;
	if (svc && (err = put_service_id(msg, svc)) != 0)
		goto out;
	rq->family = nl->family;
	err = ipvs_nl_talk(nl, msg, rq);
out:
	nlmsg_free(msg);
	return err;
}

/* ------------------------------------------------------------------------
 * Handle
 * ------------------------------------------------------------------------ */

static lvs_nl *ipvs_nl_alloc(void)
{
	lvs_nl *nl = calloc(1, sizeof(*nl));
	if (!nl)
		return NULL;
	nl->cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!nl->cb) {
		free(nl);
		return NULL;
	}
	return nl;
}

int ipvs_nl_open(lvs_nl **out)
{
	lvs_nl *nl = ipvs_nl_alloc();
	int err;

	if (!nl)
		return -ENOMEM;
	err = ipvs_nl_ready(nl);
	if (err) {
		ipvs_nl_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

int ipvs_nl_open_transport(lvs_nl **out, int family,
			   int (*send_fn)(struct nl_sock *, struct nl_msg *),
			   int (*recv_fn)(struct nl_sock *, struct sockaddr_nl *,
					  unsigned char **, struct ucred **))
{
	lvs_nl *nl;

	if (family <= 0 || !send_fn || !recv_fn)
		return -EINVAL;
	nl = ipvs_nl_alloc();
	if (!nl)
		return -ENOMEM;
	nl->sock = nl_socket_alloc();
	if (!nl->sock) {
		ipvs_nl_close(nl);
		return -ENOMEM;
	}
	/* nl_send goes through the socket's callbacks, nl_recvmsgs through
	 * ours. nl_socket_get_cb hands out a reference. */
	struct nl_cb *scb = nl_socket_get_cb(nl->sock);
	nl_cb_overwrite_send(scb, send_fn);
	nl_cb_put(scb);
	nl_cb_overwrite_recv(nl->cb, recv_fn);
	nl->fixed_family = family;
	nl->family = family;
	*out = nl;
	return 0;
}

void ipvs_nl_close(lvs_nl *nl)
{
	if (!nl)
		return;
	nl_socket_free(nl->sock);
	nl_cb_put(nl->cb);
	free(nl);
}

/* ------------------------------------------------------------------------
 * Requests
 * ------------------------------------------------------------------------ */

static int parse_info(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IPVS_INFO_ATTR_MAX + 1];
	int err = parse_reply(nlh, tb, IPVS_INFO_ATTR_MAX, ipvs_info_policy);
	if (err)
		return err;
	if (!tb[IPVS_INFO_ATTR_VERSION] || !tb[IPVS_INFO_ATTR_CONN_TAB_SIZE])
		return -EPROTO;
	rq->s->version = attr_u32(tb[IPVS_INFO_ATTR_VERSION]);
	rq->s->conn_tab_size = attr_u32(tb[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return 0;
}

int ipvs_nl_get_info(lvs_nl *nl, struct lvs_snapshot *s)
{
	struct ipvs_nl_req rq = { .parse = parse_info, .s = s };
	int err = ipvs_nl_request(nl, IPVS_CMD_GET_INFO, false, NULL, &rq);
	if (!err && rq.replies == 0)
		err = -EPROTO; /* acked without an answer */
	return err;
}

static int parse_config(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	int err = parse_reply(nlh, tb, IPVS_CMD_ATTR_MAX, ipvs_cmd_policy);
	if (err)
		return err;
	rq->s->timeout_tcp = attr_u32_or0(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	rq->s->timeout_tcpfin = attr_u32_or0(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	rq->s->timeout_udp = attr_u32_or0(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}

int ipvs_nl_get_timeouts(lvs_nl *nl, struct lvs_snapshot *s)
{
	struct ipvs_nl_req rq = { .parse = parse_config, .s = s };
	int err = ipvs_nl_request(nl, IPVS_CMD_GET_CONFIG, false, NULL, &rq);
	if (!err && rq.replies == 0)
		err = -EPROTO;
	return err;
}

static int parse_daemon(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	struct lvs_snapshot *s = rq->s;
	int err = parse_reply(nlh, tb, IPVS_CMD_ATTR_MAX, ipvs_cmd_policy);
	if (err)
		return err;
	if (!tb[IPVS_CMD_ATTR_DAEMON])
		return -EPROTO;
	/* One master and one backup at most. */
	if (s->n_daemons >= sizeof(s->daemons) / sizeof(s->daemons[0]))
		return -EPROTO;
	err = ipvs_nl_decode_daemon(tb[IPVS_CMD_ATTR_DAEMON], &s->daemons[s->n_daemons]);
	if (err)
		return err;
	s->n_daemons++;
	return 0;
}

int ipvs_nl_get_daemons(lvs_nl *nl, struct lvs_snapshot *s)
{
	struct ipvs_nl_req rq = { .parse = parse_daemon, .s = s };
	s->n_daemons = 0;
	return ipvs_nl_request(nl, IPVS_CMD_GET_DAEMON, true, NULL, &rq);
}

static int parse_service(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	struct lvs_service svc;
	int err = ipvs_nl_decode_service_msg(nlh, &svc);
	if (err)
		return err;
	return snapshot_add_service(rq->s, &svc);
}

static int parse_dest(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	struct lvs_dest d;
	struct lvs_kern_rates kr;
	int err = ipvs_nl_decode_dest_msg(nlh, rq->svc_af, &d, &kr);
	if (err)
		return err;
	return snapshot_add_dest_rates(rq->s, rq->svc_index, &d, &kr);
}

int ipvs_nl_dump(lvs_nl *nl, struct lvs_snapshot *s)
{
	struct ipvs_nl_req rq = { .parse = parse_service, .s = s };
	size_t first = s->n_services;
	int err;

	err = ipvs_nl_request(nl, IPVS_CMD_GET_SERVICE, true, NULL, &rq);
	if (err)
		return err;
	for (size_t i = first; i < s->n_services; i++) {
		const struct lvs_service *svc = &s->services[i];
		struct ipvs_nl_req drq = {
			.parse = parse_dest, .s = s, .svc_index = i, .svc_af = svc->af,
		};
		err = ipvs_nl_request(nl, IPVS_CMD_GET_DEST, true, svc, &drq);
		if (err)
			return err;
	}
	snapshot_finish(s);
	return 0;
}

int ipvs_nl_read_all(lvs_nl *nl, struct lvs_snapshot *s)
{
	int err;

	if ((err = ipvs_nl_get_info(nl, s)) != 0 ||
	    (err = ipvs_nl_get_timeouts(nl, s)) != 0 ||
	    (err = ipvs_nl_get_daemons(nl, s)) != 0 ||
	    (err = ipvs_nl_dump(nl, s)) != 0)
		return err;
	return 0;
}

/* ------------------------------------------------------------------------
 * Writing. One message per change, built with nested attributes and one
 * failure label; the kernel's errno comes back unchanged (its meaning
 * depends on the command, see the header).
 * ------------------------------------------------------------------------ */

/* The service nest: identity always, the settings when full. */
static int put_service(struct nl_msg *msg, const struct lvs_service *svc, bool full)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE);

	if (!nest)
		goto nla_put_failure;
	NLA_PUT_U16(msg, IPVS_SVC_ATTR_AF, svc->af);
	if (svc->fwmark) {
		NLA_PUT_U32(msg, IPVS_SVC_ATTR_FWMARK, svc->fwmark);
	} else {
		NLA_PUT_U16(msg, IPVS_SVC_ATTR_PROTOCOL, svc->protocol);
		NLA_PUT(msg, IPVS_SVC_ATTR_ADDR, sizeof(svc->addr), &svc->addr);
		NLA_PUT_U16(msg, IPVS_SVC_ATTR_PORT, htons(svc->port));
	}
	if (full) {
		struct ip_vs_flags fl = {
			.flags = svc->flags & ~(uint32_t)IP_VS_SVC_F_HASHED,
			.mask = ~0u,
		};
		NLA_PUT_STRING(msg, IPVS_SVC_ATTR_SCHED_NAME, svc->sched);
		if (svc->pe_name[0])
			NLA_PUT_STRING(msg, IPVS_SVC_ATTR_PE_NAME, svc->pe_name);
		NLA_PUT(msg, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		NLA_PUT_U32(msg, IPVS_SVC_ATTR_TIMEOUT, svc->timeout);
		NLA_PUT_U32(msg, IPVS_SVC_ATTR_NETMASK, svc->netmask);
	}
	nla_nest_end(msg, nest);
	return 0;
nla_put_failure:
	return -ENOMEM;
}

static int put_dest(struct nl_msg *msg, const struct lvs_dest *d, bool full)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST);

	if (!nest)
		goto nla_put_failure;
	NLA_PUT_U16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, d->af);
	NLA_PUT(msg, IPVS_DEST_ATTR_ADDR, sizeof(d->addr), &d->addr);
	NLA_PUT_U16(msg, IPVS_DEST_ATTR_PORT, htons(d->port));
	if (full) {
		NLA_PUT_U32(msg, IPVS_DEST_ATTR_FWD_METHOD, d->fwd & IP_VS_CONN_F_FWD_MASK);
		NLA_PUT_U32(msg, IPVS_DEST_ATTR_WEIGHT, (uint32_t)d->weight);
		NLA_PUT_U32(msg, IPVS_DEST_ATTR_U_THRESH, d->u_thresh);
		NLA_PUT_U32(msg, IPVS_DEST_ATTR_L_THRESH, d->l_thresh);
		NLA_PUT_U8(msg, IPVS_DEST_ATTR_TUN_TYPE, d->tun_type);
		NLA_PUT_U16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port));
		NLA_PUT_U16(msg, IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags);
	}
	nla_nest_end(msg, nest);
	return 0;
nla_put_failure:
	return -ENOMEM;
}

static int put_daemon(struct nl_msg *msg, const struct lvs_daemon *dm, bool full)
{
	struct nlattr *nest = nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON);

	if (!nest)
		goto nla_put_failure;
	NLA_PUT_U32(msg, IPVS_DAEMON_ATTR_STATE, dm->state);
	if (full) {
		NLA_PUT_STRING(msg, IPVS_DAEMON_ATTR_MCAST_IFN, dm->mcast_ifn);
		NLA_PUT_U32(msg, IPVS_DAEMON_ATTR_SYNC_ID, dm->syncid);
		if (dm->sync_maxlen)
			NLA_PUT_U16(msg, IPVS_DAEMON_ATTR_SYNC_MAXLEN, dm->sync_maxlen);
		if (dm->mcast_af == AF_INET)
			NLA_PUT(msg, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, dm->mcast_group.raw);
		else if (dm->mcast_af == AF_INET6)
			NLA_PUT(msg, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, dm->mcast_group.raw);
		if (dm->mcast_port)
			NLA_PUT_U16(msg, IPVS_DAEMON_ATTR_MCAST_PORT, dm->mcast_port);
		if (dm->mcast_ttl)
			NLA_PUT_U8(msg, IPVS_DAEMON_ATTR_MCAST_TTL, dm->mcast_ttl);
	}
	nla_nest_end(msg, nest);
	return 0;
nla_put_failure:
	return -ENOMEM;
}

/* What one write carries; NULL members are not sent. */
struct ipvs_nl_write_req {
	const struct lvs_service *svc;
	bool svc_full;
	const struct lvs_dest *dest;
	bool dest_full;
	const struct lvs_daemon *dm;
	bool dm_full;
	const uint32_t *timeouts; /* tcp, tcpfin, udp */
};

static int parse_nothing(struct ipvs_nl_req *rq, struct nlmsghdr *nlh)
{
	(void)rq;
	(void)nlh;
	return 0; /* a do-command answers with its ack only */
}

static int build_write(struct nl_msg *msg, int family, uint8_t cmd,
		       const struct ipvs_nl_write_req *w)
{
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, cmd, IPVS_GENL_VERSION))
		goto nla_put_failure;
	if (w->svc && put_service(msg, w->svc, w->svc_full) < 0)
		goto nla_put_failure;
	if (w->dest && put_dest(msg, w->dest, w->dest_full) < 0)
		goto nla_put_failure;
	if (w->dm && put_daemon(msg, w->dm, w->dm_full) < 0)
		goto nla_put_failure;
	if (w->timeouts) {
		NLA_PUT_U32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP, w->timeouts[0]);
		NLA_PUT_U32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, w->timeouts[1]);
		NLA_PUT_U32(msg, IPVS_CMD_ATTR_TIMEOUT_UDP, w->timeouts[2]);
	}
	return 0;
nla_put_failure:
	return -ENOMEM;
}

static int ipvs_nl_write(lvs_nl *nl, uint8_t cmd, const struct ipvs_nl_write_req *w)
{
	/* Twice at most: a stale family id (ip_vs reloaded since the handle
	 * resolved it) also comes back as ENOENT, which for these commands
	 * means something else; re-resolving tells the two apart. */
	for (int attempt = 0; attempt < 2; attempt++) {
		struct ipvs_nl_req rq = { .parse = parse_nothing };
		struct nl_msg *msg;
		int used, err;

		err = ipvs_nl_ready(nl);
		if (err)
			return err == -ENOENT ? -ENOPKG : err;
		used = nl->family;
		msg = nlmsg_alloc();
		if (!msg)
			return -ENOMEM;
		err = build_write(msg, used, cmd, w);
		if (!err) {
			rq.family = used;
			err = ipvs_nl_talk(nl, msg, &rq);
		}
		nlmsg_free(msg);
		if (!rq.kerr)
			return err;
		if (rq.kerr == EACCES)
			return -EPERM;
		if (rq.kerr == ENOENT || rq.kerr == EOPNOTSUPP) {
			/* ipvs_nl_talk forgot the family: look again. */
			int r = ipvs_nl_ready(nl);
			if (r == -ENOENT)
				return -ENOPKG;
			if (r)
				return r;
			if (nl->family != used && attempt == 0)
				continue;
		}
		return -rq.kerr;
	}
	return -EIO;
}

int ipvs_nl_new_service(lvs_nl *nl, const struct lvs_service *svc)
{
	struct ipvs_nl_write_req w = { .svc = svc, .svc_full = true };
	return ipvs_nl_write(nl, IPVS_CMD_NEW_SERVICE, &w);
}

int ipvs_nl_set_service(lvs_nl *nl, const struct lvs_service *svc)
{
	struct ipvs_nl_write_req w = { .svc = svc, .svc_full = true };
	return ipvs_nl_write(nl, IPVS_CMD_SET_SERVICE, &w);
}

int ipvs_nl_del_service(lvs_nl *nl, const struct lvs_service *svc)
{
	struct ipvs_nl_write_req w = { .svc = svc };
	return ipvs_nl_write(nl, IPVS_CMD_DEL_SERVICE, &w);
}

int ipvs_nl_new_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d)
{
	struct ipvs_nl_write_req w = { .svc = svc, .dest = d, .dest_full = true };
	return ipvs_nl_write(nl, IPVS_CMD_NEW_DEST, &w);
}

int ipvs_nl_set_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d)
{
	struct ipvs_nl_write_req w = { .svc = svc, .dest = d, .dest_full = true };
	return ipvs_nl_write(nl, IPVS_CMD_SET_DEST, &w);
}

int ipvs_nl_del_dest(lvs_nl *nl, const struct lvs_service *svc, const struct lvs_dest *d)
{
	struct ipvs_nl_write_req w = { .svc = svc, .dest = d };
	return ipvs_nl_write(nl, IPVS_CMD_DEL_DEST, &w);
}

int ipvs_nl_zero(lvs_nl *nl, const struct lvs_service *svc)
{
	struct ipvs_nl_write_req w = { .svc = svc };
	return ipvs_nl_write(nl, IPVS_CMD_ZERO, &w);
}

int ipvs_nl_flush(lvs_nl *nl)
{
	struct ipvs_nl_write_req w = { 0 };
	return ipvs_nl_write(nl, IPVS_CMD_FLUSH, &w);
}

int ipvs_nl_set_timeouts(lvs_nl *nl, uint32_t tcp, uint32_t tcpfin, uint32_t udp)
{
	uint32_t t[3] = { tcp, tcpfin, udp };
	struct ipvs_nl_write_req w = { .timeouts = t };
	return ipvs_nl_write(nl, IPVS_CMD_SET_CONFIG, &w);
}

int ipvs_nl_new_daemon(lvs_nl *nl, const struct lvs_daemon *dm)
{
	struct ipvs_nl_write_req w = { .dm = dm, .dm_full = true };
	return ipvs_nl_write(nl, IPVS_CMD_NEW_DAEMON, &w);
}

int ipvs_nl_del_daemon(lvs_nl *nl, const struct lvs_daemon *dm)
{
	struct ipvs_nl_write_req w = { .dm = dm };
	return ipvs_nl_write(nl, IPVS_CMD_DEL_DAEMON, &w);
}
