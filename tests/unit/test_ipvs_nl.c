/* The IPVS netlink reader: decoders fed with messages built by libnl the
 * way the kernel's ip_vs_ctl.c builds them, and whole exchanges (dumps,
 * acks, errors) played by a scripted fake kernel behind libnl's send and
 * receive hooks. The real kernel is exercised in the lab. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "collector/ipvs_nl.h"
#include "collector/names.h"
#include "collector/snapshot.h"

#define FAMILY 0x1d

/* ---------------------------------------------------------------------
 * Message builders
 * --------------------------------------------------------------------- */

enum { ST_NONE = 0, ST_32 = 1, ST_64 = 2 };

/* Stats values: 32-bit STATS get base + type, STATS64 get 2^40 + base +
 * type, so a test can tell which one the decoder used. */
static void put_stats(struct nl_msg *m, int container, int wide, uint64_t base)
{
	struct nlattr *n = nla_nest_start(m, container);
	for (int a = IPVS_STATS_ATTR_CONNS; a <= IPVS_STATS_ATTR_OUTBPS; a++) {
		if (wide)
			nla_put_u64(m, a, (1ull << 40) + base + (uint64_t)a);
		else if (a == IPVS_STATS_ATTR_INBYTES || a == IPVS_STATS_ATTR_OUTBYTES)
			nla_put_u64(m, a, (1ull << 33) + base + (uint64_t)a);
		else
			nla_put_u32(m, a, (uint32_t)(base + (uint64_t)a));
	}
	nla_nest_end(m, n);
}

struct svc_spec {
	uint16_t af;
	uint16_t protocol;
	const char *addr; /* text; NULL for a fwmark service */
	int addr_len;     /* bytes put on the wire (the kernel: 16) */
	uint16_t port;    /* host order */
	uint32_t fwmark;
	const char *sched;
	const char *pe;
	uint32_t flags;
	int flags_len; /* the kernel: sizeof(struct ip_vs_flags) */
	uint32_t timeout, netmask;
	int stats;     /* ST_* bits */
	uint32_t omit; /* 1 << IPVS_SVC_ATTR_* left out */
};

static struct nl_msg *new_reply(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(genlmsg_put(m, 0, 0, FAMILY, 0, NLM_F_MULTI, cmd,
						 IPVS_GENL_VERSION));
	return m;
}

static void put_addr(struct nl_msg *m, int type, uint16_t af, const char *text, int len)
{
	unsigned char raw[32] = { 0 };
	CU_ASSERT_EQUAL_FATAL(inet_pton(af, text, raw), 1);
	nla_put(m, type, len, raw);
}

static void fill_service(struct nl_msg *m, const struct svc_spec *sp)
{
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
#define KEEP(a) (!(sp->omit & (1u << (a))))
	if (KEEP(IPVS_SVC_ATTR_AF))
		nla_put_u16(m, IPVS_SVC_ATTR_AF, sp->af);
	if (sp->fwmark) {
		if (KEEP(IPVS_SVC_ATTR_FWMARK))
			nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, sp->fwmark);
	} else {
		if (KEEP(IPVS_SVC_ATTR_PROTOCOL))
			nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, sp->protocol);
		if (KEEP(IPVS_SVC_ATTR_ADDR))
			put_addr(m, IPVS_SVC_ATTR_ADDR, sp->af, sp->addr, sp->addr_len);
		if (KEEP(IPVS_SVC_ATTR_PORT))
			nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(sp->port));
	}
	if (KEEP(IPVS_SVC_ATTR_SCHED_NAME))
		nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, sp->sched);
	if (sp->pe)
		nla_put_string(m, IPVS_SVC_ATTR_PE_NAME, sp->pe);
	if (KEEP(IPVS_SVC_ATTR_FLAGS)) {
		struct { struct ip_vs_flags f; uint32_t extra; } fl = { { sp->flags, ~0u }, 0 };
		nla_put(m, IPVS_SVC_ATTR_FLAGS, sp->flags_len, &fl);
	}
	if (KEEP(IPVS_SVC_ATTR_TIMEOUT))
		nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, sp->timeout);
	if (KEEP(IPVS_SVC_ATTR_NETMASK))
		nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, sp->netmask);
#undef KEEP
	if (sp->stats & ST_32)
		put_stats(m, IPVS_SVC_ATTR_STATS, 0, 100);
	if (sp->stats & ST_64)
		put_stats(m, IPVS_SVC_ATTR_STATS64, 1, 100);
	nla_nest_end(m, n);
}

static struct nl_msg *build_service(const struct svc_spec *sp)
{
	struct nl_msg *m = new_reply(IPVS_CMD_NEW_SERVICE);
	fill_service(m, sp);
	return m;
}

static const struct svc_spec svc_tcp4 = {
	.af = AF_INET, .protocol = IPPROTO_TCP, .addr = "192.0.2.10", .addr_len = 16,
	.port = 80, .sched = "wlc", .flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED,
	.flags_len = sizeof(struct ip_vs_flags), .timeout = 300, .netmask = 0xffffffff,
	.stats = ST_32 | ST_64,
};

struct dest_spec {
	int has_af;
	uint16_t af;
	const char *addr;
	int addr_len;
	uint16_t port;
	uint32_t fwd; /* raw conn_flags as put */
	uint32_t weight;
	int tunnel;   /* put TUN_* */
	uint8_t tun_type;
	uint16_t tun_port, tun_flags;
	int stats;
	uint32_t omit;
};

static void fill_dest(struct nl_msg *m, const struct dest_spec *dp)
{
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
#define KEEP(a) (!(dp->omit & (1u << (a))))
	if (KEEP(IPVS_DEST_ATTR_ADDR))
		put_addr(m, IPVS_DEST_ATTR_ADDR, dp->af, dp->addr, dp->addr_len);
	if (KEEP(IPVS_DEST_ATTR_PORT))
		nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(dp->port));
	if (KEEP(IPVS_DEST_ATTR_FWD_METHOD))
		nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, dp->fwd);
	if (KEEP(IPVS_DEST_ATTR_WEIGHT))
		nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, dp->weight);
#undef KEEP
	if (dp->tunnel) {
		nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, dp->tun_type);
		nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(dp->tun_port));
		nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, dp->tun_flags);
	}
	nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, 1000);
	nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, 10);
	nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, 7);
	nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, 8);
	nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, 9);
	if (dp->has_af)
		nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, dp->af);
	if (dp->stats & ST_32)
		put_stats(m, IPVS_DEST_ATTR_STATS, 0, 200);
	if (dp->stats & ST_64)
		put_stats(m, IPVS_DEST_ATTR_STATS64, 1, 200);
	nla_nest_end(m, n);
}

static struct nl_msg *build_dest(const struct dest_spec *dp)
{
	struct nl_msg *m = new_reply(IPVS_CMD_NEW_DEST);
	fill_dest(m, dp);
	return m;
}

static const struct dest_spec dest_v4 = {
	.has_af = 1, .af = AF_INET, .addr = "10.0.0.2", .addr_len = 16, .port = 8080,
	.fwd = IP_VS_CONN_F_MASQ, .weight = 3, .stats = ST_32 | ST_64,
};

/* The message in a buffer of exactly its length, so that ASan sees any
 * read past the end (libnl's buffers are a page long). Free with free(). */
