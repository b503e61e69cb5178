/* The history writer: queued snapshots are written to one file per object
 * (and per real server), a full queue drops and counts, an older snapshot
 * is skipped, an unwritable folder is counted as errors and reported by
 * lvsd_history_up while pushing never fails because of it; and the status
 * page built on the same ids. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/snapshot.h"
#include "exporter/metrics/outbuf.h"
#include "exporter/history/rrd_store.h"
#include "exporter/http/status_page.h"

static char tmpdir[64];

static int suite_init(void)
{
	strcpy(tmpdir, "/tmp/rrd_store_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Two services: TCP over IPv6 with two real servers, an IPv4 fwmark with
 * one. Counters grow with k. */
static struct lvs_snapshot *table(double time, unsigned k, const char *sched)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = time;
	struct lvs_service sv;
	memset(&sv, 0, sizeof(sv));
	sv.af = AF_INET6;
	sv.protocol = IPPROTO_TCP;
	sv.port = 443;
	inet_pton(AF_INET6, "2001:db8::1", &sv.addr);
	snprintf(sv.sched, sizeof(sv.sched), "%s", sched);
	sv.stats.conns = 100 * k;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &sv), 0);
	memset(&sv, 0, sizeof(sv));
	sv.af = AF_INET;
	sv.fwmark = 3;
	strcpy(sv.sched, "rr");
	CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &sv), 0);
	struct lvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET6;
	d.port = 443;
	d.weight = 1;
	inet_pton(AF_INET6, "2001:db8:a::11", &d.addr);
	d.stats.conns = 60 * k;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	inet_pton(AF_INET6, "2001:db8:a::12", &d.addr);
	d.stats.conns = 40 * k;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 0, &d), 0);
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	d.port = 80;
	inet_pton(AF_INET, "192.0.2.11", &d.addr);
	CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, 1, &d), 0);
	snapshot_finish(s);
	return s;
}

static bool exists(const char *rel)
{
	char p[256];
	snprintf(p, sizeof(p), "%s/h/%s", tmpdir, rel);
	return access(p, F_OK) == 0;
}

