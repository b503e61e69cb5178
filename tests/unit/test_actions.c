#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ip_vs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/actions.h"
#include "actions/ops.h"
#include "actions/rules.h"
#include "collector/snapshot.h"

/* ------------------------------------------------------------------------
 * A model of the kernel's table with the kernel's answers (EEXIST, ESRCH,
 * ENOENT), behind the library's reader and writer seams. fail_at makes the
 * Nth write fail with fail_err, as a kernel refusal part-way through would.
 * ------------------------------------------------------------------------ */

#define SIM_SVC 16
#define SIM_DEST 16

struct sim {
	struct lvs_service svc[SIM_SVC];
	struct lvs_dest dest[SIM_SVC][SIM_DEST];
	size_t nd[SIM_SVC], n;
	uint32_t to[3];
	int calls, fail_at, fail_err;
};

static int sim_find(const struct sim *s, const struct lvs_service *id)
{
	for (size_t i = 0; i < s->n; i++)
		if (lvs_service_same(&s->svc[i], id))
			return (int)i;
	return -1;
}

static int sim_find_dest(const struct sim *s, int si, const struct lvs_dest *id)
{
	for (size_t i = 0; i < s->nd[si]; i++)
		if (lvs_dest_same(&s->dest[si][i], id))
			return (int)i;
	return -1;
}

static int sim_apply(void *ctx, const struct lvs_op *op)
{
	struct sim *s = ctx;
	int si, di;

	if (++s->calls == s->fail_at)
		return s->fail_err;
	si = sim_find(s, &op->svc);
	switch (op->kind) {
	case LVS_OP_ADD_SVC:
		if (si >= 0)
			return -EEXIST;
		s->svc[s->n] = op->svc;
		s->nd[s->n++] = 0;
		return 0;
	case LVS_OP_SET_SVC:
		if (si < 0)
			return -ESRCH;
		s->svc[si] = op->svc;
		return 0;
	case LVS_OP_DEL_SVC:
		if (si < 0)
			return -ESRCH;
		for (size_t i = (size_t)si; i + 1 < s->n; i++) {
			s->svc[i] = s->svc[i + 1];
			memcpy(s->dest[i], s->dest[i + 1], sizeof(s->dest[i]));
			s->nd[i] = s->nd[i + 1];
		}
		s->n--;
		return 0;
	case LVS_OP_ADD_DEST:
	case LVS_OP_SET_DEST:
	case LVS_OP_DEL_DEST:
		if (si < 0)
			return -ESRCH;
		di = sim_find_dest(s, si, &op->dest);
		if (op->kind == LVS_OP_ADD_DEST) {
			if (di >= 0)
				return -EEXIST;
			s->dest[si][s->nd[si]++] = op->dest;
		} else if (di < 0) {
			return -ENOENT;
		} else if (op->kind == LVS_OP_SET_DEST) {
			s->dest[si][di] = op->dest;
		} else {
			for (size_t i = (size_t)di; i + 1 < s->nd[si]; i++)
				s->dest[si][i] = s->dest[si][i + 1];
			s->nd[si]--;
		}
		return 0;
	case LVS_OP_ZERO:
		return op->svc_all || si >= 0 ? 0 : -ESRCH;
	case LVS_OP_FLUSH:
		s->n = 0;
		return 0;
	case LVS_OP_TIMEOUTS:
		for (int k = 0; k < 3; k++)
			if (op->timeouts[k])
				s->to[k] = op->timeouts[k];
		return 0;
	default:
		return -EINVAL;
	}
}

static int sim_read(void *ctx, struct lvs_snapshot **out)
{
	struct sim *s = ctx;
	struct lvs_snapshot *snap = snapshot_new();
	if (!snap)
		return -ENOMEM;
	snap->timeout_tcp = s->to[0];
	snap->timeout_tcpfin = s->to[1];
	snap->timeout_udp = s->to[2];
	for (size_t i = 0; i < s->n; i++) {
		snapshot_add_service(snap, &s->svc[i]);
		for (size_t k = 0; k < s->nd[i]; k++)
			snapshot_add_dest(snap, i, &s->dest[i][k]);
	}
	snapshot_finish(snap);
	*out = snap;
	return 0;
}

/* The table as text (rule lines with thresholds, then timeouts). */
static char *sim_text(struct sim *s)
{
	struct lvs_snapshot *snap;
	char *buf = NULL;
	size_t len = 0;
	CU_ASSERT_FATAL(sim_read(s, &snap) == 0);
	FILE *f = open_memstream(&buf, &len);
	rules_save(snap, true, f);
	fprintf(f, "timeouts %u %u %u\n", s->to[0], s->to[1], s->to[2]);
	fclose(f);
	snapshot_unref(snap);
	return buf;
}

static struct lvs_service tcp(const char *addr, uint16_t port, const char *sched)
{
	struct lvs_service s;
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = IPPROTO_TCP;
	s.port = port;
	s.netmask = 0xffffffffu;
	inet_pton(AF_INET, addr, &s.addr.v4);
	snprintf(s.sched, sizeof(s.sched), "%s", sched);
	return s;
}

