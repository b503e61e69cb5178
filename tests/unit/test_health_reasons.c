/* Every failed check says why: a reason from a bounded set with a number
 * and a text, per check kind, on the loopback; and annotate carries it to
 * snapshots without holding the engine's lock while it writes them. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/health.h"
#include "collector/health/health_int.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "failmalloc.h"
#include "health_srv.h"

static void test_refused_and_since(void)
{
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_TCP);
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r, later;
	CU_ASSERT_TRUE_FATAL(wait_state(h, 0, LVS_HEALTH_DOWN, 2000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_REFUSED);
	CU_ASSERT_EQUAL(r.reason_code, 0);
	CU_ASSERT(r.reason_since > 0);
	char buf[160];
	CU_ASSERT_STRING_EQUAL(health_reason_label(r.reason, r.reason_code, buf, sizeof(buf)),
	                       "connection refused");
	CU_ASSERT_STRING_EQUAL(health_reason_text(&r, buf, sizeof(buf)),
	                       "connection refused (connect: Connection refused)");
	/* the same reason again keeps the time it was first seen */
	for (int i = 0; i < 400; i++) {
		health_result(h, 0, &later);
		if (later.checks >= r.checks + 2)
			break;
		hc_test_msleep(5);
	}
	CU_ASSERT(later.checks >= r.checks + 2);
	CU_ASSERT_EQUAL(later.reason, LVS_HR_REFUSED);
	CU_ASSERT_EQUAL(later.reason_since, r.reason_since);
	CU_ASSERT(later.last > r.last);
	health_free(h);
}

/* A listener whose accept queue is full drops new SYNs: the connect hangs
 * on the loopback as it would towards a dead host. */
static void test_timeout_phases(void)
{
	uint16_t full_port;
	int lfd = hc_test_bind(AF_INET, SOCK_STREAM, &full_port);
	CU_ASSERT_FATAL(lfd >= 0 && listen(lfd, 0) == 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(full_port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	int fill[4];
	for (int i = 0; i < 4; i++) {
		fill[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[i], (struct sockaddr *)&sa, sizeof(sa));
	}
	hc_test_msleep(50);
	struct srv *silent = srv_start(AF_INET, SRV_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(silent);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, full_port, LVS_CHECK_TCP);
	spec[0].timeout = 0.2;
	spec_for(&spec[1], AF_INET, silent->port, LVS_CHECK_HTTP);
	spec[1].timeout = 0.2;
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TIMEOUT_CONNECT);
	CU_ASSERT_STRING_EQUAL(r.error, "timeout after 0.2 s");
	char buf[160];
	CU_ASSERT_STRING_EQUAL(health_reason_text(&r, buf, sizeof(buf)),
	                       "timeout connect (timeout after 0.2 s)");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TIMEOUT_RESPONSE);
	CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "timeout response");
	health_free(h);
	srv_stop(silent);
	for (int i = 0; i < 4; i++)
		close(fill[i]);
	close(lfd);
}

static void test_http_reasons(void)
{
	struct srv *nf = srv_start(AF_INET, SRV_HTTP, "HTTP/1.0 404 Not Found\r\n\r\nnope", 0);
	struct srv *ok = srv_start(AF_INET, SRV_HTTP, "HTTP/1.0 200 OK\r\n\r\nall fine", 0);
	struct srv *junk = srv_start(AF_INET, SRV_HTTP, "SSH-2.0-OpenSSH\r\n", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(ok);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
	struct lvs_check_spec spec[4];
	spec_for(&spec[0], AF_INET, nf->port, LVS_CHECK_HTTP);
	spec_for(&spec[1], AF_INET, ok->port, LVS_CHECK_HTTP);
	spec[1].http_expect = "healthy";
	spec_for(&spec[2], AF_INET, junk->port, LVS_CHECK_HTTP);
	spec_for(&spec[3], AF_INET, ok->port, LVS_CHECK_HTTP);
	spec[3].http_expect = "fine";
	lvs_health *h = engine_with(spec, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	char buf[160];
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 2000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_HTTP_STATUS);
	CU_ASSERT_EQUAL(r.reason_code, 404);
	CU_ASSERT_STRING_EQUAL(health_reason_label(r.reason, r.reason_code, buf, sizeof(buf)),
	                       "http 404");
	CU_ASSERT_STRING_EQUAL(health_reason_text(&r, buf, sizeof(buf)),
	                       "http 404 (HTTP 404, expected 2xx)");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 2000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_EXPECT);
	CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "expected text not found");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 2000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_BAD_RESPONSE);
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_UP, 2000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_NONE);
	CU_ASSERT_EQUAL(r.reason_since, 0);
	CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "");
	health_free(h);
	srv_stop(nf);
	srv_stop(ok);
	srv_stop(junk);
}

