/* Tests for the snapshot document's size guard: real documents of any
 * table size pass, whatever way they are cut; one oversized piece of
 * each kind the reader holds whole is refused, naming it. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/doc_bound.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"

static struct lvs_snapshot *table(size_t nsvc, size_t ndest)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = 1790000000.5;
	for (size_t i = 0; i < nsvc; i++) {
		struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = (uint16_t)(80 + i) };
		inet_pton(AF_INET, "203.0.113.10", &v.addr.v4);
		strcpy(v.sched, "wrr");
		snapshot_add_service(s, &v);
		for (size_t j = 0; j < ndest; j++) {
			struct lvs_dest d = { .af = AF_INET, .port = (uint16_t)(1000 + j), .weight = 3 };
			inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
			snapshot_add_dest(s, i, &d);
		}
	}
	snapshot_finish(s);
	return s;
}

/* Fed in pieces of step bytes (0: whole). */
static int feed(const char *doc, size_t len, size_t step, char *err, size_t errlen)
{
	struct doc_bound b;
	doc_bound_init(&b);
	if (!step)
		step = len ? len : 1;
	for (size_t o = 0; o < len; o += step) {
		size_t n = len - o < step ? len - o : step;
		int r = doc_bound_feed(&b, doc + o, n, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static void test_real_documents_pass(void)
{
	char err[200] = "";
	/* Many services, and one service of many real servers: both lists
	 * are far over the bound and are streamed, so not counted. */
	struct lvs_snapshot *ss[2] = { table(400, 3), table(1, 3000) };
	for (int k = 0; k < 2; k++) {
		for (unsigned flags = 0; flags <= SNAPJSON_PRETTY; flags += SNAPJSON_PRETTY) {
			char *doc = snapjson_render(ss[k], flags);
			CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
			size_t len = strlen(doc);
			CU_ASSERT(len > 2 * DOC_BOUND_PIECE);
			CU_ASSERT_EQUAL(feed(doc, len, 0, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL(feed(doc, len, 1, err, sizeof(err)), 0);
			CU_ASSERT_EQUAL(feed(doc, len, 4093, err, sizeof(err)), 0);
			free(doc);
		}
		snapshot_unref(ss[k]);
	}
	/* Brackets and quotes inside strings are text. */
	const char *tricky = "{\"s\":\"]]}}\\\"[[{{\\\\\",\"services\":[{\"a\":\"\\\"}\",\"real_servers\":"
			     "[{\"b\":\"]\"}]}]}";
	CU_ASSERT_EQUAL(feed(tricky, strlen(tricky), 1, err, sizeof(err)), 0);
}

/* prefix, then n times unit, then suffix. */
static char *build(const char *prefix, const char *unit, size_t n, const char *suffix, size_t *len)
{
	size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
	char *d = malloc(pl + ul * n + sl + 1);
	memcpy(d, prefix, pl);
	for (size_t i = 0; i < n; i++)
		memcpy(d + pl + i * ul, unit, ul);
	memcpy(d + pl + ul * n, suffix, sl + 1);
	*len = pl + ul * n + sl;
	return d;
}

static void expect_refused(const char *prefix, const char *unit, size_t n, const char *suffix, int want,
			   const char *in_err)
{
	size_t len;
	char *d = build(prefix, unit, n, suffix, &len);
	for (size_t step = 0; step <= 1000; step += 1000) {
		char err[200] = "";
		CU_ASSERT_EQUAL(feed(d, len, step, err, sizeof(err)), want);
		if (!strstr(err, in_err))
			fprintf(stderr, "\n  error \"%s\" lacks \"%s\"\n", err, in_err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, in_err));
	}
	free(d);
}

static void test_pieces_refused(void)
{
	size_t big = DOC_BOUND_PIECE / 4 + 100; /* 4-byte units past the bound */
	expect_refused("{\"time\":1,\"x\":\"", "AAAA", big, "\",\"services\":[]}", -EFBIG, "a string");
	expect_refused("{\"time\":1,\"x\":", "9999", big, ",\"services\":[]}", -EFBIG, "a number");
	expect_refused("{\"time\":1,\"x\":[", "0,0,", big, "0],\"services\":[]}", -EFBIG,
		       "the document's root");
	expect_refused("{\"services\":[{\"port\":80,\"x\":[", "0,0,", big, "0],\"real_servers\":[]}]}",
		       -EFBIG, "a service");
	expect_refused("{\"services\":[{\"real_servers\":[{\"port\":80,\"x\":[", "0,0,", big, "0]}]}]}",
		       -EFBIG, "a real server");
	expect_refused("{\"services\":[{\"real_servers\":[{\"port\":80},", "    ", big, "{}]}]}", -EFBIG,
		       "the space between");
	expect_refused("", "    ", big, "{}", -EFBIG, "the space between");
	/* "services" only where the reader streams it: elsewhere it is held. */
	expect_refused("{\"x\":{\"services\":[", "{},{}", big, "{}]}}", -EFBIG, "the document's root");
	expect_refused("", "[", DOC_BOUND_DEPTH + 1, "", -EINVAL, "nested deeper");
}

/* A reader stand-in: refuses a document holding 'X' with a text that
 * quotes it (an escape included), runs out of memory on 'M'. */
static char fake_err[64];
static int fake_parse(void *p, const char *buf, size_t len)
{
	(void)p;
	if (memchr(buf, 'M', len))
		return -ENOMEM;
	if (memchr(buf, 'X', len)) {
		snprintf(fake_err, sizeof(fake_err), "bad value \"\x1b[31mX\"");
		return -EINVAL;
	}
	return 0;
}

static void test_feed_messages(void)
{
	char msg[256];
	struct doc_feed f = { .parse = fake_parse, .url = "http://d1:9111/api", .what = "a snapshot",
			      .perr = fake_err, .msg = msg, .msglen = sizeof(msg) };
	doc_bound_init(&f.bound);
	CU_ASSERT_EQUAL(doc_feed_cb(&f, "{\"a\":1", 6), 0);
	fake_err[0] = 0;
	CU_ASSERT_EQUAL(doc_feed_cb(&f, ",\"b\":X", 6), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "http://d1:9111/api: not a snapshot document: bad value"));
	CU_ASSERT_PTR_NULL(strchr(msg, 0x1b)); /* the reader's quote made printable */

	doc_bound_init(&f.bound);
	CU_ASSERT_EQUAL(doc_feed_cb(&f, "[M", 2), -ENOMEM);
	CU_ASSERT_STRING_EQUAL(msg, "out of memory");

	/* The guard speaks before the reader sees an oversized piece. */
	size_t big = DOC_BOUND_PIECE + 10;
	char *doc = malloc(big + 2);
	CU_ASSERT_FATAL(doc != NULL);
	doc[0] = '"';
	memset(doc + 1, 'X', big);
	doc_bound_init(&f.bound);
	CU_ASSERT_EQUAL(doc_feed_cb(&f, doc, big + 1), -EFBIG);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "http://d1:9111/api: "));
	CU_ASSERT_PTR_NULL(strstr(msg, "not a snapshot"));
	free(doc);
}

int register_doc_bound(void)
{
	CU_pSuite s = CU_add_suite("collector document size guard", NULL, NULL);
	if (!s || !CU_add_test(s, "real documents pass", test_real_documents_pass) ||
	    !CU_add_test(s, "oversized pieces refused", test_pieces_refused) ||
	    !CU_add_test(s, "feed: guard first, messages printable", test_feed_messages))
		return -1;
	return 0;
}