static struct lvs_dest rs(const char *addr, uint16_t port, uint32_t fwd, int32_t weight)
{
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.port = port;
	d.fwd = fwd;
	d.weight = weight;
	inet_pton(AF_INET, addr, &d.addr.v4);
	return d;
}

/* Two services: NAT A (two servers) and DR B (one). */
static void sim_init(struct sim *s)
{
	memset(s, 0, sizeof(s[0]));
	s->to[0] = 900, s->to[1] = 120, s->to[2] = 300;
	s->svc[0] = tcp("203.0.113.10", 80, "rr");
	s->dest[0][0] = rs("192.0.2.11", 80, LVS_FWD_MASQ, 1);
	s->dest[0][1] = rs("192.0.2.12", 80, LVS_FWD_MASQ, 3);
	s->dest[0][1].u_thresh = 50;
	s->dest[0][1].l_thresh = 5;
	s->nd[0] = 2;
	s->svc[1] = tcp("203.0.113.20", 80, "wrr");
	s->dest[1][0] = rs("192.0.2.75", 80, LVS_FWD_ROUTE, 3);
	s->nd[1] = 1;
	s->n = 2;
}

static char state_path[64], audit_path[64];

static lvs_actions *open_sim(struct sim *s, struct lvs_writer *w)
{
	lvs_actions *a = NULL;
	char err[LVS_ERR_MAX];
	w->apply = sim_apply;
	w->ctx = s;
	struct lvs_actions_opts o = {
		.state_path = state_path, .audit_path = audit_path, .no_syslog = true,
		.source = "test", .writer = w, .read = sim_read, .read_ctx = s,
	};
	CU_ASSERT_EQUAL_FATAL(actions_open(&a, &o, err, sizeof(err)), 0);
	return a;
}

static int suite_init(void)
{
	snprintf(state_path, sizeof(state_path), "/tmp/lvstop-test-state.%ld.json", (long)getpid());
	snprintf(audit_path, sizeof(audit_path), "/tmp/lvstop-test-audit.%ld.log", (long)getpid());
	unlink(state_path);
	unlink(audit_path);
	return 0;
}

static int suite_clean(void)
{
	char lock[80];
	snprintf(lock, sizeof(lock), "%s.lock", state_path);
	unlink(lock);
	unlink(state_path);
	unlink(audit_path);
	return 0;
}

static size_t count_lines(const char *path, const char *needle)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	size_t n = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!needle || strstr(line, needle))
			n++;
	fclose(f);
	return n;
}

/* ------------------------------------------------------------------------
 * Plans: checks, inverses, rollback at every step
 * ------------------------------------------------------------------------ */

/* A plan touching everything, run with a failure injected at each step:
 * the table must come back to what it was every time. */
