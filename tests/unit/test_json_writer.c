#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector/json_writer.h"

/* Write a document with body(w) and return its text (caller frees), with
 * finish's answer in *rc. */
static char *doc(unsigned flags, void (*body)(json_writer *), int *rc)
{
	struct lvs_buf t = LVS_BUF_INIT;
	json_writer *w = json_writer_new(flags, json_buf_sink, &t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	body(w);
	*rc = json_writer_finish(w);
	json_writer_free(w);
	return t.p;
}

static void numbers(json_writer *w)
{
	json_writer_begin_array(w);
	json_writer_u64(w, UINT64_MAX);
	json_writer_i64(w, INT64_MIN);
	json_writer_u64(w, 0);
	json_writer_double(w, 1.0);
	json_writer_double(w, 0.1);
	json_writer_double(w, 1790000000.25);
	json_writer_double(w, -2.5e-7);
	json_writer_double(w, 1e300);
	json_writer_double(w, NAN);
	json_writer_double(w, -INFINITY);
	json_writer_number(w, "12.5");
	json_writer_end_array(w);
}

/* 64-bit integers exactly; doubles read back as the same double and
 * always look like one; nothing that is not JSON. */
static void test_numbers(void)
{
	int rc;
	char *t = doc(0, numbers, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(t, "[18446744073709551615,-9223372036854775808,0,1.0,"
				  "0.10000000000000001,1790000000.25,-2.4999999999999999e-07,"
				  "1.0000000000000001e+300,null,null,12.5]");
	free(t);
}

static void strings(json_writer *w)
{
	json_writer_begin_object(w);
	json_writer_key(w, "a/b");
	json_writer_string(w, "q\"b\\s\n\t\x01 /");
	json_writer_key(w, "none");
	json_writer_string(w, NULL);
	json_writer_key(w, "nul");
	json_writer_string_len(w, "x\0y", 3);
	json_writer_key(w, "t");
	json_writer_bool(w, true);
	json_writer_key(w, "f");
	json_writer_bool(w, false);
	json_writer_key(w, "e");
	json_writer_begin_array(w);
	json_writer_end_array(w);
	json_writer_end_object(w);
}

static void test_strings(void)
{
	int rc;
	char *t = doc(0, strings, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_STRING_EQUAL(t, "{\"a/b\":\"q\\\"b\\\\s\\n\\t\\u0001 /\",\"none\":null,"
				  "\"nul\":\"x\\u0000y\",\"t\":true,\"f\":false,\"e\":[]}");
	free(t);
	t = doc(JSON_WRITER_PRETTY, strings, &rc);
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "{\n  \"a/b\": \"q"));
	free(t);
}

static void unclosed(json_writer *w)
{
	json_writer_begin_object(w);
	json_writer_key(w, "a");
	json_writer_u64(w, 1);
}

static void value_for_key(json_writer *w)
{
	json_writer_begin_object(w);
	json_writer_u64(w, 1);
	json_writer_end_object(w);
}

static void two_documents(json_writer *w)
{
	json_writer_null(w);
	json_writer_null(w);
}

static void nothing(json_writer *w)
{
	(void)w;
}

static void too_deep(json_writer *w)
{
	for (int i = 0; i < 200; i++)
		json_writer_begin_array(w);
	for (int i = 0; i < 200; i++)
		json_writer_end_array(w);
}

/* Out-of-place calls are refused, sticky, by finish. */
static void test_misuse(void)
{
	void (*bad[])(json_writer *) = { unclosed, value_for_key, two_documents, nothing, too_deep };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		free(doc(0, bad[i], &rc));
		CU_ASSERT_EQUAL(rc, -EINVAL);
	}
}

struct pieces {
	size_t calls, bytes, largest;
	int fail_at; /* the call that fails, 0: none */
};

static int count_piece(void *arg, const char *text, size_t len)
{
	struct pieces *p = arg;
	(void)text;
	if (++p->calls == (size_t)p->fail_at)
		return -ENOSPC;
	p->bytes += len;
	if (len > p->largest)
		p->largest = len;
	return 0;
}

/* A large document reaches the sink in pieces of at most 64 KiB, and the
 * sink's error stops the writing and is what finish returns. */
static void test_pieces(void)
{
	for (int fail = 0; fail <= 2; fail += 2) {
		struct pieces p = { .fail_at = fail };
		json_writer *w = json_writer_new(0, count_piece, &p);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		json_writer_begin_array(w);
		for (int i = 0; i < 100000; i++)
			json_writer_u64(w, 1000000000000ULL + (uint64_t)i);
		json_writer_end_array(w);
		int rc = json_writer_finish(w);
		json_writer_free(w);
		if (!fail) {
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT_EQUAL(p.bytes, 2 + 100000 * 13 + 99999);
			CU_ASSERT(p.calls > 10);
			CU_ASSERT_EQUAL(p.largest, 65536);
		} else {
			CU_ASSERT_EQUAL(rc, -ENOSPC);
			CU_ASSERT_EQUAL(p.calls, 2); /* nothing after the failure */
		}
	}
}

int register_json_writer(void)
{
	CU_pSuite s = CU_add_suite("json writer", NULL, NULL);
	if (!s || !CU_add_test(s, "numbers", test_numbers) || !CU_add_test(s, "strings", test_strings) ||
	    !CU_add_test(s, "misuse", test_misuse) || !CU_add_test(s, "pieces", test_pieces))
		return -1;
	return 0;
}