static struct nlmsghdr *exact_copy(struct nl_msg *m, size_t len)
{
	struct nlmsghdr *h = malloc(len ? len : 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	memcpy(h, nlmsg_hdr(m), len);
	if (len >= sizeof(h->nlmsg_len))
		h->nlmsg_len = (uint32_t)len;
	return h;
}

static int decode_svc(struct nl_msg *m, struct lvs_service *out)
{
	struct nlmsghdr *h = exact_copy(m, nlmsg_hdr(m)->nlmsg_len);
	int r = ipvs_nl_decode_service_msg(h, out);
	CU_ASSERT_EQUAL(ipvs_nl_check_parser(h), 0);
	free(h);
	nlmsg_free(m);
	return r;
}

static int decode_dst_kr(struct nl_msg *m, uint16_t svc_af, struct lvs_dest *out,
			 struct lvs_kern_rates *kr)
{
	struct nlmsghdr *h = exact_copy(m, nlmsg_hdr(m)->nlmsg_len);
	int r = ipvs_nl_decode_dest_msg(h, svc_af, out, kr);
	CU_ASSERT_EQUAL(ipvs_nl_check_parser(h), 0);
	free(h);
	nlmsg_free(m);
	return r;
}

static int decode_dst(struct nl_msg *m, uint16_t svc_af, struct lvs_dest *out)
{
	return decode_dst_kr(m, svc_af, out, NULL);
}

static void assert_stats64(const struct lvs_stats *st, const struct lvs_kern_rates *kr,
			   uint64_t base)
{
	uint64_t w = (1ull << 40) + base;
	CU_ASSERT_EQUAL(st->conns, w + IPVS_STATS_ATTR_CONNS);
	CU_ASSERT_EQUAL(st->inpkts, w + IPVS_STATS_ATTR_INPKTS);
	CU_ASSERT_EQUAL(st->outpkts, w + IPVS_STATS_ATTR_OUTPKTS);
	CU_ASSERT_EQUAL(st->inbytes, w + IPVS_STATS_ATTR_INBYTES);
	CU_ASSERT_EQUAL(st->outbytes, w + IPVS_STATS_ATTR_OUTBYTES);
	CU_ASSERT_EQUAL(kr->cps, w + IPVS_STATS_ATTR_CPS);
	CU_ASSERT_EQUAL(kr->inpps, w + IPVS_STATS_ATTR_INPPS);
	CU_ASSERT_EQUAL(kr->outpps, w + IPVS_STATS_ATTR_OUTPPS);
	CU_ASSERT_EQUAL(kr->inbps, w + IPVS_STATS_ATTR_INBPS);
	CU_ASSERT_EQUAL(kr->outbps, w + IPVS_STATS_ATTR_OUTBPS);
}

static void assert_stats32(const struct lvs_stats *st, const struct lvs_kern_rates *kr,
			   uint64_t base)
{
	CU_ASSERT_EQUAL(st->conns, base + IPVS_STATS_ATTR_CONNS);
	CU_ASSERT_EQUAL(st->inpkts, base + IPVS_STATS_ATTR_INPKTS);
	CU_ASSERT_EQUAL(st->outpkts, base + IPVS_STATS_ATTR_OUTPKTS);
	CU_ASSERT_EQUAL(st->inbytes, (1ull << 33) + base + IPVS_STATS_ATTR_INBYTES);
	CU_ASSERT_EQUAL(st->outbytes, (1ull << 33) + base + IPVS_STATS_ATTR_OUTBYTES);
	CU_ASSERT_EQUAL(kr->cps, base + IPVS_STATS_ATTR_CPS);
	CU_ASSERT_EQUAL(kr->inpps, base + IPVS_STATS_ATTR_INPPS);
	CU_ASSERT_EQUAL(kr->outpps, base + IPVS_STATS_ATTR_OUTPPS);
	CU_ASSERT_EQUAL(kr->inbps, base + IPVS_STATS_ATTR_INBPS);
	CU_ASSERT_EQUAL(kr->outbps, base + IPVS_STATS_ATTR_OUTBPS);
}

static int addr_is(uint16_t af, const union lvs_addr *a, const char *text)
{
	union lvs_addr want;
	memset(&want, 0, sizeof(want));
	if (inet_pton(af, text, &want) != 1)
		return 0;
	return memcmp(&want, a, sizeof(want)) == 0;
}

/* ---------------------------------------------------------------------
 * Service decoding
 * --------------------------------------------------------------------- */

static void test_service_tcp4(void)
{
	struct lvs_service s;
	memset(&s, 0xa5, sizeof(s)); /* every field must be overwritten */
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&svc_tcp4), &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_TCP);
	CU_ASSERT(addr_is(AF_INET, &s.addr, "192.0.2.10"));
	CU_ASSERT_EQUAL(s.port, 80);
	CU_ASSERT_EQUAL(s.fwmark, 0);
	CU_ASSERT_STRING_EQUAL(s.sched, "wlc");
	CU_ASSERT_STRING_EQUAL(s.pe_name, "");
	CU_ASSERT_EQUAL(s.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED);
	CU_ASSERT_EQUAL(s.timeout, 300);
	CU_ASSERT_EQUAL(s.netmask, 0xffffffff);
	assert_stats64(&s.stats, &s.krates, 100); /* STATS64 preferred over STATS */
	CU_ASSERT_PTR_NULL(s.dests);
	CU_ASSERT_EQUAL(s.n_dests, 0);
	CU_ASSERT_FALSE(s.rates_valid);
	CU_ASSERT_EQUAL(s.rates.cps, 0.0);
}

static void test_service_ipv6(void)
{
	struct svc_spec sp = svc_tcp4;
	struct lvs_service s;
	sp.af = AF_INET6;
	sp.addr = "2001:db8::1";
	sp.port = 443;
	sp.sched = "sh";
	sp.pe = "sip";
	sp.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED_SH_PORT;
	sp.netmask = 64; /* an IPv6 persistence netmask is a prefix length */
	sp.stats = ST_64;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET6);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_TCP);
	CU_ASSERT(addr_is(AF_INET6, &s.addr, "2001:db8::1"));
	CU_ASSERT_EQUAL(s.port, 443);
	CU_ASSERT_STRING_EQUAL(s.sched, "sh");
	CU_ASSERT_STRING_EQUAL(s.pe_name, "sip");
	CU_ASSERT_EQUAL(s.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED_SH_PORT);
	CU_ASSERT_EQUAL(s.netmask, 64);
	assert_stats64(&s.stats, &s.krates, 100);
}

static void test_service_fwmark(void)
{
	struct svc_spec sp = svc_tcp4;
	struct lvs_service s;
	sp.fwmark = 42;
	sp.sched = "rr";
	sp.flags = IP_VS_SVC_F_HASHED;
	sp.timeout = 0;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET);
	CU_ASSERT_EQUAL(s.fwmark, 42);
	CU_ASSERT_EQUAL(s.protocol, 0);
	CU_ASSERT_EQUAL(s.port, 0);
	CU_ASSERT(addr_is(AF_INET, &s.addr, "0.0.0.0"));
	CU_ASSERT_STRING_EQUAL(s.sched, "rr");
	CU_ASSERT_EQUAL(s.flags, IP_VS_SVC_F_HASHED);
	CU_ASSERT_EQUAL(s.timeout, 0);

	/* An IPv6 firewall-mark service. */
	sp.af = AF_INET6;
	sp.fwmark = 0x10001;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET6);
	CU_ASSERT_EQUAL(s.fwmark, 0x10001);
	CU_ASSERT_EQUAL(s.protocol, 0);
}

