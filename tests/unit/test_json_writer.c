#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>

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

/* ---- the same text as yajl's generator ---------------------------------
 * Random well-formed documents written through this writer and through
 * yajl_gen with the same calls, compact and pretty: byte for byte equal. */

static uint64_t rnd_state;

static uint64_t rnd(void)
{
	uint64_t x = rnd_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rnd_state = x;
}

struct both {
	json_writer *w;
	yajl_gen g;
	int yerr;
};

static void yp(void *ctx, const char *text, size_t len)
{
	buf_append(ctx, text, len);
}

static void ychk(struct both *b, yajl_gen_status st)
{
	if (st != yajl_gen_status_ok)
		b->yerr = 1;
}

static void both_string(struct both *b, bool key)
{
	char s[24];
	size_t n = rnd() % sizeof(s);
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)(rnd() % 8);
		/* Mostly letters; control characters, quotes, backslashes,
		 * '/', DEL and bytes above 0x7f too. */
		s[i] = k < 4 ? (char)('a' + rnd() % 26) : k == 4 ? (char)(rnd() % 32)
			: k == 5 ? "\"\\/\x7f"[rnd() % 4] : k == 6 ? (char)(0x80 + rnd() % 128) : ' ';
	}
	if (key) {
		s[n] = 0;
		for (size_t i = 0; i < n; i++)
			if (!s[i])
				s[i] = 'z'; /* a key is a C string */
		json_writer_key(b->w, s);
		ychk(b, yajl_gen_string(b->g, (const unsigned char *)s, strlen(s)));
	} else {
		json_writer_string_len(b->w, s, n);
		ychk(b, yajl_gen_string(b->g, (const unsigned char *)s, n));
	}
}

/* s: n random bytes, mostly letters; control characters, quotes,
 * backslashes, '/', DEL and bytes above 0x7f too. */
static void rnd_text(char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned k = (unsigned)(rnd() % 8);
		s[i] = k < 4 ? (char)('a' + rnd() % 26) : k == 4 ? (char)(rnd() % 32)
			: k == 5 ? "\"\\/\x7f"[rnd() % 4] : k == 6 ? (char)(0x80 + rnd() % 128) : ' ';
	}
}

/* A member call (key and value in one) against yajl's two calls. */
static void both_member(struct both *b)
{
	char key[40], s[40], t[32];
	size_t klen = rnd() % sizeof(key), slen = rnd() % sizeof(s);
	rnd_text(key, klen);
	ychk(b, yajl_gen_string(b->g, (const unsigned char *)key, klen));
	switch (rnd() % 5) {
	case 0: {
		uint64_t v = rnd() >> (rnd() % 64);
		json_writer_member_u64(b->w, key, klen, v);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
		ychk(b, yajl_gen_number(b->g, t, strlen(t)));
		break;
	}
	case 1: {
		int64_t v = (int64_t)(rnd() >> (rnd() % 64)) * (rnd() % 2 ? -1 : 1);
		json_writer_member_i64(b->w, key, klen, v);
		snprintf(t, sizeof(t), "%lld", (long long)v);
		ychk(b, yajl_gen_number(b->g, t, strlen(t)));
		break;
	}
	case 2:
		json_writer_member_null(b->w, key, klen);
		ychk(b, yajl_gen_null(b->g));
		break;
	case 3:
		rnd_text(s, slen);
		json_writer_member_string_len(b->w, key, klen, s, slen);
		ychk(b, yajl_gen_string(b->g, (const unsigned char *)s, slen));
		break;
	default:
		/* A key alone, then a value of any kind. */
		json_writer_key_len(b->w, key, klen);
		json_writer_bool(b->w, klen % 2);
		ychk(b, yajl_gen_bool(b->g, klen % 2));
	}
}

