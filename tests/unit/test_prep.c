/* Tests for snapshot preparation on the helper thread: results carry the
 * table built under the submitted options and the events since the
 * snapshot submitted before, and replacing a job that has not started
 * loses no change. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <poll.h>
#include <string.h>

#include "collector/snapshot.h"
#include "console/prep.h"

/* Services 203.0.113.N:80 for each N in ids, two real servers each. */
static struct lvs_snapshot *snap_of(const int *ids, size_t n, double t)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = t;
	for (size_t i = 0; i < n; i++) {
		struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
		v.addr.v4.s_addr = htonl(0xcb007100u + (uint32_t)ids[i]);
		strcpy(v.sched, "rr");
		CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
		for (int j = 0; j < 2; j++) {
			struct lvs_dest d = { .af = AF_INET, .port = 80, .weight = 1 };
			d.addr.v4.s_addr = htonl(0xc0000200u + (uint32_t)(ids[i] * 4 + j));
			CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, i, &d), 0);
		}
	}
	snapshot_finish(s);
	return s;
}

static bool wait_result(prep *p, struct prep_result *r)
{
	for (int i = 0; i < 500; i++) {
		if (prep_take(p, r))
			return true;
		struct pollfd f = { .fd = prep_fd(p), .events = POLLIN };
		poll(&f, 1, 10);
	}
	return false;
}

static void test_one_result(void)
{
	prep *p = prep_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	int ids[] = { 3, 1, 2 };
	struct lvs_snapshot *s = snap_of(ids, 3, 10);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	CU_ASSERT_EQUAL(prep_submit(p, NULL, s, &o, 7), 0);
	struct prep_result r;
	CU_ASSERT_FATAL(wait_result(p, &r));
	CU_ASSERT_PTR_EQUAL(r.snap, s);
	CU_ASSERT_EQUAL(r.opts_gen, 7);
	CU_ASSERT_EQUAL(r.err, 0);
	CU_ASSERT_EQUAL(r.ev.n, 0); /* no past: no events */
	CU_ASSERT_EQUAL_FATAL(r.tbl.n, 9);
	/* Sorted by address: .1, .2, .3 (kernel order was 3, 1, 2). */
	CU_ASSERT_EQUAL(r.tbl.rows[0].svc, 1);
	CU_ASSERT_EQUAL(r.tbl.rows[3].svc, 2);
	CU_ASSERT_EQUAL(r.tbl.rows[6].svc, 0);
	/* The result is ours now. */
	snapshot_unref(r.snap);
	table_done(&r.tbl);
	ev_vec_done(&r.ev);
	struct prep_result r2;
	CU_ASSERT_FALSE(prep_take(p, &r2)); /* nothing more */
	snapshot_unref(s);
	prep_free(p);
}

static void test_filter_copied(void)
{
	prep *p = prep_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	int ids[] = { 1, 2 };
	struct lvs_snapshot *s = snap_of(ids, 2, 10);
	char filter[16] = "203.0.113.2";
	struct table_opts o = { .sort_col = COL_NAME, .tree = true, .filter = filter };
	CU_ASSERT_EQUAL(prep_submit(p, NULL, s, &o, 1), 0);
	strcpy(filter, "nothing"); /* the caller's buffer changes at once */
	struct prep_result r;
	CU_ASSERT_FATAL(wait_result(p, &r));
	CU_ASSERT_EQUAL(r.tbl.n, 3); /* the service .2 and its two */
	snapshot_unref(r.snap);
	table_done(&r.tbl);
	ev_vec_done(&r.ev);
	snapshot_unref(s);
	prep_free(p);
}

/* Three snapshots in a row, submitted without waiting: whether or not the
 * middle one was replaced, every change reaches some result. */
static void test_no_change_lost(void)
{
	for (int round = 0; round < 20; round++) {
		prep *p = prep_new();
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		int a[] = { 1, 2 }, b[] = { 1, 2, 3 }, c[] = { 1, 3 };
		struct lvs_snapshot *s1 = snap_of(a, 2, 1), *s2 = snap_of(b, 3, 2), *s3 = snap_of(c, 2, 3);
		struct table_opts o = { .sort_col = COL_NAME, .tree = true };
		CU_ASSERT_EQUAL(prep_submit(p, NULL, s1, &o, 1), 0);
		struct prep_result r;
		CU_ASSERT_FATAL(wait_result(p, &r));
		snapshot_unref(r.snap);
		table_done(&r.tbl);
		ev_vec_done(&r.ev);
		CU_ASSERT_EQUAL(prep_submit(p, s1, s2, &o, 1), 0);
		CU_ASSERT_EQUAL(prep_submit(p, s2, s3, &o, 1), 0);
		bool added3 = false, removed2 = false, last_is_s3 = false;
		int results = 0;
		while (!last_is_s3 && results < 3 && wait_result(p, &r)) {
			results++;
			for (size_t i = 0; i < r.ev.n; i++) {
				char t[160];
				event_text(&r.ev.v[i], t, sizeof(t));
				added3 |= strstr(t, "+ service tcp 203.0.113.3:80") != NULL;
				removed2 |= strstr(t, "- service tcp 203.0.113.2:80") != NULL;
			}
			last_is_s3 = r.snap == s3;
			snapshot_unref(r.snap);
			table_done(&r.tbl);
			ev_vec_done(&r.ev);
		}
		CU_ASSERT(last_is_s3);
		CU_ASSERT(added3);
		CU_ASSERT(removed2);
		snapshot_unref(s1);
		snapshot_unref(s2);
		snapshot_unref(s3);
		prep_free(p);
	}
}

