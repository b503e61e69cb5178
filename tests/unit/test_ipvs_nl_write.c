/* The write side of ipvs_nl: the messages it builds, as the kernel would
 * parse them, and the kernel's answers passed back per command. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <stdlib.h>
#include <string.h>

#include "collector/ipvs_nl.h"

#define FAMILY 0x2a

static struct {
	unsigned char req[4096];
	size_t req_len;
	int answer; /* errno the ack carries, negative; 0: success */
	bool no_answer;
	int requests;
} w;

static int w_send(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *h = nlmsg_hdr(msg);
	(void)sk;
	w.requests++;
	CU_ASSERT_FATAL(h->nlmsg_len <= sizeof(w.req));
	memcpy(w.req, h, h->nlmsg_len);
	w.req_len = h->nlmsg_len;
	return (int)h->nlmsg_len;
}

static int w_recv(struct nl_sock *sk, struct sockaddr_nl *who, unsigned char **buf, struct ucred **creds)
{
	const struct nlmsghdr *req = (const struct nlmsghdr *)w.req;
	(void)sk;
	(void)who;
	(void)creds;
	if (w.no_answer)
		return 0;
	struct {
		struct nlmsghdr h;
		struct nlmsgerr e;
	} ack = { { NLMSG_LENGTH(sizeof(struct nlmsgerr)), NLMSG_ERROR, 0, req->nlmsg_seq, 0 },
		  { w.answer, *req } };
	*buf = malloc(sizeof(ack));
	memcpy(*buf, &ack, sizeof(ack));
	w.no_answer = true; /* one ack per request */
	return (int)sizeof(ack);
}

static lvs_nl *w_open(int answer)
{
	lvs_nl *nl = NULL;
	memset(&w, 0, sizeof(w));
	w.answer = answer;
	CU_ASSERT_EQUAL_FATAL(ipvs_nl_open_transport(&nl, FAMILY, w_send, w_recv), 0);
	return nl;
}

/* The request's command and top-level attributes. */
static int w_parse(struct nlattr **tb)
{
	struct nlmsghdr *h = (struct nlmsghdr *)w.req;
	CU_ASSERT_EQUAL(h->nlmsg_type, FAMILY);
	CU_ASSERT(h->nlmsg_flags & NLM_F_REQUEST);
	CU_ASSERT(h->nlmsg_flags & NLM_F_ACK);
	CU_ASSERT_FALSE(h->nlmsg_flags & NLM_F_DUMP);
	CU_ASSERT_EQUAL_FATAL(genlmsg_parse(h, 0, tb, IPVS_CMD_ATTR_MAX, NULL), 0);
	return ((struct genlmsghdr *)nlmsg_data(h))->cmd;
}

static struct lvs_service svc_tcp(void)
{
	struct lvs_service s;
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.port = 80;
	inet_pton(AF_INET, "203.0.113.10", &s.addr.v4);
	snprintf(s.sched, sizeof(s.sched), "wrr");
	s.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED1;
	s.timeout = 300;
	s.netmask = htonl(0xffffff00u);
	return s;
}

