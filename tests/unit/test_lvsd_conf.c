/* lvsd's configuration: bad files each name their file and line, the
 * shipped example parses, defaults and inheritance, and the check set
 * built from a config and a table. */
#include <CUnit/CUnit.h>

#include "collector/declared/declared.h"
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/health/health_int.h"
#include "collector/snapshot.h"
#include "exporter/lvsd_checks.h"
#include "exporter/lvsd_conf.h"
#include "failmalloc.h"

static char tmpdir[64];

static int suite_init(void)
{
	strcpy(tmpdir, "/tmp/lvsd_conf_XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Write text to a file in tmpdir; returns its path (static buffer). */
static const char *write_conf(const char *name, const char *text)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	return path;
}

struct bad {
	const char *text;
	int line;          /* the line the error must name */
	const char *words; /* a piece of the message */
};

static const struct bad bads[] = {
	/* 1 unknown top-level key */
	{ "daemon = { interval = 2; };\nbogus = 1;\n", 2, "unknown key 'bogus'" },
	/* 2 unknown key in a section */
	{ "exporter = {\n  listn = \"127.0.0.1:9587\";\n};\n", 2, "unknown key 'listn'" },
	/* 3 bad listen address */
	{ "exporter = {\n  listen = \"1.2.3:80\";\n};\n", 2, "bad address" },
	/* 4 bad listen port */
	{ "exporter = {\n\n  listen = \"127.0.0.1:99999\";\n};\n", 3, "bad port" },
	/* 5 negative interval */
	{ "daemon = {\n  interval = -1.5;\n};\n", 2, "more than zero" },
	/* 6 zero check interval */
	{ "health = {\n  default = {\n    interval = 0;\n  };\n};\n", 3, "more than zero" },
	/* 7 unknown check type */
	{ "health = { default = {\n type = \"icmp\"; }; };\n", 2, "unknown check type 'icmp'" },
	/* 8 missing TLS files */
	{ "exporter = {\n tls_cert = \"/nonexistent/cert.pem\";\n tls_key = \"/nonexistent/key.pem\";\n};\n",
	  2, "cannot read /nonexistent/cert.pem" },
	/* 9 missing auth file */
	{ "exporter = {\n\n auth_file = \"/nonexistent/users\";\n};\n", 3, "cannot open auth file" },
	/* 10 exec program missing */
	{ "services = ( { service = \"tcp:192.0.2.1:80\";\n check = { type = \"exec\";\n argv = [ \"/nonexistent/check\" ]; }; } );\n",
	  3, "not an executable" },
	/* 11 bad service address */
	{ "services = (\n { service = \"tcp:300.1.1.1:80\"; }\n);\n", 2, "bad service" },
	/* 12 real server without a port */
	{ "services = ( { service = \"tcp:192.0.2.1:80\";\n real_servers = (\n { address = \"192.0.2.11\"; } ); } );\n",
	  3, "bad real server address" },
	/* 13 the same service twice */
	{ "services = (\n { service = \"tcp:192.0.2.1:80\"; },\n { service = \"tcp:192.0.2.1:80\"; }\n);\n",
	  3, "configured twice" },
	/* 14 a syntax error: libconfig's own message and line */
	{ "daemon = {\n  interval = 2;\n  read_connections = ;\n};\n", 3, "syntax error" },
	/* 15 rise 0 */
	{ "health = { default = {\n\n rise = 0; }; };\n", 3, "rise must be in 1..1000" },
	/* 16 a key of another check type */
	{ "health = { default = { type = \"tcp\";\n path = \"/\"; }; };\n", 2, "path does not apply" },
	/* 17 unknown real_servers mode */
	{ "exporter = {\n real_servers = \"some\";\n};\n", 2, "real_servers must be" },
	/* 18 unknown real_server_metrics entry */
	{ "exporter = {\n real_server_metrics = [ \"weight\",\n \"bogus\" ];\n};\n", 3,
	  "unknown real_server_metrics entry" },
	/* 19 IPv6 service without brackets */
	{ "services = ( { service = \"tcp:2001:db8::1:80\"; } );\n", 1, "bad service" },
	/* 20 negative timeout */
	{ "services = ( { service = \"fwm:7\";\n check = {\n timeout = -2; }; } );\n", 3, "more than zero" },
	/* 21 expected status out of range */
	{ "health = { default = { type = \"http\";\n expect_status = 99; }; };\n", 2, "expect_status" },
	/* 22 a certificate without its key */
	{ "exporter = {\n tls_cert = \"/etc/hostname\";\n};\n", 2, "both tls_cert and tls_key" },
	/* 23 a string where a boolean belongs */
	{ "services = ( { service = \"fwm6:3\";\n quiesce_on_failure = \"yes\"; } );\n", 2, "true or false" },
	/* 24 an unknown key in a real server */
	{ "services = ( { service = \"udp:[2001:db8::1]:53\";\n real_servers = ( { address = \"[2001:db8::2]:53\";\n weight = 3; } ); } );\n",
	  3, "unknown key 'weight'" },
	/* 25 fwmark 0 */
	{ "services = (\n { service = \"fwm:0\"; } );\n", 2, "bad service" },
	/* 26 a daemon interval below the floor */
	{ "daemon = {\n interval = 0.01;\n};\n", 2, "at least 0.1" },
	/* 27 http path without a slash */
	{ "health = { default = { type = \"http\";\n path = \"healthz\"; }; };\n", 2, "must start with '/'" },
	/* declared: both files named */
	{ "declared = {\n keepalived = \"/etc/keepalived/keepalived.conf\";\n lvs_cf = \"/etc/sysconfig/ha/lvs.cf\"; };\n",
	  1, "keepalived or lvs_cf, not both" },
	/* declared: an unknown key */
	{ "declared = {\n keepalive = \"/x\"; };\n", 2, "unknown key 'keepalive'" },
	/* a negative series budget */
	{ "exporter = {\n\n max_series = -1;\n};\n", 3, "max_series must be in 0..1000000000 (got -1)" },
	/* a series budget as text */
	{ "exporter = {\n max_series = \"500k\";\n};\n", 2, "max_series must be an integer" },
};

static void test_bad_configs(void)
{
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		char name[32], err[512] = "", want[160];
		snprintf(name, sizeof(name), "bad%02zu.conf", i + 1);
		const char *path = write_conf(name, bads[i].text);
		struct lvsd_config *c = NULL;
		int r = lvsd_conf_load(path, &c, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:%d: ", path, bads[i].line);
		bool ok = r == -EINVAL && !c && !strncmp(err, want, strlen(want)) &&
			  strstr(err, bads[i].words);
		if (!ok)
			fprintf(stderr, "\n  bad config %zu: rc %d, error '%s' (want '%s...%s')\n", i + 1,
				r, err, want, bads[i].words);
		CU_ASSERT(ok);
		lvsd_conf_free(c);
	}
}

static void test_missing_file(void)
{
	char err[256];
	struct lvsd_config *c = NULL;
	int r = lvsd_conf_load("/nonexistent/lvsd.conf", &c, err, sizeof(err));
	CU_ASSERT_EQUAL(r, -ENOENT);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/lvsd.conf:0: "));
}

/* An @include'd file's error names the included file and its line. */
static void test_include_names_file(void)
{
	write_conf("inc.conf", "exporter = {\n  threads = 0;\n};\n");
	char text[256], err[512];
	/* Relative to the including file's folder, not to the cwd. */
	snprintf(text, sizeof(text), "daemon = { interval = 2; };\n@include \"inc.conf\"\n");
	const char *path = write_conf("main.conf", text);
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL(lvsd_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	char want[160];
	snprintf(want, sizeof(want), "%s/inc.conf:2: ", tmpdir);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "threads"));
}