static void test_rollback_every_step(void)
{
	struct sim s;
	sim_init(&s);
	char *orig = sim_text(&s);
	struct lvs_snapshot *before;
	CU_ASSERT_FATAL(sim_read(&s, &before) == 0);

	struct lvs_plan p;
	char err[LVS_ERR_MAX];
	plan_init(&p, before);
	struct lvs_op ops[8];
	memset(ops, 0, sizeof(ops));
	ops[0].kind = LVS_OP_ADD_SVC;
	ops[0].svc = tcp("198.51.100.50", 80, "lc");
	ops[1].kind = LVS_OP_ADD_DEST;
	ops[1].svc = ops[0].svc;
	ops[1].dest = rs("192.0.2.99", 80, LVS_FWD_MASQ, 2);
	ops[2].kind = LVS_OP_SET_DEST;
	ops[2].svc = s.svc[0];
	ops[2].dest = s.dest[0][1];
	ops[2].dest.weight = 9;
	ops[2].dest.u_thresh = 0;
	ops[2].dest.l_thresh = 0;
	ops[3].kind = LVS_OP_DEL_SVC; /* with its real server */
	ops[3].svc = s.svc[1];
	ops[4].kind = LVS_OP_DEL_DEST;
	ops[4].svc = s.svc[0];
	ops[4].dest = s.dest[0][0];
	ops[5].kind = LVS_OP_SET_SVC;
	ops[5].svc = s.svc[0];
	snprintf(ops[5].svc.sched, sizeof(ops[5].svc.sched), "wlc");
	ops[6].kind = LVS_OP_TIMEOUTS;
	ops[6].timeouts[0] = 60;
	ops[7].kind = LVS_OP_ADD_SVC;
	ops[7].svc = tcp("198.51.100.51", 80, "nq");
	for (size_t i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(plan_add(&p, &ops[i], err, sizeof(err)), 0);
	CU_ASSERT(p.undoable);

	for (int k = 1; k <= 8; k++) {
		size_t failed;
		bool rolled;
		sim_init(&s);
		s.fail_at = k;
		s.fail_err = -ENOENT;
		struct lvs_writer w = { sim_apply, &s };
		CU_ASSERT_EQUAL(plan_run(&p, &w, &failed, &rolled, err, sizeof(err)), -ENOENT);
		CU_ASSERT_EQUAL(failed, (size_t)k - 1);
		CU_ASSERT(rolled);
		char *now = sim_text(&s);
		CU_ASSERT_STRING_EQUAL(now, orig);
		free(now);
	}
	/* The kernel's ENOENT on the last step names the scheduler module. */
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ip_vs_nq"));

	/* Success, then the whole inverse: back to the start as well. */
	sim_init(&s);
	struct lvs_writer w = { sim_apply, &s };
	size_t failed, n_inv;
	bool rolled;
	CU_ASSERT_EQUAL(plan_run(&p, &w, &failed, &rolled, err, sizeof(err)), 0);
	char *changed = sim_text(&s);
	CU_ASSERT_STRING_NOT_EQUAL(changed, orig);
	free(changed);
	struct lvs_op *inv = plan_inverse(&p, &n_inv);
	CU_ASSERT_FATAL(inv != NULL);
	for (size_t i = 0; i < n_inv; i++)
		CU_ASSERT_EQUAL(sim_apply(&s, &inv[i]), 0);
	char *back = sim_text(&s);
	CU_ASSERT_STRING_EQUAL(back, orig);
	free(back);
	free(inv);
	plan_done(&p);
	snapshot_unref(before);
	free(orig);
}

/* The plan sees its own earlier steps (a load file adds a service, then
 * its real servers) and refuses what the kernel would refuse. */
static void test_plan_checks(void)
{
	struct sim s;
	sim_init(&s);
	struct lvs_snapshot *before;
	CU_ASSERT_FATAL(sim_read(&s, &before) == 0);
	struct lvs_plan p;
	char err[LVS_ERR_MAX];
	struct lvs_op op;
	plan_init(&p, before);

	memset(&op, 0, sizeof(op));
	op.kind = LVS_OP_ADD_DEST;
	op.svc = tcp("203.0.113.99", 80, "rr");
	op.dest = rs("192.0.2.11", 80, LVS_FWD_MASQ, 1);
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ESRCH);
	CU_ASSERT_STRING_EQUAL(err, "no virtual service TCP 203.0.113.99:80");

	op.kind = LVS_OP_ADD_SVC;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	op.kind = LVS_OP_ADD_DEST;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "real server 192.0.2.11:80 exists already in virtual service TCP 203.0.113.99:80");

	op.kind = LVS_OP_ADD_SVC;
	op.svc = s.svc[0];
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -EEXIST);
	CU_ASSERT_STRING_EQUAL(err, "virtual service TCP 203.0.113.10:80 exists already");

	op.kind = LVS_OP_SET_DEST;
	op.dest = rs("192.0.2.13", 80, LVS_FWD_MASQ, 1);
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ENOENT);
	CU_ASSERT_STRING_EQUAL(err, "no real server 192.0.2.13:80 in virtual service TCP 203.0.113.10:80");

	/* After a flush in the plan nothing exists. */
	memset(&op, 0, sizeof(op));
	op.kind = LVS_OP_FLUSH;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(plan_find_svc(&p, &s.svc[0], NULL));
	op.kind = LVS_OP_DEL_SVC;
	op.svc = s.svc[1];
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), -ESRCH);

	/* Zeroing cannot be undone. */
	op.kind = LVS_OP_ZERO;
	op.svc_all = true;
	CU_ASSERT_EQUAL(plan_add(&p, &op, err, sizeof(err)), 0);
	CU_ASSERT_FALSE(p.undoable);

	plan_done(&p);
	snapshot_unref(before);
}

static void test_kernel_sentences(void)
{
	struct lvs_op op;
	char buf[LVS_ERR_MAX];
	memset(&op, 0, sizeof(op));
	op.kind = LVS_OP_ADD_DEST;
	op.svc = tcp("203.0.113.10", 80, "rr");
	op.dest = rs("192.0.2.11", 80, LVS_FWD_MASQ, 1);
	ops_strerror(&op, -ESRCH, buf, sizeof(buf));
	CU_ASSERT_STRING_EQUAL(buf, "no virtual service TCP 203.0.113.10:80");
	ops_strerror(&op, -EEXIST, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "exists already"));
	ops_strerror(&op, -EPERM, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "CAP_NET_ADMIN"));
	ops_strerror(&op, -ENOPKG, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "modprobe ip_vs"));
	op.kind = LVS_OP_ADD_SVC;
	snprintf(op.svc.sched, sizeof(op.svc.sched), "mh");
	ops_strerror(&op, -ENOENT, buf, sizeof(buf));
	CU_ASSERT_PTR_NOT_NULL(strstr(buf, "could not load module ip_vs_mh"));
	struct lvs_service v6 = op.svc;
	v6.af = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &v6.addr.v6);
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&v6, buf, sizeof(buf)), "TCP [2001:db8::1]:80");
	v6.fwmark = 7;
	CU_ASSERT_STRING_EQUAL(lvs_svc_text(&v6, buf, sizeof(buf)), "FWM 7 IPv6");
}

