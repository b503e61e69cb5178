/* ops: text forms, planning against the table as it will be, the inverse of
 * each op, running a plan with rollback, and the kernel's answers. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/ip_vs.h>

#include "actions/ops.h"
#include "collector/snapshot.h"

static struct lvs_service svc4(const char *addr, uint16_t port)
{
	struct lvs_service s;
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.port = port;
	s.netmask = 0xffffffffu;
	inet_pton(AF_INET, addr, &s.addr.v4);
	snprintf(s.sched, sizeof(s.sched), "wlc");
	return s;
}

static struct lvs_dest dest4(const char *addr, uint16_t port, int32_t weight)
{
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.port = port;
	d.fwd = LVS_FWD_MASQ;
	d.weight = weight;
	inet_pton(AF_INET, addr, &d.addr.v4);
	return d;
}

/* TCP 203.0.113.10:80 with 192.0.2.11:80 (w 3) and 192.0.2.12:80 (w 5);
 * timeouts 900 120 300; a master sync daemon on eth0. */
static struct lvs_snapshot *table(void)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_service v = svc4("203.0.113.10", 80);
	struct lvs_dest a = dest4("192.0.2.11", 80, 3), b = dest4("192.0.2.12", 80, 5);
	snapshot_add_service(s, &v);
	snapshot_add_dest(s, 0, &a);
	snapshot_add_dest(s, 0, &b);
	s->timeout_tcp = 900;
	s->timeout_tcpfin = 120;
	s->timeout_udp = 300;
	struct lvs_daemon dm;
	memset(&dm, 0, sizeof(dm));
	dm.state = IP_VS_STATE_MASTER;
	snprintf(dm.mcast_ifn, sizeof(dm.mcast_ifn), "eth0");
	dm.syncid = 7;
	s->daemons[0] = dm;
	s->n_daemons = 1;
	snapshot_finish(s);
	return s;
}

static void test_text_forms(void)
{
	char b[LVS_OBJ_MAX];
	struct lvs_service s = svc4("203.0.113.10", 80);
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "TCP 203.0.113.10:80");
	s.protocol = IPPROTO_UDP;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "UDP 203.0.113.10:80");
	s.protocol = IPPROTO_SCTP;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "SCTP 203.0.113.10:80");
	s.af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &s.addr.v6);
	s.protocol = IPPROTO_UDP;
	s.port = 53;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "UDP [2001:db8::1]:53");
	s.fwmark = 4294967295u;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "FWM 4294967295 IPv6");
	s.af = AF_INET;
	s.fwmark = 42;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&s, b, sizeof(b)), "FWM 42");
	struct lvs_dest d = dest4("192.0.2.11", 8080, 1);
	CU_ASSERT_STRING_EQUAL(lvs_dest_text(&d, b, sizeof(b)), "192.0.2.11:8080");
	d.af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::11", &d.addr.v6);
	CU_ASSERT_STRING_EQUAL(lvs_dest_text(&d, b, sizeof(b)), "[2001:db8::11]:8080");
	/* A short buffer is cut, never overrun. */
	char tiny[6];
	CU_ASSERT_STRING_EQUAL(lvs_dest_text(&d, tiny, sizeof(tiny)), "[2001");
	CU_ASSERT_STRING_EQUAL(ops_kind_name(LVS_OP_SET_DEST), "edit-server");
	CU_ASSERT_STRING_EQUAL(ops_kind_name(LVS_OP_DEL_DAEMON), "stop-daemon");
}