static void both_value(struct both *b, unsigned depth)
{
	unsigned k = (unsigned)(rnd() % (depth < 6 ? 9 : 6));
	char t[32];
	switch (k) {
	case 0: {
		uint64_t v = rnd() >> (rnd() % 64);
		json_writer_u64(b->w, v);
		snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
		ychk(b, yajl_gen_number(b->g, t, strlen(t)));
		break;
	}
	case 1: {
		int64_t v = (int64_t)(rnd() >> (rnd() % 64)) * (rnd() % 2 ? -1 : 1);
		json_writer_i64(b->w, v);
		snprintf(t, sizeof(t), "%lld", (long long)v);
		ychk(b, yajl_gen_number(b->g, t, strlen(t)));
		break;
	}
	case 2:
		json_writer_null(b->w);
		ychk(b, yajl_gen_null(b->g));
		break;
	case 3: {
		bool v = rnd() % 2;
		json_writer_bool(b->w, v);
		ychk(b, yajl_gen_bool(b->g, v));
		break;
	}
	case 4:
	case 5:
		both_string(b, false);
		break;
	case 6:
	case 7: {
		json_writer_begin_object(b->w);
		ychk(b, yajl_gen_map_open(b->g));
		unsigned n = (unsigned)(rnd() % 5);
		for (unsigned i = 0; i < n; i++) {
			if (rnd() % 2) {
				both_member(b);
				continue;
			}
			both_string(b, true);
			both_value(b, depth + 1);
		}
		json_writer_end_object(b->w);
		ychk(b, yajl_gen_map_close(b->g));
		break;
	}
	default: {
		json_writer_begin_array(b->w);
		ychk(b, yajl_gen_array_open(b->g));
		unsigned n = (unsigned)(rnd() % 5);
		for (unsigned i = 0; i < n; i++)
			both_value(b, depth + 1);
		json_writer_end_array(b->w);
		ychk(b, yajl_gen_array_close(b->g));
	}
	}
}

static void test_same_as_yajl(void)
{
	rnd_state = 0x9e3779b97f4a7c15ULL;
	for (int i = 0; i < 2000; i++) {
		bool pretty = i % 2;
		struct lvs_buf ours = LVS_BUF_INIT, theirs = LVS_BUF_INIT;
		struct both b = { .w = json_writer_new(pretty ? JSON_WRITER_PRETTY : 0, json_buf_sink, &ours),
				  .g = yajl_gen_alloc(NULL) };
		CU_ASSERT_PTR_NOT_NULL_FATAL(b.w);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b.g);
		yajl_gen_config(b.g, yajl_gen_print_callback, yp, &theirs);
		if (pretty) {
			yajl_gen_config(b.g, yajl_gen_beautify, 1);
			yajl_gen_config(b.g, yajl_gen_indent_string, "  ");
		}
		both_value(&b, i % 3 ? 0 : 5);
		CU_ASSERT_EQUAL(json_writer_finish(b.w), 0);
		CU_ASSERT_EQUAL(b.yerr, 0);
		CU_ASSERT_EQUAL(ours.len, theirs.len);
		if (ours.len != theirs.len || (ours.len && memcmp(ours.p, theirs.p, ours.len))) {
			CU_FAIL("text differs from yajl's");
			fprintf(stderr, "\nours:   %.*s\ntheirs: %.*s\n", (int)ours.len, ours.p,
				(int)theirs.len, theirs.p);
			i = 2000;
		}
		json_writer_free(b.w);
		yajl_gen_free(b.g);
		buf_free(&ours);
		buf_free(&theirs);
	}
}

/* A writer and a yajl generator side by side, compact or pretty. */
static void both_open(struct both *b, bool pretty, struct lvs_buf *ours, struct lvs_buf *theirs)
{
	b->w = json_writer_new(pretty ? JSON_WRITER_PRETTY : 0, json_buf_sink, ours);
	b->g = yajl_gen_alloc(NULL);
	b->yerr = 0;
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->w);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b->g);
	yajl_gen_config(b->g, yajl_gen_print_callback, yp, theirs);
	if (pretty) {
		yajl_gen_config(b->g, yajl_gen_beautify, 1);
		yajl_gen_config(b->g, yajl_gen_indent_string, "  ");
	}
}

