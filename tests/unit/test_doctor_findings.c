/* doctor's findings list and renderers, the ARP frames, and the facts
 * read from a constructed /proc and /etc. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/doctor/arp_probe.h"
#include "collector/doctor/findings.h"
#include "collector/doctor/gather.h"
#include "collector/snapshot.h"

static void fill(struct doctor_findings *f)
{
	doctor_findings_init(f);
	doctor_findings_add(f, "conn-table-small", DOCTOR_WARNING, NULL, NULL, "big", "e1", "f1");
	doctor_findings_add(f, "nat-reply-path", DOCTOR_ERROR, "-t 203.0.113.10:80",
			    "192.0.2.12:80", "replies astray", "line one\nline two", "fix it");
	doctor_findings_add(f, "all-weights-zero", DOCTOR_ERROR, "-t 203.0.113.10:80", NULL,
			    "weights", "bad\x1b[2Jbyte", "");
}

static void test_sort_and_count(void)
{
	struct doctor_findings f;
	fill(&f);
	doctor_findings_sort(&f);
	CU_ASSERT_EQUAL(f.n, 3);
	CU_ASSERT_STRING_EQUAL(f.v[0].id, "all-weights-zero"); /* error, no real server first */
	CU_ASSERT_STRING_EQUAL(f.v[1].id, "nat-reply-path");
	CU_ASSERT_STRING_EQUAL(f.v[2].id, "conn-table-small");
	CU_ASSERT_EQUAL(doctor_findings_count(&f, DOCTOR_ERROR), 2);
	CU_ASSERT_EQUAL(doctor_findings_count(&f, DOCTOR_WARNING), 1);
	CU_ASSERT_EQUAL(doctor_findings_count(&f, DOCTOR_INFO), 0);
	CU_ASSERT_STRING_EQUAL(doctor_severity_name(DOCTOR_INFO), "info");
	doctor_findings_done(&f);
}

static void test_text(void)
{
	struct doctor_findings f;
	fill(&f);
	doctor_findings_sort(&f);
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(doctor_render_text(&f, m), 0);
	fclose(m);
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "error   nat-reply-path -t 203.0.113.10:80 -r 192.0.2.12:80\n"
					   "  replies astray\n"
					   "  evidence: line one\n"
					   "            line two\n"
					   "  fix:      fix it\n"));
	/* A control byte never reaches the terminal. */
	CU_ASSERT_PTR_NULL(strchr(buf, '\x1b'));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "evidence: bad?[2Jbyte\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "3 findings: 2 errors, 1 warning, 0 info\n"));
	free(buf);
	doctor_findings_done(&f);

	doctor_findings_init(&f);
	buf = NULL;
	m = open_memstream(&buf, &len);
	CU_ASSERT_EQUAL(doctor_render_text(&f, m), 0);
	fclose(m);
	CU_ASSERT_STRING_EQUAL(buf, "no findings\n");
	free(buf);
}

static void test_json(void)
{
	struct doctor_findings f;
	fill(&f);
	doctor_findings_sort(&f);
	char *j = doctor_render_json(&f);
	CU_ASSERT_PTR_NOT_NULL_FATAL(j);
	CU_ASSERT_EQUAL(j[strlen(j) - 1], '\n');
	json_object *root = json_tokener_parse(j);
	CU_ASSERT_PTR_NOT_NULL_FATAL(root);
	json_object *arr;
	CU_ASSERT_TRUE(json_object_object_get_ex(root, "findings", &arr));
	CU_ASSERT_EQUAL(json_object_array_length(arr), 3);
	json_object *x = json_object_array_get_idx(arr, 1), *v;
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "id", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "nat-reply-path");
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "severity", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "error");
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "real_server", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "192.0.2.12:80");
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "evidence", &v));
	CU_ASSERT_STRING_EQUAL(json_object_get_string(v), "line one\nline two");
	/* Empty objects are null: the finding is about the whole director. */
	x = json_object_array_get_idx(arr, 2);
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "service", &v));
	CU_ASSERT_PTR_NULL(v);
	CU_ASSERT_TRUE(json_object_object_get_ex(x, "real_server", &v));
	CU_ASSERT_PTR_NULL(v);
	/* Every key the format promises, on every finding. */
	static const char *keys[] = { "id", "severity", "service", "real_server", "summary",
				      "evidence", "fix" };
	for (size_t i = 0; i < 3; i++)
		for (size_t k = 0; k < 7; k++)
			CU_ASSERT_TRUE(json_object_object_get_ex(json_object_array_get_idx(arr, i),
								 keys[k], NULL));
	json_object_put(root);
	free(j);
	doctor_findings_done(&f);
	doctor_findings_init(&f);
	j = doctor_render_json(&f);
	CU_ASSERT_STRING_EQUAL(j, "{\"findings\":[]}\n");
	free(j);
}