/* The table as it will be: each op seen by the next. */
static void test_plan_view(void)
{
	struct lvs_snapshot *s = table();
	struct lvs_plan p;
	char err[LVS_ERR_MAX];
	struct lvs_service v = svc4("203.0.113.10", 80), w = svc4("203.0.113.20", 443), got;
	struct lvs_dest a = dest4("192.0.2.11", 80, 3), c = dest4("192.0.2.13", 80, 1), gd;
	uint32_t to[3];

	plan_init(&p, s);
	CU_ASSERT_TRUE(plan_find_svc(&p, &v, &got));
	CU_ASSERT_PTR_NULL(got.dests); /* copied without its real servers */
	CU_ASSERT_TRUE(plan_find_dest(&p, &v, &a, &gd));
	CU_ASSERT_EQUAL(gd.weight, 3);
	CU_ASSERT_FALSE(plan_find_svc(&p, &w, NULL));

	struct lvs_op op = { .kind = LVS_OP_ADD_SVC, .svc = w };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(plan_find_svc(&p, &w, NULL));
	/* Adding it twice: the kernel's EEXIST, named. */
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "virtual service TCP 203.0.113.20:443 exists already");
	CU_ASSERT_EQUAL(p.n, 1);

	op = (struct lvs_op){ .kind = LVS_OP_ADD_DEST, .svc = w, .dest = c };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(plan_find_dest(&p, &w, &c, NULL));
	op.kind = LVS_OP_SET_DEST;
	op.dest.weight = 9;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(plan_find_dest(&p, &w, &c, &gd));
	CU_ASSERT_EQUAL(gd.weight, 9);

	op = (struct lvs_op){ .kind = LVS_OP_DEL_DEST, .svc = v, .dest = c };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "no real server 192.0.2.13:80 in virtual service TCP 203.0.113.10:80");
	op = (struct lvs_op){ .kind = LVS_OP_DEL_SVC, .svc = v };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(plan_find_svc(&p, &v, NULL));
	CU_ASSERT_FALSE(plan_find_dest(&p, &v, &a, NULL));
	op = (struct lvs_op){ .kind = LVS_OP_SET_DEST, .svc = v, .dest = a };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ESRCH);
	CU_ASSERT_STRING_EQUAL(err, "no virtual service TCP 203.0.113.10:80");

	plan_timeouts(&p, to);
	CU_ASSERT(to[0] == 900 && to[1] == 120 && to[2] == 300);
	op = (struct lvs_op){ .kind = LVS_OP_TIMEOUTS, .timeouts = { 0, 60, 0 } };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	plan_timeouts(&p, to);
	CU_ASSERT(to[0] == 900 && to[1] == 60 && to[2] == 300); /* 0 keeps one */

	/* Daemons: one master runs, no backup. */
	op = (struct lvs_op){ .kind = LVS_OP_ADD_DAEMON };
	op.dm.state = IP_VS_STATE_MASTER;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "the master sync daemon runs already");
	op.kind = LVS_OP_DEL_DAEMON;
	op.dm.state = IP_VS_STATE_BACKUP;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ESRCH);
	CU_ASSERT_STRING_EQUAL(err, "no backup sync daemon runs");

	/* After a flush nothing is left. */
	op = (struct lvs_op){ .kind = LVS_OP_FLUSH };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(plan_find_svc(&p, &w, NULL));
	plan_done(&p);
	snapshot_unref(s);
}

