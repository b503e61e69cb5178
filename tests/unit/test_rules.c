#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions/rules.h"
#include "collector/snapshot.h"
#include "share/buf.h"

/* What ipvsadm 1.31 printed for `ipvsadm -Sn` in the lab (Debian 12 guest):
 * note 250.1.1.1 and 10.1.1.1 after 203.0.113.16, which only libipvs's
 * wrapping comparison explains. */
static const char sample[] =
	"-A -t 203.0.113.10:80 -s rr\n"
	"-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1\n"
	"-a -t 203.0.113.10:80 -r 192.0.2.12:8080 -m -w 2\n"
	"-a -t 203.0.113.10:80 -r 10.0.0.1:80 -m -w 1\n"
	"-A -t 203.0.113.11:443 -s wlc -p 600 -M 255.255.255.0\n"
	"-A -t 203.0.113.12:443 -s wlc -p 360\n"
	"-a -t 203.0.113.12:443 -r 192.0.2.75:443 -g -w 3\n"
	"-A -t 203.0.113.16:80 -s wrr -p 300\n"
	"-A -t 250.1.1.1:443 -s wlc\n"
	"-A -t 10.1.1.1:443 -s wlc\n"
	"-A -u 203.0.113.13:53 -s sh -o -b sh-fallback,sh-port\n"
	"-a -u 203.0.113.13:53 -r 192.0.2.11:53 -i -w 1 --tun-type ipip\n"
	"-a -u 203.0.113.13:53 -r 192.0.2.12:53 -i -w 1 --tun-type gue --tun-port 6080 --tun-nocsum\n"
	"-a -u 203.0.113.13:53 -r 192.0.2.13:53 -i -w 1 --tun-type gre --tun-csum\n"
	"-a -u 203.0.113.13:53 -r 192.0.2.14:53 -i -w 1 --tun-type gue --tun-port 6081 --tun-remcsum\n"
	"-a -u 203.0.113.13:53 -r 192.0.2.16:53 -i -w 1 --tun-type gre --tun-nocsum\n"
	"-A --sctp-service 203.0.113.14:9000 -s lblcr\n"
	"-a --sctp-service 203.0.113.14:9000 -r 192.0.2.11:9000 -m -w 1\n"
	"-A -t [2001:db8:f::10]:80 -s rr\n"
	"-a -t [2001:db8:f::10]:80 -r 192.0.2.20:80 -i -w 1 --tun-type ipip\n"
	"-a -t [2001:db8:f::10]:80 -r [2001:db8:a::11]:80 -m -w 1\n"
	"-A -f 7 -s rr -b flag-1\n"
	"-A -f 42 -s mh -b mh-fallback,mh-port\n"
	"-a -f 42 -r 192.0.2.11:0 -g -w 1\n"
	"-A -f 43 -6 -s ovf -p 120 -M 64\n";

/* A snapshot holding what the rule text says, in the text's order (the
 * settings ipvsadm leaves out take the kernel's values for ipvsadm's defaults). */
static struct lvs_snapshot *snap_from(const struct rules_line *v, size_t n)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_FATAL(s != NULL);
	for (size_t i = 0; i < n; i++) {
		const struct lvs_args *g = &v[i].args;
		if (g->act == LVS_ACT_ADD_SVC) {
			struct lvs_service svc = g->svc;
			if (!(g->given & LVS_ARG_NETMASK))
				svc.netmask = svc.af == AF_INET6 ? 128 : 0xffffffffu;
			CU_ASSERT_EQUAL(snapshot_add_service(s, &svc), 0);
		} else {
			CU_ASSERT_EQUAL_FATAL(g->act, LVS_ACT_ADD_DEST);
			CU_ASSERT_FATAL(s->n_services > 0);
			CU_ASSERT(lvs_service_same(&s->services[s->n_services - 1], &g->svc));
			CU_ASSERT_EQUAL(snapshot_add_dest(s, s->n_services - 1, &g->dest), 0);
		}
	}
	snapshot_finish(s);
	return s;
}

static char *save_text(const struct lvs_snapshot *s, bool full)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(rules_save(s, full, f), 0);
	fclose(f);
	return buf;
}

