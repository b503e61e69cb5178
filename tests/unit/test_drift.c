/* Tests for drift: the kernel's table against the declared one. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/declared/drift.h"
#include "collector/names.h"
#include "collector/snapshot.h"

static const char *conf =
	"virtual_server 203.0.113.10 80 {\n"          /* 1 */
	"  protocol TCP\n  lb_algo wrr\n  lb_kind DR\n" /* 2-4 */
	"  real_server 192.0.2.1 80 { weight 2\n TCP_CHECK { connect_timeout 3 } }\n" /* 5-6 */
	"  real_server 192.0.2.2 80 { weight 1\n TCP_CHECK { connect_timeout 3 } }\n"
	"  real_server 192.0.2.3 80 { weight 4\n inhibit_on_failure\n"
	"    HTTP_GET { url { path / } } }\n"
	"  real_server 192.0.2.4 80 { weight 1 }\n"
	"}\n"
	"virtual_server 203.0.113.11 443 {\n"
	"  protocol TCP\n  lb_algo rr\n  persistence_timeout 300\n"
	"  sorry_server 192.0.2.99 443\n"
	"  real_server 192.0.2.5 443 { TCP_CHECK { } }\n"
	"}\n"
	"virtual_server 203.0.113.12 80 {\n protocol TCP\n real_server 192.0.2.6 80 { }\n}\n";

static struct lvs_declared *declared(void)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k.conf", conf, strlen(conf), &d), 0);
	CU_ASSERT_EQUAL_FATAL(d->n_errors, 0);
	return d;
}

static void svc(struct lvs_snapshot *s, const char *vip, uint16_t port, const char *sched,
		uint32_t timeout)
{
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = port };
	inet_pton(AF_INET, vip, &v.addr.v4);
	snprintf(v.sched, sizeof(v.sched), "%s", sched);
	if (timeout) {
		v.flags = IP_VS_SVC_F_PERSISTENT;
		v.timeout = timeout;
		v.netmask = 0xffffffff;
	}
	snapshot_add_service(s, &v);
}

static void rs(struct lvs_snapshot *s, size_t i, const char *rip, uint16_t port, int32_t w,
	       uint32_t fwd)
{
	struct lvs_dest d = { .af = AF_INET, .port = port, .fwd = fwd, .weight = w };
	inet_pton(AF_INET, rip, &d.addr.v4);
	snapshot_add_dest(s, i, &d);
}

static const struct lvs_drift_item *find(const struct lvs_drift *dr, enum lvs_drift_kind k,
					 const char *rip, const char *field)
{
	char t[64];
	for (size_t i = 0; i < dr->n; i++) {
		const struct lvs_drift_item *it = &dr->items[i];
		if (it->kind != k)
			continue;
		if (rip && (!it->has_dest || strcmp(lvs_dest_text(&it->dest, t, sizeof(t)), rip)))
			continue;
		if (field && strcmp(it->field, field))
			continue;
		return it;
	}
	return NULL;
}

static void test_matches(void)
{
	struct lvs_declared *d = declared();
	struct lvs_snapshot *s = snapshot_new();
	svc(s, "203.0.113.10", 80, "wrr", 0);
	rs(s, 0, "192.0.2.1", 80, 2, LVS_FWD_ROUTE);
	rs(s, 0, "192.0.2.2", 80, 1, LVS_FWD_ROUTE);
	rs(s, 0, "192.0.2.3", 80, 4, LVS_FWD_ROUTE);
	rs(s, 0, "192.0.2.4", 80, 1, LVS_FWD_ROUTE);
	svc(s, "203.0.113.11", 443, "rr", 300);
	rs(s, 1, "192.0.2.5", 443, 1, LVS_FWD_MASQ);
	svc(s, "203.0.113.12", 80, "wlc", 0);
	rs(s, 2, "192.0.2.6", 80, 1, LVS_FWD_MASQ);
	snapshot_finish(s);
	struct lvs_drift dr;
	CU_ASSERT_EQUAL(drift_compute(d, s, &dr), 0);
	CU_ASSERT_EQUAL(dr.n, 0);
	CU_ASSERT_EQUAL(drift_dest_state(&dr, d, &s->services[0], &s->services[0].dests[0]),
			LVS_DECL_STATE_DECLARED);
	CU_ASSERT_EQUAL(drift_dest_state(&dr, NULL, &s->services[0], &s->services[0].dests[0]),
			LVS_DECL_STATE_NONE);
	drift_free(&dr);
	snapshot_unref(s);
	declared_free(d);
}

