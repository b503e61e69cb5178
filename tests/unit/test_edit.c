/* Tests for the console's writer thread (console/edit.c) over a model of
 * the kernel's table behind the actions library's seams: changes run in
 * order on the worker and come back through the eventfd; posting never
 * waits for the kernel; the marks follow the state file; a drain is
 * polled until its connections reach zero and the real server is removed;
 * undo; a full queue refuses instead of blocking. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collector/snapshot.h"
#include "console/edit.h"

struct tsim {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool hold;               /* writes wait while set: a slow kernel */
	struct lvs_service svc;
	struct lvs_dest dest[4];
	size_t nd;
	bool have_svc;
	int writes;
};

static int tsim_apply(void *ctx, const struct lvs_op *op)
{
	struct tsim *s = ctx;
	int r = 0;
	pthread_mutex_lock(&s->lock);
	while (s->hold)
		pthread_cond_wait(&s->cond, &s->lock);
	s->writes++;
	size_t i = 0;
	while (i < s->nd && !lvs_dest_same(&s->dest[i], &op->dest))
		i++;
	switch (op->kind) {
	case LVS_OP_SET_DEST:
		if (i == s->nd)
			r = -ENOENT;
		else
			s->dest[i] = op->dest;
		break;
	case LVS_OP_DEL_DEST:
		if (i == s->nd)
			r = -ENOENT;
		else
			s->dest[i] = s->dest[--s->nd];
		break;
	case LVS_OP_ADD_DEST:
		if (i < s->nd)
			r = -EEXIST;
		else
			s->dest[s->nd++] = op->dest;
		break;
	case LVS_OP_ZERO:
		break;
	default:
		r = -EOPNOTSUPP;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

static int tsim_read(void *ctx, struct lvs_snapshot **out)
{
	struct tsim *s = ctx;
	struct lvs_snapshot *snap = snapshot_new();
	if (!snap)
		return -ENOMEM;
	pthread_mutex_lock(&s->lock);
	if (s->have_svc) {
		snapshot_add_service(snap, &s->svc);
		for (size_t i = 0; i < s->nd; i++)
			snapshot_add_dest(snap, 0, &s->dest[i]);
	}
	pthread_mutex_unlock(&s->lock);
	snapshot_finish(snap);
	*out = snap;
	return 0;
}

static struct tsim sim;
static char dir[64];

static int32_t weight_of(size_t i)
{
	pthread_mutex_lock(&sim.lock);
	int32_t w = i < sim.nd ? sim.dest[i].weight : -1;
	pthread_mutex_unlock(&sim.lock);
	return w;
}

static void sim_setup(void)
{
	memset(&sim, 0, sizeof(sim));
	pthread_mutex_init(&sim.lock, NULL);
	pthread_cond_init(&sim.cond, NULL);
	sim.have_svc = true;
	sim.svc.af = AF_INET;
	sim.svc.protocol = IPPROTO_TCP;
	sim.svc.port = 80;
	sim.svc.netmask = 0xffffffffu;
	inet_pton(AF_INET, "203.0.113.10", &sim.svc.addr.v4);
	snprintf(sim.svc.sched, sizeof(sim.svc.sched), "wrr");
	for (int i = 0; i < 2; i++) {
		struct lvs_dest *d = &sim.dest[i];
		d->af = AF_INET;
		d->port = 80;
		d->fwd = LVS_FWD_ROUTE;
		d->weight = 3;
		char a[16];
		snprintf(a, sizeof(a), "192.0.2.%d", 11 + i);
		inet_pton(AF_INET, a, &d->addr.v4);
	}
	sim.nd = 2;
}

/* Wait up to ms for a result; true when one came. */
static bool wait_result(edit *e, struct edit_result *r, int ms)
{
	for (int waited = 0; waited <= ms; waited += 20) {
		if (edit_take(e, r))
			return true;
		struct pollfd p = { .fd = edit_fd(e), .events = POLLIN };
		if (poll(&p, 1, 20) > 0)
			edit_drain_fd(e);
	}
	return false;
}

static edit *open_edit(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lvstop-test-edit-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char state[128], audit[128];
	snprintf(state, sizeof(state), "%s/state.json", dir);
	snprintf(audit, sizeof(audit), "%s/audit.log", dir);
	static struct lvs_writer w = { .apply = tsim_apply, .ctx = &sim };
	struct lvs_actions_opts o = { .state_path = state, .audit_path = audit, .no_syslog = true,
				      .source = "console", .writer = &w, .read = tsim_read,
				      .read_ctx = &sim };
	edit *e = NULL;
	char err[256] = "";
	CU_ASSERT_EQUAL_FATAL(edit_new(&e, &o, err, sizeof(err)), 0);
	return e;
}

static void close_edit(edit *e)
{
	edit_free(e);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static size_t audit_lines(void)
{
	char path[128], line[4096];
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	FILE *f = fopen(path, "r");
	size_t n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, "\"source\":\"console\"") != NULL;
	if (f)
		fclose(f);
	return n;
}

static void test_quiesce_restore_undo(void)
{
	sim_setup();
	edit *e = open_edit();
	struct edit_result r;
	uint64_t gen = 0;
	struct edit_mark *marks = NULL;
	size_t n = 0;

	struct edit_job j = { .op = EDIT_QUIESCE, .svc = sim.svc, .dest = sim.dest[0] };
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.op, EDIT_QUIESCE);
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "quiesced"));
	CU_ASSERT_EQUAL(weight_of(0), 0);
	CU_ASSERT_EQUAL(weight_of(1), 3); /* nothing else */
	CU_ASSERT(edit_take_marks(e, &gen, &marks, &n));
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_STRING_EQUAL(marks[0].server, "192.0.2.11:80");
	CU_ASSERT_EQUAL(marks[0].weight, 3);
	CU_ASSERT_FALSE(marks[0].draining);
	CU_ASSERT_FALSE(edit_take_marks(e, &gen, &marks, &n)); /* nothing newer */

	j.op = EDIT_RESTORE;
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_EQUAL(weight_of(0), 3);
	CU_ASSERT(edit_take_marks(e, &gen, &marks, &n));
	CU_ASSERT_EQUAL(n, 0);

	/* Restoring again: nothing remembered, said in a sentence. */
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.rc, -ENODATA);
	CU_ASSERT(r.msg[0] != 0);

	j = (struct edit_job){ .op = EDIT_WEIGHT, .svc = sim.svc, .dest = sim.dest[1], .weight = 1,
			       .relative = true };
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_EQUAL(weight_of(1), 4);
	char desc[256];
	edit_undo_desc(e, desc, sizeof(desc));
	CU_ASSERT(desc[0] != 0);
	j = (struct edit_job){ .op = EDIT_UNDO };
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_EQUAL(weight_of(1), 3);
	CU_ASSERT_EQUAL(audit_lines(), 4); /* quiesce, restore, weight, undo */
	free(marks);
	close_edit(e);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_never_blocks(void)
{
	sim_setup();
	edit *e = open_edit();
	struct edit_result r;
	pthread_mutex_lock(&sim.lock);
	sim.hold = true; /* the kernel does not answer */
	pthread_mutex_unlock(&sim.lock);
	struct edit_job j = { .op = EDIT_QUIESCE, .svc = sim.svc, .dest = sim.dest[0] };
	double t0 = now_s();
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	/* Let the worker reach the write and wait there, then fill the queue. */
	usleep(100000);
	CU_ASSERT_EQUAL(edit_pending(e), 1);
	j.op = EDIT_STATE;
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_EQUAL(edit_post(e, &j), 0); /* merged with the one waiting */
	size_t before = edit_pending(e);
	j = (struct edit_job){ .op = EDIT_WEIGHT, .svc = sim.svc, .dest = sim.dest[1], .weight = 5 };
	int refused = 0;
	for (int i = 0; i < EDIT_QUEUE + 4; i++)
		refused += edit_post(e, &j) == -EAGAIN;
	CU_ASSERT(refused > 0);
	CU_ASSERT(now_s() - t0 < 1.0); /* none of it waited for the kernel */
	CU_ASSERT_FALSE(edit_take(e, &r));
	CU_ASSERT(before >= 2);
	pthread_mutex_lock(&sim.lock);
	sim.hold = false;
	pthread_cond_broadcast(&sim.cond);
	pthread_mutex_unlock(&sim.lock);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.op, EDIT_QUIESCE); /* in order */
	CU_ASSERT_EQUAL(r.rc, 0);
	int weights = 0;
	while (wait_result(e, &r, 1000))
		weights += r.op == EDIT_WEIGHT && r.rc == 0;
	CU_ASSERT_EQUAL(weights, EDIT_QUEUE + 4 - refused);
	CU_ASSERT_EQUAL(weight_of(1), 5);
	close_edit(e);
}

