#include <CUnit/CUnit.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "failmalloc.h"
#include "share/file.h"

static char dir[] = "/tmp/lvstop-file-XXXXXX";
static char path[64];

static int setup(void)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/f", dir);
	return 0;
}

static int teardown(void)
{
	unlink(path);
	return rmdir(dir);
}

static void write_file(const void *p, size_t n)
{
	FILE *f = fopen(path, "we");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(p, 1, n, f), n);
	fclose(f);
}

static void test_whole_file(void)
{
	/* Larger than one read chunk, with a NUL inside. */
	size_t n = 100000;
	char *data = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(data);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	data[5] = 0;
	write_file(data, n);
	struct lvs_buf b = LVS_BUF_INIT;
	CU_ASSERT_EQUAL(buf_puts(&b, "old"), 0);
	CU_ASSERT_EQUAL(file_read(path, 0, &b), 0);
	CU_ASSERT_EQUAL(b.len, n);
	CU_ASSERT_EQUAL(memcmp(b.p, data, n), 0);
	CU_ASSERT_EQUAL(b.p[n], 0);
	/* Exactly at the cap is fine, one byte over is not. */
	CU_ASSERT_EQUAL(file_read(path, n, &b), 0);
	CU_ASSERT_EQUAL(file_read(path, n - 1, &b), -EFBIG);
	CU_ASSERT_EQUAL(b.len, 0);
	buf_free(&b);
	free(data);
}

static void test_empty_file(void)
{
	write_file("", 0);
	struct lvs_buf b = LVS_BUF_INIT;
	CU_ASSERT_EQUAL(file_read(path, 10, &b), 0);
	CU_ASSERT_EQUAL(b.len, 0);
	CU_ASSERT_STRING_EQUAL(b.p, "");
	buf_free(&b);
}

static void test_errors(void)
{
	struct lvs_buf b = LVS_BUF_INIT;
	char missing[80];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	CU_ASSERT_EQUAL(file_read(missing, 0, &b), -ENOENT);
	CU_ASSERT_EQUAL(file_read(dir, 0, &b), -EISDIR);
	write_file("abc", 3);
	failmalloc_arm(1);
	int r = file_read(path, 0, &b);
	failmalloc_disarm();
	CU_ASSERT_EQUAL(r, -ENOMEM);
	CU_ASSERT_EQUAL(b.len, 0);
	buf_free(&b);
}

static void test_fd_and_stream(void)
{
	write_file("line one\nline two\n", 18);
	struct lvs_buf b = LVS_BUF_INIT;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	CU_ASSERT_FATAL(fd >= 0);
	char c;
	CU_ASSERT_EQUAL(read(fd, &c, 1), 1); /* from where the fd is */
	CU_ASSERT_EQUAL(file_read_fd(fd, 0, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.p, "ine one\nline two\n");
	close(fd);
	FILE *f = fopen(path, "re");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fgetc(f), 'l'); /* stdio's buffer is honoured */
	CU_ASSERT_EQUAL(file_read_stream(f, 0, &b), 0);
	CU_ASSERT_STRING_EQUAL(b.p, "ine one\nline two\n");
	rewind(f);
	CU_ASSERT_EQUAL(file_read_stream(f, 5, &b), -EFBIG);
	fclose(f);
	buf_free(&b);
}

/* Fields of /proc/PID/status by exact name; a process or a field that is
 * not there is -1. */
static void test_proc_status(void)
{
	long rss = file_proc_status_kib(0, "VmRSS");
	CU_ASSERT(rss > 0);
	CU_ASSERT(file_proc_status_kib((int)getpid(), "VmHWM") >= rss / 2);
	CU_ASSERT_EQUAL(file_proc_status_kib(0, "VmRS"), -1); /* not a prefix */
	CU_ASSERT_EQUAL(file_proc_status_kib(0, "NoSuchField"), -1);
	CU_ASSERT_EQUAL(file_proc_status_kib(1 << 30, "VmRSS"), -1); /* above pid_max */
}

int register_file(void)
{
	CU_pSuite s = CU_add_suite("file", setup, teardown);
	if (!s || !CU_add_test(s, "whole file and cap", test_whole_file) ||
	    !CU_add_test(s, "empty file", test_empty_file) ||
	    !CU_add_test(s, "errors", test_errors) ||
	    !CU_add_test(s, "fd and stream", test_fd_and_stream) ||
	    !CU_add_test(s, "fields of /proc/PID/status", test_proc_status))
		return -1;
	return 0;
}