static void test_truncation(void)
{
	struct doctor_findings f;
	doctor_findings_init(&f);
	char big[4000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	struct doctor_finding *x = doctor_findings_add(&f, "id", DOCTOR_INFO, big, big, big, big, big);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(strlen(x->service), DOCTOR_SERVICE_MAX - 1);
	CU_ASSERT_EQUAL(strlen(x->evidence), DOCTOR_TEXT_MAX - 1);
	/* Growing keeps earlier findings. */
	for (int i = 0; i < 40; i++)
		CU_ASSERT_PTR_NOT_NULL(doctor_findings_add(&f, "more", DOCTOR_INFO, "", "", "s", "", ""));
	CU_ASSERT_EQUAL(f.n, 41);
	CU_ASSERT_STRING_EQUAL(f.v[0].id, "id");
	doctor_findings_done(&f);
}

/* Many findings with long texts: every text stays where it was put while
 * the list grows (under ASan a moved text is a use after free), and a copy
 * owns its own texts. A finding is a few pointers, not its texts: lvsd
 * keeps one per service on a director that holds none of its VIPs. */
static void test_many_and_copy(void)
{
	CU_ASSERT(sizeof(struct doctor_finding) <= 64);
	struct doctor_findings f, c;
	doctor_findings_init(&f);
	char ev[DOCTOR_TEXT_MAX], sw[32];
	const char *first_ev = NULL;
	enum { N = 20000 };
	for (int i = 0; i < N; i++) {
		snprintf(sw, sizeof(sw), "-t 10.0.%d.%d:80", i / 256, i % 256);
		memset(ev, 'a' + i % 26, sizeof(ev) - 1);
		ev[sizeof(ev) - 1] = 0;
		snprintf(ev, 16, "%d", i);
		ev[strlen(ev)] = ' ';
		struct doctor_finding *x = doctor_findings_add(&f, "vip-not-local", DOCTOR_ERROR, sw,
							       NULL, "summary", ev, "fix");
		CU_ASSERT_PTR_NOT_NULL_FATAL(x);
		if (!i)
			first_ev = x->evidence;
	}
	CU_ASSERT_PTR_EQUAL(f.v[0].evidence, first_ev);
	CU_ASSERT_EQUAL(doctor_findings_copy(&c, &f), 0);
	doctor_findings_done(&f);
	CU_ASSERT_EQUAL_FATAL(c.n, N);
	for (int i = 0; i < N; i += 997) {
		snprintf(sw, sizeof(sw), "-t 10.0.%d.%d:80", i / 256, i % 256);
		CU_ASSERT_STRING_EQUAL(c.v[i].service, sw);
		CU_ASSERT_STRING_EQUAL(c.v[i].real_server, "");
		CU_ASSERT_EQUAL(strlen(c.v[i].evidence), DOCTOR_TEXT_MAX - 1);
		CU_ASSERT_EQUAL(atoi(c.v[i].evidence), i);
		CU_ASSERT_EQUAL(c.v[i].evidence[DOCTOR_TEXT_MAX - 2], 'a' + i % 26);
		CU_ASSERT_STRING_EQUAL(c.v[i].fix, "fix");
	}
	doctor_findings_done(&c);
}

/* labels_only (lvsd): the labels are kept, the texts are not, and a copy
 * is the same kind of list. */
static void test_labels_only(void)
{
	struct doctor_findings f, c;
	doctor_findings_init(&f);
	f.labels_only = true;
	struct doctor_finding *x = doctor_findings_add(&f, "nat-reply-path", DOCTOR_ERROR,
						       "-t 203.0.113.10:80", "192.0.2.12:80",
						       "replies astray", "evidence", "fix it");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->id, "nat-reply-path");
	CU_ASSERT_EQUAL(x->severity, DOCTOR_ERROR);
	CU_ASSERT_STRING_EQUAL(x->service, "-t 203.0.113.10:80");
	CU_ASSERT_STRING_EQUAL(x->real_server, "192.0.2.12:80");
	CU_ASSERT_STRING_EQUAL(x->summary, "");
	CU_ASSERT_STRING_EQUAL(x->evidence, "");
	CU_ASSERT_STRING_EQUAL(x->fix, "");
	CU_ASSERT_EQUAL(doctor_findings_copy(&c, &f), 0);
	CU_ASSERT(c.labels_only);
	CU_ASSERT_EQUAL(c.n, 1);
	CU_ASSERT_STRING_EQUAL(c.v[0].real_server, "192.0.2.12:80");
	doctor_findings_done(&f);
	doctor_findings_done(&c);
}

