/* The console's doctor worker: a request runs the checks off the calling
 * thread, the result is copied out, a newer request replaces one queued. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include "collector/snapshot.h"
#include "console/doctor_view.h"

static bool wait_gen(doctor_view *v, uint64_t want, struct doctor_findings *f)
{
	for (int i = 0; i < 500; i++) {
		uint64_t gen;
		bool busy;
		char err[256];
		CU_ASSERT_EQUAL(doctor_view_take(v, f, &gen, &busy, err, sizeof(err)), 0);
		if (gen >= want && !busy)
			return true;
		doctor_findings_done(f);
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return false;
}

static void test_worker(void)
{
	doctor_view *v = doctor_view_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	struct doctor_findings f;
	uint64_t gen = 9;
	bool busy = true;
	char err[256];
	CU_ASSERT_EQUAL(doctor_view_take(v, &f, &gen, &busy, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(gen, 0);
	CU_ASSERT_FALSE(busy);
	CU_ASSERT_EQUAL(f.n, 0);
	doctor_findings_done(&f);

	/* A service without real servers, on an address no interface of
	 * this host holds (TEST-NET-3). */
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service svc = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.250", &svc.addr.v4);
	snapshot_add_service(s, &svc);
	snapshot_finish(s);
	doctor_view_request(v, s);
	snapshot_unref(s); /* the worker holds its own reference */
	CU_ASSERT_TRUE_FATAL(wait_gen(v, 1, &f));
	bool found = false;
	for (size_t i = 0; i < f.n; i++)
		found |= !strcmp(f.v[i].id, "no-real-server") &&
			 !strcmp(f.v[i].service, "-t 203.0.113.250:80");
	CU_ASSERT_TRUE(found);
	doctor_findings_done(&f);

	/* An empty table: the next result has nothing. */
	s = snapshot_new();
	snapshot_finish(s);
	doctor_view_request(v, s);
	snapshot_unref(s);
	CU_ASSERT_TRUE_FATAL(wait_gen(v, 2, &f));
	CU_ASSERT_EQUAL(f.n, 0);
	doctor_findings_done(&f);
	doctor_view_free(v);
	doctor_view_free(NULL);
}

int register_doctor_view(void)
{
	CU_pSuite s = CU_add_suite("console doctor worker", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "runs off the caller's thread", test_worker))
		return -1;
	return 0;
}
