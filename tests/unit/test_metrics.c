/* The /metrics exposition: label escaping, unique series for IPv6 and
 * firewall-mark services, counters vs gauges, per-real-server modes,
 * health series, exact big counters; plus the output buffer, the gzip
 * body and listen-address parsing the exporter relies on. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "collector/health.h"
#include "collector/snapshot.h"
#include "exporter/http/body.h"
#include "exporter/http/http.h"
#include "exporter/metrics/metrics.h"
#include "exporter/metrics/outbuf.h"

static void add_svc(struct lvs_snapshot *s, uint16_t af, uint16_t proto, const char *addr,
		    uint16_t port, uint32_t fwmark, const char *sched)
{
	struct lvs_service sv = { .af = af, .protocol = proto, .port = port, .fwmark = fwmark };
	if (addr)
		inet_pton(af, addr, &sv.addr);
	snprintf(sv.sched, sizeof(sv.sched), "%s", sched);
	sv.stats.conns = 10;
	CU_ASSERT_EQUAL(snapshot_add_service(s, &sv), 0);
}

static void add_dest(struct lvs_snapshot *s, size_t svc, uint16_t af, const char *addr,
		     uint16_t port, int8_t health)
{
	struct lvs_dest d = { .af = af, .port = port, .weight = 3, .active_conns = 7,
			      .inact_conns = 2, .health = health };
	inet_pton(af, addr, &d.addr);
	d.stats.conns = 5;
	if (health != LVS_HEALTH_UNKNOWN) {
		d.check_seconds = 0.25f;
		d.health_since = 1763700000;
	}
	if (health == LVS_HEALTH_DOWN) {
		d.health_reason = LVS_HR_HTTP_STATUS;
		d.health_code = 404;
	}
	CU_ASSERT_EQUAL(snapshot_add_dest(s, svc, &d), 0);
}

/* IPv4 and IPv6 TCP on the same port, fwmark 1 in both families, UDP. */
static struct lvs_snapshot *mixed(void)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = 1763700000;
	s->version = 0x010201;
	add_svc(s, AF_INET, IPPROTO_TCP, "203.0.113.10", 80, 0, "rr");
	add_svc(s, AF_INET6, IPPROTO_TCP, "2001:db8::1", 80, 0, "wrr");
	add_svc(s, AF_INET, 0, NULL, 0, 1, "sh");
	add_svc(s, AF_INET6, 0, NULL, 0, 1, "sh");
	add_svc(s, AF_INET, IPPROTO_UDP, "203.0.113.10", 80, 0, "rr");
	add_dest(s, 0, AF_INET, "192.0.2.11", 80, LVS_HEALTH_UP);
	add_dest(s, 0, AF_INET, "192.0.2.12", 80, LVS_HEALTH_DOWN);
	add_dest(s, 1, AF_INET6, "2001:db8::11", 80, LVS_HEALTH_UNKNOWN);
	add_dest(s, 2, AF_INET, "192.0.2.11", 80, LVS_HEALTH_UNKNOWN);
	add_dest(s, 3, AF_INET6, "2001:db8::11", 80, LVS_HEALTH_UNKNOWN);
	add_dest(s, 4, AF_INET, "192.0.2.11", 80, LVS_HEALTH_UNKNOWN);
	snapshot_finish(s);
	return s;
}