/* What the file says is quoted printable only: an include path or a key
 * with control bytes does not reach the terminal or the log as is. */
static void test_messages_printable(void)
{
	char err[512];
	struct lvsd_config *c = NULL;
	const char *path = write_conf("esc.conf", "@include \"\033[31mx\"\n");
	CU_ASSERT_EQUAL(lvsd_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "esc.conf:1: @include \"?[31mx\""));
	for (const char *e = err; *e; e++)
		CU_ASSERT((unsigned char)*e >= 0x20 && (unsigned char)*e <= 0x7e);
}

/* An @include that names no regular file is refused with FILE:LINE before
 * libconfig sees it: libconfig 1.5's scanner exit()s on an empty path or
 * a directory, which would end a daemon on reload. */
static void test_include_not_a_file(void)
{
	char sub[128], err[512], want[192];
	snprintf(sub, sizeof(sub), "%s/conf.d", tmpdir);
	CU_ASSERT_EQUAL_FATAL(mkdir(sub, 0755), 0);
	static const struct {
		const char *text;
		int line;
		const char *words;
	} cases[] = {
		{ "daemon = { interval = 2; };\n@include \"\"\n", 2, "empty path" },
		{ "daemon = { interval = 2; };\n\n  @include \"conf.d\"\n", 3, "is a directory" },
		{ "@include \"/dev/null\"\n", 1, "not a regular file" },
		{ "# a comment\n@include \"nope.conf\"\n", 2, "cannot read" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *path = write_conf("incmain.conf", cases[i].text);
		struct lvsd_config *c = NULL;
		err[0] = 0;
		int r = lvsd_conf_load(path, &c, err, sizeof(err));
		snprintf(want, sizeof(want), "%s:%d: ", path, cases[i].line);
		bool ok = r == -EINVAL && !c && !strncmp(err, want, strlen(want)) &&
			  strstr(err, cases[i].words);
		if (!ok)
			fprintf(stderr, "\n  include case %zu: rc %d, error '%s'\n", i + 1, r, err);
		CU_ASSERT(ok);
		lvsd_conf_free(c);
	}
	/* Nested: the included file's own line is named. */
	write_conf("inc2.conf", "daemon = {\n interval = 2; };\n@include \".\"\n");
	const char *path = write_conf("incmain.conf", "@include \"inc2.conf\"\n");
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL(lvsd_conf_load(path, &c, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want), "%s/inc2.conf:3: ", tmpdir);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "is a directory"));
	/* A NUL byte in a string hid the rest of its line from the scan,
	 * which then took the lines after it for the string's and missed
	 * an @include of a directory that libconfig followed: its scanner
	 * exit()ed (found by the lvsd_conf harness). */
	static const char nul[] = "daemon = { interval = 2; };\n"
				  "services = ( { service = \"tcp:203.\0.113.10:80\"; } );\n"
				  "  @include \".\"\n";
	snprintf(want, sizeof(want), "%s/nul.conf", tmpdir);
	FILE *f = fopen(want, "w");
	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT_EQUAL(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
	fclose(f);
	CU_ASSERT_EQUAL(lvsd_conf_load(want, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(c);
	strcat(want, ":2: a NUL byte");
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	/* Directives inside comments and strings are not directives. */
	path = write_conf("incmain.conf",
			  "/* old:\n@include \"\"\n*/\n# @include \"\"\n"
			  "exporter = { listen = \"127.0.0.1:9587\"; };\n");
	CU_ASSERT_EQUAL(lvsd_conf_load(path, &c, err, sizeof(err)), 0);
	lvsd_conf_free(c);
	c = NULL;
	/* A good include still works. */
	write_conf("inc3.conf", "daemon = { interval = 3; };\n");
	path = write_conf("incmain.conf", "@include \"inc3.conf\"\n");
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c->interval, 3.0, 1e-9);
	lvsd_conf_free(c);
	c = NULL;
	/* The configuration itself a directory. */
	CU_ASSERT_EQUAL(lvsd_conf_load(sub, &c, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
	CU_ASSERT_PTR_NULL(c);
}

struct walk_ctx {
	const char *path;
	char err[512];
};

static int load_once(void *arg)
{
	struct walk_ctx *w = arg;
	struct lvsd_config *c = NULL;
	w->err[0] = 0;
	int r = lvsd_conf_load(w->path, &c, w->err, sizeof(w->err));
	if (r) {
		/* A failure always says what failed. */
		if (!w->err[0] || c)
			return -EFAULT;
		return r;
	}
	lvsd_conf_free(c);
	return 0;
}

/* Every allocation the config parser makes, failed in turn: each run
 * gives -ENOMEM (with a message) or copes, never crashes, never leaks
 * (ASan's leak check in the sanitizer build). */
static void test_alloc_failures(void)
{
	char users[160], text[2048];
	snprintf(users, sizeof(users), "%s/walk.users", tmpdir);
	FILE *f = fopen(users, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs("prom:$6$salt$hash\nother:$6$salt$hash\n", f);
	fclose(f);
	write_conf("walk_inc.conf",
		   "services = (\n"
		   " { service = \"tcp:192.0.2.1:80\"; quiesce_on_failure = true;\n"
		   "   check = { type = \"http\"; path = \"/healthz\"; host = \"web\";\n"
		   "             expect_status = 200; expect_body = \"ok\"; };\n"
		   "   real_servers = ( { address = \"192.0.2.11:80\";\n"
		   "                      check = { type = \"tcp\"; port = 8080; }; },\n"
		   "                    { address = \"192.0.2.12:80\"; } ); },\n"
		   " { service = \"udp:[2001:db8::1]:53\";\n"
		   "   check = { type = \"udp\"; payload = \"ping\"; expect = \"pong\"; }; },\n"
		   " { service = \"fwm:7\";\n"
		   "   check = { type = \"exec\"; argv = [ \"/bin/true\", \"-x\", \"y\" ]; }; }\n"
		   ");\n");
	snprintf(text, sizeof(text),
		 "daemon = { interval = 1.5; };\n"
		 "exporter = { listen = \"[::1]:9587\"; auth_file = \"%s\";\n"
		 "             real_server_metrics = [ \"weight\", \"health\" ]; };\n"
		 "history = { directory = \"%s/rrd\"; real_servers = true; };\n"
		 "health = { default = { type = \"tcp\"; interval = 2; fall = 2; }; };\n"
		 "@include \"walk_inc.conf\"\n",
		 users, tmpdir);
	struct walk_ctx w = { .path = write_conf("walk.conf", text) };
	/* The run without failures is a real load. */
	CU_ASSERT_EQUAL_FATAL(load_once(&w), 0);
	struct failmalloc_walk fw;
	int r = failmalloc_walk(load_once, &w, 0, 2000, &fw);
	if (r)
		fprintf(stderr, "\n  allocation %lu of %lu: rc %d, error '%s'\n", fw.bad_n, fw.allocs,
			fw.bad_rc, w.err);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT(fw.allocs > 20);
}

static void test_example_parses(void)
{
	char err[512] = "";
	struct lvsd_config *c = NULL;
	int r = lvsd_conf_load("share/lvsd.conf.example", &c, err, sizeof(err));
	if (r)
		fprintf(stderr, "\n  share/lvsd.conf.example: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(r, 0);
	CU_ASSERT_DOUBLE_EQUAL(c->interval, 2.0, 1e-9);
	CU_ASSERT_STRING_EQUAL(c->listen, "127.0.0.1:9587");
	CU_ASSERT_EQUAL(c->history_budget, (size_t)8 << 20);
	CU_ASSERT_EQUAL(c->metrics.rs_mode, LVS_RS_ALL);
	CU_ASSERT_EQUAL(c->n_svcs, 4);
	CU_ASSERT_EQUAL(c->default_check.spec.fall, 3);
	const struct lvsd_svc_conf *s = &c->svcs[0];
	CU_ASSERT_EQUAL(s->protocol, IPPROTO_TCP);
	CU_ASSERT_EQUAL(s->port, 80);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->check);
	CU_ASSERT_EQUAL(s->check->spec.type, LVS_CHECK_HTTP);
	CU_ASSERT_STRING_EQUAL(s->check->spec.http_path, "/healthz");
	CU_ASSERT_EQUAL(s->check->spec.http_status, 200);
	CU_ASSERT_EQUAL(s->check->spec.fall, 2);
	/* Timing comes from health.default where the service's check is silent. */
	CU_ASSERT_EQUAL(s->check->spec.rise, 2);
	CU_ASSERT_EQUAL(s->n_rs, 2);
	CU_ASSERT_PTR_NULL(s->rs[0].check);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s->rs[1].check);
	CU_ASSERT_EQUAL(s->rs[1].check->spec.type, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(s->rs[1].check->spec.target_port, 8080);
	/* ...and a real server's check starts from its service's. */
	CU_ASSERT_DOUBLE_EQUAL(s->rs[1].check->spec.interval, 2.0, 1e-9);
	CU_ASSERT_EQUAL(c->svcs[1].af, AF_INET6);
	CU_ASSERT_EQUAL(c->svcs[2].check->spec.type, LVS_CHECK_UDP);
	CU_ASSERT_EQUAL(c->svcs[2].check->spec.udp_payload_len, 5);
	CU_ASSERT_EQUAL(c->svcs[3].fwmark, 1);
	lvsd_conf_free(c);
}

static void test_defaults(void)
{
	struct lvsd_config *c = lvsd_conf_default();
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->listen, "127.0.0.1:9587");
	CU_ASSERT_TRUE(c->default_checks);
	CU_ASSERT_EQUAL(c->default_check.spec.type, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(c->n_svcs, 0);
	CU_ASSERT_EQUAL(c->metrics.max_series, LVSD_DEFAULT_MAX_SERIES);
	CU_ASSERT_EQUAL(c->metrics.rs_groups, 0u);
	CU_ASSERT_EQUAL(c->history_budget, (size_t)2 << 20);
	lvsd_conf_free(c);
	/* An empty file is the defaults too. */
	char err[256];
	CU_ASSERT_EQUAL(lvsd_conf_load(write_conf("empty.conf", "# nothing\n"), &c, err, sizeof(err)), 0);
	CU_ASSERT_DOUBLE_EQUAL(c->interval, 2.0, 1e-9);
	CU_ASSERT_EQUAL(c->history_budget, (size_t)2 << 20);
	CU_ASSERT_EQUAL(c->metrics.max_series, LVSD_DEFAULT_MAX_SERIES);
	lvsd_conf_free(c);
	/* 0: no budget. */
	CU_ASSERT_EQUAL(lvsd_conf_load(write_conf("nolimit.conf", "exporter = { max_series = 0; };\n"), &c,
				       err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(c->metrics.max_series, 0u);
	lvsd_conf_free(c);
}

static void test_parse_service(void)
{
	struct lvsd_svc_conf s;
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("tcp:192.0.2.1:80", &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("udp:[2001:db8::1]:53", &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET6);
	CU_ASSERT_EQUAL(s.protocol, IPPROTO_UDP);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("fwm6:9", &s), 0);
	CU_ASSERT_EQUAL(s.af, AF_INET6);
	CU_ASSERT_EQUAL(s.fwmark, 9);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("fwm:0x10", &s), 0);
	CU_ASSERT_EQUAL(s.fwmark, 16);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("icmp:192.0.2.1:80", &s), -EINVAL);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("tcp:192.0.2.1:0", &s), -EINVAL);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("tcp:[192.0.2.1]:80", &s), -EINVAL);
	CU_ASSERT_EQUAL(lvsd_conf_parse_service("tcp:192.0.2.1", &s), -EINVAL);
}

/* A table: a configured IPv4 service with two real servers (one with its
 * own check) and an unconfigured one. */
static struct lvs_snapshot *table(void)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service sv = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &sv.addr.v4);
	snapshot_add_service(s, &sv);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .weight = 1 };
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	inet_pton(AF_INET, "192.0.2.12", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	inet_pton(AF_INET, "203.0.113.99", &sv.addr.v4);
	snapshot_add_service(s, &sv);
	inet_pton(AF_INET, "192.0.2.50", &d.addr.v4);
	snapshot_add_dest(s, 1, &d);
	snapshot_finish(s);
	return s;
}