static void test_drain_removes(void)
{
	sim_setup();
	pthread_mutex_lock(&sim.lock);
	sim.dest[0].active_conns = 4;
	sim.dest[0].inact_conns = 2;
	pthread_mutex_unlock(&sim.lock);
	edit *e = open_edit();
	struct edit_result r;
	struct edit_job j = { .op = EDIT_DRAIN, .svc = sim.svc, .dest = sim.dest[0],
			      .drain = { .remove_at_zero = true } };
	CU_ASSERT_EQUAL(edit_post(e, &j), 0);
	CU_ASSERT_FATAL(wait_result(e, &r, 3000));
	CU_ASSERT_EQUAL(r.op, EDIT_DRAIN);
	CU_ASSERT_EQUAL(r.rc, 0);
	CU_ASSERT_EQUAL(weight_of(0), 0);
	/* The first poll counts the connections. */
	struct edit_drain_view v;
	double t0 = now_s();
	do {
		usleep(20000);
		edit_drain_view(e, &v);
	} while (!v.has_progress && now_s() - t0 < 3);
	CU_ASSERT(v.active);
	CU_ASSERT(v.remove_at_zero);
	CU_ASSERT_EQUAL(v.p.active, 4);
	CU_ASSERT_EQUAL(v.p.inactive, 2);
	CU_ASSERT_EQUAL(v.p.total, 6);
	CU_ASSERT_PTR_NOT_NULL(strstr(v.object, "192.0.2.11:80"));
	uint64_t gen = 0;
	struct edit_mark *marks = NULL;
	size_t n = 0;
	edit_take_marks(e, &gen, &marks, &n);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT(marks[0].draining);
	/* The connections end: the next poll removes the real server. */
	pthread_mutex_lock(&sim.lock);
	sim.dest[0].active_conns = sim.dest[0].inact_conns = 0;
	pthread_mutex_unlock(&sim.lock);
	CU_ASSERT_FATAL(wait_result(e, &r, 4000));
	CU_ASSERT_EQUAL(r.op, EDIT_DRAIN);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.msg, "removed"));
	edit_drain_view(e, &v);
	CU_ASSERT_FALSE(v.active);
	CU_ASSERT(v.p.removed);
	pthread_mutex_lock(&sim.lock);
	CU_ASSERT_EQUAL(sim.nd, 1);
	CU_ASSERT_EQUAL(memcmp(&sim.dest[0].addr, &j.dest.addr, 4) != 0, true);
	pthread_mutex_unlock(&sim.lock);
	CU_ASSERT(edit_take_marks(e, &gen, &marks, &n));
	CU_ASSERT_EQUAL(n, 0); /* forgotten with the real server */
	free(marks);
	close_edit(e);
}

int register_edit(void)
{
	CU_pSuite s = CU_add_suite("console writer thread", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "quiesce, restore, weight, undo", test_quiesce_restore_undo) ||
	    !CU_add_test(s, "posting never waits for the kernel", test_never_blocks) ||
	    !CU_add_test(s, "drain polled to zero, then removed", test_drain_removes))
		return -1;
	return 0;
}