static char *render(const struct lvs_snapshot *s, const struct lvs_metrics_opts *o)
{
	struct outbuf b;
	outbuf_init(&b);
	struct lvs_status st = { .polls = 3, .last_ok = 1763700000, .poll_seconds = 0.001 };
	struct lvs_metrics_self self = { .version = "test", .start_time = 1763600000 };
	CU_ASSERT_EQUAL(metrics_render(&b, s, &st, o, &self, NULL), 0);
	size_t len;
	char *txt = outbuf_steal(&b, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	CU_ASSERT_EQUAL(strlen(txt), len);
	return txt;
}

static int count(const char *txt, const char *needle)
{
	int n = 0;
	for (const char *p = txt; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* Every sample's name{labels} appears once, and after a TYPE line of its
 * family; counters end in _total and nothing else does. */
static void check_structure(char *txt)
{
	size_t cap = 4096, n = 0;
	char **keys = malloc(cap * sizeof(*keys));
	char fam[128] = "", type[16] = "";
	for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "# TYPE ", 7)) {
			CU_ASSERT_EQUAL(sscanf(line + 7, "%127s %15s", fam, type), 2);
			bool total = strlen(fam) > 6 && !strcmp(fam + strlen(fam) - 6, "_total");
			if (!strcmp(type, "counter"))
				CU_ASSERT_TRUE(total);
			if (!strcmp(type, "gauge"))
				CU_ASSERT_FALSE(total);
			continue;
		}
		if (line[0] == '#')
			continue;
		char *sp = strrchr(line, ' ');
		CU_ASSERT_PTR_NOT_NULL_FATAL(sp);
		*sp = 0;
		size_t fl = strlen(fam);
		CU_ASSERT(fl && !strncmp(line, fam, fl) && (line[fl] == '{' || line[fl] == 0));
		for (size_t i = 0; i < n; i++)
			if (!strcmp(keys[i], line)) {
				fprintf(stderr, "\n  duplicate series %s\n", line);
				CU_FAIL("duplicate series");
			}
		if (n < cap)
			keys[n++] = line;
	}
	CU_ASSERT(n > 50);
	free(keys);
}

