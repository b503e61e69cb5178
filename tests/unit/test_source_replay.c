/* The replay source: one snapshot per line of a recording, read in
 * 64 KiB pieces; blank lines skipped; a bad line reported with its number
 * and passed over; looping shifts times forward; every allocation of
 * opening and polling failing in turn. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "collector/source.h"
#include "failmalloc.h"

static char path[64];

static struct lvs_snapshot *snap_at(double t, unsigned nsvc)
{
	struct lvs_snapshot *s = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	s->time = t;
	s->mono = 5; /* not kept: a replay has no live clock */
	for (unsigned i = 0; i < nsvc; i++) {
		struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = (uint16_t)(i + 1) };
		v.addr.v4.s_addr = htonl(0xc0000201);
		snprintf(v.sched, sizeof(v.sched), "rr");
		v.stats.conns = (uint64_t)t;
		CU_ASSERT_EQUAL_FATAL(snapshot_add_service(s, &v), 0);
		struct lvs_dest d = { .af = AF_INET, .port = 80, .weight = (int32_t)i };
		d.addr.v4.s_addr = htonl(0x0a000001 + i);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(s, i, &d), 0);
	}
	snapshot_finish(s);
	return s;
}

/* Write a recording: for each time a line of nsvc services, "" for a
 * blank line, or a literal line when text is given. */
struct line {
	double t;
	unsigned nsvc;
	const char *text;
};

static void write_recording(const struct line *l, size_t n)
{
	strcpy(path, "/tmp/lvstop-replay-XXXXXX");
	int fd = mkstemp(path);
	CU_ASSERT_FATAL(fd >= 0);
	FILE *f = fdopen(fd, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	for (size_t i = 0; i < n; i++) {
		if (l[i].text) {
			fprintf(f, "%s\n", l[i].text);
			continue;
		}
		struct lvs_snapshot *s = snap_at(l[i].t, l[i].nsvc);
		char *doc = snapjson_render(s, 0);
		CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
		fprintf(f, "%s\n", doc);
		free(doc);
		snapshot_unref(s);
	}
	CU_ASSERT_EQUAL(fclose(f), 0);
}

static void test_in_order(void)
{
	const struct line rec[] = { { 100, 2, NULL }, { 0, 0, "" }, { 102, 3, NULL }, { 104, 1, NULL } };
	write_recording(rec, 4);
	char msg[256] = "";
	struct lvs_source *src = source_replay_new(path, false, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	CU_ASSERT_STRING_EQUAL(src->ops->name, "replay");
	const double want_t[] = { 100, 102, 104 };
	const size_t want_n[] = { 2, 3, 1 };
	for (int i = 0; i < 3; i++) {
		struct lvs_snapshot *s = NULL;
		CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
		CU_ASSERT_EQUAL(s->time, want_t[i]);
		CU_ASSERT_EQUAL(s->mono, 0);
		CU_ASSERT_EQUAL(s->n_services, want_n[i]);
		CU_ASSERT_EQUAL(s->n_dests, want_n[i]);
		CU_ASSERT_EQUAL(s->services[0].stats.conns, (uint64_t)want_t[i]);
		snapshot_unref(s);
	}
	struct lvs_snapshot *s = NULL;
	CU_ASSERT_EQUAL(source_poll(src, &s, msg, sizeof(msg)), -ENODATA);
	CU_ASSERT_PTR_NULL(s);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "end of recording"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, path));
	CU_ASSERT_EQUAL(source_poll(src, &s, msg, sizeof(msg)), -ENODATA); /* and stays there */
	source_free(src);
	unlink(path);
}