static void test_service_udp_sctp(void)
{
	struct svc_spec sp = svc_tcp4;
	struct lvs_service s;
	sp.protocol = IPPROTO_UDP;
	sp.addr = "198.51.100.53";
	sp.port = 53;
	sp.flags = IP_VS_SVC_F_ONEPACKET;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_UDP);
	CU_ASSERT(addr_is(AF_INET, &s.addr, "198.51.100.53"));
	CU_ASSERT_EQUAL(s.port, 53);
	CU_ASSERT_EQUAL(s.flags, IP_VS_SVC_F_ONEPACKET);

	sp.protocol = IPPROTO_SCTP;
	sp.port = 3868;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_SCTP);
	CU_ASSERT_EQUAL(s.port, 3868);
}

static void test_service_stats32_fallback(void)
{
	struct svc_spec sp = svc_tcp4;
	struct lvs_service s;
	sp.stats = ST_32; /* a kernel before STATS64 */
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	assert_stats32(&s.stats, &s.krates, 100);

	sp.stats = ST_NONE; /* no stats at all: zeros, not an error */
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT_EQUAL(s.stats.conns, 0);
	CU_ASSERT_EQUAL(s.stats.outbytes, 0);
	CU_ASSERT_EQUAL(s.krates.outbps, 0);
}

static void test_service_ipv4_short_addr(void)
{
	/* Four bytes are enough for IPv4 (the kernel sends sixteen). */
	struct svc_spec sp = svc_tcp4;
	struct lvs_service s;
	sp.addr_len = 4;
	CU_ASSERT_EQUAL_FATAL(decode_svc(build_service(&sp), &s), 0);
	CU_ASSERT(addr_is(AF_INET, &s.addr, "192.0.2.10"));
}

static void test_service_missing_required(void)
{
	static const int required[] = {
		IPVS_SVC_ATTR_AF, IPVS_SVC_ATTR_PROTOCOL, IPVS_SVC_ATTR_ADDR, IPVS_SVC_ATTR_PORT,
		IPVS_SVC_ATTR_SCHED_NAME, IPVS_SVC_ATTR_FLAGS, IPVS_SVC_ATTR_TIMEOUT,
		IPVS_SVC_ATTR_NETMASK,
	};
	struct lvs_service s;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct svc_spec sp = svc_tcp4;
		sp.omit = 1u << required[i];
		CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);
	}
	/* A fwmark service without its mark has no identity either. */
	struct svc_spec sp = svc_tcp4;
	sp.fwmark = 7;
	sp.omit = 1u << IPVS_SVC_ATTR_FWMARK;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);
}

static void test_service_malformed(void)
{
	struct lvs_service s;
	struct svc_spec sp;

	sp = svc_tcp4; /* a 2-byte address */
	sp.addr_len = 2;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);

	sp = svc_tcp4; /* IPv6 needs 16 bytes */
	sp.af = AF_INET6;
	sp.addr = "2001:db8::2";
	sp.addr_len = 4;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);

	sp = svc_tcp4; /* flags must be exactly struct ip_vs_flags */
	sp.flags_len = 4;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);
	sp.flags_len = 12;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);
	sp.flags_len = 0;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);

	sp = svc_tcp4; /* an address family the kernel never sends */
	sp.af = 99;
	sp.fwmark = 1;
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);

	sp = svc_tcp4; /* a scheduler name longer than the kernel allows */
	sp.sched = "a-scheduler-name-of-many-bytes";
	CU_ASSERT_EQUAL(decode_svc(build_service(&sp), &s), -EPROTO);

	/* A scheduler name without its NUL. */
	{
		struct nl_msg *m = new_reply(IPVS_CMD_NEW_SERVICE);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
		struct ip_vs_flags fl = { 0, ~0u };
		nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
		nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, 1);
		nla_put(m, IPVS_SVC_ATTR_SCHED_NAME, 2, "rr");
		nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 0);
		nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_svc(m, &s), -EPROTO);
	}
	/* A 1-byte port, and a 2-byte timeout. */
	{
		struct nl_msg *m = new_reply(IPVS_CMD_NEW_SERVICE);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
		nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
		nla_put_u8(m, IPVS_SVC_ATTR_PORT, 80);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_svc(m, &s), -EPROTO);
		m = new_reply(IPVS_CMD_NEW_SERVICE);
		n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
		nla_put_u16(m, IPVS_SVC_ATTR_TIMEOUT, 300);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_svc(m, &s), -EPROTO);
	}
	/* STATS64 with a 32-bit counter in it: the u32 reader must not be
	 * used for STATS64, and a short u64 is malformed. */
	{
		struct nl_msg *m = new_reply(IPVS_CMD_NEW_SERVICE);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
		struct ip_vs_flags fl = { 0, ~0u };
		nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
		nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, 3);
		nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
		nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 0);
		nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0);
		struct nlattr *st = nla_nest_start(m, IPVS_SVC_ATTR_STATS64);
		for (int a = IPVS_STATS_ATTR_CONNS; a <= IPVS_STATS_ATTR_OUTBPS; a++)
			nla_put_u32(m, a, 1);
		nla_nest_end(m, st);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_svc(m, &s), -EPROTO);
	}
	/* Stats without a required counter. */
	{
		struct nl_msg *m = new_reply(IPVS_CMD_NEW_SERVICE);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
		struct ip_vs_flags fl = { 0, ~0u };
		nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
		nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, 3);
		nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
		nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl);
		nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, 0);
		nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, 0);
		struct nlattr *st = nla_nest_start(m, IPVS_SVC_ATTR_STATS64);
		nla_put_u64(m, IPVS_STATS_ATTR_CONNS, 1);
		nla_put_u64(m, IPVS_STATS_ATTR_INPKTS, 1);
		nla_nest_end(m, st);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_svc(m, &s), -EPROTO);
	}
}

/* ---------------------------------------------------------------------
 * Dest decoding
 * --------------------------------------------------------------------- */

static void test_dest_masq_v4(void)
{
	struct lvs_dest d;
	struct lvs_kern_rates kr;
	memset(&d, 0xa5, sizeof(d));
	memset(&kr, 0xa5, sizeof(kr));
	CU_ASSERT_EQUAL_FATAL(decode_dst_kr(build_dest(&dest_v4), AF_INET, &d, &kr), 0);
	CU_ASSERT_EQUAL(d.af, AF_INET);
	CU_ASSERT(addr_is(AF_INET, &d.addr, "10.0.0.2"));
	CU_ASSERT_EQUAL(d.port, 8080);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_MASQ);
	CU_ASSERT_EQUAL(d.weight, 3);
	CU_ASSERT_EQUAL(d.u_thresh, 1000);
	CU_ASSERT_EQUAL(d.l_thresh, 10);
	CU_ASSERT_EQUAL(d.active_conns, 7);
	CU_ASSERT_EQUAL(d.inact_conns, 8);
	CU_ASSERT_EQUAL(d.persist_conns, 9);
	CU_ASSERT_EQUAL(d.tun_type, 0);
	CU_ASSERT_EQUAL(d.tun_port, 0);
	CU_ASSERT_EQUAL(d.tun_flags, 0);
	assert_stats64(&d.stats, &kr, 200);
	CU_ASSERT_FALSE(d.rates_valid);
	CU_ASSERT_EQUAL(d.rates.inbps, 0.0);
	CU_ASSERT_EQUAL(d.health, LVS_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(d.health_error, 0);
}