static void test_checks_build(void)
{
	char err[512];
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load("share/lvsd.conf.example", &c, err, sizeof(err)), 0);
	struct lvs_snapshot *s = table();
	struct lvs_check_spec *v;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(lvsd_checks_build(c, s, true, &v, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 3);
	CU_ASSERT_EQUAL(v[0].type, LVS_CHECK_HTTP);
	CU_ASSERT_TRUE(v[0].per_service);
	CU_ASSERT_EQUAL(v[0].svc_port, 80);
	CU_ASSERT_EQUAL(v[1].type, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(v[1].target_port, 8080);
	CU_ASSERT_EQUAL(v[1].port, 80);
	/* The unconfigured service's real server: the default TCP check. */
	CU_ASSERT_EQUAL(v[2].type, LVS_CHECK_TCP);
	CU_ASSERT_FALSE(v[2].per_service);
	char a[16];
	inet_ntop(AF_INET, &v[2].addr, a, sizeof(a));
	CU_ASSERT_STRING_EQUAL(a, "192.0.2.50");
	uint64_t h = lvsd_checks_hash(v, n);
	CU_ASSERT_EQUAL(lvsd_checks_fingerprint(c, s, true), h);
	CU_ASSERT_NOT_EQUAL(lvsd_checks_fingerprint(c, s, false), h);
	free(v);
	/* Without defaults (a recording) only configured services are checked. */
	CU_ASSERT_EQUAL(lvsd_checks_build(c, s, false, &v, &n), 0);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_NOT_EQUAL(lvsd_checks_hash(v, n), h);
	CU_ASSERT_EQUAL(lvsd_checks_fingerprint(c, s, false), lvsd_checks_hash(v, n));
	free(v);
	/* The same inputs give the same fingerprint. */
	CU_ASSERT_EQUAL(lvsd_checks_build(c, s, true, &v, &n), 0);
	CU_ASSERT_EQUAL(lvsd_checks_hash(v, n), h);
	free(v);
	snapshot_unref(s);
	lvsd_conf_free(c);
}

/* Filled into an engine's set one spec at a time: the same specs, in the
 * same order, with no array of them. */
static void test_checks_fill(void)
{
	char err[512];
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load("share/lvsd.conf.example", &c, err, sizeof(err)), 0);
	struct lvs_snapshot *s = table();
	struct lvs_check_spec *v;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(lvsd_checks_build(c, s, true, &v, &n), 0);
	struct lvs_check_set *set = health_set_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(set);
	CU_ASSERT_EQUAL(lvsd_checks_fill(c, s, true, set), 0);
	CU_ASSERT_EQUAL_FATAL(health_set_size(set), n);
	for (size_t i = 0; i < n; i++) {
		struct lvs_check_spec got, want;
		char *blob;
		hc_set_spec(set, i, &got);
		CU_ASSERT_EQUAL_FATAL(hc_spec_copy(&want, &blob, &v[i]), 0);
		CU_ASSERT_TRUE(hc_spec_same(&got, &want));
		CU_ASSERT_EQUAL(got.af, want.af);
		CU_ASSERT_EQUAL(got.port, want.port);
		CU_ASSERT_EQUAL(memcmp(&got.addr, &want.addr, sizeof(got.addr)), 0);
		CU_ASSERT_EQUAL(got.per_service, want.per_service);
		CU_ASSERT_EQUAL(got.svc_port, want.svc_port);
		CU_ASSERT_PTR_EQUAL(got.user, v[i].user);
		free(blob);
	}
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_apply(h, set), 0);
	CU_ASSERT_EQUAL(health_count(h), n);
	health_free(h);
	free(v);
	snapshot_unref(s);
	lvsd_conf_free(c);
}

