/* doctor's rules over constructed snapshots and facts: each rule fires on
 * its fault, names the object, evidence and fix, and stays silent just
 * under its threshold and on a healthy table. */
#include <CUnit/CUnit.h>
#include <stdarg.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <stdlib.h>
#include <string.h>

#include "collector/doctor/rules.h"
#include "collector/snapshot.h"
#include "failmalloc.h"

static union lvs_addr v4(const char *s)
{
	union lvs_addr a;
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, s, &a.v4);
	return a;
}

static struct lvs_service tcp_svc(const char *vip, uint16_t port)
{
	struct lvs_service s = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = port };
	s.addr = v4(vip);
	strcpy(s.sched, "rr");
	return s;
}

static struct lvs_dest dest(const char *ip, uint16_t port, uint32_t fwd, int32_t weight)
{
	struct lvs_dest d = { .af = AF_INET, .port = port, .fwd = fwd, .weight = weight };
	d.addr = v4(ip);
	return d;
}

/* The connection table's entries of one real server: pairs of state name
 * and count, ending with NULL. */
static void conn_add(struct lvs_snapshot *s, const char *ip, uint16_t port, ...)
{
	s->conns.available = true;
	s->conns.dests = realloc(s->conns.dests, (s->conns.n_dests + 1) * sizeof(*s->conns.dests));
	struct lvs_conn_dest *c = &s->conns.dests[s->conns.n_dests++];
	memset(c, 0, sizeof(*c));
	c->af = AF_INET;
	c->port = port;
	c->addr = v4(ip);
	va_list ap;
	va_start(ap, port);
	const char *name;
	while ((name = va_arg(ap, const char *))) {
		unsigned n = va_arg(ap, unsigned);
		snprintf(c->states[c->n_states].name, LVS_STATE_NAME_MAX, "%s", name);
		c->states[c->n_states++].count = n;
		c->total += n;
		s->conns.total += n;
	}
	va_end(ap);
}

/* A director with the lab's NAT segment (192.0.2.1/26 on br-nat), the
 * VIPs 203.0.113.10 and .20 on dcli, and forwarding on. */
static struct doctor_link links[] = {
	{ .index = 2, .name = "dcli", .mac = { 2, 0, 0, 0, 0, 1 }, .has_mac = true },
	{ .index = 3, .name = "br-nat", .mac = { 2, 0, 0, 0, 0, 2 }, .has_mac = true },
	{ .index = 4, .name = "br-dr", .mac = { 2, 0, 0, 0, 0, 3 }, .has_mac = true },
};
static struct doctor_addr addrs[5];
static struct doctor_neigh neighs[1];

static void facts_lab(struct doctor_facts *f)
{
	doctor_facts_init(f);
	f->ip_forward = 1;
	f->ip6_forwarding = 1;
	f->expire_quiescent_template = 0;
	addrs[0] = (struct doctor_addr){ .ifindex = 2, .af = AF_INET, .prefixlen = 24,
					 .addr = v4("198.51.100.1") };
	addrs[1] = (struct doctor_addr){ .ifindex = 2, .af = AF_INET, .prefixlen = 32,
					 .addr = v4("203.0.113.10") };
	addrs[2] = (struct doctor_addr){ .ifindex = 3, .af = AF_INET, .prefixlen = 26,
					 .addr = v4("192.0.2.1") };
	addrs[3] = (struct doctor_addr){ .ifindex = 4, .af = AF_INET, .prefixlen = 26,
					 .addr = v4("192.0.2.65") };
	addrs[4] = (struct doctor_addr){ .ifindex = 2, .af = AF_INET, .prefixlen = 32,
					 .addr = v4("203.0.113.20") };
	f->links = links;
	f->n_links = 3;
	f->addrs = addrs;
	f->n_addrs = 5;
	neighs[0] = (struct doctor_neigh){ .ifindex = 4, .af = AF_INET, .addr = v4("192.0.2.77"),
					   .mac = { 0x5e, 0, 0, 0, 0, 0x77 } };
	f->neighs = neighs;
	f->n_neighs = 1;
}

/* The NAT service of the lab: 203.0.113.10:80 over .11 and .12. */
static struct lvs_snapshot *nat_snap(void)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service svc = tcp_svc("203.0.113.10", 80);
	snapshot_add_service(s, &svc);
	struct lvs_dest a = dest("192.0.2.11", 80, LVS_FWD_MASQ, 1),
			b = dest("192.0.2.12", 80, LVS_FWD_MASQ, 1);
	snapshot_add_dest(s, 0, &a);
	snapshot_add_dest(s, 0, &b);
	s->conn_tab_size = 4096;
	return s;
}