static void test_dest_tunnel(void)
{
	struct dest_spec dp = dest_v4;
	struct lvs_dest d;
	/* Bits beyond the forwarding method are masked off. */
	dp.fwd = IP_VS_CONN_F_TUNNEL | IP_VS_CONN_F_NOOUTPUT;
	dp.weight = 0; /* a quiesced server */
	dp.tunnel = 1;
	dp.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	dp.tun_port = 6080;
	dp.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	memset(&d, 0xa5, sizeof(d));
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_TUNNEL);
	CU_ASSERT_EQUAL(d.weight, 0);
	CU_ASSERT_EQUAL(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	CU_ASSERT_EQUAL(d.tun_port, 6080);
	CU_ASSERT_EQUAL(d.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
	/* A type past what lvs_dest holds (5 bits) is "other", never
	 * another type by truncation: 33 would read as 1 (gue). */
	dp.tun_type = 33;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.tun_type, LVS_TUN_TYPE_OTHER);
	CU_ASSERT_STRING_EQUAL(lvs_tun_type_name(d.tun_type), "unknown");
	dp.tun_type = 30;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.tun_type, 30);
	dp.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;

	/* Route and local methods too. */
	dp.tunnel = 0;
	dp.fwd = IP_VS_CONN_F_DROUTE;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_ROUTE);
	CU_ASSERT_EQUAL(d.tun_type, 0); /* cleared, not left from before */
	CU_ASSERT_EQUAL(d.tun_port, 0);
	dp.fwd = IP_VS_CONN_F_LOCALNODE;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.fwd, LVS_FWD_LOCAL);
}

static void test_dest_inherits_af(void)
{
	struct dest_spec dp = dest_v4;
	struct lvs_dest d;
	/* No ADDR_FAMILY (kernels before 3.18): the service's family. */
	dp.has_af = 0;
	dp.af = AF_INET6;
	dp.addr = "2001:db8::a";
	dp.port = 443;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET6, &d), 0);
	CU_ASSERT_EQUAL(d.af, AF_INET6);
	CU_ASSERT(addr_is(AF_INET6, &d.addr, "2001:db8::a"));
	CU_ASSERT_EQUAL(d.port, 443);

	dp = dest_v4;
	dp.has_af = 0;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.af, AF_INET);
	CU_ASSERT(addr_is(AF_INET, &d.addr, "10.0.0.2"));

	/* ADDR_FAMILY wins over the service's (mixed-family tunnel). */
	dp = dest_v4;
	dp.af = AF_INET6;
	dp.addr = "2001:db8::b";
	dp.fwd = IP_VS_CONN_F_TUNNEL;
	CU_ASSERT_EQUAL_FATAL(decode_dst(build_dest(&dp), AF_INET, &d), 0);
	CU_ASSERT_EQUAL(d.af, AF_INET6);
	CU_ASSERT(addr_is(AF_INET6, &d.addr, "2001:db8::b"));
}

static void test_dest_stats32_fallback(void)
{
	struct dest_spec dp = dest_v4;
	struct lvs_dest d;
	struct lvs_kern_rates kr;
	dp.stats = ST_32;
	CU_ASSERT_EQUAL_FATAL(decode_dst_kr(build_dest(&dp), AF_INET, &d, &kr), 0);
	assert_stats32(&d.stats, &kr, 200);
	/* Decoding into the same struct clears what is absent. */
	dp.stats = ST_NONE;
	CU_ASSERT_EQUAL_FATAL(decode_dst_kr(build_dest(&dp), AF_INET, &d, &kr), 0);
	CU_ASSERT_EQUAL(d.stats.conns, 0);
	CU_ASSERT_EQUAL(d.stats.inbytes, 0);
	CU_ASSERT_EQUAL(kr.cps, 0);
}

static void test_dest_missing_required(void)
{
	static const int required[] = {
		IPVS_DEST_ATTR_ADDR, IPVS_DEST_ATTR_PORT, IPVS_DEST_ATTR_FWD_METHOD,
		IPVS_DEST_ATTR_WEIGHT,
	};
	struct lvs_dest d;
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		struct dest_spec dp = dest_v4;
		dp.omit = 1u << required[i];
		CU_ASSERT_EQUAL(decode_dst(build_dest(&dp), AF_INET, &d), -EPROTO);
	}
}

static void test_dest_malformed(void)
{
	struct dest_spec dp;
	struct lvs_dest d;

	dp = dest_v4; /* a 2-byte address */
	dp.addr_len = 2;
	CU_ASSERT_EQUAL(decode_dst(build_dest(&dp), AF_INET, &d), -EPROTO);

	dp = dest_v4; /* IPv6 family, 4-byte address */
	dp.af = AF_INET6;
	dp.addr = "2001:db8::c";
	dp.addr_len = 4;
	CU_ASSERT_EQUAL(decode_dst(build_dest(&dp), AF_INET, &d), -EPROTO);

	dp = dest_v4; /* no family anywhere */
	dp.has_af = 0;
	CU_ASSERT_EQUAL(decode_dst(build_dest(&dp), 0, &d), -EPROTO);

	/* A 17-byte address, a 2-byte weight, a 2-byte tunnel type. */
	{
		unsigned char big[17] = { 10, 0, 0, 1 };
		struct nl_msg *m = new_reply(IPVS_CMD_NEW_DEST);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
		nla_put(m, IPVS_DEST_ATTR_ADDR, sizeof(big), big);
		nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
		nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, 0);
		nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 1);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_dst(m, AF_INET, &d), -EPROTO);

		m = new_reply(IPVS_CMD_NEW_DEST);
		n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
		nla_put(m, IPVS_DEST_ATTR_ADDR, 4, big);
		nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
		nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, 0);
		nla_put_u16(m, IPVS_DEST_ATTR_WEIGHT, 1);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_dst(m, AF_INET, &d), -EPROTO);

		m = new_reply(IPVS_CMD_NEW_DEST);
		n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
		nla_put(m, IPVS_DEST_ATTR_ADDR, 4, big);
		nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
		nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, 0);
		nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, 1);
		nla_put(m, IPVS_DEST_ATTR_TUN_TYPE, 0, NULL);
		nla_nest_end(m, n);
		CU_ASSERT_EQUAL(decode_dst(m, AF_INET, &d), -EPROTO);
	}
}

static void test_msg_level(void)
{
	struct lvs_dest d;
	struct lvs_service s;

	/* A service message handed to the dest decoder and the reverse. */
	CU_ASSERT_EQUAL(decode_dst(build_service(&svc_tcp4), AF_INET, &d), -EPROTO);
	CU_ASSERT_EQUAL(decode_svc(build_dest(&dest_v4), &s), -EPROTO);

	/* Shorter than a genl header; a bare netlink header; NULL. */
	struct nl_msg *m = build_dest(&dest_v4);
	struct nlmsghdr *h = exact_copy(m, NLMSG_HDRLEN + 2);
	CU_ASSERT_EQUAL(ipvs_nl_decode_dest_msg(h, AF_INET, &d, NULL), -EPROTO);
	CU_ASSERT_EQUAL(ipvs_nl_decode_service_msg(h, &s), -EPROTO);
	free(h);
	h = exact_copy(m, NLMSG_HDRLEN);
	CU_ASSERT_EQUAL(ipvs_nl_decode_dest_msg(h, AF_INET, &d, NULL), -EPROTO);
	free(h);
	nlmsg_free(m);
	CU_ASSERT_EQUAL(ipvs_nl_decode_dest_msg(NULL, AF_INET, &d, NULL), -EPROTO);
	CU_ASSERT_EQUAL(ipvs_nl_decode_dest(NULL, AF_INET, &d, NULL), -EPROTO);
	CU_ASSERT_EQUAL(ipvs_nl_decode_service(NULL, &s), -EPROTO);
}

