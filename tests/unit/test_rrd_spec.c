/* rrd files' shape: retention settings from the config turn into the
 * right RRA definitions, bad ones are refused with their line, data
 * sources and update lines, and the file-name scheme (unique and safe for
 * IPv6 and firewall marks, parsed back only in canonical form). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/lvsd_conf.h"
#include "exporter/history/rrd_spec.h"

static char tmpdir[64];

static int suite_init(void)
{
	strcpy(tmpdir, "/tmp/rrd_spec_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_conf(const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/lvsd.conf", tmpdir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

/* The create arguments as one string joined by spaces. */
static void args_of(const struct rrd_spec *s, bool service, char *out, size_t len)
{
	char defs[64][RRD_SPEC_DEF_MAX];
	int n = rrd_spec_create_args(s, service, defs, 64);
	CU_ASSERT_FATAL(n > 0);
	out[0] = 0;
	for (int i = 0; i < n; i++) {
		strncat(out, defs[i], len - strlen(out) - 2);
		strcat(out, " ");
	}
}

static void test_default_retention(void)
{
	struct rrd_spec s;
	char a[4096];
	rrd_spec_default(&s);
	args_of(&s, true, a, sizeof(a));
	/* 10 s for a day, 1 min for 30 days, 1 h for a year, with 10 s steps. */
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:1:8640 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:6:43200 "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:360:8760 "));
	CU_ASSERT_PTR_NULL(strstr(a, "RRA:MAX"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:conns:DERIVE:30:0:U "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:outbytes:DERIVE:30:0:U "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:active:GAUGE:30:0:U "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:real_servers:GAUGE:30:0:U "));
	/* A real server's file has no real-server count. */
	args_of(&s, false, a, sizeof(a));
	CU_ASSERT_PTR_NULL(strstr(a, "real_servers"));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:weight:GAUGE:30:0:U "));
	char defs[4][RRD_SPEC_DEF_MAX];
	CU_ASSERT_EQUAL(rrd_spec_create_args(&s, true, defs, 4), -ENOSPC);
}

static void test_config_retention(void)
{
	struct lvsd_config *c = NULL;
	char err[512] = "";
	const char *p = write_conf("history = {\n"
				   "  directory = \"/var/lib/lvstop/rrd\";\n"
				   "  step = 5;\n"
				   "  archives = [ \"5s:6h\", \"1min:7d\", \"1d:2y\" ];\n"
				   "  consolidation = [ \"AVERAGE\", \"MAX\" ];\n"
				   "  real_servers = true;\n"
				   "};\n");
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(p, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c->history_dir, "/var/lib/lvstop/rrd");
	CU_ASSERT_TRUE(c->history_rs);
	CU_ASSERT_EQUAL(c->history_spec.heartbeat, 15); /* three steps by default */
	char a[4096];
	args_of(&c->history_spec, true, a, sizeof(a));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "DS:conns:DERIVE:15:0:U "));
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:1:4320 "));  /* 5 s x 6 h */
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:12:10080 ")); /* 1 min x 7 d */
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:AVERAGE:0.5:17280:730 ")); /* 1 d x 2 y */
	CU_ASSERT_PTR_NOT_NULL(strstr(a, "RRA:MAX:0.5:12:10080 "));
	CU_ASSERT_PTR_NULL(strstr(a, "RRA:MIN"));
	lvsd_conf_free(c);

	/* Without a history group: off, default archives ready. */
	p = write_conf("daemon = { interval = 2; };\n");
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(p, &c, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(c->history_dir);
	CU_ASSERT_EQUAL(c->history_spec.n_rras, 3);
	CU_ASSERT_EQUAL(c->history_spec.rras[1].res, 60);
	CU_ASSERT_EQUAL(c->history_spec.rras[1].span, 30 * 86400);
	lvsd_conf_free(c);
}

static const struct bad {
	const char *text;
	int line;
	const char *words;
} bads[] = {
	{ "history = {\n  directory = \"/x\";\n  archives = [ \"15s:1d\" ];\n};\n", 3,
	  "not a multiple of the step" },
	{ "history = {\n  archives = [ \"1m:30d\" ];\n};\n", 2, "ambiguous" },
	{ "history = {\n  archives = [ \"1h:90min\" ];\n};\n", 2, "multiple of the resolution" },
	{ "history = {\n  archives = [ \"1h\" ];\n};\n", 2, "RESOLUTION:SPAN" },
	{ "history = {\n  consolidation = [ \"MEDIAN\" ];\n};\n", 2, "AVERAGE, MAX" },
	{ "history = {\n  step = 60;\n};\n", 1, "does not fit the step" },
	{ "history = {\n  heartbeat = 5;\n};\n", 1, "at least the step" },
	{ "history = {\n  directory = \"\";\n};\n", 2, "must not be empty" },
	{ "history = {\n  queue = 0;\n};\n", 2, "queue must be in 1..1000" },
	{ "history = {\n  dir = \"/x\";\n};\n", 2, "unknown key 'dir'" },
};

