#include <CUnit/CUnit.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/state.h"

static char dir[64], path[128];

static int suite_init(void)
{
	snprintf(dir, sizeof(dir), "/tmp/lvstop-state-test.%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/sub/state.json", dir);
	return mkdir(dir, 0700) == 0 ? 0 : -1;
}

static int suite_clean(void)
{
	char sub[128];
	unlink(path);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
	return 0;
}

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
}

static void test_round_trip(void)
{
	struct lvs_state st = { 0 }, back = { 0 };
	struct lvs_state_entry e = { .service = "TCP 203.0.113.10:80", .server = "192.0.2.11:80",
				     .weight = 3, .since = 1790000000.5 };
	char err[LVS_ERR_MAX];

	CU_ASSERT_EQUAL(state_put(&st, &e), 0);
	snprintf(e.server, sizeof(e.server), "[2001:db8::11]:80");
	e.weight = 2147483647;
	e.draining = true;
	e.remove_at_zero = true;
	CU_ASSERT_EQUAL(state_put(&st, &e), 0);
	CU_ASSERT_EQUAL(st.n, 2);
	/* Replacing keeps one entry per real server. */
	e.weight = 7;
	CU_ASSERT_EQUAL(state_put(&st, &e), 0);
	CU_ASSERT_EQUAL(st.n, 2);

	/* The parent directory is created; no temporary file is left. */
	CU_ASSERT_EQUAL(state_save(&st, path, err, sizeof(err)), 0);
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	DIR *d = opendir(sub);
	CU_ASSERT_FATAL(d != NULL);
	int files = 0;
	for (struct dirent *de; (de = readdir(d));)
		if (de->d_name[0] != '.')
			files++;
	closedir(d);
	CU_ASSERT_EQUAL(files, 1);

	CU_ASSERT_EQUAL(state_load(&back, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(back.n, 2);
	struct lvs_state_entry *a = state_find(&back, "TCP 203.0.113.10:80", "192.0.2.11:80");
	CU_ASSERT_FATAL(a != NULL);
	CU_ASSERT_EQUAL(a->weight, 3);
	CU_ASSERT_FALSE(a->draining);
	CU_ASSERT_DOUBLE_EQUAL(a->since, 1790000000.5, 1e-3);
	struct lvs_state_entry *b = state_find(&back, "TCP 203.0.113.10:80", "[2001:db8::11]:80");
	CU_ASSERT_FATAL(b != NULL);
	CU_ASSERT_EQUAL(b->weight, 7);
	CU_ASSERT(b->draining && b->remove_at_zero);

	CU_ASSERT(state_remove(&back, "TCP 203.0.113.10:80", "192.0.2.11:80"));
	CU_ASSERT_FALSE(state_remove(&back, "TCP 203.0.113.10:80", "192.0.2.11:80"));
	CU_ASSERT_EQUAL(back.n, 1);
	state_done(&st);
	state_done(&back);
}

static void test_missing_and_bad(void)
{
	struct lvs_state st = { 0 };
	char err[LVS_ERR_MAX];

	unlink(path);
	CU_ASSERT_EQUAL(state_load(&st, path, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(st.n, 0);

	write_file("{ \"servers\": [ { \"service\": \"TCP 203.0.113.10:80\" ");
	CU_ASSERT_EQUAL(state_load(&st, path, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "not valid JSON"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, path));

	write_file("{ \"servers\": {} }");
	CU_ASSERT_EQUAL(state_load(&st, path, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "servers: expected an array"));

	write_file("{ \"servers\": [ { \"service\": \"TCP 203.0.113.10:80\", \"server\": \"192.0.2.11:80\", "
		   "\"weight\": -4 } ] }");
	CU_ASSERT_EQUAL(state_load(&st, path, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "servers[0].weight"));

	write_file("{ \"servers\": [ { \"server\": \"192.0.2.11:80\", \"weight\": 1 } ] }");
	CU_ASSERT_EQUAL(state_load(&st, path, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "servers[0].service"));
	CU_ASSERT_EQUAL(st.n, 0);

	/* An unwritable place: the error names the file. */
	struct lvs_state_entry e = { .service = "s", .server = "d", .weight = 1 };
	state_put(&st, &e);
	CU_ASSERT(state_save(&st, "/proc/lvstop-no/state.json", err, sizeof(err)) < 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/proc/lvstop-no/state.json"));
	state_done(&st);
	unlink(path);
}

static void test_env_override(void)
{
	setenv(LVS_STATE_ENV, "/tmp/elsewhere.json", 1);
	CU_ASSERT_STRING_EQUAL(state_default_path(), "/tmp/elsewhere.json");
	setenv(LVS_STATE_ENV, "", 1);
	CU_ASSERT_STRING_EQUAL(state_default_path(), LVS_STATE_PATH);
	unsetenv(LVS_STATE_ENV);
	CU_ASSERT_STRING_EQUAL(state_default_path(), "/var/lib/lvstop/state.json");
}

int register_state(void)
{
	CU_pSuite s = CU_add_suite("state", suite_init, suite_clean);
	if (!s || !CU_add_test(s, "save and load", test_round_trip) ||
	    !CU_add_test(s, "missing and malformed files", test_missing_and_bad) ||
	    !CU_add_test(s, "path from the environment", test_env_override))
		return -1;
	return 0;
}
