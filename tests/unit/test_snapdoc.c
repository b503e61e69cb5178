/* The snapshot document renderer: a request before the document is ready
 * is parked (suspend called under the lock) and woken once it is; the
 * document is made once per publication; an older one serves a woken
 * request; stop and close wake whoever waits. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "collector/snapshot.h"
#include "exporter/http/snapdoc.h"

static atomic_int suspended, woken;

static void on_suspend(void *arg)
{
	(void)arg;
	atomic_fetch_add(&suspended, 1);
}

static void on_wake(void *arg)
{
	(void)arg;
	atomic_fetch_add(&woken, 1);
}

static struct lvs_snapshot *table(double t)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = t;
	struct lvs_service sv;
	memset(&sv, 0, sizeof(sv));
	sv.af = AF_INET;
	sv.protocol = IPPROTO_TCP;
	sv.port = 80;
	inet_pton(AF_INET, "192.0.2.1", &sv.addr);
	strcpy(sv.sched, "rr");
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &sv), 0);
	snapshot_finish(s);
	return s;
}

static bool wait_woken(int n)
{
	for (int i = 0; i < 500 && atomic_load(&woken) < n; i++)
		usleep(10000);
	return atomic_load(&woken) >= n;
}

static void test_park_and_wake(void)
{
	atomic_store(&suspended, 0);
	atomic_store(&woken, 0);
	struct snapdoc *d = snapdoc_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct lvs_body *b = NULL;
	/* Nothing published. */
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_NONE);
	CU_ASSERT_EQUAL(atomic_load(&suspended), 0);
	struct lvs_snapshot *s1 = table(1763700000);
	snapdoc_publish(d, s1, false);
	/* Not rendered before someone asks. */
	usleep(50000);
	CU_ASSERT_EQUAL(snapdoc_renders(d), 0);
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_WAIT);
	CU_ASSERT_EQUAL(atomic_load(&suspended), 1);
	CU_ASSERT_TRUE(wait_woken(1));
	CU_ASSERT_EQUAL(snapdoc_get(d, true, &b, on_suspend, on_wake, NULL), SNAPDOC_READY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_TRUE(b->len > 20);
	body_unref(b);
	/* Asked again for the same publication: no second render. */
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_READY);
	body_unref(b);
	CU_ASSERT_EQUAL(snapdoc_renders(d), 1);
	/* A new publication: the old document serves only a woken request. */
	struct lvs_snapshot *s2 = table(1763700002);
	snapdoc_publish(d, s2, true);
	CU_ASSERT_EQUAL(snapdoc_get(d, true, &b, on_suspend, on_wake, NULL), SNAPDOC_READY);
	body_unref(b);
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_WAIT);
	CU_ASSERT_TRUE(wait_woken(2));
	CU_ASSERT_EQUAL(snapdoc_renders(d), 2);
	/* Closed: nothing parks, and the answer is NONE; open again. */
	snapdoc_set_closed(d, true);
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_NONE);
	snapdoc_set_closed(d, false);
	CU_ASSERT_EQUAL(snapdoc_get(d, false, &b, on_suspend, on_wake, NULL), SNAPDOC_READY);
	body_unref(b);
	snapdoc_free(d);
	snapshot_unref(s1);
	snapshot_unref(s2);
}

int register_snapdoc(void)
{
	CU_pSuite s = CU_add_suite("snapdoc", NULL, NULL);
	if (!s || !CU_add_test(s, "parked until rendered, once per publication", test_park_and_wake))
		return -1;
	return 0;
}