static void test_new_dest_message(void)
{
	lvs_nl *nl = w_open(0);
	struct lvs_service s = svc_tcp();
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.port = 8080;
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	d.fwd = LVS_FWD_TUNNEL;
	d.weight = 7;
	d.u_thresh = 100;
	d.l_thresh = 10;
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	d.tun_port = 6080;
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;

	CU_ASSERT_EQUAL(ipvs_nl_new_dest(nl, &s, &d), 0);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *sv[IPVS_SVC_ATTR_MAX + 1], *dt[IPVS_DEST_ATTR_MAX + 1];
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_NEW_DEST);
	CU_ASSERT_FATAL(tb[IPVS_CMD_ATTR_SERVICE] && tb[IPVS_CMD_ATTR_DEST]);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(sv, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	CU_ASSERT_EQUAL(nla_get_u16(sv[IPVS_SVC_ATTR_AF]), AF_INET);
	CU_ASSERT_EQUAL(nla_get_u16(sv[IPVS_SVC_ATTR_PROTOCOL]), IPPROTO_TCP);
	CU_ASSERT_EQUAL(nla_get_u16(sv[IPVS_SVC_ATTR_PORT]), htons(80));
	CU_ASSERT_EQUAL(memcmp(nla_data(sv[IPVS_SVC_ATTR_ADDR]), &s.addr, 4), 0);
	/* Only the identity: the service's settings are not the dest's business. */
	CU_ASSERT_PTR_NULL(sv[IPVS_SVC_ATTR_SCHED_NAME]);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(dt, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST], NULL), 0);
	CU_ASSERT_EQUAL(nla_get_u16(dt[IPVS_DEST_ATTR_ADDR_FAMILY]), AF_INET);
	CU_ASSERT_EQUAL(nla_len(dt[IPVS_DEST_ATTR_ADDR]), 16);
	CU_ASSERT_EQUAL(memcmp(nla_data(dt[IPVS_DEST_ATTR_ADDR]), &d.addr, 16), 0);
	CU_ASSERT_EQUAL(nla_get_u16(dt[IPVS_DEST_ATTR_PORT]), htons(8080));
	CU_ASSERT_EQUAL(nla_get_u32(dt[IPVS_DEST_ATTR_FWD_METHOD]), IP_VS_CONN_F_TUNNEL);
	CU_ASSERT_EQUAL(nla_get_u32(dt[IPVS_DEST_ATTR_WEIGHT]), 7);
	CU_ASSERT_EQUAL(nla_get_u32(dt[IPVS_DEST_ATTR_U_THRESH]), 100);
	CU_ASSERT_EQUAL(nla_get_u32(dt[IPVS_DEST_ATTR_L_THRESH]), 10);
	CU_ASSERT_EQUAL(nla_get_u8(dt[IPVS_DEST_ATTR_TUN_TYPE]), IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	CU_ASSERT_EQUAL(nla_get_u16(dt[IPVS_DEST_ATTR_TUN_PORT]), htons(6080));
	CU_ASSERT_EQUAL(nla_get_u16(dt[IPVS_DEST_ATTR_TUN_FLAGS]), IP_VS_TUNNEL_ENCAP_FLAG_CSUM);

	/* DEL_DEST carries the dest's identity only. */
	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_del_dest(nl, &s, &d), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_DEL_DEST);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(dt, IPVS_DEST_ATTR_MAX, tb[IPVS_CMD_ATTR_DEST], NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(dt[IPVS_DEST_ATTR_ADDR]);
	CU_ASSERT_PTR_NULL(dt[IPVS_DEST_ATTR_WEIGHT]);
	ipvs_nl_close(nl);
}