/* ------------------------------------------------------------------------
 * The library
 * ------------------------------------------------------------------------ */

/* Bad input and unknown objects: a sentence, and nothing written. */
static void test_nothing_sent_on_bad_input(void)
{
	struct sim s;
	struct lvs_writer w;
	sim_init(&s);
	lvs_actions *a = open_sim(&s, &w);
	struct lvs_service missing = tcp("203.0.113.99", 80, "rr");
	struct lvs_dest d = rs("192.0.2.11", 80, LVS_FWD_MASQ, 1);

	CU_ASSERT_EQUAL(actions_add_server(a, &missing, &d), -ESRCH);
	CU_ASSERT_STRING_EQUAL(actions_error(a), "no virtual service TCP 203.0.113.99:80");
	struct lvs_dest bad = rs("192.0.2.13", 8080, LVS_FWD_ROUTE, 1);
	CU_ASSERT_EQUAL(actions_add_server(a, &s.svc[1], &bad), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "keep the service's port (80), not 8080"));
	struct lvs_dest nobody = rs("192.0.2.44", 80, LVS_FWD_MASQ, 1);
	CU_ASSERT_EQUAL(actions_quiesce(a, &s.svc[0], &nobody), -ENOENT);
	CU_ASSERT_EQUAL(actions_set_weight(a, &s.svc[0], &s.dest[0][0], -1, false), -EINVAL);
	struct lvs_service badsched = tcp("203.0.113.30", 80, "fastest");
	CU_ASSERT_EQUAL(actions_add_service(a, &badsched), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "scheduler: 'fastest'"));
	CU_ASSERT_EQUAL(actions_restore(a, &s.svc[0], &s.dest[0][0]), -ENODATA);
	CU_ASSERT_EQUAL(actions_undo_last(a), -ENODATA);
	CU_ASSERT_EQUAL(s.calls, 0);
	CU_ASSERT_EQUAL(count_lines(audit_path, NULL), 0);
	actions_close(a);
}

static void test_quiesce_restore_state(void)
{
	struct sim s;
	struct lvs_writer w;
	struct lvs_state_entry e;
	sim_init(&s);
	unlink(state_path);
	lvs_actions *a = open_sim(&s, &w);

	CU_ASSERT_EQUAL(actions_quiesce(a, &s.svc[1], &s.dest[1][0]), 0);
	CU_ASSERT_EQUAL(s.dest[1][0].weight, 0);
	CU_ASSERT(actions_server_state(a, &s.svc[1], &s.dest[1][0], &e));
	CU_ASSERT_EQUAL(e.weight, 3);
	CU_ASSERT_FALSE(e.draining);
	/* Quiescing again keeps the remembered weight and writes nothing. */
	int calls = s.calls;
	CU_ASSERT_EQUAL(actions_quiesce(a, &s.svc[1], &s.dest[1][0]), 0);
	CU_ASSERT_EQUAL(s.calls, calls);
	/* A server at weight 0 that lvstop did not quiesce: nothing to remember. */
	s.dest[0][0].weight = 0;
	CU_ASSERT_EQUAL(actions_quiesce(a, &s.svc[0], &s.dest[0][0]), 0);
	CU_ASSERT_EQUAL(s.calls, calls);
	CU_ASSERT_FALSE(actions_server_state(a, &s.svc[0], &s.dest[0][0], NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_message(a), "weight 0 already"));
	/* Draining it is allowed: it is then waited for (and restore gives 0). */
	CU_ASSERT_EQUAL(actions_drain_start(a, &s.svc[0], &s.dest[0][0], false), 0);
	CU_ASSERT(actions_server_state(a, &s.svc[0], &s.dest[0][0], &e));
	CU_ASSERT(e.draining);
	CU_ASSERT_EQUAL(e.weight, 0);
	actions_close(a);

	/* A new handle (an lvstop restart) reads the state file. */
	a = open_sim(&s, &w);
	CU_ASSERT(actions_server_state(a, &s.svc[1], &s.dest[1][0], &e));
	CU_ASSERT_EQUAL(e.weight, 3);
	CU_ASSERT_EQUAL(actions_restore(a, &s.svc[1], &s.dest[1][0]), 0);
	CU_ASSERT_EQUAL(s.dest[1][0].weight, 3);
	CU_ASSERT_FALSE(actions_server_state(a, &s.svc[1], &s.dest[1][0], NULL));
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_message(a), "weight 3"));
	actions_close(a);
}

