/* Tests for the remote source: base URLs, and polls against a one-shot
 * HTTP server on 127.0.0.1 that answers a good document, bad documents,
 * errors, nothing (timeout), or is not there (refused). */
#include <CUnit/CUnit.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collector/doc_bound.h"
#include "collector/snapjson.h"
#include "collector/snapshot.h"
#include "collector/source_remote.h"
#include "loopback_http.h"

static void test_url_base(void)
{
	char out[REMOTE_URL_MAX], err[160];
	CU_ASSERT_EQUAL(remote_url_base("127.0.0.1:9587", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://127.0.0.1:9587");
	CU_ASSERT_EQUAL(remote_url_base("http://lb1.example.net:9587/", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://lb1.example.net:9587");
	CU_ASSERT_EQUAL(remote_url_base("HTTPS://[2001:db8::1]:9587//", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "https://[2001:db8::1]:9587");
	CU_ASSERT_EQUAL(remote_url_base("http://proxy/lvsd/lb1", out, sizeof(out), err, sizeof(err)), 0);
	CU_ASSERT_STRING_EQUAL(out, "http://proxy/lvsd/lb1");

	CU_ASSERT_EQUAL(remote_url_base("", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(remote_url_base("ftp://h:1", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "http://"));
	CU_ASSERT_EQUAL(remote_url_base("http://", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no host"));
	CU_ASSERT_EQUAL(remote_url_base("http:///x", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(remote_url_base("h:1/?x=1", out, sizeof(out), err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(remote_url_base("h 1", out, sizeof(out), err, sizeof(err)), -EINVAL);
	char small[12];
	CU_ASSERT_EQUAL(remote_url_base("127.0.0.1:9587", small, sizeof(small), err, sizeof(err)),
			-ENAMETOOLONG);

	char name[64];
	remote_url_name("http://127.0.0.1:9587", name, sizeof(name));
	CU_ASSERT_STRING_EQUAL(name, "127.0.0.1:9587");
	remote_url_name("https://proxy:8443/lvsd/lb1", name, sizeof(name));
	CU_ASSERT_STRING_EQUAL(name, "proxy:8443");
}

/* --- a one-shot server --------------------------------------------------------- */

struct server {
	int fd, port;
	const char *reply;  /* written after the request; NULL: say nothing */
	size_t reply_len;
	double hold;        /* seconds to wait before closing */
	pthread_t th;
	char request[512];
};

static void *serve(void *arg)
{
	struct server *s = arg;
	int c = accept(s->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t n = 0;
	while (n + 1 < sizeof(s->request)) {
		ssize_t k = read(c, s->request + n, sizeof(s->request) - 1 - n);
		if (k <= 0)
			break;
		n += (size_t)k;
		s->request[n] = 0;
		if (strstr(s->request, "\r\n\r\n"))
			break;
	}
	if (s->reply) /* the client may hang up first: no SIGPIPE */
		(void)!send(c, s->reply, s->reply_len, MSG_NOSIGNAL);
	if (s->hold > 0)
		usleep((useconds_t)(s->hold * 1e6));
	close(c);
	return NULL;
}

static int server_start(struct server *s, const char *reply, double hold)
{
	memset(s, 0, sizeof(*s));
	s->reply = reply;
	s->reply_len = reply ? strlen(reply) : 0;
	s->hold = hold;
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) || listen(s->fd, 4) ||
	    getsockname(s->fd, (struct sockaddr *)&a, &al))
		return -1;
	s->port = ntohs(a.sin_port);
	return pthread_create(&s->th, NULL, serve, s) ? -1 : 0;
}

static void server_stop(struct server *s)
{
	shutdown(s->fd, SHUT_RDWR);
	pthread_join(s->th, NULL);
	close(s->fd);
}

/* One poll of a remote source against a server that answers reply. */
static int poll_once(const char *reply, double hold, double timeout, struct lvs_snapshot **out,
		     char *msg, size_t msglen, struct server *srv)
{
	CU_ASSERT_EQUAL_FATAL(server_start(srv, reply, hold), 0);
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", srv->port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	o.timeout = timeout;
	o.max_bytes = 1 << 20;
	struct lvs_source *src = source_remote_new(base, &o, msg, msglen);
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	*out = NULL;
	int r = source_poll(src, out, msg, msglen);
	source_free(src);
	server_stop(srv);
	return r;
}

static char *http_200(const char *body)
{
	size_t n = strlen(body) + 128;
	char *r = malloc(n);
	snprintf(r, n, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n%s", strlen(body), body);
	return r;
}

static struct lvs_snapshot *sample(void)
{
	struct lvs_snapshot *s = snapshot_new();
	s->time = 1790000000.5;
	s->version = 0x010201;
	struct lvs_service v = { .af = AF_INET, .protocol = IPPROTO_TCP, .port = 80 };
	inet_pton(AF_INET, "203.0.113.10", &v.addr.v4);
	strcpy(v.sched, "wrr");
	v.stats.conns = 1234;
	snapshot_add_service(s, &v);
	struct lvs_dest d = { .af = AF_INET, .port = 80, .fwd = LVS_FWD_MASQ, .weight = 3,
			      .active_conns = 7 };
	inet_pton(AF_INET, "192.0.2.11", &d.addr.v4);
	snapshot_add_dest(s, 0, &d);
	snapshot_finish(s);
	return s;
}

static void test_poll_good(void)
{
	struct lvs_snapshot *want = sample();
	char *doc = snapjson_render(want, 0);
	char *reply = http_200(doc);
	struct server srv;
	struct lvs_snapshot *got;
	char msg[256] = "";
	int r = poll_once(reply, 0, 2, &got, msg, sizeof(msg), &srv);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(srv.request, "GET /api/v1/snapshot HTTP/1.1"));
	if (got) {
		CU_ASSERT_EQUAL(got->n_services, 1);
		CU_ASSERT_EQUAL(got->n_dests, 1);
		CU_ASSERT_DOUBLE_EQUAL(got->time, 1790000000.5, 1e-6);
		CU_ASSERT_DOUBLE_EQUAL(got->mono, 0, 0); /* rates from the director's clock */
		CU_ASSERT_EQUAL(got->services[0].stats.conns, 1234);
		CU_ASSERT_EQUAL(got->services[0].dests[0].weight, 3);
		CU_ASSERT_EQUAL(got->services[0].dests[0].active_conns, 7);
	}
	snapshot_unref(got);
	free(reply);
	free(doc);
	snapshot_unref(want);
}

static void expect_error(const char *reply, int want, const char *in_msg)
{
	struct server srv;
	struct lvs_snapshot *got;
	char msg[256] = "";
	int r = poll_once(reply, 0, 2, &got, msg, sizeof(msg), &srv);
	CU_ASSERT_EQUAL(r, want);
	CU_ASSERT_PTR_NULL(got);
	if (!strstr(msg, in_msg))
		fprintf(stderr, "\n  message \"%s\" lacks \"%s\"\n", msg, in_msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, in_msg));
	for (const char *c = msg; *c; c++) /* every message printable */
		CU_ASSERT((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
	snapshot_unref(got);
}

static void test_poll_bad_documents(void)
{
	char *r1 = http_200("{\"time\": 1, \"services\": [");
	expect_error(r1, -EINVAL, "not a snapshot document");
	free(r1);
	char *r2 = http_200("<html>hello</html>");
	expect_error(r2, -EINVAL, "not a snapshot document");
	free(r2);
	/* Valid JSON, a field of the wrong type: the message names it. */
	struct lvs_snapshot *s = sample();
	char *doc = snapjson_render(s, 0);
	char *p = strstr(doc, "\"port\":80");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	char *bad = malloc(strlen(doc) + 8);
	sprintf(bad, "%.*s\"port\":\"x\"%s", (int)(p - doc), doc, p + strlen("\"port\":80"));
	char *r3 = http_200(bad);
	free(bad);
	expect_error(r3, -EINVAL, "port");
	free(r3);
	free(doc);
	snapshot_unref(s);
	/* A value quoted in the message is made printable (the reader hands
	 * on strings with every unprintable byte as '?'). */
	s = sample();
	doc = snapjson_render(s, 0);
	p = strstr(doc, "\"protocol\":\"tcp\"");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	bad = malloc(strlen(doc) + 32);
	sprintf(bad, "%.*s\"protocol\":\"\\u001b[31mx\"%s", (int)(p - doc), doc, p + strlen("\"protocol\":\"tcp\""));
	char *r5 = http_200(bad);
	free(bad);
	expect_error(r5, -EINVAL, "unknown protocol \"?[31mx\"");
	free(r5);
	free(doc);
	snapshot_unref(s);
	char *r4 = http_200("");
	expect_error(r4, -EINVAL, "not a snapshot document");
	free(r4);
}

static void test_poll_http_errors(void)
{
	expect_error("HTTP/1.1 404 Not Found\r\nContent-Length: 24\r\nConnection: close\r\n\r\n"
		     "not found: /api/v1/snap\n",
		     -EPROTO, "HTTP 404: not found");
	/* The server closes without a word. */
	expect_error(NULL, -EIO, "127.0.0.1");
}

static void test_poll_timeout_and_refused(void)
{
	struct server srv;
	struct lvs_snapshot *got;
	char msg[256] = "";
	/* Headers, then silence: the transfer timeout ends it. */
	int r = poll_once("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{", 1.5, 0.3, &got, msg,
			  sizeof(msg), &srv);
	CU_ASSERT_EQUAL(r, -ETIMEDOUT);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "timeout"));
	snapshot_unref(got);

	/* A port nobody listens on: bind one, close it, connect. */
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);
	CU_ASSERT_EQUAL_FATAL(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	getsockname(fd, (struct sockaddr *)&a, &al);
	close(fd);
	char base[64];
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", ntohs(a.sin_port));
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	struct lvs_source *src = source_remote_new(base, &o, msg, sizeof(msg));
	got = NULL;
	r = source_poll(src, &got, msg, sizeof(msg));
	CU_ASSERT_EQUAL(r, -ECONNREFUSED);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "connection refused"));
	CU_ASSERT_PTR_NULL(got);
	source_free(src);
}

/* 64 MiB of one JSON string in 64 KiB of gzip: refused past the guard's
 * bound, with a clear message, and memory stays far below the 64 MiB the
 * value would take (it took 257 MiB of peak RSS when held whole). */
static void test_gzip_amplification_bounded(void)
{
	size_t len;
	char *reply = lb_gzip_answer("{\"time\": 1790000000, \"version\": \"1.2.1\", \"x\": \"", 'A',
				  (size_t)64 << 20, "\", \"services\": []}", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(reply);
	CU_ASSERT(len < 100 << 10);
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, reply, len), 0);
	char base[64], msg[256] = "";
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", srv.port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	struct lvs_source *src = source_remote_new(base, &o, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	size_t before = lb_peak_rss(true);
	struct lvs_snapshot *got = NULL;
	int r = source_poll(src, &got, msg, sizeof(msg));
	size_t after = lb_peak_rss(false);
	CU_ASSERT_EQUAL(r, -EFBIG);
	CU_ASSERT_PTR_NULL(got);
	if (!strstr(msg, "a string is larger than 65536 bytes"))
		fprintf(stderr, "\n  message: %s\n", msg);
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "a string is larger than 65536 bytes"));
	CU_ASSERT_PTR_NOT_NULL(strstr(msg, "/api/v1/snapshot"));
	CU_ASSERT(before > 0 && after > 0);
	/* Growth of the peak: a few MiB (libcurl, zlib, the guard's bound),
	 * never the inflated 64 MiB. */
	if (after - before >= (size_t)16 << 20)
		fprintf(stderr, "\n  peak RSS grew by %zu KiB\n", (after - before) >> 10);
	CU_ASSERT(after - before < (size_t)16 << 20);
	source_free(src);
	lb_stop(&srv);
	free(reply);
}

/* Polls reuse the source's connection (with https, its TLS session). */
static void test_poll_connection_kept(void)
{
	struct lvs_snapshot *want = sample();
	char *doc = snapjson_render(want, 0);
	size_t n = strlen(doc) + 128;
	char *reply = malloc(n);
	snprintf(reply, n, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		 strlen(doc), doc);
	struct lb_server srv;
	CU_ASSERT_EQUAL_FATAL(lb_start(&srv, reply, strlen(reply)), 0);
	char base[64], msg[256] = "";
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", srv.port);
	struct lvs_remote_opts o = LVS_REMOTE_OPTS_DEFAULT;
	struct lvs_source *src = source_remote_new(base, &o, msg, sizeof(msg));
	CU_ASSERT_PTR_NOT_NULL_FATAL(src);
	for (int i = 0; i < 3; i++) {
		struct lvs_snapshot *got = NULL;
		CU_ASSERT_EQUAL(source_poll(src, &got, msg, sizeof(msg)), 0);
		CU_ASSERT(got && got->n_dests == 1);
		snapshot_unref(got);
	}
	source_free(src);
	lb_stop(&srv);
	CU_ASSERT_EQUAL(srv.requests, 3);
	CU_ASSERT_EQUAL(srv.accepts, 1);
	free(reply);
	free(doc);
	snapshot_unref(want);
}

int register_source_remote(void)
{
	CU_pSuite s = CU_add_suite("collector remote source", NULL, NULL);
	if (!s)
		return -1;
	if (!CU_add_test(s, "base URLs", test_url_base) || !CU_add_test(s, "good document", test_poll_good) ||
	    !CU_add_test(s, "bad documents", test_poll_bad_documents) ||
	    !CU_add_test(s, "HTTP errors", test_poll_http_errors) ||
	    !CU_add_test(s, "timeout and refused", test_poll_timeout_and_refused) ||
	    !CU_add_test(s, "connection kept across polls", test_poll_connection_kept) ||
	    !CU_add_test(s, "gzip amplification bounded", test_gzip_amplification_bounded))
		return -1;
	return 0;
}