static void test_free_with_pending(void)
{
	prep *p = prep_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	int a[] = { 1 };
	struct lvs_snapshot *s = snap_of(a, 1, 1);
	struct table_opts o = { .sort_col = COL_CPS, .tree = false };
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(prep_submit(p, s, s, &o, (uint64_t)i), 0);
	prep_free(p); /* a job or a result still inside: freed, no leak (ASan) */
	snapshot_unref(s);
	prep_free(NULL);
}

/* Filter texts made on the helper are taken into the table of the same
 * snapshot only; a filtered build then finds the same rows. */
static void test_text(void)
{
	int ids[] = { 1, 2, 3 };
	struct lvs_snapshot *s = snap_of(ids, 3, 10), *other = snap_of(ids, 2, 12);
	prep *p = prep_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	struct table t;
	table_init(&t);
	prep_submit_text(p, s, 1);
	bool got = false;
	for (int i = 0; i < 500 && !got; i++) {
		struct pollfd f = { .fd = prep_fd(p), .events = POLLIN };
		poll(&f, 1, 10);
		got = prep_take_text(p, &t, s);
	}
	CU_ASSERT(got);
	CU_ASSERT_PTR_EQUAL(t.text_of, s);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true, .filter = "203.0.113.2:" };
	CU_ASSERT_EQUAL(table_build(&t, s, &o), 0);
	CU_ASSERT_EQUAL(t.n, 3); /* the service and its two real servers */
	/* Texts of another snapshot are not taken. */
	prep_submit_text(p, other, 2);
	got = false;
	struct table u;
	table_init(&u);
	for (int i = 0; i < 50 && !got; i++) {
		struct pollfd f = { .fd = prep_fd(p), .events = POLLIN };
		poll(&f, 1, 10);
		got = prep_take_text(p, &u, s);
	}
	CU_ASSERT(!got);
	CU_ASSERT_PTR_NULL(u.text_of);
	table_done(&u);
	table_done(&t);
	prep_free(p);
	snapshot_unref(other);
	snapshot_unref(s);
}

/* With the filter prompt open (texts) the helper's table brings the new
 * snapshot's filter texts with its rows, filter or not; without, an
 * unfiltered table holds none. A filtered build of the result then makes
 * none again. */
static void test_rows_with_texts(void)
{
	int ids[] = { 1, 2, 3 };
	struct lvs_snapshot *s = snap_of(ids, 3, 10);
	prep *p = prep_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	CU_ASSERT_EQUAL(prep_submit(p, NULL, s, &o, 1), 0);
	struct prep_result r;
	CU_ASSERT_FATAL(wait_result(p, &r));
	CU_ASSERT_EQUAL(r.tbl.n, 9);
	CU_ASSERT_PTR_NULL(r.tbl.text_of);
	snapshot_unref(r.snap);
	table_done(&r.tbl);
	ev_vec_done(&r.ev);
	o.texts = true;
	CU_ASSERT_EQUAL(prep_submit(p, NULL, s, &o, 2), 0);
	CU_ASSERT_FATAL(wait_result(p, &r));
	CU_ASSERT_EQUAL(r.tbl.n, 9);
	CU_ASSERT_PTR_EQUAL(r.tbl.text_of, s);
	const char *text = r.tbl.text;
	struct table_opts f = { .sort_col = COL_NAME, .tree = true, .filter = "203.0.113.3:" };
	CU_ASSERT_EQUAL(table_build(&r.tbl, s, &f), 0);
	CU_ASSERT_EQUAL(r.tbl.n, 3);
	CU_ASSERT_PTR_EQUAL(r.tbl.text, text); /* not made again */
	/* Rows out of date (another filter typed meanwhile): the texts move
	 * into the table on screen, which held none of this snapshot. */
	struct table shown;
	table_init(&shown);
	CU_ASSERT(table_adopt_text(&shown, &r.tbl, s));
	CU_ASSERT_PTR_EQUAL(shown.text, text);
	CU_ASSERT_PTR_NULL(r.tbl.text_of);
	snapshot_unref(r.snap);
	table_done(&r.tbl);
	ev_vec_done(&r.ev);
	table_done(&shown);
	prep_free(p);
	snapshot_unref(s);
}

int register_prep(void)
{
	CU_pSuite s = CU_add_suite("console prep", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "one result", test_one_result) ||
	    !CU_add_test(s, "options are copied", test_filter_copied) ||
	    !CU_add_test(s, "replaced jobs lose no change", test_no_change_lost) ||
	    !CU_add_test(s, "free with work pending", test_free_with_pending) ||
	    !CU_add_test(s, "filter texts made on the helper", test_text) ||
	    !CU_add_test(s, "rows with their filter texts", test_rows_with_texts))
		return -1;
	return 0;
}