static void test_undo(void)
{
	struct sim s;
	struct lvs_writer w;
	sim_init(&s);
	unlink(state_path);
	char *orig = sim_text(&s);
	lvs_actions *a = open_sim(&s, &w);

	CU_ASSERT_EQUAL(actions_del_service(a, &s.svc[0]), 0);
	CU_ASSERT_EQUAL(s.n, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_undo_desc(a), "del-service TCP 203.0.113.10:80"));
	CU_ASSERT_EQUAL(actions_undo_last(a), 0);
	char *now = sim_text(&s);
	CU_ASSERT_STRING_EQUAL(now, orig); /* the service and both servers, thresholds too */
	free(now);

	/* Undo of a quiesce gives the weight and the state back. (The service
	 * re-added above now comes after B in the model.) */
	struct lvs_service b = tcp("203.0.113.20", 80, "wrr");
	int bi = sim_find(&s, &b);
	CU_ASSERT_EQUAL_FATAL(bi, 0);
	struct lvs_dest b1 = s.dest[bi][0];
	CU_ASSERT_EQUAL(actions_quiesce(a, &b, &b1), 0);
	CU_ASSERT_EQUAL(s.dest[bi][0].weight, 0);
	CU_ASSERT(actions_server_state(a, &b, &b1, NULL));
	CU_ASSERT_EQUAL(actions_undo_last(a), 0);
	CU_ASSERT_EQUAL(s.dest[bi][0].weight, 3);
	CU_ASSERT_FALSE(actions_server_state(a, &b, &b1, NULL));

	CU_ASSERT_EQUAL(actions_zero(a, NULL), 0);
	CU_ASSERT_EQUAL(actions_undo_last(a), -ENOTSUP);
	actions_close(a);
	free(orig);
}

/* A new identity re-creates the service with its servers; a failure at
 * any step leaves the table as it was. */
/* edit-service changes only what it is given; --no-persistent and
 * --no-ops turn those settings off as ipvsadm -E without -p / -o does. */
static void test_edit_service_turn_off(void)
{
	struct sim s;
	struct lvs_writer w;
	sim_init(&s);
	s.svc[0].flags |= IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET;
	s.svc[0].timeout = 300;
	s.svc[0].netmask = htonl(0xffffff00);
	lvs_actions *a = open_sim(&s, &w);
	char buf[160], *argv[16], err[LVS_ERR_MAX];
	struct lvs_args g;
	snprintf(buf, sizeof(buf), "edit-service -t 203.0.113.10:80 --no-persistent --no-ops");
	int argc = args_split(buf, argv, 16);
	CU_ASSERT_EQUAL_FATAL(args_parse(argc, argv, &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(actions_run(a, &g, NULL), 0);
	CU_ASSERT_EQUAL(s.svc[0].flags & (IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET), 0);
	CU_ASSERT_EQUAL(s.svc[0].timeout, 0);
	CU_ASSERT_EQUAL(s.svc[0].netmask, 0xffffffffu);
	CU_ASSERT_STRING_EQUAL(s.svc[0].sched, "rr"); /* not given: unchanged */
	/* Given alone, -o turns one-packet back on and leaves the rest. */
	snprintf(buf, sizeof(buf), "edit-service -t 203.0.113.10:80 -o");
	argc = args_split(buf, argv, 16);
	CU_ASSERT_EQUAL_FATAL(args_parse(argc, argv, &g, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(actions_run(a, &g, NULL), 0);
	CU_ASSERT_EQUAL(s.svc[0].flags & (IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_ONEPACKET),
			IP_VS_SVC_F_ONEPACKET);
	actions_close(a);
}

static void test_edit_service_identity(void)
{
	struct sim s;
	struct lvs_writer w;
	struct lvs_service moved;

	for (int k = 1; k <= 5; k++) {
		sim_init(&s);
		char *orig = sim_text(&s);
		lvs_actions *a = open_sim(&s, &w);
		moved = s.svc[0];
		moved.port = 8080;
		s.fail_at = k < 5 ? k : 0; /* 4 steps: add, 2 servers, delete; 5: no failure */
		s.fail_err = -ENOMEM;
		int r = actions_edit_service(a, &s.svc[0], &moved);
		char *now = sim_text(&s);
		if (k < 5) {
			CU_ASSERT_EQUAL(r, -ENOMEM);
			CU_ASSERT_STRING_EQUAL(now, orig);
			CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "the table is as it was"));
		} else {
			CU_ASSERT_EQUAL(r, 0);
			CU_ASSERT_EQUAL(sim_find(&s, &moved), 1); /* appended after B */
			CU_ASSERT_EQUAL(s.nd[1], 2);
			CU_ASSERT_EQUAL(s.dest[1][1].u_thresh, 50);
		}
		free(now);
		free(orig);
		actions_close(a);
	}
}

static void test_load_and_audit(void)
{
	struct sim s;
	struct lvs_writer w;
	sim_init(&s);
	unlink(audit_path);
	char *orig = sim_text(&s);
	lvs_actions *a = open_sim(&s, &w);
	const char *text =
		"-A -t 198.51.100.50:80 -s rr\n"
		"-a -t 198.51.100.50:80 -r 192.0.2.11:80 -m -w 2\n"
		"-e -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 4\n"
		"-d -t 203.0.113.20:80 -r 192.0.2.75:80\n";

	s.fail_at = 4;
	s.fail_err = -EPERM;
	CU_ASSERT_EQUAL(actions_load(a, text, false), -EPERM);
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "CAP_NET_ADMIN"));
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "step 4 of 4"));
	char *now = sim_text(&s);
	CU_ASSERT_STRING_EQUAL(now, orig);
	free(now);
	CU_ASSERT_EQUAL(count_lines(audit_path, "\"result\":\"failed, rolled back\""), 1);

	s.fail_at = 0;
	CU_ASSERT_EQUAL(actions_load(a, text, false), 0);
	CU_ASSERT_EQUAL(s.n, 3);
	CU_ASSERT_EQUAL(s.dest[0][0].weight, 4);
	CU_ASSERT_EQUAL(s.nd[1], 0);
	CU_ASSERT_EQUAL(count_lines(audit_path, "\"result\":\"ok\""), 1);
	/* Both records name what the change touched, as it was. */
	CU_ASSERT_EQUAL(count_lines(audit_path, "\"before\":[\"-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 1\","
					  "\"-a -t 203.0.113.20:80 -r 192.0.2.75:80 -g -w 3\"]"), 2);
	CU_ASSERT_EQUAL(count_lines(audit_path, "\"after\":[\"-A -t 198.51.100.50:80 -s rr\""), 1);

	/* A bad line: nothing sent, the line named. */
	int calls = s.calls;
	CU_ASSERT_EQUAL(actions_load(a, "-A -t 198.51.100.60:80 -s rr\n-a -t 198.51.100.61:80 -r 192.0.2.1\n", false),
			-ESRCH);
	CU_ASSERT_STRING_EQUAL(actions_error(a), "rules: line 2: no virtual service TCP 198.51.100.61:80");
	CU_ASSERT_EQUAL(s.calls, calls);
	actions_close(a);
	free(orig);
}