static struct doctor_finding *find(struct doctor_findings *f, const char *id, const char *rs)
{
	for (size_t i = 0; i < f->n; i++)
		if (!strcmp(f->v[i].id, id) && (!rs || !strcmp(f->v[i].real_server, rs)))
			return &f->v[i];
	return NULL;
}

static void run(struct lvs_snapshot *s, const struct doctor_facts *facts, struct doctor_findings *out)
{
	doctor_findings_init(out);
	CU_ASSERT_EQUAL(doctor_diagnose(s, facts, NULL, out), 0);
}

static void test_words(void)
{
	char b[DOCTOR_SERVICE_MAX];
	struct lvs_service s = tcp_svc("203.0.113.10", 80);
	CU_ASSERT_STRING_EQUAL(doctor_service_words(&s, b, sizeof(b)), "-t 203.0.113.10:80");
	s.protocol = IPPROTO_UDP;
	CU_ASSERT_STRING_EQUAL(doctor_service_words(&s, b, sizeof(b)), "-u 203.0.113.10:80");
	s.protocol = IPPROTO_SCTP;
	CU_ASSERT_STRING_EQUAL(doctor_service_words(&s, b, sizeof(b)),
			       "--sctp-service 203.0.113.10:80");
	struct lvs_service m = { .af = AF_INET6, .fwmark = 42 };
	CU_ASSERT_STRING_EQUAL(doctor_service_words(&m, b, sizeof(b)), "-f 42 -6");
	struct lvs_dest d = { .af = AF_INET6, .port = 80 };
	inet_pton(AF_INET6, "2001:db8:a::11", &d.addr.v6);
	CU_ASSERT_STRING_EQUAL(doctor_dest_words(&d, b, sizeof(b)), "[2001:db8:a::11]:80");
}

static void test_healthy_nat_clean(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = nat_snap();
	conn_add(s, "192.0.2.11", 80, "TIME_WAIT", 5u, "ESTABLISHED", 1u, NULL);
	conn_add(s, "192.0.2.12", 80, "TIME_WAIT", 5u, "SYN_RECV", 1u, NULL);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_nat_reply_path(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = nat_snap();
	conn_add(s, "192.0.2.11", 80, "TIME_WAIT", 4u, NULL);
	conn_add(s, "192.0.2.12", 80, "SYN_RECV", 4u, NULL);
	snapshot_finish(s);
	s->dests[1].health = LVS_HEALTH_UP;
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "nat-reply-path", "192.0.2.12:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->severity, DOCTOR_ERROR);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.10:80");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->summary, "make the director its default gateway"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "4 of 4 TCP entries in SYN_RECV, 0 ESTABLISHED"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "192.0.2.11:80: 4 TIME_WAIT"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "health check passes"));
	CU_ASSERT_STRING_EQUAL(x->fix, "on 192.0.2.12: ip route replace default via 192.0.2.1 "
				       "(the director's address on its segment)");
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_syn_thresholds(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	/* Two entries are not yet a pile; nine of ten is (0.9), eight of
	 * ten is not. */
	static const struct {
		unsigned syn, other;
		bool hit;
	} cases[] = { { 2, 0, false }, { 3, 0, true }, { 9, 1, true }, { 8, 2, false } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct lvs_snapshot *s = nat_snap();
		conn_add(s, "192.0.2.12", 80, "SYN_RECV", cases[i].syn, "ESTABLISHED",
			 cases[i].other, "UDP", 50u, NULL);
		snapshot_finish(s);
		struct doctor_findings out;
		run(s, &f, &out);
		CU_ASSERT_EQUAL(find(&out, "nat-reply-path", NULL) != NULL, cases[i].hit);
		doctor_findings_done(&out);
		snapshot_unref(s);
	}
}

