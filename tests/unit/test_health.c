/* The health-check engine against real sockets and processes on the
 * loopback (127.0.0.1 and ::1): small servers run on threads here, the
 * engine on its own thread, and the tests watch results change. */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collector/health.h"
#include "collector/snapshot.h"
#include "health_srv.h"

/* --- TCP ------------------------------------------------------------------ */

/* rise 3, fall 2: the history shows the state flip on exactly the 3rd
 * success in a row and on exactly the 2nd failure in a row. */
static void test_tcp_rise_fall(void)
{
	struct srv *s = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, s->port, LVS_CHECK_TCP);
	spec.rise = 3;
	spec.fall = 2;
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "");
	CU_ASSERT(r.since > 0);

	struct lvs_check_sample smp[64];
	size_t n = health_history(h, 0, smp, 64);
	CU_ASSERT_FATAL(n >= 3);
	size_t up = 0;
	while (up < n && smp[up].state != LVS_HEALTH_UP)
		up++;
	CU_ASSERT_EQUAL(up, 2); /* samples 0 and 1 still UNKNOWN */
	CU_ASSERT_TRUE(smp[0].ok && smp[1].ok && smp[2].ok);
	CU_ASSERT_EQUAL(smp[0].state, LVS_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(smp[1].state, LVS_HEALTH_UNKNOWN);

	/* the listener goes away: refused */
	srv_stop(s);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "connect: Connection refused");
	CU_ASSERT_EQUAL(r.fail_run, 2);
	n = health_history(h, 0, smp, 64);
	size_t first_fail = 0;
	while (first_fail < n && smp[first_fail].ok)
		first_fail++;
	CU_ASSERT_FATAL(first_fail + 1 < n);
	CU_ASSERT_EQUAL(smp[first_fail].state, LVS_HEALTH_UP); /* one failure: not yet */
	CU_ASSERT_EQUAL(smp[first_fail + 1].state, LVS_HEALTH_DOWN);
	health_free(h);
}

/* By default an engine keeps no past results: checks run, results
 * and transitions are as ever, and health_history finds none. */
static void test_no_history_by_default(void)
{
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_TCP);
	spec.fall = 2;
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL_FATAL(health_set_checks(h, &spec, 1), 0);
	CU_ASSERT_EQUAL_FATAL(health_start(h), 0);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT(r.checks >= 2);
	CU_ASSERT_EQUAL(r.fail_run, r.checks);
	struct lvs_check_sample smp[4];
	CU_ASSERT_EQUAL(health_history(h, 0, smp, 4), 0);
	health_free(h);
}

static void test_tcp_closed_port(void)
{
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_TCP);
	spec.fall = 3;
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT(r.checks >= 3);
	CU_ASSERT_EQUAL(r.failures, r.checks);
	CU_ASSERT_STRING_EQUAL(r.error, "connect: Connection refused");
	struct lvs_check_sample smp[16];
	size_t n = health_history(h, 0, smp, 16);
	CU_ASSERT_FATAL(n >= 3);
	if (r.checks == n) { /* all of them kept: the flip is the 3rd */
		CU_ASSERT_EQUAL(smp[0].state, LVS_HEALTH_UNKNOWN);
		CU_ASSERT_EQUAL(smp[1].state, LVS_HEALTH_UNKNOWN);
		CU_ASSERT_EQUAL(smp[2].state, LVS_HEALTH_DOWN);
	}
	CU_ASSERT_FALSE(smp[n - 1].ok);
	health_free(h);
}

static void test_tcp_ipv6(void)
{
	struct srv *s = srv_start(AF_INET6, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET6, s->port, LVS_CHECK_TCP);
	spec_for(&spec[1], AF_INET6, closed_port(AF_INET6, SOCK_STREAM), LVS_CHECK_TCP);
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, NULL));
	/* the server thread accepts after the handshake the check saw */
	for (int i = 0; i < 100 && atomic_load(&s->accepted) == 0; i++)
		hc_test_msleep(10);
	CU_ASSERT(atomic_load(&s->accepted) > 0);
	health_free(h);
	srv_stop(s);
}

/* The target may differ from the real server judged (a monitor port). */
static void test_tcp_target_port(void)
{
	struct srv *s = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_TCP);
	spec.target_port = s->port;
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	health_free(h);
	srv_stop(s);
}

/* --- HTTP ------------------------------------------------------------------ */

#define OK_BODY "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nX-Pad: ALIV\r\n\r\nstatus: ALIVE\n"

static void test_http_status_and_body(void)
{
	struct srv *s = srv_start(AF_INET, SRV_HTTP, OK_BODY, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[3];
	spec_for(&spec[0], AF_INET, s->port, LVS_CHECK_HTTP);
	spec[0].http_path = "/healthz";
	spec[0].http_status = 200;
	spec[0].http_expect = "ALIVE";
	spec_for(&spec[1], AF_INET, s->port, LVS_CHECK_HTTP);
	spec[1].http_expect = "DEAD"; /* the body does not say it */
	spec_for(&spec[2], AF_INET, s->port, LVS_CHECK_HTTP);
	spec[2].http_status = 204; /* wrong status */
	lvs_health *h = engine_with(spec, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "body lacks \"DEAD\"");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "HTTP 200, expected 204");
	health_free(h);

	char host[64];
	snprintf(host, sizeof(host), "\r\nHost: 127.0.0.1:%u\r\n", s->port);
	pthread_mutex_lock(&s->lock);
	CU_ASSERT_PTR_NOT_NULL(strstr(s->request, host));
	CU_ASSERT_EQUAL(strncmp(s->request, "GET ", 4), 0);
	pthread_mutex_unlock(&s->lock);
	srv_stop(s);
}