static void test_unique_series(void)
{
	struct lvs_snapshot *s = mixed();
	char *txt = render(s, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_service_connections_total{service=\"[2001:db8::1]:80\","
					   "protocol=\"tcp\",address=\"2001:db8::1\",port=\"80\"} 10\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "{service=\"fwm:1\",protocol=\"fwm\",fwmark=\"1\",family=\"ipv4\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "{service=\"fwm6:1\",protocol=\"fwm\",fwmark=\"1\",family=\"ipv6\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_real_server_active_connections{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\","
					   "real_address=\"192.0.2.11\",real_port=\"80\"} 7\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "real_address=\"2001:db8::11\",real_port=\"80\"}"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_connections_total 50\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_up 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_version_info{version=\"1.2.1\"} 1\n"));
	/* The UDP service on the TCP service's address and port is its own series. */
	CU_ASSERT_EQUAL(count(txt, "ipvs_service_connections_total{service=\"203.0.113.10:80\""), 2);
	check_structure(txt);
	free(txt);
	snapshot_unref(s);
}

static void test_label_escaping(void)
{
	struct lvs_snapshot *s = snapshot_new();
	add_svc(s, AF_INET, IPPROTO_TCP, "203.0.113.10", 80, 0, "a\"b\\c\nd");
	snapshot_finish(s);
	s->conns.available = true;
	s->conns.n_states = 1;
	strcpy(s->conns.states[0].name, "WE\"IRD\\");
	s->conns.states[0].count = 4;
	char *txt = render(s, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "scheduler=\"a\\\"b\\\\c\\nd\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_connection_entries{state=\"WE\\\"IRD\\\\\"} 4\n"));
	free(txt);
	snapshot_unref(s);

	struct outbuf b;
	outbuf_init(&b);
	outbuf_put_label(&b, "plain");
	outbuf_put_label(&b, "\"\\\n");
	CU_ASSERT_STRING_EQUAL(b.data, "plain\\\"\\\\\\n");
	outbuf_done(&b);
}

static void test_counters_and_gauges(void)
{
	struct lvs_snapshot *s = mixed();
	char *txt = render(s, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE ipvs_real_server_connections_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE ipvs_real_server_incoming_bytes_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE ipvs_real_server_active_connections gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE ipvs_real_server_weight gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE ipvs_real_server_upper_threshold gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE lvsd_poll_errors_total counter\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE lvsd_last_successful_poll_timestamp_seconds gauge\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_polls_total 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_build_info{version=\"test\"} 1\n"));
	/* Service connection gauges are sums over the real servers. */
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_service_active_connections{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\"} 14\n"));
	/* Every family has HELP and TYPE exactly once. */
	CU_ASSERT_EQUAL(count(txt, "# HELP "), count(txt, "# TYPE "));
	CU_ASSERT_EQUAL(count(txt, "# TYPE ipvs_real_server_weight "), 1);
	free(txt);
	snapshot_unref(s);
}

static void test_health_series(void)
{
	struct lvs_snapshot *s = mixed();
	char *txt = render(s, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "real_address=\"192.0.2.11\",real_port=\"80\"} 1\n"));
	CU_ASSERT_EQUAL(count(txt, "lvsd_real_server_healthy{"), 2); /* unknown: no series */
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_real_server_healthy{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\","
					   "real_address=\"192.0.2.12\",real_port=\"80\"} 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "real_address=\"192.0.2.12\",real_port=\"80\"} 0.25\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_real_server_health_last_transition_timestamp_seconds{"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "} 1763700000\n")); /* whole seconds */
	/* The reason beside the gauge, for the same real servers only. */
	CU_ASSERT_EQUAL(count(txt, "\nlvsd_real_server_health_info{"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_real_server_health_info{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\","
					   "real_address=\"192.0.2.12\",real_port=\"80\","
					   "reason=\"http 404\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "real_address=\"192.0.2.11\",real_port=\"80\","
					   "reason=\"ok\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "# TYPE lvsd_real_server_health_info gauge\n"));
	free(txt);
	snapshot_unref(s);
}

/* The values docs/metrics.md lists for the reason label, HTTP statuses
 * aside. */
static const char *const documented_reasons[] = {
	"ok", "connection refused", "timeout connect", "timeout tls handshake", "timeout send",
	"timeout response", "timeout exec", "no route", "connection reset", "network error",
	"tls failure", "http status", "bad response", "expected text not found",
	"icmp unreachable", "dns rcode", "dns answer mismatch", "exit status",
	"killed by signal", "exec failed", "local error", "other",
};

static bool documented(const char *v)
{
	unsigned st;
	char end;
	if (sscanf(v, "http %3u%c", &st, &end) == 1 && st >= 100 && st <= 599 && strlen(v) == 8)
		return true;
	for (size_t i = 0; i < sizeof(documented_reasons) / sizeof(documented_reasons[0]); i++)
		if (!strcmp(v, documented_reasons[i]))
			return true;
	return false;
}

/* Every reason a check can give maps to a documented value, the same the
 * snapshot's health_reason label says; whatever else (no reason while
 * down, out of range, a status no HTTP server sends) to "other"; never
 * the free text. */
static void test_health_reason_values(void)
{
	char buf[16], snap[32];
	for (unsigned r = 1; r < LVS_HR_COUNT; r++) {
		const char *v = metrics_health_reason(LVS_HEALTH_DOWN, r, 0, buf, sizeof(buf));
		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		CU_ASSERT_TRUE(documented(v));
		CU_ASSERT_STRING_NOT_EQUAL(v, "other");
		CU_ASSERT_STRING_NOT_EQUAL(v, "ok");
		CU_ASSERT_STRING_EQUAL(v, health_reason_label(r, 0, snap, sizeof(snap)));
		/* Warming up (not yet judged) with a failure: the same value. */
		CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_UNKNOWN, r, 0, buf, sizeof(buf)),
				       v);
		/* Up wins over a failing check the streak has not yet counted. */
		CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_UP, r, 7, buf, sizeof(buf)), "ok");
	}
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_UP, LVS_HR_NONE, 0, buf, sizeof(buf)),
			       "ok");
	/* HTTP statuses: exact, the same as the snapshot's; bounded to 100..599. */
	for (unsigned c = 100; c <= 599; c++) {
		const char *v = metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_HTTP_STATUS, c, buf,
						      sizeof(buf));
		CU_ASSERT_TRUE(documented(v));
		CU_ASSERT_STRING_EQUAL(v, health_reason_label(LVS_HR_HTTP_STATUS, c, snap, sizeof(snap)));
	}
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_HTTP_STATUS, 404, buf,
						     sizeof(buf)), "http 404");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_HTTP_STATUS, 99, buf,
						     sizeof(buf)), "http status");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_HTTP_STATUS, 1000, buf,
						     sizeof(buf)), "http status");
	/* Other numbers never reach the label. */
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_EXIT, 3, buf, sizeof(buf)),
			       "exit status");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_SIGNAL, 9, buf, sizeof(buf)),
			       "killed by signal");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_DNS_RCODE, 3, buf, sizeof(buf)),
			       "dns rcode");
	/* The catch-all. */
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_NONE, 0, buf, sizeof(buf)),
			       "other");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_COUNT, 0, buf, sizeof(buf)),
			       "other");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, 255, 404, buf, sizeof(buf)),
			       "other");
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_UNKNOWN, LVS_HR_NONE, 0, buf, sizeof(buf)),
			       "other");
	/* Too small a buffer for a status: the bounded name, never a cut one. */
	char tiny[4];
	CU_ASSERT_STRING_EQUAL(metrics_health_reason(LVS_HEALTH_DOWN, LVS_HR_HTTP_STATUS, 404, tiny,
						     sizeof(tiny)), "http status");
}

