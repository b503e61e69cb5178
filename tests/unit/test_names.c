/* Names and text forms: addresses, protocols, forwarding methods, tunnel
 * types and flags, service flags (ipvsadm's spellings), versions, sync
 * daemon states. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/names.h"

static void test_addresses(void)
{
	union lvs_addr a;
	uint16_t af = 0;
	char buf[LVS_ADDR_STRLEN];
	CU_ASSERT_EQUAL(lvs_addr_pton("192.0.2.7", &af, &a), 0);
	CU_ASSERT_EQUAL(af, AF_INET);
	CU_ASSERT_EQUAL(a.v4.s_addr, htonl(0xc0000207));
	for (int i = 4; i < 16; i++)
		CU_ASSERT_EQUAL(a.raw[i], 0); /* the rest zeroed */
	CU_ASSERT_STRING_EQUAL(lvs_addr_ntop(af, &a, buf, sizeof(buf)), "192.0.2.7");
	CU_ASSERT_EQUAL(lvs_addr_pton("2001:db8::1", &af, &a), 0);
	CU_ASSERT_EQUAL(af, AF_INET6);
	CU_ASSERT_STRING_EQUAL(lvs_addr_ntop(af, &a, buf, sizeof(buf)), "2001:db8::1");
	/* Longest IPv6 text fits LVS_ADDR_STRLEN. */
	CU_ASSERT_EQUAL(lvs_addr_pton("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &af, &a), 0);
	CU_ASSERT_STRING_EQUAL(lvs_addr_ntop(af, &a, buf, sizeof(buf)),
			       "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* Refused: names, brackets, ports, garbage; the outputs untouched. */
	union lvs_addr keep = a;
	uint16_t keep_af = af;
	const char *bad[] = { "localhost", "[::1]", "10.0.0.1:80", "", "1.2.3", "::g" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(lvs_addr_pton(bad[i], &af, &a), -EINVAL);
		CU_ASSERT_EQUAL(af, keep_af);
		CU_ASSERT_EQUAL(memcmp(&a, &keep, sizeof(a)), 0);
	}
	/* A short buffer gives "?" rather than garbage. */
	char tiny[4];
	CU_ASSERT_STRING_EQUAL(lvs_addr_ntop(AF_INET6, &a, tiny, sizeof(tiny)), "?");
}

static void test_protocols(void)
{
	struct lvs_service s = { .protocol = IPPROTO_TCP };
	CU_ASSERT_STRING_EQUAL(lvs_service_proto_name(&s), "tcp");
	s.protocol = IPPROTO_UDP;
	CU_ASSERT_STRING_EQUAL(lvs_service_proto_name(&s), "udp");
	s.protocol = IPPROTO_SCTP;
	CU_ASSERT_STRING_EQUAL(lvs_service_proto_name(&s), "sctp");
	s.protocol = 99;
	CU_ASSERT_STRING_EQUAL(lvs_service_proto_name(&s), "ip");
	s.fwmark = 5; /* a mark wins over any protocol */
	CU_ASSERT_STRING_EQUAL(lvs_service_proto_name(&s), "fwm");
	CU_ASSERT_EQUAL(lvs_proto_from_name("tcp"), IPPROTO_TCP);
	CU_ASSERT_EQUAL(lvs_proto_from_name("udp"), IPPROTO_UDP);
	CU_ASSERT_EQUAL(lvs_proto_from_name("sctp"), IPPROTO_SCTP);
	CU_ASSERT_EQUAL(lvs_proto_from_name("TCP"), -EINVAL);
	CU_ASSERT_EQUAL(lvs_proto_from_name("fwm"), -EINVAL);
}

static void test_fwd_and_tunnels(void)
{
	const char *fwd[] = { "masq", "local", "tunnel", "route", "bypass" };
	const uint32_t bits[] = { IP_VS_CONN_F_MASQ, IP_VS_CONN_F_LOCALNODE, IP_VS_CONN_F_TUNNEL,
				  IP_VS_CONN_F_DROUTE, IP_VS_CONN_F_BYPASS };
	for (size_t i = 0; i < 5; i++) {
		CU_ASSERT_STRING_EQUAL(lvs_fwd_name(bits[i]), fwd[i]);
		CU_ASSERT_EQUAL(lvs_fwd_from_name(fwd[i]), (int)bits[i]);
	}
	CU_ASSERT_STRING_EQUAL(lvs_fwd_name(77), "unknown");
	CU_ASSERT_EQUAL(lvs_fwd_from_name("dr"), -EINVAL);

	CU_ASSERT_STRING_EQUAL(lvs_tun_type_name(IP_VS_CONN_F_TUNNEL_TYPE_IPIP), "ipip");
	CU_ASSERT_STRING_EQUAL(lvs_tun_type_name(IP_VS_CONN_F_TUNNEL_TYPE_GUE), "gue");
	CU_ASSERT_STRING_EQUAL(lvs_tun_type_name(IP_VS_CONN_F_TUNNEL_TYPE_GRE), "gre");
	CU_ASSERT_STRING_EQUAL(lvs_tun_type_name(200), "unknown");
	CU_ASSERT_EQUAL(lvs_tun_type_from_name("gue"), IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	CU_ASSERT_EQUAL(lvs_tun_type_from_name("vxlan"), -EINVAL);

	const char *out[4];
	CU_ASSERT_EQUAL(lvs_tun_flag_names(0, out, 4), 1);
	CU_ASSERT_STRING_EQUAL(out[0], "nocsum");
	CU_ASSERT_EQUAL(lvs_tun_flag_names(IP_VS_TUNNEL_ENCAP_FLAG_CSUM |
					   IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM, out, 4), 2);
	CU_ASSERT_STRING_EQUAL(out[0], "csum");
	CU_ASSERT_STRING_EQUAL(out[1], "remcsum");
	CU_ASSERT_EQUAL(lvs_tun_flag_names(IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM, out, 0), 0);
	CU_ASSERT_EQUAL(lvs_tun_flag_from_name("csum"), IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
	CU_ASSERT_EQUAL(lvs_tun_flag_from_name("nocsum"), 0);
}

static void test_service_flags(void)
{
	const char *out[8];
	uint32_t all = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_SCHED1 |
		       IP_VS_SVC_F_SCHED2 | IP_VS_SVC_F_SCHED3;
	CU_ASSERT_EQUAL_FATAL(lvs_svc_flag_names(all, "wrr", out, 8), 5);
	CU_ASSERT_STRING_EQUAL(out[0], "persistent");
	CU_ASSERT_STRING_EQUAL(out[1], "onepacket");
	CU_ASSERT_STRING_EQUAL(out[2], "flag-1");
	CU_ASSERT_STRING_EQUAL(out[3], "flag-2");
	CU_ASSERT_STRING_EQUAL(out[4], "flag-3");
	/* sh and mh: ipvsadm's names for their flags. */
	CU_ASSERT_EQUAL_FATAL(lvs_svc_flag_names(IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2, "sh", out, 8), 2);
	CU_ASSERT_STRING_EQUAL(out[0], "sh-fallback");
	CU_ASSERT_STRING_EQUAL(out[1], "sh-port");
	CU_ASSERT_EQUAL_FATAL(lvs_svc_flag_names(IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2, "mh", out, 8), 2);
	CU_ASSERT_STRING_EQUAL(out[0], "mh-fallback");
	CU_ASSERT_STRING_EQUAL(out[1], "mh-port");
	CU_ASSERT_EQUAL(lvs_svc_flag_names(IP_VS_SVC_F_SCHED1, NULL, out, 8), 1);
	CU_ASSERT_STRING_EQUAL(out[0], "flag-1");
	/* max bounds the output. */
	CU_ASSERT_EQUAL(lvs_svc_flag_names(all, "wrr", out, 2), 2);
	CU_ASSERT_EQUAL(lvs_svc_flag_names(0, "wrr", out, 8), 0);
	/* Every spelling back to its bit. */
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("persistent"), IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("hashed"), IP_VS_SVC_F_HASHED);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("onepacket"), IP_VS_SVC_F_ONEPACKET);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("flag-3"), IP_VS_SVC_F_SCHED3);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("sh-fallback"), IP_VS_SVC_F_SCHED1);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("mh-port"), IP_VS_SVC_F_SCHED2);
	CU_ASSERT_EQUAL(lvs_svc_flag_from_name("sticky"), 0);
}