static void test_http_malformed(void)
{
	struct srv *junk = srv_start(AF_INET, SRV_HTTP, "SSH-2.0-OpenSSH_9.2\r\n", 0);
	struct srv *empty = srv_start(AF_INET, SRV_HTTP, "", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(junk);
	CU_ASSERT_PTR_NOT_NULL_FATAL(empty);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, junk->port, LVS_CHECK_HTTP);
	spec_for(&spec[1], AF_INET, empty->port, LVS_CHECK_HTTP);
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "bad HTTP status line");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "closed before the HTTP status line");
	health_free(h);
	srv_stop(junk);
	srv_stop(empty);
}

static void test_http_wrong_status(void)
{
	struct srv *s = srv_start(AF_INET, SRV_HTTP,
	                          "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n", 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, s->port, LVS_CHECK_HTTP);
	spec[0].http_status = 200;
	spec_for(&spec[1], AF_INET, s->port, LVS_CHECK_HTTP); /* any 2xx */
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "HTTP 503, expected 200");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "HTTP 503, expected 2xx");
	health_free(h);
	srv_stop(s);
}

/* Status line, headers and the expected text all cut across reads. */
static void test_http_split_reads(void)
{
	struct srv *s = srv_start(AF_INET, SRV_HTTP, OK_BODY, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, s->port, LVS_CHECK_HTTP);
	spec.interval = 0.2;
	spec.timeout = 1.5;
	spec.http_status = 200;
	spec.http_expect = "s: ALIVE";
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 3000, &r));
	/* 3-byte writes 2 ms apart: the check must have waited for many reads */
	CU_ASSERT(r.seconds > 0.02);
	health_free(h);
	srv_stop(s);
}

static void test_http_raw_request(void)
{
	struct srv *s = srv_start(AF_INET6, SRV_HTTP, OK_BODY, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET6, s->port, LVS_CHECK_HTTP);
	spec.http_request = "GET /raw HTTP/1.0\r\nHost: www.example.com\r\n\r\n";
	spec.http_expect = "ALIVE";
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	health_free(h);
	pthread_mutex_lock(&s->lock);
	CU_ASSERT_STRING_EQUAL(s->request, "GET /raw HTTP/1.0\r\nHost: www.example.com\r\n\r\n");
	pthread_mutex_unlock(&s->lock);
	srv_stop(s);
}

static void test_http_timeout(void)
{
	struct srv *s = srv_start(AF_INET, SRV_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, s->port, LVS_CHECK_HTTP);
	spec.timeout = 0.2;
	double t0 = hc_test_now();
	lvs_health *h = engine_with(&spec, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT(hc_test_now() - t0 >= 0.2);
	CU_ASSERT_STRING_EQUAL(r.error, "timeout after 0.2 s");
	CU_ASSERT(r.seconds >= 0.19f && r.seconds < 2.0f);
	health_free(h);
	srv_stop(s);
}

/* --- UDP ------------------------------------------------------------------- */

static void test_udp(void)
{
	struct srv *echo = srv_start(AF_INET, SRV_UDP_ECHO, NULL, 0);
	struct srv *mute = srv_start(AF_INET, SRV_UDP_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(echo);
	CU_ASSERT_PTR_NOT_NULL_FATAL(mute);
	uint16_t closed = closed_port(AF_INET, SOCK_DGRAM);
	struct lvs_check_spec spec[6];
	spec_for(&spec[0], AF_INET, echo->port, LVS_CHECK_UDP);
	spec[0].udp_payload = "ping 42";
	spec[0].udp_payload_len = 7;
	spec[0].udp_expect = "42";
	spec_for(&spec[1], AF_INET, closed, LVS_CHECK_UDP); /* refused */
	spec[1].udp_payload = "x";
	spec[1].udp_payload_len = 1;
	spec[2] = spec[1];
	spec[2].udp_no_icmp = true; /* refused even so */
	spec_for(&spec[3], AF_INET, mute->port, LVS_CHECK_UDP); /* no reply: timeout */
	spec[3].timeout = 0.1;
	spec[4] = spec[3];
	spec[4].udp_no_icmp = true; /* no reply and no ICMP: up */
	spec[5] = spec[0];
	spec[5].udp_expect = "pong"; /* a reply without the text */
	lvs_health *h = engine_with(spec, 6);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "ICMP port unreachable");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "ICMP port unreachable");
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "timeout after 0.1 s");
	CU_ASSERT_TRUE(wait_state(h, 4, LVS_HEALTH_UP, 10000, &r));
	CU_ASSERT(r.seconds >= 0.09f);
	CU_ASSERT_TRUE(wait_state(h, 5, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "reply lacks \"pong\"");
	health_free(h);
	for (int i = 0; i < 100 && atomic_load(&mute->accepted) == 0; i++)
		hc_test_msleep(10);
	CU_ASSERT(atomic_load(&mute->accepted) > 0); /* the datagrams did arrive */
	srv_stop(echo);
	srv_stop(mute);
}

static void test_udp_ipv6(void)
{
	struct srv *echo = srv_start(AF_INET6, SRV_UDP_ECHO, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(echo);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET6, echo->port, LVS_CHECK_UDP);
	spec_for(&spec[1], AF_INET6, closed_port(AF_INET6, SOCK_DGRAM), LVS_CHECK_UDP);
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL)); /* an empty datagram echoed */
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 10000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "ICMP port unreachable");
	health_free(h);
	srv_stop(echo);
}

/* --- EXEC ------------------------------------------------------------------- */

static bool read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return true;
}