static void test_rs_modes(void)
{
	struct lvs_snapshot *s = mixed();
	struct lvs_metrics_opts o = { .rs_mode = LVS_RS_DROP };
	char *txt = render(s, &o);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_"), 0);
	CU_ASSERT_EQUAL(count(txt, "\nlvsd_real_server_"), 0);
	CU_ASSERT_PTR_NULL(strstr(txt, "ipvs_service_weight"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_service_connections_total{"));
	free(txt);

	o.rs_mode = LVS_RS_AGGREGATE;
	txt = render(s, &o);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_service_weight{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\"} 6\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_service_real_servers_by_health{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\","
					   "health=\"down\"} 1\n"));
	check_structure(txt);
	free(txt);

	o.rs_mode = LVS_RS_ALL;
	o.rs_groups = LVS_RSG_WEIGHT | LVS_RSG_ACTIVE;
	txt = render(s, &o);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_weight{"), 6);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_active_connections{"), 6);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_inactive_connections{"), 0);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_connections_total{"), 0);
	CU_ASSERT_EQUAL(count(txt, "\nlvsd_real_server_healthy{"), 0);
	free(txt);
	snapshot_unref(s);

	CU_ASSERT_EQUAL(metrics_rs_mode_from_name("aggregate"), LVS_RS_AGGREGATE);
	CU_ASSERT_EQUAL(metrics_rs_mode_from_name("some"), -EINVAL);
	CU_ASSERT_EQUAL(metrics_rs_group_from_name("health"), LVS_RSG_HEALTH);
	CU_ASSERT_EQUAL(metrics_rs_group_from_name("bogus"), 0);
}