static void test_udp_unreachable(void)
{
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, closed_port(AF_INET, SOCK_DGRAM), LVS_CHECK_UDP);
	spec_for(&spec[1], AF_INET6, closed_port(AF_INET6, SOCK_DGRAM), LVS_CHECK_UDP);
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	for (size_t i = 0; i < 2; i++) {
		CU_ASSERT_TRUE(wait_state(h, i, LVS_HEALTH_DOWN, 2000, &r));
		CU_ASSERT_EQUAL(r.reason, LVS_HR_UNREACHABLE);
		CU_ASSERT_STRING_EQUAL(health_reason_name(r.reason), "icmp unreachable");
	}
	health_free(h);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
	chmod(path, mode);
}

static void test_exec_reasons(void)
{
	char dir[] = "/tmp/lvstop-reasons-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	/* a long path, so that a message with the path first would be cut
	 * before the cause */
	char noshebang[256];
	snprintf(noshebang, sizeof(noshebang), "%s/a-check-script-with-a-rather-long-name-to-run.sh",
	         dir);
	write_file(noshebang, "exit 0\n", 0755);
	const char *exit3[] = {"/bin/sh", "-c", "exit 3", "x", NULL};
	const char *sig[] = {"/bin/sh", "-c", "kill -TERM $$", "x", NULL};
	const char *slow[] = {"/bin/sh", "-c", "sleep 5", "x", NULL};
	const char *bad[] = {noshebang, NULL};
	struct lvs_check_spec spec[4];
	const char *const *argvs[4] = {exit3, sig, slow, bad};
	for (int i = 0; i < 4; i++) {
		spec_for(&spec[i], AF_INET, 80, LVS_CHECK_EXEC);
		spec[i].exec_argv = argvs[i];
	}
	spec[2].timeout = 0.2;
	spec[2].interval = 5;
	lvs_health *h = engine_with(spec, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_EXIT);
	CU_ASSERT_EQUAL(r.reason_code, 3);
	CU_ASSERT_STRING_EQUAL(r.error, "exit 3");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_SIGNAL);
	CU_ASSERT_EQUAL(r.reason_code, 15);
	CU_ASSERT_STRING_EQUAL(r.error, "killed by signal 15 (SIGTERM)");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_TIMEOUT_EXEC);
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.reason, LVS_HR_EXEC_FAILED);
	CU_ASSERT_EQUAL(strncmp(r.error, "exec format error (no #! line?): ", 33), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(r.error, "/tmp/lvstop-reasons-"));
	health_free(h);
	unlink(noshebang);
	rmdir(dir);
}

/* What --check-config relies on: the program is judged as posix_spawnp
 * will run it. */