static void test_forward_off(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	f.ip_forward = 0;
	struct lvs_snapshot *s = nat_snap();
	/* Forwarding off also leaves every entry in SYN_RECV: the cause is
	 * named once, not as a reply-path problem. */
	conn_add(s, "192.0.2.11", 80, "SYN_RECV", 4u, NULL);
	conn_add(s, "192.0.2.12", 80, "SYN_RECV", 4u, NULL);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "ip-forward-off", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.10:80");
	CU_ASSERT_STRING_EQUAL(x->evidence, "net.ipv4.ip_forward = 0; NAT real servers: "
					    "192.0.2.11:80, 192.0.2.12:80");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "sysctl -w net.ipv4.ip_forward=1"));
	doctor_findings_done(&out);
	/* Unknown (-1) is not off; DR services need no forwarding. */
	f.ip_forward = -1;
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "ip-forward-off", NULL));
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static struct lvs_snapshot *dr_snap(uint16_t rs_port, uint32_t fwd)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service svc = tcp_svc("203.0.113.20", 80);
	snapshot_add_service(s, &svc);
	struct lvs_dest a = dest("192.0.2.75", 80, fwd, 3), b = dest("192.0.2.77", rs_port, fwd, 1);
	snapshot_add_dest(s, 0, &a);
	snapshot_add_dest(s, 0, &b);
	return s;
}

