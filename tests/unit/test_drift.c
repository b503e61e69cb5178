/* Tests for drift: the kernel's table against the declared one. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "collector/declared/drift.h"
#include "collector/names.h"
#include "collector/snapshot.h"
#include "drift_ref.h"

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

/* --- a large table: the sorted lookups agree with the first algorithm ---- */

#define BIG_SERVICES 10000

static void big_conf_service(FILE *f, unsigned i)
{
	unsigned a = i / 250, b = i % 250 + 1;
	fprintf(f, "virtual_server 10.%u.%u.1 %u {\n protocol %s\n lb_algo %s\n lb_kind DR\n",
		a, b, 80 + i % 3, i % 11 == 3 ? "UDP" : "TCP", i % 5 ? "wrr" : "rr");
	if (i % 13 == 0)
		fprintf(f, " persistence_timeout 300\n");
	if (i % 17 == 0)
		fprintf(f, " sorry_server 192.0.2.250 80\n");
	for (unsigned r = 0; r < 3; r++)
		fprintf(f, " real_server 172.%u.%u.%u %u { weight %u\n%s%s }\n", 16 + a % 8, b,
			10 + r, 80 + i % 3, r + 1, i % 4 == 1 ? " inhibit_on_failure\n" : "",
			r == 2 && i % 9 == 0 ? "" : " TCP_CHECK { connect_timeout 2 }\n");
	if (i % 29 == 0) /* the same real server twice */
		fprintf(f, " real_server 172.%u.%u.10 %u { weight 9 }\n", 16 + a % 8, b, 80 + i % 3);
	fprintf(f, "}\n");
}

static void big_kernel_service(struct lvs_snapshot *s, unsigned i, bool declared)
{
	unsigned a = i / 250, b = i % 250 + 1;
	struct lvs_service v = { .af = AF_INET, .port = (uint16_t)(80 + i % 3) };
	v.protocol = i % 11 == 3 ? IPPROTO_UDP : IPPROTO_TCP;
	char vip[32];
	snprintf(vip, sizeof(vip), declared ? "10.%u.%u.1" : "10.%u.%u.2", a, b);
	inet_pton(AF_INET, vip, &v.addr.v4);
	/* Every 23rd: the scheduler changed; every 13th persistent as declared,
	 * but every 39th with another timeout. */
	snprintf(v.sched, sizeof(v.sched), "%s", i % 23 == 0 ? "lc" : i % 5 ? "wrr" : "rr");
	if (i % 13 == 0) {
		v.flags = IP_VS_SVC_F_PERSISTENT;
		v.timeout = i % 39 == 0 ? 60 : 300;
		v.netmask = 0xffffffff;
	}
	size_t si = s->n_services;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
	if (!declared) {
		rs(s, si, "192.0.2.1", 80, 1, LVS_FWD_MASQ);
		return;
	}
	/* Real servers in another order than declared; one missing (every 6th),
	 * a weight changed (every 7th), the method (every 19th), one added by
	 * hand (every 10th), the sorry server in (every 34th). */
	for (unsigned r = 3; r-- > 0;) {
		if (r == 1 && i % 6 == 0)
			continue;
		char rip[32];
		snprintf(rip, sizeof(rip), "172.%u.%u.%u", 16 + a % 8, b, 10 + r);
		int32_t w = (int32_t)(r + 1);
		if (r == 0 && i % 7 == 0)
			w = i % 14 == 0 ? 0 : 5;
		rs(s, si, rip, (uint16_t)(80 + i % 3), w, r == 2 && i % 19 == 0 ? LVS_FWD_MASQ : LVS_FWD_ROUTE);
	}
	if (i % 10 == 0)
		rs(s, si, "172.31.0.1", (uint16_t)(80 + i % 3), 1, LVS_FWD_ROUTE);
	if (i % 34 == 0)
		rs(s, si, "192.0.2.250", 80, 1, LVS_FWD_ROUTE);
}