static void test_exec_check(void)
{
	char dir[] = "/tmp/lvstop-execcheck-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char plain[128], script[128], data[128];
	snprintf(plain, sizeof(plain), "%s/plain", dir);
	snprintf(script, sizeof(script), "%s/lvs-check-script", dir);
	snprintf(data, sizeof(data), "%s/data", dir);
	write_file(plain, "exit 0\n", 0755);
	write_file(script, "#!/bin/sh\nexit 0\n", 0755);
	write_file(data, "#!/bin/sh\n", 0644);
	char msg[256] = "";
	CU_ASSERT_EQUAL(health_exec_check(plain, msg, sizeof(msg)), -ENOEXEC);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "#!"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, plain));
	CU_ASSERT_EQUAL(health_exec_check(script, msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(health_exec_check(data, msg, sizeof(msg)), -EACCES);
	CU_ASSERT_EQUAL(health_exec_check("/nonexistent/x", msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_EQUAL(health_exec_check("/bin/sh", msg, sizeof(msg)), 0); /* ELF */
	CU_ASSERT_EQUAL(health_exec_check(dir, msg, sizeof(msg)), -EACCES); /* a directory */

	char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	char cwd[4096];
	CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
	CU_ASSERT_FATAL(chdir(dir) == 0);
	/* an empty entry is the current directory, as for posix_spawnp */
	setenv("PATH", "/nonexistent:", 1);
	CU_ASSERT_EQUAL(health_exec_check("lvs-check-script", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(health_exec_check("plain", msg, sizeof(msg)), -ENOEXEC);
	setenv("PATH", "/nonexistent", 1);
	CU_ASSERT_EQUAL(health_exec_check("lvs-check-script", msg, sizeof(msg)), -ENOENT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "in PATH"));
	/* and the engine finds it the same way */
	setenv("PATH", "/nonexistent::/bin", 1);
	const char *argv[] = {"lvs-check-script", NULL};
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, 80, LVS_CHECK_EXEC);
	spec.exec_argv = argv;
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 3000, NULL));
	health_free(h);
	unsetenv("PATH"); /* posix_spawnp's default then: /bin:/usr/bin */
	CU_ASSERT_EQUAL(health_exec_check("sh", msg, sizeof(msg)), 0);
	CU_ASSERT_EQUAL(health_exec_check("lvs-check-script", msg, sizeof(msg)), -ENOENT);
	if (old_path) {
		setenv("PATH", old_path, 1);
		free(old_path);
	}
	CU_ASSERT(chdir(cwd) == 0);
	unlink(plain);
	unlink(script);
	unlink(data);
	rmdir(dir);
}

/* on_change hears why. */
struct why {
	pthread_mutex_t lock;
	char text[160];
	int n;
};

static void why_on_change(void *arg, const struct lvs_check_spec *spec,
                          const struct lvs_check_result *res, enum lvs_health from,
                          enum lvs_health to)
{
	struct why *w = arg;
	(void)spec;
	(void)from;
	pthread_mutex_lock(&w->lock);
	if (to == LVS_HEALTH_DOWN && !w->n++)
		health_reason_text(res, w->text, sizeof(w->text));
	pthread_mutex_unlock(&w->lock);
}

static void test_on_change_reason(void)
{
	struct srv *s = srv_start(AF_INET, SRV_HTTP, "HTTP/1.1 503 Busy\r\n\r\n", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct why w = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct lvs_health_opts o = {.on_change = why_on_change, .arg = &w};
	lvs_health *h = health_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, s->port, LVS_CHECK_HTTP);
	CU_ASSERT_EQUAL(health_set_checks(h, &spec, 1), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 2000, NULL));
	health_stop(h);
	CU_ASSERT_EQUAL(w.n, 1);
	CU_ASSERT_STRING_EQUAL(w.text, "http 503 (HTTP 503, expected 2xx)");
	health_free(h);
	srv_stop(s);
}

/* annotate: results copied under the lock, the snapshot written after. */
static int hook_calls, hook_trylock;

static void hook(struct lvs_health_engine *h)
{
	hook_calls++;
	hook_trylock = pthread_mutex_trylock(&h->lock);
	if (hook_trylock == 0)
		pthread_mutex_unlock(&h->lock);
}

