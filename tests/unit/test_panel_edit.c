/* Tests for the console's editing keys (panel_edit.c) beside keepalived:
 * an edit of a real server the declared file manages asks first with the
 * command line's ownership text; Esc changes nothing, the confirm key
 * applies it; an object nobody declares is changed at once. The kernel is
 * a model behind the actions library's seams (as in test_edit.c). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions/actions.h"
#include "collector/snapshot.h"
#include "console/app.h"
#include "console/keys.h"
#include "console/marks.h"
#include "console/panel_edit.h"

struct psim {
	pthread_mutex_t lock;
	struct lvs_service svc;
	struct lvs_dest dest[2];
	int writes;
};
static struct psim sim;

static int psim_apply(void *ctx, const struct lvs_op *op)
{
	struct psim *s = ctx;
	int r = -ENOENT;
	pthread_mutex_lock(&s->lock);
	s->writes++;
	for (size_t i = 0; i < 2; i++)
		if (op->kind == LVS_OP_SET_DEST && lvs_dest_same(&s->dest[i], &op->dest)) {
			s->dest[i] = op->dest;
			r = 0;
		}
	pthread_mutex_unlock(&s->lock);
	return r;
}

static struct lvs_snapshot *psim_snapshot(void)
{
	struct lvs_snapshot *snap = snapshot_new();
	pthread_mutex_lock(&sim.lock);
	snapshot_add_service(snap, &sim.svc);
	for (size_t i = 0; i < 2; i++)
		snapshot_add_dest(snap, 0, &sim.dest[i]);
	pthread_mutex_unlock(&sim.lock);
	snapshot_finish(snap);
	return snap;
}

static int psim_read(void *ctx, struct lvs_snapshot **out)
{
	(void)ctx;
	*out = psim_snapshot();
	return *out ? 0 : -ENOMEM;
}

static int32_t weight_of(size_t i)
{
	pthread_mutex_lock(&sim.lock);
	int32_t w = sim.dest[i].weight;
	pthread_mutex_unlock(&sim.lock);
	return w;
}

static int writes(void)
{
	pthread_mutex_lock(&sim.lock);
	int w = sim.writes;
	pthread_mutex_unlock(&sim.lock);
	return w;
}

static void sim_setup(void)
{
	memset(&sim, 0, sizeof(sim));
	pthread_mutex_init(&sim.lock, NULL);
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
}

/* keepalived declares the service and its first real server only. */
static const char *conf = "virtual_server 203.0.113.10 80 {\n"
			  "  protocol TCP\n  lb_algo wrr\n  lb_kind DR\n"
			  "  real_server 192.0.2.11 80 {\n    weight 3\n"
			  "    TCP_CHECK { connect_timeout 3 }\n  }\n}\n";

static char dir[64];

static void select_dest(struct app *a, size_t i)
{
	lvs_key_dest(&a->sel, &a->snap->services[0], &a->snap->services[0].dests[i]);
	a->sel_valid = true;
}

/* Let the writer run: results read as the UI loop reads them. */
static void settle(struct app *a, int ms)
{
	for (int t = 0; t < ms; t += 20) {
		struct pollfd p = { .fd = edit_ui_fd(a), .events = POLLIN };
		if (poll(&p, 1, 20) > 0)
			edit_ui_ready(a);
	}
}

static void open_app(struct app *a)
{
	memset(a, 0, sizeof(*a));
	a->rows = 24;
	a->cols = 100;
	a->tree = true;
	a->view = a->back = VIEW_SERVICES;
	a->opts.source = "kernel";
	a->snap = psim_snapshot();
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("/etc/keepalived/keepalived.conf", conf,
							strlen(conf), &d), 0);
	struct decl_file *f = decl_file_new(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL_FATAL(marks_build(f, a->snap, &a->marks), 0);
	decl_file_unref(f);
	snprintf(dir, sizeof(dir), "/tmp/lvstop-test-panel-edit-XXXXXX");
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	static char state[128], audit[128];
	snprintf(state, sizeof(state), "%s/state.json", dir);
	snprintf(audit, sizeof(audit), "%s/audit.log", dir);
	static struct lvs_writer w = { .apply = psim_apply, .ctx = &sim };
	struct lvs_actions_opts o = { .state_path = state, .audit_path = audit, .no_syslog = true,
				      .source = "console", .writer = &w, .read = psim_read,
				      .read_ctx = &sim };
	CU_ASSERT_EQUAL_FATAL(edit_ui_open_with(a, &o), 0);
}