/* Sample lines (not comments) whose name starts with prefix. */
static int samples(const char *txt, const char *prefix)
{
	int n = 0;
	size_t pl = strlen(prefix);
	for (const char *l = txt; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		n += !strncmp(l, prefix, pl);
	return n;
}

/* What metrics_render says max_series left out of a render of s. */
static unsigned left_out(const struct lvs_snapshot *s, const struct lvs_metrics_opts *o)
{
	struct outbuf b;
	outbuf_init(&b);
	struct lvs_status st = { .polls = 1 };
	struct lvs_metrics_self self = { .version = "test" };
	unsigned left = 12345;
	CU_ASSERT_EQUAL(metrics_render(&b, s, &st, o, &self, &left), 0);
	outbuf_done(&b);
	return left;
}

static void test_series_budget(void)
{
	/* The budget's order names every group once, active first. */
	unsigned seen = 0, bit;
	size_t n = 0;
	for (size_t i = 0; (bit = metrics_rs_group_at(i)); i++, n++) {
		CU_ASSERT_PTR_NOT_NULL(metrics_rs_group_name(bit));
		CU_ASSERT_FALSE(seen & bit);
		seen |= bit;
	}
	CU_ASSERT_EQUAL(seen, LVS_RSG_ALL);
	CU_ASSERT_EQUAL(metrics_rs_group_at(0), LVS_RSG_ACTIVE);
	CU_ASSERT_EQUAL(metrics_rs_group_at(n), 0);
	struct lvs_snapshot *s = mixed();
	/* 6 real servers, 2 judged: 6 series each of active, inactive,
	 * weight, connections, persistent and info, 12 of packets, bytes and
	 * thresholds, 8 of health: 80; the services and the rest about 150. */
	struct lvs_metrics_opts o = { .max_series = 1000 };
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ALL);
	CU_ASSERT_EQUAL(left_out(s, &o), 0u);
	char *txt = render(s, &o);
	/* The count the budget uses is the count rendered. */
	CU_ASSERT_EQUAL(samples(txt, "ipvs_real_server_") + samples(txt, "lvsd_real_server_"), 80);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\nlvsd_exporter_series_limited 0\n"));
	CU_ASSERT_PTR_NULL(strstr(txt, "lvsd_exporter_real_server_group_left_out"));
	CU_ASSERT_PTR_NULL(strstr(txt, "lvsd_service_real_servers_by_health"));
	/* The body's last line stays lvsd_health_checks. */
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\nlvsd_health_checks 0\n"));
	CU_ASSERT_EQUAL(strstr(txt, "\nlvsd_health_checks 0\n")[strlen("\nlvsd_health_checks 0\n")], 0);
	free(txt);

	/* No limit: every group, and nothing said about a limit. */
	o.max_series = 0;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ALL);
	txt = render(s, &o);
	CU_ASSERT_PTR_NULL(strstr(txt, "lvsd_exporter_series_limited"));
	free(txt);

	/* Room for active, inactive and weight (18) beside the services and
	 * their health by state (15), not for health (8 more). */
	o.max_series = 230 - 80 + 15 + 18;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ACTIVE | LVS_RSG_INACTIVE | LVS_RSG_WEIGHT);
	o.max_series += 7;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ACTIVE | LVS_RSG_INACTIVE | LVS_RSG_WEIGHT);
	o.max_series += 1;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o),
			LVS_RSG_ACTIVE | LVS_RSG_INACTIVE | LVS_RSG_WEIGHT | LVS_RSG_HEALTH);
	o.max_series -= 8;
	CU_ASSERT_EQUAL(left_out(s, &o), LVS_RSG_ALL & ~(LVS_RSG_ACTIVE | LVS_RSG_INACTIVE | LVS_RSG_WEIGHT));
	txt = render(s, &o);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_weight{"), 6);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_inactive_connections{"), 6);
	CU_ASSERT_EQUAL(count(txt, "\nipvs_real_server_connections_total{"), 0);
	CU_ASSERT_EQUAL(count(txt, "\nlvsd_real_server_healthy{"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\nlvsd_exporter_series_limited 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\nlvsd_exporter_real_server_group_left_out{group=\"health\"} 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\nlvsd_exporter_real_server_group_left_out{group=\"info\"} 1\n"));
	CU_ASSERT_PTR_NULL(strstr(txt, "group_left_out{group=\"weight\"}"));
	/* Health left out: said per service instead. */
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "lvsd_service_real_servers_by_health{service=\"203.0.113.10:80\","
					   "protocol=\"tcp\",address=\"203.0.113.10\",port=\"80\","
					   "health=\"down\"} 1\n"));
	CU_ASSERT_PTR_NULL(strstr(txt, "ipvs_service_weight"));
	check_structure(txt);
	free(txt);

	/* Not even the first group fits: the services alone. */
	o.max_series = 100;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), 0u);
	CU_ASSERT_EQUAL(left_out(s, &o), LVS_RSG_ALL);
	txt = render(s, &o);
	CU_ASSERT_EQUAL(samples(txt, "ipvs_real_server_"), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "ipvs_service_connections_total{"));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "group_left_out{group=\"active\"} 1\n"));
	free(txt);

	/* Groups chosen in the configuration are kept whatever the limit,
	 * and no limit is reported. */
	o.rs_groups = LVS_RSG_HEALTH;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_HEALTH);
	CU_ASSERT_EQUAL(left_out(s, &o), 0u);
	txt = render(s, &o);
	CU_ASSERT_EQUAL(count(txt, "\nlvsd_real_server_healthy{"), 2);
	CU_ASSERT_PTR_NULL(strstr(txt, "lvsd_exporter_series_limited"));
	CU_ASSERT_PTR_NULL(strstr(txt, "lvsd_service_real_servers_by_health"));
	free(txt);
	/* Aggregated (or dropped) real servers: the budget chooses nothing. */
	o.rs_groups = 0;
	o.max_series = 100;
	o.rs_mode = LVS_RS_AGGREGATE;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ALL);
	CU_ASSERT_EQUAL(left_out(s, &o), 0u);
	o.rs_mode = LVS_RS_DROP;
	CU_ASSERT_EQUAL(metrics_rs_groups_for(s, &o), LVS_RSG_ALL);
	CU_ASSERT_STRING_EQUAL(metrics_rs_group_name(LVS_RSG_ENTRIES), "entries");
	CU_ASSERT_PTR_NULL(metrics_rs_group_name(0));
	snapshot_unref(s);
}