/* Two lvstop processes (here two handles, opened before either acts) share
 * the state file: neither loses the other's entries, and undo puts back only
 * its own. */
static void test_shared_state(void)
{
	struct sim s;
	struct lvs_writer w1, w2;
	sim_init(&s);
	unlink(state_path);
	lvs_actions *a = open_sim(&s, &w1), *b = open_sim(&s, &w2);
	struct lvs_dest x = s.dest[0][0], y = s.dest[1][0];

	CU_ASSERT_EQUAL(actions_quiesce(a, &s.svc[0], &x), 0);
	CU_ASSERT(actions_server_state(b, &s.svc[0], &x, NULL)); /* b sees a's change */
	CU_ASSERT_EQUAL(actions_quiesce(b, &s.svc[1], &y), 0);
	CU_ASSERT(actions_server_state(a, &s.svc[1], &y, NULL));
	CU_ASSERT(actions_server_state(a, &s.svc[0], &x, NULL)); /* b kept a's entry */
	CU_ASSERT_EQUAL(actions_state(a)->n, 2);

	CU_ASSERT_EQUAL(actions_undo_last(a), 0); /* a's quiesce of x */
	CU_ASSERT_EQUAL(s.dest[0][0].weight, 1);
	CU_ASSERT_FALSE(actions_server_state(b, &s.svc[0], &x, NULL));
	CU_ASSERT(actions_server_state(b, &s.svc[1], &y, NULL)); /* b's entry stays */
	CU_ASSERT_EQUAL(actions_restore(b, &s.svc[1], &y), 0);
	CU_ASSERT_EQUAL(s.dest[1][0].weight, 3);
	actions_close(a);
	actions_close(b);
}

static void test_drain(void)
{
	struct sim s;
	struct lvs_writer w;
	struct lvs_drain_progress p;
	sim_init(&s);
	unlink(state_path);
	lvs_actions *a = open_sim(&s, &w);
	struct lvs_dest id = s.dest[0][1];

	s.dest[0][1].active_conns = 5;
	s.dest[0][1].inact_conns = 2;
	CU_ASSERT_EQUAL(actions_drain_start(a, &s.svc[0], &id, true), 0);
	CU_ASSERT_EQUAL(s.dest[0][1].weight, 0);
	CU_ASSERT_EQUAL(actions_drain_poll(a, &s.svc[0], &id, &p), 0);
	CU_ASSERT(p.exists);
	CU_ASSERT_EQUAL(p.total, 7);
	CU_ASSERT_FALSE(p.done);
	s.dest[0][1].active_conns = 0;
	s.dest[0][1].inact_conns = 0;
	CU_ASSERT_EQUAL(actions_drain_poll(a, &s.svc[0], &id, &p), 0);
	CU_ASSERT(p.done);
	CU_ASSERT(p.removed);
	CU_ASSERT_EQUAL(s.nd[0], 1);
	CU_ASSERT_FALSE(actions_server_state(a, &s.svc[0], &id, NULL));
	actions_close(a);

	/* Ignoring inactive connections: done with only inactive ones left. */
	a = open_sim(&s, &w);
	struct lvs_dest z = s.dest[0][0];
	s.dest[0][0].active_conns = 1;
	s.dest[0][0].inact_conns = 4;
	struct lvs_drain_opts o = { .ignore_inactive = true };
	CU_ASSERT_EQUAL(actions_drain_begin(a, &s.svc[0], &z, &o), 0);
	CU_ASSERT_EQUAL(actions_drain_poll(a, &s.svc[0], &z, &p), 0);
	CU_ASSERT_FALSE(p.done);
	s.dest[0][0].active_conns = 0;
	CU_ASSERT_EQUAL(actions_drain_poll(a, &s.svc[0], &z, &p), 0);
	CU_ASSERT(p.done);
	CU_ASSERT_EQUAL(p.total, 4);
	CU_ASSERT_FALSE(p.removed);
	actions_close(a);

	double t[] = { 0, 1, 2, 3 }, v[] = { 40, 30, 20, 10 }, rate, eta;
	actions_drain_estimate(t, v, 4, &rate, &eta);
	CU_ASSERT_DOUBLE_EQUAL(rate, 10, 1e-9);
	CU_ASSERT_DOUBLE_EQUAL(eta, 1, 1e-9);
	double flat[] = { 5, 5, 6, 7 };
	actions_drain_estimate(t, flat, 4, &rate, &eta);
	CU_ASSERT(rate < 0 && eta < 0);
	actions_drain_estimate(t, v, 1, &rate, &eta);
	CU_ASSERT(rate < 0);
}