static void test_versions_and_daemons(void)
{
	char buf[16];
	uint32_t v = 0;
	CU_ASSERT_STRING_EQUAL(lvs_version_str(1 << 16 | 2 << 8 | 1, buf, sizeof(buf)), "1.2.1");
	CU_ASSERT_EQUAL(lvs_version_parse("1.2.1", &v), 0);
	CU_ASSERT_EQUAL(v, (1u << 16 | 2 << 8 | 1));
	CU_ASSERT_EQUAL(lvs_version_parse("255.255.255", &v), 0);
	CU_ASSERT_STRING_EQUAL(lvs_version_str(v, buf, sizeof(buf)), "255.255.255");
	v = 7;
	CU_ASSERT_EQUAL(lvs_version_parse("1.2", &v), -EINVAL);
	CU_ASSERT_EQUAL(lvs_version_parse("1.2.3x", &v), -EINVAL);
	CU_ASSERT_EQUAL(lvs_version_parse("256.0.0", &v), -EINVAL);
	CU_ASSERT_EQUAL(lvs_version_parse("", &v), -EINVAL);
	CU_ASSERT_EQUAL(v, 7); /* untouched on error */

	CU_ASSERT_STRING_EQUAL(lvs_daemon_state_name(IP_VS_STATE_MASTER), "master");
	CU_ASSERT_STRING_EQUAL(lvs_daemon_state_name(IP_VS_STATE_BACKUP), "backup");
	CU_ASSERT_STRING_EQUAL(lvs_daemon_state_name(0), "none");
}

int register_names(void)
{
	CU_pSuite s = CU_add_suite("names", NULL, NULL);
	if (!s || !CU_add_test(s, "addresses", test_addresses) ||
	    !CU_add_test(s, "protocols", test_protocols) ||
	    !CU_add_test(s, "forwarding and tunnels", test_fwd_and_tunnels) ||
	    !CU_add_test(s, "service flags", test_service_flags) ||
	    !CU_add_test(s, "versions and sync daemons", test_versions_and_daemons))
		return -1;
	return 0;
}