static void test_no_snapshot(void)
{
	struct lvs_status st = { .err = -ENOENT, .polls = 1, .errors = 1 };
	struct lvs_metrics_self self = { .version = "x" };
	struct outbuf b;
	outbuf_init(&b);
	CU_ASSERT_EQUAL(metrics_render(&b, NULL, &st, NULL, &self, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "ipvs_up 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "lvsd_poll_errors_total 1\n"));
	CU_ASSERT_PTR_NULL(strstr(b.data, "ipvs_service_"));
	CU_ASSERT_PTR_NULL(strstr(b.data, "ipvs_version_info"));
	outbuf_done(&b);
	/* A stale snapshot still renders, with ipvs_up 0. */
	struct lvs_snapshot *s = mixed();
	st.stale = true;
	outbuf_init(&b);
	CU_ASSERT_EQUAL(metrics_render(&b, s, &st, NULL, &self, NULL), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "ipvs_up 0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "lvsd_snapshot_stale 1\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(b.data, "ipvs_service_connections_total{"));
	outbuf_done(&b);
	snapshot_unref(s);
}

static void test_big_counters(void)
{
	struct lvs_snapshot *s = snapshot_new();
	add_svc(s, AF_INET, IPPROTO_TCP, "203.0.113.10", 80, 0, "rr");
	struct lvs_dest d = { .af = AF_INET, .port = 80 };
	inet_pton(AF_INET, "192.0.2.11", &d.addr);
	d.stats.inbytes = 9007199254740993ull; /* 2^53 + 1: a double would round it */
	snapshot_add_dest(s, 0, &d);
	snapshot_finish(s);
	char *txt = render(s, NULL);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "real_port=\"80\"} 9007199254740993\n"));
	free(txt);
	snapshot_unref(s);

	struct outbuf b;
	outbuf_init(&b);
	outbuf_put_double(&b, 0.5);
	outbuf_putc(&b, ' ');
	outbuf_put_double(&b, 1.0 / 0.0);
	outbuf_putc(&b, ' ');
	outbuf_put_double(&b, 0.0 / 0.0);
	outbuf_putc(&b, ' ');
	outbuf_put_i64(&b, -42);
	outbuf_putc(&b, ' ');
	outbuf_put_u64(&b, 18446744073709551615ull);
	CU_ASSERT_STRING_EQUAL(b.data, "0.5 +Inf NaN -42 18446744073709551615");
	outbuf_done(&b);
	/* Values far outside int64_t (a recording's "time": 1e300): printed
	 * as floats, never cast (float-cast-overflow under the sanitizers). */
	outbuf_init(&b);
	outbuf_put_double(&b, 1e300);
	outbuf_putc(&b, ' ');
	outbuf_put_double(&b, -1e300);
	outbuf_putc(&b, ' ');
	outbuf_put_double(&b, 9.3e18);
	outbuf_putc(&b, ' ');
	outbuf_put_double(&b, -9007199254740992.0);
	CU_ASSERT_STRING_EQUAL(b.data, "1.0000000000000001e+300 -1.0000000000000001e+300 "
				       "9.3e+18 -9007199254740992");
	outbuf_done(&b);
}

static void test_gzip_body(void)
{
	size_t n = 1 << 20;
	char *text = malloc(n);
	for (size_t i = 0; i < n; i++)
		text[i] = "ipvs_real_server_weight{x=\"1\"} 3\n"[i % 33];
	char *copy = malloc(n);
	memcpy(copy, text, n);
	struct lvs_body *b = body_new(copy, n, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->gz);
	CU_ASSERT(b->gz_len < n / 10);
	CU_ASSERT_EQUAL((unsigned char)b->gz[0], 0x1f); /* gzip magic */
	CU_ASSERT_EQUAL((unsigned char)b->gz[1], 0x8b);
	z_stream z = { 0 };
	CU_ASSERT_EQUAL_FATAL(inflateInit2(&z, 15 + 16), Z_OK);
	char *out = malloc(n + 16);
	z.next_in = (Bytef *)b->gz;
	z.avail_in = (uInt)b->gz_len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)(n + 16);
	CU_ASSERT_EQUAL(inflate(&z, Z_FINISH), Z_STREAM_END);
	CU_ASSERT_EQUAL(z.total_out, n);
	CU_ASSERT_EQUAL(memcmp(out, text, n), 0);
	inflateEnd(&z);
	body_ref(b);
	body_unref(b);
	body_unref(b);
	free(out);
	free(text);
}