static void test_annotate_unlocked(void)
{
	uint16_t down = closed_port(AF_INET, SOCK_STREAM);
	struct lvs_snapshot *snap = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = 80};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
	struct lvs_dest d = {.af = AF_INET, .port = down};
	inet_pton(AF_INET, "127.0.0.1", &d.addr.v4);
	snapshot_add_dest(snap, 0, &d);
	snapshot_finish(snap);

	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, down, LVS_CHECK_TCP);
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE_FATAL(wait_state(h, 0, LVS_HEALTH_DOWN, 2000, &r));
	h->annotate_hook = hook;
	hook_calls = 0;
	hook_trylock = -1;
	health_annotate(h, snap);
	CU_ASSERT_EQUAL(hook_calls, 1);
	CU_ASSERT_EQUAL(hook_trylock, 0); /* the lock is free while writing */
	struct lvs_dest *o = &snap->dests[0];
	CU_ASSERT_EQUAL(o->health, LVS_HEALTH_DOWN);
	CU_ASSERT_EQUAL(o->health_reason, LVS_HR_REFUSED);
	CU_ASSERT_EQUAL(o->health_code, 0);
	CU_ASSERT(o->health_reason_since > 0);
	CU_ASSERT_EQUAL(o->health_reason_since, (uint32_t)r.reason_since); /* whole seconds */
	CU_ASSERT_STRING_EQUAL(snapshot_text(snap, o->health_error), "connect: Connection refused");

	/* a set that checks none of the snapshot's real servers: nothing to
	 * copy, and the snapshot stays as it was */
	struct lvs_check_spec none[1];
	spec_for(&none[0], AF_INET, 9, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(health_set_checks(h, none, 1), 0);
	health_annotate(h, snap);
	CU_ASSERT_EQUAL(hook_calls, 1);
	CU_ASSERT_EQUAL(o->health, LVS_HEALTH_DOWN);
	health_free(h);
	snapshot_unref(snap);
}

/* annotate copies the results a batch at a time; a set replaced between
 * two batches (a reload) is read from then on, and the old set's probes
 * that went with it are never read (ASan). Real servers 127.0.0.1:20000+i;
 * the first set checks those with i % 3 != 0, the second, put in place
 * while annotate writes its first batch, those with i % 3 != 1. The
 * source left every real server UP with code 7: one that is annotated
 * becomes UNKNOWN (no check has run: the engine is not started). */
#define BATCHED_RS 10000
static lvs_health *batched_h;
static struct lvs_check_spec *batched_second;
static size_t batched_n_second;

static void batched_hook(struct lvs_health_engine *h)
{
	hook(h);
	if (hook_calls == 1)
		CU_ASSERT_EQUAL(health_set_checks(batched_h, batched_second, batched_n_second), 0);
}

static void test_annotate_batched(void)
{
	struct lvs_snapshot *snap = snapshot_new();
	struct lvs_check_spec *first = calloc(BATCHED_RS, sizeof(*first));
	batched_second = calloc(BATCHED_RS, sizeof(*batched_second));
	CU_ASSERT_FATAL(snap && first && batched_second);
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = 80};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
	size_t n_first = 0;
	batched_n_second = 0;
	for (unsigned i = 0; i < BATCHED_RS; i++) {
		struct lvs_dest d = {.af = AF_INET, .port = (uint16_t)(20000 + i),
		                     .health = LVS_HEALTH_UP, .health_code = 7};
		inet_pton(AF_INET, "127.0.0.1", &d.addr.v4);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(snap, 0, &d), 0);
		struct lvs_check_spec sp;
		spec_for(&sp, AF_INET, d.port, LVS_CHECK_TCP);
		if (i % 3 != 0)
			first[n_first++] = sp;
		if (i % 3 != 1)
			batched_second[batched_n_second++] = sp;
	}
	snapshot_finish(snap);
	batched_h = health_new(&(struct lvs_health_opts){.history = 4});
	CU_ASSERT_PTR_NOT_NULL_FATAL(batched_h);
	CU_ASSERT_EQUAL_FATAL(health_set_checks(batched_h, first, n_first), 0);
	batched_h->annotate_hook = batched_hook;
	hook_calls = 0;
	hook_trylock = -1;
	health_annotate(batched_h, snap);
	CU_ASSERT(hook_calls >= 3); /* 6,667 real servers: batches of a few thousand */
	CU_ASSERT_EQUAL(hook_trylock, 0);
	/* Up to some real server the first set's checks, from it on the
	 * second's. */
	size_t k = 0;
	while (k < BATCHED_RS) {
		const struct lvs_dest *d = &snap->dests[k];
		bool checked = d->health == LVS_HEALTH_UNKNOWN && d->health_code == 0;
		if (checked != (k % 3 != 0))
			break;
		k++;
	}
	CU_ASSERT(k > 0 && k < BATCHED_RS);
	size_t wrong = 0;
	for (size_t i = k; i < BATCHED_RS; i++) {
		const struct lvs_dest *d = &snap->dests[i];
		bool checked = d->health == LVS_HEALTH_UNKNOWN && d->health_code == 0;
		bool source = d->health == LVS_HEALTH_UP && d->health_code == 7;
		if (!(i % 3 != 1 ? checked : source))
			wrong++;
	}
	CU_ASSERT_EQUAL(wrong, 0);
	health_free(batched_h);
	snapshot_unref(snap);
	free(first);
	free(batched_second);
}