static void test_exec(void)
{
	char dir[] = "/tmp/lvstop-health-XXXXXX";
	CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
	char script[1024], argfile[64], pidfile[64];
	snprintf(argfile, sizeof(argfile), "%s/args", dir);
	snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);
	/* $0 is "probe"; the engine appends address and port as $1 $2 */
	snprintf(script, sizeof(script), "printf '%%s|' \"$0\" \"$@\" > %s.tmp && mv %s.tmp %s",
	         argfile, argfile, argfile);
	const char *ok_argv[] = {"/bin/sh", "-c", script, "probe", NULL};
	const char *fail_argv[] = {"false", NULL}; /* found through PATH */
	char sleeper[1024];
	snprintf(sleeper, sizeof(sleeper), "sleep 30 & echo $! > %s.tmp && mv %s.tmp %s; wait",
	         pidfile, pidfile, pidfile);
	const char *slow_argv[] = {"/bin/sh", "-c", sleeper, "slow", NULL};
	const char *missing_argv[] = {"/nonexistent/check", NULL};
	/* a descriptor left without CLOEXEC must not reach the command */
	int leak[2];
	CU_ASSERT_FATAL(pipe(leak) == 0);
	char fdtest[64];
	snprintf(fdtest, sizeof(fdtest), "[ ! -e /proc/self/fd/%d ]", leak[1]);
	const char *fd_argv[] = {"/bin/sh", "-c", fdtest, "fdtest", NULL};

	struct lvs_check_spec spec[5];
	spec_for(&spec[0], AF_INET, 8080, LVS_CHECK_EXEC);
	spec[0].exec_argv = ok_argv;
	spec_for(&spec[1], AF_INET6, 443, LVS_CHECK_EXEC);
	spec[1].exec_argv = fail_argv;
	spec_for(&spec[2], AF_INET, 25, LVS_CHECK_EXEC);
	spec[2].exec_argv = slow_argv;
	spec[2].timeout = 0.3;
	spec[2].interval = 5; /* one run is enough */
	spec_for(&spec[3], AF_INET, 25, LVS_CHECK_EXEC);
	spec[3].exec_argv = missing_argv;
	spec_for(&spec[4], AF_INET, 25, LVS_CHECK_EXEC);
	spec[4].exec_argv = fd_argv;
	/* the slow one on a clock of our own: its timeout comes when we say,
	 * after its child has written the pid, however busy the machine */
	struct fake_clock fc;
	fake_clock_init(&fc);
	lvs_health *slow = engine_fake(&fc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(slow);
	CU_ASSERT_EQUAL(health_set_checks(slow, &spec[2], 1), 0);
	CU_ASSERT_EQUAL(health_start(slow), 0);
	struct lvs_health_stats st = {0};
	for (int t = 0; t < 60 && !st.running; t++) {
		fake_advance(slow, &fc, 0.1);
		health_stats(slow, &st);
	}
	CU_ASSERT_EQUAL_FATAL(st.running, 1);
	lvs_health *h = engine_with(spec, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	spec[2] = spec[4];
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 4), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_result r;
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 3000, NULL));
	char buf[256] = "";
	CU_ASSERT_TRUE(read_file(argfile, buf, sizeof(buf)));
	CU_ASSERT_STRING_EQUAL(buf, "probe|127.0.0.1|8080|");
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "exit 1");
	CU_ASSERT_TRUE(wait_state(h, 3, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "exec /nonexistent/check: No such file or directory");
	CU_ASSERT_TRUE(wait_state(h, 2, LVS_HEALTH_UP, 3000, &r)); /* the descriptor test */
	CU_ASSERT_STRING_EQUAL(r.error, "");
	bool written = false;
	for (int i = 0; i < 600 && !written; i++) {
		written = read_file(pidfile, buf, sizeof(buf));
		if (!written)
			hc_test_msleep(5);
	}
	CU_ASSERT_TRUE(written);
	fake_advance(slow, &fc, 0.2);
	health_result(slow, 0, &r);
	CU_ASSERT_EQUAL(r.checks, 0); /* not yet */
	fake_advance(slow, &fc, 0.1);
	CU_ASSERT_TRUE(wait_state(slow, 0, LVS_HEALTH_DOWN, 6000, &r));
	CU_ASSERT_STRING_EQUAL(r.error, "timeout after 0.3 s");
	CU_ASSERT(r.seconds >= 0.29f && r.seconds < 2.0f);
	/* the timeout killed the whole process group, the background sleep too */
	CU_ASSERT_TRUE(read_file(pidfile, buf, sizeof(buf)));
	pid_t sleeper_pid = (pid_t)atoi(buf);
	CU_ASSERT_FATAL(sleeper_pid > 1);
	bool gone = false;
	for (int i = 0; i < 200 && !gone; i++) {
		char path[64], st[512];
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)sleeper_pid);
		/* gone, or a zombie waiting for init to reap it */
		gone = !read_file(path, st, sizeof(st)) || strstr(st, ") Z ");
		if (!gone)
			hc_test_msleep(10);
	}
	CU_ASSERT_TRUE(gone);
	health_free(h);
	health_free(slow);
	close(leak[0]);
	close(leak[1]);
	unlink(argfile);
	unlink(pidfile);
	rmdir(dir);
}

/* --- sharing and sets --------------------------------------------------------- */