static void test_writes_drops_skips(void)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/h", tmpdir);
	struct rrd_store_opts o = { .dir = dir, .real_servers = true, .queue = 2 };
	rrd_spec_default(&o.spec);
	rrd_store *st = rrd_store_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	struct lvs_snapshot *a = table(1763700000, 1, "wlc"), *b = table(1763700002, 2, "wlc"),
			    *c = table(1763700004, 3, "wlc"), *old = table(1763699990, 0, "wlc");
	/* Not started: the queue fills, the third snapshot is dropped with
	 * its five updates (two services, three real servers). */
	CU_ASSERT_EQUAL(rrd_store_push(st, a), 0);
	CU_ASSERT_EQUAL(rrd_store_push(st, b), 0);
	CU_ASSERT_EQUAL(rrd_store_push(st, c), -ENOBUFS);
	struct rrd_store_stats s;
	rrd_store_stats(st, &s);
	CU_ASSERT_EQUAL(s.dropped, 5);
	CU_ASSERT_EQUAL(s.updates, 0);
	CU_ASSERT_EQUAL(s.last_time, 1763700004);
	CU_ASSERT_EQUAL_FATAL(rrd_store_start(st), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	rrd_store_stats(st, &s);
	CU_ASSERT_EQUAL(s.updates, 10);
	CU_ASSERT_EQUAL(s.write_errors, 0);
	CU_ASSERT_EQUAL(s.passes, 2);
	CU_ASSERT_TRUE(s.up);
	CU_ASSERT_TRUE(exists("tcp-2001_db8__1-443.rrd"));
	CU_ASSERT_TRUE(exists("tcp-2001_db8__1-443/2001_db8_a__11-443.rrd"));
	CU_ASSERT_TRUE(exists("tcp-2001_db8__1-443/2001_db8_a__12-443.rrd"));
	CU_ASSERT_TRUE(exists("fwm-3.rrd"));
	CU_ASSERT_TRUE(exists("fwm-3/192.0.2.11-80.rrd"));
	/* Older than what was written: skipped, not an error. */
	CU_ASSERT_EQUAL(rrd_store_push(st, old), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	rrd_store_stats(st, &s);
	CU_ASSERT_EQUAL(s.skipped, 1);
	CU_ASSERT_EQUAL(s.updates, 10);

	struct outbuf out;
	outbuf_init(&out);
	rrd_store_render_metrics(st, &out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\nlvsd_history_up 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\nlvsd_history_updates_total 10\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\nlvsd_history_dropped_updates_total 5\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "\nlvsd_history_skipped_snapshots_total 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "# TYPE lvsd_history_write_errors_total counter\n"));
	outbuf_done(&out);
	outbuf_init(&out);
	rrd_store_render_metrics(NULL, &out);
	CU_ASSERT_EQUAL(out.len, 0);
	outbuf_done(&out);

	rrd_store_free(st);
	snapshot_unref(a);
	snapshot_unref(b);
	snapshot_unref(c);
	snapshot_unref(old);
}

static void test_unwritable(void)
{
	/* Nobody, root included, creates folders under /proc. */
	struct rrd_store_opts o = { .dir = "/proc/lvsd-history-test/rrd", .real_servers = false };
	rrd_spec_default(&o.spec);
	rrd_store *st = rrd_store_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(rrd_store_start(st), 0);
	struct lvs_snapshot *a = table(1763700000, 1, "wlc"), *b = table(1763700002, 2, "wlc");
	CU_ASSERT_EQUAL(rrd_store_push(st, a), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	CU_ASSERT_EQUAL(rrd_store_push(st, b), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	struct rrd_store_stats s;
	rrd_store_stats(st, &s);
	CU_ASSERT_FALSE(s.up);
	CU_ASSERT_EQUAL(s.write_errors, 4); /* two services, twice */
	CU_ASSERT_EQUAL(s.updates, 0);
	CU_ASSERT_EQUAL(s.passes, 2);
	rrd_store_free(st);
	snapshot_unref(a);
	snapshot_unref(b);

	/* A bad spec or no folder: no store. */
	struct rrd_store_opts bad = { .dir = NULL };
	rrd_spec_default(&bad.spec);
	errno = 0;
	CU_ASSERT_PTR_NULL(rrd_store_new(&bad));
	CU_ASSERT_EQUAL(errno, EINVAL);
	bad.dir = "/tmp";
	bad.spec.step = 0;
	CU_ASSERT_PTR_NULL(rrd_store_new(&bad));
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_status_page(void)
{
	struct lvs_snapshot *s = table(1763700000, 1, "<b>");
	struct outbuf out;
	outbuf_init(&out);
	struct status_page_opts o = { .history = true, .rs_history = true, .range = "1w" };
	CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
	const char *p = out.data;
	/* One table: a row per service (anchored by its id, titled as the
	 * operator writes it) and per real server, graphs as links. */
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<tr class=\"svc\" id=\"tcp-2001_db8__1-443\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<tr class=\"svc\" id=\"fwm-3\">"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, ">TCP [2001:db8::1]:443<"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "[2001:db8:a::12]:443"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "graph/service/fwm-3.png?metric=conns&amp;range=1w"));
	CU_ASSERT_EQUAL(count(p, "<img"), 0);
	CU_ASSERT_EQUAL(count(p, "href=\"graph/service/"), 2 * 3);
	CU_ASSERT_EQUAL(count(p, "href=\"graph/real-server/"), 3);
	CU_ASSERT_EQUAL(count(p, "href=\"graph/real-server/tcp-2001_db8__1-443/2001_db8_a__1"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "href=\"metrics\""));
	/* The scheduler name is the kernel's text: escaped. */
	CU_ASSERT_PTR_NULL(strstr(p, "<b>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "&lt;b&gt;"));
	CU_ASSERT_PTR_NULL(strstr(p, "<script"));
	outbuf_done(&out);

	/* History off: the table, no graphs. No snapshot: said so. */
	outbuf_init(&out);
	o = (struct status_page_opts){ .stale = true };
	CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
	CU_ASSERT_EQUAL(count(out.data, "<img"), 0);
	CU_ASSERT_EQUAL(count(out.data, "href=\"graph/"), 0);
	CU_ASSERT_EQUAL(count(out.data, "<tr class=\"svc\" id="), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "Polls of the IPVS table fail"));
	outbuf_done(&out);
	outbuf_init(&out);
	CU_ASSERT_EQUAL(status_page_render(&out, NULL, &o), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "No successful poll"));
	outbuf_done(&out);
	snapshot_unref(s);
}

/* Each real server's state, coloured; the check's reason escaped; filter,
 * pages, refresh; and the cause when no poll has succeeded. */
static void test_status_page_table(void)
{
	struct lvs_snapshot *s = table(1763700000, 1, "rr");
	/* [0]: down with a reason from the network; [1]: up at weight 0
	 * with connections (draining); fwm's: weight 0, no check (quiesced). */
	s->dests[0].health = LVS_HEALTH_DOWN;
	s->dests[0].health_since = 1763699940;
	CU_ASSERT_EQUAL_FATAL(snapshot_add_text(s, "http 503 <x>", 47, &s->dests[0].health_error), 0);
	s->dests[1].health = LVS_HEALTH_UP;
	s->dests[1].weight = 0;
	s->dests[1].active_conns = 5;
	struct outbuf out;
	outbuf_init(&out);
	struct status_page_opts o = { .now = 1763700000, .refresh = 10 };
	CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
	const char *p = out.data;
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<tr class=\"down\"><td class=\"l rs\">[2001:db8:a::11]:443</td>"
					 "<td class=\"l st\">down</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "down: http 503 &lt;x&gt;</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, ">1m00s</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<tr class=\"drain\"><td class=\"l rs\">[2001:db8:a::12]:443</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<tr class=\"maint\"><td class=\"l rs\">192.0.2.11:80</td>"
					 "<td class=\"l st\">quiesced</td>"));
	CU_ASSERT_PTR_NOT_NULL(strstr(p, "<meta http-equiv=\"refresh\" content=\"10\">"));
	CU_ASSERT_PTR_NULL(strstr(p, "<x>"));
	outbuf_done(&out);

	/* The filter matches a state word, a reason, an address. */
	const char *const filters[] = { "quiesced", "HTTP 503", "192.0.2" };
	const char *const want[] = { "id=\"fwm-3\"", "id=\"tcp-2001_db8__1-443\"", "id=\"fwm-3\"" };
	for (size_t i = 0; i < 3; i++) {
		outbuf_init(&out);
		o = (struct status_page_opts){ .filter = filters[i] };
		CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
		CU_ASSERT_EQUAL(count(out.data, "<tr class=\"svc\""), 1);
		CU_ASSERT_PTR_NOT_NULL(strstr(out.data, want[i]));
		CU_ASSERT_PTR_NULL(strstr(out.data, "http-equiv"));
		outbuf_done(&out);
	}

	/* One service a page: two pages; past the last shows the last. */
	outbuf_init(&out);
	o = (struct status_page_opts){ .per_page = 1, .page = 9 };
	CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
	CU_ASSERT_EQUAL(count(out.data, "<tr class=\"svc\""), 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "id=\"fwm-3\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "page 2 of 2:"));
	outbuf_done(&out);

	outbuf_init(&out);
	o = (struct status_page_opts){ .poll_error = "ip_vs: <not loaded>" };
	CU_ASSERT_EQUAL(status_page_render(&out, NULL, &o), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "No successful poll of the IPVS table yet: "
						"ip_vs: &lt;not loaded&gt;"));
	outbuf_done(&out);

	CU_ASSERT_TRUE(status_page_filter_ok("tcp 10.0.0.1:80"));
	CU_ASSERT_FALSE(status_page_filter_ok("a\x01"));
	CU_ASSERT_FALSE(status_page_filter_ok("\xc3\xa9"));
	CU_ASSERT_FALSE(status_page_filter_ok("0123456789012345678901234567890123456789012345678901234567890123x"));
	snapshot_unref(s);
}

/* Times out of range (a recording's or a remote's "time": 1e300, -1,
 * NaN) never become a time_t: the page says the time is unknown, the
 * writer skips the snapshot, and the graphs' "newest" keeps the last good
 * time. */
static void test_times_out_of_range(void)
{
	const double bad[] = { 1e300, -1e300, -1, 0.0 / 0.0, 253402300800.0 };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lvs_snapshot *s = table(bad[i], 1, "rr");
		struct outbuf out;
		outbuf_init(&out);
		struct status_page_opts o = { .stale = true };
		CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
		CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "taken an unknown time."));
		CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "as it was at an unknown time."));
		outbuf_done(&out);
		snapshot_unref(s);
	}
	/* The year 9999 is still a time. */
	struct lvs_snapshot *s = table(253402300799.0, 1, "rr");
	struct outbuf out;
	outbuf_init(&out);
	struct status_page_opts o = { .stale = false };
	CU_ASSERT_EQUAL(status_page_render(&out, s, &o), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(out.data, "taken 9999-12-31 23:59:59 UTC."));
	outbuf_done(&out);
	snapshot_unref(s);

	char dir[128];
	snprintf(dir, sizeof(dir), "%s/far", tmpdir);
	struct rrd_store_opts so = { .dir = dir, .queue = 4 };
	rrd_spec_default(&so.spec);
	rrd_store *st = rrd_store_new(&so);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(rrd_store_start(st), 0);
	struct lvs_snapshot *good = table(1763700000, 1, "rr"), *far = table(1e300, 2, "rr"),
			    *nan = table(0.0 / 0.0, 3, "rr");
	CU_ASSERT_EQUAL(rrd_store_push(st, good), 0);
	CU_ASSERT_EQUAL(rrd_store_push(st, far), 0);
	CU_ASSERT_EQUAL(rrd_store_push(st, nan), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	struct rrd_store_stats rs;
	rrd_store_stats(st, &rs);
	CU_ASSERT_EQUAL(rs.passes, 1);
	CU_ASSERT_EQUAL(rs.skipped, 2);
	CU_ASSERT_EQUAL(rs.write_errors, 0);
	CU_ASSERT_EQUAL(rs.last_time, 1763700000);
	rrd_store_free(st);
	snapshot_unref(good);
	snapshot_unref(far);
	snapshot_unref(nan);
}