/* Every truncation of a valid message, in a buffer of exactly that size:
 * a verdict, never a crash or an out-of-bounds read. */
static void test_truncated(void)
{
	struct nl_msg *msgs[2] = { build_service(&svc_tcp4), build_dest(&dest_v4) };
	for (int k = 0; k < 2; k++) {
		uint32_t full = nlmsg_hdr(msgs[k])->nlmsg_len;
		unsigned ok = 0;
		for (uint32_t len = NLMSG_HDRLEN; len <= full; len++) {
			struct nlmsghdr *h = exact_copy(msgs[k], len);
			struct lvs_service s;
			struct lvs_dest d;
			int r = k == 0 ? ipvs_nl_decode_service_msg(h, &s)
				       : ipvs_nl_decode_dest_msg(h, AF_INET, &d, NULL);
			CU_ASSERT(r == 0 || r == -EPROTO);
			ok += r == 0;
			CU_ASSERT_EQUAL(ipvs_nl_check_parser(h), 0);
			free(h);
		}
		CU_ASSERT(ok >= 1); /* at least the whole message decodes */
		nlmsg_free(msgs[k]);
	}
}

/* Random corruption of valid messages: the inlined parser must agree
 * with libnl's, and decoding must end in 0 or -EPROTO. */
static void test_fuzz_against_libnl(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ull;
	struct nl_msg *src[3] = { build_service(&svc_tcp4), build_dest(&dest_v4), NULL };
	struct dest_spec tun = dest_v4;
	tun.tunnel = 1;
	src[2] = build_dest(&tun);
	unsigned disagree = 0, bad = 0;

	for (int iter = 0; iter < 30000; iter++) {
		struct nl_msg *m = src[iter % 3];
		uint32_t len = nlmsg_hdr(m)->nlmsg_len;
		struct nlmsghdr *h = exact_copy(m, len);
		unsigned char *b = (unsigned char *)h;
		int flips = 1 + (int)(x % 4);
		for (int f = 0; f < flips; f++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			/* Past the netlink and genl headers: nlmsg_len must
			 * stay true to the buffer (the socket layer sees to
			 * that for real replies). */
			uint32_t at = NLMSG_HDRLEN + GENL_HDRLEN +
				      (uint32_t)(x % (len - NLMSG_HDRLEN - GENL_HDRLEN));
			b[at] = (unsigned char)(x >> 32);
		}
		struct lvs_service s;
		struct lvs_dest d;
		int r1 = ipvs_nl_decode_service_msg(h, &s);
		int r2 = ipvs_nl_decode_dest_msg(h, AF_INET, &d, NULL);
		bad += !(r1 == 0 || r1 == -EPROTO) || !(r2 == 0 || r2 == -EPROTO);
		disagree += ipvs_nl_check_parser(h) != 0;
		free(h);
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(disagree, 0);
	for (int k = 0; k < 3; k++)
		nlmsg_free(src[k]);
}

/* ---------------------------------------------------------------------
 * Daemons
 * --------------------------------------------------------------------- */

static struct nl_msg *build_daemon(uint32_t state, const char *ifn, uint32_t syncid,
				   int group_af, int omit_state)
{
	struct nl_msg *m = new_reply(IPVS_CMD_NEW_DAEMON);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	if (!omit_state)
		nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, state);
	nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, ifn);
	nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, syncid);
	if (group_af) {
		nla_put_u16(m, IPVS_DAEMON_ATTR_SYNC_MAXLEN, 1472);
		nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT, 8848);
		nla_put_u8(m, IPVS_DAEMON_ATTR_MCAST_TTL, 1);
		if (group_af == AF_INET6)
			put_addr(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, AF_INET6, "ff02::1:81", 16);
		else
			put_addr(m, IPVS_DAEMON_ATTR_MCAST_GROUP, AF_INET, "224.0.0.81", 4);
	}
	nla_nest_end(m, n);
	return m;
}

static int decode_daemon_msg(struct nl_msg *m, struct lvs_daemon *out)
{
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	int r = genlmsg_parse(nlmsg_hdr(m), 0, tb, IPVS_CMD_ATTR_MAX, NULL);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	r = ipvs_nl_decode_daemon(tb[IPVS_CMD_ATTR_DAEMON], out);
	nlmsg_free(m);
	return r;
}

static void test_daemon_decode(void)
{
	struct lvs_daemon dm;
	CU_ASSERT_EQUAL_FATAL(decode_daemon_msg(build_daemon(IP_VS_STATE_MASTER, "eth1", 7,
							     AF_INET, 0), &dm), 0);
	CU_ASSERT_EQUAL(dm.state, IP_VS_STATE_MASTER);
	CU_ASSERT_STRING_EQUAL(dm.mcast_ifn, "eth1");
	CU_ASSERT_EQUAL(dm.syncid, 7);
	CU_ASSERT_EQUAL(dm.sync_maxlen, 1472);
	CU_ASSERT_EQUAL(dm.mcast_port, 8848);
	CU_ASSERT_EQUAL(dm.mcast_ttl, 1);
	CU_ASSERT_EQUAL(dm.mcast_af, AF_INET);
	CU_ASSERT(addr_is(AF_INET, &dm.mcast_group, "224.0.0.81"));

	CU_ASSERT_EQUAL_FATAL(decode_daemon_msg(build_daemon(IP_VS_STATE_BACKUP, "bond0", 9,
							     AF_INET6, 0), &dm), 0);
	CU_ASSERT_EQUAL(dm.state, IP_VS_STATE_BACKUP);
	CU_ASSERT_STRING_EQUAL(dm.mcast_ifn, "bond0");
	CU_ASSERT_EQUAL(dm.mcast_af, AF_INET6);
	CU_ASSERT(addr_is(AF_INET6, &dm.mcast_group, "ff02::1:81"));

	/* An old kernel: only the three required attributes. */
	memset(&dm, 0xa5, sizeof(dm));
	CU_ASSERT_EQUAL_FATAL(decode_daemon_msg(build_daemon(IP_VS_STATE_MASTER, "eth0", 1,
							     0, 0), &dm), 0);
	CU_ASSERT_EQUAL(dm.syncid, 1);
	CU_ASSERT_EQUAL(dm.mcast_af, 0);
	CU_ASSERT_EQUAL(dm.mcast_port, 0);
	CU_ASSERT_EQUAL(dm.sync_maxlen, 0);

	CU_ASSERT_EQUAL(decode_daemon_msg(build_daemon(IP_VS_STATE_MASTER, "eth0", 1, 0, 1), &dm),
			-EPROTO);
	CU_ASSERT_EQUAL(decode_daemon_msg(build_daemon(IP_VS_STATE_MASTER,
						       "an-interface-name-too-long", 1, 0, 0), &dm),
			-EPROTO);
	CU_ASSERT_EQUAL(ipvs_nl_decode_daemon(NULL, &dm), -EPROTO);
}

/* ---------------------------------------------------------------------
 * Whole exchanges against a scripted kernel
 * --------------------------------------------------------------------- */

struct datagram {
	unsigned char *buf;
	size_t len;
};

static struct {
	struct datagram q[64];
	size_t head, tail;
	unsigned char cur[16384]; /* datagram being assembled */
	size_t cur_len;
	uint32_t seq; /* of the request being answered */
	/* What the scripted kernel does with each request. */
	void (*answer)(const struct nlmsghdr *req, const struct genlmsghdr *g,
		       struct nlattr **tb);
	int requests;
	int dest_requests;
	int bad_requests; /* malformed requests seen */
} fk;

