/* Tests for the health the local console takes from lvsd: the merge into
 * the console's snapshot by identity (and into the rows drawn), where
 * lvsd listens according to its configuration, and a watcher that says
 * when lvsd is not reachable. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/snapshot.h"
#include "console/layout.h"
#include "console/lvsd_health.h"
#include "console/table.h"
#include "share/clock.h"

static void add_svc(struct lvs_snapshot *s, const char *vip, uint16_t port, uint16_t proto)
{
	struct lvs_service v = { .af = AF_INET, .protocol = proto, .port = port };
	inet_pton(AF_INET, vip, &v.addr.v4);
	strcpy(v.sched, "wrr");
	snapshot_add_service(s, &v);
}

static void add_rs(struct lvs_snapshot *s, size_t svc, const char *rip, uint16_t port, int health,
		   const char *err)
{
	struct lvs_dest d = { .af = AF_INET, .port = port, .weight = 1, .health = (int8_t)health };
	inet_pton(AF_INET, rip, &d.addr.v4);
	if (health) {
		d.health_since = 1790000000.0 + port;
		d.check_seconds = 0.25f;
	}
	if (health == LVS_HEALTH_DOWN) {
		d.health_reason = err && strstr(err, "refused") ? LVS_HR_REFUSED : LVS_HR_TIMEOUT_CONNECT;
		d.health_reason_since = 1789999000.0;
	}
	if (err)
		snapshot_add_text(s, err, LVS_DEST_ERROR_MAX, &d.health_error);
	snapshot_add_dest(s, svc, &d);
}

/* The console's snapshot: TCP and UDP on one VIP:port, each with the same
 * two real servers, and a real server lvsd does not know. */
static struct lvs_snapshot *console_snap(void)
{
	struct lvs_snapshot *s = snapshot_new();
	add_svc(s, "203.0.113.5", 53, IPPROTO_TCP);
	add_rs(s, 0, "192.0.2.1", 53, 0, NULL);
	add_rs(s, 0, "192.0.2.2", 53, 0, NULL);
	add_svc(s, "203.0.113.5", 53, IPPROTO_UDP);
	add_rs(s, 1, "192.0.2.1", 53, 0, NULL);
	add_rs(s, 1, "192.0.2.2", 53, 0, NULL);
	add_rs(s, 1, "192.0.2.9", 53, 0, NULL);
	snapshot_finish(s);
	return s;
}

/* lvsd's: the services in another order; on UDP .1 is down, on TCP up. */
static struct lvs_snapshot *lvsd_snap(void)
{
	struct lvs_snapshot *s = snapshot_new();
	add_svc(s, "203.0.113.5", 53, IPPROTO_UDP);
	add_rs(s, 0, "192.0.2.2", 53, LVS_HEALTH_UP, NULL);
	add_rs(s, 0, "192.0.2.1", 53, LVS_HEALTH_DOWN, "connection refused");
	add_svc(s, "203.0.113.5", 53, IPPROTO_TCP);
	add_rs(s, 1, "192.0.2.1", 53, LVS_HEALTH_UP, NULL);
	add_rs(s, 1, "192.0.2.2", 53, LVS_HEALTH_DOWN, "timeout (connect)");
	add_svc(s, "203.0.113.6", 80, IPPROTO_TCP); /* not in the console's */
	add_rs(s, 2, "192.0.2.1", 80, LVS_HEALTH_UP, NULL);
	snapshot_finish(s);
	return s;
}