/* ------------------------------------------------------------------------
 * Files: made with their parents when a change is remembered; nothing left
 * by a command that changed nothing.
 * ------------------------------------------------------------------------ */

static int read_fails(void *ctx, struct lvs_snapshot **out)
{
	(void)ctx;
	(void)out;
	return -EIO;
}

static bool exists(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0;
}

static void test_files_left(void)
{
	char root[64], st[128], au[128], p[160];
	struct sim s;
	struct lvs_writer w;
	char err[LVS_ERR_MAX];
	lvs_actions *a;
	mode_t old = umask(022);

	snprintf(root, sizeof(root), "/tmp/lvstop-files.XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(root));
	snprintf(st, sizeof(st), "%s/var/lib/lvstop/state.json", root);
	snprintf(au, sizeof(au), "%s/var/log/lvstop/audit.log", root);
	snprintf(p, sizeof(p), "%s/var", root);
	sim_init(&s);
	w.apply = sim_apply;
	w.ctx = &s;

	/* The table cannot be read: no directory, no lock file. */
	struct lvs_actions_opts o = { .state_path = st, .audit_path = au, .no_syslog = true,
				      .writer = &w, .read = read_fails, .read_ctx = &s };
	CU_ASSERT_EQUAL_FATAL(actions_open(&a, &o, err, sizeof(err)), 0);
	struct lvs_service v = tcp("203.0.113.10", 80, "rr");
	struct lvs_dest d = rs("192.0.2.11", 80, LVS_FWD_MASQ, 1);
	CU_ASSERT_EQUAL(actions_quiesce(a, &v, &d), -EIO);
	CU_ASSERT_FALSE(exists(p));
	actions_close(a);

	/* The table says no (no such service, no weight to restore): the same. */
	o.read = sim_read;
	CU_ASSERT_EQUAL_FATAL(actions_open(&a, &o, err, sizeof(err)), 0);
	struct lvs_service none = tcp("203.0.113.99", 80, "rr");
	CU_ASSERT_EQUAL(actions_quiesce(a, &none, &d), -ESRCH);
	CU_ASSERT_EQUAL(actions_restore(a, &v, &d), -ENODATA);
	CU_ASSERT_FALSE(exists(p));
	CU_ASSERT_EQUAL(s.calls, 0);

	/* A quiesce is remembered: the state directory with its parents, the
	 * state file and its lock, the audit log with its own directory. */
	CU_ASSERT_EQUAL(actions_quiesce(a, &v, &d), 0);
	CU_ASSERT_TRUE(exists(st));
	snprintf(p, sizeof(p), "%s.lock", st);
	CU_ASSERT_TRUE(exists(p));
	CU_ASSERT_TRUE(exists(au));
	struct stat sb;
	snprintf(p, sizeof(p), "%s/var/lib/lvstop", root);
	CU_ASSERT(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0755);
	snprintf(p, sizeof(p), "%s/var/log/lvstop", root);
	CU_ASSERT(stat(p, &sb) == 0 && (sb.st_mode & 0777) == 0750);
	CU_ASSERT(stat(au, &sb) == 0 && (sb.st_mode & 0777) == 0640);
	CU_ASSERT(stat(st, &sb) == 0 && (sb.st_mode & 0777) == 0644);
	CU_ASSERT_EQUAL(actions_restore(a, &v, &d), 0);
	actions_close(a);

	/* The real kernel path on this host: whatever the kernel answers (no
	 * ip_vs, no such service), a quiesce that changed nothing leaves
	 * nothing in a fresh place. */
	snprintf(st, sizeof(st), "%s/fresh/lib/state.json", root);
	snprintf(au, sizeof(au), "%s/fresh/log/audit.log", root);
	struct lvs_actions_opts k = { .state_path = st, .audit_path = au, .no_syslog = true };
	CU_ASSERT_EQUAL_FATAL(actions_open(&a, &k, err, sizeof(err)), 0);
	struct lvs_service tv = tcp("192.0.2.1", 80, "wlc");
	struct lvs_dest td = rs("10.0.0.1", 80, LVS_FWD_ROUTE, 1);
	CU_ASSERT(actions_quiesce(a, &tv, &td) < 0);
	CU_ASSERT(actions_error(a)[0] != '\0');
	snprintf(p, sizeof(p), "%s/fresh", root);
	CU_ASSERT_FALSE(exists(p));
	actions_close(a);

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	CU_ASSERT_EQUAL(system(p), 0);
	umask(old);
}

/* Field errors come before the table is read (so without IPVS too). */
static int reads;
static int read_counted(void *ctx, struct lvs_snapshot **out)
{
	reads++;
	return sim_read(ctx, out);
}

static void test_fields_before_table(void)
{
	static const char *const lines[] = {
		"add-server -t 203.0.113.10:80 -r 192.0.2.13 --tun-type gue",
		"add-server -t 203.0.113.20:80 -r 192.0.2.76:8080 -g",
		"add-service -t 203.0.113.50:0",
		"add-server -t 203.0.113.10:80 -r [2001:db8::13]:80",
		"edit-server -t 203.0.113.20:80 -r 192.0.2.75:8080 -g",
	};
	struct sim s;
	struct lvs_writer w;
	char err[LVS_ERR_MAX];
	lvs_actions *a;

	sim_init(&s);
	w.apply = sim_apply;
	w.ctx = &s;
	struct lvs_actions_opts o = { .state_path = state_path, .audit_path = audit_path, .no_syslog = true,
				      .writer = &w, .read = read_counted, .read_ctx = &s };
	CU_ASSERT_EQUAL_FATAL(actions_open(&a, &o, err, sizeof(err)), 0);
	reads = 0;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[256], *argv[32];
		struct lvs_args g;
		snprintf(buf, sizeof(buf), "%s", lines[i]);
		int argc = args_split(buf, argv, 32);
		CU_ASSERT_EQUAL_FATAL(args_parse(argc, argv, &g, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(actions_run(a, &g, NULL), -EINVAL);
		CU_ASSERT(actions_error(a)[0] != '\0');
	}
	/* The typed entry points likewise. */
	struct lvs_service v = tcp("203.0.113.20", 80, "wrr");
	struct lvs_dest d = rs("192.0.2.76", 8080, LVS_FWD_ROUTE, 1);
	CU_ASSERT_EQUAL(actions_add_server(a, &v, &d), -EINVAL);
	struct lvs_dest old = rs("192.0.2.75", 80, LVS_FWD_ROUTE, 3);
	CU_ASSERT_EQUAL(actions_edit_server(a, &v, &old, &d), -EINVAL);
	struct lvs_service z = tcp("203.0.113.50", 0, "rr");
	CU_ASSERT_EQUAL(actions_add_service(a, &z), -EINVAL);
	CU_ASSERT_EQUAL(actions_edit_service(a, &v, &z), -EINVAL);
	/* A rule file: the field error of line 3 before line 1's missing service. */
	CU_ASSERT_EQUAL(actions_load(a, "-a -t 203.0.113.99:80 -r 192.0.2.1:80 -m -w 1\n"
				     "-A -t 203.0.113.51:80 -s rr\n"
				     "-a -t 203.0.113.51:80 -r 192.0.2.1:81 -g -w 1\n", false), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(actions_error(a), "rules: line 3: real server port"));
	CU_ASSERT_EQUAL(reads, 0);
	CU_ASSERT_EQUAL(s.calls, 0);
	actions_close(a);
}

int register_actions(void)
{
	CU_pSuite s = CU_add_suite("actions", suite_init, suite_clean);
	if (!s || !CU_add_test(s, "rollback at every step, and undo", test_rollback_every_step) ||
	    !CU_add_test(s, "plan checks against the table as it will be", test_plan_checks) ||
	    !CU_add_test(s, "kernel answers as sentences", test_kernel_sentences) ||
	    !CU_add_test(s, "nothing sent on bad input", test_nothing_sent_on_bad_input) ||
	    !CU_add_test(s, "quiesce, restart, restore", test_quiesce_restore_state) ||
	    !CU_add_test(s, "undo", test_undo) ||
	    !CU_add_test(s, "edit-service with a new identity", test_edit_service_identity) ||
	    !CU_add_test(s, "edit-service turns settings off", test_edit_service_turn_off) ||
	    !CU_add_test(s, "load: transactional, audited", test_load_and_audit) ||
	    !CU_add_test(s, "state shared by two processes", test_shared_state) ||
	    !CU_add_test(s, "drain and its estimate", test_drain) ||
	    !CU_add_test(s, "files made, and none left by no change", test_files_left) ||
	    !CU_add_test(s, "field errors before the table", test_fields_before_table))
		return -1;
	return 0;
}
