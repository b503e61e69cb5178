/* Tests for undo: changes the declaring daemon put back, found from the
 * audit log, the declared table and a snapshot, and said once. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "actions/audit.h"
#include "actions/undo.h"
#include "collector/snapshot.h"
#include "console/events.h"

static const char *conf =
	"virtual_server 192.0.2.10 80 {\n"
	"  protocol TCP\n  lb_kind NAT\n"
	"  real_server 10.0.0.2 80 { weight 3\n TCP_CHECK { } }\n"
	"  real_server 10.0.0.3 80 { weight 1\n TCP_CHECK { } }\n"
	"}\n";

#define SVC "TCP 192.0.2.10:80"
#define RS2 SVC " -> 10.0.0.2:80"
#define RS3 SVC " -> 10.0.0.3:80"
#define RS9 SVC " -> 10.0.0.9:80"

static char logpath[64];

static struct lvs_declared *declared(const char *text)
{
	struct lvs_declared *d = NULL;
	CU_ASSERT_EQUAL_FATAL(declared_parse_keepalived("k.conf", text, strlen(text), &d), 0);
	return d;
}

/* The kernel: 192.0.2.10:80 with 10.0.0.2 at w2 (absent when w2 < 0) and
 * 10.0.0.3 at w3, taken at wall time t. */
static struct lvs_snapshot *kernel(int32_t w2, int32_t w3, double t)
{
	struct lvs_snapshot *s = snapshot_new();
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "192.0.2.10", &v.addr.v4);
	snprintf(v.sched, sizeof(v.sched), "wlc");
	snapshot_add_service(s, &v);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_MASQ };
	if (w2 >= 0) {
		inet_pton(AF_INET, "10.0.0.2", &d.addr.v4);
		d.weight = w2;
		snapshot_add_dest(s, 0, &d);
	}
	inet_pton(AF_INET, "10.0.0.3", &d.addr.v4);
	d.weight = w3;
	snapshot_add_dest(s, 0, &d);
	snapshot_finish(s);
	s->time = t;
	return s;
}

static void record(double t, const char *action, const char *object, const char *before,
		   const char *after, bool ok)
{
	const char *b[1] = { before }, *a[1] = { after };
	struct lvs_audit_rec r = {
		.time = t, .user = "root", .sudo_user = "alice", .source = "cli", .action = action,
		.object = object, .before = b, .n_before = before ? 1 : 0, .after = a,
		.n_after = after ? 1 : 0, .ok = ok, .error = ok ? NULL : "no",
	};
	CU_ASSERT_EQUAL(audit_append(logpath, &r, false), 0);
}

static size_t count_lines(const char *needle)
{
	FILE *f = fopen(logpath, "r");
	char line[4096];
	size_t n = 0;
	while (f && fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	if (f)
		fclose(f);
	return n;
}

static void setup(void)
{
	snprintf(logpath, sizeof(logpath), "/tmp/lvstop-undo-%ld.log", (long)getpid());
	unlink(logpath);
}

static size_t poll_once(lvs_undo *u, const struct lvs_snapshot *s, const struct lvs_declared *d,
			struct lvs_undo_event **ev)
{
	size_t n = 99;
	CU_ASSERT_EQUAL(undo_poll(u, s, d, ev, &n), 0);
	return n;
}

static void test_quiesce_restored(void)
{
	setup();
	struct lvs_declared *d = declared(conf);
	record(1000.5, "quiesce", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0", true);
	lvs_undo *u = undo_new(logpath, "lvsd", "lvsd");
	struct lvs_undo_event *ev;

	/* Still quiesced; then keepalived removed it (check failed): not yet. */
	struct lvs_snapshot *s = kernel(0, 1, 1001);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	CU_ASSERT_EQUAL(undo_open_count(u), 1);
	snapshot_unref(s);
	s = kernel(-1, 1, 1002);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	snapshot_unref(s);

	/* Back with the file's weight: said, with who and when, and marked. */
	s = kernel(3, 1, 1003);
	CU_ASSERT_EQUAL_FATAL(poll_once(u, s, d, &ev), 1);
	CU_ASSERT_STRING_EQUAL(ev[0].text,
			       "keepalived restored weight 3 of 10.0.0.2:80 in TCP 192.0.2.10:80, "
			       "undoing lvstop quiesce at 1970-01-01 00:16:40 UTC by root (sudo "
			       "from alice)");
	CU_ASSERT(ev[0].marked);
	CU_ASSERT_STRING_EQUAL(ev[0].action, "quiesce");
	free(ev);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 1);
	CU_ASSERT_EQUAL(count_lines("\"undoes\":{\"time\":\"1970-01-01T00:16:40.500Z\",\"action\":\"quiesce\",\"user\":\"root\"}"), 1);
	CU_ASSERT_EQUAL(count_lines("\"before\":[\"-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0\"],\"after\":[\"-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3\"]"), 1);

	/* Later polls, and another reader from the start of the log: quiet. */
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	lvs_undo *u2 = undo_new(logpath, "console", "root");
	CU_ASSERT_EQUAL(poll_once(u2, s, d, &ev), 0);
	CU_ASSERT_EQUAL(undo_open_count(u2), 0);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 1);
	undo_free(u2);
	undo_free(u);
	snapshot_unref(s);
	declared_free(d);
	unlink(logpath);
}

