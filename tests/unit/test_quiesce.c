/* The quiesce queue between the health engine's thread and lvsd's main
 * loop: only per-service transitions to up or down are queued, the fd
 * says when something waits, and nothing is changed for services without
 * quiesce_on_failure. (The kernel side is the lab's: tests/lab/scenarios/
 * lvsd.sh quiesces and restores a real server.) */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/lvsd_conf.h"
#include "exporter/quiesce.h"

static bool readable(lvsd_quiesce *q)
{
	struct pollfd p = { .fd = quiesce_fd(q), .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static struct lvs_check_spec spec_for(const char *vip, const char *rip, bool per_service)
{
	struct lvs_check_spec s;
	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.port = 80;
	inet_pton(AF_INET, rip, &s.addr.v4);
	s.per_service = per_service;
	s.svc_af = AF_INET;
	s.svc_protocol = IPPROTO_TCP;
	s.svc_port = 80;
	inet_pton(AF_INET, vip, &s.svc_addr.v4);
	return s;
}

static void test_filtering(void)
{
	lvsd_quiesce *q = quiesce_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(q);
	struct lvs_check_spec shared = spec_for("203.0.113.10", "192.0.2.11", false);
	struct lvs_check_spec scoped = spec_for("203.0.113.10", "192.0.2.11", true);
	CU_ASSERT_EQUAL(quiesce_push(q, &shared, LVS_HEALTH_UP, LVS_HEALTH_DOWN), 0);
	CU_ASSERT_EQUAL(quiesce_push(q, &scoped, LVS_HEALTH_DOWN, LVS_HEALTH_UNKNOWN), 0);
	CU_ASSERT_FALSE(readable(q));
	CU_ASSERT_EQUAL(quiesce_push(q, &scoped, LVS_HEALTH_UP, LVS_HEALTH_DOWN), 0);
	CU_ASSERT_TRUE(readable(q));
	/* The example config has the service without quiesce_on_failure:
	 * applying changes nothing, and drains the queue and the fd. */
	char err[512];
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load("share/lvsd.conf.example", &c, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(quiesce_apply(q, c), 0);
	CU_ASSERT_FALSE(readable(q));
	lvsd_conf_free(c);
	quiesce_free(q);
}

/* With quiesce_on_failure on and no IPVS to change (a build host), the
 * change fails, is logged, and lvsd carries on. */
static void test_failure_is_logged(void)
{
	char dir[] = "/tmp/lvsd_quiesce_XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char path[128], state[128], audit[128];
	snprintf(path, sizeof(path), "%s/q.conf", dir);
	snprintf(state, sizeof(state), "%s/state.json", dir);
	snprintf(audit, sizeof(audit), "%s/audit.log", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("services = ( { service = \"tcp:203.0.113.10:80\"; quiesce_on_failure = true; } );\n", f);
	fclose(f);
	setenv("LVSTOP_STATE_FILE", state, 1);
	setenv("LVSTOP_AUDIT_LOG", audit, 1);
	char err[512];
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_TRUE(c->svcs[0].quiesce_on_failure);
	lvsd_quiesce *q = quiesce_new();
	struct lvs_check_spec scoped = spec_for("203.0.113.10", "192.0.2.11", true);
	quiesce_push(q, &scoped, LVS_HEALTH_UP, LVS_HEALTH_DOWN);
	/* An unconfigured service's transition is ignored either way. */
	struct lvs_check_spec other = spec_for("203.0.113.99", "192.0.2.11", true);
	quiesce_push(q, &other, LVS_HEALTH_UP, LVS_HEALTH_DOWN);
	if (access("/proc/net/ip_vs", F_OK) != 0)
		CU_ASSERT_EQUAL(quiesce_apply(q, c), 0);
	quiesce_free(q);
	lvsd_conf_free(c);
	unsetenv("LVSTOP_STATE_FILE");
	unsetenv("LVSTOP_AUDIT_LOG");
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CU_ASSERT_EQUAL(system(cmd), 0);
}

int register_quiesce(void)
{
	CU_pSuite s = CU_add_suite("quiesce", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "only scoped up/down transitions queue", test_filtering) ||
	    !CU_add_test(s, "a failed change is logged, not fatal", test_failure_is_logged))
		return -1;
	return 0;
}