/* Unconfigured UDP services and port-less real servers get no default
 * TCP check: it would call healthy servers down. */
static void test_checks_skip(void)
{
	struct lvsd_config *c = lvsd_conf_default();
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service udp = { .af = AF_INET, .protocol = IPPROTO_UDP, .port = 53 };
	inet_pton(AF_INET, "203.0.113.53", &udp.addr.v4);
	snapshot_add_service(s, &udp);
	struct lvs_dest d = { .af = AF_INET, .port = 53 };
	inet_pton(AF_INET, "192.0.2.53", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	struct lvs_service fwm = { .af = AF_INET, .fwmark = 5 };
	snapshot_add_service(s, &fwm);
	d.port = 0;
	snapshot_add_dest(s, 1, &d);
	d.port = 443;
	snapshot_add_dest(s, 1, &d);
	snapshot_finish(s);
	struct lvs_check_spec *v;
	size_t n;
	CU_ASSERT_EQUAL(lvsd_checks_build(c, s, true, &v, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	CU_ASSERT_EQUAL(v[0].port, 443);
	for (size_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL(health_spec_check(&v[i], NULL, 0), 0);
	free(v);
	snapshot_unref(s);
	lvsd_conf_free(c);
}

/* Lookups by identity: fwmark services match on family and mark only. */
static void test_declared_file(void)
{
	struct lvsd_config *c = NULL;
	char err[512];
	const char *path = write_conf("declared.conf", "declared = { lvs_cf = \"/etc/ha/lvs.cf\"; };\n");
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(c->declared_path, "/etc/ha/lvs.cf");
	CU_ASSERT_EQUAL(c->declared_kind, LVS_DECL_LVSCF);
	lvsd_conf_free(c);
	path = write_conf("declared2.conf", "daemon = { interval = 2; };\n");
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load(path, &c, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(c->declared_path);
	CU_ASSERT_EQUAL(c->declared_kind, 0);
	lvsd_conf_free(c);
}

static void test_find(void)
{
	char err[512];
	struct lvsd_config *c = NULL;
	CU_ASSERT_EQUAL_FATAL(lvsd_conf_load("share/lvsd.conf.example", &c, err, sizeof(err)), 0);
	struct lvs_service sv = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &sv.addr.v4);
	const struct lvsd_svc_conf *k = lvsd_conf_find_service(c, &sv);
	CU_ASSERT_PTR_EQUAL(k, &c->svcs[0]);
	struct lvs_dest d = { .af = AF_INET, .port = 80 };
	inet_pton(AF_INET, "192.0.2.12", &d.addr.v4);
	CU_ASSERT_PTR_EQUAL(lvsd_conf_find_rs(c, k, &sv, &d), &c->svcs[0].rs[1]);
	d.port = 81;
	CU_ASSERT_PTR_NULL(lvsd_conf_find_rs(c, k, &sv, &d));
	sv.protocol = IPPROTO_UDP;
	CU_ASSERT_PTR_NULL(lvsd_conf_find_service(c, &sv));
	struct lvs_service fw = { .af = AF_INET, .fwmark = 1, .protocol = IPPROTO_TCP };
	CU_ASSERT_PTR_EQUAL(lvsd_conf_find_service(c, &fw), &c->svcs[3]);
	fw.af = AF_INET6;
	CU_ASSERT_PTR_NULL(lvsd_conf_find_service(c, &fw));
	lvsd_conf_free(c);
}

int register_lvsd_conf(void)
{
	CU_pSuite s = CU_add_suite("lvsd_conf", suite_init, suite_clean);
	if (!s)
		return -1;
	if (!CU_add_test(s, "bad configs name file and line", test_bad_configs) ||
	    !CU_add_test(s, "missing config file", test_missing_file) ||
	    !CU_add_test(s, "errors in @include files", test_include_names_file) ||
	    !CU_add_test(s, "messages are printable", test_messages_printable) ||
	    !CU_add_test(s, "@include of what is not a file", test_include_not_a_file) ||
	    !CU_add_test(s, "every allocation failing in turn", test_alloc_failures) ||
	    !CU_add_test(s, "share/lvsd.conf.example parses", test_example_parses) ||
	    !CU_add_test(s, "defaults", test_defaults) ||
	    !CU_add_test(s, "service syntax", test_parse_service) ||
	    !CU_add_test(s, "check set from config and table", test_checks_build) ||
	    !CU_add_test(s, "checks filled into a set", test_checks_fill) ||
	    !CU_add_test(s, "no default check where it cannot work", test_checks_skip) ||
	    !CU_add_test(s, "lookups by identity", test_find) ||
	    !CU_add_test(s, "the declared file", test_declared_file))
		return -1;
	return 0;
}