/* Read all of a reader's text in reads of `step` bytes (0: a whole
 * segment at a time, as MHD asks), alternating with 1,000 when `mix`. */
static size_t read_all(struct body_reader *rd, char *out, size_t cap, size_t step, bool mix,
		       long *last)
{
	size_t got = 0;
	long k;
	for (int i = 0;; i++) {
		size_t want = mix && i % 2 ? 1000 : step ? step : BODY_SEGMENT;
		if (want > cap - got)
			want = cap - got;
		if ((k = body_reader_read(rd, out + got, want)) <= 0)
			break;
		got += (size_t)k;
	}
	*last = k;
	return got;
}

/* A body streamed through a small outbuf into a builder: gzip only at a
 * level, read back plain in blocks of any size; the plain text kept at
 * level 0. */
static void test_streamed_body(void)
{
	size_t n = 3 << 20;
	char *text = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)("ipvs_real_server_weight{x=\"1\"} 3\n"[i % 33] + (i % 4099 == 0));
	for (int level = 0; level <= 6; level += 6) {
		struct body_builder bb;
		struct outbuf o;
		outbuf_init(&o);
		CU_ASSERT_EQUAL_FATAL(body_builder_init(&bb, level), 0);
		CU_ASSERT_EQUAL(outbuf_set_spill(&o, body_builder_add, &bb, 4096), 0);
		for (size_t off = 0; off < n;) {
			size_t k = 1 + off % 7001;
			if (k > n - off)
				k = n - off;
			outbuf_put(&o, text + off, k);
			off += k;
		}
		CU_ASSERT(o.cap < 16384); /* never grew past a spill */
		CU_ASSERT_EQUAL(outbuf_flush(&o), 0);
		outbuf_done(&o);
		struct lvs_body *b = body_builder_finish(&bb);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL(b->len, n);
		if (!level) {
			CU_ASSERT_PTR_NULL(b->gz);
			CU_ASSERT_PTR_NOT_NULL_FATAL(b->data);
			CU_ASSERT_EQUAL(memcmp(b->data, text, n), 0);
			body_unref(b);
			continue;
		}
		CU_ASSERT_PTR_NULL(b->data);
		CU_ASSERT(b->gz_len < n / 10);
		struct body_reader rd;
		CU_ASSERT_EQUAL_FATAL(body_reader_init(&rd, b), 0);
		char *out = malloc(n + 1);
		long k;
		size_t got = read_all(&rd, out, n + 1, 1000, false, &k);
		CU_ASSERT_EQUAL(k, 0);
		CU_ASSERT_EQUAL(got, n);
		CU_ASSERT_EQUAL(memcmp(out, text, n), 0);
		body_reader_done(&rd); /* drops the body's last reference */
		free(out);
	}
	free(text);
}

/* The gzip form is one stream (zlib reads it whole) cut into segments of
 * BODY_SEGMENT plain bytes; the reader inflates each on its own, into the
 * caller's buffer or through its own, and refuses a damaged body. */
