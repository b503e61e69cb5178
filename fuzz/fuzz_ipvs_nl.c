/* IPVS netlink decoding (collector/ipvs_nl.h) against libnl. The input is
 * the payload of one generic netlink message (genl header, then
 * attributes) in a buffer of exactly its length, so ASan sees any read
 * past the end. Our inlined attribute parser must pick the same attributes
 * as libnl's genlmsg_parse / nla_parse_nested with the same policies
 * (ipvs_nl_check_parser), and our service and real-server decoders must
 * agree with a reference decoder written here on libnl's parser and
 * nla_get_*: the same accept/reject verdict and the same decoded values. */
#include <arpa/inet.h>
#include <errno.h>

#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "collector/ipvs_nl.h"
#include "fuzz.h"

/* The policies of collector/ipvs_nl.c, as its header documents them. */
static struct nla_policy cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DAEMON] = { .type = NLA_NESTED },
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = { .type = NLA_U32 },
};
static struct nla_policy svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] = { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[IPVS_SVC_ATTR_PORT] = { .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] = { .type = NLA_STRING, .maxlen = LVS_SCHED_MAX },
	[IPVS_SVC_ATTR_FLAGS] = { .type = NLA_UNSPEC, .minlen = sizeof(struct ip_vs_flags),
				  .maxlen = sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] = { .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] = { .type = NLA_NESTED },
	[IPVS_SVC_ATTR_PE_NAME] = { .type = NLA_STRING, .maxlen = LVS_PE_MAX },
	[IPVS_SVC_ATTR_STATS64] = { .type = NLA_NESTED },
};
static struct nla_policy dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
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
static struct nla_policy stats32_policy[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = { .type = NLA_U32 },   [IPVS_STATS_ATTR_INPKTS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_OUTPKTS] = { .type = NLA_U32 }, [IPVS_STATS_ATTR_INBYTES] = { .type = NLA_U64 },
	[IPVS_STATS_ATTR_OUTBYTES] = { .type = NLA_U64 }, [IPVS_STATS_ATTR_CPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INPPS] = { .type = NLA_U32 },   [IPVS_STATS_ATTR_OUTPPS] = { .type = NLA_U32 },
	[IPVS_STATS_ATTR_INBPS] = { .type = NLA_U32 },   [IPVS_STATS_ATTR_OUTBPS] = { .type = NLA_U32 },
};
static struct nla_policy stats64_policy[IPVS_STATS_ATTR_MAX + 1];

static int ref_stats(struct nlattr *s64, struct nlattr *s32, struct lvs_stats *st,
		     struct lvs_kern_rates *kr)
{
	struct nlattr *tb[IPVS_STATS_ATTR_MAX + 1];
	struct nlattr *nest = s64 ? s64 : s32;
	memset(st, 0, sizeof(*st));
	memset(kr, 0, sizeof(*kr));
	if (!nest)
		return 0;
	if (nla_parse_nested(tb, IPVS_STATS_ATTR_MAX, nest, s64 ? stats64_policy : stats32_policy))
		return -EPROTO;
	if (!tb[IPVS_STATS_ATTR_CONNS] || !tb[IPVS_STATS_ATTR_INPKTS] ||
	    !tb[IPVS_STATS_ATTR_OUTPKTS] || !tb[IPVS_STATS_ATTR_INBYTES] ||
	    !tb[IPVS_STATS_ATTR_OUTBYTES])
		return -EPROTO;
#define GET(a) (!tb[a] ? 0 : s64 ? nla_get_u64(tb[a]) : (uint64_t)nla_get_u32(tb[a]))
	st->conns = GET(IPVS_STATS_ATTR_CONNS);
	st->inpkts = GET(IPVS_STATS_ATTR_INPKTS);
	st->outpkts = GET(IPVS_STATS_ATTR_OUTPKTS);
	st->inbytes = nla_get_u64(tb[IPVS_STATS_ATTR_INBYTES]);
	st->outbytes = nla_get_u64(tb[IPVS_STATS_ATTR_OUTBYTES]);
	kr->cps = GET(IPVS_STATS_ATTR_CPS);
	kr->inpps = GET(IPVS_STATS_ATTR_INPPS);
	kr->outpps = GET(IPVS_STATS_ATTR_OUTPPS);
	kr->inbps = GET(IPVS_STATS_ATTR_INBPS);
	kr->outbps = GET(IPVS_STATS_ATTR_OUTBPS);
#undef GET
	return 0;
}

static int ref_addr(union lvs_addr *a, uint16_t af, struct nlattr *at)
{
	int need = af == AF_INET6 ? 16 : 4;
	if (nla_len(at) < need)
		return -EPROTO;
	memset(a, 0, sizeof(*a));
	memcpy(a->raw, nla_data(at), (size_t)need);
	return 0;
}