/* One real server with more checks than a batch holds (2,100 against
 * 2,048) is annotated alone in a grown batch, between two with one check
 * each: whichever of its checks fails, it is down, and its neighbours
 * are annotated all the same. */
#define MANY_CHECKS 2100

/* Three real servers of one service, 127.0.0.1:20000 to 20002, and their
 * checks: one each for the first and the last, MANY_CHECKS (distinct
 * target ports) for the second. An engine (not started) with them. */
static lvs_health *one_with_many(struct lvs_snapshot **snap_out)
{
	struct lvs_snapshot *snap = snapshot_new();
	struct lvs_check_spec *specs = calloc(MANY_CHECKS + 2, sizeof(*specs));
	CU_ASSERT_FATAL(snap && specs);
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = 80};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
	for (unsigned i = 0; i < 3; i++) {
		struct lvs_dest d = {.af = AF_INET, .port = (uint16_t)(20000 + i)};
		inet_pton(AF_INET, "127.0.0.1", &d.addr.v4);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(snap, 0, &d), 0);
	}
	snapshot_finish(snap);
	size_t n = 0;
	spec_for(&specs[n++], AF_INET, 20000, LVS_CHECK_TCP);
	for (unsigned k = 0; k < MANY_CHECKS; k++) {
		spec_for(&specs[n], AF_INET, 20001, LVS_CHECK_TCP);
		specs[n++].target_port = (uint16_t)(30000 + k);
	}
	spec_for(&specs[n++], AF_INET, 20002, LVS_CHECK_TCP);
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL_FATAL(health_set_checks(h, specs, n), 0);
	free(specs);
	*snap_out = snap;
	return h;
}

static void test_annotate_one_with_many(void)
{
	struct lvs_snapshot *snap;
	lvs_health *h = one_with_many(&snap);
	CU_ASSERT_EQUAL_FATAL(h->set->n, MANY_CHECKS + 2);
	size_t wrong = 0, tried = 0;
	for (size_t i = 0; i < h->set->n; i++) {
		struct hc_probe *p = h->set->probe[i];
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		if (h->set->ents[i].port != 20001)
			continue;
		for (unsigned j = 0; j < 3; j++) {
			snap->dests[j].health = LVS_HEALTH_UP;
			snap->dests[j].health_code = 7;
		}
		p->state = LVS_HEALTH_DOWN;
		p->reason = LVS_HR_REFUSED;
		health_annotate(h, snap);
		p->state = LVS_HEALTH_UNKNOWN;
		p->reason = LVS_HR_NONE;
		tried++;
		if (snap->dests[1].health != LVS_HEALTH_DOWN ||
		    snap->dests[1].health_reason != LVS_HR_REFUSED ||
		    snap->dests[0].health != LVS_HEALTH_UNKNOWN || snap->dests[0].health_code ||
		    snap->dests[2].health != LVS_HEALTH_UNKNOWN || snap->dests[2].health_code)
			wrong++;
	}
	CU_ASSERT_EQUAL(tried, MANY_CHECKS);
	CU_ASSERT_EQUAL(wrong, 0);
	health_free(h);
	snapshot_unref(snap);
}