static void test_two_readers_once(void)
{
	setup();
	struct lvs_declared *d = declared(conf);
	record(1000, "weight", RS3, "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 1",
	       "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 7", true);
	lvs_undo *a = undo_new(logpath, "lvsd", "lvsd"), *b = undo_new(logpath, "console", "root");
	struct lvs_undo_event *ev;
	struct lvs_snapshot *s = kernel(3, 7, 1001);
	/* Both read the change while it stands. */
	CU_ASSERT_EQUAL(poll_once(a, s, d, &ev), 0);
	CU_ASSERT_EQUAL(poll_once(b, s, d, &ev), 0);
	snapshot_unref(s);
	s = kernel(3, 1, 1002);
	CU_ASSERT_EQUAL_FATAL(poll_once(a, s, d, &ev), 1);
	CU_ASSERT_STRING_EQUAL(ev[0].text,
			       "keepalived restored weight 1 of 10.0.0.3:80 in TCP 192.0.2.10:80, "
			       "undoing lvstop weight at 1970-01-01 00:16:40 UTC by root (sudo from "
			       "alice)");
	free(ev);
	/* b followed the change too, but a's mark ends it. */
	CU_ASSERT_EQUAL(poll_once(b, s, d, &ev), 0);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 1);
	undo_free(a);
	undo_free(b);
	snapshot_unref(s);
	declared_free(d);
	unlink(logpath);
}

