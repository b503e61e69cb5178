/* Graph and history requests: good URLs parse into the object and the
 * window; bad ranges, names and arguments get 400 with a reason that
 * names the problem; a missing file is 404; history off says so. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/history/graph.h"
#include "exporter/history/graph_url.h"

#define NEWEST ((time_t)1763700000)
#define ARGS(...) ((const struct graph_arg[]){ __VA_ARGS__ })
#define NARGS(...) (sizeof((const struct graph_arg[]){ __VA_ARGS__ }) / sizeof(struct graph_arg))

static void test_good(void)
{
	struct graph_req r;
	char err[300] = "";
	CU_ASSERT_EQUAL_FATAL(graph_url_parse("service/tcp-203.0.113.10-80.png",
					      ARGS({ "metric", "bytes" }, { "range", "1h" }),
					      NARGS({ "metric", "bytes" }, { "range", "1h" }), NEWEST,
					      &r, err, sizeof(err)),
			      0);
	CU_ASSERT_FALSE(r.rs);
	CU_ASSERT_STRING_EQUAL(r.svc_id, "tcp-203.0.113.10-80");
	CU_ASSERT_EQUAL(r.svc.port, 80);
	CU_ASSERT_EQUAL(r.metric, GRAPH_BYTES);
	CU_ASSERT_EQUAL(r.end, NEWEST);
	CU_ASSERT_EQUAL(r.start, NEWEST - 3600);
	CU_ASSERT_EQUAL(r.width, GRAPH_DEFAULT_WIDTH);

	/* Defaults: conns over a day; a real server of an IPv6 fwmark service. */
	CU_ASSERT_EQUAL_FATAL(graph_url_parse("real-server/fwm6-7/2001_db8_a__11-80", NULL, 0,
					      NEWEST, &r, err, sizeof(err)),
			      0);
	CU_ASSERT_TRUE(r.rs);
	CU_ASSERT_EQUAL(r.svc.fwmark, 7);
	CU_ASSERT_EQUAL(r.svc.af, AF_INET6);
	CU_ASSERT_EQUAL(r.dest.af, AF_INET6);
	CU_ASSERT_STRING_EQUAL(r.rs_id, "2001_db8_a__11-80");
	CU_ASSERT_EQUAL(r.metric, GRAPH_CONNS);
	CU_ASSERT_EQUAL(r.end - r.start, 86400);

	/* start and end; end and range; start and range; sizes. */
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1",
					ARGS({ "start", "1763600000" }, { "end", "1763650000" },
					     { "width", "800" }, { "height", "200" }),
					4, NEWEST, &r, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(r.start, 1763600000);
	CU_ASSERT_EQUAL(r.end, 1763650000);
	CU_ASSERT_EQUAL(r.width, 800);
	CU_ASSERT_EQUAL(r.height, 200);
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1", ARGS({ "end", "1763650000" }, { "range", "1w" }),
					2, NEWEST, &r, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(r.start, 1763650000 - 7 * 86400);
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1", ARGS({ "start", "1763600000" }, { "range", "1mo" }),
					2, NEWEST, &r, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(r.end, 1763600000 + 30 * 86400);
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1", ARGS({ "start", "1763600000" }), 1, NEWEST,
					&r, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(r.end, NEWEST);
}