static void test_bad_retention(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct lvsd_config *c = NULL;
		char err[512] = "", want[32];
		const char *p = write_conf(bads[i].text);
		CU_ASSERT_EQUAL(lvsd_conf_load(p, &c, err, sizeof(err)), -EINVAL);
		CU_ASSERT_PTR_NULL(c);
		snprintf(want, sizeof(want), "lvsd.conf:%d: ", bads[i].line);
		if (!strstr(err, want) || !strstr(err, bads[i].words))
			fprintf(stderr, "\ncase %zu: got '%s'\n", i, err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bads[i].words));
	}
}

static void test_durations(void)
{
	unsigned v = 0;
	char err[200];
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("90", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 90);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("2min", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 120);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("1w", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 7 * 86400);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("1mo", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 30 * 86400);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("1y", &v, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(v, 365 * 86400);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("0h", &v, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("21y", &v, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("99999999999999999999d", &v, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("1x", &v, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown unit"));
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("-1h", &v, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(rrd_spec_parse_duration("", &v, err, sizeof(err)), -EINVAL);
}

static void svc(struct lvs_service *s, uint16_t af, uint16_t proto, const char *a, uint16_t port,
		uint32_t mark)
{
	memset(s, 0, sizeof(*s));
	s->af = af;
	s->protocol = proto;
	s->port = port;
	s->fwmark = mark;
	if (a)
		inet_pton(af, a, &s->addr);
}

static void test_ids(void)
{
	struct lvs_service s, back;
	char id[RRD_SPEC_ID_MAX], err[200];
	static const struct {
		uint16_t af, proto;
		const char *addr;
		uint16_t port;
		uint32_t mark;
		const char *id;
	} cases[] = {
		{ AF_INET, IPPROTO_TCP, "203.0.113.10", 80, 0, "tcp-203.0.113.10-80" },
		{ AF_INET, IPPROTO_UDP, "203.0.113.10", 80, 0, "udp-203.0.113.10-80" },
		{ AF_INET, IPPROTO_SCTP, "192.0.2.1", 3868, 0, "sctp-192.0.2.1-3868" },
		{ AF_INET6, IPPROTO_TCP, "2001:db8::1", 443, 0, "tcp-2001_db8__1-443" },
		{ AF_INET6, IPPROTO_TCP, "::ffff:192.0.2.1", 80, 0, "tcp-__ffff_192.0.2.1-80" },
		{ AF_INET6, IPPROTO_UDP, "::", 53, 0, "udp-__-53" },
		{ AF_INET, 0, NULL, 0, 42, "fwm-42" },
		{ AF_INET6, 0, NULL, 0, 42, "fwm6-42" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		svc(&s, cases[i].af, cases[i].proto, cases[i].addr, cases[i].port, cases[i].mark);
		CU_ASSERT_EQUAL(rrd_spec_service_id(&s, id, sizeof(id)), 0);
		CU_ASSERT_STRING_EQUAL(id, cases[i].id);
		for (const char *p = id; *p; p++)
			CU_ASSERT_PTR_NOT_NULL(strchr("abcdefghijklmnopqrstuvwxyz0123456789._-", *p));
		CU_ASSERT_EQUAL_FATAL(rrd_spec_parse_service_id(id, &back, err, sizeof(err)), 0);
		CU_ASSERT_EQUAL(back.af, s.af);
		CU_ASSERT_EQUAL(back.protocol, s.protocol);
		CU_ASSERT_EQUAL(back.port, s.port);
		CU_ASSERT_EQUAL(back.fwmark, s.fwmark);
		CU_ASSERT_EQUAL(memcmp(&back.addr, &s.addr, sizeof(s.addr)), 0);
	}
	static const char *const bad[] = {
		"tcp-2001_DB8__1-443", /* not canonical (upper case) */
		"tcp-2001_db8_0_0_0_0_0_1-443", /* not canonical (zeros) */
		"tcp-010.0.0.1-80", "tcp-10.0.0.1-080", "tcp-10.0.0.1-65536", "tcp-10.0.0.1-",
		"tcp-../../etc/passwd-80", "icmp-10.0.0.1-80", "fwm-0", "fwm-x", "fwm6-4294967296",
		"tcp-10.0.0.1", "", "tcp--80",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CU_ASSERT_EQUAL(rrd_spec_parse_service_id(bad[i], &back, err, sizeof(err)), -EINVAL);
		CU_ASSERT(err[0] != 0);
	}
	CU_ASSERT_EQUAL(rrd_spec_parse_service_id("tcp-2001_DB8__1-443", &back, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "tcp-2001_db8__1-443"));

	struct lvs_dest d, db;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET6;
	d.port = 8080;
	inet_pton(AF_INET6, "2001:db8:a::11", &d.addr);
	CU_ASSERT_EQUAL(rrd_spec_dest_id(&d, id, sizeof(id)), 0);
	CU_ASSERT_STRING_EQUAL(id, "2001_db8_a__11-8080");
	CU_ASSERT_EQUAL(rrd_spec_parse_dest_id(id, &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(db.af, AF_INET6);
	CU_ASSERT_EQUAL(db.port, 8080);
	CU_ASSERT_EQUAL(rrd_spec_parse_dest_id("192.0.2.11-0", &db, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(db.af, AF_INET);
	CU_ASSERT_EQUAL(rrd_spec_parse_dest_id("192.0.2.11", &db, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(rrd_spec_parse_dest_id("..-80", &db, err, sizeof(err)), -EINVAL);

	char path[64];
	CU_ASSERT_EQUAL(rrd_spec_path("/d", "fwm6-1", NULL, path, sizeof(path)), 0);
	CU_ASSERT_STRING_EQUAL(path, "/d/fwm6-1.rrd");
	CU_ASSERT_EQUAL(rrd_spec_path("/d", "fwm6-1", "2001_db8__1-80", path, sizeof(path)), 0);
	CU_ASSERT_STRING_EQUAL(path, "/d/fwm6-1/2001_db8__1-80.rrd");
	CU_ASSERT_EQUAL(rrd_spec_path("/d", "fwm6-1", "2001_db8__1-80", path, 10), -ENAMETOOLONG);
}

static void test_values(void)
{
	struct lvs_dest d[2];
	memset(d, 0, sizeof(d));
	d[0].stats = (struct lvs_stats){ 18446744073709551615ull, 2, 3, 4, 5 };
	d[0].active_conns = 7;
	d[0].inact_conns = 8;
	d[0].persist_conns = 9;
	d[0].weight = 3;
	d[1].active_conns = 1;
	d[1].weight = -1; /* never below zero in the file */
	struct lvs_service s;
	svc(&s, AF_INET, IPPROTO_TCP, "10.0.0.1", 80, 0);
	s.stats = (struct lvs_stats){ 10, 20, 30, 40, 50 };
	s.dests = d;
	s.n_dests = 2;
	char line[RRD_SPEC_LINE_MAX];
	CU_ASSERT_EQUAL(rrd_spec_values(1763700000.25, &s, NULL, line, sizeof(line)), 0);
	CU_ASSERT_STRING_EQUAL(line, "1763700000.250:10:20:30:40:50:8:8:9:3:2");
	CU_ASSERT_EQUAL(rrd_spec_values(1763700000.0, &s, &d[0], line, sizeof(line)), 0);
	CU_ASSERT_STRING_EQUAL(line, "1763700000.000:18446744073709551615:2:3:4:5:7:8:9:3");
	CU_ASSERT_EQUAL(rrd_spec_values(1763700000.0, &s, &d[1], line, sizeof(line)), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(line, ":0"));
	CU_ASSERT_EQUAL(rrd_spec_values(1763700000.0, &s, &d[0], line, 10), -ENOSPC);
}

int register_rrd_spec(void)
{
	CU_pSuite s = CU_add_suite("rrd_spec", suite_init, suite_clean);
	if (!s || !CU_add_test(s, "default retention", test_default_retention) ||
	    !CU_add_test(s, "retention from the config", test_config_retention) ||
	    !CU_add_test(s, "bad retention settings", test_bad_retention) ||
	    !CU_add_test(s, "durations", test_durations) ||
	    !CU_add_test(s, "file ids", test_ids) || !CU_add_test(s, "update lines", test_values))
		return -1;
	return 0;
}