static void test_arp_frames(void)
{
	uint8_t mac[6] = { 2, 0, 0, 0, 0, 3 }, buf[64];
	struct in_addr vip;
	inet_pton(AF_INET, "203.0.113.20", &vip);
	CU_ASSERT_EQUAL(arp_probe_request(mac, vip, buf, 10), 0);
	CU_ASSERT_EQUAL_FATAL(arp_probe_request(mac, vip, buf, sizeof(buf)), 28);
	static const uint8_t want[28] = { 0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 3,
					  0, 0, 0, 0, /* sender 0.0.0.0: a probe */
					  0, 0, 0, 0, 0, 0, 203, 0, 113, 20 };
	CU_ASSERT_EQUAL(memcmp(buf, want, 28), 0);
	/* A request is not an answer; a reply is, with its sender. */
	uint8_t who[6];
	struct in_addr sip;
	CU_ASSERT_EQUAL(arp_probe_parse_reply(buf, 28, who, &sip), -EINVAL);
	uint8_t reply[28] = { 0, 1, 8, 0, 6, 4, 0, 2, 0x5e, 0, 0, 0, 0, 0x77, 203, 0, 113, 20,
			      2, 0, 0, 0, 0, 3, 0, 0, 0, 0 };
	CU_ASSERT_EQUAL(arp_probe_parse_reply(reply, 28, who, &sip), 0);
	CU_ASSERT_EQUAL(who[5], 0x77);
	CU_ASSERT_EQUAL(sip.s_addr, vip.s_addr);
	CU_ASSERT_EQUAL(arp_probe_parse_reply(reply, 27, who, &sip), -EINVAL);
	reply[4] = 8; /* not Ethernet-sized addresses */
	CU_ASSERT_EQUAL(arp_probe_parse_reply(reply, 28, who, &sip), -EINVAL);
	/* Nothing to probe: nothing sent, nothing needed. */
	struct doctor_arp_answer *out = (void *)1;
	size_t n = 5;
	CU_ASSERT_EQUAL(arp_probe_run(NULL, 0, NULL, 0, 0.1, &out, &n), 0);
	CU_ASSERT_PTR_NULL(out);
	CU_ASSERT_EQUAL(n, 0);
}

static void test_count_rules(void)
{
	unsigned sv, rs;
	doctor_count_rules("-A -t 203.0.113.10:80 -s rr\n"
			   "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1\n"
			   "# -A a comment\n"
			   "\n"
			   "  --add-service -u 203.0.113.10:53\n"
			   "--add-server -u 203.0.113.10:53 -r 192.0.2.11:53 -m\n"
			   "-a -t 203.0.113.10:80 -r 192.0.2.12:80 -m -w 1",
			   &sv, &rs);
	CU_ASSERT_EQUAL(sv, 2);
	CU_ASSERT_EQUAL(rs, 3);
	doctor_count_rules("", &sv, &rs);
	CU_ASSERT_EQUAL(sv + rs, 0);
}