static const struct bad {
	const char *path;
	struct graph_arg args[3];
	size_t n;
	const char *words;
} bads[] = {
	{ "service/tcp-203.0.113.10-80", { { "range", "1m" } }, 1, "ambiguous" },
	{ "service/tcp-203.0.113.10-80", { { "range", "1fortnight" } }, 1, "unknown unit" },
	{ "service/tcp-203.0.113.10-80", { { "range", "-1h" } }, 1, "range" },
	{ "service/tcp-203.0.113.10-80", { { "range", "5s" } }, 1, "out of range" },
	{ "service/tcp-203.0.113.10-80", { { "range", "30y" } }, 1, "out of range" },
	{ "service/tcp-203.0.113.10-80", { { "start", "yesterday" } }, 1, "Unix seconds" },
	{ "service/tcp-203.0.113.10-80", { { "start", "200" }, { "end", "100" } }, 2, "before it starts" },
	{ "service/tcp-203.0.113.10-80",
	  { { "start", "100" }, { "end", "200" }, { "range", "1h" } }, 3, "at most two" },
	{ "service/tcp-203.0.113.10-80", { { "end", "100" } }, 1, "before 1970" },
	{ "service/tcp-203.0.113.10-80", { { "metric", "cpu" } }, 1, "unknown metric 'cpu'" },
	{ "service/tcp-203.0.113.10-80", { { "colour", "red" } }, 1, "unknown argument 'colour'" },
	{ "service/tcp-203.0.113.10-80", { { "range", "1h" }, { "range", "1d" } }, 2, "given twice" },
	{ "service/tcp-203.0.113.10-80", { { "range", NULL } }, 1, "no value" },
	{ "service/tcp-203.0.113.10-80", { { "width", "20000" } }, 1, "200..2000" },
	{ "service/tcp-203.0.113.10-80", { { "height", "1e3" } }, 1, "80..1000" },
	{ "service/tcp-203.0.113.300-80", { { 0 } }, 0, "bad service id" },
	{ "service/tcp-2001:db8::1-80", { { 0 } }, 0, "bad service id" },
	{ "service/..%2f..%2fetc%2fpasswd", { { 0 } }, 0, "bad service id" },
	{ "service/../../etc/passwd", { { 0 } }, 0, "expected /graph/service" },
	{ "service/tcp-10.0.0.1-80/extra", { { 0 } }, 0, "expected /graph/service" },
	{ "service/", { { 0 } }, 0, "expected /graph/service" },
	{ "real-server/tcp-10.0.0.1-80", { { 0 } }, 0, "expected /graph/service" },
	{ "real-server/tcp-10.0.0.1-80/10.0.0.2", { { 0 } }, 0, "bad real server id" },
	{ "real-server/tcp-10.0.0.1-80/10.0.0.2-80/x", { { 0 } }, 0, "expected /graph/service" },
	{ "host/tcp-10.0.0.1-80", { { 0 } }, 0, "expected /graph/service" },
	{ "service/fwm-0", { { 0 } }, 0, "firewall mark" },
	{ "service/TCP-10.0.0.1-80", { { 0 } }, 0, "starts with tcp-" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct graph_req r;
		char err[300] = "";
		int rc = graph_url_parse(bads[i].path, bads[i].args, bads[i].n, NEWEST, &r, err,
					 sizeof(err));
		CU_ASSERT_EQUAL(rc, -EINVAL);
		if (!strstr(err, bads[i].words))
			fprintf(stderr, "\ncase %zu (%s): got '%s'\n", i, bads[i].path, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].words));
	}
}

