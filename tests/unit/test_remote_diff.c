/* Tests for the table diff of two directors. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/remote_diff.h"

static void add_svc(struct lvs_snapshot *s, const char *vip, uint16_t port, const char *sched)
{
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = port };
	inet_pton(AF_INET, vip, &v.addr.v4);
	strcpy(v.sched, sched);
	snapshot_add_service(s, &v);
}

static void add_rs(struct lvs_snapshot *s, size_t svc, const char *rip, int32_t weight, int fwd)
{
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = (uint8_t)fwd, .weight = weight };
	inet_pton(AF_INET, rip, &d.addr.v4);
	snapshot_add_dest(s, svc, &d);
}

/* master: A(rs1 w3, rs2 w1), B(rs3), C(rs4) ; backup: B(rs3), A(rs2 w0, rs1 w3, rs5),
 * C(rs4) with C on another scheduler. Services in another order on purpose. */
static void build(struct lvs_snapshot **pm, struct lvs_snapshot **pb)
{
	struct lvs_snapshot *m = snapshot_new(), *b = snapshot_new();
	add_svc(m, "203.0.113.1", 80, "wrr");
	add_rs(m, 0, "192.0.2.1", 3, LVS_FWD_MASQ);
	add_rs(m, 0, "192.0.2.2", 1, LVS_FWD_MASQ);
	add_svc(m, "203.0.113.2", 80, "rr");
	add_rs(m, 1, "192.0.2.3", 1, LVS_FWD_ROUTE);
	add_svc(m, "203.0.113.3", 80, "wlc");
	add_rs(m, 2, "192.0.2.4", 1, LVS_FWD_ROUTE);
	add_svc(m, "203.0.113.9", 80, "rr"); /* master only */
	add_rs(m, 3, "192.0.2.9", 1, LVS_FWD_ROUTE);
	snapshot_finish(m);

	add_svc(b, "203.0.113.2", 80, "rr");
	add_rs(b, 0, "192.0.2.3", 1, LVS_FWD_ROUTE);
	add_svc(b, "203.0.113.1", 80, "wrr");
	add_rs(b, 1, "192.0.2.2", 0, LVS_FWD_MASQ); /* quiesced on the backup */
	add_rs(b, 1, "192.0.2.1", 3, LVS_FWD_TUNNEL);
	add_rs(b, 1, "192.0.2.5", 1, LVS_FWD_MASQ); /* backup only */
	add_svc(b, "203.0.113.3", 80, "lc");
	add_rs(b, 2, "192.0.2.4", 1, LVS_FWD_ROUTE);
	snapshot_finish(b);
	*pm = m;
	*pb = b;
}

static void test_marks(void)
{
	struct lvs_snapshot *m, *b;
	build(&m, &b);
	struct remote_diff d;
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(m, b, &d), 0);
	CU_ASSERT_EQUAL(d.n_svc, 4);
	CU_ASSERT_EQUAL(d.n_dest, 5);
	CU_ASSERT_EQUAL(d.svc[0], RDIFF_DESTS);            /* A: rs2's weight, rs1's method, rs5 */
	CU_ASSERT_EQUAL(d.dest[0], RDIFF_FWD);             /* rs1: masq here, tunnel there */
	CU_ASSERT_EQUAL(d.dest[1], RDIFF_WEIGHT);          /* rs2: 1 here, 0 there */
	CU_ASSERT_EQUAL(d.svc[1], 0);                      /* B agrees */
	CU_ASSERT_EQUAL(d.dest[2], 0);
	CU_ASSERT_EQUAL(d.svc[2], RDIFF_SCHED);            /* C: wlc against lc */
	CU_ASSERT_EQUAL(d.dest[3], 0);
	CU_ASSERT_EQUAL(d.svc[3], RDIFF_ONLY_HERE);
	CU_ASSERT_EQUAL(d.dest[4], RDIFF_ONLY_HERE);
	CU_ASSERT_EQUAL(d.n_marked, 6);
	remote_diff_done(&d);

	/* The other way round. */
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(b, m, &d), 0);
	CU_ASSERT_EQUAL(d.svc[0], 0);                      /* B */
	CU_ASSERT_EQUAL(d.svc[1], RDIFF_DESTS);            /* A */
	CU_ASSERT_EQUAL(d.dest[1], RDIFF_WEIGHT);          /* rs2 */
	CU_ASSERT_EQUAL(d.dest[2], RDIFF_FWD);             /* rs1 */
	CU_ASSERT_EQUAL(d.dest[3], RDIFF_ONLY_HERE);       /* rs5 */
	CU_ASSERT_EQUAL(d.svc[2], RDIFF_SCHED);
	CU_ASSERT_EQUAL(d.n_marked, 5);
	remote_diff_done(&d);
	snapshot_unref(m);
	snapshot_unref(b);
}

static void test_same_and_missing_partner(void)
{
	struct lvs_snapshot *m, *b;
	build(&m, &b);
	struct remote_diff d;
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(m, m, &d), 0);
	CU_ASSERT_EQUAL(d.n_marked, 0);
	for (size_t i = 0; i < d.n_svc; i++)
		CU_ASSERT_EQUAL(d.svc[i], 0);
	remote_diff_done(&d);
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(m, NULL, &d), 0);
	CU_ASSERT_EQUAL(d.n_marked, 0);
	CU_ASSERT_EQUAL(d.n_svc, 4);
	remote_diff_done(&d);

	/* A service whose real servers are all on the other side only. */
	struct lvs_snapshot *e = snapshot_new();
	add_svc(e, "203.0.113.2", 80, "rr");
	snapshot_finish(e);
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(e, b, &d), 0);
	CU_ASSERT_EQUAL(d.svc[0], RDIFF_DESTS);
	remote_diff_done(&d);
	/* An empty table against a full one. */
	struct lvs_snapshot *z = snapshot_new();
	snapshot_finish(z);
	CU_ASSERT_EQUAL_FATAL(remote_diff_compute(z, m, &d), 0);
	CU_ASSERT_EQUAL(d.n_marked, 0);
	remote_diff_done(&d);
	snapshot_unref(z);
	snapshot_unref(e);
	snapshot_unref(m);
	snapshot_unref(b);
}

static void test_text(void)
{
	char b[64];
	CU_ASSERT_STRING_EQUAL(remote_diff_text(0, b, sizeof(b)), "");
	CU_ASSERT_STRING_EQUAL(remote_diff_text(RDIFF_ONLY_HERE, b, sizeof(b)), "only here");
	CU_ASSERT_STRING_EQUAL(remote_diff_text(RDIFF_WEIGHT | RDIFF_FWD, b, sizeof(b)), "weight,fwd");
	CU_ASSERT_STRING_EQUAL(remote_diff_text(RDIFF_SCHED | RDIFF_DESTS, b, sizeof(b)), "sched,servers");
	char s[8];
	CU_ASSERT_STRING_EQUAL(remote_diff_text(RDIFF_WEIGHT | RDIFF_FWD, s, sizeof(s)), "weight");
}

int register_remote_diff(void)
{
	CU_pSuite s = CU_add_suite("console remote diff", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "marks both ways", test_marks) ||
	    !CU_add_test(s, "same tables, no partner", test_same_and_missing_partner) ||
	    !CU_add_test(s, "texts", test_text))
		return -1;
	return 0;
}