static void test_round_trip(void)
{
	struct rules_line *v;
	size_t n;
	char err[512];

	CU_ASSERT_EQUAL_FATAL(rules_parse(sample, &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 25);
	struct lvs_snapshot *s = snap_from(v, n);
	char *out = save_text(s, false);
	CU_ASSERT_STRING_EQUAL(out, sample);
	free(out);
	snapshot_unref(s);
	free(v);
}

/* Whatever order the kernel dumps in, the text is ipvsadm's order. */
static void test_order_independent_of_dump(void)
{
	struct rules_line *v;
	size_t n;
	char err[512];

	CU_ASSERT_EQUAL_FATAL(rules_parse(sample, &v, &n, err, sizeof(err)), 0);
	/* Reverse the real servers within each service. */
	size_t i = 0;
	while (i < n) {
		size_t j = i + 1;
		while (j < n && v[j].args.act == LVS_ACT_ADD_DEST)
			j++;
		for (size_t a = i + 1, b = j - 1; a < b; a++, b--) {
			struct rules_line t = v[a];
			v[a] = v[b];
			v[b] = t;
		}
		i = j;
	}
	struct lvs_snapshot *s = snap_from(v, n);
	char *out = save_text(s, false);
	CU_ASSERT_STRING_EQUAL(out, sample);
	free(out);
	snapshot_unref(s);
	free(v);
}

static void test_wrapping_order(void)
{
	struct lvs_service v[3];
	size_t idx[3], tmp[3];
	const char *addrs[] = { "10.1.1.1", "203.0.113.10", "192.0.2.1" };
	memset(v, 0, sizeof(v));
	for (int i = 0; i < 3; i++) {
		v[i].af = AF_INET;
		v[i].protocol = IPPROTO_TCP;
		v[i].port = 80;
		inet_pton(AF_INET, addrs[i], &v[i].addr.v4);
	}
	rules_order_services(v, 3, idx, tmp);
	/* 10.1.1.1 - 203.0.113.10 wraps positive: 10.1.1.1 sorts last. */
	CU_ASSERT_EQUAL(idx[0], 2);
	CU_ASSERT_EQUAL(idx[1], 1);
	CU_ASSERT_EQUAL(idx[2], 0);

	struct lvs_dest d[3];
	memset(d, 0, sizeof(d));
	for (int i = 0; i < 3; i++) {
		d[i].af = AF_INET;
		d[i].port = (uint16_t)(90 - i);
		inet_pton(AF_INET, "192.0.2.1", &d[i].addr.v4);
	}
	rules_order_dests(d, 3, idx, tmp);
	CU_ASSERT_EQUAL(idx[0], 2); /* same address: by port */
	CU_ASSERT_EQUAL(idx[2], 0);
}

static void test_full_thresholds(void)
{
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80, .sched = "rr" };
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_MASQ, .weight = 2,
			      .u_thresh = 100, .l_thresh = 10 };
	char line[256];
	inet_pton(AF_INET, "203.0.113.10", &svc.addr.v4);
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	rules_dest_line(&svc, &d, false, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 2");
	rules_dest_line(&svc, &d, true, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 2 -x 100 -y 10");

	/* Parsing the full line gives the thresholds back. */
	struct rules_line *v;
	size_t n;
	char err[512];
	CU_ASSERT_EQUAL_FATAL(rules_parse(line, &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v[0].args.dest.u_thresh, 100);
	CU_ASSERT_EQUAL(v[0].args.dest.l_thresh, 10);
	free(v);

	/* A truncating buffer still reports the length needed. */
	int need = rules_dest_line(&svc, &d, true, line, 10);
	CU_ASSERT_EQUAL(need, (int)strlen("-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 2 -x 100 -y 10"));
	CU_ASSERT_EQUAL(strlen(line), 9);
}

static void test_service_line_pe(void)
{
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_UDP, .port = 5060, .sched = "rr",
				   .flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET,
				   .timeout = 60, .netmask = 0xffffffffu, .pe_name = "sip" };
	char line[256];
	inet_pton(AF_INET, "203.0.113.15", &svc.addr.v4);
	rules_service_line(&svc, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "-A -u 203.0.113.15:5060 -s rr -p 60 --pe sip -o");
}

/* Marks from 2^31 up: negative in the text, as ipvsadm prints them, and
 * read back to the same mark. */
static void test_high_marks(void)
{
	struct lvs_service svc = { .af = AF_INET, .fwmark = 4294967295u, .sched = "rr" };
	char line[256];
	struct rules_line *v;
	size_t n;
	char err[512];

	rules_service_line(&svc, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "-A -f -1 -s rr");
	CU_ASSERT_EQUAL_FATAL(rules_parse(line, &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v[0].args.svc.fwmark, 4294967295u);
	free(v);
	svc.fwmark = 2147483648u;
	rules_service_line(&svc, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "-A -f -2147483648 -s rr");
	CU_ASSERT_EQUAL_FATAL(rules_parse(line, &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v[0].args.svc.fwmark, 2147483648u);
	free(v);
	/* On the command line a mark is written as it is. */
	CU_ASSERT_EQUAL(rules_parse("-A -f -0 -s rr", &v, &n, err, sizeof(err)), -EINVAL);
}

static void test_parse_errors(void)
{
	struct rules_line *v = NULL;
	size_t n = 0;
	char err[512];

	CU_ASSERT_EQUAL(rules_parse("# comment only\n\n   \n", &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 0);
	free(v);
	CU_ASSERT_EQUAL(rules_parse("-A -t 203.0.113.1:80 -s rr\n-C\n", &v, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 2: '-C': a rule line starts with"));
	CU_ASSERT_EQUAL(rules_parse("-A -t 203.0.113.1:80 -s rr\n\n-a -t 203.0.113.1:80 -r 192.0.2.1 -w x\n",
				    &v, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 3: weight: 'x' is not a number"));
	CU_ASSERT_EQUAL(rules_parse("quiesce -t 203.0.113.1:80 -r 192.0.2.1\n", &v, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(rules_parse("-A -t 203.0.113.1:80 -s rr # trailing comment\r\n", &v, &n, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(n, 1);
	free(v);
	/* A rule file's bytes are quoted printable only. */
	CU_ASSERT_EQUAL(rules_parse("-C\033]0;x\a\n", &v, &n, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "line 1: '-C?]0;x?': a rule line"));
}

/* rules_save's own text for common real servers is rules_dest_line's:
 * every forwarding kind, weights from negative to large, thresholds,
 * addresses and ports of every digit count, plain and full. */
static void test_save_lines_as_dest_line(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_UDP, .port = 53 };
	inet_pton(AF_INET, "203.0.113.13", &svc.addr.v4);
	snprintf(svc.sched, sizeof(svc.sched), "wrr");
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &svc), 0);
	static const uint32_t fwds[] = { LVS_FWD_MASQ, LVS_FWD_ROUTE, LVS_FWD_LOCAL, 7 };
	static const int32_t weights[] = { -5, 0, 1, 65535, 2147483647 };
	for (unsigned i = 0; i < 40; i++) {
		struct lvs_dest d = { .af = AF_INET, .port = (uint16_t)(i * 1700), .fwd = fwds[i % 4],
				      .weight = weights[i % 5], .u_thresh = i % 3 ? i * 1000 : 0,
				      .l_thresh = i % 2 ? i : 0 };
		unsigned char *q = (unsigned char *)&d.addr.v4;
		q[0] = (unsigned char)(i * 7);
		q[1] = (unsigned char)(i * 61);
		q[2] = (unsigned char)(255 - i);
		q[3] = (unsigned char)(i % 10);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	}
	snapshot_finish(s);
	for (int full = 0; full <= 1; full++) {
		char *out = save_text(s, full);
		struct lvs_buf want = LVS_BUF_INIT;
		char line[512];
		size_t idx[40], tmp[40];
		rules_service_line(&s->services[0], line, sizeof(line));
		buf_printf(&want, "%s\n", line);
		rules_order_dests(s->services[0].dests, s->services[0].n_dests, idx, tmp);
		for (size_t k = 0; k < s->services[0].n_dests; k++) {
			rules_dest_line(&s->services[0], &s->services[0].dests[idx[k]], full, line, sizeof(line));
			buf_printf(&want, "%s\n", line);
		}
		CU_ASSERT_STRING_EQUAL(out, want.p);
		buf_free(&want);
		free(out);
	}
	snapshot_unref(s);
}

int register_rules(void)
{
	CU_pSuite s = CU_add_suite("rules", NULL, NULL);
	if (!s || !CU_add_test(s, "ipvsadm -Sn text round trip", test_round_trip) ||
	    !CU_add_test(s, "order independent of dump order", test_order_independent_of_dump) ||
	    !CU_add_test(s, "libipvs wrapping order", test_wrapping_order) ||
	    !CU_add_test(s, "full: thresholds", test_full_thresholds) ||
	    !CU_add_test(s, "persistence engine", test_service_line_pe) ||
	    !CU_add_test(s, "marks from 2^31 up", test_high_marks) ||
	    !CU_add_test(s, "parse errors with line numbers", test_parse_errors) ||
	    !CU_add_test(s, "save's lines as rules_dest_line writes them", test_save_lines_as_dest_line))
		return -1;
	return 0;
}