static void fk_reset(void (*answer)(const struct nlmsghdr *, const struct genlmsghdr *,
				    struct nlattr **))
{
	while (fk.head < fk.tail)
		free(fk.q[fk.head++].buf);
	memset(&fk, 0, sizeof(fk));
	fk.answer = answer;
}

static void dg_add(const struct nlmsghdr *h)
{
	size_t len = NLMSG_ALIGN(h->nlmsg_len);
	CU_ASSERT_FATAL(fk.cur_len + len <= sizeof(fk.cur));
	memcpy(fk.cur + fk.cur_len, h, h->nlmsg_len);
	memset(fk.cur + fk.cur_len + h->nlmsg_len, 0, len - h->nlmsg_len);
	fk.cur_len += len;
}

/* Append a reply built with libnl, stamped with the request's seq. */
static void dg_msg(struct nl_msg *m, int multi)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	h->nlmsg_seq = fk.seq;
	h->nlmsg_flags = multi ? NLM_F_MULTI : 0;
	dg_add(h);
	nlmsg_free(m);
}

static void dg_done(int err)
{
	struct {
		struct nlmsghdr h;
		int err;
	} done = { { NLMSG_LENGTH(sizeof(int)), NLMSG_DONE, NLM_F_MULTI, fk.seq, 0 }, err };
	dg_add(&done.h);
}

static void dg_error(const struct nlmsghdr *req, int err)
{
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack = { { NLMSG_LENGTH(sizeof(struct nlmsgerr)), NLMSG_ERROR, 0, fk.seq, 0 },
		  { err, *req } };
	dg_add(&ack.h);
}

static void dg_push(void)
{
	CU_ASSERT_FATAL(fk.tail < sizeof(fk.q) / sizeof(fk.q[0]));
	fk.q[fk.tail].buf = malloc(fk.cur_len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(fk.q[fk.tail].buf);
	memcpy(fk.q[fk.tail].buf, fk.cur, fk.cur_len);
	fk.q[fk.tail].len = fk.cur_len;
	fk.tail++;
	fk.cur_len = 0;
}

static int fk_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *req = nlmsg_hdr(msg);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1];
	(void)sk;
	fk.requests++;
	fk.seq = req->nlmsg_seq;
	if (req->nlmsg_type != FAMILY || !(req->nlmsg_flags & NLM_F_REQUEST) ||
	    genlmsg_parse(req, 0, tb, IPVS_CMD_ATTR_MAX, NULL) < 0) {
		fk.bad_requests++;
		return -NLE_INVAL;
	}
	fk.answer(req, nlmsg_data(req), tb);
	return (int)req->nlmsg_len;
}

static int fk_recv(struct nl_sock *sk, struct sockaddr_nl *who, unsigned char **buf,
		   struct ucred **creds)
{
	(void)sk;
	(void)who;
	(void)creds;
	if (fk.head == fk.tail)
		return 0; /* as if the socket were closed */
	*buf = fk.q[fk.head].buf;
	return (int)fk.q[fk.head++].len;
}

static lvs_nl *fk_open(void)
{
	lvs_nl *nl = NULL;
	CU_ASSERT_EQUAL_FATAL(ipvs_nl_open_transport(&nl, FAMILY, fk_send, fk_recv), 0);
	return nl;
}

/* The identity a GET_DEST request carries, as the kernel would parse it. */
struct svc_id {
	uint16_t af, protocol, port_be;
	uint32_t fwmark;
	unsigned char addr[16];
	int addr_len;
};

static int parse_svc_id(struct nlattr *nest, struct svc_id *id)
{
	struct nlattr *tb[IPVS_SVC_ATTR_MAX + 1];
	memset(id, 0, sizeof(*id));
	if (!nest || nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, nest, NULL) < 0 ||
	    !tb[IPVS_SVC_ATTR_AF])
		return -1;
	id->af = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (tb[IPVS_SVC_ATTR_FWMARK]) {
		id->fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
		return 0;
	}
	if (!tb[IPVS_SVC_ATTR_PROTOCOL] || !tb[IPVS_SVC_ATTR_ADDR] || !tb[IPVS_SVC_ATTR_PORT])
		return -1;
	id->protocol = nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
	id->port_be = nla_get_u16(tb[IPVS_SVC_ATTR_PORT]);
	id->addr_len = nla_len(tb[IPVS_SVC_ATTR_ADDR]);
	memcpy(id->addr, nla_data(tb[IPVS_SVC_ATTR_ADDR]),
	       id->addr_len < 16 ? (size_t)id->addr_len : 16);
	return 0;
}

static const struct svc_spec svc_fwm6 = {
	.af = AF_INET6, .fwmark = 5, .sched = "mh", .flags = IP_VS_SVC_F_HASHED,
	.flags_len = sizeof(struct ip_vs_flags), .timeout = 0, .netmask = 128,
	.stats = ST_32 | ST_64,
};

/* A healthy kernel with two services: TCP 192.0.2.10:80 (two real
 * servers) and IPv6 fwmark 5 (one), one master sync daemon. */
static void answer_ok(const struct nlmsghdr *req, const struct genlmsghdr *g,
		      struct nlattr **tb)
{
	int dump = (req->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
	struct nl_msg *m;
	struct svc_id id;

	switch (g->cmd) {
	case IPVS_CMD_GET_INFO:
		CU_ASSERT_FALSE(dump);
		m = new_reply(IPVS_CMD_SET_INFO);
		nla_put_u32(m, IPVS_INFO_ATTR_VERSION, IP_VS_VERSION_CODE);
		nla_put_u32(m, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
		dg_msg(m, 0);
		dg_push();
		dg_error(req, 0); /* the ack, in its own datagram */
		dg_push();
		break;
	case IPVS_CMD_GET_CONFIG:
		CU_ASSERT_FALSE(dump);
		m = new_reply(IPVS_CMD_SET_CONFIG);
		nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, 900);
		nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120);
		nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, 300);
		dg_msg(m, 0);
		dg_push();
		dg_error(req, 0);
		dg_push();
		break;
	case IPVS_CMD_GET_DAEMON:
		CU_ASSERT(dump);
		dg_msg(build_daemon(IP_VS_STATE_MASTER, "eth1", 3, AF_INET, 0), 1);
		dg_push();
		dg_done(0);
		dg_push();
		break;
	case IPVS_CMD_GET_SERVICE:
		CU_ASSERT(dump);
		/* Two services in one datagram, DONE in the next. */
		dg_msg(build_service(&svc_tcp4), 1);
		dg_msg(build_service(&svc_fwm6), 1);
		dg_push();
		dg_done(0);
		dg_push();
		break;
	case IPVS_CMD_GET_DEST:
		CU_ASSERT(dump);
		fk.dest_requests++;
		if (parse_svc_id(tb[IPVS_CMD_ATTR_SERVICE], &id) < 0) {
			fk.bad_requests++;
			dg_error(req, -EINVAL);
			dg_push();
			break;
		}
		if (id.fwmark == 5 && id.af == AF_INET6) {
			struct dest_spec dp = dest_v4;
			dp.af = AF_INET6;
			dp.addr = "2001:db8::20";
			dp.fwd = IP_VS_CONN_F_DROUTE;
			dg_msg(build_dest(&dp), 1);
		} else if (id.af == AF_INET && id.protocol == IPPROTO_TCP &&
			   id.port_be == htons(80) && id.addr_len == 16 &&
			   id.addr[0] == 192 && id.addr[3] == 10 && id.addr[4] == 0) {
			struct dest_spec dp = dest_v4;
			dg_msg(build_dest(&dp), 1);
			dp.addr = "10.0.0.3";
			dp.weight = 5;
			dg_msg(build_dest(&dp), 1);
		} else {
			fk.bad_requests++; /* unknown service: the kernel dumps nothing */
		}
		dg_push();
		dg_done(0);
		dg_push();
		break;
	default:
		fk.bad_requests++;
		dg_error(req, -EINVAL);
		dg_push();
	}
}