/* annotate with each of its allocations failing in turn, from the first
 * to one past the last: every real server of snap comes out either as
 * the source made it (UP, code 7) or annotated as `want` says, and the
 * annotated ones come first (batches are written in order); with none
 * failing, every one is annotated. want(i): the state real server i
 * gets from its checks. Returns the allocations one annotate makes. */
static unsigned long annotate_each_failing(lvs_health *h, struct lvs_snapshot *snap,
					   int8_t (*want)(size_t i))
{
	failmalloc_arm(0);
	health_annotate(h, snap);
	unsigned long allocs = failmalloc_count();
	failmalloc_disarm();
	for (unsigned long k = 1; k <= allocs + 1; k++) {
		for (size_t i = 0; i < snap->n_dests; i++) {
			snap->dests[i].health = LVS_HEALTH_UP;
			snap->dests[i].health_code = 7;
		}
		failmalloc_arm(k);
		health_annotate(h, snap);
		bool fired = failmalloc_fired();
		failmalloc_disarm();
		size_t done = 0, wrong = 0;
		while (done < snap->n_dests && snap->dests[done].health == want(done) &&
		       snap->dests[done].health_code == 0)
			done++;
		for (size_t i = done; i < snap->n_dests; i++)
			wrong += snap->dests[i].health != LVS_HEALTH_UP || snap->dests[i].health_code != 7;
		CU_ASSERT_EQUAL(wrong, 0);
		CU_ASSERT_EQUAL(fired, k <= allocs);
		if (!fired)
			CU_ASSERT_EQUAL(done, snap->n_dests);
	}
	return allocs;
}

static int8_t all_down(size_t i)
{
	(void)i;
	return LVS_HEALTH_DOWN;
}

static int8_t second_down(size_t i)
{
	return i == 1 ? LVS_HEALTH_DOWN : LVS_HEALTH_UNKNOWN;
}

/* Without memory annotate leaves what it has not written as the source
 * made it: 5,000 real servers (three batches), and one real server with
 * more checks than a batch holds, whose batch must grow. */
#define NOMEM_RS 5000
static void test_annotate_nomem(void)
{
	struct lvs_snapshot *snap = snapshot_new();
	struct lvs_check_spec *specs = calloc(NOMEM_RS, sizeof(*specs));
	CU_ASSERT_FATAL(snap && specs);
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = 80};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
	for (unsigned i = 0; i < NOMEM_RS; i++) {
		struct lvs_dest d = {.af = AF_INET, .port = (uint16_t)(20000 + i)};
		inet_pton(AF_INET, "127.0.0.1", &d.addr.v4);
		CU_ASSERT_EQUAL_FATAL(snapshot_add_dest(snap, 0, &d), 0);
		spec_for(&specs[i], AF_INET, d.port, LVS_CHECK_TCP);
	}
	snapshot_finish(snap);
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL_FATAL(health_set_checks(h, specs, NOMEM_RS), 0);
	for (size_t i = 0; i < h->set->n; i++)
		h->set->probe[i]->state = LVS_HEALTH_DOWN;
	CU_ASSERT(annotate_each_failing(h, snap, all_down) >= 3);
	health_free(h);
	snapshot_unref(snap);
	free(specs);

	/* one real server with 2,100 checks between two with one each */
	h = one_with_many(&snap);
	h->set->probe[MANY_CHECKS / 2 + 1]->state = LVS_HEALTH_DOWN;
	/* the three buffers, and the batch grown for the second */
	CU_ASSERT(annotate_each_failing(h, snap, second_down) >= 4);
	health_free(h);
	snapshot_unref(snap);
}

/* The reason goes through the snapshot JSON (lvsd's /api/v1/snapshot,
 * recordings) and back. */