static void test_removed_readded(void)
{
	setup();
	struct lvs_declared *d = declared(conf);
	record(1000, "del-server", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3", NULL, true);
	lvs_undo *u = undo_new(logpath, "lvsd", "lvsd");
	struct lvs_undo_event *ev;
	struct lvs_snapshot *s = kernel(-1, 1, 1001);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	snapshot_unref(s);
	s = kernel(3, 1, 1002);
	CU_ASSERT_EQUAL_FATAL(poll_once(u, s, d, &ev), 1);
	CU_ASSERT_STRING_EQUAL(ev[0].text,
			       "keepalived re-added 10.0.0.2:80 in TCP 192.0.2.10:80 (weight 3), "
			       "undoing lvstop del-server at 1970-01-01 00:16:40 UTC by root (sudo "
			       "from alice)");
	free(ev);
	undo_free(u);
	snapshot_unref(s);
	declared_free(d);
	unlink(logpath);
}

static void test_not_undone(void)
{
	setup();
	struct lvs_declared *d = declared(conf);
	struct lvs_undo_event *ev;
	/* A quiesce later restored by lvstop itself. */
	record(1000, "quiesce", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0", true);
	record(1001, "restore", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3", true);
	/* A failed change, and one the file does not declare. */
	record(1002, "quiesce", RS3, "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 1",
	       "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 1", false);
	record(1003, "weight", RS9, "-a -t 192.0.2.10:80 -r 10.0.0.9:80 -m -w 1",
	       "-a -t 192.0.2.10:80 -r 10.0.0.9:80 -m -w 5", true);
	lvs_undo *u = undo_new(logpath, "lvsd", "lvsd");
	struct lvs_snapshot *s = kernel(3, 1, 1010);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	CU_ASSERT_EQUAL(undo_open_count(u), 1); /* the undeclared one, followed */
	snapshot_unref(s);

	/* A snapshot older than the change says nothing about it. */
	record(2000, "quiesce", RS3, "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 1",
	       "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 0", true);
	s = kernel(3, 1, 1999);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	snapshot_unref(s);
	/* A file with errors compares nothing. */
	struct lvs_declared *bad = declared("virtual_server 192.0.2.10 80 {\n lb_kind BOGUS\n}\n");
	CU_ASSERT(bad->n_errors > 0);
	s = kernel(3, 1, 2001);
	CU_ASSERT_EQUAL(poll_once(u, s, bad, &ev), 0);
	/* The service deleted by lvstop ends its servers' changes. */
	record(2002, "del-service", SVC, NULL, NULL, true);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	CU_ASSERT_EQUAL(undo_open_count(u), 0);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 0);
	snapshot_unref(s);
	declared_free(bad);
	undo_free(u);
	declared_free(d);
	unlink(logpath);
}

/* The log readable, not writable, by this process: events once, unmarked.
 * 0 when all held (run in a child that dropped root, so no CUnit there). */
static int read_only_case(void)
{
	struct lvs_declared *d = declared(conf);
	lvs_undo *u = undo_new(logpath, "console", NULL);
	struct lvs_undo_event *ev = NULL;
	struct lvs_snapshot *s = kernel(3, 1, 1001);
	size_t n = 0;
	int bad = 0;
	if (undo_poll(u, s, d, &ev, &n) || n != 1 || ev[0].marked || ev[0].mark_err >= 0)
		bad |= 1;
	free(ev);
	if (undo_poll(u, s, d, &ev, &n) || n != 0) /* once per tracker */
		bad |= 2;
	snapshot_unref(s);
	undo_free(u);
	declared_free(d);
	return bad;
}

static void test_read_only_log(void)
{
	setup();
	record(1000, "quiesce", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0", true);
	CU_ASSERT_EQUAL(chmod(logpath, 0444), 0);
	if (geteuid() == 0) {
		/* root writes anyway: the unwritable case needs another user. */
		pid_t pid = fork();
		CU_ASSERT_FATAL(pid >= 0);
		if (pid == 0) {
			if (setgid(65534) || setuid(65534))
				_exit(99);
			_exit(read_only_case());
		}
		int st = -1;
		CU_ASSERT_EQUAL(waitpid(pid, &st, 0), pid);
		CU_ASSERT(WIFEXITED(st));
		CU_ASSERT_EQUAL(WEXITSTATUS(st), 0);
	} else {
		CU_ASSERT_EQUAL(read_only_case(), 0);
	}
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 0);
	/* A missing log: nothing changed, nothing to say. */
	unlink(logpath);
	struct lvs_declared *d = declared(conf);
	lvs_undo *u = undo_new(logpath, "console", NULL);
	struct lvs_undo_event *ev;
	struct lvs_snapshot *s = kernel(3, 1, 1001);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	snapshot_unref(s);
	undo_free(u);
	declared_free(d);
}

static void test_rotated(void)
{
	setup();
	struct lvs_declared *d = declared(conf);
	struct lvs_undo_event *ev;
	lvs_undo *u = undo_new(logpath, "lvsd", "lvsd");
	record(1000, "quiesce", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0", true);
	struct lvs_snapshot *s = kernel(0, 1, 1001);
	CU_ASSERT_EQUAL(poll_once(u, s, d, &ev), 0);
	snapshot_unref(s);
	/* logrotate moves the file away; the change is still followed and
	 * the new file gets the mark. */
	unlink(logpath);
	record(1002, "zero", SVC, NULL, NULL, true);
	s = kernel(3, 1, 1003);
	CU_ASSERT_EQUAL_FATAL(poll_once(u, s, d, &ev), 1);
	free(ev);
	CU_ASSERT_EQUAL(count_lines("\"action\":\"undone\""), 1);
	snapshot_unref(s);
	undo_free(u);
	declared_free(d);
	unlink(logpath);
}

/* The console's way: the declared file read by the watch, the event line. */
static void test_watch_event(void)
{
	setup();
	char conf_path[80];
	snprintf(conf_path, sizeof(conf_path), "/tmp/lvstop-undo-%ld.conf", (long)getpid());
	FILE *f = fopen(conf_path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(conf, f);
	fclose(f);
	record(1000, "quiesce", RS2, "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 3",
	       "-a -t 192.0.2.10:80 -r 10.0.0.2:80 -m -w 0", true);
	lvs_undo_watch *w = undo_watch_new(logpath, "console", "root", conf_path,
					   LVS_DECL_KEEPALIVED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	struct lvs_undo_event *ev;
	size_t n = 0;
	struct lvs_snapshot *s = kernel(3, 1, 1001);
	CU_ASSERT_EQUAL(undo_watch_poll(w, s, &ev, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 1);
	struct lvs_event e = { .time = 1001, .kind = EV_UNDONE };
	snprintf(e.text, sizeof(e.text), "%s", ev[0].text);
	char line[400];
	event_text(&e, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "! keepalived restored weight 3 of 10.0.0.2:80 in TCP "
				     "192.0.2.10:80, undoing lvstop quiesce at 1970-01-01 00:16:40 "
				     "UTC by root (sudo from alice)");
	free(ev);
	/* Without the file: nothing compared. */
	unlink(conf_path);
	record(1002, "weight", RS3, "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 1",
	       "-a -t 192.0.2.10:80 -r 10.0.0.3:80 -m -w 7", true);
	snapshot_unref(s);
	s = kernel(3, 1, 1003);
	CU_ASSERT_EQUAL(undo_watch_poll(w, s, &ev, &n), 0);
	CU_ASSERT_EQUAL(n, 0);
	snapshot_unref(s);
	undo_watch_free(w);
	unlink(logpath);
}

int register_undo(void)
{
	CU_pSuite s = CU_add_suite("undo", NULL, NULL);
	if (!s || !CU_add_test(s, "quiesce undone by keepalived, said once", test_quiesce_restored) ||
	    !CU_add_test(s, "two readers, one mark", test_two_readers_once) ||
	    !CU_add_test(s, "removed server re-added", test_removed_readded) ||
	    !CU_add_test(s, "restored, failed, undeclared, older, bad file", test_not_undone) ||
	    !CU_add_test(s, "log readable only", test_read_only_log) ||
	    !CU_add_test(s, "log rotated", test_rotated) ||
	    !CU_add_test(s, "watch of the declared file, event line", test_watch_event))
		return -1;
	return 0;
}
