/* health.from: keepalived.conf's checkers and lvs.cf's send/expect mapped
 * into lvsd's checks, each kind and each field lvsd cannot map warned
 * about at its FILE:LINE; lvsd.conf's own services win. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/snapshot.h"
#include "exporter/lvsd_checks.h"
#include "exporter/lvsd_conf.h"
#include "exporter/lvsd_decl_checks.h"

static const char *ka =
	"virtual_server 192.0.2.10 80 {\n"                      /* 1 */
	"  delay_loop 3\n  protocol TCP\n  lb_kind NAT\n"       /* 2-4 */
	"  real_server 10.0.0.2 80 {\n"                         /* 5 */
	"    HTTP_GET {\n"                                      /* 6 */
	"      url {\n        path /health\n        status_code 200\n" /* 7-9 */
	"        digest 9b3a0c85a887a256d6939da88aabd8cd\n      }\n" /* 10-11 */
	"      url { path /second }\n"                          /* 12 */
	"      connect_timeout 2\n      retry 2\n      delay_before_retry 0.5\n" /* 13-15 */
	"    }\n  }\n"                                          /* 16-17 */
	"  real_server 10.0.0.3 80 {\n"                         /* 18 */
	"    TCP_CHECK {\n      connect_ip 10.0.0.30\n      connect_port 8080\n" /* 19-21 */
	"      bindto 10.0.0.1\n      delay_loop 7\n    }\n"    /* 22-24 */
	"    MISC_CHECK { misc_path /bin/true }\n  }\n"         /* 25-26 */
	"  real_server 10.0.0.4 80 {\n"                         /* 27 */
	"    MISC_CHECK {\n      misc_path \"/usr/lib/check -x $HOME | true\"\n" /* 28-29 */
	"      misc_timeout 4\n      misc_dynamic\n    }\n  }\n" /* 30-33 */
	"  real_server 10.0.0.5 443 {\n"                        /* 34 */
	"    SSL_GET { url { path /tls\n status_code 200-299 } }\n  }\n" /* 35-37 */
	"  real_server 10.0.0.6 80 { weight 1 }\n"              /* 38 */
	"}\n"                                                   /* 39 */
	"virtual_server 192.0.2.11 53 {\n  protocol UDP\n"      /* 40-41 */
	"  real_server 10.0.0.7 53 { DNS_CHECK { type AAAA\n name example.org } }\n" /* 42-43 */
	"  real_server 10.0.0.8 53 { PING_CHECK { } }\n"        /* 44 */
	"  real_server 10.0.0.9 53 { DNS_CHECK { type BOGUS } }\n" /* 45 */
	"}\n";

static struct lvsd_config *map_ka(const char *text)
{
	struct lvs_declared *d = NULL;
	char err[256] = "";
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k.conf", text, strlen(text), &d), 0);
	CU_ASSERT_EQUAL(d->n_errors, 0);
	struct lvsd_config *c = lvsd_conf_default();
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(lvsd_decl_checks_map_text(c, d, "k.conf", text, strlen(text), err,
						  sizeof(err)), 0);
	declared_free(d);
	return c;
}

static bool has_note(const struct lvsd_config *c, bool warning, const char *text)
{
	for (size_t i = 0; i < c->n_health_notes; i++)
		if (c->health_notes[i].warning == warning && !strcmp(c->health_notes[i].text, text))
			return true;
	return false;
}

static const struct lvsd_check *rs_check(const struct lvsd_config *c, size_t svc, size_t rs)
{
	CU_ASSERT_FATAL(svc < c->n_svcs && rs < c->svcs[svc].n_rs);
	return c->svcs[svc].rs[rs].check;
}

