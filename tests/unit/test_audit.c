#include <CUnit/CUnit.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/audit.h"

static json_object *parse(const char *line)
{
	json_tokener *tok = json_tokener_new();
	json_object *o = json_tokener_parse_ex(tok, line, (int)strlen(line));
	CU_ASSERT_EQUAL(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_free(tok);
	return o;
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static void test_format_ok(void)
{
	const char *before[] = { "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 3" };
	const char *after[] = { "-a -t 203.0.113.10:80 -r 192.0.2.11:80 -m -w 0" };
	struct lvs_audit_rec r = {
		.time = 1790000000.25, .user = "root", .sudo_user = "alice", .source = "cli",
		.action = "quiesce", .object = "TCP 203.0.113.10:80 -> 192.0.2.11:80",
		.before = before, .n_before = 1, .after = after, .n_after = 1, .ok = true,
	};
	char *line = audit_format(&r);
	CU_ASSERT_FATAL(line != NULL);
	CU_ASSERT_PTR_NULL(strchr(line, '\n')); /* one record, one line */
	json_object *o = parse(line);
	CU_ASSERT_STRING_EQUAL(str(o, "time"), "2026-09-21T14:13:20.250Z");
	CU_ASSERT_STRING_EQUAL(str(o, "user"), "root");
	CU_ASSERT_STRING_EQUAL(str(o, "sudo_user"), "alice");
	CU_ASSERT_STRING_EQUAL(str(o, "action"), "quiesce");
	CU_ASSERT_STRING_EQUAL(str(o, "object"), "TCP 203.0.113.10:80 -> 192.0.2.11:80");
	CU_ASSERT_STRING_EQUAL(str(o, "result"), "ok");
	CU_ASSERT_PTR_NULL(str(o, "error"));
	json_object *b;
	CU_ASSERT_FATAL(json_object_object_get_ex(o, "before", &b));
	CU_ASSERT_EQUAL(json_object_array_length(b), 1);
	CU_ASSERT_STRING_EQUAL(json_object_get_string(json_object_array_get_idx(b, 0)), before[0]);
	json_object_put(o);
	free(line);
}

static void test_format_failed(void)
{
	struct lvs_audit_rec r = {
		.time = 0, .user = "uid 1000", .sudo_user = "", .source = "console", .action = "load",
		.object = "rules \"x\"", .ok = false, .rolled_back = true,
		.error = "no virtual service TCP 203.0.113.10:80",
	};
	char *line = audit_format(&r);
	json_object *o = parse(line);
	json_object *v;
	CU_ASSERT(json_object_object_get_ex(o, "sudo_user", &v) && v == NULL); /* null when none */
	CU_ASSERT_STRING_EQUAL(str(o, "result"), "failed, rolled back");
	CU_ASSERT_STRING_EQUAL(str(o, "error"), "no virtual service TCP 203.0.113.10:80");
	CU_ASSERT_STRING_EQUAL(str(o, "object"), "rules \"x\""); /* escaped, parsed back */
	CU_ASSERT(json_object_object_get_ex(o, "before", &v) && json_object_array_length(v) == 0);
	json_object_put(o);
	free(line);
}

static void test_append(void)
{
	char dir[64], path[128];
	snprintf(dir, sizeof(dir), "/tmp/lvstop-audit-test.%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	struct lvs_audit_rec r = { .time = 1, .user = "root", .action = "zero", .object = "all", .ok = true };

	/* 0640 less the umask: a known umask, whatever the caller's */
	mode_t old_mask = umask(022);
	CU_ASSERT_EQUAL(audit_append(path, &r, false), 0); /* creates the directory */
	r.action = "flush";
	CU_ASSERT_EQUAL(audit_append(path, &r, false), 0);
	FILE *f = fopen(path, "r");
	CU_ASSERT_FATAL(f != NULL);
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof(line), f)) {
		CU_ASSERT_EQUAL(line[strlen(line) - 1], '\n');
		line[strlen(line) - 1] = '\0';
		json_object *o = parse(line);
		CU_ASSERT_STRING_EQUAL(str(o, "action"), n == 0 ? "zero" : "flush");
		json_object_put(o);
		n++;
	}
	fclose(f);
	CU_ASSERT_EQUAL(n, 2);
	struct stat sb;
	CU_ASSERT_EQUAL(stat(path, &sb), 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0777, 0640);
	umask(old_mask);
	unlink(path);
	rmdir(dir);
	CU_ASSERT(audit_append("/proc/lvstop-no/audit.log", &r, false) < 0);
}

/* Created by root in a folder another user owns (lvsd's, under its unit):
 * the file is that user's, so both can append; never world-writable. */
static void test_create_owner(void)
{
	char dir[64], path[96];
	struct stat sb;
	struct lvs_audit_rec r = { .time = 1, .user = "root", .source = "cli", .action = "quiesce",
				   .object = "x", .ok = true };
	snprintf(dir, sizeof(dir), "/tmp/lvstop-audit-own-%ld", (long)getpid());
	snprintf(path, sizeof(path), "%s/audit.log", dir);
	CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0750), 0);
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(chown(dir, 65534, 65534), 0);
		CU_ASSERT_EQUAL(audit_append(path, &r, false), 0);
		CU_ASSERT_EQUAL(stat(path, &sb), 0);
		CU_ASSERT_EQUAL(sb.st_uid, 65534);
		CU_ASSERT_EQUAL(sb.st_gid, 65534);
	} else {
		/* Not root: the file is ours, as before. */
		CU_ASSERT_EQUAL(audit_append(path, &r, false), 0);
		CU_ASSERT_EQUAL(stat(path, &sb), 0);
		CU_ASSERT_EQUAL(sb.st_uid, geteuid());
	}
	CU_ASSERT_EQUAL(sb.st_mode & 0002, 0);
	CU_ASSERT_EQUAL(sb.st_mode & 0600, 0600);
	unlink(path);
	rmdir(dir);
}

static void test_who(void)
{
	char user[64], sudo[64];
	setenv("SUDO_USER", "alice", 1);
	audit_who(user, sizeof(user), sudo, sizeof(sudo));
	CU_ASSERT_STRING_EQUAL(sudo, "alice");
	CU_ASSERT(user[0] != '\0');
	unsetenv("SUDO_USER");
	audit_who(user, sizeof(user), sudo, sizeof(sudo));
	CU_ASSERT_STRING_EQUAL(sudo, "");
	setenv(LVS_AUDIT_ENV, "/tmp/a.log", 1);
	CU_ASSERT_STRING_EQUAL(audit_default_path(), "/tmp/a.log");
	unsetenv(LVS_AUDIT_ENV);
	CU_ASSERT_STRING_EQUAL(audit_default_path(), "/var/log/lvstop/audit.log");
}

int register_audit(void)
{
	CU_pSuite s = CU_add_suite("audit", NULL, NULL);
	if (!s || !CU_add_test(s, "record of a change", test_format_ok) ||
	    !CU_add_test(s, "record of a failure", test_format_failed) ||
	    !CU_add_test(s, "append, one line each", test_append) ||
	    !CU_add_test(s, "created as root in another user's folder", test_create_owner) ||
	    !CU_add_test(s, "who", test_who))
		return -1;
	return 0;
}