static void test_reason_json(void)
{
	struct lvs_snapshot *snap = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = 80};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
	struct lvs_dest d = {.af = AF_INET, .port = 8080, .health = LVS_HEALTH_DOWN,
	                     .health_reason = LVS_HR_HTTP_STATUS, .health_code = 404,
	                     .health_since = 1.7e9, .health_reason_since = 1.7e9 - 5};
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	snapshot_add_dest(snap, 0, &d);
	d.port = 8081;
	d.health_reason = LVS_HR_TIMEOUT_CONNECT;
	d.health_code = 0;
	snapshot_add_dest(snap, 0, &d);
	d.port = 8082;
	d.health = LVS_HEALTH_UP;
	d.health_reason = LVS_HR_NONE;
	d.health_reason_since = 0;
	snapshot_add_dest(snap, 0, &d);
	snapshot_finish(snap);
	char *txt = snapjson_render(snap, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"health_reason\":\"http 404\""));
	CU_ASSERT_PTR_NOT_NULL(strstr(txt, "\"health_reason\":\"timeout connect\""));
	struct lvs_snapshot *back = NULL;
	char err[256];
	CU_ASSERT_EQUAL_FATAL(snapjson_parse(txt, strlen(txt), &back, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(back->n_dests, 3);
	CU_ASSERT_EQUAL(back->dests[0].health_reason, LVS_HR_HTTP_STATUS);
	CU_ASSERT_EQUAL(back->dests[0].health_code, 404);
	CU_ASSERT_EQUAL(back->dests[0].health_reason_since, 1.7e9 - 5);
	CU_ASSERT_EQUAL(back->dests[1].health_reason, LVS_HR_TIMEOUT_CONNECT);
	CU_ASSERT_EQUAL(back->dests[2].health_reason, LVS_HR_NONE);
	free(txt);
	snapshot_unref(back);
	snapshot_unref(snap);

	unsigned reason, code;
	CU_ASSERT_EQUAL(health_reason_parse("http 503", &reason, &code), 0);
	CU_ASSERT_EQUAL(reason, LVS_HR_HTTP_STATUS);
	CU_ASSERT_EQUAL(code, 503);
	CU_ASSERT_EQUAL(health_reason_parse("http 5031", &reason, &code), -EINVAL);
	CU_ASSERT_EQUAL(health_reason_parse("http 700", &reason, &code), -EINVAL);
	CU_ASSERT_EQUAL(health_reason_parse("dns rcode", &reason, &code), 0);
	CU_ASSERT_EQUAL(reason, LVS_HR_DNS_RCODE);
	CU_ASSERT_EQUAL(health_reason_parse("martians", &reason, &code), -EINVAL);
	/* every name is distinct and parses back to itself */
	for (unsigned i = 1; i < LVS_HR_COUNT; i++) {
		CU_ASSERT_EQUAL(health_reason_parse(health_reason_name(i), &reason, &code), 0);
		CU_ASSERT_EQUAL(reason, i);
	}
	CU_ASSERT_STRING_EQUAL(health_reason_name(LVS_HR_COUNT), "?");
}

int register_health_reasons(void)
{
	CU_pSuite s = CU_add_suite("health reasons", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "refused, and since when", test_refused_and_since) ||
	    !CU_add_test(s, "timeouts say their phase", test_timeout_phases) ||
	    !CU_add_test(s, "HTTP status, body, garbage", test_http_reasons) ||
	    !CU_add_test(s, "UDP ICMP unreachable", test_udp_unreachable) ||
	    !CU_add_test(s, "exec exit, signal, timeout, format", test_exec_reasons) ||
	    !CU_add_test(s, "exec program checked as spawn runs it", test_exec_check) ||
	    !CU_add_test(s, "on_change hears the reason", test_on_change_reason) ||
	    !CU_add_test(s, "annotate writes outside the lock", test_annotate_unlocked) ||
	    !CU_add_test(s, "annotate in batches, across a reload", test_annotate_batched) ||
	    !CU_add_test(s, "annotate one real server with more checks than a batch",
			 test_annotate_one_with_many) ||
	    !CU_add_test(s, "annotate without memory", test_annotate_nomem) ||
	    !CU_add_test(s, "reasons in the snapshot JSON", test_reason_json))
		return -1;
	return 0;
}