/* The folder is made with every missing parent, folders 0755 and files
 * 0644 under a 022 umask. */
static void test_dir_with_parents(void)
{
	char dir[160], p[256];
	snprintf(dir, sizeof(dir), "%s/deep/er/rrd", tmpdir);
	struct rrd_store_opts o = { .dir = dir, .real_servers = true, .queue = 2 };
	rrd_spec_default(&o.spec);
	mode_t old = umask(022);
	rrd_store *st = rrd_store_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(rrd_store_start(st), 0);
	struct lvs_snapshot *a = table(1763700000, 1, "rr");
	CU_ASSERT_EQUAL(rrd_store_push(st, a), 0);
	CU_ASSERT_EQUAL(rrd_store_wait_idle(st, 10), 0);
	struct rrd_store_stats s;
	rrd_store_stats(st, &s);
	CU_ASSERT_EQUAL(s.write_errors, 0);
	CU_ASSERT_EQUAL(s.updates, 5);
	rrd_store_free(st);
	snapshot_unref(a);
	umask(old);
	const char *dirs[] = { "deep", "deep/er", "deep/er/rrd", "deep/er/rrd/fwm-3" };
	struct stat sb;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", tmpdir, dirs[i]);
		CU_ASSERT_EQUAL_FATAL(stat(p, &sb), 0);
		CU_ASSERT_TRUE(S_ISDIR(sb.st_mode));
		CU_ASSERT_EQUAL(sb.st_mode & 07777, 0755);
	}
	snprintf(p, sizeof(p), "%s/deep/er/rrd/fwm-3/192.0.2.11-80.rrd", tmpdir);
	CU_ASSERT_EQUAL_FATAL(stat(p, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 07777, 0644);
}

int register_rrd_store(void)
{
	CU_pSuite s = CU_add_suite("rrd_store", suite_init, suite_clean);
	if (!s || !CU_add_test(s, "writes, drops and skips", test_writes_drops_skips) ||
	    !CU_add_test(s, "an unwritable folder", test_unwritable) ||
	    !CU_add_test(s, "status page", test_status_page) ||
	    !CU_add_test(s, "status page table, filter, pages", test_status_page_table) ||
	    !CU_add_test(s, "times out of range", test_times_out_of_range) ||
	    !CU_add_test(s, "folders made with their parents", test_dir_with_parents))
		return -1;
	return 0;
}