/* Finish both; whether their texts are the same (and say so when not). */
static bool both_close(struct both *b, struct lvs_buf *ours, struct lvs_buf *theirs)
{
	int rc = json_writer_finish(b->w);
	bool same = !rc && !b->yerr && ours->len == theirs->len &&
		    (!ours->len || !memcmp(ours->p, theirs->p, ours->len));
	if (!same)
		fprintf(stderr, "\nrc %d yajl %d\nours:   %.*s\ntheirs: %.*s\n", rc, b->yerr,
			(int)(ours->len < 400 ? ours->len : 400), ours->p,
			(int)(theirs->len < 400 ? theirs->len : 400), theirs->p);
	json_writer_free(b->w);
	yajl_gen_free(b->g);
	buf_free(ours);
	buf_free(theirs);
	return same;
}

/* Every byte that needs an escape, and some that do not, at every place
 * of keys and string values of 0 to 40 bytes (the member calls copy eight
 * and four bytes at a time): the same text as yajl's. */
static void test_members_escapes(void)
{
	static const char odd[] = { 0x00, 0x01, 0x08, 0x1f, '"', '\\', 0x20, '/', 0x7f, (char)0x80, (char)0xff };
	int bad = 0;
	for (size_t len = 0; len <= 40; len++)
		for (size_t pos = 0; pos <= len; pos++)
			for (size_t k = 0; k < sizeof(odd); k++) {
				char t[41];
				memset(t, 'k', sizeof(t));
				if (pos < len)
					t[pos] = odd[k];
				struct lvs_buf ours = LVS_BUF_INIT, theirs = LVS_BUF_INIT;
				struct both b;
				both_open(&b, false, &ours, &theirs);
				json_writer_begin_object(b.w);
				ychk(&b, yajl_gen_map_open(b.g));
				json_writer_member_string_len(b.w, t, len, "v", 1);
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)t, len));
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)"v", 1));
				json_writer_member_string_len(b.w, "k", 1, t, len);
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)"k", 1));
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)t, len));
				json_writer_member_u64(b.w, t, len, len);
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)t, len));
				ychk(&b, yajl_gen_integer(b.g, (long long)len));
				json_writer_key_len(b.w, t, len);
				json_writer_null(b.w);
				ychk(&b, yajl_gen_string(b.g, (const unsigned char *)t, len));
				ychk(&b, yajl_gen_null(b.g));
				json_writer_end_object(b.w);
				ychk(&b, yajl_gen_map_close(b.g));
				if (!both_close(&b, &ours, &theirs) && ++bad > 3)
					goto out;
			}
out:
	CU_ASSERT_EQUAL(bad, 0);
}

/* Integers at every length and edge, written alone and as members,
 * against printf's text. */
static void test_integer_digits(void)
{
	uint64_t u[200];
	size_t n = 0;
	u[n++] = 0;
	u[n++] = UINT64_MAX;
	u[n++] = UINT64_MAX - 1;
	u[n++] = (uint64_t)INT64_MAX;
	u[n++] = (uint64_t)INT64_MAX + 1;
	for (uint64_t p = 1; n + 3 <= 200; p *= 10) {
		u[n++] = p;
		u[n++] = p - 1;
		u[n++] = p + 1;
		if (p > UINT64_MAX / 10)
			break;
	}
	for (size_t i = 0; i < 50; i++)
		u[n++] = 0x9e3779b97f4a7c15ULL * (i + 1) >> (i % 64);
	for (size_t i = 0; i < n; i++) {
		char want[64], got[64];
		int64_t s = (int64_t)u[i];
		snprintf(want, sizeof(want), "[%llu,%lld,{\"u\":%llu,\"s\":%lld,\"m\":%lld}]",
			 (unsigned long long)u[i], (long long)s, (unsigned long long)u[i], (long long)s,
			 (long long)-(s == INT64_MIN ? INT64_MAX : s));
		struct lvs_buf t = LVS_BUF_INIT;
		json_writer *w = json_writer_new(0, json_buf_sink, &t);
		CU_ASSERT_PTR_NOT_NULL_FATAL(w);
		json_writer_begin_array(w);
		json_writer_u64(w, u[i]);
		json_writer_i64(w, s);
		json_writer_begin_object(w);
		json_writer_member_u64(w, "u", 1, u[i]);
		json_writer_member_i64(w, "s", 1, s);
		json_writer_member_i64(w, "m", 1, -(s == INT64_MIN ? INT64_MAX : s));
		json_writer_end_object(w);
		json_writer_end_array(w);
		CU_ASSERT_EQUAL(json_writer_finish(w), 0);
		json_writer_free(w);
		snprintf(got, sizeof(got), "%.*s", (int)t.len, t.p);
		CU_ASSERT_STRING_EQUAL(got, want);
		buf_free(&t);
	}
	/* Every value below 200,000, as members. */
	struct lvs_buf t = LVS_BUF_INIT, want = LVS_BUF_INIT;
	json_writer *w = json_writer_new(0, json_buf_sink, &t);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	json_writer_begin_object(w);
	buf_append(&want, "{", 1);
	for (uint64_t v = 0; v < 200000; v++) {
		char m[40];
		int k = snprintf(m, sizeof(m), "%s\"v\":%llu", v ? "," : "", (unsigned long long)v);
		buf_append(&want, m, (size_t)k);
		json_writer_member_u64(w, "v", 1, v);
	}
	json_writer_end_object(w);
	buf_append(&want, "}", 1);
	CU_ASSERT_EQUAL(json_writer_finish(w), 0);
	json_writer_free(w);
	CU_ASSERT_EQUAL(t.len, want.len);
	CU_ASSERT(t.len == want.len && !memcmp(t.p, want.p, t.len));
	buf_free(&t);
	buf_free(&want);
}

