/* Tests for the /api/v1/history answer's reader: whole, in pieces, bad
 * documents named, and the row bound. */
#include <CUnit/CUnit.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console/history_doc.h"
#include "failmalloc.h"

static const char good[] =
	"{ \"service\": \"tcp-203.0.113.10-80\", \"real_server\": null, \"cf\": \"AVERAGE\",\n"
	"  \"start\": 1763699990, \"end\": 1763700020, \"step\": 10,\n"
	"  \"ds\": [\"conns\",\"inbytes\",\"active\"],\n"
	"  \"rows\": [ [1763700000, 4.5, 13500, 3], [1763700010, null, null, null],"
	" [1763700020, 6, 1e3, 4] ] }\n";

static void test_parse(void)
{
	struct hist_doc d;
	char err[200];
	CU_ASSERT_EQUAL_FATAL(history_doc_parse(good, strlen(good), &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n, 3);
	CU_ASSERT_EQUAL(d.n_ds, 3);
	CU_ASSERT_DOUBLE_EQUAL(d.step, 10, 0);
	CU_ASSERT_DOUBLE_EQUAL(d.start, 1763699990, 0);
	CU_ASSERT_DOUBLE_EQUAL(d.end, 1763700020, 0);
	CU_ASSERT_EQUAL(history_doc_ds(&d, "inbytes"), 1);
	CU_ASSERT_EQUAL(history_doc_ds(&d, "outbytes"), -1);
	CU_ASSERT_DOUBLE_EQUAL(d.t[2], 1763700020, 0);
	CU_ASSERT_DOUBLE_EQUAL(history_doc_value(&d, 0, 0), 4.5, 0);
	CU_ASSERT(isnan(history_doc_value(&d, 1, 2)));
	CU_ASSERT_DOUBLE_EQUAL(history_doc_value(&d, 2, 1), 1000, 0);
	history_doc_done(&d);

	const char *empty = "{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"conns\"],\"rows\":[]}";
	CU_ASSERT_EQUAL(history_doc_parse(empty, strlen(empty), &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n, 0);
	history_doc_done(&d);
}

static void expect_bad(const char *doc, const char *in_err)
{
	struct hist_doc d;
	char err[200] = "";
	CU_ASSERT_EQUAL(history_doc_parse(doc, strlen(doc), &d, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NULL(d.t);
	CU_ASSERT_EQUAL(d.n, 0);
	if (!strstr(err, in_err))
		fprintf(stderr, "\n  error \"%s\" lacks \"%s\"\n", err, in_err);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, in_err));
}

static void test_parse_bad(void)
{
	expect_bad("", "not valid JSON");
	expect_bad("{\"start\": 1, \"end\"", "ends early");
	expect_bad("[1,2]", "expected an object");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\"],\"rows\":[]} x", "after the document");
	expect_bad("{\"end\":2,\"step\":1,\"ds\":[\"a\"],\"rows\":[]}", "start: missing");
	expect_bad("{\"start\":\"1\",\"end\":2,\"step\":1,\"ds\":[\"a\"],\"rows\":[]}", "start: expected a number");
	expect_bad("{\"start\":1,\"end\":2,\"step\":0,\"ds\":[\"a\"],\"rows\":[]}", "step: expected a positive");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[],\"rows\":[]}", "ds: expected 1 to");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[3],\"rows\":[]}", "ds[0]: expected a string");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\"]}", "rows: expected an array");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\",\"b\"],\"rows\":[[1,2,3],[2,3]]}",
		   "rows[1]: expected [time, 2 values]");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\",\"b\"],\"rows\":[[1,2,\"x\"]]}",
		   "rows[0][2]: expected a number or null");
	expect_bad("{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\"],\"rows\":[[null,2]]}",
		   "rows[0][0]: expected a time");
}