static bool same_item(const struct lvs_drift_item *a, const struct lvs_drift_item *b)
{
	return a->kind == b->kind && lvs_service_same(&a->svc, &b->svc) &&
	       !strcmp(a->svc.sched, b->svc.sched) && a->has_dest == b->has_dest &&
	       (!a->has_dest || (lvs_dest_same(&a->dest, &b->dest) && a->dest.weight == b->dest.weight &&
				 a->dest.fwd == b->dest.fwd)) &&
	       !strcmp(a->field, b->field) && !strcmp(a->declared, b->declared) &&
	       !strcmp(a->kernel, b->kernel) && !strcmp(a->reason, b->reason) &&
	       a->file == b->file && a->line == b->line;
}

static void test_big_table(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (unsigned i = 0; i < BIG_SERVICES; i++) {
		big_conf_service(f, i);
		if (i % 997 == 5) /* a service declared twice */
			big_conf_service(f, i);
	}
	fclose(f);
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("big.conf", text, len, &d), 0);
	free(text);
	CU_ASSERT_TRUE_FATAL(d->n_services >= BIG_SERVICES);

	/* The kernel: every 8th declared service absent, 300 undeclared ones,
	 * in another order than the file's. */
	struct lvs_snapshot *s = snapshot_new();
	for (unsigned i = BIG_SERVICES; i-- > 0;) {
		if (i % 8 != 2)
			big_kernel_service(s, i, true);
		if (i % 33 == 0)
			big_kernel_service(s, i, false);
	}
	snapshot_finish(s);

	struct lvs_drift fast, ref;
	CU_ASSERT_EQUAL_FATAL(drift_compute(d, s, &fast), 0);
	CU_ASSERT_EQUAL_FATAL(drift_ref_compute(d, s, &ref), 0);
	CU_ASSERT_EQUAL(fast.n, ref.n);
	size_t bad = 0;
	for (size_t i = 0; i < fast.n && i < ref.n; i++)
		bad += !same_item(&fast.items[i], &ref.items[i]);
	CU_ASSERT_EQUAL(bad, 0);
	/* Every kind is there, so the comparison covered them all. */
	for (enum lvs_drift_kind k = LVS_DRIFT_SERVICE_ABSENT; k <= LVS_DRIFT_SORRY_ACTIVE; k++)
		CU_ASSERT_PTR_NOT_NULL(find(&fast, k, NULL, NULL));

	/* The state of every kernel real server, against the search from the
	 * front (every 7th: the reference is quadratic). */
	size_t checked = 0, differs = 0;
	struct lvs_drift plain = { .items = fast.items, .n = fast.n };
	for (size_t i = 0; i < s->n_services; i++) {
		const struct lvs_service *v = &s->services[i];
		for (size_t j = 0; j < v->n_dests; j++) {
			enum lvs_decl_state st = drift_dest_state(&fast, d, v, &v->dests[j]);
			differs += st == LVS_DECL_STATE_DIFFERS;
			if ((i + j) % 7)
				continue;
			CU_ASSERT_EQUAL(st, drift_ref_dest_state(&ref, d, v, &v->dests[j]));
			CU_ASSERT_EQUAL(st, drift_dest_state(&plain, d, v, &v->dests[j]));
			checked++;
		}
	}
	CU_ASSERT_TRUE(checked > 1000);
	CU_ASSERT_TRUE(differs > 100);
	drift_free(&fast);
	drift_free(&ref);
	snapshot_unref(s);
	declared_free(d);
}

int register_drift(void)
{
	CU_pSuite s = CU_add_suite("drift (declared vs kernel)", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "a matching kernel", test_matches) ||
	    !CU_add_test(s, "every kind of difference", test_every_kind) ||
	    !CU_add_test(s, "ownership notes", test_owner_note) ||
	    !CU_add_test(s, "10,000 services: the sorted lookups agree", test_big_table))
		return -1;
	return 0;
}