/* A large object of members crosses many 64 KiB pieces: where a member
 * does not fit, the writer falls back to its calls; the text stays
 * yajl's, compact and pretty. */
static void test_members_pieces(void)
{
	for (int pretty = 0; pretty <= 1; pretty++) {
		struct lvs_buf ours = LVS_BUF_INIT, theirs = LVS_BUF_INIT;
		struct both b;
		both_open(&b, pretty, &ours, &theirs);
		rnd_state = 0x2545f4914f6cdd1dULL;
		json_writer_begin_object(b.w);
		ychk(&b, yajl_gen_map_open(b.g));
		for (int i = 0; i < 40000; i++)
			both_member(&b);
		json_writer_end_object(b.w);
		ychk(&b, yajl_gen_map_close(b.g));
		CU_ASSERT(ours.len > 10 * 65536 || pretty);
		CU_ASSERT(both_close(&b, &ours, &theirs));
	}
}

static void key_outside_object(json_writer *w)
{
	json_writer_begin_array(w);
	json_writer_key(w, "a");
	json_writer_end_array(w);
}

static void key_without_value(json_writer *w)
{
	json_writer_begin_object(w);
	json_writer_key(w, "a");
	json_writer_end_object(w);
}

static void mismatched_close(json_writer *w)
{
	json_writer_begin_object(w);
	json_writer_end_array(w);
}

static void deepest(json_writer *w)
{
	for (int i = 0; i < 127; i++)
		json_writer_begin_array(w);
	for (int i = 0; i < 127; i++)
		json_writer_end_array(w);
}

/* What yajl let through is refused too; 127 levels are allowed. */
static void test_misuse_strict(void)
{
	void (*bad[])(json_writer *) = { key_outside_object, key_without_value, mismatched_close };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		free(doc(0, bad[i], &rc));
		CU_ASSERT_EQUAL(rc, -EINVAL);
	}
	int rc;
	free(doc(0, deepest, &rc));
	CU_ASSERT_EQUAL(rc, 0);
}

int register_json_writer(void)
{
	CU_pSuite s = CU_add_suite("json writer", NULL, NULL);
	if (!s || !CU_add_test(s, "numbers", test_numbers) || !CU_add_test(s, "strings", test_strings) ||
	    !CU_add_test(s, "misuse", test_misuse) || !CU_add_test(s, "pieces", test_pieces) ||
	    !CU_add_test(s, "same text as yajl", test_same_as_yajl) ||
	    !CU_add_test(s, "misuse refused", test_misuse_strict) ||
	    !CU_add_test(s, "members: escapes at every place", test_members_escapes) ||
	    !CU_add_test(s, "integers as printf writes them", test_integer_digits) ||
	    !CU_add_test(s, "members across pieces", test_members_pieces))
		return -1;
	return 0;
}