static void put(const char *root, const char *path, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s%s", root, path);
	/* mkdir -p of the parent */
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static void test_gather_root(void)
{
	char root[] = "/tmp/lvstop-doctor-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	put(root, "/proc/sys/net/ipv4/ip_forward", "0\n");
	put(root, "/proc/sys/net/ipv6/conf/all/forwarding", "1\n");
	put(root, "/proc/sys/net/ipv4/vs/expire_quiescent_template", "0\n");
	put(root, "/proc/sys/net/ipv4/vs/expire_nodest_conn", "garbage\n");
	put(root, "/proc/4242/comm", "keepalived\n");
	put(root, "/etc/sysconfig/ipvsadm", "-A -t 203.0.113.10:80 -s rr\n"
					    "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1\n");
	struct lvs_snapshot *s = snapshot_new();
	snapshot_finish(s);
	struct doctor_gather_opts o = { .root = root, .no_arp = true };
	struct doctor_gathered g;
	char msg[256] = "";
	int r = doctor_gather(s, false, &o, &g, msg, sizeof(msg));
	CU_ASSERT_EQUAL(r, 0);
	if (!r) {
		CU_ASSERT_EQUAL(g.facts.ip_forward, 0);
		CU_ASSERT_EQUAL(g.facts.ip6_forwarding, 1);
		CU_ASSERT_EQUAL(g.facts.expire_quiescent_template, 0);
		CU_ASSERT_EQUAL(g.facts.expire_nodest_conn, -1); /* unreadable: unknown */
		CU_ASSERT_EQUAL(g.facts.conn_reuse_mode, -1);     /* absent: unknown */
		CU_ASSERT_TRUE(g.facts.vrrp);
		CU_ASSERT_FALSE(g.facts.ipvs_loaded);
		CU_ASSERT_STRING_EQUAL(g.facts.rules_file, DOCTOR_RULES_REDHAT);
		CU_ASSERT_EQUAL(g.facts.rules_services, 1);
		CU_ASSERT_EQUAL(g.facts.rules_servers, 1);
		CU_ASSERT_FALSE(g.facts.arp_probed);
		/* rtnetlink: at least lo and 127.0.0.1. */
		CU_ASSERT_TRUE(g.facts.n_links >= 1);
		union lvs_addr lo = { .v4.s_addr = htonl(INADDR_LOOPBACK) };
		CU_ASSERT_TRUE(doctor_is_local(&g.facts, AF_INET, &lo));
	}
	doctor_gathered_done(&g);
	/* A rules file named on the command line must be readable. */
	o.rules_file = "/nonexistent/ipvsadm.rules";
	r = doctor_gather(s, true, &o, &g, msg, sizeof(msg));
	CU_ASSERT_EQUAL(r, -ENOENT);
	CU_ASSERT_STRING_EQUAL(msg, "--rules: cannot read /nonexistent/ipvsadm.rules: "
				    "No such file or directory");
	doctor_gathered_done(&g);
	snapshot_unref(s);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int register_doctor_findings(void)
{
	CU_pSuite s = CU_add_suite("doctor findings and facts", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "sort and count", test_sort_and_count) ||
	    !CU_add_test(s, "text", test_text) || !CU_add_test(s, "JSON", test_json) ||
	    !CU_add_test(s, "long texts", test_truncation) ||
	    !CU_add_test(s, "many findings, and a copy", test_many_and_copy) ||
	    !CU_add_test(s, "labels only", test_labels_only) ||
	    !CU_add_test(s, "ARP frames", test_arp_frames) ||
	    !CU_add_test(s, "rules file lines", test_count_rules) ||
	    !CU_add_test(s, "facts from /proc and /etc", test_gather_root))
		return -1;
	return 0;
}
