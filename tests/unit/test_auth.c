/* Basic auth: the users file, the Authorization header (a NUL inside is
 * refused), and the bounds on crypt(3) work: verified and failed pairs
 * cached, a per-client budget, unknown names costing a crypt like known
 * ones. */
#include <CUnit/CUnit.h>
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exporter/http/auth.h"

static char users_path[64];

static int suite_init(void)
{
	strcpy(users_path, "/tmp/lvsd_auth_XXXXXX");
	int fd = mkstemp(users_path);
	if (fd < 0)
		return -1;
	struct crypt_data cd = { 0 };
	const char *h = crypt_rn("s3cret", "$6$saltsaltsalt$", &cd, (int)sizeof(cd));
	if (!h || h[0] != '$')
		return -1;
	FILE *f = fdopen(fd, "w");
	fprintf(f, "# scrapers\n\nprom:%s\nother:%s\n", h, h);
	fclose(f);
	return 0;
}

static int suite_clean(void)
{
	unlink(users_path);
	return 0;
}

static int parse(const char *header, char **u, char **p)
{
	return auth_parse_basic(header, u, p);
}

static void test_parse_basic(void)
{
	char *u, *p;
	/* "prom:s3cret" */
	CU_ASSERT_EQUAL_FATAL(parse("Basic cHJvbTpzM2NyZXQ=", &u, &p), 0);
	CU_ASSERT_STRING_EQUAL(u, "prom");
	CU_ASSERT_STRING_EQUAL(p, "s3cret");
	free(u);
	free(p);
	/* "a:b:c": the password holds a colon */
	CU_ASSERT_EQUAL_FATAL(parse("basic YTpiOmM=", &u, &p), 0);
	CU_ASSERT_STRING_EQUAL(p, "b:c");
	free(u);
	free(p);
	/* "prom:s3cret\0": a trailing NUL must not pass as "s3cret" */
	CU_ASSERT_EQUAL(parse("Basic cHJvbTpzM2NyZXQA", &u, &p), -EINVAL);
	CU_ASSERT_PTR_NULL(u);
	/* "pr\0m:x" */
	CU_ASSERT_EQUAL(parse("Basic cHIAbTp4", &u, &p), -EINVAL);
	/* no colon ("prom") */
	CU_ASSERT_EQUAL(parse("Basic cHJvbQ==", &u, &p), -EINVAL);
	/* not Basic, not base64, bad padding, empty */
	CU_ASSERT_EQUAL(parse("Bearer cHJvbTpzM2NyZXQ=", &u, &p), -EINVAL);
	CU_ASSERT_EQUAL(parse("Basic cHJv*TpzM2NyZXQ=", &u, &p), -EINVAL);
	CU_ASSERT_EQUAL(parse("Basic cH=vbTpz", &u, &p), -EINVAL);
	CU_ASSERT_EQUAL(parse("Basic ", &u, &p), -EINVAL);
	CU_ASSERT_EQUAL(parse(NULL, &u, &p), -EINVAL);
}

static void test_load(void)
{
	char err[256];
	struct http_auth *a = NULL;
	CU_ASSERT_EQUAL_FATAL(auth_load(users_path, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(auth_users(a), 2);
	auth_free(a);
	CU_ASSERT_EQUAL(auth_load("/nonexistent/users", &a, err, sizeof(err)), -ENOENT);
	char bad[] = "/tmp/lvsd_auth_bad_XXXXXX";
	int fd = mkstemp(bad);
	CU_ASSERT_FATAL(fd >= 0);
	CU_ASSERT(write(fd, "ok:$6$x$y\nnohash\n", 17) == 17);
	close(fd);
	CU_ASSERT_EQUAL(auth_load(bad, &a, err, sizeof(err)), -EINVAL);
	char want[80];
	snprintf(want, sizeof(want), "%s:2: ", bad);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
	unlink(bad);
}

static void test_check_costs(void)
{
	char err[256];
	struct http_auth *a = NULL;
	CU_ASSERT_EQUAL_FATAL(auth_load(users_path, &a, err, sizeof(err)), 0);
	const unsigned char k1[4] = { 127, 0, 0, 1 }, k2[4] = { 127, 0, 0, 2 };
	double t = 100;
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "s3cret", t), AUTH_OK);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 1);
	/* The same pair again: from the cache, no crypt. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "s3cret", t), AUTH_OK);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 1);
	/* A wrong password: one crypt, then cached as failed. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "guess", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 2);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "guess", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 2);
	/* A prefix of the right password is not it. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "s3cre", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 3);
	/* An unknown name costs a crypt too, so timing does not tell it. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "nobody", "s3cret", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 4);
	/* The cached good pair is not lent to another name. */
	CU_ASSERT_EQUAL(auth_check(a, k2, 4, "other", "s3cret", t), AUTH_OK);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 5);
	/* k1 has spent its burst (4 of AUTH_BURST 5): one more, then limited. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "g1", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "g2", t), AUTH_LIMITED);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "nobody", "g3", t), AUTH_LIMITED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 6);
	/* Cached answers need no budget. */
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "s3cret", t), AUTH_OK);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "guess", t), AUTH_DENIED);
	/* Another client has its own budget; k1's refills at AUTH_RATE. */
	CU_ASSERT_EQUAL(auth_check(a, k2, 4, "prom", "g4", t), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "g5", t + 1.0 / AUTH_RATE), AUTH_DENIED);
	CU_ASSERT_EQUAL(auth_check(a, k1, 4, "prom", "g6", t + 1.0 / AUTH_RATE), AUTH_LIMITED);
	CU_ASSERT_EQUAL(auth_crypt_runs(a), 8);
	auth_free(a);
}

int register_auth(void)
{
	CU_pSuite s = CU_add_suite("auth", suite_init, suite_clean);
	if (!s)
		return -1;
	if (!CU_add_test(s, "Authorization header", test_parse_basic) ||
	    !CU_add_test(s, "users file", test_load) ||
	    !CU_add_test(s, "crypt work is bounded", test_check_costs))
		return -1;
	return 0;
}