static void test_parse_in_pieces(void)
{
	char err[200];
	for (size_t step = 1; step <= 7; step += 6) {
		hist_parser *p = hist_parser_new(err, sizeof(err));
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		for (size_t o = 0; o < strlen(good); o += step) {
			size_t n = strlen(good) - o < step ? strlen(good) - o : step;
			CU_ASSERT_EQUAL(hist_parser_feed(p, good + o, n), 0);
		}
		struct hist_doc d;
		CU_ASSERT_EQUAL_FATAL(hist_parser_finish(p, &d), 0);
		hist_parser_free(p);
		CU_ASSERT_EQUAL(d.n, 3);
		CU_ASSERT_EQUAL(d.n_ds, 3);
		CU_ASSERT_DOUBLE_EQUAL(history_doc_value(&d, 2, 1), 1000, 0);
		CU_ASSERT(isnan(history_doc_value(&d, 1, 0)));
		history_doc_done(&d);
	}
	/* Rows before "ds": checked against it at the end. */
	const char *late = "{\"rows\":[[1,2],[2,3]],\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\"]}";
	struct hist_doc d;
	CU_ASSERT_EQUAL(history_doc_parse(late, strlen(late), &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.n, 2);
	history_doc_done(&d);
	const char *late_bad = "{\"rows\":[[1,2],[2,3]],\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\",\"b\"]}";
	expect_bad(late_bad, "rows[0]: expected [time, 2 values]");
}

static void test_rows_bounded(void)
{
	const char *head = "{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\"],\"rows\":[";
	size_t n = HIST_ROWS_MAX + 1;
	char *doc = malloc(strlen(head) + n * 6 + 8);
	size_t o = (size_t)sprintf(doc, "%s", head);
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(doc + o, "%s[1,0]", i ? "," : "");
	o += (size_t)sprintf(doc + o, "]}");
	struct hist_doc d;
	char err[200] = "";
	CU_ASSERT_EQUAL(history_doc_parse(doc, o, &d, err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "rows: more than 300000 rows"));
	CU_ASSERT_PTR_NULL(d.t);
	free(doc);
}

/* Every allocation of a parse (the parser, the rows growing) failing in
 * turn: -ENOMEM with "out of memory", nothing leaked (ASan). */
struct oom_ctx {
	char *doc;
	size_t len;
};

static int parse_run(void *arg)
{
	struct oom_ctx *c = arg;
	struct hist_doc d;
	char err[200] = "";
	int r = history_doc_parse(c->doc, c->len, &d, err, sizeof(err));
	if (r == -ENOMEM && !strstr(err, "out of memory"))
		return -EIO;
	if (!r && d.n != 600)
		return -EIO;
	history_doc_done(&d);
	return r;
}

static void test_out_of_memory(void)
{
	const char *head = "{\"start\":1,\"end\":2,\"step\":1,\"ds\":[\"a\",\"b\"],\"rows\":[";
	struct oom_ctx c;
	c.doc = malloc(strlen(head) + 600 * 16 + 8);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.doc);
	c.len = (size_t)sprintf(c.doc, "%s", head);
	for (int i = 0; i < 600; i++)
		c.len += (size_t)sprintf(c.doc + c.len, "%s[%d,1,null]", i ? "," : "", i);
	c.len += (size_t)sprintf(c.doc + c.len, "]}");
	struct failmalloc_walk w;
	CU_ASSERT_EQUAL(failmalloc_walk(parse_run, &c, 0, 100, &w), 0);
	if (w.bad_n)
		fprintf(stderr, "\n  allocation %lu failing gave %d\n", w.bad_n, w.bad_rc);
	CU_ASSERT(w.allocs >= 3); /* the parser and the rows growing */
	free(c.doc);
}

int register_history_doc(void)
{
	CU_pSuite s = CU_add_suite("console history answer", NULL, NULL);
	if (!s || !CU_add_test(s, "parse", test_parse) ||
	    !CU_add_test(s, "parse bad documents", test_parse_bad) ||
	    !CU_add_test(s, "parse in pieces", test_parse_in_pieces) ||
	    !CU_add_test(s, "rows bounded", test_rows_bounded) ||
	    !CU_add_test(s, "every allocation failing", test_out_of_memory))
		return -1;
	return 0;
}