static int ref_service(struct nlmsghdr *nlh, struct lvs_service *o)
{
	struct nlattr *top[IPVS_CMD_ATTR_MAX + 1], *tb[IPVS_SVC_ATTR_MAX + 1];
	if (genlmsg_parse(nlh, 0, top, IPVS_CMD_ATTR_MAX, cmd_policy) ||
	    !top[IPVS_CMD_ATTR_SERVICE] ||
	    nla_parse_nested(tb, IPVS_SVC_ATTR_MAX, top[IPVS_CMD_ATTR_SERVICE], svc_policy))
		return -EPROTO;
	if (!tb[IPVS_SVC_ATTR_AF] || !tb[IPVS_SVC_ATTR_SCHED_NAME] || !tb[IPVS_SVC_ATTR_FLAGS] ||
	    !tb[IPVS_SVC_ATTR_TIMEOUT] || !tb[IPVS_SVC_ATTR_NETMASK])
		return -EPROTO;
	if (!tb[IPVS_SVC_ATTR_FWMARK] &&
	    !(tb[IPVS_SVC_ATTR_PROTOCOL] && tb[IPVS_SVC_ATTR_ADDR] && tb[IPVS_SVC_ATTR_PORT]))
		return -EPROTO;
	memset(o, 0, sizeof(*o));
	o->af = nla_get_u16(tb[IPVS_SVC_ATTR_AF]);
	if (o->af != AF_INET && o->af != AF_INET6)
		return -EPROTO;
	if (tb[IPVS_SVC_ATTR_FWMARK]) {
		o->fwmark = nla_get_u32(tb[IPVS_SVC_ATTR_FWMARK]);
	} else {
		o->protocol = nla_get_u16(tb[IPVS_SVC_ATTR_PROTOCOL]);
		if (ref_addr(&o->addr, o->af, tb[IPVS_SVC_ATTR_ADDR]))
			return -EPROTO;
		o->port = ntohs(nla_get_u16(tb[IPVS_SVC_ATTR_PORT]));
	}
	nla_strlcpy(o->sched, tb[IPVS_SVC_ATTR_SCHED_NAME], sizeof(o->sched));
	if (tb[IPVS_SVC_ATTR_PE_NAME])
		nla_strlcpy(o->pe_name, tb[IPVS_SVC_ATTR_PE_NAME], sizeof(o->pe_name));
	struct ip_vs_flags fl;
	memcpy(&fl, nla_data(tb[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	o->flags = fl.flags;
	o->timeout = nla_get_u32(tb[IPVS_SVC_ATTR_TIMEOUT]);
	o->netmask = nla_get_u32(tb[IPVS_SVC_ATTR_NETMASK]);
	return ref_stats(tb[IPVS_SVC_ATTR_STATS64], tb[IPVS_SVC_ATTR_STATS], &o->stats, &o->krates);
}

static int ref_dest(struct nlmsghdr *nlh, uint16_t svc_af, struct lvs_dest *o,
		    struct lvs_kern_rates *kr)
{
	struct nlattr *top[IPVS_CMD_ATTR_MAX + 1], *tb[IPVS_DEST_ATTR_MAX + 1];
	if (genlmsg_parse(nlh, 0, top, IPVS_CMD_ATTR_MAX, cmd_policy) || !top[IPVS_CMD_ATTR_DEST] ||
	    nla_parse_nested(tb, IPVS_DEST_ATTR_MAX, top[IPVS_CMD_ATTR_DEST], dest_policy))
		return -EPROTO;
	if (!tb[IPVS_DEST_ATTR_ADDR] || !tb[IPVS_DEST_ATTR_PORT] || !tb[IPVS_DEST_ATTR_FWD_METHOD] ||
	    !tb[IPVS_DEST_ATTR_WEIGHT])
		return -EPROTO;
	memset(o, 0, sizeof(*o));
	o->af = tb[IPVS_DEST_ATTR_ADDR_FAMILY] ? nla_get_u16(tb[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	if (o->af != AF_INET && o->af != AF_INET6)
		return -EPROTO;
	if (ref_addr(&o->addr, o->af, tb[IPVS_DEST_ATTR_ADDR]))
		return -EPROTO;
	o->port = ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_PORT]));
	o->fwd = nla_get_u32(tb[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
	o->weight = (int32_t)nla_get_u32(tb[IPVS_DEST_ATTR_WEIGHT]);
#define U32(a) (tb[a] ? nla_get_u32(tb[a]) : 0)
	o->u_thresh = U32(IPVS_DEST_ATTR_U_THRESH);
	o->l_thresh = U32(IPVS_DEST_ATTR_L_THRESH);
	o->active_conns = U32(IPVS_DEST_ATTR_ACTIVE_CONNS);
	o->inact_conns = U32(IPVS_DEST_ATTR_INACT_CONNS);
	o->persist_conns = U32(IPVS_DEST_ATTR_PERSIST_CONNS);
#undef U32
	uint8_t tt = tb[IPVS_DEST_ATTR_TUN_TYPE] ? nla_get_u8(tb[IPVS_DEST_ATTR_TUN_TYPE]) : 0;
	o->tun_type = tt < LVS_TUN_TYPE_OTHER ? tt : LVS_TUN_TYPE_OTHER;
	o->tun_port = tb[IPVS_DEST_ATTR_TUN_PORT] ? ntohs(nla_get_u16(tb[IPVS_DEST_ATTR_TUN_PORT])) : 0;
	o->tun_flags = tb[IPVS_DEST_ATTR_TUN_FLAGS] ? nla_get_u16(tb[IPVS_DEST_ATTR_TUN_FLAGS]) : 0;
	return ref_stats(tb[IPVS_DEST_ATTR_STATS64], tb[IPVS_DEST_ATTR_STATS], &o->stats, kr);
}

static void same_service(const struct lvs_service *a, const struct lvs_service *b)
{
	FUZZ_CHECK(a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
			   a->fwmark == b->fwmark && !memcmp(&a->addr, &b->addr, sizeof(a->addr)),
		   "service identity differs");
	FUZZ_CHECK(memchr(a->sched, 0, sizeof(a->sched)) && memchr(a->pe_name, 0, sizeof(a->pe_name)),
		   "names unterminated");
	FUZZ_CHECK(!strcmp(a->sched, b->sched) && !strcmp(a->pe_name, b->pe_name),
		   "names differ: %s/%s %s/%s", a->sched, b->sched, a->pe_name, b->pe_name);
	FUZZ_CHECK(a->flags == b->flags && a->timeout == b->timeout && a->netmask == b->netmask,
		   "service settings differ");
	FUZZ_CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)) &&
			   !memcmp(&a->krates, &b->krates, sizeof(a->krates)),
		   "service counters differ");
	FUZZ_CHECK(!a->rates_valid && !a->dests && !a->n_dests, "fields left set");
}

static void same_dest(const struct lvs_dest *a, const struct lvs_dest *b,
		      const struct lvs_kern_rates *ka, const struct lvs_kern_rates *kb)
{
	FUZZ_CHECK(a->af == b->af && a->port == b->port && !memcmp(&a->addr, &b->addr, sizeof(a->addr)),
		   "real server identity differs");
	FUZZ_CHECK(a->fwd == b->fwd && a->weight == b->weight && a->u_thresh == b->u_thresh &&
			   a->l_thresh == b->l_thresh && a->active_conns == b->active_conns &&
			   a->inact_conns == b->inact_conns && a->persist_conns == b->persist_conns,
		   "real server settings differ");
	FUZZ_CHECK(a->tun_type == b->tun_type && a->tun_port == b->tun_port &&
			   a->tun_flags == b->tun_flags,
		   "tunnel fields differ");
	FUZZ_CHECK(!memcmp(&a->stats, &b->stats, sizeof(a->stats)) && !memcmp(ka, kb, sizeof(*ka)),
		   "real server counters differ");
	FUZZ_CHECK(!a->rates_valid && a->health == 0 && a->health_error == 0, "fields left set");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (int a = IPVS_STATS_ATTR_CONNS; a <= IPVS_STATS_ATTR_OUTBPS; a++)
		stats64_policy[a].type = NLA_U64;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65000)
		return 0;
	/* First byte: the family the service would have (for a real server
	 * without ADDR_FAMILY); the rest: the message after its nlmsghdr. */
	uint16_t svc_af = data[0] & 1 ? AF_INET6 : AF_INET;
	data++;
	size--;
	size_t len = NLMSG_HDRLEN + size;
	struct nlmsghdr *nlh = malloc(len);
	FUZZ_CHECK(nlh, "out of memory");
	memset(nlh, 0, NLMSG_HDRLEN);
	nlh->nlmsg_len = (uint32_t)len;
	nlh->nlmsg_type = 0x1d;
	nlh->nlmsg_flags = NLM_F_MULTI;
	memcpy((char *)nlh + NLMSG_HDRLEN, data, size);

	FUZZ_CHECK(ipvs_nl_check_parser(nlh) == 0, "our attribute parser and libnl's disagree");

	struct lvs_service s1, s2;
	memset(&s1, 0xa5, sizeof(s1));
	int r1 = ipvs_nl_decode_service_msg(nlh, &s1);
	int r2 = ref_service(nlh, &s2);
	FUZZ_CHECK(r1 == 0 || r1 == -EPROTO, "service: %d", r1);
	FUZZ_CHECK(r1 == r2, "service verdicts: ours %d, libnl's %d", r1, r2);
	if (!r1)
		same_service(&s1, &s2);

	struct lvs_dest d1, d2;
	struct lvs_kern_rates k1, k2;
	memset(&d1, 0xa5, sizeof(d1));
	memset(&k1, 0xa5, sizeof(k1));
	r1 = ipvs_nl_decode_dest_msg(nlh, svc_af, &d1, &k1);
	r2 = ref_dest(nlh, svc_af, &d2, &k2);
	FUZZ_CHECK(r1 == 0 || r1 == -EPROTO, "real server: %d", r1);
	FUZZ_CHECK(r1 == r2, "real server verdicts: ours %d, libnl's %d", r1, r2);
	if (!r1)
		same_dest(&d1, &d2, &k1, &k2);

	free(nlh);
	return 0;
}
