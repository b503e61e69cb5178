/* dirs: directories made with their parents, with the modes asked for, and
 * removed again up to the outermost one made. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/dirs.h"

static char root[64];

static int suite_init(void)
{
	snprintf(root, sizeof(root), "/tmp/lvstop-dirs.XXXXXX");
	return mkdtemp(root) ? 0 : -1;
}

static int suite_clean(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static mode_t mode_of(const char *p)
{
	struct stat sb;
	return stat(p, &sb) == 0 ? (sb.st_mode & 07777) : (mode_t)-1;
}

static void test_make_parents(void)
{
	char file[256], top[4096], p[256];
	mode_t old = umask(022);

	snprintf(file, sizeof(file), "%s/var/lib/lvstop/state.json", root);
	CU_ASSERT_EQUAL(dirs_make_for(file, 0750, 0755, top, sizeof(top)), 0);
	snprintf(p, sizeof(p), "%s/var", root);
	CU_ASSERT_STRING_EQUAL(top, p);
	CU_ASSERT_EQUAL(mode_of(p), 0755);
	snprintf(p, sizeof(p), "%s/var/lib", root);
	CU_ASSERT_EQUAL(mode_of(p), 0755);
	snprintf(p, sizeof(p), "%s/var/lib/lvstop", root);
	CU_ASSERT_EQUAL(mode_of(p), 0750);
	CU_ASSERT_EQUAL(mode_of(file), (mode_t)-1); /* the file itself is not made */

	/* Again: nothing to make, nothing reported. */
	CU_ASSERT_EQUAL(dirs_make_for(file, 0750, 0755, top, sizeof(top)), 0);
	CU_ASSERT_STRING_EQUAL(top, "");

	/* A missing leaf below an existing parent. */
	snprintf(file, sizeof(file), "%s/var/log//lvstop/audit.log", root);
	CU_ASSERT_EQUAL(dirs_make_for(file, 0700, 0755, top, sizeof(top)), 0);
	snprintf(p, sizeof(p), "%s/var/log", root);
	CU_ASSERT_STRING_EQUAL(top, p);
	snprintf(p, sizeof(p), "%s/var/log/lvstop", root);
	CU_ASSERT_EQUAL(mode_of(p), 0700);

	/* A file in the way. */
	snprintf(p, sizeof(p), "%s/plain", root);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	snprintf(file, sizeof(file), "%s/plain/sub/state.json", root);
	CU_ASSERT_EQUAL(dirs_make_for(file, 0755, 0755, NULL, 0), -ENOTDIR);
	snprintf(file, sizeof(file), "%s/plain/state.json", root);
	CU_ASSERT_EQUAL(dirs_make_for(file, 0755, 0755, NULL, 0), -ENOTDIR);
	/* No directory part: nothing to make. */
	CU_ASSERT_EQUAL(dirs_make_for("state.json", 0755, 0755, top, sizeof(top)), 0);
	CU_ASSERT_STRING_EQUAL(top, "");
	umask(old);
}

static void test_unmake(void)
{
	char file[256], top[4096], p[256];

	snprintf(file, sizeof(file), "%s/u/a/b/state.json", root);
	CU_ASSERT_EQUAL(dirs_make_for(file, 0755, 0755, top, sizeof(top)), 0);
	/* Removed up to the outermost one made, and no further. */
	dirs_unmake_for(file, top);
	snprintf(p, sizeof(p), "%s/u", root);
	CU_ASSERT_EQUAL(mode_of(p), (mode_t)-1);
	CU_ASSERT_NOT_EQUAL(mode_of(root), (mode_t)-1);

	/* A directory that is not empty stays, and so do those above it. */
	CU_ASSERT_EQUAL(dirs_make_for(file, 0755, 0755, top, sizeof(top)), 0);
	snprintf(p, sizeof(p), "%s/u/a/keep", root);
	FILE *f = fopen(p, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fclose(f);
	dirs_unmake_for(file, top);
	snprintf(p, sizeof(p), "%s/u/a/b", root);
	CU_ASSERT_EQUAL(mode_of(p), (mode_t)-1);
	snprintf(p, sizeof(p), "%s/u/a", root);
	CU_ASSERT_NOT_EQUAL(mode_of(p), (mode_t)-1);
	/* Nothing made: nothing removed. */
	snprintf(file, sizeof(file), "%s/u/a/state.json", root);
	dirs_unmake_for(file, "");
	CU_ASSERT_NOT_EQUAL(mode_of(p), (mode_t)-1);
}

int register_dirs(void)
{
	CU_pSuite s = CU_add_suite("dirs", suite_init, suite_clean);
	if (!s || !CU_add_test(s, "made with parents and modes", test_make_parents) ||
	    !CU_add_test(s, "removed up to what was made", test_unmake))
		return -1;
	return 0;
}