static void test_dedup(void)
{
	struct srv *s = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[3];
	/* the same check of one real server under two services */
	for (int i = 0; i < 2; i++) {
		spec_for(&spec[i], AF_INET, s->port, LVS_CHECK_TCP);
		spec[i].interval = 0.1;
		spec[i].per_service = true;
		spec[i].svc_af = AF_INET;
		spec[i].svc_protocol = IPPROTO_TCP;
		spec[i].svc_port = (uint16_t)(80 + i);
		inet_pton(AF_INET, "192.0.2.1", &spec[i].svc_addr.v4);
	}
	/* same target, other timing: its own probe */
	spec_for(&spec[2], AF_INET, s->port, LVS_CHECK_TCP);
	spec[2].interval = 0.1;
	spec[2].timeout = 0.4;
	struct fake_clock fc;
	fake_clock_init(&fc);
	lvs_health *h = engine_fake(&fc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 2), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	struct lvs_health_stats st;
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.specs, 2);
	CU_ASSERT_EQUAL(st.probes, 1);
	/* the first start lies within one interval */
	fake_advance(h, &fc, 0.1);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_UP, 10000, NULL));
	struct lvs_check_result r0, r1;
	health_result(h, 0, &r0);
	uint64_t c0 = r0.checks;
	/* every check so far connected once: let the server catch up */
	for (int t = 0; t < 2000 && (uint64_t)atomic_load(&s->accepted) < c0; t++)
		hc_test_msleep(5);
	int a0 = atomic_load(&s->accepted);
	CU_ASSERT_EQUAL(a0, (int)c0);
	/* ten intervals: ten checks of one probe, not twenty */
	for (int k = 1; k <= 10; k++) {
		fake_advance(h, &fc, 0.1);
		CU_ASSERT_TRUE(wait_checks(h, 0, c0 + (uint64_t)k));
	}
	health_result(h, 0, &r0);
	health_result(h, 1, &r1);
	CU_ASSERT_EQUAL(r0.checks - c0, 10);
	CU_ASSERT_EQUAL(r0.shared, 2);
	CU_ASSERT_EQUAL(r0.checks, r1.checks);
	for (int t = 0; t < 2000 && atomic_load(&s->accepted) - a0 < 10; t++)
		hc_test_msleep(5);
	CU_ASSERT_EQUAL(atomic_load(&s->accepted) - a0, 10);

	/* and a third spec with other parameters doubles the rate */
	uint64_t before0 = r0.checks;
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 3), 0);
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.probes, 2);
	fake_advance(h, &fc, 0.1);
	/* Both probes' checks of this tick end before their counts are
	 * taken: one still connecting would be accepted but not counted. */
	CU_ASSERT_TRUE(wait_checks(h, 0, before0 + 1));
	CU_ASSERT_TRUE(wait_checks(h, 2, 1));
	struct lvs_check_result r2;
	health_result(h, 0, &r0);
	health_result(h, 2, &r2);
	c0 = r0.checks;
	uint64_t c2 = r2.checks;
	for (int t = 0; t < 2000 && (uint64_t)atomic_load(&s->accepted) < c0 + c2; t++)
		hc_test_msleep(5);
	a0 = atomic_load(&s->accepted);
	CU_ASSERT_EQUAL(a0, (int)(c0 + c2));
	for (int k = 1; k <= 10; k++) {
		fake_advance(h, &fc, 0.1);
		CU_ASSERT_TRUE(wait_checks(h, 0, c0 + (uint64_t)k));
		CU_ASSERT_TRUE(wait_checks(h, 2, c2 + (uint64_t)k));
	}
	for (int t = 0; t < 2000 && atomic_load(&s->accepted) - a0 < 20; t++)
		hc_test_msleep(5);
	CU_ASSERT_EQUAL(atomic_load(&s->accepted) - a0, 20);
	health_free(h);
	srv_stop(s);
}

static void test_set_keeps_state(void)
{
	struct srv *a = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	struct srv *b = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	struct srv *c = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, a->port, LVS_CHECK_TCP);
	spec_for(&spec[1], AF_INET, b->port, LVS_CHECK_TCP);
	spec[0].rise = spec[1].rise = 2;
	struct fake_clock fc;
	fake_clock_init(&fc);
	lvs_health *h = engine_fake(&fc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 2), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	/* rise 2: two rounds each, one interval apart */
	for (uint64_t k = 1; k <= 2; k++) {
		fake_advance(h, &fc, 0.05);
		CU_ASSERT_TRUE(wait_checks(h, 0, k));
		CU_ASSERT_TRUE(wait_checks(h, 1, k));
	}
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	CU_ASSERT_TRUE(wait_state(h, 1, LVS_HEALTH_UP, 10000, NULL));
	struct lvs_check_result before;
	health_result(h, 0, &before);

	/* reload: A unchanged (other user pointer, other position, defaults
	 * spelled out), B gone, C new */
	struct lvs_check_spec next[2];
	spec_for(&next[0], AF_INET, c->port, LVS_CHECK_TCP);
	next[0].rise = 2;
	next[1] = spec[0];
	next[1].user = &next;
	next[1].retry_delay = LVS_CHECK_RETRY_DELAY;
	CU_ASSERT_EQUAL(health_set_checks(h, next, 2), 0);
	CU_ASSERT_EQUAL(health_count(h), 2);
	struct lvs_check_result ra, rc;
	CU_ASSERT_EQUAL(health_result(h, 1, &ra), 0);
	CU_ASSERT_EQUAL(ra.state, LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(ra.since, before.since);
	CU_ASSERT(ra.checks >= before.checks);
	CU_ASSERT_EQUAL(health_result(h, 0, &rc), 0);
	CU_ASSERT_EQUAL(rc.state, LVS_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(health_result(h, 2, &rc), -ENOENT);
	struct lvs_health_stats st;
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.probes, 2);
	for (uint64_t k = 1; k <= 2; k++) {
		fake_advance(h, &fc, 0.05);
		CU_ASSERT_TRUE(wait_checks(h, 0, k));
	}
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));

	/* B is no longer probed: over ten more intervals, A's checks go on
	 * and B's server sees no new connection (once it caught up with the
	 * two it had) */
	health_result(h, 1, &ra);
	uint64_t na = ra.checks;
	for (int k = 1; k <= 10; k++) {
		fake_advance(h, &fc, 0.05);
		CU_ASSERT_TRUE(wait_checks(h, 1, na + (uint64_t)k));
	}
	for (int t = 0; t < 2000 && atomic_load(&b->accepted) < 2; t++)
		hc_test_msleep(5);
	CU_ASSERT_EQUAL(atomic_load(&b->accepted), 2);

	/* a changed parameter is a new probe: state starts over */
	next[1].fall = 4;
	CU_ASSERT_EQUAL(health_set_checks(h, next, 2), 0);
	health_result(h, 1, &ra);
	CU_ASSERT_EQUAL(ra.state, LVS_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(ra.checks, 0);
	health_free(h);
	srv_stop(a);
	srv_stop(b);
	srv_stop(c);
}