static void test_segmented_body(void)
{
	const size_t S = BODY_SEGMENT;
	const size_t sizes[] = { 0, 1, S - 1, S, S + 1, 3 * S, 3 * S + 7 };
	size_t max = 3 * S + 7;
	char *text = malloc(max), *out = malloc(max + S);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(out);
	uint32_t x = 1;
	for (size_t i = 0; i < max; i++) { /* text with some entropy */
		x = x * 1103515245u + 12345u;
		text[i] = (char)(i % 61 == 60 ? '\n' : 'a' + (x >> 16) % 7);
	}
	for (size_t t = 0; t < sizeof(sizes) / sizeof(sizes[0]); t++) {
		size_t n = sizes[t];
		struct body_builder bb;
		CU_ASSERT_EQUAL_FATAL(body_builder_init(&bb, 1), 0);
		for (size_t off = 0, k = 1; off < n; off += k, k = k * 3 + 1) {
			if (k > n - off)
				k = n - off;
			CU_ASSERT_EQUAL_FATAL(body_builder_add(&bb, text + off, k), 0);
		}
		struct lvs_body *b = body_builder_finish(&bb);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		CU_ASSERT_EQUAL(b->len, n);
		CU_ASSERT_EQUAL(b->n_seg, n ? (n - 1) / S + 1 : 1);
		/* One gzip stream for any client. */
		z_stream z = { 0 };
		CU_ASSERT_EQUAL_FATAL(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (Bytef *)b->gz;
		z.avail_in = (uInt)b->gz_len;
		z.next_out = (Bytef *)out;
		z.avail_out = (uInt)(max + S);
		CU_ASSERT_EQUAL(inflate(&z, Z_FINISH), Z_STREAM_END);
		CU_ASSERT_EQUAL(z.avail_in, 0);
		CU_ASSERT_EQUAL(z.total_out, n);
		CU_ASSERT(n == 0 || memcmp(out, text, n) == 0);
		inflateEnd(&z);
		/* Whole segments, short reads, and the two mixed. */
		const size_t steps[] = { 0, 4096, 0 };
		for (int m = 0; m < 3; m++) {
			struct body_reader rd;
			CU_ASSERT_EQUAL_FATAL(body_reader_init(&rd, body_ref(b)), 0);
			memset(out, 0, max + S);
			long last;
			size_t got = read_all(&rd, out, max + S, steps[m], m == 2, &last);
			CU_ASSERT_EQUAL(last, 0);
			CU_ASSERT_EQUAL(got, n);
			CU_ASSERT(n == 0 || memcmp(out, text, n) == 0);
			CU_ASSERT_EQUAL(rd.pos, n);
			body_reader_done(&rd);
		}
		if (b->n_seg > 2) {
			/* A table that does not match the length is refused. */
			struct body_reader rd;
			b->n_seg--;
			CU_ASSERT_EQUAL(body_reader_init(&rd, b), -EINVAL);
			b->n_seg++;
			/* A damaged segment: a block of the reserved type. */
			b->gz[b->seg[1]] = 0x07;
			CU_ASSERT_EQUAL_FATAL(body_reader_init(&rd, body_ref(b)), 0);
			long last;
			size_t got = read_all(&rd, out, max + S, 0, false, &last);
			CU_ASSERT_EQUAL(last, -EIO);
			CU_ASSERT_EQUAL(got, S); /* the first segment came through */
			body_reader_done(&rd);
		}
		body_unref(b);
	}
	free(text);
	free(out);
}

static void test_listen_addresses(void)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	char err[200];
	CU_ASSERT_EQUAL(http_parse_listen("127.0.0.1:9587", &ss, &sl, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET);
	CU_ASSERT_EQUAL(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9587);
	CU_ASSERT_EQUAL(http_parse_listen("[::1]:0", &ss, &sl, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(ss.ss_family, AF_INET6);
	CU_ASSERT_EQUAL(http_parse_listen("::1:9587", &ss, &sl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(http_parse_listen("localhost:9587", &ss, &sl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(http_parse_listen("127.0.0.1", &ss, &sl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(http_parse_listen("127.0.0.1:65536", &ss, &sl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(http_parse_listen("[127.0.0.1]:80", &ss, &sl, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(http_parse_listen("", &ss, &sl, err, sizeof(err)), -EINVAL);
}

int register_metrics(void)
{
	CU_pSuite s = CU_add_suite("metrics", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "IPv6 and fwmark series are unique", test_unique_series) ||
	    !CU_add_test(s, "label escaping", test_label_escaping) ||
	    !CU_add_test(s, "counters and gauges", test_counters_and_gauges) ||
	    !CU_add_test(s, "health series", test_health_series) ||
	    !CU_add_test(s, "health reason values", test_health_reason_values) ||
	    !CU_add_test(s, "real-server modes and groups", test_rs_modes) ||
	    !CU_add_test(s, "the series budget (exporter.max_series)", test_series_budget) ||
	    !CU_add_test(s, "no snapshot, stale snapshot", test_no_snapshot) ||
	    !CU_add_test(s, "exact 64-bit counters and values", test_big_counters) ||
	    !CU_add_test(s, "gzip body round trip", test_gzip_body) ||
	    !CU_add_test(s, "streamed body, read back plain", test_streamed_body) ||
	    !CU_add_test(s, "gzip body in segments", test_segmented_body) ||
	    !CU_add_test(s, "listen addresses", test_listen_addresses))
		return -1;
	return 0;
}