static void test_history_args(void)
{
	struct graph_req r;
	char err[300] = "";
	CU_ASSERT_EQUAL_FATAL(graph_url_parse_history(ARGS({ "service", "udp-2001_db8__53-53" },
							   { "real_server", "192.0.2.1-53" },
							   { "range", "2h" }, { "resolution", "1min" },
							   { "cf", "MAX" }),
						      5, NEWEST, &r, err, sizeof(err)),
			      0);
	CU_ASSERT_TRUE(r.rs);
	CU_ASSERT_EQUAL(r.resolution, 60);
	CU_ASSERT_EQUAL(r.cf, RRD_CF_MAX);
	CU_ASSERT_EQUAL(r.end - r.start, 7200);
	CU_ASSERT_EQUAL(graph_url_parse_history(ARGS({ "range", "2h" }), 1, NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "service=ID is required"));
	CU_ASSERT_EQUAL(graph_url_parse_history(ARGS({ "service", "fwm-1" }, { "cf", "MEDIAN" }), 2,
						NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cf='MEDIAN'"));
	CU_ASSERT_EQUAL(graph_url_parse_history(ARGS({ "service", "fwm-1" }, { "metric", "conns" }), 2,
						NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown argument 'metric'"));
	CU_ASSERT_EQUAL(graph_url_parse_history(ARGS({ "service", "fwm-1" }, { "resolution", "1m" }),
						2, NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "resolution"));
}

/* Through the HTTP-facing entry point: status codes and reasons. */
/* A refusal quotes the request's own bytes: they come back printable, on
 * one line, whatever the client sent. */
static void test_reason_printable(void)
{
	struct graph_req r;
	char err[300];
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1", ARGS({ "\036ange\n", "1h" }), 1, NEWEST,
					&r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown argument '?ange?'"));
	CU_ASSERT_EQUAL(graph_url_parse("service/fwm-1", ARGS({ "metric", "\033[31mred" }), 1,
					NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown metric '?[31mred'"));
	CU_ASSERT_EQUAL(graph_url_parse_history(ARGS({ "service", "fwm-1" }, { "cf", "MAX\r" }), 2,
						NEWEST, &r, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cf='MAX?'"));
	time_t s, e;
	CU_ASSERT_EQUAL(graph_url_window("1\x7f", NULL, NULL, NEWEST, &s, &e, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "start='1?'"));
}

static void test_handle(void)
{
	struct graph_reply g;
	CU_ASSERT_EQUAL(graph_handle(NULL, "/metrics", NULL, 0, &g), -ENOENT);
	CU_ASSERT_EQUAL_FATAL(graph_handle(NULL, "/graph/service/fwm-1", NULL, 0, &g), 0);
	CU_ASSERT_EQUAL(g.status, 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(g.body, "history is off"));
	free(g.body);

	char dir[] = "/tmp/graph_url_XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	struct rrd_store_opts o = { .dir = dir };
	rrd_spec_default(&o.spec);
	rrd_store *st = rrd_store_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(st);
	CU_ASSERT_EQUAL_FATAL(graph_handle(st, "/graph/service/fwm-1", ARGS({ "range", "1m" }), 1, &g),
			      0);
	CU_ASSERT_EQUAL(g.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(g.body, "bad request: range: ambiguous unit"));
	free(g.body);
	CU_ASSERT_EQUAL_FATAL(graph_handle(st, "/graph/service/fwm-1", NULL, 0, &g), 0);
	CU_ASSERT_EQUAL(g.status, 404);
	CU_ASSERT_PTR_NOT_NULL(strstr(g.body, "no history for fwm-1"));
	free(g.body);
	CU_ASSERT_EQUAL_FATAL(graph_handle(st, "/api/v1/history", ARGS({ "service", "x" }), 1, &g), 0);
	CU_ASSERT_EQUAL(g.status, 400);
	CU_ASSERT_PTR_NOT_NULL(strstr(g.body, "bad service id"));
	free(g.body);
	rrd_store_free(st);
	CU_ASSERT_EQUAL(rmdir(dir), 0);
}

/* Titles read as the operator writes the object, never the file id. */
static void test_titles(void)
{
	const char *const urls[] = { "service/tcp-203.0.113.10-80.png", "service/udp-2001_db8__1-53.png",
				     "real-server/fwm6-7/2001_db8_a__11-80.png",
				     "real-server/tcp-203.0.113.10-80/10.1.0.2-8080.png" };
	const char *const want[] = { "TCP 203.0.113.10:80", "UDP [2001:db8::1]:53",
				     "FWM 7 (IPv6) [2001:db8:a::11]:80", "TCP 203.0.113.10:80 10.1.0.2:8080" };
	for (size_t i = 0; i < 4; i++) {
		struct graph_req r;
		char err[300] = "", t[256];
		CU_ASSERT_EQUAL_FATAL(graph_url_parse(urls[i], NULL, 0, NEWEST, &r, err, sizeof(err)), 0);
		graph_title(&r, t, sizeof(t));
		CU_ASSERT_STRING_EQUAL(t, want[i]);
	}
}

int register_graph_url(void)
{
	CU_pSuite s = CU_add_suite("graph_url", NULL, NULL);
	if (!s || !CU_add_test(s, "good requests", test_good) ||
	    !CU_add_test(s, "bad requests and their reasons", test_bad) ||
	    !CU_add_test(s, "history arguments", test_history_args) ||
	    !CU_add_test(s, "reasons are printable", test_reason_printable) ||
	    !CU_add_test(s, "status codes", test_handle) ||
	    !CU_add_test(s, "titles", test_titles))
		return -1;
	return 0;
}