static void test_dr_tun_no_vip(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	f.ip_forward = 0; /* DR and TUN need no forwarding: still diagnosed */
	struct lvs_snapshot *s = dr_snap(80, LVS_FWD_ROUTE);
	conn_add(s, "192.0.2.75", 80, "ESTABLISHED", 2u, "FIN_WAIT", 3u, NULL);
	conn_add(s, "192.0.2.77", 80, "SYN_RECV", 5u, NULL);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "dr-rs-no-vip", "192.0.2.77:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "on 192.0.2.77: ip addr add 203.0.113.20/32 dev lo"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "192.0.2.75:80: 3 FIN_WAIT, 2 ESTABLISHED") ||
			       strstr(x->evidence, "192.0.2.75:80: 2 ESTABLISHED, 3 FIN_WAIT"));
	doctor_findings_done(&out);
	snapshot_unref(s);

	s = dr_snap(80, LVS_FWD_TUNNEL);
	conn_add(s, "192.0.2.77", 80, "SYN_RECV", 3u, NULL);
	snapshot_finish(s);
	run(s, &f, &out);
	x = find(&out, "tun-rs-drops", "192.0.2.77:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "ip addr add 203.0.113.20/32 dev tunl0"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "net.ipv4.conf.tunl0.rp_filter=0"));
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_port_mapping(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = dr_snap(8080, LVS_FWD_ROUTE);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "fwd-port-mapping", "192.0.2.77:8080");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->evidence,
			       "-r 192.0.2.77:8080 -g under -t 203.0.113.20:80: direct routing does "
			       "not rewrite the destination port; clients' packets reach 192.0.2.77 "
			       "on port 80, not 8080");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "ipvsadm -a -t 203.0.113.20:80 -r 192.0.2.77:80 -g -w 1"));
	doctor_findings_done(&out);
	snapshot_unref(s);
	/* Tunnelling likewise; NAT maps ports; a firewall-mark service has no port. */
	s = dr_snap(8080, LVS_FWD_TUNNEL);
	snapshot_finish(s);
	run(s, &f, &out);
	CU_ASSERT_PTR_NOT_NULL(find(&out, "fwd-port-mapping", "192.0.2.77:8080"));
	doctor_findings_done(&out);
	snapshot_unref(s);
	s = dr_snap(8080, LVS_FWD_MASQ);
	snapshot_finish(s);
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "fwd-port-mapping", NULL));
	doctor_findings_done(&out);
	snapshot_unref(s);
	/* A persistent service of every port (port 0). */
	s = dr_snap(8080, LVS_FWD_ROUTE);
	s->services[0].port = 0;
	s->services[0].flags = IP_VS_SVC_F_PERSISTENT;
	snapshot_finish(s);
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "fwd-port-mapping", NULL));
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_quiesced_persistent(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = nat_snap();
	s->services[0].flags = IP_VS_SVC_F_PERSISTENT;
	s->services[0].timeout = 360;
	snapshot_finish(s);
	s->dests[0].weight = 0;
	s->dests[0].persist_conns = 2;
	s->dests[0].active_conns = 1;
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "quiesced-persistent", "192.0.2.11:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->severity, DOCTOR_WARNING);
	CU_ASSERT_STRING_EQUAL(x->evidence, "weight 0, yet 2 persistence templates still send "
					    "clients to it (1 active, 0 inactive connections); "
					    "persistence timeout 360 s; "
					    "net.ipv4.vs.expire_quiescent_template = 0");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "net.ipv4.vs.expire_quiescent_template=1"));
	doctor_findings_done(&out);
	/* The sysctl set, no templates left, or not persistent: silent. */
	f.expire_quiescent_template = 1;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	f.expire_quiescent_template = 0;
	s->dests[0].persist_conns = 0;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	s->dests[0].persist_conns = 2;
	s->services[0].flags = 0;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_weights_and_vip(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service empty = tcp_svc("203.0.113.10", 81), zero = tcp_svc("203.0.113.10", 82),
			   away = tcp_svc("203.0.113.14", 80);
	snapshot_add_service(s, &empty);
	snapshot_add_service(s, &zero);
	snapshot_add_service(s, &away);
	struct lvs_dest a = dest("192.0.2.11", 80, LVS_FWD_MASQ, 0),
			b = dest("192.0.2.12", 80, LVS_FWD_MASQ, 0),
			c = dest("192.0.2.11", 80, LVS_FWD_MASQ, 1);
	snapshot_add_dest(s, 1, &a);
	snapshot_add_dest(s, 1, &b);
	snapshot_add_dest(s, 2, &c);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 3);
	struct doctor_finding *x = find(&out, "no-real-server", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.10:81");
	x = find(&out, "all-weights-zero", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.10:82");
	CU_ASSERT_STRING_EQUAL(x->evidence, "2 real servers, every weight 0: 192.0.2.11:80 192.0.2.12:80");
	x = find(&out, "vip-not-local", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.14:80");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "no interface of the director holds 203.0.113.14"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "192.0.2.1/26 (br-nat)"));
	doctor_findings_done(&out);

	/* Only one service: the others' findings are left out. */
	doctor_findings_init(&out);
	CU_ASSERT_EQUAL(doctor_diagnose(s, &f, &s->services[2], &out), 0);
	CU_ASSERT_EQUAL(out.n, 1);
	CU_ASSERT_PTR_NOT_NULL(find(&out, "vip-not-local", ""));
	doctor_findings_done(&out);

	/* keepalived (VRRP) or a backup sync daemon explains a VIP away. */
	f.vrrp = true;
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "vip-not-local", NULL));
	doctor_findings_done(&out);
	f.vrrp = false;
	s->n_daemons = 1;
	s->daemons[0].state = IP_VS_STATE_BACKUP;
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "vip-not-local", NULL));
	doctor_findings_done(&out);
	/* Without address facts the rule does not guess. */
	s->n_daemons = 0;
	f.n_addrs = 0;
	run(s, &f, &out);
	CU_ASSERT_PTR_NULL(find(&out, "vip-not-local", NULL));
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_arp(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct doctor_arp_answer ans = { .ifindex = 4, .mac = { 0x5e, 0, 0, 0, 0, 0x77 } };
	inet_pton(AF_INET, "203.0.113.20", &ans.vip);
	f.arp = &ans;
	f.n_arp = 1;
	struct lvs_snapshot *s = dr_snap(80, LVS_FWD_ROUTE);
	snapshot_finish(s);
	struct doctor_findings out;
	/* An answer counts only when the probe ran. */
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	f.arp_probed = true;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "dr-arp-vip", "192.0.2.77:80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->evidence, "who-has 203.0.113.20 on br-dr: answered by "
					    "5e:00:00:00:00:77 (192.0.2.77 in the neighbour table); "
					    "the director's br-dr is 02:00:00:00:00:03");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "on 192.0.2.77: sysctl -w net.ipv4.conf.all.arp_ignore=1 "
					      "net.ipv4.conf.all.arp_announce=2"));
	doctor_findings_done(&out);
	/* A MAC the neighbour table does not know is still reported. */
	f.n_neighs = 0;
	run(s, &f, &out);
	x = find(&out, "dr-arp-vip", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "on the host with that MAC"));
	doctor_findings_done(&out);
	snapshot_unref(s);
	/* A NAT service's VIP answered for is not a DR ARP problem. */
	s = dr_snap(80, LVS_FWD_MASQ);
	snapshot_finish(s);
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_conn_table(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = nat_snap();
	s->conn_tab_size = 256;
	conn_add(s, "192.0.2.11", 80, "ESTABLISHED", 2048u, NULL);
	snapshot_finish(s);
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0); /* 8 per bucket: at the limit */
	doctor_findings_done(&out);
	s->conns.total = 2049;
	run(s, &f, &out);
	struct doctor_finding *x = find(&out, "conn-table-small", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->service, "");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->evidence, "2049 connection entries for a hash table of 256 buckets: 8.0 per bucket"));
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "conn_tab_bits=12"));
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_rules_file(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	struct lvs_snapshot *s = snapshot_new();
	snapshot_finish(s);
	f.rules_file = "/etc/ipvsadm.rules";
	f.rules_services = 2;
	f.rules_servers = 4;
	f.ipvs_loaded = false;
	struct doctor_findings out;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 1);
	struct doctor_finding *x = find(&out, "rules-not-loaded", "");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->evidence, "the IPVS table is empty (ip_vs is not loaded); "
					    "/etc/ipvsadm.rules holds 2 services and 4 real servers");
	CU_ASSERT_PTR_NOT_NULL(strstr(x->fix, "ipvsadm-restore < /etc/ipvsadm.rules"));
	doctor_findings_done(&out);
	/* No rules file, or a table that is loaded: silent. */
	f.rules_file = NULL;
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	snapshot_unref(s);
	f.rules_file = "/etc/ipvsadm.rules";
	s = nat_snap();
	snapshot_finish(s);
	run(s, &f, &out);
	CU_ASSERT_EQUAL(out.n, 0);
	doctor_findings_done(&out);
	snapshot_unref(s);
}