/* Sets applied while stopped, stop and restart keep states. */
static void test_stop_restart(void)
{
	struct srv *s = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, s->port, LVS_CHECK_TCP);
	struct fake_clock fc;
	fake_clock_init(&fc);
	lvs_health *h = engine_fake(&fc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, &spec, 1), 0);
	fake_advance(h, &fc, 1); /* not running: no-op, and time passes */
	struct lvs_check_result r;
	CU_ASSERT_EQUAL(health_result(h, 0, &r), 0);
	CU_ASSERT_EQUAL(r.checks, 0); /* nothing runs before start */
	CU_ASSERT_EQUAL(health_start(h), 0);
	CU_ASSERT_EQUAL(health_start(h), -EALREADY);
	fake_advance(h, &fc, 0.05); /* due since the second above */
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	health_stop(h);
	health_result(h, 0, &r);
	uint64_t n = r.checks;
	fake_advance(h, &fc, 1);
	health_result(h, 0, &r);
	CU_ASSERT_EQUAL(r.checks, n); /* stopped: nothing runs */
	CU_ASSERT_EQUAL(r.state, LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(health_start(h), 0);
	fake_advance(h, &fc, 0.05);
	CU_ASSERT_TRUE(wait_checks(h, 0, n + 1));
	health_free(h);
	srv_stop(s);
}

/* keepalived's retry: a failed attempt is tried again before it counts. */
static void test_retry(void)
{
	struct lvs_check_spec spec;
	spec_for(&spec, AF_INET, closed_port(AF_INET, SOCK_STREAM), LVS_CHECK_TCP);
	spec.interval = 0.5;
	spec.retry = 2;
	spec.retry_delay = 0.1;
	struct fake_clock fc;
	fake_clock_init(&fc);
	lvs_health *h = engine_fake(&fc, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, &spec, 1), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	struct lvs_check_result r;
	struct lvs_health_stats st;
	fake_advance(h, &fc, 0.5); /* the first start lies within one interval */
	CU_ASSERT_TRUE(wait_attempts(h, 1));
	health_result(h, 0, &r);
	CU_ASSERT_EQUAL(r.checks, 0); /* a failed attempt, not yet a failure */
	CU_ASSERT_EQUAL(r.state, LVS_HEALTH_UNKNOWN);
	fake_advance(h, &fc, 0.05); /* before the retry delay: nothing */
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.checks, 1);
	fake_advance(h, &fc, 0.05);
	CU_ASSERT_TRUE(wait_attempts(h, 2));
	health_result(h, 0, &r);
	CU_ASSERT_EQUAL(r.state, LVS_HEALTH_UNKNOWN);
	fake_advance(h, &fc, 0.1);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 3000, &r));
	CU_ASSERT_EQUAL(r.checks, 1); /* three attempts, one failure */
	health_stats(h, &st);
	CU_ASSERT_EQUAL(st.checks, 3);
	health_free(h);
}

/* --- callbacks ------------------------------------------------------------------ */

struct changes {
	pthread_mutex_t lock;
	int n;
	enum lvs_health from[16], to[16];
	void *user[16];
};

static void on_change(void *arg, const struct lvs_check_spec *spec,
                      const struct lvs_check_result *res, enum lvs_health from, enum lvs_health to)
{
	struct changes *c = arg;
	(void)res;
	pthread_mutex_lock(&c->lock);
	if (c->n < 16) {
		c->from[c->n] = from;
		c->to[c->n] = to;
		c->user[c->n] = spec->user;
		c->n++;
	}
	pthread_mutex_unlock(&c->lock);
}

static void test_on_change(void)
{
	struct srv *s = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct changes c = {.lock = PTHREAD_MUTEX_INITIALIZER};
	struct lvs_health_opts o = {.on_change = on_change, .arg = &c};
	lvs_health *h = health_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	int u0, u1;
	struct lvs_check_spec spec[2];
	spec_for(&spec[0], AF_INET, s->port, LVS_CHECK_TCP);
	spec[0].user = &u0;
	spec[1] = spec[0]; /* shared probe: both hear about it */
	spec[1].user = &u1;
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 2), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_UP, 10000, NULL));
	srv_stop(s);
	CU_ASSERT_TRUE(wait_state(h, 0, LVS_HEALTH_DOWN, 10000, NULL));
	health_stop(h);
	CU_ASSERT_EQUAL(c.n, 4);
	CU_ASSERT_EQUAL(c.from[0], LVS_HEALTH_UNKNOWN);
	CU_ASSERT_EQUAL(c.to[0], LVS_HEALTH_UP);
	CU_ASSERT_PTR_EQUAL(c.user[0], &u0);
	CU_ASSERT_PTR_EQUAL(c.user[1], &u1);
	CU_ASSERT_EQUAL(c.to[1], LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(c.from[2], LVS_HEALTH_UP);
	CU_ASSERT_EQUAL(c.to[2], LVS_HEALTH_DOWN);
	CU_ASSERT_EQUAL(c.to[3], LVS_HEALTH_DOWN);
	health_free(h);
}