static void test_loop_shifts_time(void)
{
	const struct line rec[] = { { 100, 1, NULL }, { 102, 1, NULL }, { 104, 1, NULL } };
	write_recording(rec, 3);
	char msg[256];
	struct lvs_source *src = source_replay_new(path, true, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	/* 100 102 104, then again one average step (2 s) after the end. */
	const double want[] = { 100, 102, 104, 106, 108, 110, 112 };
	for (int i = 0; i < 7; i++) {
		struct lvs_snapshot *s = NULL;
		CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
		CU_ASSERT_DOUBLE_EQUAL(s->time, want[i], 1e-9);
		snapshot_unref(s);
	}
	source_free(src);
	unlink(path);
}

static void test_bad_line(void)
{
	const struct line rec[] = { { 100, 1, NULL }, { 0, 0, "{\"ipvs\": nonsense" }, { 104, 1, NULL } };
	write_recording(rec, 3);
	char msg[256];
	struct lvs_source *src = source_replay_new(path, false, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	struct lvs_snapshot *s = NULL;
	CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
	snapshot_unref(s);
	s = NULL;
	CU_ASSERT_EQUAL(source_poll(src, &s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NULL(s);
	char where[80];
	snprintf(where, sizeof(where), "%s:2: ", path);
	CU_ASSERT_EQUAL(strncmp(msg, where, strlen(where)), 0);
	/* The bad line is passed over: the next poll reads line 3. */
	CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(s->time, 104);
	snapshot_unref(s);
	source_free(src);
	unlink(path);
}

static void test_long_line(void)
{
	/* A line several read-ahead chunks long. */
	const struct line rec[] = { { 100, 3000, NULL }, { 101, 1, NULL } };
	write_recording(rec, 2);
	char msg[256];
	struct lvs_source *src = source_replay_new(path, false, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	struct lvs_snapshot *s = NULL;
	CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(s->n_services, 3000);
	CU_ASSERT_EQUAL(s->services[2999].port, 3000);
	CU_ASSERT_EQUAL(s->services[2999].dests[0].weight, 2999);
	snapshot_unref(s);
	CU_ASSERT_EQUAL_FATAL(source_poll(src, &s, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(s->time, 101);
	snapshot_unref(s);
	source_free(src);
	unlink(path);
}

static void test_missing_file(void)
{
	char msg[256] = "";
	CU_ASSERT_PTR_NULL(source_replay_new("/nonexistent/rec.jsonl", false, msg, sizeof(msg)));
	CU_ASSERT_STRING_EQUAL(msg, "cannot open recording /nonexistent/rec.jsonl: No such file or directory");
}

/* Open, poll the first snapshot, check it, close. */
static int replay_run(void *arg)
{
	(void)arg;
	char msg[256] = "";
	struct lvs_source *src = source_replay_new(path, false, msg, sizeof(msg));
	if (!src)
		return msg[0] ? -ENOMEM : -EIO; /* a NULL must say why */
	struct lvs_snapshot *s = NULL;
	int r = source_poll(src, &s, msg, sizeof(msg));
	source_free(src);
	if (r)
		return s || !msg[0] ? -EIO : r;
	r = s->time == 100 && s->n_services == 40 && s->n_dests == 40 &&
	    s->services[39].dests == &s->dests[39] ? 0 : -EIO;
	snapshot_unref(s);
	return r;
}

static void test_alloc_failures(void)
{
	const struct line rec[] = { { 100, 40, NULL } };
	write_recording(rec, 1);
	struct failmalloc_walk w;
	int r = failmalloc_walk(replay_run, NULL, 0, 10000, &w);
	if (r)
		fprintf(stderr, "\n    allocation %lu gave %d\n", w.bad_n, w.bad_rc);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT(w.allocs >= 5); /* source, path, buffer, parser, snapshot */
	unlink(path);
}

int register_source_replay(void)
{
	CU_pSuite s = CU_add_suite("source_replay", NULL, NULL);
	if (!s || !CU_add_test(s, "snapshots in order, blank lines skipped", test_in_order) ||
	    !CU_add_test(s, "loop shifts time forward", test_loop_shifts_time) ||
	    !CU_add_test(s, "bad line reported and passed over", test_bad_line) ||
	    !CU_add_test(s, "line longer than the read-ahead", test_long_line) ||
	    !CU_add_test(s, "missing file", test_missing_file) ||
	    !CU_add_test(s, "every allocation failing in turn", test_alloc_failures))
		return -1;
	return 0;
}