static void test_keepalived_kinds(void)
{
	struct lvsd_config *c = map_ka(ka);
	CU_ASSERT_EQUAL_FATAL(c->n_svcs, 2);
	CU_ASSERT_EQUAL(c->svcs[0].protocol, IPPROTO_TCP);
	CU_ASSERT_EQUAL(c->svcs[0].port, 80);
	CU_ASSERT_EQUAL(c->svcs[0].n_rs, 5);

	/* HTTP_GET: the first url, status, timing from the checker, the
	 * interval from the virtual_server's delay_loop. */
	const struct lvsd_check *h = rs_check(c, 0, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(h->spec.type, LVS_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(h->spec.http_path, "/health");
	CU_ASSERT_EQUAL(h->spec.http_status, 200);
	CU_ASSERT_DOUBLE_EQUAL(h->spec.timeout, 2, 1e-9);
	CU_ASSERT_EQUAL(h->spec.retry, 2);
	CU_ASSERT_DOUBLE_EQUAL(h->spec.retry_delay, 0.5, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(h->spec.interval, 3, 1e-9);
	CU_ASSERT(has_note(c, true, "k.conf:10: warning: digest is not supported: lvsd checks the status only"));
	CU_ASSERT(has_note(c, true, "k.conf:12: warning: a second url: lvsd checks the first one only (line 7)"));
	CU_ASSERT(has_note(c, false, "k.conf:5: TCP 192.0.2.10:80 -> 10.0.0.2:80: http GET /health "
				     "expecting 200 every 3 s, timeout 2 s, retry 2 after 0.5 s"));

	/* TCP_CHECK: connect_ip/port, its own delay_loop, keepalived's
	 * defaults; bindto warned; a second checker warned. */
	const struct lvsd_check *t = rs_check(c, 0, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(t);
	CU_ASSERT_EQUAL(t->spec.type, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(t->spec.target_port, 8080);
	CU_ASSERT_EQUAL(t->spec.target_af, AF_INET);
	char a[INET_ADDRSTRLEN];
	inet_ntop(AF_INET, &t->spec.target_addr.v4, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "10.0.0.30");
	CU_ASSERT_DOUBLE_EQUAL(t->spec.interval, 7, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(t->spec.timeout, LVSD_KA_CONNECT_TIMEOUT, 1e-9);
	CU_ASSERT_EQUAL(t->spec.retry, LVSD_KA_RETRY);
	CU_ASSERT(has_note(c, true, "k.conf:22: warning: bindto in TCP_CHECK is not supported (ignored)"));
	CU_ASSERT(has_note(c, true, "k.conf:25: warning: MISC_CHECK: lvsd runs one check per real "
				    "server, the first (line 19); keepalived wants all of them up"));

	/* MISC_CHECK: words, no shell; shell syntax and misc_dynamic warned. */
	const struct lvsd_check *m = rs_check(c, 0, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL(m->spec.type, LVS_CHECK_EXEC);
	CU_ASSERT_STRING_EQUAL(m->spec.exec_argv[0], "/usr/lib/check");
	CU_ASSERT_STRING_EQUAL(m->spec.exec_argv[1], "-x");
	CU_ASSERT_STRING_EQUAL(m->spec.exec_argv[2], "$HOME");
	CU_ASSERT_DOUBLE_EQUAL(m->spec.timeout, 4, 1e-9);
	CU_ASSERT(has_note(c, true, "k.conf:29: warning: misc_path \"/usr/lib/check -x $HOME | true\" "
				    "has shell syntax: lvsd runs its words without a shell"));
	CU_ASSERT(has_note(c, true, "k.conf:31: warning: misc_dynamic is not supported: lvsd takes "
				    "exit 0 as up, any other as down"));

	/* SSL_GET: https, the status range warned. */
	const struct lvsd_check *s = rs_check(c, 0, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	CU_ASSERT_EQUAL(s->spec.type, LVS_CHECK_HTTPS);
	CU_ASSERT_STRING_EQUAL(s->spec.http_path, "/tls");
	CU_ASSERT_EQUAL(s->spec.http_status, 0);
	CU_ASSERT(!s->spec.tls_verify);
	CU_ASSERT(has_note(c, true, "k.conf:36: warning: status_code \"200-299\": lvsd checks one "
				    "status (any 2xx is taken)"));

	/* No checker: health.default, said so. */
	CU_ASSERT_PTR_NULL(rs_check(c, 0, 4));
	CU_ASSERT(has_note(c, false, "k.conf:38: TCP 192.0.2.10:80 -> 10.0.0.6:80: no checker lvsd "
				     "can run; health.default checks it"));

	/* DNS_CHECK: type and name, port 53; PING_CHECK not mapped; a bad
	 * type warned (keepalived's SOA of "." then, which lvsd cannot ask). */
	const struct lvsd_check *dn = rs_check(c, 1, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dn);
	CU_ASSERT_EQUAL(dn->spec.type, LVS_CHECK_DNS);
	CU_ASSERT_STRING_EQUAL(dn->spec.dns_name, "example.org");
	CU_ASSERT_EQUAL(dn->spec.dns_qtype, 28);
	CU_ASSERT_EQUAL(dn->spec.target_port, 53);
	CU_ASSERT_PTR_NULL(rs_check(c, 1, 1));
	CU_ASSERT(has_note(c, true, "k.conf:44: warning: PING_CHECK is not a check lvsd runs (not mapped)"));
	CU_ASSERT(has_note(c, true, "k.conf:45: warning: type \"BOGUS\" is not a query type lvsd "
				    "asks (SOA is used)"));
	lvsd_conf_free(c);
}

/* The mapped checks reach the engine's specs for the kernel's servers. */
static void test_keepalived_build(void)
{
	struct lvsd_config *c = map_ka(ka);
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "192.0.2.10", &v.addr.v4);
	snapshot_add_service(s, &v);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .weight = 1 };
	inet_pton(AF_INET, "10.0.0.2", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	snapshot_finish(s);
	struct lvs_check_spec *specs;
	size_t n;
	CU_ASSERT_EQUAL(lvsd_checks_build(c, s, true, &specs, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(specs[0].type, LVS_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(specs[0].http_path, "/health");
	CU_ASSERT(specs[0].per_service);
	free(specs);
	snapshot_unref(s);
	lvsd_conf_free(c);
}

static void test_lvscf(void)
{
	const char *text =
		"network = nat\n"                                           /* 1 */
		"virtual web {\n address = 192.0.2.20 eth0:1\n port = 80\n"  /* 2-4 */
		" send = \"GET / HTTP/1.0\\r\\n\\r\\n\"\n expect = \"HTTP\"\n" /* 5-6 */
		" server a { address = 10.0.1.1\n }\n}\n"                    /* 7-9 */
		"virtual body {\n address = 192.0.2.21 eth0:1\n port = 80\n" /* 10-12 */
		" send = \"GET /ping HTTP/1.0rnrn\"\n expect = \"pong\"\n"   /* 13-14 */
		" server b { address = 10.0.1.2\n }\n}\n"                    /* 15-17 */
		"virtual smtp {\n address = 192.0.2.22 eth0:1\n port = 25\n" /* 18-20 */
		" send = \"\"\n expect = \"220\"\n"                          /* 21-22 */
		" server c { address = 10.0.1.3\n }\n}\n"                    /* 23-25 */
		"virtual plain {\n address = 192.0.2.23 eth0:1\n port = 22\n" /* 26-28 */
		" server e { address = 10.0.1.4\n }\n}\n";
	struct lvs_declared *d = NULL;
	char err[256] = "";
	CU_ASSERT_EQUAL_FATAL(declared_parse_lvscf("lvs.cf", text, strlen(text), &d), 0);
	CU_ASSERT_EQUAL_FATAL(d->n_errors, 0);
	struct lvsd_config *c = lvsd_conf_default();
	CU_ASSERT_EQUAL(lvsd_decl_checks_map_text(c, d, "lvs.cf", text, strlen(text), err,
						  sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(c->n_svcs, 4);
	const struct lvsd_check *h = rs_check(c, 0, 0);
	CU_ASSERT_EQUAL(h->spec.type, LVS_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(h->spec.http_request, "GET / HTTP/1.0\r\n\r\n");
	CU_ASSERT_PTR_NULL(h->spec.http_expect);
	CU_ASSERT(has_note(c, true, "lvs.cf:2: warning: expect \"HTTP\": lvsd takes any 2xx HTTP "
				    "status (nanny any reply starting so)"));
	const struct lvsd_check *b = rs_check(c, 1, 0);
	CU_ASSERT_EQUAL(b->spec.type, LVS_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(b->spec.http_expect, "pong");
	CU_ASSERT(has_note(c, true, "lvs.cf:10: warning: send has no empty line ending the request: "
				    "the server may wait for more and the check time out"));
	CU_ASSERT(has_note(c, true, "lvs.cf:10: warning: expect \"pong\": lvsd looks for it in the "
				    "reply's body, after a 2xx status"));
	const struct lvsd_check *s = rs_check(c, 2, 0);
	CU_ASSERT_EQUAL(s->spec.type, LVS_CHECK_TCP);
	CU_ASSERT(has_note(c, true, "lvs.cf:18: warning: send/expect of a protocol other than HTTP "
				    "is not a check lvsd runs: it checks that the TCP connect succeeds"));
	CU_ASSERT_EQUAL(rs_check(c, 3, 0)->spec.type, LVS_CHECK_TCP);
	lvsd_conf_free(c);
	declared_free(d);
}

/* Through lvsd.conf: the file named by declared, lvsd.conf's service
 * wins, bad values and files are errors with FILE:LINE. */
static void test_conf(void)
{
	char dir[] = "/tmp/lvsd_decl_checks_XXXXXX", kp[96], lp[96], text[512], err[512] = "";
	char want[256];
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	snprintf(kp, sizeof(kp), "%s/keepalived.conf", dir);
	snprintf(lp, sizeof(lp), "%s/lvsd.conf", dir);
	FILE *f = fopen(kp, "w");
	fputs(ka, f);
	fclose(f);
	snprintf(text, sizeof(text),
		 "health = { from = \"keepalived\"; };\ndeclared = { keepalived = \"%s\"; };\n"
		 "services = ( { service = \"tcp:192.0.2.10:80\"; check = { type = \"tcp\"; }; } );\n",
		 kp);
	f = fopen(lp, "w");
	fputs(text, f);
	fclose(f);
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(lp, &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c->health_from, LVS_DECL_KEEPALIVED);
	CU_ASSERT_STRING_EQUAL(c->health_from_path, kp);
	CU_ASSERT_EQUAL(c->n_svcs, 2); /* lvsd.conf's, and the UDP one from the file */
	CU_ASSERT_EQUAL(c->svcs[0].n_rs, 0);
	CU_ASSERT_EQUAL(c->svcs[0].check->spec.type, LVS_CHECK_TCP);

	snprintf(want, sizeof(want), "%s:1: TCP 192.0.2.10:80: lvsd.conf configures this service; "
		 "its checks are used", kp);
	CU_ASSERT(has_note(c, false, want));
	lvsd_conf_free(c);

	f = fopen(lp, "w");
	fputs("health = { from = \"nanny\"; };\n", f);
	fclose(f);
	CU_ASSERT_EQUAL(lvsd_conf_load(lp, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lvsd.conf:1: health.from must be \"keepalived\""));

	f = fopen(lp, "w");
	fprintf(f, "health = { from = \"lvs_cf\"; };\ndeclared = { keepalived = \"%s\"; };\n", kp);
	fclose(f);
	CU_ASSERT_EQUAL(lvsd_conf_load(lp, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "health.from = \"lvs_cf\" but declared names the other"));

	f = fopen(kp, "w");
	fputs("virtual_server 192.0.2.10 80 {\n lb_kind BOGUS\n}\n", f);
	fclose(f);
	f = fopen(lp, "w");
	fprintf(f, "health = { from = \"keepalived\"; };\ndeclared = { keepalived = \"%s\"; };\n", kp);
	fclose(f);
	CU_ASSERT_EQUAL(lvsd_conf_load(lp, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: lb_kind \"BOGUS\"", kp);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	unlink(kp);
	CU_ASSERT_EQUAL(lvsd_conf_load(lp, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "health.from = \"keepalived\": "));
	unlink(lp);
	rmdir(dir);
}

int register_lvsd_decl_checks(void)
{
	CU_pSuite s = CU_add_suite("lvsd_decl_checks", NULL, NULL);
	if (!s || !CU_add_test(s, "keepalived checkers, each kind and warning", test_keepalived_kinds) ||
	    !CU_add_test(s, "mapped checks reach the engine's specs", test_keepalived_build) ||
	    !CU_add_test(s, "lvs.cf send/expect", test_lvscf) ||
	    !CU_add_test(s, "health.from in lvsd.conf", test_conf))
		return -1;
	return 0;
}