/* on_change may replace the set: it is applied after the callbacks. */
struct reload_ctx {
	lvs_health *h;
	struct lvs_check_spec next[2];
	atomic_int calls, rc;
};

static void reload_on_change(void *arg, const struct lvs_check_spec *spec,
                             const struct lvs_check_result *res, enum lvs_health from,
                             enum lvs_health to)
{
	struct reload_ctx *c = arg;
	(void)res;
	(void)spec;
	(void)from;
	if (to == LVS_HEALTH_UP && atomic_fetch_add(&c->calls, 1) == 0)
		atomic_store(&c->rc, health_set_checks(c->h, c->next, 2) + 1000);
}

static void test_set_from_callback(void)
{
	struct srv *a = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	struct srv *b = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	struct reload_ctx c = {0};
	struct lvs_health_opts o = {.on_change = reload_on_change, .arg = &c};
	c.h = health_new(&o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c.h);
	spec_for(&c.next[0], AF_INET, a->port, LVS_CHECK_TCP);
	spec_for(&c.next[1], AF_INET, b->port, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(health_set_checks(c.h, c.next, 1), 0);
	CU_ASSERT_EQUAL(health_start(c.h), 0);
	for (int i = 0; i < 400 && health_count(c.h) != 2; i++)
		hc_test_msleep(5);
	CU_ASSERT_EQUAL(atomic_load(&c.rc), 1000);
	CU_ASSERT_EQUAL(health_count(c.h), 2);
	struct lvs_check_result r;
	CU_ASSERT_EQUAL(health_result(c.h, 0, &r), 0);
	CU_ASSERT_EQUAL(r.state, LVS_HEALTH_UP); /* kept through the reload */
	CU_ASSERT_TRUE(wait_state(c.h, 1, LVS_HEALTH_UP, 2000, NULL));
	health_free(c.h);
	srv_stop(a);
	srv_stop(b);
}

/* --- snapshot -------------------------------------------------------------------- */

static void add_svc(struct lvs_snapshot *snap, uint16_t port)
{
	struct lvs_service svc = {.af = AF_INET, .protocol = IPPROTO_TCP, .port = port};
	inet_pton(AF_INET, "192.0.2.1", &svc.addr.v4);
	snapshot_add_service(snap, &svc);
}

static void add_dest(struct lvs_snapshot *snap, size_t svc, uint16_t port)
{
	struct lvs_dest d = {.af = AF_INET, .port = port};
	inet_pton(AF_INET, "127.0.0.1", &d.addr.v4);
	snapshot_add_dest(snap, svc, &d);
}

static void test_annotate(void)
{
	struct srv *up = srv_start(AF_INET, SRV_ACCEPT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(up);
	uint16_t down = closed_port(AF_INET, SOCK_STREAM);
	uint16_t none = closed_port(AF_INET, SOCK_STREAM);
	while (none == down) /* two released ports may be the same one */
		none = closed_port(AF_INET, SOCK_STREAM);

	struct lvs_snapshot *snap = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
	add_svc(snap, 80);
	add_svc(snap, 81);
	add_dest(snap, 0, up->port);
	add_dest(snap, 0, down);
	add_dest(snap, 0, none);
	add_dest(snap, 1, up->port);
	add_dest(snap, 1, down);
	snapshot_finish(snap);

	/* default TCP checks for every distinct real server... */
	struct lvs_check_spec *specs;
	size_t n;
	struct lvs_check_spec tmpl;
	spec_for(&tmpl, AF_INET, 0, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(health_specs_for_snapshot(snap, &tmpl, &specs, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	/* ...of which we keep two, plus a failing one for `up` under service
	 * 81 only */
	struct lvs_check_spec use[3];
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (specs[i].port != none)
			use[k++] = specs[i];
	free(specs);
	CU_ASSERT_EQUAL_FATAL(k, 2);
	spec_for(&use[2], AF_INET, up->port, LVS_CHECK_TCP);
	use[2].target_port = down;
	use[2].per_service = true;
	use[2].svc_af = AF_INET;
	use[2].svc_protocol = IPPROTO_TCP;
	use[2].svc_port = 81;
	inet_pton(AF_INET, "192.0.2.1", &use[2].svc_addr.v4);
	lvs_health *h = engine_with(use, 3);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	for (size_t i = 0; i < 3; i++)
		CU_ASSERT_TRUE(wait_state(h, i, use[i].port == down || i == 2 ? LVS_HEALTH_DOWN
		                                                               : LVS_HEALTH_UP,
		                          2000, NULL));
	health_annotate(h, snap);
	struct lvs_dest *d = snap->dests;
	CU_ASSERT_EQUAL(d[0].health, LVS_HEALTH_UP); /* up, service 80 */
	CU_ASSERT_STRING_EQUAL(snapshot_text(snap, d[0].health_error), "");
	CU_ASSERT(d[0].health_since > 0);
	CU_ASSERT(d[0].check_seconds > 0);
	CU_ASSERT_EQUAL(d[1].health, LVS_HEALTH_DOWN);
	CU_ASSERT_STRING_EQUAL(snapshot_text(snap, d[1].health_error), "connect: Connection refused");
	CU_ASSERT_EQUAL(d[2].health, LVS_HEALTH_UNKNOWN); /* no check */
	CU_ASSERT_EQUAL(d[2].health_since, 0);
	CU_ASSERT_EQUAL(d[3].health, LVS_HEALTH_DOWN); /* up, but service 81's check fails */
	CU_ASSERT_STRING_EQUAL(snapshot_text(snap, d[3].health_error), "connect: Connection refused");
	CU_ASSERT_EQUAL(d[4].health, LVS_HEALTH_DOWN);
	health_free(h);
	snapshot_unref(snap);
	srv_stop(up);
}

/* --- specs ------------------------------------------------------------------------ */

static void test_default_specs(void)
{
	struct lvs_snapshot *snap = snapshot_new();
	CU_ASSERT_PTR_NOT_NULL_FATAL(snap);
	struct lvs_service fw = {.af = AF_INET, .fwmark = 7};
	snapshot_add_service(snap, &fw);
	add_svc(snap, 80);
	add_dest(snap, 0, 0);    /* a firewall-mark real server without a port */
	add_dest(snap, 0, 8080);
	add_dest(snap, 1, 8080); /* the same real server under a second service */
	add_dest(snap, 1, 8081);
	snapshot_finish(snap);
	struct lvs_check_spec *specs;
	size_t n;
	CU_ASSERT_EQUAL(health_specs_for_snapshot(snap, NULL, &specs, &n), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(specs[0].type, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(specs[0].port, 8080);
	CU_ASSERT_EQUAL(specs[1].port, 8081);
	CU_ASSERT_FALSE(specs[0].per_service);
	CU_ASSERT_EQUAL(specs[0].interval, LVS_CHECK_INTERVAL);
	free(specs);
	/* a template with a monitor port covers the port-less one too */
	struct lvs_check_spec tmpl;
	spec_for(&tmpl, AF_INET, 0, LVS_CHECK_TCP);
	tmpl.target_port = 9000;
	CU_ASSERT_EQUAL(health_specs_for_snapshot(snap, &tmpl, &specs, &n), 0);
	CU_ASSERT_EQUAL(n, 3);
	free(specs);
	snapshot_unref(snap);
}

static void test_spec_check(void)
{
	struct lvs_check_spec s;
	char msg[128];
	spec_for(&s, AF_INET, 80, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), 0);
	s.interval = -1;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "interval"));
	spec_for(&s, AF_INET, 0, LVS_CHECK_TCP);
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.target_port = 80;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), 0);
	spec_for(&s, AF_INET, 80, LVS_CHECK_HTTP);
	s.http_path = "no-slash";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.http_path = "/ok";
	s.http_host = "evil\r\nX: y";
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.http_host = NULL;
	s.http_status = 700;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	spec_for(&s, AF_INET, 80, LVS_CHECK_EXEC);
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	s.af = 7;
	CU_ASSERT_EQUAL(health_spec_check(&s, msg, sizeof(msg)), -EINVAL);
	spec_for(&s, AF_INET, 80, LVS_CHECK_TCP);
	s.type = (enum lvs_check_type)9;
	CU_ASSERT_EQUAL(health_spec_check(&s, NULL, 0), -EINVAL);

	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	struct lvs_check_spec two[2];
	spec_for(&two[0], AF_INET, 80, LVS_CHECK_TCP);
	spec_for(&two[1], AF_INET, 80, LVS_CHECK_TCP);
	two[1].rise = 5000;
	CU_ASSERT_EQUAL(health_set_checks(h, two, 2), -EINVAL);
	CU_ASSERT_EQUAL(health_count(h), 0); /* nothing changed */
	CU_ASSERT_EQUAL(health_set_checks(h, two, 1), 0);
	CU_ASSERT_EQUAL(health_count(h), 1);
	CU_ASSERT_EQUAL(health_set_checks(h, NULL, 0), 0);
	CU_ASSERT_EQUAL(health_count(h), 0);
	health_free(h);

	CU_ASSERT_EQUAL(health_type_parse("HTTP"), LVS_CHECK_HTTP);
	CU_ASSERT_EQUAL(health_type_parse("exec"), LVS_CHECK_EXEC);
	CU_ASSERT_EQUAL(health_type_parse("icmp"), -EINVAL);
	CU_ASSERT_STRING_EQUAL(health_type_name(LVS_CHECK_UDP), "udp");
}

/* Warm-up delays the first check; max_running bounds checks in flight. */
static void test_warmup_and_limit(void)
{
	struct srv *s = srv_start(AF_INET, SRV_SILENT, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	struct lvs_check_spec spec[8];
	for (int i = 0; i < 8; i++) {
		spec_for(&spec[i], AF_INET, s->port, LVS_CHECK_HTTP);
		spec[i].interval = 1;
		spec[i].timeout = 0.3;
		spec[i].http_path = i % 2 ? "/a" : "/b";
		spec[i].warmup = i < 4 ? 0.0 : 0.02 * i; /* all distinct probes */
		spec[i].http_status = 200 + i;
	}
	spec[7].warmup = 5; /* not within this test */
	struct fake_clock fc;
	fake_clock_init(&fc);
	struct lvs_health_opts o = {.max_running = 2};
	lvs_health *h = engine_fake(&fc, &o);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 8), 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	size_t peak = 0;
	for (int t = 0; t < 200; t++) {
		fake_advance(h, &fc, 0.01);
		struct lvs_health_stats st;
		health_stats(h, &st);
		if (st.running > peak)
			peak = st.running;
	}
	CU_ASSERT(peak <= 2);
	CU_ASSERT(peak >= 1);
	struct lvs_check_result r;
	for (int i = 0; i < 7; i++) {
		health_result(h, (size_t)i, &r);
		CU_ASSERT(r.checks >= 1); /* each got its turn despite the limit */
	}
	health_result(h, 7, &r);
	CU_ASSERT_EQUAL(r.checks, 0);
	CU_ASSERT_EQUAL(r.state, LVS_HEALTH_UNKNOWN);
	/* the warm-up ends at 5 s */
	fake_advance(h, &fc, 3.5);
	health_result(h, 7, &r);
	CU_ASSERT_EQUAL(r.checks, 0);
	/* (behind the queue: seven 0.3 s checks a second share two slots) */
	for (int t = 0; t < 60 && !r.checks; t++) {
		fake_advance(h, &fc, 0.1);
		health_result(h, 7, &r);
	}
	CU_ASSERT(r.checks >= 1);
	health_free(h);
	srv_stop(s);
}

/* Running out of descriptors is our problem, not the real servers': the
 * checks wait for a free fd instead of failing with EMFILE. */
static void test_fd_shortage(void)
{
	/* a listener nobody accepts on: the handshake completes in the kernel,
	 * the HTTP request is never answered, every check holds its fd until
	 * its timeout */
	uint16_t port;
	int lfd = hc_test_bind(AF_INET, SOCK_STREAM, &port);
	CU_ASSERT_FATAL(lfd >= 0 && listen(lfd, 128) == 0);
	struct lvs_check_spec spec[40];
	for (int i = 0; i < 40; i++) {
		spec_for(&spec[i], AF_INET, port, LVS_CHECK_HTTP);
		spec[i].interval = 0.05;
		spec[i].timeout = 0.2 + 0.001 * i; /* distinct probes */
	}
	lvs_health *h = health_new(NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	CU_ASSERT_EQUAL(health_set_checks(h, spec, 40), 0);

	struct rlimit old, low;
	getrlimit(RLIMIT_NOFILE, &old);
	int probe = dup(0); /* the lowest free descriptor number */
	close(probe);
	low = old;
	low.rlim_cur = (rlim_t)probe + 8;
	CU_ASSERT_FATAL(setrlimit(RLIMIT_NOFILE, &low) == 0);
	CU_ASSERT_EQUAL(health_start(h), 0);
	/* until some checks were deferred and some finished (a slow machine
	 * takes longer than the 0.2 s timeouts; 10 s at most) */
	struct lvs_health_stats st;
	size_t ran = 0;
	for (int t = 0; t < 200; t++) {
		hc_test_msleep(50);
		health_stats(h, &st);
		ran = 0;
		for (size_t i = 0; i < 40; i++) {
			struct lvs_check_result r;
			health_result(h, i, &r);
			ran += r.checks > 0;
		}
		if (t >= 11 && st.deferred > 0 && ran > 0)
			break;
	}
	health_stop(h);
	setrlimit(RLIMIT_NOFILE, &old);

	health_stats(h, &st);
	CU_ASSERT(st.deferred > 0);
	ran = 0;
	for (size_t i = 0; i < 40; i++) {
		struct lvs_check_result r;
		health_result(h, i, &r);
		if (r.checks) {
			ran++;
			if (r.failures != r.checks || strncmp(r.error, "timeout after", 13) != 0)
				fprintf(stderr, "check %zu: %llu checks, %llu failures: %s\n", i,
				        (unsigned long long)r.checks, (unsigned long long)r.failures, r.error);
		}
		CU_ASSERT_EQUAL(r.failures, r.checks);
		CU_ASSERT(!r.checks || strncmp(r.error, "timeout after", 13) == 0);
	}
	CU_ASSERT(ran > 0);
	health_free(h);
	close(lfd);
}

int register_health(void)
{
	signal(SIGPIPE, SIG_IGN);
	CU_pSuite s = CU_add_suite("health", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "TCP rise and fall", test_tcp_rise_fall) ||
	    !CU_add_test(s, "TCP closed port", test_tcp_closed_port) ||
	    !CU_add_test(s, "no past results kept by default", test_no_history_by_default) ||
	    !CU_add_test(s, "TCP over IPv6", test_tcp_ipv6) ||
	    !CU_add_test(s, "TCP target port", test_tcp_target_port) ||
	    !CU_add_test(s, "HTTP status and body", test_http_status_and_body) ||
	    !CU_add_test(s, "HTTP wrong status", test_http_wrong_status) ||
	    !CU_add_test(s, "HTTP malformed and empty responses", test_http_malformed) ||
	    !CU_add_test(s, "HTTP response split over reads", test_http_split_reads) ||
	    !CU_add_test(s, "HTTP raw request over IPv6", test_http_raw_request) ||
	    !CU_add_test(s, "HTTP server that never answers", test_http_timeout) ||
	    !CU_add_test(s, "UDP reply, ICMP refused, no-ICMP mode", test_udp) ||
	    !CU_add_test(s, "UDP over IPv6", test_udp_ipv6) ||
	    !CU_add_test(s, "exec: argv, exit codes, timeout kill", test_exec) ||
	    !CU_add_test(s, "identical checks run once", test_dedup) ||
	    !CU_add_test(s, "set_checks keeps unchanged probes", test_set_keeps_state) ||
	    !CU_add_test(s, "stop and restart", test_stop_restart) ||
	    !CU_add_test(s, "retry before counting a failure", test_retry) ||
	    !CU_add_test(s, "on_change per spec", test_on_change) ||
	    !CU_add_test(s, "set_checks from on_change", test_set_from_callback) ||
	    !CU_add_test(s, "annotate a snapshot", test_annotate) ||
	    !CU_add_test(s, "spec validation", test_spec_check) ||
	    !CU_add_test(s, "default specs from a snapshot", test_default_specs) ||
	    !CU_add_test(s, "warm-up and max_running", test_warmup_and_limit) ||
	    !CU_add_test(s, "descriptor shortage defers checks", test_fd_shortage))
		return -1;
	return 0;
}