static void test_every_kind(void)
{
	struct lvs_declared *d = declared();
	struct lvs_snapshot *s = snapshot_new();
	/* .10: rs1 removed (check fails), rs2 weight changed by hand, rs3
	 * inhibited (weight 0), rs4 present, a hand-added rs7, rs1 absent;
	 * scheduler changed. */
	svc(s, "203.0.113.10", 80, "rr", 0);
	rs(s, 0, "192.0.2.2", 80, 7, LVS_FWD_ROUTE);
	rs(s, 0, "192.0.2.3", 80, 0, LVS_FWD_ROUTE);
	rs(s, 0, "192.0.2.4", 80, 1, LVS_FWD_MASQ);
	rs(s, 0, "192.0.2.7", 80, 1, LVS_FWD_ROUTE);
	/* .11: quorum lost, the sorry server in; persistence changed. */
	svc(s, "203.0.113.11", 443, "rr", 60);
	rs(s, 1, "192.0.2.99", 443, 1, LVS_FWD_MASQ);
	/* .12 missing; .13 added by hand. */
	svc(s, "203.0.113.13", 80, "wlc", 0);
	snapshot_finish(s);

	struct lvs_drift dr;
	CU_ASSERT_EQUAL_FATAL(drift_compute(d, s, &dr), 0);
	const struct lvs_drift_item *it;
	it = find(&dr, LVS_DRIFT_SERVICE_DIFFERS, NULL, "scheduler");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_STRING_EQUAL(it->declared, "wrr");
	CU_ASSERT_STRING_EQUAL(it->kernel, "rr");
	CU_ASSERT_EQUAL(it->line, 1);
	it = find(&dr, LVS_DRIFT_SERVER_ABSENT, "192.0.2.1:80", NULL);
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(it->reason, "keepalived removes a real server whose check fails"));
	CU_ASSERT_PTR_NOT_NULL(strstr(it->reason, "TCP_CHECK"));
	CU_ASSERT_EQUAL(it->line, 5);
	it = find(&dr, LVS_DRIFT_SERVER_DIFFERS, "192.0.2.2:80", "weight");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_STRING_EQUAL(it->declared, "1");
	CU_ASSERT_STRING_EQUAL(it->kernel, "7");
	CU_ASSERT_STRING_EQUAL(it->reason, "");
	it = find(&dr, LVS_DRIFT_SERVER_DIFFERS, "192.0.2.3:80", "weight");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(it->reason, "inhibit_on_failure"));
	it = find(&dr, LVS_DRIFT_SERVER_DIFFERS, "192.0.2.4:80", "method");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_STRING_EQUAL(it->declared, "DR");
	CU_ASSERT_STRING_EQUAL(it->kernel, "NAT");
	it = find(&dr, LVS_DRIFT_SERVER_UNDECLARED, "192.0.2.7:80", NULL);
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_PTR_NULL(it->file);
	CU_ASSERT_PTR_NOT_NULL(find(&dr, LVS_DRIFT_SORRY_ACTIVE, "192.0.2.99:443", NULL));
	it = find(&dr, LVS_DRIFT_SERVICE_DIFFERS, NULL, "persistence");
	CU_ASSERT_FATAL(it != NULL);
	CU_ASSERT_STRING_EQUAL(it->declared, "300 s 255.255.255.255");
	CU_ASSERT_STRING_EQUAL(it->kernel, "60 s 255.255.255.255");
	/* .11's real server is absent while the sorry server stands in. */
	CU_ASSERT_PTR_NOT_NULL(find(&dr, LVS_DRIFT_SERVER_ABSENT, "192.0.2.5:443", NULL));
	CU_ASSERT_PTR_NOT_NULL(find(&dr, LVS_DRIFT_SERVICE_ABSENT, NULL, NULL));
	it = find(&dr, LVS_DRIFT_SERVICE_UNDECLARED, NULL, NULL);
	CU_ASSERT_FATAL(it != NULL);
	char t[96];
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&it->svc, t, sizeof(t)), "TCP 203.0.113.13:80");
	CU_ASSERT_EQUAL(dr.n, 11);

	const struct lvs_service *k = &s->services[0];
	CU_ASSERT_EQUAL(drift_dest_state(&dr, d, k, &k->dests[0]), LVS_DECL_STATE_DIFFERS);
	CU_ASSERT_EQUAL(drift_dest_state(&dr, d, k, &k->dests[3]), LVS_DECL_STATE_UNDECLARED);
	CU_ASSERT_EQUAL(drift_dest_state(&dr, d, &s->services[1], &s->services[1].dests[0]),
			LVS_DECL_STATE_SORRY);
	CU_ASSERT_STRING_EQUAL(drift_kind_name(LVS_DRIFT_SERVER_ABSENT), "real-server-absent");
	drift_free(&dr);
	snapshot_unref(s);
	declared_free(d);
}

static void test_owner_note(void)
{
	struct lvs_declared *d = declared();
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &v.addr.v4);
	struct lvs_dest r = { .af = AF_INET, .port = 80 };
	inet_pton(AF_INET, "192.0.2.2", &r.addr.v4);
	char buf[400];
	CU_ASSERT_TRUE(drift_owner_note(d, &v, &r, buf, sizeof(buf)));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "192.0.2.2:80 in TCP 203.0.113.10:80 is declared in k.conf:7 "
					  "with weight 1: keepalived sets that weight again"));
	CU_ASSERT_TRUE(drift_owner_note(d, &v, NULL, buf, sizeof(buf)));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "TCP 203.0.113.10:80 is declared in k.conf:1"));
	/* Not declared: no note. */
	inet_pton(AF_INET, "192.0.2.77", &r.addr.v4);
	strcpy(buf, "untouched");
	CU_ASSERT_FALSE(drift_owner_note(d, &v, &r, buf, sizeof(buf)));
	CU_ASSERT_STRING_EQUAL(buf, "untouched");
	v.port = 81;
	CU_ASSERT_FALSE(drift_owner_note(d, &v, NULL, buf, sizeof(buf)));
	CU_ASSERT_FALSE(drift_owner_note(NULL, &v, NULL, buf, sizeof(buf)));
	declared_free(d);
}

int register_drift(void)
{
	CU_pSuite s = CU_add_suite("drift (declared vs kernel)", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "a matching kernel", test_matches) ||
	    !CU_add_test(s, "every kind of difference", test_every_kind) ||
	    !CU_add_test(s, "ownership notes", test_owner_note))
		return -1;
	return 0;
}