static void test_merge_by_identity(void)
{
	struct lvs_snapshot *c = console_snap(), *l = lvsd_snap();
	CU_ASSERT_EQUAL(lvsd_health_merge(c, l), 4);
	const struct lvs_service *tcp = &c->services[0], *udp = &c->services[1];
	CU_ASSERT_EQUAL(tcp->dests[0].health, LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(tcp->dests[1].health, LVS_HEALTH_DOWN);
	CU_ASSERT_STRING_EQUAL(snapshot_text(c, tcp->dests[1].health_error), "timeout (connect)");
	CU_ASSERT_STRING_EQUAL(snapshot_text(c, tcp->dests[0].health_error), "");
	CU_ASSERT_EQUAL(udp->dests[0].health, LVS_HEALTH_DOWN);
	CU_ASSERT_STRING_EQUAL(snapshot_text(c, udp->dests[0].health_error), "connection refused");
	CU_ASSERT_DOUBLE_EQUAL(udp->dests[0].health_since, 1790000053.0, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(udp->dests[0].check_seconds, 0.25, 1e-6);
	CU_ASSERT_EQUAL(udp->dests[0].health_reason, LVS_HR_REFUSED);
	CU_ASSERT_DOUBLE_EQUAL(udp->dests[0].health_reason_since, 1789999000.0, 1e-6);
	CU_ASSERT_EQUAL(tcp->dests[1].health_reason, LVS_HR_TIMEOUT_CONNECT);
	CU_ASSERT_EQUAL(tcp->dests[0].health_reason, LVS_HR_NONE);
	CU_ASSERT_EQUAL(udp->dests[1].health, LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(udp->dests[2].health, LVS_HEALTH_UNKNOWN); /* lvsd does not know it */
	snapshot_unref(c);
	snapshot_unref(l);
}

static void test_merge_into_rows(void)
{
	struct lvs_snapshot *c = console_snap(), *l = lvsd_snap();
	CU_ASSERT_EQUAL_FATAL(lvsd_health_merge(c, l), 4);
	struct table t;
	table_init(&t);
	struct table_opts o = { .sort_col = COL_NAME, .tree = true };
	CU_ASSERT_EQUAL_FATAL(table_build(&t, c, &o), 0);
	/* The HEALTH cells, row by row: service, then its real servers. */
	const char *want[] = { "1/2", "up", "down", "1/3", "down", "up", "-" };
	CU_ASSERT_EQUAL_FATAL(t.n, 7);
	for (size_t i = 0; i < t.n; i++) {
		char buf[32];
		table_cell(c, table_row(&t, i), COL_HEALTH, false, false, buf, sizeof(buf));
		CU_ASSERT_STRING_EQUAL(buf, want[i]);
	}
	table_done(&t);
	snapshot_unref(c);
	snapshot_unref(l);
}

static void test_merge_empty(void)
{
	struct lvs_snapshot *c = console_snap(), *e = snapshot_new();
	snapshot_finish(e);
	CU_ASSERT_EQUAL(lvsd_health_merge(c, e), 0);
	CU_ASSERT_EQUAL(lvsd_health_merge(c, NULL), 0);
	CU_ASSERT_EQUAL(c->services[0].dests[0].health, LVS_HEALTH_UNKNOWN);
	snapshot_unref(c);
	snapshot_unref(e);
}

static void test_conf_listen(void)
{
	char out[64];
	const char *conf = "# lvsd\n"
			   "daemon = { listen = \"192.0.2.1:1\"; };\n"
			   "/* exporter = { listen = \"198.51.100.1:2\"; }; */\n"
			   "history = { dir = \"/var/lib/lvsd\"; };\n"
			   "exporter = {\n"
			   "  path = \"/metrics\"; // listen = \"x\"\n"
			   "  tls = { listen = \"192.0.2.7:3\"; };\n"
			   "  listen = \"0.0.0.0:9600\";\n"
			   "};\n";
	CU_ASSERT_EQUAL(lvsd_conf_listen(conf, strlen(conf), out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "0.0.0.0:9600");
	const char *none = "exporter = { path = \"/metrics\"; };\nlisten = \"1.2.3.4:5\";\n";
	CU_ASSERT_EQUAL(lvsd_conf_listen(none, strlen(none), out, sizeof(out)), -ENOENT);
	const char *colon = "exporter : { listen : \"127.0.0.2:9587\" }";
	CU_ASSERT_EQUAL(lvsd_conf_listen(colon, strlen(colon), out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "127.0.0.2:9587");
	char tiny[4];
	CU_ASSERT_EQUAL(lvsd_conf_listen(colon, strlen(colon), tiny, sizeof(tiny)), -ENAMETOOLONG);
}

static void test_listen_url(void)
{
	char out[96], err[128];
	CU_ASSERT_EQUAL(lvsd_listen_url("0.0.0.0:9587", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://127.0.0.1:9587");
	CU_ASSERT_EQUAL(lvsd_listen_url("[::]:9588", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://[::1]:9588");
	CU_ASSERT_EQUAL(lvsd_listen_url("192.0.2.10:80", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://192.0.2.10:80");
	CU_ASSERT_EQUAL(lvsd_listen_url("9587", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "ADDR:PORT"));
	CU_ASSERT_EQUAL(lvsd_listen_url("a b:1", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(lvsd_listen_url("127.0.0.1:x", out, sizeof(out), err, sizeof(err)), -EINVAL);
}

/* A loopback port nobody listens on: bound, then closed. */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t l = sizeof(a);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &l)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return ntohs(a.sin_port);
}

static void test_watcher_unreachable(void)
{
	int port = closed_port();
	CU_ASSERT_FATAL(port > 0);
	char base[64], line[160];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	lvsd_health *h = lvsd_health_new(base, 0.2, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	bool up = true;
	int64_t end = clock_mono_ms() + 5000;
	do {
		up = lvsd_health_describe(h, false, line, sizeof(line));
		if (!strstr(line, "asking"))
			break;
		usleep(20000);
	} while (clock_mono_ms() < end);
	CU_ASSERT_FALSE(up);
	char want[96];
	snprintf(want, sizeof(want), "health: lvsd not reachable (connection refused) at 127.0.0.1:%d since ",
		 port);
	CU_ASSERT_NSTRING_EQUAL(line, want, strlen(want));
	CU_ASSERT_FALSE(lvsd_health_describe(h, true, line, sizeof(line)));
	CU_ASSERT_STRING_EQUAL(line, "health: lvsd not reachable (connection refused)");
	/* Nothing to merge: the console's rows keep their dashes. */
	struct lvs_snapshot *c = console_snap();
	lvsd_health_annotate(h, c);
	CU_ASSERT_EQUAL(c->services[0].dests[0].health, LVS_HEALTH_UNKNOWN);
	snapshot_unref(c);
	lvsd_health_free(h);
	CU_ASSERT_STRING_EQUAL(lvsd_health_cause(-ETIMEDOUT), "timeout");
}

int register_lvsd_health(void)
{
	CU_pSuite s = CU_add_suite("console lvsd health", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "merge by identity (TCP and UDP on one VIP:port)", test_merge_by_identity) ||
	    !CU_add_test(s, "merged health in the rows' HEALTH cells", test_merge_into_rows) ||
	    !CU_add_test(s, "nothing to merge", test_merge_empty) ||
	    !CU_add_test(s, "exporter.listen from lvsd.conf", test_conf_listen) ||
	    !CU_add_test(s, "listen address to URL", test_listen_url) ||
	    !CU_add_test(s, "watcher: lvsd not reachable", test_watcher_unreachable))
		return -1;
	return 0;
}