static void test_read_all(void)
{
	fk_reset(answer_ok);
	lvs_nl *nl = fk_open();
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL_FATAL(snapshot_keep_dest_rates(s), 0);

	CU_ASSERT_EQUAL_FATAL(ipvs_nl_read_all(nl, s), 0);
	CU_ASSERT_EQUAL(fk.bad_requests, 0);
	CU_ASSERT_EQUAL(fk.dest_requests, 2);
	CU_ASSERT_EQUAL(fk.head, fk.tail); /* every reply consumed */
	CU_ASSERT_EQUAL(s->version, IP_VS_VERSION_CODE);
	CU_ASSERT_EQUAL(s->conn_tab_size, 4096);
	CU_ASSERT_EQUAL(s->timeout_tcp, 900);
	CU_ASSERT_EQUAL(s->timeout_tcpfin, 120);
	CU_ASSERT_EQUAL(s->timeout_udp, 300);
	CU_ASSERT_EQUAL_FATAL(s->n_daemons, 1);
	CU_ASSERT_EQUAL(s->daemons[0].state, IP_VS_STATE_MASTER);
	CU_ASSERT_STRING_EQUAL(s->daemons[0].mcast_ifn, "eth1");
	CU_ASSERT_EQUAL(s->daemons[0].syncid, 3);

	CU_ASSERT_EQUAL_FATAL(s->n_services, 2);
	CU_ASSERT_EQUAL(s->n_dests, 3);
	const struct lvs_service *a = &s->services[0], *b = &s->services[1];
	CU_ASSERT_EQUAL(a->protocol, IPPROTO_TCP);
	CU_ASSERT_EQUAL(a->port, 80);
	CU_ASSERT_EQUAL_FATAL(a->n_dests, 2);
	CU_ASSERT(addr_is(AF_INET, &a->dests[0].addr, "10.0.0.2"));
	CU_ASSERT(addr_is(AF_INET, &a->dests[1].addr, "10.0.0.3"));
	CU_ASSERT_EQUAL(a->dests[1].weight, 5);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->dest_krates);
	assert_stats64(&a->dests[0].stats, snapshot_dest_krates(s, &a->dests[0]), 200);
	CU_ASSERT_EQUAL(b->fwmark, 5);
	CU_ASSERT_EQUAL(b->af, AF_INET6);
	CU_ASSERT_STRING_EQUAL(b->sched, "mh");
	CU_ASSERT_EQUAL_FATAL(b->n_dests, 1);
	CU_ASSERT_EQUAL(b->dests[0].af, AF_INET6);
	CU_ASSERT_EQUAL(b->dests[0].fwd, LVS_FWD_ROUTE);
	CU_ASSERT(addr_is(AF_INET6, &b->dests[0].addr, "2001:db8::20"));

	/* The same handle reads again (sequence numbers stayed in step),
	 * into a snapshot that keeps no real server's kernel rates. */
	struct lvs_snapshot *s2 = snapshot_new();
	CU_ASSERT_EQUAL(ipvs_nl_read_all(nl, s2), 0);
	CU_ASSERT_EQUAL(s2->n_services, 2);
	CU_ASSERT_EQUAL(s2->n_dests, 3);
	CU_ASSERT_PTR_NULL(s2->dest_krates);
	CU_ASSERT_EQUAL(snapshot_dest_krates(s2, &s2->dests[0])->cps, 0);
	CU_ASSERT_EQUAL(s2->dests[0].stats.conns, s->dests[0].stats.conns);
	CU_ASSERT_EQUAL(fk.dest_requests, 4);
	snapshot_unref(s2);
	snapshot_unref(s);
	ipvs_nl_close(nl);
	fk_reset(NULL);
}

/* The kernel refuses every request with one errno. */
static int refuse_errno;
static void answer_refuse(const struct nlmsghdr *req, const struct genlmsghdr *g,
			  struct nlattr **tb)
{
	(void)g;
	(void)tb;
	dg_error(req, -refuse_errno);
	dg_push();
}

