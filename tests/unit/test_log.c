#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "share/log.h"

/* Log into a pipe, run fn, read back what was written. */
static void capture(void (*fn)(void), char *out, size_t len)
{
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	log_open("lvsd", p[1]);
	fn();
	log_open(NULL, 2);
	close(p[1]);
	ssize_t n = read(p[0], out, len - 1);
	out[n > 0 ? n : 0] = 0;
	close(p[0]);
}

static void emit_levels(void)
{
	log_set_level(LVS_LOG_INFO);
	log_err("e %d", 1);
	log_warn("w");
	log_notice("n");
	log_info("i");
	log_debug("d (dropped)");
}

static void test_plain_levels(void)
{
	unsetenv("JOURNAL_STREAM");
	char out[512];
	capture(emit_levels, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "lvsd: e 1\nlvsd: w\nlvsd: n\nlvsd: i\n");
	CU_ASSERT_FALSE(log_enabled(LVS_LOG_DEBUG));
	log_set_level(LVS_LOG_DEBUG);
	CU_ASSERT_TRUE(log_enabled(LVS_LOG_DEBUG));
	log_set_level(LVS_LOG_INFO);
}

static int journal_fd = -1;

static void emit_journal(void)
{
	/* JOURNAL_STREAM names the fd's own device and inode. */
	struct stat st;
	CU_ASSERT_FATAL(fstat(journal_fd, &st) == 0);
	char v[64];
	snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", v, 1);
	log_open("lvsd", journal_fd);
	CU_ASSERT_TRUE(log_to_journal());
	log_err("down");
	log_notice("up");
	unsetenv("JOURNAL_STREAM");
}

static void test_journal_prefix(void)
{
	int p[2];
	CU_ASSERT_FATAL(pipe2(p, O_CLOEXEC) == 0);
	journal_fd = p[1];
	emit_journal();
	log_open(NULL, 2);
	CU_ASSERT_FALSE(log_to_journal());
	close(p[1]);
	char out[128];
	ssize_t n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = 0;
	close(p[0]);
	CU_ASSERT_STRING_EQUAL(out, "<3>down\n<5>up\n");
}

static void emit_wrong_stream(void)
{
	setenv("JOURNAL_STREAM", "1:1", 1); /* some other file */
	log_open("lvsd", 2);
	CU_ASSERT_FALSE(log_to_journal());
	unsetenv("JOURNAL_STREAM");
}

static void test_journal_only_when_same_file(void)
{
	emit_wrong_stream();
}

static void emit_controls(void)
{
	log_warn("peer said %s", "a\nlvsd: forged\x1b[31m");
}

static void test_controls_escaped(void)
{
	unsetenv("JOURNAL_STREAM");
	char out[256];
	capture(emit_controls, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "lvsd: peer said a\\x0alvsd: forged\\x1b[31m\n");
}

static void emit_long(void)
{
	char big[LOG_LINE_MAX * 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	log_info("%s", big);
}

static void test_long_line_cut(void)
{
	unsetenv("JOURNAL_STREAM");
	static char out[LOG_LINE_MAX * 3];
	capture(emit_long, out, sizeof(out));
	size_t n = strlen(out);
	CU_ASSERT(n <= LOG_LINE_MAX + 48);
	CU_ASSERT(n > LOG_LINE_MAX / 2);
	CU_ASSERT_EQUAL(strcmp(out + n - 4, "...\n"), 0);
	CU_ASSERT_PTR_NULL(memchr(out, '\n', n - 1)); /* one line */
}

static void test_clean(void)
{
	char d[64];
	CU_ASSERT_STRING_EQUAL(log_clean(d, sizeof(d), "ok text", 7), "ok text");
	CU_ASSERT_STRING_EQUAL(log_clean(d, sizeof(d), "a\\b\tc\xc3\xa9", 7), "a\\\\b\\x09c\\xc3\\xa9");
	/* n bounds the input; a NUL ends it early. */
	CU_ASSERT_STRING_EQUAL(log_clean(d, sizeof(d), "abcdef", 3), "abc");
	CU_ASSERT_STRING_EQUAL(log_clean(d, sizeof(d), "ab\0cd", 5), "ab");
	/* Cut whole escapes only. */
	CU_ASSERT_STRING_EQUAL(log_clean(d, 6, "ab\x01zz", 5), "ab");
	CU_ASSERT_STRING_EQUAL(log_clean(d, 1, "abc", 3), "");
}

int register_log(void)
{
	CU_pSuite s = CU_add_suite("log", NULL, NULL);
	if (!s || !CU_add_test(s, "plain lines and levels", test_plain_levels) ||
	    !CU_add_test(s, "journal priority prefix", test_journal_prefix) ||
	    !CU_add_test(s, "journal only when it is the same file", test_journal_only_when_same_file) ||
	    !CU_add_test(s, "control bytes escaped", test_controls_escaped) ||
	    !CU_add_test(s, "long line cut", test_long_line_cut) ||
	    !CU_add_test(s, "clean", test_clean))
		return -1;
	return 0;
}