/* Each op's inverse, in the order undo runs them. */
static void test_inverse(void)
{
	struct lvs_snapshot *s = table();
	struct lvs_plan p;
	char err[LVS_ERR_MAX];
	struct lvs_service v = svc4("203.0.113.10", 80);
	struct lvs_dest a = dest4("192.0.2.11", 80, 3);
	size_t n;

	plan_init(&p, s);
	struct lvs_op op = { .kind = LVS_OP_SET_DEST, .svc = v, .dest = a };
	op.dest.weight = 0;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	op = (struct lvs_op){ .kind = LVS_OP_TIMEOUTS, .timeouts = { 10, 0, 0 } };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	op = (struct lvs_op){ .kind = LVS_OP_DEL_SVC, .svc = v };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(p.undoable);

	struct lvs_op *inv = plan_inverse(&p, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	/* Last op first: re-add the service (as it was after the weight
	 * change) and both real servers; the timeouts back; weight 3 back. */
	CU_ASSERT_EQUAL_FATAL(n, 5);
	CU_ASSERT_EQUAL(inv[0].kind, LVS_OP_ADD_SVC);
	CU_ASSERT_TRUE(lvs_service_same(&inv[0].svc, &v));
	CU_ASSERT_EQUAL(inv[1].kind, LVS_OP_ADD_DEST);
	CU_ASSERT_EQUAL(inv[2].kind, LVS_OP_ADD_DEST);
	int32_t w1 = lvs_dest_same(&inv[1].dest, &a) ? inv[1].dest.weight : inv[2].dest.weight;
	CU_ASSERT_EQUAL(w1, 0); /* the service came back as the plan left it */
	CU_ASSERT_EQUAL(inv[3].kind, LVS_OP_TIMEOUTS);
	CU_ASSERT(inv[3].timeouts[0] == 900 && inv[3].timeouts[1] == 120 && inv[3].timeouts[2] == 300);
	CU_ASSERT_EQUAL(inv[4].kind, LVS_OP_SET_DEST);
	CU_ASSERT_EQUAL(inv[4].dest.weight, 3);
	free(inv);
	plan_done(&p);

	/* Zeroing counters cannot be undone. */
	plan_init(&p, s);
	op = (struct lvs_op){ .kind = LVS_OP_ZERO, .svc_all = true };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(p.undoable);
	CU_ASSERT_PTR_NULL(plan_inverse(&p, &n));
	CU_ASSERT_EQUAL(n, 0);
	plan_done(&p);

	/* Stopping a daemon is undone by starting it with the same settings. */
	plan_init(&p, s);
	op = (struct lvs_op){ .kind = LVS_OP_DEL_DAEMON };
	op.dm.state = IP_VS_STATE_MASTER;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	inv = plan_inverse(&p, &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(inv);
	CU_ASSERT_EQUAL(n, 1);
	CU_ASSERT_EQUAL(inv[0].kind, LVS_OP_ADD_DAEMON);
	CU_ASSERT_STRING_EQUAL(inv[0].dm.mcast_ifn, "eth0");
	CU_ASSERT_EQUAL(inv[0].dm.syncid, 7);
	free(inv);
	plan_done(&p);
	snapshot_unref(s);
}

/* A writer that records what it was sent and fails where told. */
struct rec {
	enum lvs_op_kind sent[16];
	int n, fail_at, fail_err, fail_undo_at;
};

static int rec_apply(void *ctx, const struct lvs_op *op)
{
	struct rec *r = ctx;
	int i = r->n;
	if (r->n < 16)
		r->sent[r->n++] = op->kind;
	if (i + 1 == r->fail_at)
		return r->fail_err;
	if (i + 1 == r->fail_undo_at)
		return -EIO;
	return 0;
}

static void test_run_rollback(void)
{
	struct lvs_snapshot *s = table();
	struct lvs_plan p;
	char err[LVS_ERR_MAX];
	struct lvs_service w = svc4("203.0.113.20", 443);
	struct lvs_dest c = dest4("192.0.2.13", 80, 1);
	size_t failed;
	bool rolled;

	plan_init(&p, s);
	struct lvs_op op = { .kind = LVS_OP_ADD_SVC, .svc = w };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	op = (struct lvs_op){ .kind = LVS_OP_ADD_DEST, .svc = w, .dest = c };
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	op.dest = dest4("192.0.2.14", 80, 1);
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);

	/* All good: three commands, nothing undone. */
	struct rec r = { 0 };
	struct lvs_writer wr = { rec_apply, &r };
	CU_ASSERT_EQUAL(plan_run(&p, &wr, &failed, &rolled, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(r.n, 3);
	CU_ASSERT_EQUAL(failed, 3);

	/* The third fails: the second and first are undone, last first. */
	r = (struct rec){ .fail_at = 3, .fail_err = -ERANGE };
	CU_ASSERT_EQUAL(plan_run(&p, &wr, &failed, &rolled, err, sizeof(err)), -ERANGE);
	CU_ASSERT_EQUAL(failed, 2);
	CU_ASSERT_TRUE(rolled);
	CU_ASSERT_EQUAL_FATAL(r.n, 5);
	CU_ASSERT_EQUAL(r.sent[3], LVS_OP_DEL_DEST);
	CU_ASSERT_EQUAL(r.sent[4], LVS_OP_DEL_SVC);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "192.0.2.14:80"));

	/* An undo step that fails too is reported as not rolled back. */
	r = (struct rec){ .fail_at = 3, .fail_err = -EINVAL, .fail_undo_at = 4 };
	CU_ASSERT_EQUAL(plan_run(&p, &wr, &failed, &rolled, err, sizeof(err)), -EINVAL);
	CU_ASSERT_FALSE(rolled);
	CU_ASSERT_EQUAL(r.n, 5); /* the rest of the undo still ran */
	plan_done(&p);
	snapshot_unref(s);
}

static void test_strerror(void)
{
	char b[LVS_ERR_MAX];
	struct lvs_op op = { .kind = LVS_OP_ADD_SVC, .svc = svc4("203.0.113.10", 80) };
	snprintf(op.svc.sched, sizeof(op.svc.sched), "foo");
	ops_strerror(&op, -ENOENT, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "no scheduler 'foo'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "ip_vs_foo"));
	op.kind = LVS_OP_SET_DEST;
	op.dest = dest4("192.0.2.11", 80, -1);
	ops_strerror(&op, -ERANGE, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "refused the weight -1"));
	ops_strerror(&op, -EPERM, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "CAP_NET_ADMIN"));
	ops_strerror(&op, -ENOPKG, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "modprobe ip_vs"));
	ops_strerror(&op, -ENOENT, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "no real server 192.0.2.11:80 in virtual service TCP 203.0.113.10:80");
	ops_strerror(&op, -EBUSY, b, sizeof(b));
	CU_ASSERT_PTR_NOT_NULL(strstr(b, "edit-server 192.0.2.11:80: the kernel answered: "));
	op.kind = LVS_OP_DEL_DAEMON;
	op.dm.state = IP_VS_STATE_BACKUP;
	ops_strerror(&op, -ESRCH, b, sizeof(b));
	CU_ASSERT_STRING_EQUAL(b, "no backup sync daemon runs");
}

int register_ops(void)
{
	CU_pSuite s = CU_add_suite("ops", NULL, NULL);
	if (!s || !CU_add_test(s, "text forms and names", test_text_forms) ||
	    !CU_add_test(s, "the table as the plan will leave it", test_plan_view) ||
	    !CU_add_test(s, "inverses in undo order", test_inverse) ||
	    !CU_add_test(s, "running a plan, rollback", test_run_rollback) ||
	    !CU_add_test(s, "the kernel's answers as sentences", test_strerror))
		return -1;
	return 0;
}
