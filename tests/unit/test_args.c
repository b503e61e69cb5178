#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <linux/ip_vs.h>
#include <string.h>

#include "actions/args.h"
#include "actions/ops.h"

/* Split a command line into argv (no quoting) and parse it. */
static int parse(const char *line, struct lvs_args *g, char *err, size_t errlen)
{
	char buf[512], *argv[64];
	snprintf(buf, sizeof(buf), "%s", line);
	int argc = args_split(buf, argv, 64);
	CU_ASSERT_FATAL(argc >= 0);
	int r = args_parse(argc, argv, g, err, errlen);
	g->file = NULL; /* pointed into buf */
	return r;
}

static void test_service_forms(void)
{
	struct lvs_args g;
	char err[LVS_ERR_MAX], a[64];

	CU_ASSERT_EQUAL(parse("add-service -t 203.0.113.10:80 -s rr", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.act, LVS_ACT_ADD_SVC);
	CU_ASSERT_EQUAL(g.svc.af, AF_INET);
	CU_ASSERT_EQUAL(g.svc.protocol, IPPROTO_TCP);
	CU_ASSERT_EQUAL(g.svc.port, 80);
	CU_ASSERT_STRING_EQUAL(inet_ntop(AF_INET, &g.svc.addr.v4, a, sizeof(a)), "203.0.113.10");
	CU_ASSERT_STRING_EQUAL(g.svc.sched, "rr");
	CU_ASSERT(g.given & LVS_ARG_SCHED);

	CU_ASSERT_EQUAL(parse("-A --sctp-service [2001:db8::1]:9000 -s lblcr -p -M 64", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.svc.af, AF_INET6);
	CU_ASSERT_EQUAL(g.svc.protocol, IPPROTO_SCTP);
	CU_ASSERT_EQUAL(g.svc.port, 9000);
	CU_ASSERT_EQUAL(g.svc.timeout, LVS_PERSIST_DEFAULT);
	CU_ASSERT(g.svc.flags & IP_VS_SVC_F_PERSISTENT);
	CU_ASSERT_EQUAL(g.svc.netmask, 64);

	CU_ASSERT_EQUAL(parse("add-service -f 43 -6 -s ovf -p 120 -M 64 -o", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.svc.fwmark, 43);
	CU_ASSERT_EQUAL(g.svc.af, AF_INET6);
	CU_ASSERT_EQUAL(g.svc.timeout, 120);
	CU_ASSERT(g.svc.flags & IP_VS_SVC_F_ONEPACKET);

	CU_ASSERT_EQUAL(parse("-A -u 203.0.113.13:53 -s sh -o -b sh-fallback,sh-port", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.svc.flags & (IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2),
			IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2);

	CU_ASSERT_EQUAL(parse("add-service -t 203.0.113.11:443 -s wlc -p 600 -M 255.255.255.0", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.svc.netmask, htonl(0xffffff00u));
}

static void test_server_forms(void)
{
	struct lvs_args g;
	char err[LVS_ERR_MAX];

	CU_ASSERT_EQUAL(parse("-a -u 203.0.113.13:53 -r 192.0.2.12:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum",
			      &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.act, LVS_ACT_ADD_DEST);
	CU_ASSERT_EQUAL(g.dest.fwd, LVS_FWD_TUNNEL);
	CU_ASSERT_EQUAL(g.dest.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	CU_ASSERT_EQUAL(g.dest.tun_port, 6080);
	CU_ASSERT(g.given & LVS_ARG_DEST_PORT);

	CU_ASSERT_EQUAL(parse("quiesce -t 203.0.113.10:80 -r [2001:db8:a::11]", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.dest.af, AF_INET6);
	CU_ASSERT_FALSE(g.given & LVS_ARG_DEST_PORT);

	CU_ASSERT_EQUAL(parse("weight -t 203.0.113.10:80 -r 192.0.2.11 -3", &g, err, sizeof(err)), 0);
	CU_ASSERT(g.weight_relative);
	CU_ASSERT_EQUAL(g.weight_delta, -3);
	CU_ASSERT_EQUAL(parse("weight -f 3 -r 192.0.2.11 -6", &g, err, sizeof(err)), 0);
	CU_ASSERT(g.weight_relative);
	CU_ASSERT_EQUAL(g.weight_delta, -6);
	CU_ASSERT_EQUAL(g.svc.af, AF_INET); /* -6 here is the weight, not IPv6 */
	CU_ASSERT_EQUAL(parse("weight -t 203.0.113.10:80 -r 192.0.2.11 +4", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.weight_delta, 4);
	CU_ASSERT_EQUAL(parse("weight -t 203.0.113.10:80 -r 192.0.2.11 7", &g, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(g.weight_relative);
	CU_ASSERT_EQUAL(g.dest.weight, 7);

	CU_ASSERT_EQUAL(parse("drain -f 5 -r 192.0.2.11 --wait --timeout 30 --remove", &g, err, sizeof(err)), 0);
	CU_ASSERT(g.wait && g.remove && g.has_wait_timeout);
	CU_ASSERT_EQUAL(g.wait_timeout, 30);

	CU_ASSERT_EQUAL(parse("timeouts 900 0 300", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.timeouts[0], 900);
	CU_ASSERT_EQUAL(g.timeouts[1], 0);
	CU_ASSERT_EQUAL(parse("start-daemon backup --mcast-interface eth1 --syncid 9 --mcast-group ff02::81 "
			      "--mcast-port 8850 --mcast-ttl 3 --sync-maxlen 1400", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.act, LVS_ACT_START_DAEMON);
	CU_ASSERT_EQUAL(g.dm.state, IP_VS_STATE_BACKUP);
	CU_ASSERT_STRING_EQUAL(g.dm.mcast_ifn, "eth1");
	CU_ASSERT_EQUAL(g.dm.syncid, 9);
	CU_ASSERT_EQUAL(g.dm.mcast_af, AF_INET6);
	CU_ASSERT_EQUAL(g.dm.mcast_port, 8850);
	CU_ASSERT_EQUAL(g.dm.mcast_ttl, 3);
	CU_ASSERT_EQUAL(g.dm.sync_maxlen, 1400);
	CU_ASSERT_EQUAL(parse("stop-daemon master", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(g.dm.state, IP_VS_STATE_MASTER);
	CU_ASSERT_EQUAL(parse("flush --yes", &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(parse("zero", &g, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(g.given & LVS_ARG_SVC);
}

/* Every malformed command: rejected, with a message naming the field. */
static void test_malformed(void)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "add-service -t 203.0.113.300:80", "service address: '203.0.113.300:80' is not a numeric IPv4 or IPv6 address" },
		{ "add-service -t 203.0.113.5:70000", "service address: '203.0.113.5:70000': the port must be a number 0..65535" },
		{ "add-service -t 203.0.113.5:", "service address: '203.0.113.5:': the port must be a number 0..65535" },
		{ "add-service -t 2001:db8::1:80", "write an IPv6 address in brackets" },
		{ "add-service -t [2001:db8::1:80", "has no closing ']'" },
		{ "add-service -t [2001:db8::1]x", "text after ']'" },
		{ "add-service -t [192.0.2.1]:80", "'[192.0.2.1]:80' is not an IPv6 address (write IPv4 without brackets)" },
		{ "add-service -t www.example.org:80", "names are not resolved" },
		{ "add-service -f 0", "firewall mark: 0 is out of range" },
		{ "add-service -f 4294967296", "firewall mark: 4294967296 is out of range" },
		{ "add-service -f -1", "firewall mark: -1 is negative: must be 1 or more" },
		{ "add-service -t 203.0.113.5:80 -s best", "scheduler: 'best' is not an IPVS scheduler" },
		{ "edit-service -t 203.0.113.5:80 -p --no-persistent", "-p and --no-persistent exclude each other" },
		{ "edit-service -t 203.0.113.5:80 --no-persistent -M 255.255.0.0", "-M goes with a persistent service" },
		{ "edit-service -t 203.0.113.5:80 -o --no-ops", "-o and --no-ops exclude each other" },
		{ "add-service -t 203.0.113.5:80 -p 2678401", "persistence timeout (-p): 2678401 is out of range" },
		{ "add-service -t 203.0.113.5:80 -p 0", "persistence timeout (-p): 0 is out of range" },
		{ "add-service -t 203.0.113.5:80 -p -M 255.255.0.255", "not a contiguous netmask" },
		{ "add-service -t 203.0.113.5:80 -p -M 24", "'24' is not an IPv4 netmask" },
		{ "add-service -f 3 -6 -p -M 0", "netmask (-M): 0 is out of range" },
		{ "add-service -t 203.0.113.5:80 -b fast", "'fast' is not a scheduler flag" },
		{ "add-service -t 203.0.113.5:80 -b persistent", "'persistent' is not a scheduler flag" },
		{ "add-service -t 203.0.113.5:80 -b sh-port", "belong to the sh scheduler, not wlc" },
		{ "add-service -t 203.0.113.5:80 -s mh -b sh-port", "belong to the sh scheduler, not mh" },
		{ "add-service -t 203.0.113.5:80 --pe rtsp", "persistence engine (--pe): 'rtsp'" },
		{ "add-service -t 203.0.113.5:80 -t 203.0.113.6:80", "option '-t' given twice" },
		{ "add-service -t 203.0.113.5:80 -f 3", "give one service" },
		{ "add-service -t 203.0.113.5:80 -6", "-6 applies to firewall-mark services only" },
		{ "add-service -t 203.0.113.5:80 -r 192.0.2.1", "option '-r' does not apply" },
		{ "add-service", "missing the virtual service" },
		{ "add-server -t 203.0.113.5:80", "missing the real server" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -w 2147483648", "weight: 2147483648 is out of range" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -w 1.5", "weight: '1.5' is not a number" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -w", "option '-w' needs a value" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -x 4294967296", "upper threshold (-x): 4294967296 is out of range" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -x 5 -y 6", "lower threshold (-y 6) is above the upper one (-x 5)" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -g -i", "-g, -i and -m exclude each other" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -m --tun-port 5", "need tunnelling (-i)" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -i --tun-type vxlan", "'vxlan' is not one of ipip, gue, gre" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -i --tun-port 0", "tunnel port (--tun-port): 0 is out of range" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1 -i --tun-csum --tun-nocsum", "exclude each other" },
		{ "add-server -t 203.0.113.5:80 -r 192.0.2.1:99999", "real server: '192.0.2.1:99999': the port must be a number 0..65535" },
		{ "weight -t 203.0.113.5:80 -r 192.0.2.1", "weight: missing" },
		{ "weight -t 203.0.113.5:80 -r 192.0.2.1 +x", "weight: 'x' is not a number" },
		{ "weight -t 203.0.113.5:80 -r 192.0.2.1 3 4", "give the new weight once" },
		{ "drain -t 203.0.113.5:80 -r 192.0.2.1 --timeout 5", "--timeout and --remove need --wait" },
		{ "drain -t 203.0.113.5:80 -r 192.0.2.1 --wait --timeout 0", "drain timeout (--timeout): 0 is out of range" },
		{ "timeouts 1 2", "give three values" },
		{ "timeouts 1 2 2678401", "udp timeout: 2678401 is out of range" },
		{ "flush", "add --yes to confirm" },
		{ "load", "give one file" },
		{ "save extra", "unexpected argument 'extra'" },
		{ "quiesce -t 203.0.113.5:80 -r 192.0.2.1 --frobnicate", "unknown option '--frobnicate'" },
		{ "quiesce -t 203.0.113.5:80 -r 192.0.2.1 -Z", "unknown option '-Z'" },
		{ "explode", "unknown command 'explode'" },
		{ "start-daemon master", "missing the multicast interface" },
		{ "start-daemon primary --mcast-interface eth0", "give the daemon's state, master or backup" },
		{ "start-daemon master --mcast-interface averyveryverylongname", "is not an interface name" },
		{ "start-daemon master --mcast-interface eth0 --syncid 256", "sync id (--syncid): 256 is out of range" },
		{ "start-daemon master --mcast-interface eth0 --mcast-group 192.0.2.1", "'192.0.2.1' is not a multicast address" },
		{ "start-daemon master --mcast-interface eth0 --mcast-ttl 0", "multicast TTL (--mcast-ttl): 0 is out of range" },
		{ "stop-daemon master --syncid 3", "option '--syncid' does not apply" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct lvs_args g;
		char err[LVS_ERR_MAX] = "";
		int r = parse(cases[i].line, &g, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, cases[i].want))
			fprintf(stderr, "\n  '%s': r=%d err='%s' (wanted '%s')\n", cases[i].line, r, err,
				cases[i].want);
		CU_ASSERT_EQUAL(r, -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].want));
	}
}

/* The checks on whole objects (after merging current values). */
static void test_checks(void)
{
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80, .sched = "rr",
				   .netmask = 0xffffffffu };
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_MASQ, .weight = 1 };
	char err[LVS_ERR_MAX];

	CU_ASSERT_EQUAL(args_check_service(&svc, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d, err, sizeof(err)), 0);

	struct lvs_service s2 = svc;
	s2.port = 0;
	CU_ASSERT_EQUAL(args_check_service(&s2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs a persistent service"));
	s2.flags = IP_VS_SVC_F_PERSISTENT;
	s2.timeout = 300;
	CU_ASSERT_EQUAL(args_check_service(&s2, err, sizeof(err)), 0);

	struct lvs_dest d2 = d;
	d2.fwd = LVS_FWD_ROUTE;
	d2.port = 8080;
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "keep the service's port (80), not 8080"));
	svc.fwmark = 5; /* marks have no port to keep */
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), 0);
	svc.fwmark = 0;

	d2 = d;
	d2.af = AF_INET6;
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "must use tunnelling"));
	d2.fwd = LVS_FWD_TUNNEL;
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), 0);

	d2 = d;
	d2.l_thresh = 5; /* no upper threshold: the kernel answers ERANGE */
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "needs an upper one"));

	d2 = d;
	d2.fwd = LVS_FWD_TUNNEL;
	d2.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	d2.tun_port = 5;
	CU_ASSERT_EQUAL(args_check_dest(&svc, &d2, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "gre takes no port"));
}

static void test_words(void)
{
	enum lvs_act act;
	static const char *const words[] = { "quiesce", "drain", "restore", "weight", "add-service",
		"edit-service", "del-service", "add-server", "edit-server", "del-server", "zero",
		"timeouts", "flush", "save", "load", "start-daemon", "stop-daemon" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		CU_ASSERT_EQUAL(args_act_from_word(words[i], &act), 0);
		CU_ASSERT_STRING_EQUAL(args_act_name(act), words[i]);
	}
	CU_ASSERT_EQUAL(args_act_from_word("-a", &act), 0);
	CU_ASSERT_EQUAL(act, LVS_ACT_ADD_DEST);
	CU_ASSERT_EQUAL(args_act_from_word("list", &act), -EINVAL);
	CU_ASSERT(args_sched_known("mh"));
	CU_ASSERT_FALSE(args_sched_known("twos"));
}

/* The whole-object checks a command can have without the table. */
static void test_given(void)
{
	static const struct {
		const char *line, *want; /* want NULL: accepted */
	} cases[] = {
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 --tun-type gue", "tunnel options (--tun-*) need tunnelling (-i)" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gue", "GUE needs a port" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -i --tun-type gue --tun-port 6080", NULL },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -g", "keep the service's port (80), not 8080" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1:8080", "keep the service's port (80), not 8080" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -i", "keep the service's port (80), not 8080" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -m", NULL },
		{ "add-server -f 7 -r 10.0.0.1:8080 -g", NULL }, /* a mark has no port to keep */
		{ "edit-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -g", "keep the service's port (80), not 8080" },
		{ "edit-server -t 192.0.2.1:80 -r 10.0.0.1:8080 -w 3", NULL }, /* its method is the table's */
		{ "add-service -t 192.0.2.1:0", "port 0 (any port) needs a persistent service (-p)" },
		{ "add-service -t 192.0.2.1:0 -p", NULL },
		{ "add-service -t 192.0.2.1", "port 0 (any port) needs a persistent service (-p)" },
		{ "edit-service -t 192.0.2.1:0 -s rr", NULL }, /* persistence is the table's */
		{ "add-server -t 192.0.2.1:80 -r [2001:db8::1]:80", "another address family than the service must use tunnelling" },
		{ "add-server -t 192.0.2.1:80 -r [2001:db8::1]:80 -m", "another address family than the service must use tunnelling" },
		{ "add-server -t 192.0.2.1:80 -r [2001:db8::1]:80 -i", NULL },
		{ "edit-server -t 192.0.2.1:80 -r [2001:db8::1]:80 -m", "another address family than the service must use tunnelling" },
		{ "add-server -f 7 -6 -r 10.0.0.1 -g", "another address family than the service must use tunnelling" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -x 0 -y 5", "a lower threshold (5) needs an upper one" },
		{ "quiesce -t 192.0.2.1:80 -r 10.0.0.1:8080", NULL },
		{ "del-server -t 192.0.2.1:80 -r [2001:db8::1]:80", NULL },
	};
	struct lvs_args g;
	char err[LVS_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		CU_ASSERT_EQUAL_FATAL(parse(cases[i].line, &g, err, sizeof(err)), 0);
		int r = args_check_given(&g, err, sizeof(err));
		bool ok = cases[i].want ? r == -EINVAL && strstr(err, cases[i].want) : r == 0;
		if (!ok)
			fprintf(stderr, "\n  '%s': r=%d err='%s' (wanted '%s')\n", cases[i].line, r, err,
				cases[i].want ? cases[i].want : "accepted");
		CU_ASSERT_TRUE(ok);
	}
}

/* Negative numbers are named as such, with the bound. */
static void test_negative(void)
{
	static const struct {
		const char *line, *want;
	} cases[] = {
		{ "timeouts -1 0 0", "tcp timeout: -1 is negative: must be 0 or more (seconds: 0..2678400)" },
		{ "timeouts 0 -20 0", "tcpfin timeout: -20 is negative: must be 0 or more" },
		{ "timeouts 0 0 -6", "udp timeout: -6 is negative: must be 0 or more" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -w -5", "weight: -5 is negative: must be 0 or more (a weight: 0..2147483647)" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -x -5", "upper threshold (-x): -5 is negative: must be 0 or more" },
		{ "add-service -f -3", "firewall mark: -3 is negative: must be 1 or more" },
		{ "drain -t 192.0.2.1:80 -r 10.0.0.1 --wait --timeout -5", "drain timeout (--timeout): -5 is negative: must be 1 or more" },
		{ "add-server -t 192.0.2.1:80 -r 10.0.0.1 -w -x", "weight: '-x' is not a number" },
	};
	struct lvs_args g;
	char err[LVS_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		int r = parse(cases[i].line, &g, err, sizeof(err));
		if (r != -EINVAL || !strstr(err, cases[i].want))
			fprintf(stderr, "\n  '%s': r=%d err='%s' (wanted '%s')\n", cases[i].line, r, err,
				cases[i].want);
		CU_ASSERT_EQUAL(r, -EINVAL);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, cases[i].want));
	}
	/* A relative weight is not a negative one. */
	CU_ASSERT_EQUAL(parse("weight -t 192.0.2.1:80 -r 10.0.0.1 -5", &g, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(g.weight_relative);
	CU_ASSERT_EQUAL(g.weight_delta, -5);
}

/* What the operator typed comes back in the message printable only. */
static void test_printable_messages(void)
{
	struct lvs_args g;
	char err[LVS_ERR_MAX];
	CU_ASSERT_EQUAL(parse("add-server -t 203.0.113.5:80 -r 192.0.2.1 --\363un-type", &g, err,
			      sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown option '--?un-type'"));
	CU_ASSERT_EQUAL(parse("add-service -t 203.0.113.5:80 -s \033[31m", &g, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "'?[31m'"));
}

int register_args(void)
{
	CU_pSuite s = CU_add_suite("args", NULL, NULL);
	if (!s || !CU_add_test(s, "service forms", test_service_forms) ||
	    !CU_add_test(s, "real server forms", test_server_forms) ||
	    !CU_add_test(s, "malformed commands", test_malformed) ||
	    !CU_add_test(s, "whole-object checks", test_checks) ||
	    !CU_add_test(s, "command words", test_words) ||
	    !CU_add_test(s, "whole-object checks without the table", test_given) ||
	    !CU_add_test(s, "negative numbers", test_negative) ||
	    !CU_add_test(s, "messages are printable", test_printable_messages))
		return -1;
	return 0;
}