static void test_kernel_errors(void)
{
	static const struct {
		int kernel, ours;
	} cases[] = {
		{ EPERM, -EPERM },         /* no CAP_NET_ADMIN */
		{ EACCES, -EPERM },
		{ ENOENT, -ENOENT },       /* family id gone: ip_vs unloaded */
		{ EOPNOTSUPP, -ENOENT },
		{ ENOMEM, -ENOMEM },
		{ EINVAL, -EIO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		refuse_errno = cases[i].kernel;
		fk_reset(answer_refuse);
		lvs_nl *nl = fk_open();
		struct lvs_snapshot *s = snapshot_new();
		CU_ASSERT_EQUAL(ipvs_nl_read_all(nl, s), cases[i].ours);
		CU_ASSERT_EQUAL(ipvs_nl_get_info(nl, s), cases[i].ours);
		CU_ASSERT_EQUAL(ipvs_nl_get_daemons(nl, s), cases[i].ours); /* a dump */
		CU_ASSERT_EQUAL(ipvs_nl_dump(nl, s), cases[i].ours);
		CU_ASSERT_EQUAL(fk.requests, 4);
		snapshot_unref(s);
		ipvs_nl_close(nl);
	}
	fk_reset(NULL);
}

/* Odd replies: a dump ending in an error, a malformed service mid-dump
 * (the rest is drained, the handle stays usable), a reply of another
 * family, an ack without an answer, an answer without a required field,
 * three sync daemons, and the socket closing mid-dump. */
static int odd_case;
static void answer_odd(const struct nlmsghdr *req, const struct genlmsghdr *g,
		       struct nlattr **tb)
{
	(void)tb;
	if (g->cmd == IPVS_CMD_GET_INFO && odd_case != 4 && odd_case != 5) {
		answer_ok(req, g, tb);
		return;
	}
	switch (odd_case) {
	case 1: /* DONE carrying -ENOMEM */
		dg_msg(build_service(&svc_tcp4), 1);
		dg_push();
		dg_done(-ENOMEM);
		dg_push();
		break;
	case 2: { /* first service malformed, then a fine one and DONE,
		   * all in one datagram: the rest must still be read */
		struct svc_spec bad = svc_tcp4;
		bad.addr_len = 2;
		dg_msg(build_service(&bad), 1);
		dg_msg(build_service(&svc_fwm6), 1);
		dg_done(0);
		dg_push();
		break;
	}
	case 8: { /* the same spread over datagrams */
		struct svc_spec bad = svc_tcp4;
		bad.addr_len = 2;
		dg_msg(build_service(&bad), 1);
		dg_push();
		dg_msg(build_service(&svc_fwm6), 1);
		dg_push();
		dg_done(0);
		dg_push();
		break;
	}
	case 3: { /* a reply whose type is not the IPVS family */
		struct nl_msg *m = build_service(&svc_tcp4);
		nlmsg_hdr(m)->nlmsg_type = FAMILY + 1;
		dg_msg(m, 1);
		dg_push();
		dg_done(0);
		dg_push();
		break;
	}
	case 4: /* GET_INFO acked, no answer */
		dg_error(req, 0);
		dg_push();
		break;
	case 5: { /* GET_INFO without the table size */
		struct nl_msg *m = new_reply(IPVS_CMD_SET_INFO);
		nla_put_u32(m, IPVS_INFO_ATTR_VERSION, IP_VS_VERSION_CODE);
		dg_msg(m, 0);
		dg_push();
		dg_error(req, 0);
		dg_push();
		break;
	}
	case 6: /* three daemons */
		for (int i = 0; i < 3; i++)
			dg_msg(build_daemon(IP_VS_STATE_MASTER, "eth0", (uint32_t)i, 0, 0), 1);
		dg_push();
		dg_done(0);
		dg_push();
		break;
	case 7: /* part of a dump, then nothing */
		dg_msg(build_service(&svc_tcp4), 1);
		dg_push();
		break;
	}
}

static void test_odd_replies(void)
{
	struct lvs_snapshot *s;
	lvs_nl *nl;

	for (odd_case = 1; odd_case <= 8; odd_case++) {
		fk_reset(answer_odd);
		nl = fk_open();
		s = snapshot_new();
		int r;
		switch (odd_case) {
		case 4:
		case 5:
			r = ipvs_nl_get_info(nl, s);
			CU_ASSERT_EQUAL(r, -EPROTO);
			break;
		case 6:
			r = ipvs_nl_get_daemons(nl, s);
			CU_ASSERT_EQUAL(r, -EPROTO);
			CU_ASSERT_EQUAL(s->n_daemons, 2);
			break;
		case 7:
			CU_ASSERT_EQUAL(ipvs_nl_dump(nl, s), -EIO);
			break;
		default:
			r = ipvs_nl_dump(nl, s);
			CU_ASSERT_EQUAL(r, odd_case == 1 ? -ENOMEM : -EPROTO);
			/* Drained to DONE: the next request is answered in step. */
			CU_ASSERT_EQUAL(fk.head, fk.tail);
			CU_ASSERT_EQUAL(ipvs_nl_get_info(nl, s), 0);
			CU_ASSERT_EQUAL(s->conn_tab_size, 4096);
		}
		snapshot_unref(s);
		ipvs_nl_close(nl);
	}
	fk_reset(NULL);
}

/* What this host has, found without our netlink code: whether a generic
 * netlink socket opens, whether IPVS is in the kernel (/proc/net/ip_vs
 * exists in every namespace once ip_vs is loaded or built in), and
 * whether this process holds CAP_NET_ADMIN (every IPVS command needs it). */
static bool host_genl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool host_has_ipvs(void)
{
	return access("/proc/net/ip_vs", F_OK) == 0;
}

static bool host_net_admin(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long eff = 0;
	bool found = false;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			found = true;
	if (f)
		fclose(f);
	CU_ASSERT_TRUE(found);
	return (eff >> 12) & 1; /* CAP_NET_ADMIN */
}

static void test_open_real(void)
{
	bool genl = host_genl_socket(), before = host_has_ipvs();
	lvs_nl *nl = NULL;
	int r = ipvs_nl_open(&nl);
	/* Looking the family up may load ip_vs (the kernel's module
	 * autoload): what counts is whether IPVS is there afterwards. */
	bool ipvs = host_has_ipvs();
	fprintf(stderr, "\n    host: genl socket %s, ip_vs %s%s, CAP_NET_ADMIN %s: open %d ",
		genl ? "yes" : "no", ipvs ? "present" : "absent", before != ipvs ? " (loaded now)" : "",
		host_net_admin() ? "yes" : "no", r);
	if (!genl) {
		CU_ASSERT_EQUAL(r, -EIO);
	} else if (!ipvs) {
		CU_ASSERT_EQUAL(r, -ENOENT);
	} else {
		CU_ASSERT_EQUAL(r, 0);
	}
	if (r) {
		CU_ASSERT_PTR_NULL(nl);
	} else {
		CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
		/* A read-only command: answered with CAP_NET_ADMIN, refused
		 * without it. */
		struct lvs_snapshot *snap = snapshot_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
		int g = ipvs_nl_get_info(nl, snap);
		CU_ASSERT_EQUAL(g, host_net_admin() ? 0 : -EPERM);
		snapshot_unref(snap);
		ipvs_nl_close(nl);
	}
	ipvs_nl_close(NULL);
	CU_ASSERT_EQUAL(ipvs_nl_open_transport(&nl, 0, fk_send, fk_recv), -EINVAL);
	CU_ASSERT_EQUAL(ipvs_nl_open_transport(&nl, FAMILY, NULL, fk_recv), -EINVAL);
}

static void test_strerror(void)
{
	const char *m = ipvs_nl_strerror(-ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "ip_vs"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "modprobe ip_vs"));
	m = ipvs_nl_strerror(-EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "CAP_NET_ADMIN"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "root"));
	m = ipvs_nl_strerror(-EPROTO);
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "malformed"));
	CU_ASSERT_PTR_NOT_NULL(strstr(m, "kernel"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ipvs_nl_strerror(-ENOMEM), "memory"));
	CU_ASSERT_PTR_NOT_NULL(strstr(ipvs_nl_strerror(-EIO), "netlink"));
	CU_ASSERT_PTR_NOT_NULL(ipvs_nl_strerror(-12345));
	CU_ASSERT_PTR_NOT_NULL(ipvs_nl_strerror(0));
}

int register_ipvs_nl(void)
{
	CU_pSuite s = CU_add_suite("ipvs_nl", NULL, NULL);
	if (!s ||
	    !CU_add_test(s, "service ipv4 tcp", test_service_tcp4) ||
	    !CU_add_test(s, "service ipv6", test_service_ipv6) ||
	    !CU_add_test(s, "service fwmark", test_service_fwmark) ||
	    !CU_add_test(s, "service udp and sctp", test_service_udp_sctp) ||
	    !CU_add_test(s, "service stats32 fallback", test_service_stats32_fallback) ||
	    !CU_add_test(s, "service 4-byte ipv4 addr", test_service_ipv4_short_addr) ||
	    !CU_add_test(s, "service missing required", test_service_missing_required) ||
	    !CU_add_test(s, "service malformed", test_service_malformed) ||
	    !CU_add_test(s, "dest masq ipv4", test_dest_masq_v4) ||
	    !CU_add_test(s, "dest tunnel and methods", test_dest_tunnel) ||
	    !CU_add_test(s, "dest inherits af", test_dest_inherits_af) ||
	    !CU_add_test(s, "dest stats32 fallback", test_dest_stats32_fallback) ||
	    !CU_add_test(s, "dest missing required", test_dest_missing_required) ||
	    !CU_add_test(s, "dest malformed", test_dest_malformed) ||
	    !CU_add_test(s, "message level", test_msg_level) ||
	    !CU_add_test(s, "truncated messages", test_truncated) ||
	    !CU_add_test(s, "fuzz against libnl", test_fuzz_against_libnl) ||
	    !CU_add_test(s, "daemon decode", test_daemon_decode) ||
	    !CU_add_test(s, "read_all via fake kernel", test_read_all) ||
	    !CU_add_test(s, "kernel errors", test_kernel_errors) ||
	    !CU_add_test(s, "odd replies", test_odd_replies) ||
	    !CU_add_test(s, "open on this host", test_open_real) ||
	    !CU_add_test(s, "strerror", test_strerror))
		return -1;
	return 0;
}
