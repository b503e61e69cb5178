/* lvsd.conf's keys for the https and dns check kinds, and exec programs
 * judged as the engine will start them: good files give the spec, bad
 * ones name their file, line and what is wrong. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exporter/lvsd_conf.h"

static char dir[64];

static int suite_init(void)
{
	strcpy(dir, "/tmp/lvsd_conf_checks_XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *put(const char *name, const char *text, mode_t mode)
{
	static char path[4][128];
	static int k;
	char *p = path[k++ % 4];
	snprintf(p, 128, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
	return p;
}

static struct lvsd_config *load(const char *text, char *err, size_t len)
{
	struct lvsd_config *c = NULL;
	const char *path = put("lvsd.conf", text, 0644);
	if (lvsd_conf_load(path, &c, err, len) != 0)
		return NULL;
	return c;
}

static void test_https_keys(void)
{
	char text[1024], err[512] = "";
	const char *ca = put("ca.pem", "-----BEGIN CERTIFICATE-----\n", 0644);
	snprintf(text, sizeof(text),
	         "health = { default = { type = \"https\"; path = \"/health\"; host = \"www.test\";\n"
	         " sni = \"www.test\"; verify = true; ca_file = \"%s\"; expect_status = 200; }; };\n",
	         ca);
	struct lvsd_config *c = load(text, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const struct lvs_check_spec *s = &c->default_check.spec;
	CU_ASSERT_EQUAL(s->type, LVS_CHECK_HTTPS);
	CU_ASSERT_STRING_EQUAL(s->http_path, "/health");
	CU_ASSERT_STRING_EQUAL(s->tls_sni, "www.test");
	CU_ASSERT_STRING_EQUAL(s->tls_ca_file, ca);
	CU_ASSERT_TRUE(s->tls_verify);
	CU_ASSERT_EQUAL(s->http_status, 200);
	lvsd_conf_free(c);

	c = load("health = { default = { type = \"https\"; ca_file = \"/nonexistent/ca.pem\";\n"
	         " verify = true; }; };\n",
	         err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "lvsd.conf:1: cannot read ca_file /nonexistent/ca.pem"));
	c = load("health = { default = { type = \"http\";\n sni = \"x.test\"; }; };\n", err,
	         sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: sni does not apply to a http check"));
}

static void test_dns_keys(void)
{
	char err[512] = "";
	struct lvsd_config *c =
	        load("health = { default = { type = \"dns\"; name = \"www.example.test\";\n"
	             " query_type = \"AAAA\"; expect_address = \"2001:db8::10\"; }; };\n",
	             err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	const struct lvs_check_spec *s = &c->default_check.spec;
	CU_ASSERT_EQUAL(s->type, LVS_CHECK_DNS);
	CU_ASSERT_STRING_EQUAL(s->dns_name, "www.example.test");
	CU_ASSERT_EQUAL(s->dns_qtype, 28);
	CU_ASSERT_EQUAL(s->dns_expect_af, AF_INET6);
	lvsd_conf_free(c);
	c = load("health = { default = { type = \"dns\"; name = \"gone.test\";"
	         " expect_rcode = \"NXDOMAIN\"; }; };\n",
	         err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->default_check.spec.dns_rcode, 3);
	lvsd_conf_free(c);

	struct {
		const char *text, *words;
	} bad[] = {
		{"health = { default = { type = \"dns\"; }; };\n", "needs name"},
		{"health = { default = { type = \"dns\"; name = \"a.test\";\n query_type = \"BOGUS\"; }; };\n",
		 ":2: unknown query_type 'BOGUS' (A, AAAA"},
		{"health = { default = { type = \"dns\"; name = \"a.test\";\n expect_rcode = 99; }; };\n",
		 ":2:"},
		{"health = { default = { type = \"dns\"; name = \"a.test\";\n expect_address = \"nope\"; }; };\n",
		 ":2: expect_address must be a numeric"},
		{"health = { default = { type = \"dns\"; name = \"a..test\"; }; };\n", "DNS name"},
		{"health = { default = { type = \"tcp\";\n name = \"a.test\"; }; };\n",
		 ":2: name does not apply to a tcp check"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		c = load(bad[i].text, err, sizeof(err));
		CU_ASSERT_PTR_NULL(c);
		if (!strstr(err, bad[i].words))
			fprintf(stderr, "\n  dns case %zu: '%s' lacks '%s'\n", i, err, bad[i].words);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].words));
		lvsd_conf_free(c);
	}
}

static void test_exec_program(void)
{
	char text[1024], err[512] = "";
	const char *plain = put("check-without-shebang", "exit 0\n", 0755);
	snprintf(text, sizeof(text),
	         "health = { default = { type = \"exec\";\n argv = [ \"%s\" ]; }; };\n", plain);
	struct lvsd_config *c = load(text, err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, ":2: argv[0]: "));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "#!"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "Exec format error"));
	const char *script = put("check-with-shebang", "#!/bin/sh\nexit 0\n", 0755);
	snprintf(text, sizeof(text),
	         "health = { default = { type = \"exec\";\n argv = [ \"%s\" ]; }; };\n", script);
	c = load(text, err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(c);
	lvsd_conf_free(c);
}

int register_lvsd_conf_checks(void)
{
	CU_pSuite s = CU_add_suite("lvsd config: check kinds", suite_init, suite_clean);
	if (!s)
		return -1;
	if (!CU_add_test(s, "https keys", test_https_keys) ||
	    !CU_add_test(s, "dns keys", test_dns_keys) ||
	    !CU_add_test(s, "exec programs as spawn runs them", test_exec_program))
		return -1;
	return 0;
}