static void close_app(struct app *a)
{
	edit_ui_close(a);
	marks_free(a->marks);
	snapshot_unref(a->snap);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_quiesce_declared(void)
{
	sim_setup();
	struct app a;
	open_app(&a);
	select_dest(&a, 0);
	/* Q on the declared real server: a question, not a change. */
	CU_ASSERT_EQUAL(keys_dispatch(&a, 'Q'), REDO_DRAW);
	CU_ASSERT_TRUE(edit_ui_modal(&a));
	const char *q = edit_ui_owner_question(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	/* The command line's text (drift_owner_note), not a second copy. */
	CU_ASSERT_PTR_NOT_NULL(strstr(q, "192.0.2.11:80 in TCP 203.0.113.10:80 is declared in "
					 "/etc/keepalived/keepalived.conf:5 with weight 3: keepalived "
					 "sets that weight again at the real server's next check "
					 "transition"));
	settle(&a, 200);
	CU_ASSERT_EQUAL(writes(), 0);
	/* Other keys leave the question open; Esc closes it, nothing sent. */
	keys_dispatch(&a, 'j');
	CU_ASSERT_TRUE(edit_ui_modal(&a));
	keys_dispatch(&a, 27);
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	CU_ASSERT_PTR_NULL(edit_ui_owner_question(&a));
	settle(&a, 200);
	CU_ASSERT_EQUAL(writes(), 0);
	CU_ASSERT_EQUAL(weight_of(0), 3);
	/* Again, and the confirm key applies it. */
	keys_dispatch(&a, 'Q');
	CU_ASSERT_PTR_NOT_NULL(edit_ui_owner_question(&a));
	keys_dispatch(&a, 'y');
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	settle(&a, 1000);
	CU_ASSERT_EQUAL(weight_of(0), 0);
	close_app(&a);
}

static void test_undeclared_at_once(void)
{
	sim_setup();
	struct app a;
	open_app(&a);
	/* 192.0.2.12 was added by hand: nothing to ask. */
	select_dest(&a, 1);
	keys_dispatch(&a, 'Q');
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	settle(&a, 1000);
	CU_ASSERT_EQUAL(weight_of(1), 0);
	CU_ASSERT_EQUAL(weight_of(0), 3);
	/* Without marks (no declared file) a declared-looking server is
	 * changed at once too. */
	marks_free(a.marks);
	a.marks = NULL;
	select_dest(&a, 0);
	keys_dispatch(&a, ']');
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	settle(&a, 1000);
	CU_ASSERT_EQUAL(weight_of(0), 4);
	close_app(&a);
}

static void test_drain_and_delete_ask(void)
{
	sim_setup();
	struct app a;
	open_app(&a);
	select_dest(&a, 0);
	/* Drain: the owner's question, then the drain's own. */
	keys_dispatch(&a, 'W');
	CU_ASSERT_PTR_NOT_NULL(edit_ui_owner_question(&a));
	keys_dispatch(&a, 'y');
	CU_ASSERT_TRUE(edit_ui_modal(&a));
	CU_ASSERT_PTR_NULL(edit_ui_owner_question(&a));
	keys_dispatch(&a, 27);
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	/* Delete of the declared service: asked about its owner first. */
	lvs_key_service(&a.sel, &a.snap->services[0]);
	keys_dispatch(&a, 'X');
	const char *q = edit_ui_owner_question(&a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	CU_ASSERT_PTR_NOT_NULL(strstr(q, "TCP 203.0.113.10:80 is declared in "
					 "/etc/keepalived/keepalived.conf:1"));
	keys_dispatch(&a, 27);
	CU_ASSERT_FALSE(edit_ui_modal(&a));
	settle(&a, 200);
	CU_ASSERT_EQUAL(writes(), 0);
	close_app(&a);
}

int register_panel_edit(void)
{
	CU_pSuite s = CU_add_suite("console edits beside keepalived", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "quiesce of a declared server asks; Esc, then y", test_quiesce_declared) ||
	    !CU_add_test(s, "undeclared or no file: applied at once", test_undeclared_at_once) ||
	    !CU_add_test(s, "drain and delete ask first", test_drain_and_delete_ask))
		return -1;
	return 0;
}