static void test_service_messages(void)
{
	lvs_nl *nl = w_open(0);
	struct lvs_service s = svc_tcp();
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *sv[IPVS_SVC_ATTR_MAX + 1];

	CU_ASSERT_EQUAL(ipvs_nl_set_service(nl, &s), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_SET_SERVICE);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(sv, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	CU_ASSERT_STRING_EQUAL(nla_get_string(sv[IPVS_SVC_ATTR_SCHED_NAME]), "wrr");
	struct ip_vs_flags fl;
	CU_ASSERT_EQUAL_FATAL(nla_len(sv[IPVS_SVC_ATTR_FLAGS]), (int)sizeof(fl));
	memcpy(&fl, nla_data(sv[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	CU_ASSERT_EQUAL(fl.flags, IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_SCHED1); /* HASHED is the kernel's */
	CU_ASSERT_EQUAL(fl.mask, ~0u);
	CU_ASSERT_EQUAL(nla_get_u32(sv[IPVS_SVC_ATTR_TIMEOUT]), 300);
	CU_ASSERT_EQUAL(nla_get_u32(sv[IPVS_SVC_ATTR_NETMASK]), htonl(0xffffff00u));
	CU_ASSERT_PTR_NULL(sv[IPVS_SVC_ATTR_PE_NAME]); /* none: SET removes an engine */

	/* A firewall-mark service is named by af and mark alone. */
	s.fwmark = 42;
	s.af = AF_INET6;
	snprintf(s.pe_name, sizeof(s.pe_name), "sip");
	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_new_service(nl, &s), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_NEW_SERVICE);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(sv, IPVS_SVC_ATTR_MAX, tb[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	CU_ASSERT_EQUAL(nla_get_u32(sv[IPVS_SVC_ATTR_FWMARK]), 42);
	CU_ASSERT_EQUAL(nla_get_u16(sv[IPVS_SVC_ATTR_AF]), AF_INET6);
	CU_ASSERT_PTR_NULL(sv[IPVS_SVC_ATTR_ADDR]);
	CU_ASSERT_PTR_NULL(sv[IPVS_SVC_ATTR_PROTOCOL]);
	CU_ASSERT_STRING_EQUAL(nla_get_string(sv[IPVS_SVC_ATTR_PE_NAME]), "sip");

	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_zero(nl, NULL), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_ZERO);
	CU_ASSERT_PTR_NULL(tb[IPVS_CMD_ATTR_SERVICE]);
	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_flush(nl), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_FLUSH);
	ipvs_nl_close(nl);
}

static void test_config_and_daemons(void)
{
	lvs_nl *nl = w_open(0);
	struct nlattr *tb[IPVS_CMD_ATTR_MAX + 1], *dm[IPVS_DAEMON_ATTR_MAX + 1];

	CU_ASSERT_EQUAL(ipvs_nl_set_timeouts(nl, 900, 0, 300), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_SET_CONFIG);
	CU_ASSERT_EQUAL(nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP]), 900);
	CU_ASSERT_EQUAL(nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]), 0);
	CU_ASSERT_EQUAL(nla_get_u32(tb[IPVS_CMD_ATTR_TIMEOUT_UDP]), 300);

	struct lvs_daemon d;
	memset(&d, 0, sizeof(d));
	d.state = IP_VS_STATE_MASTER;
	snprintf(d.mcast_ifn, sizeof(d.mcast_ifn), "eth0");
	d.syncid = 9;
	d.mcast_af = AF_INET;
	inet_pton(AF_INET, "224.0.0.81", d.mcast_group.raw);
	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_new_daemon(nl, &d), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_NEW_DAEMON);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(dm, IPVS_DAEMON_ATTR_MAX, tb[IPVS_CMD_ATTR_DAEMON], NULL), 0);
	CU_ASSERT_EQUAL(nla_get_u32(dm[IPVS_DAEMON_ATTR_STATE]), IP_VS_STATE_MASTER);
	CU_ASSERT_STRING_EQUAL(nla_get_string(dm[IPVS_DAEMON_ATTR_MCAST_IFN]), "eth0");
	CU_ASSERT_EQUAL(nla_get_u32(dm[IPVS_DAEMON_ATTR_SYNC_ID]), 9);
	CU_ASSERT_EQUAL(nla_len(dm[IPVS_DAEMON_ATTR_MCAST_GROUP]), 4);
	CU_ASSERT_PTR_NULL(dm[IPVS_DAEMON_ATTR_MCAST_PORT]); /* 0: the kernel's default */

	w.no_answer = false;
	CU_ASSERT_EQUAL(ipvs_nl_del_daemon(nl, &d), 0);
	CU_ASSERT_EQUAL(w_parse(tb), IPVS_CMD_DEL_DAEMON);
	CU_ASSERT_EQUAL_FATAL(nla_parse_nested(dm, IPVS_DAEMON_ATTR_MAX, tb[IPVS_CMD_ATTR_DAEMON], NULL), 0);
	CU_ASSERT_PTR_NULL(dm[IPVS_DAEMON_ATTR_MCAST_IFN]);
	ipvs_nl_close(nl);
}

/* The kernel's errno comes back as it is: its meaning depends on the command. */
static void test_kernel_answers(void)
{
	static const struct {
		int kernel, want;
	} cases[] = {
		{ -ESRCH, -ESRCH }, { -EEXIST, -EEXIST }, { -ENOENT, -ENOENT }, { -ERANGE, -ERANGE },
		{ -EINVAL, -EINVAL }, { -EPERM, -EPERM }, { -EACCES, -EPERM }, { -EAFNOSUPPORT, -EAFNOSUPPORT },
		{ -EBUSY, -EBUSY },
	};
	struct lvs_service s = svc_tcp();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lvs_nl *nl = w_open(cases[i].kernel);
		CU_ASSERT_EQUAL(ipvs_nl_new_service(nl, &s), cases[i].want);
		CU_ASSERT_EQUAL(w.requests, 1); /* the test handle's family never changes: no retry */
		ipvs_nl_close(nl);
	}
	/* No answer at all: the transport failed. */
	lvs_nl *nl = w_open(0);
	w.no_answer = true;
	CU_ASSERT_EQUAL(ipvs_nl_del_service(nl, &s), -EIO);
	ipvs_nl_close(nl);
}

int register_ipvs_nl_write(void)
{
	CU_pSuite s = CU_add_suite("ipvs_nl_write", NULL, NULL);
	if (!s || !CU_add_test(s, "real server messages", test_new_dest_message) ||
	    !CU_add_test(s, "service messages", test_service_messages) ||
	    !CU_add_test(s, "timeouts and sync daemons", test_config_and_daemons) ||
	    !CU_add_test(s, "kernel answers per command", test_kernel_answers))
		return -1;
	return 0;
}