static void test_connected(void)
{
	struct doctor_facts f;
	facts_lab(&f);
	union lvs_addr a = v4("192.0.2.70");
	const struct doctor_addr *c = doctor_connected(&f, AF_INET, &a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->ifindex, 4);
	a = v4("192.0.2.130");
	CU_ASSERT_PTR_NULL(doctor_connected(&f, AF_INET, &a));
	a = v4("203.0.113.10"); /* a /32 VIP is no segment */
	CU_ASSERT_PTR_NULL(doctor_connected(&f, AF_INET, &a));
	CU_ASSERT_TRUE(doctor_is_local(&f, AF_INET, &a));
	a = v4("203.0.113.11");
	CU_ASSERT_FALSE(doctor_is_local(&f, AF_INET, &a));
}

/* Every allocation of a run failing in turn: -ENOMEM, never a crash or a
 * leak (ASan's leak check in make san-unit). */
static struct lvs_snapshot *oom_snap;
static struct doctor_facts oom_facts;
static int oom_run(void *ctx)
{
	(void)ctx;
	struct doctor_findings f;
	doctor_findings_init(&f);
	int r = doctor_diagnose(oom_snap, &oom_facts, NULL, &f);
	if (!r) {
		char *j = doctor_render_json(&f);
		if (!j)
			r = -ENOMEM;
		free(j);
	}
	doctor_findings_done(&f);
	return r;
}

static void test_out_of_memory(void)
{
	facts_lab(&oom_facts);
	oom_facts.ip6_forwarding = 0;
	oom_snap = nat_snap();
	for (int port = 81; port < 92; port++) { /* more findings than the first growth holds */
		struct lvs_service svc = tcp_svc("203.0.113.10", (uint16_t)port);
		snapshot_add_service(oom_snap, &svc);
	}
	conn_add(oom_snap, "192.0.2.12", 80, "SYN_RECV", 5u, NULL);
	snapshot_finish(oom_snap);
	struct failmalloc_walk w;
	CU_ASSERT_EQUAL(failmalloc_walk(oom_run, NULL, 0, 1000, &w), 0);
	CU_ASSERT_TRUE(w.runs > 2);
	snapshot_unref(oom_snap);
}

int register_doctor(void)
{
	CU_pSuite s = CU_add_suite("doctor rules", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "ipvsadm words", test_words) ||
	    !CU_add_test(s, "healthy NAT: no finding", test_healthy_nat_clean) ||
	    !CU_add_test(s, "NAT reply path", test_nat_reply_path) ||
	    !CU_add_test(s, "SYN_RECV thresholds", test_syn_thresholds) ||
	    !CU_add_test(s, "ip_forward off", test_forward_off) ||
	    !CU_add_test(s, "DR/TUN real server without the VIP", test_dr_tun_no_vip) ||
	    !CU_add_test(s, "DR/TUN port mapping", test_port_mapping) ||
	    !CU_add_test(s, "quiesced persistent server", test_quiesced_persistent) ||
	    !CU_add_test(s, "weights and VIP", test_weights_and_vip) ||
	    !CU_add_test(s, "ARP answer for a DR VIP", test_arp) ||
	    !CU_add_test(s, "connection table size", test_conn_table) ||
	    !CU_add_test(s, "rules file not loaded", test_rules_file) ||
	    !CU_add_test(s, "connected prefixes", test_connected) ||
	    !CU_add_test(s, "out of memory", test_out_of_memory))
		return -1;
	return 0;
}
